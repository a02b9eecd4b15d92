/* output.h: result encoders for stdout (table, json, jsonl, sarif, junit). */
#ifndef HOST_OUTPUT_H
#define HOST_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

typedef enum output_format {
    OUTPUT_TABLE = 0,
    OUTPUT_JSON,
    OUTPUT_JSONL,
    OUTPUT_SARIF,
    OUTPUT_JUNIT
} output_format;

/* What the command produces. */
typedef enum output_kind {
    OUTPUT_INVENTORY = 0, /* resources (fawkes inventory) */
    OUTPUT_FINDINGS = 1   /* findings (fawkes run / scan) */
} output_kind;

/* "table", "json", "jsonl", "sarif", "junit" -> format. Returns 0, or -1. */
int output_format_parse(const char *text, output_format *format);
const char *output_format_name(output_format format);

typedef struct output output;

/*
 * output_open: start writing results of `kind` to `stream` in `format`. `color` enables
 * ANSI colour in the table format (the caller decides: a TTY and NO_COLOR unset).
 * sarif and junit only take findings: with OUTPUT_INVENTORY they return NULL and say so in
 * `why` (may be NULL). NULL on OOM too. `tool_version` names fawkes' version in SARIF.
 */
output *output_open(output_format format, output_kind kind, FILE *stream, bool color,
                    const char *tool_version, const char **why);

/*
 * Add one resource / finding (borrowed; the encoder copies what it keeps). json and jsonl
 * write it at once (streaming). table, sarif and junit must sort what they list: they render
 * each item as it arrives and file it in a sorter (host/sorter.h: sorted runs in a temporary
 * file) that output_close reads back in order, so their memory stays flat whatever the number
 * of items (it grows only with the number of distinct rules and providers). Thread-safe: items are
 * encoded in the calling thread and only the writes (json, jsonl) or a few counters (table,
 * sarif, junit) are serialised inside.
 */
void output_resource(output *out, const json_t *resource);
void output_finding(output *out, const json_t *finding);

/*
 * output_takes_text: whether `out` lists resources and writes each as its compact JSON text
 * (json, jsonl): then output_resource_text may be given that text instead of the value.
 * output_resource_text writes `len` bytes of `text` (borrowed, not NUL-terminated: the
 * compact JSON jansson makes with JSON_COMPACT, exactly what output_resource would write)
 * as the next resource; it does nothing when output_takes_text is false. Thread-safe.
 */
bool output_takes_text(const output *out);
void output_resource_text(output *out, const char *text, size_t len);

/*
 * output_lists_passes: whether the output lists pass findings (status "pass") one by one.
 * False for table, which only counts them (a pass that resolves an earlier failure, delta
 * "resolved", it does list); true for json, jsonl, sarif and junit. When it is false, the
 * caller may skip building a pass finding that is not resolved and call output_pass_counted
 * instead of output_finding; when true, every finding must go through output_finding.
 */
bool output_lists_passes(const output *out);

/*
 * output_pass_counted: count a pass finding of `severity` and `delta` ("new", "open",
 * "resolved" or NULL when the run keeps no history) that the output does not list, without
 * the finding itself: the table's footer counts it as a finding, as passed, as a passing
 * check not listed, and in its delta. Only for outputs whose output_lists_passes is false
 * (with the others, and with an inventory output, it does nothing). Thread-safe, and it
 * never waits for the lock items take.
 */
void output_pass_counted(output *out, const char *severity, const char *delta, size_t n);

/*
 * output_close: finish the document and free `out`. `summary` (borrowed) is
 * {"command", "partial": bool, "failures": [{"instance","plugin","task","message"}],
 *  "stats": {instance: {counters}}, "resources": n, "findings": n,
 *  "by_severity": {...}, "duration_ms": n}.
 * json: the object {"resources"|"findings": [...], ...summary keys}; jsonl: records only
 * (partial is said on stderr by the caller); table: a footer line with totals; sarif:
 * invocation.executionSuccessful = !partial and a toolExecutionNotification per failure;
 * junit: testsuites. Returns 0, or -1 on a write error (e.g. EPIPE).
 */
int output_close(output *out, const json_t *summary);

#endif
