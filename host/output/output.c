/* output.c: format names, encoder dispatch, locking and write-error tracking for outputs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "finding.h"
#include "log.h"
#include "output_internal.h"

static const output_encoder *const encoders[] = {
    [OUTPUT_TABLE] = &output_table_encoder, [OUTPUT_JSON] = &output_json_encoder,
    [OUTPUT_JSONL] = &output_jsonl_encoder, [OUTPUT_SARIF] = &output_sarif_encoder,
    [OUTPUT_JUNIT] = &output_junit_encoder,
};
#define ENCODER_COUNT (sizeof encoders / sizeof encoders[0])

int output_format_parse(const char *text, output_format *format)
{
    if (!text)
        return -1;
    for (size_t i = 0; i < ENCODER_COUNT; i++)
        if (strcmp(text, encoders[i]->name) == 0) {
            *format = (output_format)i;
            return 0;
        }
    return -1;
}

const char *output_format_name(output_format format)
{
    if ((size_t)format >= ENCODER_COUNT)
        return "unknown";
    return encoders[format]->name;
}

/* The lock is held for a copy into the stream's buffer (items are encoded before it), so
   a waiter spins briefly before sleeping: with several tasks streaming, a sleeping mutex
   spent more time in futex wake-ups than in the writes it guards. */
static void init_lock(pthread_mutex_t *lock)
{
    pthread_mutexattr_t attr;
    bool adaptive = pthread_mutexattr_init(&attr) == 0;
    if (adaptive) {
        adaptive = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP) == 0 &&
                   pthread_mutex_init(lock, &attr) == 0;
        pthread_mutexattr_destroy(&attr);
    }
    if (!adaptive)
        pthread_mutex_init(lock, NULL);
}

output *output_open(output_format format, output_kind kind, FILE *stream, bool color,
                    const char *tool_version, const char **why)
{
    if (why)
        *why = NULL;
    if ((size_t)format >= ENCODER_COUNT || !stream) {
        if (why)
            *why = "unknown output format or no stream to write to";
        return NULL;
    }
    const output_encoder *enc = encoders[format];
    if (enc->findings_only && kind != OUTPUT_FINDINGS) {
        if (why)
            *why = format == OUTPUT_SARIF
                       ? "the sarif output carries findings only: use -o table, json or jsonl "
                         "for an inventory"
                       : "the junit output carries findings only: use -o table, json or jsonl "
                         "for an inventory";
        return NULL;
    }
    output *out = calloc(1, sizeof *out);
    if (!out)
        goto oom;
    out->tool_version = strdup(tool_version ? tool_version : "0.0.0");
    if (!out->tool_version)
        goto oom;
    out->enc = enc;
    out->format = format;
    out->kind = kind;
    out->stream = stream;
    out->color = color && format == OUTPUT_TABLE;
    atomic_init(&out->failed, false);
    init_lock(&out->lock);
    errno = 0;
    if (enc->begin && enc->begin(out) != 0) {
        /* A failed header (e.g. a closed pipe) surfaces at output_close. */
        out->failed = true;
        out->write_errno = errno;
    }
    return out;
oom:
    if (out)
        free(out->tool_version);
    free(out);
    if (why)
        *why = "out of memory while setting up the output";
    return NULL;
}

/* json and jsonl write each item as its own text: encoding it is most of the cost of an
   item, so it happens before the lock and parallel tasks encode in parallel. */
static bool encodes_apart(const output *out)
{
    return out->enc == &output_json_encoder || out->enc == &output_jsonl_encoder;
}

/* Remember the first failure (under the lock): nothing more is written. */
static void fail_locked(output *out, int err)
{
    if (!out->failed) {
        out->failed = true;
        out->write_errno = err ? err : EIO;
    }
}

static void add_item(output *out, output_kind kind, const json_t *item)
{
    if (!out || !item || out->kind != kind || out->failed)
        return;
    if (out->enc->add) {
        /* Encoders that keep items encode and spill them in this thread (see
           output_internal.h); only a failure takes the lock here. */
        errno = 0;
        if (out->enc->add(out, item) != 0) {
            int err = errno;
            pthread_mutex_lock(&out->lock);
            fail_locked(out, err);
            pthread_mutex_unlock(&out->lock);
        }
        return;
    }
    bool apart = encodes_apart(out);
    errno = 0;
    char *text = apart ? output_json_encode(item) : NULL;
    int encode_errno = errno ? errno : ENOMEM;
    pthread_mutex_lock(&out->lock);
    if (!out->failed) {
        errno = 0;
        int rc = !apart ? out->enc->item(out, item)
                 : text ? output_json_put_item(out, text, strlen(text))
                        : -1;
        if (rc != 0)
            fail_locked(out, apart && !text ? encode_errno : errno);
        else
            out->count++;
    }
    pthread_mutex_unlock(&out->lock);
    free(text);
}

void output_resource(output *out, const json_t *resource)
{
    add_item(out, OUTPUT_INVENTORY, resource);
}

bool output_takes_text(const output *out)
{
    return out && out->kind == OUTPUT_INVENTORY && encodes_apart(out);
}

void output_resource_text(output *out, const char *text, size_t len)
{
    if (!output_takes_text(out))
        return;
    pthread_mutex_lock(&out->lock);
    if (!out->failed) {
        errno = 0;
        if (output_json_put_item(out, text, len) != 0)
            fail_locked(out, errno);
        else
            out->count++;
    }
    pthread_mutex_unlock(&out->lock);
}

void output_finding(output *out, const json_t *finding)
{
    add_item(out, OUTPUT_FINDINGS, finding);
}

bool output_lists_passes(const output *out)
{
    return !out || out->enc->lists_passes;
}

void output_pass_counted(output *out, const char *severity, const char *delta, size_t n)
{
    if (out && out->kind == OUTPUT_FINDINGS && out->enc->pass_counted && n)
        out->enc->pass_counted(out, severity, delta, n);
}

int output_close(output *out, const json_t *summary)
{
    if (!out)
        return -1;
    json_t *empty = summary ? NULL : json_object();
    const json_t *sum = summary ? summary : empty;
    pthread_mutex_lock(&out->lock);
    bool failed = out->failed || !sum;
    int saved_errno = out->failed ? out->write_errno : sum ? 0 : ENOMEM;
    errno = 0;
    if (!failed && out->enc->end(out, sum) != 0) {
        failed = true;
        saved_errno = errno;
    }
    errno = 0;
    if (fflush(out->stream) != 0 || ferror(out->stream)) {
        failed = true;
        if (!saved_errno)
            saved_errno = errno ? errno : EIO;
    }
    pthread_mutex_unlock(&out->lock);
    if (out->enc->release)
        out->enc->release(out);
    pthread_mutex_destroy(&out->lock);
    free(out->tool_version);
    free(out);
    json_decref(empty);
    if (failed)
        errno = saved_errno ? saved_errno : EIO; /* so the caller can print %m */
    return failed ? -1 : 0;
}

size_t output_utf8_next(const unsigned char *s, uint32_t *cp)
{
    size_t len = s[0] < 0x80    ? 1
                 : s[0] >= 0xf8 ? 0
                 : s[0] >= 0xf0 ? 4
                 : s[0] >= 0xe0 ? 3
                 : s[0] >= 0xc0 ? 2
                                : 0;
    if (len == 0) {
        *cp = UINT32_MAX;
        return 1;
    }
    uint32_t value = len == 1 ? s[0] : s[0] & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) { /* also stops at the NUL of a cut sequence */
            *cp = UINT32_MAX;
            return 1;
        }
        value = (value << 6) | (s[i] & 0x3fu);
    }
    *cp = value;
    return len;
}

const char *output_items_key(const output *out)
{
    return out->kind == OUTPUT_INVENTORY ? "resources" : "findings";
}

const char *output_finding_severity(const json_t *finding)
{
    const char *severity = fwkx_str(finding, "severity", "medium");
    return severity_rank(severity) < 0 ? "medium" : severity;
}

int output_key_add(fwkx_buf *key, const char *field)
{
    for (const char *run = field;;) {
        const char *low = strchr(run, '\x01');
        if (fwkx_buf_add(key, run, low ? (size_t)(low - run) : strlen(run)) != 0)
            return -1;
        if (!low)
            break;
        if (fwkx_buf_add(key, "\x01\x02", 2) != 0)
            return -1;
        run = low + 1;
    }
    return fwkx_buf_add(key, "\x01\x01", 2);
}

char output_key_severity(const char *severity)
{
    int rank = severity_rank(severity);
    return (char)('0' + 4 - (rank < 0 ? 2 : rank));
}

int output_spill_open(sorter **sp)
{
    diag err = {{0}};
    if (sorter_open(sp, &err) == 0)
        return 0;
    log_msg(FWK_LOG_ERROR, "output", "%s", err.text);
    errno = EIO;
    return -1;
}

int output_spill_add(output *out, sorter *sp, const char *key, const char *data, size_t len)
{
    diag err = {{0}};
    if (sorter_add(sp, key, data, len, &err) == 0)
        return 0;
    if (!out->failed) /* the first failure says why; the rest stop at out->failed */
        log_msg(FWK_LOG_ERROR, "output", "%s", err.text);
    errno = EIO;
    return -1;
}

sorter *output_spill_cursor(sorter *sp)
{
    return sp;
}

const char *output_spill_next(sorter *c, size_t *len, bool *failed)
{
    diag err = {{0}};
    const char *data = sorter_next(c, len, &err);
    if (!data && err.text[0]) {
        log_msg(FWK_LOG_ERROR, "output", "%s", err.text);
        errno = EIO;
        *failed = true;
    }
    return data;
}

char *output_failure_text(const json_t *failure)
{
    const char *instance = fwkx_str(failure, "instance", "fawkes");
    const char *plugin = fwkx_str(failure, "plugin", NULL);
    const char *operation = fwkx_str(failure, "operation", NULL);
    const char *task = fwkx_str(failure, "task", NULL);
    const char *message = fwkx_str(failure, "message", "no reason given");
    char *text = NULL;
    if (asprintf(&text, "%s%s%s%s%s%s%s%s: %s", instance, plugin ? " (" : "", plugin ? plugin : "",
                 plugin ? ")" : "", operation ? " " : "", operation ? operation : "",
                 task ? " " : "", task ? task : "", message) < 0)
        return NULL;
    return text;
}
