/* snapshot.h: internals of the snapshot provider shared by its descriptor, planner and readers. */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include <fawkes/fawkes.h>
#include <fawkes/fwkx.h>

/* One configured instance: read-only after init, so tasks may share it across threads. */
typedef struct snapshot_instance {
    const fwk_host *host;
    json_t *paths;        /* array of strings as configured (own reference) */
    bool strict;          /* a bad record fails the task instead of being skipped */
    long long chunk_size; /* a JSONL file larger than this is read as byte-range tasks */
} snapshot_instance;

/* How many skipped-record warnings are logged per file before only counting. */
#define SNAPSHOT_WARN_LIMIT 10
/* Records between two host->cancelled() checks. */
#define SNAPSHOT_CANCEL_EVERY 1000
/* The chunk_size option: its default and range, in bytes. */
#define SNAPSHOT_CHUNK_DEFAULT (8LL * 1024 * 1024)
#define SNAPSHOT_CHUNK_MIN (64LL * 1024)
#define SNAPSHOT_CHUNK_MAX (1024LL * 1024 * 1024)

/*
 * snapshot_plan: expand the configured paths into tasks, in configuration order (a directory
 * contributes its *.json and *.jsonl files, sorted by name). A file is one task
 * {"name": PATH, "path": PATH}, except a regular JSON Lines file larger than
 * inst->chunk_size, which becomes one task per chunk_size bytes:
 * {"name": "PATH[START-END]", "path": PATH, "start": START, "end": END}. Every task gets
 * "kinds"/"regions" copied from `request` when not null. A path that cannot be used fails
 * with "paths[I]: PATH: REASON". Serial.
 */
fwk_status snapshot_plan(const snapshot_instance *inst, fwk_ctx *ctx, const json_t *request,
                         json_t **tasks);

/* The state of one task while it reads records: what to keep, what was skipped. */
typedef struct snapshot_reader {
    const snapshot_instance *inst;
    fwk_ctx *ctx;
    const char *path;
    long long start, end;  /* read the lines that start in [start, end) */
    long long first_byte;  /* where the first line read starts (start or past a cut line) */
    long long line_byte;   /* where the line being handled starts */
    size_t lines_before;   /* lines before first_byte; valid when lines_known */
    bool lines_known;      /* counted lazily: only a message needs the file's line number */
    const json_t *kinds;   /* array of strings, or NULL for all */
    const json_t *regions; /* array of strings, or NULL for all */
    size_t records;        /* records looked at (good or bad) */
    size_t emitted;
    size_t skipped;
    char first_where[64]; /* "line 7" or "resources[3]": the first skipped record */
    char first_why[256];
    char *scratch; /* fwkx_json_parse_fast's buffer: snapshot_read_jsonl frees it */
    size_t scratch_cap;
} snapshot_reader;

/*
 * snapshot_record: check one decoded record (new reference, taken over even on failure) and emit
 * it when it passes the filters. It is located by `line` (1-based, counted from the reader's
 * first line at rd->first_byte, starting at rd->line_byte) or,
 * when `line` is 0, by `element` ("resources[3]" in a JSON document). `why_bad` is non-NULL
 * when the record could not be decoded (then `record` is NULL). Returns FWK_OK to go on
 * (also after a skip), FWK_ERROR at a bad record in strict mode, or FWK_CANCELLED.
 */
fwk_status snapshot_record(snapshot_reader *rd, json_t *record, size_t line, const char *element,
                           const char *why_bad);

/* snapshot_finish: the task's final status from what the reader counted (FWK_OK or
   FWK_PARTIAL with the "N records skipped" message set). */
fwk_status snapshot_finish(snapshot_reader *rd);

/* Read the lines of a JSONL file that start in [rd->start, rd->end), one resource a line. */
fwk_status snapshot_read_jsonl(snapshot_reader *rd);
/* Read a JSON document: an array of resources or {"resources": [...]}. */
fwk_status snapshot_read_json(snapshot_reader *rd);

/* Count the newlines in the first `offset` bytes of `path` into *lines. Returns 0, or -1
   with errno set when the file cannot be read that far. */
int snapshot_count_lines(const char *path, long long offset, size_t *lines);

/* strerror() with a lower-case first letter, to sit inside "where: what" messages. */
void snapshot_strerror(int errnum, char *buf, size_t size);

/* True when `path` ends in `suffix`. */
bool snapshot_has_suffix(const char *path, const char *suffix);

#endif
