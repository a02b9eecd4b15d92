/* history_internal.h: the pieces history.c is built from: fingerprint keys in a flat hash
   table, pages of finding records compressed with zlib, and the upgrade of older state
   files. */
#ifndef HOST_HISTORY_INTERNAL_H
#define HOST_HISTORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "diag.h"
#include "fawkes/fwkx.h"
#include "state.h"

#define HISTORY_KEY_BYTES 16

/* Status and delta as stored in history_keys. */
enum {
    HKEY_NONE = 0,
    HKEY_FAIL = 1,
    HKEY_ERROR = 2,
    HKEY_RESOLVED = 3
};
enum {
    HDELTA_NEW = 0,
    HDELTA_OPEN = 1,
    HDELTA_RESOLVED = 2
};
/* Kinds of page (history_pages.kind). */
enum {
    HPAGE_FAILS = 1,
    HPAGE_RESOLVED = 2,
    HPAGE_CARRIED = 3
};

/* The 16-byte key of a fingerprint: its first 16 bytes when it is 64 lowercase hex digits
   (the host's own SHA-256 fingerprints), else the first 16 bytes of its SHA-256. */
void hkey_of(const char *fingerprint, uint8_t key[HISTORY_KEY_BYTES]);

/* The 32 bytes of a fingerprint of exactly 64 lowercase hex digits (the host's own SHA-256
   fingerprints) into `out`: true; false for any other text (`out` then undefined). */
bool hkey_fingerprint_bytes(const char *fingerprint, uint8_t out[32]);

/*
 * The baseline's fail and error keys, for the delta of each finding as it streams by: per
 * status a sorted array of the keys' first HBASE_KEY_BYTES bytes and an index of where each
 * value of their first two bytes starts: about 8 bytes a key, no empty slots. 64 bits: with a
 * million fails on each side, the chance that a new finding streams out labelled "open" is
 * about 1 in 10^7 a run, and what the run records is right regardless (history_chain_end
 * compares the full keys). Zero-initialise for an empty set. Loaded by one thread, then
 * read-only: hbase_has is thread-safe.
 */
#define HBASE_KEY_BYTES 8
typedef struct hbase_set {
    uint8_t *keys; /* count keys of HBASE_KEY_BYTES bytes, ascending */
    size_t count;
    uint32_t *bucket; /* 65537 entries: keys starting with two bytes b begin at bucket[b] */
} hbase_set;
typedef struct hbase {
    hbase_set fail, error;
} hbase;

/* Load the fail and error keys of run `seq` from history_keys (in key order, as its primary
   key holds them). Returns 0; or -1 with err (the state does not read, or out of memory). */
int hbase_load(hbase *b, state_store *st, int64_t seq, diag *err);

/* Does the baseline hold `key` (HISTORY_KEY_BYTES bytes) with `status` (HKEY_FAIL or
   HKEY_ERROR)? */
bool hbase_has(const hbase *b, int status, const uint8_t *key);

/* Free; the set is empty after. */
void hbase_free(hbase *b);

/*
 * The run's fail and error keys, in the order they arrive, sorted on disk: a record per
 * finding kept (its key, the page holding its JSON, its status). Each marking thread fills its
 * own chunk of HSORT_CHUNK records; each full chunk is sorted (by key, then page: the first report
 * of a key comes first) and stored as one run, a blob in history_tmp.keyruns; history_chain_end
 * merges the runs back in order and joins them with the baseline's keys. Memory: a chunk
 * (768 KiB) per marking thread while marking, a small buffer per run while merging.
 */
typedef struct hsort_rec {
    uint8_t key[HISTORY_KEY_BYTES];
    uint32_t page;
    uint8_t status;
    uint8_t pad[3];
} hsort_rec;
#define HSORT_CHUNK 32768

/* Sort `recs` and store them as one run through `insert` (a statement inserting its one
   parameter, the run's blob, into history_tmp.keyruns). The caller serialises the use of
   the connection. Returns 0, or -1 (the statement's error is on the connection). */
int hsort_write_run(sqlite3_stmt *insert, hsort_rec *recs, size_t count);

/* A merge of every run in history_tmp.keyruns. */
typedef struct hsort_merge hsort_merge;

/* Open the runs for reading. Returns 0, or -1 (the error is on the connection; out of
   memory leaves it untouched). Close with hsort_merge_close before the runs are deleted. */
int hsort_merge_open(sqlite3 *db, hsort_merge **out);

/* The next record in (key, page) order: 1 with *rec, 0 at the end, -1 when a run does not
   read back. */
int hsort_merge_next(hsort_merge *m, hsort_rec *rec);

/* NULL allowed. */
void hsort_merge_close(hsort_merge *m);

/*
 * A page being filled: records of a flag byte, then (by the flag) the 16-byte key and/or the
 * fingerprint's 32 bytes (64 hex digits in the finding, left out of its JSON: they would not
 * compress), a 4-byte little-endian length, then the JSON text.
 */
enum {
    HPAGE_KEY_ONLY = 0,            /* the key; the JSON holds the fingerprint */
    HPAGE_KEY_AND_FINGERPRINT = 1, /* the key, then the fingerprint */
    HPAGE_FINGERPRINT = 2          /* the fingerprint, whose first 16 bytes are the key */
};
#define HPAGE_RAW_BYTES (256 * 1024)

/* Does a record keep `fingerprint` in its header (64 lowercase hex digits)? */
int hpage_packs_fingerprint(const char *fingerprint);

/* Begin a record: its header, with room for the JSON's length; the JSON is appended next and
   the record closed by hpage_end(page, *len_at). *packed is set when the header holds the
   fingerprint (the JSON must then lack it). 0, or -1 when out of memory (the page as it
   was). */
int hpage_begin(fwkx_buf *page, const uint8_t *key, const char *fingerprint, size_t *len_at,
                bool *packed);

/* Close the record begun at `len_at`: its JSON is what was appended since. 0, or -1 when the
   JSON passes 4 GiB (then cut the page back to its length before hpage_begin). */
int hpage_end(fwkx_buf *page, size_t len_at);

/* Append one record of ready JSON text (hpage_begin, the text, hpage_end). 0 or -1. */
int hpage_add(fwkx_buf *page, const uint8_t *key, const char *fingerprint, const char *json,
              size_t len);

/* Compress `len` bytes (zlib, a fast level) into a new buffer (*out, free()). 0 or -1. */
int hpage_compress(const char *raw, size_t len, unsigned char **out, size_t *out_len);

/* A compressor kept for many pages (no allocation per page): the same zlib stream
   hpage_compress writes. Zero-initialise; one thread at a time. */
typedef struct hpage_zip {
    void *stream; /* z_stream, made by the first page */
    unsigned char *out;
    size_t cap;
} hpage_zip;

/* Compress `len` bytes: *out (owned by `zip`, valid until its next page) and *out_len. 0, or
   -1 when out of memory. */
int hpage_zip_page(hpage_zip *zip, const char *raw, size_t len, const unsigned char **out,
                   size_t *out_len);
void hpage_zip_free(hpage_zip *zip);

/* Uncompress a stored page of `raw_len` bytes into a new buffer (free()). 0, or -1 when
   the blob is damaged or memory ran out. */
int hpage_uncompress(const void *blob, size_t len, size_t raw_len, char **out);

/* One record of a raw page (pointers into the page). */
typedef struct hpage_record {
    const uint8_t *key;
    const char *json;
    size_t len;
    char fingerprint[65]; /* from the header, or "" (the JSON holds it) */
} hpage_record;

/* The record at *pos (advanced past it): 1, or 0 at the end, or -1 when the page is
   damaged. */
int hpage_next(const char *raw, size_t raw_len, size_t *pos, hpage_record *rec);

/*
 * Rule templates: the members every fail finding of a rule repeats (its source, severity,
 * title, remediation, compliance, and the decision a page keeps), held once per run: a page
 * record leaves out each member equal to its rule's template and names the template and the
 * members left out under HRULES_KEY ([id, bits]). The first finding of a rule (by source and
 * rule id) makes the template. Stored in history_rules (seq, id, body) with the run.
 */
typedef struct hrules hrules;
#define HRULES_KEY "~rule"
#define HRULES_MAX 100000 /* templates a run makes; its later rules are stored in full */

/* An empty set of templates; NULL when out of memory. Free with hrules_free. */
hrules *hrules_new(void);
void hrules_free(hrules *r);

/*
 * A finding's decision as its page record keeps it: without the members equal to the
 * finding's (a policy decision's "reason" is the finding's "message", its severity, title,
 * remediation, compliance and exception are the finding's), which it names under "~shared"
 * instead. A view: nothing is copied.
 */
typedef struct hslim {
    const json_t *decision; /* the finding's "decision", or NULL */
    unsigned shared;        /* bits of the members left out; 0: the decision as it is */
} hslim;

/* The view of `finding`'s decision. */
void hslim_of(const json_t *finding, hslim *out);

/* The slim decision as a new value (deep: it shares nothing with the finding), or NULL
   (no decision, or out of memory). */
json_t *hslim_build(const hslim *slim);

/* Is `value` equal to what hslim_build would return? */
bool hslim_equal(const hslim *slim, const json_t *value);

/* A marking thread's memory of the templates it met (by rule), so that most lookups take no
   lock. Zero-initialise; valid for one set of templates; one thread. */
#define HRULES_CACHE 64
typedef struct hrules_cache {
    struct hrules_cached {
        uint64_t hash;
        char *name; /* "source\x1frule", NULL for an empty slot */
        int id;
        const json_t *tmpl; /* NULL: the rule has no template */
    } slots[HRULES_CACHE];
} hrules_cache;
void hrules_cache_free(hrules_cache *c);

/* The members of `finding` (and its slim decision; NULL when it has none) equal to its rule's
   template (looked up in `cache` first; NULL allowed), as bits for hrecord_write, with the
   template's id in *id; the template is made when the rule has none. 0 (and *id -1) when nothing
   can be left out. NULL `r` allowed (0). Thread-safe. */
unsigned hrules_match(hrules *r, hrules_cache *cache, const json_t *finding, const hslim *decision,
                      int *id);

/* The bit of a template member ("source", "severity", "title", "remediation",
   "compliance", "decision"), or -1 for any other member name. */
int hrules_member_bit(const char *name);

/* Append `finding` as a page record's JSON (between hpage_begin and hpage_end): without
   "fingerprint" when `packed`, its decision slimmed by `slim`, without the `omit` members of
   template `id` (named under HRULES_KEY instead). The finding is only read. 0, or -1 (out of
   memory, or a string that is not UTF-8: `page` as it was). */
int hrecord_write(fwkx_buf *page, const json_t *finding, bool packed, const hslim *slim, int id,
                  unsigned omit);

/* A record read back: its JSON with what its rule's template holds, "fingerprint" (from the
   header) and the decision restored. New reference, or NULL (with why in jerr, when
   given). */
json_t *hrecord_read(const hpage_record *rec, const json_t *templates, json_error_t *jerr);

/* Put back what hrules_strip left out of `record`, from `templates` (hrules_load's). 0; or
   -1 when the record names a template or member that is not there (a damaged state file). A
   record without HRULES_KEY is left as it is. */
int hrules_restore(json_t *record, const json_t *templates);

/* Store the templates as run `seq`'s (inside the caller's transaction). 0 or -1 (the error
   is on the connection). */
int hrules_store(hrules *r, state_store *st, int64_t seq);

/* The templates of run `seq`, by id (an empty array for a run that has none). New
   reference; NULL when the state does not read. */
json_t *hrules_load(state_store *st, int64_t seq);

/*
 * history_migrate: upgrade a state file written before keys and pages (its history_findings
 * table: one JSON row per finding of every run kept). In one transaction (BEGIN IMMEDIATE:
 * a process opening the file at the same moment waits, then finds it upgraded): every
 * chain's newest run gets its fail and error findings, reported or carried, as history_keys
 * rows and history_pages (so it stays the baseline: the next run's deltas are "open" and
 * "resolved" against it); older runs stay in history_runs without keys; history_findings is
 * dropped. Call after the history tables exist. Returns 0 (also when there is nothing to
 * upgrade); or -1 with err (the file is left as it was).
 */
int history_migrate(state_store *st, diag *err);

#endif
