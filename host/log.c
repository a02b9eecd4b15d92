/* log.c: the host's logger: one line per call on stderr, secrets redacted. */
#include "log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "clock.h"
#include "diag.h"
#include "strlist.h"

/* The longest log line's message, in bytes; longer ones are cut after redaction. */
#define LOG_LINE_MAX 4096

static fwk_log_level min_level = FWK_LOG_WARN;
static bool json_lines;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static strlist secrets; /* guarded by log_lock */
/* secrets.count, readable without the lock: most runs register none, and every resource and
   finding would otherwise take log_lock to learn that */
static atomic_size_t secret_count;
static char *status_line; /* the status line shown on stderr, or NULL; guarded by log_lock */

/* The terminal sequence that takes the cursor to the start of the line and clears it. */
#define ERASE_LINE "\r\033[K"

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_setup(fwk_log_level level, bool json_format)
{
    min_level = level;
    json_lines = json_format;
}

int log_level_parse(const char *text, fwk_log_level *level)
{
    static const struct {
        const char *name;
        fwk_log_level level;
    } table[] = {{"debug", FWK_LOG_DEBUG},
                 {"info", FWK_LOG_INFO},
                 {"warn", FWK_LOG_WARN},
                 {"warning", FWK_LOG_WARN},
                 {"error", FWK_LOG_ERROR}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(text, table[i].name) == 0) {
            *level = table[i].level;
            return 0;
        }
    return -1;
}

bool log_enabled(fwk_log_level level)
{
    return level >= min_level;
}

void log_add_secret(const char *value)
{
    if (!value || strlen(value) < 4)
        return;
    pthread_mutex_lock(&log_lock);
    if (!strlist_contains(&secrets, value))
        strlist_push(&secrets, value);
    atomic_store(&secret_count, secrets.count);
    pthread_mutex_unlock(&log_lock);
}

void log_reset_secrets(void)
{
    strlist_clear(&secrets);
    atomic_store(&secret_count, 0);
}

/* Replace every secret in `text`; caller holds log_lock. */
static char *redact_locked(const char *text)
{
    char *out = strdup(text);
    for (size_t i = 0; out && i < secrets.count; i++) {
        const char *secret = secrets.items[i];
        size_t secret_len = strlen(secret);
        static const char mask[] = "[REDACTED]";
        char *hit;
        while (out && (hit = strstr(out, secret)) != NULL) {
            size_t prefix = (size_t)(hit - out);
            size_t rest = strlen(hit + secret_len);
            char *next = malloc(prefix + sizeof mask - 1 + rest + 1);
            if (next) {
                memcpy(next, out, prefix);
                memcpy(next + prefix, mask, sizeof mask - 1);
                memcpy(next + prefix + sizeof mask - 1, hit + secret_len, rest + 1);
            }
            free(out);
            out = next;
        }
    }
    return out;
}

char *log_redact(const char *text)
{
    pthread_mutex_lock(&log_lock);
    char *out = redact_locked(text ? text : "");
    pthread_mutex_unlock(&log_lock);
    return out;
}

char *log_vformat_redacted(size_t max_bytes, const char *fmt, va_list ap)
{
    static const char mark[] = "...[cut]";
    char *raw = NULL, *clean;

    if (vasprintf(&raw, fmt, ap) < 0)
        return NULL;
    clean = log_redact(raw);
    free(raw);
    if (clean && max_bytes > sizeof mark && strlen(clean) > max_bytes) {
        size_t keep = max_bytes - (sizeof mark - 1);
        while (keep > 0 && ((unsigned char)clean[keep] & 0xC0) == 0x80)
            keep--; /* clean[keep] continues a character: leave that character out */
        memcpy(clean + keep, mark, sizeof mark);
    }
    return clean;
}

/* Erase the status line, if one is shown, before a log line; caller holds log_lock. */
static void erase_status_locked(void)
{
    if (!status_line)
        return;
    fputs(ERASE_LINE, stderr);
    free(status_line);
    status_line = NULL;
}

void log_status(const char *text)
{
    pthread_mutex_lock(&log_lock);
    if (!text) {
        erase_status_locked();
    } else if (!status_line || strcmp(status_line, text) != 0) {
        fprintf(stderr, ERASE_LINE "%s", text);
        free(status_line);
        status_line = strdup(text);
        if (!status_line) /* not remembered, so not left for a log line to run into */
            fputs(ERASE_LINE, stderr);
    }
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

void log_vmsg(fwk_log_level level, const char *component, const char *fmt, va_list ap)
{
    if (!log_enabled(level))
        return;
    unsigned idx = (unsigned)level < 4 ? (unsigned)level : 3;
    char *clean = log_vformat_redacted(LOG_LINE_MAX, fmt, ap);

    pthread_mutex_lock(&log_lock);
    erase_status_locked();
    const char *text = clean ? clean : "[log message dropped: out of memory]";
    if (json_lines) {
        char ts[32];
        int64_t now_ms = clock_wall_ms();
        time_t now_s = (time_t)(now_ms / 1000);
        struct tm tm;
        gmtime_r(&now_s, &tm);
        size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(ts + n, sizeof ts - n, ".%03dZ", (int)(now_ms % 1000));
        json_t *line = json_pack("{s:s, s:s, s:s?, s:s}", "ts", ts, "level", level_names[idx],
                                 "component", component, "msg", text);
        char *encoded = line ? json_dumps(line, JSON_COMPACT) : NULL;
        if (encoded)
            fprintf(stderr, "%s\n", encoded);
        free(encoded);
        json_decref(line);
    } else if (component) {
        fprintf(stderr, "fawkes: %s: %s: %s\n", level_names[idx], component, text);
    } else {
        fprintf(stderr, "fawkes: %s: %s\n", level_names[idx], text);
    }
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
    free(clean);
}

void log_msg(fwk_log_level level, const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, component, fmt, ap);
    va_end(ap);
}

/* The redacted copy of a string value that holds a secret, or NULL when it holds none.
   Values are replaced in their container, never rewritten in place: a string may be
   shared (a plugin's constant handed out with json_incref), and it must stay intact. */
static json_t *redacted_string_locked(const json_t *value)
{
    const char *text = json_string_value(value);
    for (size_t i = 0; i < secrets.count; i++)
        if (strstr(text, secrets.items[i])) {
            char *clean = redact_locked(text);
            json_t *copy = clean ? json_string(clean) : json_string("[redacted]");
            free(clean);
            return copy;
        }
    return NULL;
}

static void redact_json_locked(json_t *value)
{
    if (json_is_object(value)) {
        const char *key;
        json_t *member;
        json_object_foreach (value, key, member) {
            json_t *clean = json_is_string(member) ? redacted_string_locked(member) : NULL;
            if (clean)
                json_object_set_new(value, key, clean);
            else
                redact_json_locked(member);
        }
    } else if (json_is_array(value)) {
        size_t i;
        json_t *member;
        json_array_foreach (value, i, member) {
            json_t *clean = json_is_string(member) ? redacted_string_locked(member) : NULL;
            if (clean)
                json_array_set_new(value, i, clean);
            else
                redact_json_locked(member);
        }
    }
}

bool log_has_secrets(void)
{
    return atomic_load(&secret_count) > 0;
}

void log_redact_json(json_t *value)
{
    if (!log_has_secrets())
        return;
    pthread_mutex_lock(&log_lock);
    if (secrets.count > 0 && json_is_string(value)) {
        /* a bare string has no container: rewrite it (the caller owns it) */
        json_t *clean = redacted_string_locked(value);
        if (clean)
            json_string_set(value, json_string_value(clean));
        json_decref(clean);
    } else if (secrets.count > 0) {
        redact_json_locked(value);
    }
    pthread_mutex_unlock(&log_lock);
}

bool log_text_may_hold_secret(const char *text, size_t len)
{
    if (!log_has_secrets())
        return false;
    if (memchr(text, '\\', len))
        return true;
    bool found = false;
    pthread_mutex_lock(&log_lock);
    for (size_t i = 0; !found && i < secrets.count; i++)
        found = memmem(text, len, secrets.items[i], strlen(secrets.items[i])) != NULL;
    pthread_mutex_unlock(&log_lock);
    return found;
}

void log_user_error(const char *fmt, ...)
{
    char message[DIAG_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    char *clean = log_redact(message);
    pthread_mutex_lock(&log_lock);
    erase_status_locked();
    fprintf(stderr, "fawkes: error: %s\n", clean ? clean : message);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
    free(clean);
}
