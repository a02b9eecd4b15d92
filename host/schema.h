/* schema.h: check a plugin instance's config against the plugin's option table. */
#ifndef HOST_SCHEMA_H
#define HOST_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fawkes/plugin.h"
#include "config.h"
#include "diag.h"

/* Number of entries in an option table (up to the FWK_OPTION_END entry); 0 for NULL. */
size_t schema_option_count(const fwk_option *options);
/* Entry i of an option table, stepping by each entry's struct_size. */
const fwk_option *schema_option_at(const fwk_option *options, size_t i);

/*
 * schema_apply: check `input` (an instance's `config:` object, borrowed) against `options`.
 * `cfg` and `pointer` (the JSON pointer of the `config:` mapping, e.g. "/providers/0/config")
 * locate errors; `cfg` may be NULL (then messages carry no file position).
 * Checks: unknown keys (the message lists the allowed ones), missing required keys, types,
 * allowed values, ranges, default_json of the plugin itself (a bad default is the plugin's
 * fault and is said so), and that FWK_OPT_SECRET values came from ${env:}/${file:}
 * (cfg->interpolated), never written inline.
 * On success returns 0 and *out is a new object: defaults filled in, durations as integer
 * milliseconds, sizes as integer bytes, single strings for string lists wrapped in arrays,
 * integers given for floats as reals. The values of secret options are registered with
 * log_add_secret(). On failure returns -1 and `err` holds
 * "FILE:LINE:COLUMN: providers[0].config.regions: expected a list of strings, got 5".
 * Thread-safety: reentrant.
 */
int schema_apply(const fwk_option *options, const json_t *input, const config *cfg,
                 const char *pointer, json_t **out, diag *err);

/* The option table rendered as a JSON Schema (draft 2020-12) object: a new reference.
   Secret options carry "writeOnly": true and "x-fawkes-secret": true. */
json_t *schema_to_json_schema(const fwk_option *options);

/* Parse a duration ("250ms", "30s", "5m", "24h", "7d", or digits = ms) into ms.
   Returns 0, or -1 when malformed or out of range. */
int schema_parse_duration_ms(const char *text, int64_t *ms);
/* Parse a size ("512", "64KB", "64KiB", "10MB", "1GiB"; B/KB/MB/GB = 1000^n,
   KiB/MiB/GiB = 1024^n) into bytes. Returns 0, or -1. */
int schema_parse_size(const char *text, int64_t *bytes);

/* Write a range bound as users read it: whole numbers as digits (1073741824, not
   1.07374e+09), fractions as %g. Always NUL-terminates. */
void schema_format_number(double value, char *buf, size_t size);

#endif
