/* snap.h: internals of the snapshot provider shared by its descriptor, planner and readers. */
#ifndef SNAP_H
#define SNAP_H

#include <stdbool.h>
#include <stddef.h>

#include <fawkes/fawkes.h>

/* One configured instance: read-only after init, so tasks may share it across threads. */
typedef struct snap_instance {
    const fwk_host *host;
    json_t *paths; /* array of strings as configured (own reference) */
    bool strict;   /* a bad record fails the task instead of being skipped */
} snap_instance;

/* How many skipped-record warnings are logged per file before only counting. */
#define SNAP_WARN_LIMIT 10
/* Records between two host->cancelled() checks. */
#define SNAP_CANCEL_EVERY 1000

/*
 * snap_plan: expand the configured paths into one task per file, in configuration order
 * (a directory contributes its *.json and *.jsonl files, sorted by name). Each task is
 * {"name": PATH, "path": PATH} plus "kinds"/"regions" copied from `request` when not null.
 * A path that cannot be used fails with "paths[I]: PATH: REASON". Serial.
 */
fwk_status snap_plan(const snap_instance *inst, fwk_ctx *ctx, const json_t *request,
                     json_t **tasks);

/* The state of one task while it reads records: what to keep, what was skipped. */
typedef struct snap_reader {
    const snap_instance *inst;
    fwk_ctx *ctx;
    const char *path;
    const json_t *kinds;   /* array of strings, or NULL for all */
    const json_t *regions; /* array of strings, or NULL for all */
    size_t records;        /* records looked at (good or bad) */
    size_t emitted;
    size_t skipped;
    char first_where[64]; /* "line 7" or "resources[3]": the first skipped record */
    char first_why[256];
} snap_reader;

/*
 * snap_record: check one decoded record (new reference, taken over even on failure) and emit
 * it when it passes the filters. It is located by `line` (1-based line of a JSONL file) or,
 * when `line` is 0, by `element` ("resources[3]" in a JSON document). `why_bad` is non-NULL
 * when the record could not be decoded (then `record` is NULL). Returns FWK_OK to go on
 * (also after a skip), FWK_ERROR at a bad record in strict mode, or FWK_CANCELLED.
 */
fwk_status snap_record(snap_reader *rd, json_t *record, size_t line, const char *element,
                       const char *why_bad);

/* "an object", "an array", "a string", "a number", "a boolean", "null". */
const char *snap_type_name(const json_t *value);

/* snap_finish: the task's final status from what the reader counted (FWK_OK or
   FWK_PARTIAL with the "N records skipped" message set). */
fwk_status snap_finish(snap_reader *rd);

/* Read a JSONL file line by line, one resource per line. */
fwk_status snap_read_jsonl(snap_reader *rd);
/* Read a JSON document: an array of resources or {"resources": [...]}. */
fwk_status snap_read_json(snap_reader *rd);

/* strerror() with a lower-case first letter, to sit inside "where: what" messages. */
void snap_strerror(int errnum, char *buf, size_t size);

/* True when `path` ends in `suffix`. */
bool snap_has_suffix(const char *path, const char *suffix);

#endif
