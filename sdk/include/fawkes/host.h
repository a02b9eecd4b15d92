/* fawkes/host.h: the services the host lends to plugins, and the per-call context. */
#ifndef FAWKES_HOST_H
#define FAWKES_HOST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fawkes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The per-call context. The host passes one to every plugin call; it names the plugin
 * instance, the operation and (for provider tasks) the task, and carries the call's error
 * message. Opaque: only the host's services read it. Valid for the duration of the call;
 * never keep it after returning. Each concurrent call has its own context.
 */
typedef struct fwk_ctx fwk_ctx;

typedef enum fwk_log_level {
    FWK_LOG_DEBUG = 0,
    FWK_LOG_INFO = 1,
    FWK_LOG_WARN = 2,
    FWK_LOG_ERROR = 3
} fwk_log_level;

/* One HTTP header (name without the colon). */
typedef struct fwk_http_header {
    const char *name;
    const char *value;
} fwk_http_header;

/* Request flags. */
#define FWK_HTTP_MUTATING 0x1u /* the request changes remote state (counted, audited) */
#define FWK_HTTP_NO_RETRY 0x2u /* do not retry, even on 429/5xx/timeouts */

/* A response the host received. Allocated by the host; free with host->http_response_free. */
typedef struct fwk_http_response {
    size_t struct_size; /* sizeof(fwk_http_response) as the host compiled it */
    long status;        /* HTTP status code (200, 404, 429, ...) */
    const char *body;   /* NUL-terminated body (may contain NULs: use body_len) */
    size_t body_len;
    const fwk_http_header *headers; /* response headers in order received, names as sent */
    size_t header_count;
    int attempts; /* how many times the host sent it (1 = no retry) */
} fwk_http_response;

/* An HTTP request a plugin asks the host to send. All pointers are borrowed for the call. */
typedef struct fwk_http_request {
    size_t struct_size;             /* sizeof(fwk_http_request) */
    const char *method;             /* "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD" */
    const char *url;                /* absolute http:// or https:// URL */
    const fwk_http_header *headers; /* extra request headers, or NULL */
    size_t header_count;
    const char *body; /* request body, or NULL */
    size_t body_len;
    long timeout_ms; /* per-attempt timeout; 0 = limits.timeout (30 s) */
    uint32_t flags;  /* FWK_HTTP_* */
    /* Names of headers whose values are secrets (e.g. "Authorization"): never logged.
       Authorization, Proxy-Authorization, Cookie and X-Api-Key are always treated so. */
    const char *const *secret_headers; /* NULL-terminated, or NULL */

    /* --- ABI 1.3 (a host older than 1.3 ignores these; read host->abi_minor) --- */

    /* retry_check: optional, for an API that says "slow down" in its own words (Google's 403
       rateLimitExceeded). Called, while retries remain, with every response but those the
       host retries by itself (429 and 503; 500, 502 and 504 of a request that is not
       mutating), 2xx included. The last attempt's response is returned unchecked.
       Return a negative number to take the response as it is, 0 to retry it with the
       host's backoff, or a wait in milliseconds, as a Retry-After header would give it (more
       than limits.backoff_max is cut to it). A retry counts against limits.retries and is
       never made for FWK_HTTP_NO_RETRY. Called on the thread that called http_request, with
       the response borrowed for the call; it must not call the host. */
    long (*retry_check)(const fwk_http_response *response, void *arg);
    void *retry_arg; /* handed to retry_check */
} fwk_http_request;

/* An e-mail a plugin asks the host to send (ABI 1.1, host->mail_send). All pointers are
   borrowed for the call. */
typedef struct fwk_mail {
    size_t struct_size;    /* sizeof(fwk_mail) */
    const char *url;       /* smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT] (TLS) */
    const char *from;      /* sender address, e.g. "fawkes@example.com" (envelope and From) */
    const char *const *to; /* recipient addresses, NULL-terminated, at least one */
    const char *subject;   /* UTF-8; the host encodes it (RFC 2047) */
    const char *text;      /* the text/plain part, UTF-8 */
    const char *html;      /* the text/html part, UTF-8, or NULL */
    const char *username;  /* SMTP AUTH user, or NULL for none */
    const char *password;  /* SMTP AUTH password (a secret: redacted everywhere), or NULL */
    long timeout_ms;       /* per attempt; 0 = the instance's limits.timeout */
} fwk_mail;

/*
 * The host services table. It begins with its size and only grows at the end: before using
 * a service added in a later minor, check `FWK_HOST_HAS(host, member)`. The table itself is
 * const and lives as long as the process. Every service takes the per-call context the host
 * passed to the plugin function being run. Unless said otherwise, every service is safe to
 * call concurrently from the calls the host runs concurrently.
 */
typedef struct fwk_host {
    size_t struct_size;
    uint16_t abi_major, abi_minor; /* the host's ABI */

    /* --- ABI 1.0 --- */

    /* log: write a log line attributed to the plugin instance. Secrets the host knows of are
       redacted. printf-style; `fmt` must not be NULL. */
    void (*log)(fwk_ctx *ctx, fwk_log_level level, const char *fmt, ...) FWK_PRINTF(3, 4);

    /* fail: set this call's error message (printf-style), replacing any earlier one, then
       return FWK_ERROR/FWK_RETRY/FWK_PARTIAL from the plugin function. Say what failed,
       where (region, request, resource) and what to do. */
    void (*fail)(fwk_ctx *ctx, const char *fmt, ...) FWK_PRINTF(2, 3);

    /* config: the instance's validated config (defaults filled in): the object init was
       given. It is owned by the host; it stays valid and unchanged until the instance's fini
       has returned, so the instance may keep pointers into it (a string from
       json_string_value, a member object) without a reference of its own. */
    const json_t *(*config)(fwk_ctx *ctx);

    /* secret_get: resolve a secret reference, "env:NAME" or "file:/path" (at most 1 MiB, no
       NUL bytes, one trailing newline dropped: the config's rules), into *value (a new
       NUL-terminated string; free with host->free). The value is registered so it is redacted from
       every log, output and notification. FWK_ERROR (with the reason on ctx) when missing or
       unreadable. */
    fwk_status (*secret_get)(fwk_ctx *ctx, const char *ref, char **value);

    /* http_request: send a request through the host: egress allowlist, TLS verification,
       this instance's concurrency cap and rate limit, retries with exponential backoff and
       jitter on 429/5xx/timeouts honouring Retry-After, counters. On FWK_OK *response holds
       the final response, whatever its HTTP status (a 404, or the last 429 when retries ran
       out: read `status`). FWK_ERROR (reason on ctx) when no response could be had: refused
       by the allowlist, DNS/connect/TLS failure, timeouts after all retries. FWK_CANCELLED
       when the run is being stopped. */
    fwk_status (*http_request)(fwk_ctx *ctx, const fwk_http_request *request,
                               fwk_http_response **response);
    /* http_response_free: free a response from http_request. NULL is allowed. */
    void (*http_response_free)(fwk_http_response *response);
    /* http_header: the first response header named `name` (case-insensitive), or NULL.
       Borrowed from the response. */
    const char *(*http_header)(const fwk_http_response *response, const char *name);

    /* emit_resource: hand one normalized resource (a JSON object, see docs/sdk.md) to the
       host. The host takes over the reference, even on failure. FWK_ERROR when the object
       lacks required fields (said on ctx and in the run's failures); FWK_CANCELLED when the
       run is being stopped: return promptly. */
    fwk_status (*emit_resource)(fwk_ctx *ctx, json_t *resource);
    /* emit_finding: hand one finding (see docs/sdk.md) to the host; takes the reference. */
    fwk_status (*emit_finding)(fwk_ctx *ctx, json_t *finding);

    /* cancelled: nonzero when the host wants the call to stop (signal, deadline, a failed
       dependency). Long loops check it between pages. */
    int (*cancelled)(fwk_ctx *ctx);

    /* counter_add: add `delta` to the instance's counter `name` ([a-z0-9_.]+), shown with -v
       and in JSON output. */
    void (*counter_add)(fwk_ctx *ctx, const char *name, int64_t delta);

    /* alloc/free: memory the host frees or that the host returned (secret_get). */
    void *(*alloc)(size_t size);
    void (*free)(void *ptr);

    /* --- ABI 1.1 --- */

    /* mail_send: send one e-mail over SMTP through the host: the egress allowlist applies to
       the mail host (as to HTTP hosts), TLS certificates are verified, smtps:// is TLS from
       the start and smtp:// upgrades with STARTTLS when offered (required for any host but
       loopback), AUTH uses username/password, transient failures (connect, timeout, SMTP
       4xx) are retried with backoff under the instance's limits. A multipart/alternative
       message (text, and HTML when given) with From, To, Subject, Date and Message-ID.
       FWK_OK when the server accepted it; FWK_RETRY when it may work later; FWK_ERROR when
       it never will as configured (bad address, refused by the allowlist, SMTP 5xx, TLS
       verification or authentication failure); reason on ctx. Counted as "mails". Check
       FWK_HOST_HAS(host, mail_send) first. */
    fwk_status (*mail_send)(fwk_ctx *ctx, const fwk_mail *mail);
} fwk_host;

/* True when `host` (compiled into a possibly newer host) provides `member`. */
#define FWK_HOST_HAS(host, member)                                                                 \
    ((host)->struct_size >= offsetof(fwk_host, member) + sizeof(((fwk_host *)0)->member) &&        \
     (host)->member != NULL)

#ifdef __cplusplus
}
#endif
#endif /* FAWKES_HOST_H */
