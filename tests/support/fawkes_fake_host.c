/* fawkes_fake_host.c: the fake host for plugin unit tests; see fawkes_fake_host.h. Plain C11
   (no POSIX), so out-of-tree plugin projects compile it with -std=c11 as they are. */
#include "fawkes_fake_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small tools ---- */

/* Out of memory in a test's fake: stop the test rather than pretend. */
static void *fh_need(void *ptr)
{
    if (ptr == NULL)
        fail_msg("fake host: out of memory");
    return ptr;
}

static char *fh_strdup(const char *text)
{
    size_t len;
    char *copy;

    if (text == NULL)
        return NULL;
    len = strlen(text);
    copy = fh_need(malloc(len + 1));
    memcpy(copy, text, len + 1);
    return copy;
}

static char *fh_memdup(const char *data, size_t len)
{
    char *copy = fh_need(malloc(len + 1));

    if (len > 0)
        memcpy(copy, data, len);
    copy[len] = '\0';
    return copy;
}

static int fh_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int fh_same_name(const char *a, const char *b)
{
    while (*a && fh_lower((unsigned char)*a) == fh_lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

static int fh_matches(const char *want, const char *got)
{
    return want == NULL || (got != NULL && strcmp(want, got) == 0);
}

/* A growable string. */
typedef struct fh_text {
    char *data;
    size_t len, cap;
} fh_text;

static void fh_text_vaddf(fh_text *text, const char *fmt, va_list ap) FWK_PRINTF(2, 0);

static void fh_text_vaddf(fh_text *text, const char *fmt, va_list ap)
{
    va_list again;
    int need;

    va_copy(again, ap);
    need = vsnprintf(NULL, 0, fmt, again);
    va_end(again);
    if (need < 0)
        need = 0;
    if (text->len + (size_t)need + 1 > text->cap) {
        size_t cap = text->cap ? text->cap : 64;
        while (cap < text->len + (size_t)need + 1)
            cap *= 2;
        text->data = fh_need(realloc(text->data, cap));
        text->cap = cap;
    }
    vsnprintf(text->data + text->len, (size_t)need + 1, fmt, ap);
    text->len += (size_t)need;
}

static void fh_text_addf(fh_text *text, const char *fmt, ...) FWK_PRINTF(2, 3);

static void fh_text_addf(fh_text *text, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fh_text_vaddf(text, fmt, ap);
    va_end(ap);
}

/* The text so far (never NULL); the caller owns it afterwards. */
static char *fh_text_take(fh_text *text)
{
    char *data = text->data ? text->data : fh_strdup("");

    text->data = NULL;
    text->len = text->cap = 0;
    return data;
}

/* A new JSON string, or null for NULL. */
static json_t *fh_string_or_null(const char *text)
{
    return text ? json_string(text) : json_null();
}

static void fh_append(json_t *array, json_t *value)
{
    if (value == NULL || json_array_append_new(array, value) != 0)
        fail_msg("fake host: out of memory");
}

/* ---- the context ---- */

typedef struct fh_canned {
    char *method, *url; /* NULL: any */
    long status;
    char *body;
    size_t body_len;
    fwk_http_header *headers; /* names and values owned */
    size_t header_count;
    int attempts;
    fwk_status result;
    char *error;
    int repeat;
    int used;
} fh_canned;

typedef struct fh_mail_result {
    fwk_status status;
    char *message;
} fh_mail_result;

struct fwk_ctx {
    /* set up by the test */
    json_t *config;
    json_t *secrets; /* {"env:NAME": "value"} */
    int cancelled, cancel_after;
    fwk_status emit_status;
    fake_host_emit_hook emit_hook;
    void *emit_arg;
    fh_canned *canned;
    size_t canned_count, canned_cap;
    fh_mail_result *mail_results;
    size_t mail_result_count, mail_result_cap, mail_results_used;

    /* recorded */
    char *failure;
    json_t *failures, *logs, *resources, *findings, *counters, *requests, *mails;
    int cancel_calls;
};

static void fh_record_new(fwk_ctx *ctx)
{
    ctx->failure = NULL;
    ctx->failures = fh_need(json_array());
    ctx->logs = fh_need(json_array());
    ctx->resources = fh_need(json_array());
    ctx->findings = fh_need(json_array());
    ctx->counters = fh_need(json_object());
    ctx->requests = fh_need(json_array());
    ctx->mails = fh_need(json_array());
    ctx->cancel_calls = 0;
}

static void fh_record_free(fwk_ctx *ctx)
{
    free(ctx->failure);
    json_decref(ctx->failures);
    json_decref(ctx->logs);
    json_decref(ctx->resources);
    json_decref(ctx->findings);
    json_decref(ctx->counters);
    json_decref(ctx->requests);
    json_decref(ctx->mails);
}

fwk_ctx *fake_host_ctx_new(void)
{
    fwk_ctx *ctx = fh_need(calloc(1, sizeof(*ctx)));

    ctx->secrets = fh_need(json_object());
    ctx->emit_status = FWK_OK;
    fh_record_new(ctx);
    return ctx;
}

void fake_host_ctx_clear(fwk_ctx *ctx)
{
    fh_record_free(ctx);
    fh_record_new(ctx);
}

static void fh_canned_free(fh_canned *canned)
{
    free(canned->method);
    free(canned->url);
    free(canned->body);
    free(canned->error);
    for (size_t i = 0; i < canned->header_count; i++) {
        free((char *)canned->headers[i].name);
        free((char *)canned->headers[i].value);
    }
    free(canned->headers);
}

void fake_host_ctx_free(fwk_ctx *ctx)
{
    if (ctx == NULL)
        return;
    fh_record_free(ctx);
    json_decref(ctx->config);
    json_decref(ctx->secrets);
    for (size_t i = 0; i < ctx->canned_count; i++)
        fh_canned_free(&ctx->canned[i]);
    free(ctx->canned);
    for (size_t i = 0; i < ctx->mail_result_count; i++)
        free(ctx->mail_results[i].message);
    free(ctx->mail_results);
    free(ctx);
}

/* ---- set-up ---- */

void fake_host_set_config(fwk_ctx *ctx, json_t *config)
{
    json_decref(ctx->config);
    ctx->config = config;
}

void fake_host_set_secret(fwk_ctx *ctx, const char *ref, const char *value)
{
    if (value == NULL)
        json_object_del(ctx->secrets, ref);
    else if (json_object_set_new(ctx->secrets, ref, json_string(value)) != 0)
        fail_msg("fake_host_set_secret(%s): the value is not UTF-8 text", ref);
}

void fake_host_set_cancelled(fwk_ctx *ctx, int cancelled)
{
    ctx->cancelled = cancelled;
}

void fake_host_cancel_after(fwk_ctx *ctx, int calls)
{
    ctx->cancel_after = calls;
}

int fake_host_cancel_calls(const fwk_ctx *ctx)
{
    return ctx->cancel_calls;
}

void fake_host_set_emit_status(fwk_ctx *ctx, fwk_status status)
{
    ctx->emit_status = status;
}

void fake_host_on_emit(fwk_ctx *ctx, fake_host_emit_hook hook, void *arg)
{
    ctx->emit_hook = hook;
    ctx->emit_arg = arg;
}

void fake_host_push(fwk_ctx *ctx, const fake_host_response *response)
{
    fh_canned *canned;

    if (ctx->canned_count == ctx->canned_cap) {
        ctx->canned_cap = ctx->canned_cap ? 2 * ctx->canned_cap : 16;
        ctx->canned = fh_need(realloc(ctx->canned, ctx->canned_cap * sizeof(*ctx->canned)));
    }
    canned = &ctx->canned[ctx->canned_count++];
    memset(canned, 0, sizeof(*canned));
    canned->method = fh_strdup(response->method);
    canned->url = fh_strdup(response->url);
    canned->status = response->status ? response->status : 200;
    canned->body_len = response->body == NULL ? 0
                       : response->body_len   ? response->body_len
                                              : strlen(response->body);
    canned->body = fh_memdup(response->body ? response->body : "", canned->body_len);
    if (response->header_count > 0) {
        canned->headers = fh_need(calloc(response->header_count, sizeof(*canned->headers)));
        for (size_t i = 0; i < response->header_count; i++) {
            canned->headers[i].name = fh_strdup(response->headers[i].name);
            canned->headers[i].value = fh_strdup(response->headers[i].value);
        }
        canned->header_count = response->header_count;
    }
    canned->attempts = response->attempts > 0 ? response->attempts : 1;
    canned->result = response->result;
    canned->error = fh_strdup(response->error);
    canned->repeat = response->repeat;
}

void fake_host_push_response(fwk_ctx *ctx, long status, const char *body)
{
    const fake_host_response response = {.status = status, .body = body};

    fake_host_push(ctx, &response);
}

void fake_host_push_failure(fwk_ctx *ctx, fwk_status status, const char *message)
{
    const fake_host_response response = {.result = status, .error = message};

    if (status == FWK_OK)
        fail_msg("fake_host_push_failure: give FWK_ERROR or FWK_CANCELLED, not FWK_OK");
    fake_host_push(ctx, &response);
}

void fake_host_route(fwk_ctx *ctx, const char *method, const char *url, long status,
                     const char *body)
{
    const fake_host_response response = {
        .method = method, .url = url, .status = status, .body = body, .repeat = 1};

    fake_host_push(ctx, &response);
}

size_t fake_host_pending(const fwk_ctx *ctx)
{
    size_t pending = 0;

    for (size_t i = 0; i < ctx->canned_count; i++)
        pending += !ctx->canned[i].repeat && !ctx->canned[i].used;
    return pending;
}

void fake_host_push_mail_result(fwk_ctx *ctx, fwk_status status, const char *message)
{
    if (ctx->mail_result_count == ctx->mail_result_cap) {
        ctx->mail_result_cap = ctx->mail_result_cap ? 2 * ctx->mail_result_cap : 8;
        ctx->mail_results =
            fh_need(realloc(ctx->mail_results, ctx->mail_result_cap * sizeof(*ctx->mail_results)));
    }
    ctx->mail_results[ctx->mail_result_count].status = status;
    ctx->mail_results[ctx->mail_result_count].message = fh_strdup(message);
    ctx->mail_result_count++;
}

/* ---- the services ---- */

/* Record `message` (owned from now on) as the context's failure. */
static void fh_set_failure(fwk_ctx *ctx, char *message)
{
    json_t *entry;

    if (getenv("FAKE_HOST_ECHO"))
        fprintf(stderr, "[fake host] fail: %s\n", message);
    /* A message that is not UTF-8 is kept as it is. */
    entry = json_string(message);
    if (entry == NULL)
        entry = json_stringn_nocheck(message, strlen(message));
    fh_append(ctx->failures, entry);
    free(ctx->failure);
    ctx->failure = message;
}

static void fh_fail(fwk_ctx *ctx, const char *fmt, ...) FWK_PRINTF(2, 3);

static void fh_fail(fwk_ctx *ctx, const char *fmt, ...)
{
    fh_text text = {0};
    va_list ap;

    va_start(ap, fmt);
    fh_text_vaddf(&text, fmt, ap);
    va_end(ap);
    fh_set_failure(ctx, fh_text_take(&text));
}

static void fh_log(fwk_ctx *ctx, fwk_log_level level, const char *fmt, ...) FWK_PRINTF(3, 4);

static void fh_log(fwk_ctx *ctx, fwk_log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    fh_text text = {0};
    va_list ap;
    char *line;

    if ((unsigned)level < sizeof(names) / sizeof(names[0]))
        fh_text_addf(&text, "%s: ", names[level]);
    else
        fh_text_addf(&text, "level %d: ", (int)level);
    va_start(ap, fmt);
    fh_text_vaddf(&text, fmt, ap);
    va_end(ap);
    line = fh_text_take(&text);
    if (getenv("FAKE_HOST_ECHO"))
        fprintf(stderr, "[fake host] %s\n", line);
    fh_append(ctx->logs, json_stringn_nocheck(line, strlen(line)));
    free(line);
}

static const json_t *fh_config(fwk_ctx *ctx)
{
    return ctx->config;
}

static void *fh_alloc(size_t size)
{
    return malloc(size);
}

static void fh_free(void *ptr)
{
    free(ptr);
}

static fwk_status fh_secret_get(fwk_ctx *ctx, const char *ref, char **value)
{
    const char *found = ref ? json_string_value(json_object_get(ctx->secrets, ref)) : NULL;

    *value = NULL;
    if (found == NULL) {
        fh_fail(ctx, "secret %s: not set", ref ? ref : "(null)");
        return FWK_ERROR;
    }
    *value = fh_strdup(found);
    return FWK_OK;
}

/* The response handed to the plugin: the public struct first, so the pointer frees as one. */
typedef struct fh_response {
    fwk_http_response response;
    char *body;
    fwk_http_header *headers;
    size_t header_count;
} fh_response;

static void fh_http_response_free(fwk_http_response *response)
{
    fh_response *block = (fh_response *)response;

    if (block == NULL)
        return;
    free(block->body);
    for (size_t i = 0; i < block->header_count; i++) {
        free((char *)block->headers[i].name);
        free((char *)block->headers[i].value);
    }
    free(block->headers);
    free(block);
}

static const char *fh_http_header(const fwk_http_response *response, const char *name)
{
    if (response == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < response->header_count; i++) {
        if (fh_same_name(response->headers[i].name, name))
            return response->headers[i].value;
    }
    return NULL;
}

static void fh_record_request(fwk_ctx *ctx, const fwk_http_request *req)
{
    json_t *headers = fh_need(json_array());
    json_t *body;

    for (size_t i = 0; req->headers != NULL && i < req->header_count; i++) {
        const fwk_http_header *h = &req->headers[i];
        fh_append(headers, json_pack("[s?s?]", h->name, h->value));
    }
    body = req->body ? json_stringn_nocheck(req->body, req->body_len) : json_null();
    fh_append(ctx->requests,
              json_pack("{s:o, s:o, s:o, s:o, s:I}", "method", fh_string_or_null(req->method),
                        "url", fh_string_or_null(req->url), "headers", headers, "body",
                        fh_need(body), "flags", (json_int_t)req->flags));
}

/* The canned answer for this request: the first unused matching one-shot, else the last
   matching route; NULL when there is none. */
static fh_canned *fh_find_answer(fwk_ctx *ctx, const fwk_http_request *req)
{
    for (size_t i = 0; i < ctx->canned_count; i++) {
        fh_canned *c = &ctx->canned[i];
        if (!c->repeat && !c->used && fh_matches(c->method, req->method) &&
            fh_matches(c->url, req->url)) {
            c->used = 1;
            return c;
        }
    }
    for (size_t i = ctx->canned_count; i-- > 0;) {
        fh_canned *c = &ctx->canned[i];
        if (c->repeat && fh_matches(c->method, req->method) && fh_matches(c->url, req->url))
            return c;
    }
    return NULL;
}

static fwk_status fh_http_request(fwk_ctx *ctx, const fwk_http_request *req,
                                  fwk_http_response **response)
{
    const fh_canned *answer;
    fh_response *block;

    if (response != NULL)
        *response = NULL;
    if (req == NULL || response == NULL || req->method == NULL || req->url == NULL) {
        fh_fail(ctx, "http_request: the request, its method and url, and the response "
                     "pointer are required");
        return FWK_ERROR;
    }
    fh_record_request(ctx, req);
    answer = fh_find_answer(ctx, req);
    if (answer == NULL) {
        fail_msg("fake host: no canned response for request %zu, %s %s: push one with "
                 "fake_host_push_response() or fake_host_route() (%zu one-shot responses "
                 "pending)",
                 json_array_size(ctx->requests), req->method, req->url, fake_host_pending(ctx));
        return FWK_ERROR;
    }
    if (answer->result != FWK_OK) {
        if (answer->error)
            fh_set_failure(ctx, fh_strdup(answer->error));
        else
            fh_fail(ctx, "%s %s: %s", req->method, req->url,
                    answer->result == FWK_CANCELLED ? "cancelled" : "connection refused");
        return answer->result;
    }
    block = fh_need(calloc(1, sizeof(*block)));
    block->body = fh_memdup(answer->body, answer->body_len);
    if (answer->header_count > 0) {
        block->headers = fh_need(calloc(answer->header_count, sizeof(*block->headers)));
        for (size_t i = 0; i < answer->header_count; i++) {
            block->headers[i].name = fh_strdup(answer->headers[i].name);
            block->headers[i].value = fh_strdup(answer->headers[i].value);
        }
        block->header_count = answer->header_count;
    }
    block->response.struct_size = sizeof(fwk_http_response);
    block->response.status = answer->status;
    block->response.body = block->body;
    block->response.body_len = answer->body_len;
    block->response.headers = block->headers;
    block->response.header_count = block->header_count;
    block->response.attempts = answer->attempts;
    *response = &block->response;
    return FWK_OK;
}

static fwk_status fh_emit(fwk_ctx *ctx, json_t *value, int is_finding)
{
    fwk_status status = FWK_OK;

    if (value == NULL) {
        fh_fail(ctx, "%s: NULL", is_finding ? "emit_finding" : "emit_resource");
        return FWK_ERROR;
    }
    if (ctx->emit_hook != NULL)
        status = ctx->emit_hook(ctx, is_finding, value, ctx->emit_arg);
    if (status != FWK_OK) {
        json_decref(value);
        return status;
    }
    fh_append(is_finding ? ctx->findings : ctx->resources, value);
    return ctx->emit_status;
}

static fwk_status fh_emit_resource(fwk_ctx *ctx, json_t *resource)
{
    return fh_emit(ctx, resource, 0);
}

static fwk_status fh_emit_finding(fwk_ctx *ctx, json_t *finding)
{
    return fh_emit(ctx, finding, 1);
}

static int fh_cancelled(fwk_ctx *ctx)
{
    ctx->cancel_calls++;
    return ctx->cancelled || (ctx->cancel_after > 0 && ctx->cancel_calls >= ctx->cancel_after);
}

static void fh_counter_add(fwk_ctx *ctx, const char *name, int64_t delta)
{
    json_int_t now = json_integer_value(json_object_get(ctx->counters, name));

    if (json_object_set_new(ctx->counters, name, json_integer(now + (json_int_t)delta)) != 0)
        fail_msg("fake host: counter_add: bad counter name");
}

static fwk_status fh_mail_send(fwk_ctx *ctx, const fwk_mail *mail)
{
    json_t *to = fh_need(json_array());
    fh_mail_result result = {FWK_OK, NULL};

    if (mail == NULL) {
        json_decref(to);
        fh_fail(ctx, "mail_send: NULL mail");
        return FWK_ERROR;
    }
    for (size_t i = 0; mail->to != NULL && mail->to[i] != NULL; i++)
        fh_append(to, json_string(mail->to[i]));
    fh_append(ctx->mails,
              json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "url",
                        fh_string_or_null(mail->url), "from", fh_string_or_null(mail->from), "to",
                        to, "subject", fh_string_or_null(mail->subject), "text",
                        fh_string_or_null(mail->text), "html", fh_string_or_null(mail->html),
                        "username", fh_string_or_null(mail->username), "password",
                        fh_string_or_null(mail->password)));
    if (ctx->mail_results_used < ctx->mail_result_count)
        result = ctx->mail_results[ctx->mail_results_used++];
    if (result.status != FWK_OK) {
        if (result.message)
            fh_set_failure(ctx, fh_strdup(result.message));
        else
            fh_fail(ctx, "%s: the mail server refused the message (fake host)",
                    mail->url ? mail->url : "(no url)");
    }
    return result.status;
}

static const fwk_host fh_host = {
    .struct_size = sizeof(fwk_host),
    .abi_major = FWK_ABI_MAJOR,
    .abi_minor = FWK_ABI_MINOR,
    .log = fh_log,
    .fail = fh_fail,
    .config = fh_config,
    .secret_get = fh_secret_get,
    .http_request = fh_http_request,
    .http_response_free = fh_http_response_free,
    .http_header = fh_http_header,
    .emit_resource = fh_emit_resource,
    .emit_finding = fh_emit_finding,
    .cancelled = fh_cancelled,
    .counter_add = fh_counter_add,
    .alloc = fh_alloc,
    .free = fh_free,
    .mail_send = fh_mail_send,
};

const fwk_host *fake_host(void)
{
    return &fh_host;
}

/* ---- what was recorded ---- */

const char *fake_host_failure(const fwk_ctx *ctx)
{
    return ctx->failure ? ctx->failure : "";
}

json_t *fake_host_failures(fwk_ctx *ctx)
{
    return ctx->failures;
}

json_t *fake_host_logs(fwk_ctx *ctx)
{
    return ctx->logs;
}

const char *fake_host_log_line(fwk_ctx *ctx, size_t i)
{
    return json_string_value(json_array_get(ctx->logs, i));
}

const char *fake_host_log_find(fwk_ctx *ctx, const char *needle)
{
    size_t i;
    const json_t *line;

    json_array_foreach (ctx->logs, i, line) {
        if (strstr(json_string_value(line), needle) != NULL)
            return json_string_value(line);
    }
    return NULL;
}

json_t *fake_host_resources(fwk_ctx *ctx)
{
    return ctx->resources;
}

json_t *fake_host_findings(fwk_ctx *ctx)
{
    return ctx->findings;
}

int64_t fake_host_counter(const fwk_ctx *ctx, const char *name)
{
    return (int64_t)json_integer_value(json_object_get(ctx->counters, name));
}

json_t *fake_host_counters(fwk_ctx *ctx)
{
    return ctx->counters;
}

json_t *fake_host_requests(fwk_ctx *ctx)
{
    return ctx->requests;
}

const json_t *fake_host_request(fwk_ctx *ctx, size_t i)
{
    return json_array_get(ctx->requests, i);
}

const char *fake_host_request_header(const json_t *request, const char *name)
{
    size_t i;
    const json_t *pair;

    json_array_foreach (json_object_get(request, "headers"), i, pair) {
        const char *key = json_string_value(json_array_get(pair, 0));
        if (key != NULL && fh_same_name(key, name))
            return json_string_value(json_array_get(pair, 1));
    }
    return NULL;
}

json_t *fake_host_mails(fwk_ctx *ctx)
{
    return ctx->mails;
}

/* ---- JSON ---- */

json_t *fake_host_json(const char *text)
{
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY, &error);

    if (value == NULL)
        fail_msg("fake_host_json: not JSON: %s at line %d, column %d:\n%s", error.text, error.line,
                 error.column, text);
    return value;
}

#define FH_DIFF_MAX_LINES 20
#define FH_VALUE_MAX 160

typedef struct fh_diff {
    fh_text out;
    int lines;
    fh_text path;
} fh_diff;

static const char *fh_type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "real";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* `value` as compact JSON with sorted keys, cut to `max` bytes ("..." marks a cut); owned. */
static char *fh_dump(const json_t *value, size_t max)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

    if (text == NULL)
        return fh_strdup("(unprintable)");
    if (max > 0 && strlen(text) > max)
        strcpy(text + max - 3, "...");
    return text;
}

/* One line of the diff at the current path; `got` or `expected` NULL: absent there. */
static void fh_diff_line(fh_diff *d, const json_t *got, const json_t *expected)
{
    char *g, *e;

    if (++d->lines > FH_DIFF_MAX_LINES)
        return;
    g = got ? fh_dump(got, FH_VALUE_MAX) : NULL;
    e = expected ? fh_dump(expected, FH_VALUE_MAX) : NULL;
    if (got && expected && json_typeof(got) != json_typeof(expected))
        fh_text_addf(&d->out, "  %s: got %s %s, expected %s %s\n", d->path.data, fh_type_name(got),
                     g, fh_type_name(expected), e);
    else if (got && expected)
        fh_text_addf(&d->out, "  %s: got %s, expected %s\n", d->path.data, g, e);
    else if (expected)
        fh_text_addf(&d->out, "  %s: missing, expected %s\n", d->path.data, e);
    else
        fh_text_addf(&d->out, "  %s: unexpected, got %s\n", d->path.data, g);
    free(g);
    free(e);
}

static int fh_key_is_plain(const char *key)
{
    if (*key == '\0')
        return 0;
    for (const char *p = key; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return 0;
    }
    return 1;
}

static int fh_compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void fh_diff_values(fh_diff *d, const json_t *got, const json_t *expected);

/* Descend into `key` (or `index` when key is NULL), diff, and restore the path. */
static void fh_diff_child(fh_diff *d, const char *key, size_t index, const json_t *got,
                          const json_t *expected)
{
    size_t saved = d->path.len;

    if (key == NULL)
        fh_text_addf(&d->path, "[%zu]", index);
    else if (fh_key_is_plain(key))
        fh_text_addf(&d->path, ".%s", key);
    else
        fh_text_addf(&d->path, "[\"%s\"]", key);
    if (got == NULL || expected == NULL)
        fh_diff_line(d, got, expected);
    else
        fh_diff_values(d, got, expected);
    d->path.len = saved;
    d->path.data[saved] = '\0';
}

static void fh_diff_objects(fh_diff *d, const json_t *got, const json_t *expected)
{
    size_t count = json_object_size(got) + json_object_size(expected), n = 0;
    const char **keys = fh_need(calloc(count ? count : 1, sizeof(*keys)));
    const char *key;
    json_t *value;

    json_object_foreach ((json_t *)expected, key, value)
        keys[n++] = key;
    json_object_foreach ((json_t *)got, key, value) {
        if (json_object_get(expected, key) == NULL)
            keys[n++] = key;
    }
    qsort(keys, n, sizeof(*keys), fh_compare_keys);
    for (size_t i = 0; i < n; i++)
        fh_diff_child(d, keys[i], 0, json_object_get(got, keys[i]),
                      json_object_get(expected, keys[i]));
    free(keys);
}

static void fh_diff_arrays(fh_diff *d, const json_t *got, const json_t *expected)
{
    size_t ng = json_array_size(got), ne = json_array_size(expected);
    size_t n = ng > ne ? ng : ne;

    if (ng != ne && ++d->lines <= FH_DIFF_MAX_LINES)
        fh_text_addf(&d->out, "  %s: %zu items, expected %zu\n", d->path.data, ng, ne);
    for (size_t i = 0; i < n; i++)
        fh_diff_child(d, NULL, i, json_array_get(got, i), json_array_get(expected, i));
}

static void fh_diff_values(fh_diff *d, const json_t *got, const json_t *expected)
{
    if (json_equal((json_t *)got, (json_t *)expected))
        return;
    if (json_is_object(got) && json_is_object(expected))
        fh_diff_objects(d, got, expected);
    else if (json_is_array(got) && json_is_array(expected))
        fh_diff_arrays(d, got, expected);
    else
        fh_diff_line(d, got, expected);
}

int fake_host_json_equal(const json_t *got, const json_t *expected, char **diff)
{
    fh_diff d = {{0}, 0, {0}};
    char *g, *e;

    if (diff != NULL)
        *diff = NULL;
    if (got != NULL && expected != NULL && json_equal((json_t *)got, (json_t *)expected))
        return 1;
    if (got == NULL && expected == NULL)
        return 1;
    if (diff == NULL)
        return 0;
    fh_text_addf(&d.out, "JSON values differ:\n");
    fh_text_addf(&d.path, "$");
    if (got == NULL || expected == NULL) {
        fh_text_addf(&d.out, "  $: %s\n",
                     got == NULL ? "got no value (NULL)" : "expected no value (NULL)");
    } else {
        fh_diff_values(&d, got, expected);
        if (d.lines > FH_DIFF_MAX_LINES)
            fh_text_addf(&d.out, "  ... and %d more differences\n", d.lines - FH_DIFF_MAX_LINES);
    }
    g = got ? fh_dump(got, 0) : fh_strdup("NULL");
    e = expected ? fh_dump(expected, 0) : fh_strdup("NULL");
    fh_text_addf(&d.out, "got:      %s\nexpected: %s\n", g, e);
    free(g);
    free(e);
    free(d.path.data);
    *diff = fh_text_take(&d.out);
    return 0;
}

void fake_host_assert_json_value_equal(const json_t *got, const json_t *expected, const char *file,
                                       int line)
{
    char *diff = NULL;

    if (fake_host_json_equal(got, expected, &diff))
        return;
    print_error("%s", diff);
    free(diff);
    _fail(file, line);
}

void fake_host_assert_json_equal(const json_t *got, const char *expected_text, const char *file,
                                 int line)
{
    json_error_t error;
    json_t *expected = json_loads(expected_text, JSON_DECODE_ANY, &error);
    char *diff = NULL;
    int equal;

    if (expected == NULL) {
        print_error("assert_json_equal: the expected text is not JSON: %s at line %d, column "
                    "%d:\n%s\n",
                    error.text, error.line, error.column, expected_text);
        _fail(file, line);
        return;
    }
    equal = fake_host_json_equal(got, expected, &diff);
    json_decref(expected);
    if (equal)
        return;
    print_error("%s", diff);
    free(diff);
    _fail(file, line);
}
