/* log.h: the host's logger (stderr, text or JSON lines), with secret redaction. */
#ifndef HOST_LOG_H
#define HOST_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include <jansson.h>

#include "fawkes/host.h"

/* Levels are the SDK's (FWK_LOG_DEBUG..FWK_LOG_ERROR). */

/* Configure once at start, before threads: minimum level and format. Not thread-safe. */
void log_setup(fwk_log_level min_level, bool json_format);
/* Parse "debug", "info", "warn"/"warning", "error". Returns 0, or -1 for anything else. */
int log_level_parse(const char *text, fwk_log_level *level);
/* True when `level` would be written. Thread-safe. */
bool log_enabled(fwk_log_level level);

/* Write one line to stderr: "fawkes: LEVEL: [component: ]message", or a JSON object
   {"ts","level","component","msg"} with --log-format json. `component` may be NULL.
   Known secrets are replaced by "[REDACTED]". Thread-safe (one line is never split). */
void log_msg(fwk_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vmsg(fwk_log_level level, const char *component, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Print "fawkes: error: MESSAGE" to stderr, through the redaction: a command's reason for
   its exit code, whatever the log level and format. Thread-safe. */
void log_user_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Show `text` (one line, no newline) as the status line at the foot of stderr, replacing
   the one shown; NULL erases it. A log line (log_msg, log_user_error) erases the status
   line before it is written, so the two never share a line; the next call draws it again.
   Drawing the text already shown writes nothing. For the progress display. Thread-safe. */
void log_status(const char *text);

/* Register a secret value: from now on it is redacted from every log line and from text
   passed to log_redact(). Values shorter than 4 bytes are ignored (too likely to match
   innocent text). Copies the value. Thread-safe. */
void log_add_secret(const char *value);
/* A new malloc'd copy of `text` with every registered secret replaced by "[REDACTED]".
   Returns NULL only when out of memory. Thread-safe. */
char *log_redact(const char *text);

/* Format printf-style, redact known secrets from the WHOLE text, then cut it to at most
   `max_bytes` bytes on a UTF-8 boundary, ending in "...[cut]" when cut. Redacting before
   cutting matters: a secret cut in half no longer matches and would leak its first part.
   New string (free()), or NULL when out of memory. Thread-safe. */
char *log_vformat_redacted(size_t max_bytes, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Forget all secrets (tests, shutdown). Not thread-safe. */
void log_reset_secrets(void);

/* Is any secret registered (log_add_secret)? Lock-free. Thread-safe. */
bool log_has_secrets(void);

/* Replace every registered secret inside the string values (not keys) of `value`. A string
   inside an object or array is replaced by a new string in its container, never rewritten,
   so strings shared with a plugin (json_incref'd constants) stay intact; a bare string
   `value` is rewritten in place. Cheap when no secret is registered. Thread-safe. */
void log_redact_json(json_t *value);

/* Could log_redact_json change the JSON value whose text is `len` bytes at `text`? False only
   when no registered secret occurs in those bytes and, when secrets are registered, the text
   holds no backslash (an escape could spell a secret the bytes do not show): then the text
   may be used as it is. Thread-safe. */
bool log_text_may_hold_secret(const char *text, size_t len);

#endif
