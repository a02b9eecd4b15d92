/* output.c: format names, encoder dispatch, locking and write-error tracking for outputs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "finding.h"
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

static void add_item(output *out, output_kind kind, const json_t *item)
{
    if (!out || !item || out->kind != kind)
        return;
    bool apart = encodes_apart(out);
    errno = 0;
    char *text = apart ? output_json_encode(item) : NULL;
    int encode_errno = errno ? errno : ENOMEM;
    pthread_mutex_lock(&out->lock);
    if (!out->failed) {
        errno = 0;
        int rc = !apart ? out->enc->item(out, item) : text ? output_json_put_item(out, text) : -1;
        if (rc != 0) {
            out->failed = true;
            out->write_errno = apart && !text ? encode_errno : errno;
        } else {
            out->count++;
        }
    }
    pthread_mutex_unlock(&out->lock);
    free(text);
}

void output_resource(output *out, const json_t *resource)
{
    add_item(out, OUTPUT_INVENTORY, resource);
}

void output_finding(output *out, const json_t *finding)
{
    add_item(out, OUTPUT_FINDINGS, finding);
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

int output_keep_finding(json_t *kept, const json_t *finding)
{
    static const char *const keys[] = {"rule",     "severity",    "status",      "title",
                                       "message",  "resource",    "remediation", "compliance",
                                       "evidence", "fingerprint", "delta"};
    json_t *copy = json_object();
    if (!copy)
        return -1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *value = json_object_get(finding, keys[i]);
        if (value && json_object_set_new(copy, keys[i], json_deep_copy(value)) != 0) {
            json_decref(copy);
            return -1;
        }
    }
    return json_array_append_new(kept, copy);
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

static const char *finding_uid(const json_t *finding)
{
    return fwkx_str(json_object_get(finding, "resource"), "uid", "");
}

int output_finding_cmp(const void *a, const void *b)
{
    const json_t *left = *(const json_t *const *)a;
    const json_t *right = *(const json_t *const *)b;
    int by_rank = severity_rank(output_finding_severity(right)) -
                  severity_rank(output_finding_severity(left));
    if (by_rank)
        return by_rank;
    int by_rule = strcmp(fwkx_str(left, "rule", ""), fwkx_str(right, "rule", ""));
    if (by_rule)
        return by_rule;
    return strcmp(finding_uid(left), finding_uid(right));
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
