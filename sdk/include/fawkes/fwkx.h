/* fawkes/fwkx.h: helpers for plugin authors, built only on the public SDK (libfawkesx.a). */
#ifndef FAWKES_FWKX_H
#define FAWKES_FWKX_H

/*
 * fwkx is to the SDK what lauxlib is to lua.h: small helpers every plugin would otherwise
 * write again (JSON getters, severities, a growable buffer, RFC 3339 time, clocks, UTF-8
 * cuts, a JSON call over the host's HTTP service, a pagination loop). It uses only what
 * fawkes/fawkes.h offers, so a plugin that links it depends on nothing else.
 *
 * NOT PART OF THE ABI PROMISE. fwkx is a static library linked into the plugin (link
 * `libfawkesx.a`: `pkg-config --libs --static fawkes-sdk`, or Fawkes::helpers in CMake,
 * which fawkes_add_plugin() links for you). Its code becomes part of your .so, so a newer
 * Fawkes never changes a plugin already built; its API may change between Fawkes minor
 * versions (you see that when you rebuild). Its symbols are hidden: two plugins linking
 * different fwkx versions do not clash.
 *
 * Memory: functions that return new memory say so; free it with free() (fwkx allocates
 * with malloc), except JSON values (json_decref). Thread-safety: every function is safe to
 * call from several threads at once on different arguments; none keeps global state.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "fawkes/fawkes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------
 * JSON getters: a member of an object, or `fallback` when `object` is not an object, the key
 * is absent, or the member has another type. `object` may be NULL. Never allocate.
 */

/* The string member `key` (borrowed from `object`), or `fallback`. */
const char *fwkx_str(const json_t *object, const char *key, const char *fallback);
/* The string member `key` when it is not empty (borrowed), else `fallback`: for text shown
   to people, where "" means "not given" ("title": "" falls back to the rule's name). */
const char *fwkx_text(const json_t *object, const char *key, const char *fallback);
/* The integer member `key`, or `fallback` (a real is not an integer). */
json_int_t fwkx_int(const json_t *object, const char *key, json_int_t fallback);
/* The number member `key` (integer or real), or `fallback`. */
double fwkx_num(const json_t *object, const char *key, double fallback);
/* The boolean member `key` (1 or 0), or `fallback`. */
int fwkx_bool(const json_t *object, const char *key, int fallback);
/* The member at a dotted path ("labels.env", "attributes.rules"), or NULL. Borrowed. Keys
   containing dots cannot be reached this way: use json_object_get. */
const json_t *fwkx_path(const json_t *object, const char *dotted_path);
/* "an object", "an array", "a string", "a number", "a boolean", "null": for messages such as
   "\"public\" is a string; expected true, false or null". Static; never NULL. */
const char *fwkx_type_name(const json_t *value);

/* A resource as people read it in messages: "NAME (UID)", or "UID" when it has no name or the
   name is the uid, or "-" when `resource` (a resource, or a finding's "resource") has
   neither. Written into `buf` (`size` bytes, cut when longer); returns `buf`. */
const char *fwkx_resource_label(const json_t *resource, char *buf, size_t size);

/*
 * fwkx_json_parse_fast: parse `len` bytes holding one JSON object or array (a JSON Lines
 * line, not NUL-terminated) into jansson values, as json_loadb(text, len,
 * JSON_REJECT_DUPLICATES) would, only faster (jansson reads through a function call per
 * byte; this scans runs of plain characters in loops). NULL when it gives up: invalid input,
 * a document that is not an object or array, or anything it leaves to jansson (such as
 * duplicate keys or nesting deeper than 256); then call json_loadb, which parses it or says
 * what is wrong. A value it returns is exactly the one jansson would return (key order,
 * number bits). `*scratch`
 * (`*scratch_cap` bytes; start with NULL, 0) is a buffer it grows as needed: reuse it across
 * calls, free() it at the end. Returns a new reference. Thread-safe on distinct scratch
 * buffers.
 */
json_t *fwkx_json_parse_fast(const char *text, size_t len, char **scratch, size_t *scratch_cap);

/* Nonzero when one of the 8 bytes of `v` (a word of string bytes) is below 0x20, '"' or
   '\\': the bytes a JSON string must escape. A byte of 0x80 or more can make it nonzero too:
   check those apart. For JSON writers that copy whole words of a string that needs no escape. */
static inline uint64_t fwkx_json_word_special(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
    return ((v - ones * 0x20) | (quote - ones) | (backslash - ones)) & ~v & high;
}

/* ------------------------------------------------------------------------------------------
 * Severities of findings, in increasing order, so they compare with < and >.
 */
typedef enum fwkx_severity {
    FWKX_SEV_INFO = 0,
    FWKX_SEV_LOW = 1,
    FWKX_SEV_MEDIUM = 2,
    FWKX_SEV_HIGH = 3,
    FWKX_SEV_CRITICAL = 4
} fwkx_severity;

/* The names, lowest first, NULL-terminated: usable as FWK_OPTION_ENUM's allowed list. */
extern const char *const fwkx_severity_names[];
/* Parse "info", "low", "medium", "high" or "critical" (exactly, lowercase) into *out.
   0 when known, -1 otherwise (*out untouched). */
int fwkx_severity_parse(const char *text, fwkx_severity *out);
/* The name of `severity` ("high"), or "unknown" for a value outside the enum. Static. */
const char *fwkx_severity_name(fwkx_severity severity);

/* ------------------------------------------------------------------------------------------
 * A growable, NUL-terminated byte buffer. Start from FWKX_BUF_INIT (or zeroed memory). An
 * append that cannot allocate returns -1, leaves the text as it was and sets `failed`, so a
 * series of appends may be checked once at the end. Not thread-safe per buffer.
 */
typedef struct fwkx_buf {
    char *data; /* NUL-terminated text, or NULL while nothing was appended */
    size_t len; /* bytes in data, not counting the NUL */
    size_t cap; /* bytes allocated */
    int failed; /* nonzero once an append ran out of memory */
} fwkx_buf;
#define FWKX_BUF_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Make room for `extra` more bytes (and the NUL) without moving the text again: appends
   of up to `extra` bytes after it cannot fail. For writers that fill `data` directly (then
   they set `len`, and the NUL by an append or by hand). 0 or -1 (`failed` set). */
int fwkx_buf_reserve(fwkx_buf *buf, size_t extra);
/* Append `len` bytes of `bytes` (may contain NULs). 0 or -1. */
int fwkx_buf_add(fwkx_buf *buf, const void *bytes, size_t len);
/* Append a NUL-terminated string. 0 or -1. */
int fwkx_buf_adds(fwkx_buf *buf, const char *text);
/* Append printf-style. 0 or -1. */
int fwkx_buf_addf(fwkx_buf *buf, const char *fmt, ...) FWK_PRINTF(2, 3);
/* The same with a va_list. 0 or -1. */
int fwkx_buf_vaddf(fwkx_buf *buf, const char *fmt, va_list ap) FWK_PRINTF(2, 0);
/* Append `text` URL-escaped for a path segment or a query value (RFC 3986: every byte but
   A-Z a-z 0-9 - _ . ~ becomes %XX, upper-case hex). 0 or -1. */
int fwkx_buf_add_escaped(fwkx_buf *buf, const char *text);
/* The text so far: "" when empty, never NULL. Borrowed until the next append or free. */
const char *fwkx_buf_str(const fwkx_buf *buf);
/* Hand the text over: a malloc'd NUL-terminated string (free() it; "" when empty), or NULL
   when an append had failed or memory ran out. The buffer is emptied either way. */
char *fwkx_buf_take(fwkx_buf *buf);
/* Free the text and empty the buffer; it may be reused. */
void fwkx_buf_free(fwkx_buf *buf);

/*
 * fwkx_json_dump_fast: append `value` to `buf` as compact JSON: exactly the bytes
 * json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) returns (members in their order, strings
 * escaped as jansson escapes them, reals in jansson's own digits), only faster: no allocation
 * per container, plain runs of a string copied eight bytes at a time. Returns 0; or -1 where
 * json_dumps fails too (a string that is not UTF-8, made with json_string_nocheck; a value
 * holding itself, refused once nesting passes 2048 levels) or when memory runs out: `buf`
 * then holds what it held before, its `failed` set only when memory ran out. Reads `value`
 * only: thread-safe on distinct buffers while nothing changes the value.
 */
int fwkx_json_dump_fast(fwkx_buf *buf, const json_t *value);

/* Append `len` bytes of UTF-8 `text` as a JSON string, quoted and escaped as
   fwkx_json_dump_fast writes strings (also for an object's keys). 0; or -1 (not UTF-8, or out
   of memory: `buf` as it was). */
int fwkx_json_dump_string(fwkx_buf *buf, const char *text, size_t len);

/* ------------------------------------------------------------------------------------------
 * Time. One grammar for every timestamp a plugin reads, RFC 3339 (section 5.6):
 *
 *   date-time = YYYY-MM-DD ("T" | "t" | " ") hh:mm:ss [ "." 1*digit ] ( "Z" | "z" | ("+"|"-") hh:mm
 * ) or a full-date alone, YYYY-MM-DD, meaning 00:00:00Z of that day.
 *
 * Exactly these digit counts; years 0000-9999; month 01-12; day valid for the month (leap
 * years included); hh 00-23, mm 00-59, ss 00-60 (a leap second counts as :59); offsets up
 * to 23:59. Nothing may follow. The fraction is kept to the millisecond (truncated).
 */

/* Longest text fwkx_time_format writes, with its NUL: "2026-01-02T03:04:05.678Z". */
#define FWKX_TIME_MAX 25

/* Parse `text` into milliseconds since 1970-01-01T00:00:00Z (negative before 1970).
   0 when it follows the grammar, -1 otherwise (*unix_ms untouched). NULL text is -1. */
int fwkx_time_parse(const char *text, int64_t *unix_ms);
/* Write `unix_ms` as "YYYY-MM-DDThh:mm:ssZ" in UTC, or "...ss.mmmZ" when it has a
   millisecond part, into `out` (at least FWKX_TIME_MAX bytes). Returns `out`; "" for a time
   outside years 0000-9999. */
char *fwkx_time_format(int64_t unix_ms, char *out, size_t size);

/* Milliseconds of a clock that only moves forward (CLOCK_MONOTONIC): for durations,
   deadlines and rates. Its zero means nothing. */
int64_t fwkx_clock_mono_ms(void);
/* Milliseconds since 1970-01-01T00:00:00Z (CLOCK_REALTIME): for timestamps. May jump. */
int64_t fwkx_clock_wall_ms(void);

/* ------------------------------------------------------------------------------------------
 * UTF-8 cuts, for limits in bytes (message sizes of Slack, PagerDuty, mail subjects).
 */

/* The length of the longest prefix of text[0..len) of at most `max_bytes` bytes that does
   not end inside a UTF-8 sequence. Invalid bytes count as one character each. */
size_t fwkx_utf8_prefix(const char *text, size_t len, size_t max_bytes);
/* Cut the NUL-terminated `text` in place to at most `max_bytes` bytes (not counting the
   NUL) on a character boundary. Returns the new length. */
size_t fwkx_utf8_truncate(char *text, size_t max_bytes);
/* A new string (free()) of at most `max_bytes` bytes: `text` when it fits, else its longest
   prefix that fits with "…" (U+2026, 3 bytes) appended. NULL when out of memory or
   max_bytes < 3 and text does not fit. */
char *fwkx_utf8_ellipsize(const char *text, size_t max_bytes);

/* ------------------------------------------------------------------------------------------
 * A JSON call through host->http_request.
 *
 * The helper serializes `body`, sends the request with "Accept: application/json" (and
 * "Content-Type: application/json" when there is a body) plus your headers, and parses the
 * answer. Every failure is reported on ctx with host->fail in one standard form:
 *
 *     METHOD URL -> HTTP N: REASON (after K attempts)HINT
 *
 * where REASON comes from the error body when it has a known shape ({"message"},
 * {"error": {"message", "status"}}, {"error": "..."}, {"code", "reason"}, {"errors": [...]},
 * {"error_description"}), else its first 200 printable bytes; "(after K attempts)" appears
 * when the host retried; HINT is what `hint` returns for the status (e.g. "; check the API
 * token"). A URL that holds a secret (webhooks) is redacted by the host like every secret it
 * knows of.
 */
typedef struct fwkx_http_call {
    const char *method;             /* "GET", "POST", ... */
    const char *url;                /* absolute URL */
    const json_t *body;             /* serialized compact; NULL for none */
    const fwk_http_header *headers; /* extra headers (Authorization, ...), or NULL */
    size_t header_count;
    const char *const *secret_headers; /* as in fwk_http_request; NULL-terminated or NULL */
    uint32_t flags;                    /* FWK_HTTP_MUTATING, FWK_HTTP_NO_RETRY */
    long timeout_ms;                   /* 0: the instance's limits.timeout */
    int body_optional;                 /* nonzero: a 2xx answer that is not JSON is fine (Slack
                                          answers "ok"); *answer is then NULL */
    /* Optional: text appended to failure messages for a status, e.g. for 401
       "; set a valid token in the instance's config". NULL or "" for none. */
    const char *(*hint)(long http_status);
    /* Optional: a response header to keep in result->header (e.g. "Link", "ETag"). */
    const char *capture_header;
    /* Optional: fwk_http_request's retry_check and its argument (hosts of ABI 1.3 on), for
       an API that says "slow down" with a status the host does not retry by itself. */
    long (*retry_check)(const fwk_http_response *response, void *arg);
    void *retry_arg;
} fwkx_http_call;

/* What came back. Zero it before the call; free with fwkx_http_result_free. */
typedef struct fwkx_http_result {
    long status;    /* HTTP status, 0 when no response was had */
    int attempts;   /* how many times the host sent it */
    json_t *answer; /* the parsed body (2xx or error), new reference, or NULL */
    char *header;   /* the value of call->capture_header (malloc'd), or NULL when absent */
} fwkx_http_result;

/*
 * Send `call` and parse its answer into *result.
 * FWK_OK: a 2xx answer whose body is JSON (or empty, or any body with body_optional).
 * FWK_RETRY: HTTP 408, 425, 429 or 5xx after the host's own retries: it may work later.
 * FWK_ERROR: any other status, a 2xx body that is not JSON, or out of memory.
 * Other statuses of host->http_request (FWK_ERROR for refused or unreachable hosts,
 * FWK_CANCELLED) are returned as they are, with the host's message on ctx.
 * result->answer holds the parsed body also on failure, when it was JSON (read a provider's
 * own error code from it). Concurrent: as host->http_request.
 */
fwk_status fwkx_http_json(const fwk_host *host, fwk_ctx *ctx, const fwkx_http_call *call,
                          fwkx_http_result *result);
/* Release what fwkx_http_json left in *result and zero it. */
void fwkx_http_result_free(fwkx_http_result *result);
/* Write the standard failure message for a response into `out` (used by fwkx_http_json;
   for plugins that send requests themselves). Returns `out`. */
char *fwkx_http_describe(const char *method, const char *url, long http_status, int attempts,
                         const char *body, size_t body_len, const char *hint, char *out,
                         size_t size);

/* ------------------------------------------------------------------------------------------
 * Pagination: a GET loop over a listing API, following its pages until the last.
 */
typedef enum fwkx_page_style {
    /* ?PAGE=1&PER_PAGE=n, then 2, 3, ... The last page is the one numbered by the answer's
       `pages_key` (total pages) when present, else the first page with fewer than
       per_page items. (Civo, DigitalOcean, GitLab-style APIs.) */
    FWKX_PAGE_NUMBER = 1,
    /* The answer's `next_key` (e.g. "nextPageToken") holds a token sent back as the query
       parameter `token_param` (e.g. "pageToken"); no token or "" ends. (Google APIs.) */
    FWKX_PAGE_TOKEN = 2,
    /* The response header "Link: <URL>; rel=\"next\"" names the next page (RFC 8288);
       none ends. (GitHub-style APIs.) */
    FWKX_PAGE_LINK = 3,
    /* One GET, no page parameters: for the listings of an API that are not paginated, so
       they share the item handling and messages of the paginated ones. */
    FWKX_PAGE_NONE = 4
} fwkx_page_style;

/* Called once per page with its answer (borrowed for the call). Return FWK_OK to go on. */
typedef fwk_status (*fwkx_page_fn)(void *arg, const json_t *answer);
/* Called once per item when `on_page` is NULL (borrowed for the call). FWK_OK to go on. */
typedef fwk_status (*fwkx_item_fn)(void *arg, const json_t *item);

typedef struct fwkx_pager {
    fwkx_page_style style;
    const char *url;                /* the first page's URL; may already hold a query */
    const fwk_http_header *headers; /* sent with every page, or NULL */
    size_t header_count;
    const char *const *secret_headers;
    const char *(*hint)(long http_status); /* as in fwkx_http_call */
    /* Where the items are: the answer's member `items_key` (an array; an absent or null
       member is an empty page), or the answer itself when items_key is NULL. With
       items_key set, an answer that is a bare array is taken as the whole listing (APIs
       that skip pagination for small collections) and ends the loop. */
    const char *items_key;
    /* Nonzero: an answer without the member `items_key` is an error, not an empty page (for
       APIs that always send it, so that another JSON answer is not taken for a listing). */
    int items_required;
    /* FWKX_PAGE_NUMBER: parameter names (default "page", "per_page"), items per page
       (default 100), and the member giving the total pages (NULL: end on a short page;
       with on_page and no pages_key only the first page is fetched). */
    const char *page_param, *per_page_param;
    long per_page;
    const char *pages_key;
    /* FWKX_PAGE_TOKEN: the answer's member with the next token and the query parameter that
       sends it back (defaults "nextPageToken" and "pageToken"). */
    const char *next_key, *token_param;
    long max_pages;       /* stop with an error after this many (default 100000) */
    fwkx_page_fn on_page; /* either this... */
    fwkx_item_fn on_item; /* ...or this */
    void *arg;
} fwkx_pager;

/*
 * Fetch every page of `pager` with GET through fwkx_http_json, handing each page or item to
 * the callback. Checks host->cancelled between pages (FWK_CANCELLED). Returns FWK_OK after
 * the last page; a failed page's status (message on ctx, naming the page's URL); a
 * callback's first non-OK status as it is; FWK_ERROR when a page has no list where one was
 * expected, a token repeats, or max_pages is passed. Concurrent: as host->http_request.
 */
fwk_status fwkx_paginate(const fwk_host *host, fwk_ctx *ctx, const fwkx_pager *pager);

#ifdef __cplusplus
}
#endif
#endif /* FAWKES_FWKX_H */
