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

/* Add one resource / finding (borrowed; the encoder copies what it keeps). jsonl and json
   write it at once (streaming); table, sarif and junit keep what they need until close.
   Thread-safe: calls are serialised inside. */
void output_resource(output *out, const json_t *resource);
void output_finding(output *out, const json_t *finding);

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
