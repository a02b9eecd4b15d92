/* output_internal.h: the encoder vtable and the state every output format shares. */
#ifndef HOST_OUTPUT_INTERNAL_H
#define HOST_OUTPUT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "fawkes/fwkx.h"
#include "output.h"
#include "sorter.h"

/*
 * One format's callbacks. output.c calls begin, item and end with out->lock held, so those
 * never lock. Each returns 0, or -1 when writing to out->stream failed (output.c then stops
 * writing and output_close returns -1). `item` is borrowed: copy what you keep.
 * `summary` is never NULL (an empty object stands in for a missing one).
 *
 * Encoders that keep items until the end (table, sarif, junit) set `add` instead of `item`:
 * output.c calls it WITHOUT out->lock, from many threads at once. It encodes the item (the
 * costly part) in the calling thread, files it in a sorter (which has its own lock) and takes
 * out->lock only to merge a few counters. It returns 0, or -1 with errno set (ENOMEM, or EIO
 * when the sorter could not write: output_spill_add logs why).
 */
typedef struct output_encoder {
    const char *name;
    bool findings_only;                             /* refuses OUTPUT_INVENTORY */
    bool lists_passes;                              /* output_lists_passes */
    int (*begin)(output *out);                      /* may be NULL */
    int (*item)(output *out, const json_t *item);   /* a resource or a finding, by kind */
    int (*add)(output *out, const json_t *item);    /* instead of item: see above */
    int (*end)(output *out, const json_t *summary); /* the rest of the document */
    void (*release)(output *out);                   /* free out->state; may be NULL */
    /* output_pass_counted; NULL for formats that list passes. Thread-safe by itself. */
    void (*pass_counted)(output *out, const char *severity, const char *delta, size_t n);
} output_encoder;

struct output {
    const output_encoder *enc;
    output_format format;
    output_kind kind;
    FILE *stream;         /* borrowed; never closed here */
    bool color;           /* ANSI colour (table only) */
    char *tool_version;   /* owned copy */
    pthread_mutex_t lock; /* serialises item calls */
    atomic_bool failed;   /* a write failed: nothing more is written (set under lock) */
    int write_errno;      /* errno of the first failed write; output_close restores it */
    size_t count;         /* items accepted so far (under lock) */
    void *state;          /* the encoder's own (owned, freed by release) */
};

extern const output_encoder output_table_encoder;
extern const output_encoder output_json_encoder;
extern const output_encoder output_jsonl_encoder;
extern const output_encoder output_sarif_encoder;
extern const output_encoder output_junit_encoder;

/* "resources" or "findings": the array key for out->kind. */
const char *output_items_key(const output *out);

/* Severity text of a finding ("medium" when absent or unknown, as finding_complete does). */
const char *output_finding_severity(const json_t *finding);

/*
 * Sort keys for spills: a spill orders records by the bytes of their key (memcmp), so a key
 * made of fields appended with output_key_add orders exactly as comparing the fields one by
 * one with strcmp: each field is escaped so that its terminator sorts below any byte the
 * field may hold (0x01 becomes 0x01 0x02; the terminator is 0x01 0x01). Returns 0 or -1.
 */
int output_key_add(fwkx_buf *key, const char *field);

/* The rank digit that starts a findings key: '0' for critical ... '4' for info, so that the
   most severe sorts first. `severity` as output_finding_severity gives it. */
char output_key_severity(const char *severity);

/* Open the sorter an encoder keeps its items in (host/sorter.h: an external merge sort,
   memory flat). 0; or -1 with errno set (why is logged). */
int output_spill_open(sorter **sp);

/* sorter_add. Thread-safe. 0; or -1 with errno = EIO (why is logged, once). */
int output_spill_add(output *out, sorter *sp, const char *key, const char *data, size_t len);

/* Where the records are read from in key order: the sorter itself (read once, after the
   last output_spill_add). */
sorter *output_spill_cursor(sorter *sp);

/* The next record (valid until the next call), or NULL at the end; on a read error NULL
   with *failed set (logged). */
const char *output_spill_next(sorter *c, size_t *len, bool *failed);

/* Decode the UTF-8 sequence at `s` (NUL-terminated) into *cp and return its length in
   bytes; an invalid byte gives *cp = UINT32_MAX and length 1. */
size_t output_utf8_next(const unsigned char *s, uint32_t *cp);

/* "INSTANCE (PLUGIN) OPERATION TASK: MESSAGE" for one summary failure. Caller frees;
   NULL on OOM. */
char *output_failure_text(const json_t *failure);

/* json/jsonl encode an item's text apart from the lock (output_json.c): output_json_encode
   returns a new string (caller frees; NULL on OOM); output_json_put_item writes `len` bytes
   of such a text (not NUL-terminated) and must be called with out->lock held. */
char *output_json_encode(const json_t *item);
int output_json_put_item(output *out, const char *text, size_t len);

#endif
