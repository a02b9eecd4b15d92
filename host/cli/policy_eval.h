/* policy_eval.h: `fawkes policy eval` streamed: documents are read one at a time
   (policy_eval_read.c), judged by the policy plugin and their decisions written at once
   (policy_eval_out.c); a regular JSONL file is split in byte ranges judged on several
   threads. cmd_policy.c parses the command line and loads the plugin. */
#ifndef HOST_POLICY_EVAL_H
#define HOST_POLICY_EVAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "fawkes/policy.h"
#include "fawkes/fwkx.h"
#include "output.h"

/* The plugin instance every worker calls (evaluate is thread-safe: docs/sdk.md). */
typedef struct peval_engine {
    const fwk_policy_vtable *vt;
    void *state;
} peval_engine;

/* What was judged. Each worker keeps its own and adds it to the sink's (peval_add_counts). */
typedef struct peval_counts {
    uint64_t documents; /* judged */
    uint64_t decisions;
    uint64_t deny, warn, allow, error;
    uint64_t invalid; /* documents that did not parse (or were no object): not judged */
    int worst_deny;   /* severity_rank of the worst deny; -1 when none */
    bool internal;    /* evaluate itself failed, or memory ran out */
} peval_counts;

/*
 * The output all workers share: stdout in table, json or jsonl. Workers encode decisions in
 * their own buffers and hand them over whole (peval_sink_write), under `lock`.
 */
typedef struct peval_sink {
    FILE *stream;
    output_format format;
    pthread_mutex_t lock;
    uint64_t items;       /* decisions written (under lock) */
    int write_errno;      /* the first failed write's errno; 0 */
    atomic_bool stop;     /* a write or a read failed: workers stop reading */
    atomic_uint reported; /* invalid documents reported on stderr so far */
    peval_counts totals;  /* under lock */
} peval_sink;

/* How many invalid documents are named on stderr one by one; the rest are only counted. */
#define PEVAL_REPORT_MAX 20

/* Where a document came from, for its decisions' "input": FILE:LINE or FILE[INDEX]. */
typedef struct peval_where {
    long long number;
    bool index; /* number is an array index (FILE[N]), else a line (FILE:N) */
} peval_where;

typedef struct peval_worker peval_worker;

/* ---- policy_eval_out.c ---- */

/* Set up the sink and write the start of the document (json). 0, or -1 (write error). */
int peval_sink_open(peval_sink *sink, FILE *stream, output_format format);

/* Write the end of the document (json: the summary) and free the sink. 0, or -1. */
int peval_sink_close(peval_sink *sink);

/* Merge a worker's counts into the sink's. Thread-safe. */
void peval_add_counts(peval_sink *sink, const peval_counts *counts);

/* Report an invalid document on stderr ("LOCATION: MESSAGE"), unless PEVAL_REPORT_MAX were
   already. Thread-safe. Counting it is the caller's (counts->invalid). */
void peval_report_invalid(peval_sink *sink, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A worker: its own output buffer, counts and cache of encoded shared decisions. `label` is
   the input as named in decisions (the path, or "-"). NULL on OOM. */
peval_worker *peval_worker_new(const peval_engine *engine, peval_sink *sink, const char *label);

/* Judge `doc` (borrowed) and queue its decisions; they are written when the buffer fills,
   or at peval_worker_flush. Returns 0, or -1 when the output failed (stop). */
int peval_judge(peval_worker *w, const json_t *doc, peval_where where);

/* Count a document that could not be judged (the caller reported why). */
void peval_count_invalid(peval_worker *w);

/* Write what is queued. 0, or -1 when the output failed. */
int peval_worker_flush(peval_worker *w);

/* Flush, add the counts to the sink's and free. NULL allowed. 0, or -1 (output failed). */
int peval_worker_free(peval_worker *w);

/* ---- policy_eval_read.c ---- */

typedef struct peval_input peval_input;

/*
 * peval_input_open: open `path` ('-': stdin), find its format and parse its first document,
 * writing nothing to stdout: a JSON array of objects, one JSON object, or JSONL (one object
 * per line). Returns 0; or -1 after saying on stderr what is wrong, where (FILE:LINE:COLUMN)
 * and what to do (the file does not open, is empty, or its first document does not parse).
 */
int peval_input_open(const char *path, peval_input **out);

/* Free (closes the file). NULL allowed. */
void peval_input_close(peval_input *in);

/*
 * peval_input_run: judge every document and write the decisions to `sink`. A regular JSONL
 * file is cut into byte ranges judged by one thread per engine (output order then varies
 * between runs); anything else is read by this thread, in order, with engines[0]. Each
 * thread has an engine (a plugin instance) of its own: the objects an instance shares
 * between its decisions are then never shared between threads, whose reference counts
 * would otherwise bounce between the cores' caches. A document that does not
 * parse is reported (FILE:LINE:COLUMN) and counted invalid, and the rest is judged (in an
 * array, a syntax error ends the input: what follows cannot be found). Returns 0, or -1
 * when memory ran out or a read failed (said on stderr; counted as internal).
 */
int peval_input_run(peval_input *in, const peval_engine *engines, size_t engine_count,
                    peval_sink *sink);

/* How many threads peval_input_run would use with `workers` at most: 1 unless the input is
   a regular JSONL file of more than one byte range. */
int peval_input_threads(const peval_input *in, int workers);

#endif
