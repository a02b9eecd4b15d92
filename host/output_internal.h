/* output_internal.h: the encoder vtable and the state every output format shares. */
#ifndef HOST_OUTPUT_INTERNAL_H
#define HOST_OUTPUT_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "output.h"

/*
 * One format's callbacks. output.c calls them with out->lock held, so an encoder never
 * locks. Each returns 0, or -1 when writing to out->stream failed (output.c then stops
 * writing and output_close returns -1). `item` is borrowed: copy what you keep.
 * `summary` is never NULL (an empty object stands in for a missing one).
 */
typedef struct output_encoder {
    const char *name;
    bool findings_only;                             /* refuses OUTPUT_INVENTORY */
    int (*begin)(output *out);                      /* may be NULL */
    int (*item)(output *out, const json_t *item);   /* a resource or a finding, by kind */
    int (*end)(output *out, const json_t *summary); /* the rest of the document */
    void (*release)(output *out);                   /* free out->state; may be NULL */
} output_encoder;

struct output {
    const output_encoder *enc;
    output_format format;
    output_kind kind;
    FILE *stream;         /* borrowed; never closed here */
    bool color;           /* ANSI colour (table only) */
    char *tool_version;   /* owned copy */
    pthread_mutex_t lock; /* serialises item calls */
    bool failed;          /* a write failed: nothing more is written */
    int write_errno;      /* errno of the first failed write; output_close restores it */
    size_t count;         /* items accepted so far */
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

/* qsort comparator over json_t * findings: severity desc, then rule, then resource uid. */
int output_finding_cmp(const void *a, const void *b);

/* Append to `kept` a copy of the members of `finding` a report needs (rule, severity,
   status, title, message, resource, remediation, compliance, evidence, fingerprint, delta).
   Returns 0, or -1 on OOM. */
int output_keep_finding(json_t *kept, const json_t *finding);

/* Decode the UTF-8 sequence at `s` (NUL-terminated) into *cp and return its length in
   bytes; an invalid byte gives *cp = UINT32_MAX and length 1. */
size_t output_utf8_next(const unsigned char *s, uint32_t *cp);

/* "INSTANCE (PLUGIN) OPERATION TASK: MESSAGE" for one summary failure. Caller frees;
   NULL on OOM. */
char *output_failure_text(const json_t *failure);

/* json/jsonl encode an item's text apart from the lock (output_json.c): output_json_encode
   returns a new string (caller frees; NULL on OOM); output_json_put_item writes it and must
   be called with out->lock held. */
char *output_json_encode(const json_t *item);
int output_json_put_item(output *out, const char *text);

#endif
