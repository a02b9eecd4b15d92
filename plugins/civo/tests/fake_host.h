/* fake_host.h: a fake host services table for the civo plugin's unit tests: scripted HTTP
   answers by "METHOD URL", every request recorded, emitted resources kept. Header-only. */
#ifndef CIVO_FAKE_HOST_H
#define CIVO_FAKE_HOST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "civo.h"

#define FAKE_ENDPOINT "http://civo.test"

/* The fake host's per-call context: what the plugin did, and what the "server" answers. */
struct fwk_ctx {
    json_t *answers; /* {"METHOD URL": {"status": n, "body": "text"}} */
    json_t *sent;    /* [{"method","url","body","mutating","auth","content_type"}] */
    json_t *emitted; /* resources, in order */
    json_t *env;     /* {"NAME": "value"} for secret_get("env:NAME") */
    char fail[4096]; /* last host->fail() message */
};

static void fake_log(fwk_ctx *ctx, fwk_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fake_log(fwk_ctx *ctx, fwk_log_level level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}

static void fake_fail(fwk_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fake_fail(fwk_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ctx->fail, sizeof ctx->fail, fmt, ap);
    va_end(ap);
}

static const json_t *fake_config(fwk_ctx *ctx)
{
    (void)ctx;
    return NULL;
}

static fwk_status fake_secret_get(fwk_ctx *ctx, const char *ref, char **value)
{
    const char *found =
        strncmp(ref, "env:", 4) == 0 ? json_string_value(json_object_get(ctx->env, ref + 4)) : NULL;

    *value = NULL;
    if (!found) {
        fake_fail(ctx, "secret %s: not set", ref);
        return FWK_ERROR;
    }
    *value = strdup(found);
    return FWK_OK;
}

static const char *fake_header(const fwk_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

static fwk_status fake_http_request(fwk_ctx *ctx, const fwk_http_request *req,
                                    fwk_http_response **response)
{
    char key[1024];
    const json_t *answer;
    const char *body;
    fwk_http_response *res = calloc(1, sizeof *res);
    const char *auth = fake_header(req, "Authorization");
    const char *type = fake_header(req, "Content-Type");

    json_array_append_new(ctx->sent, json_pack("{s:s, s:s, s:s?, s:b, s:s?, s:s?}", "method",
                                               req->method, "url", req->url, "body", req->body,
                                               "mutating", (req->flags & FWK_HTTP_MUTATING) != 0,
                                               "auth", auth, "content_type", type));
    snprintf(key, sizeof key, "%s %s", req->method, req->url);
    answer = json_object_get(ctx->answers, key);
    body = answer ? json_string_value(json_object_get(answer, "body"))
                  : "{\"code\": \"not_found\", \"reason\": \"no scripted answer\"}";
    res->struct_size = sizeof *res;
    res->status = answer ? (long)json_integer_value(json_object_get(answer, "status")) : 404;
    res->body = strdup(body ? body : "");
    res->body_len = strlen(res->body);
    res->attempts = 1;
    *response = res;
    return FWK_OK;
}

static void fake_http_response_free(fwk_http_response *response)
{
    if (response) {
        free((char *)response->body);
        free(response);
    }
}

static const char *fake_http_header(const fwk_http_response *response, const char *name)
{
    (void)response;
    (void)name;
    return NULL;
}

static fwk_status fake_emit_resource(fwk_ctx *ctx, json_t *resource)
{
    json_array_append_new(ctx->emitted, resource);
    return FWK_OK;
}

static fwk_status fake_emit_finding(fwk_ctx *ctx, json_t *finding)
{
    (void)ctx;
    json_decref(finding);
    return FWK_ERROR;
}

static int fake_cancelled(fwk_ctx *ctx)
{
    (void)ctx;
    return 0;
}

static void fake_counter_add(fwk_ctx *ctx, const char *name, int64_t delta)
{
    (void)ctx;
    (void)name;
    (void)delta;
}

static void *fake_alloc(size_t size)
{
    return malloc(size);
}

static void fake_free(void *ptr)
{
    free(ptr);
}

static const fwk_host fake_host = {
    .struct_size = sizeof(fwk_host),
    .abi_major = FWK_ABI_MAJOR,
    .abi_minor = FWK_ABI_MINOR,
    .log = fake_log,
    .fail = fake_fail,
    .config = fake_config,
    .secret_get = fake_secret_get,
    .http_request = fake_http_request,
    .http_response_free = fake_http_response_free,
    .http_header = fake_http_header,
    .emit_resource = fake_emit_resource,
    .emit_finding = fake_emit_finding,
    .cancelled = fake_cancelled,
    .counter_add = fake_counter_add,
    .alloc = fake_alloc,
    .free = fake_free,
};

/* The plugin's descriptor (civo.c). */
FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void);

static void ctx_setup(fwk_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->answers = json_object();
    ctx->sent = json_array();
    ctx->emitted = json_array();
    ctx->env = json_object();
}

static void ctx_teardown(fwk_ctx *ctx)
{
    json_decref(ctx->answers);
    json_decref(ctx->sent);
    json_decref(ctx->emitted);
    json_decref(ctx->env);
}

/* Script the answer to "METHOD URL" (the body as text). */
static void answer(fwk_ctx *ctx, const char *method, const char *url, long status, const char *body)
{
    char key[1024];

    snprintf(key, sizeof key, "%s %s", method, url);
    json_object_set_new(ctx->answers, key,
                        json_pack("{s:I, s:s}", "status", (json_int_t)status, "body", body));
}

/* A test data file's text (malloc'd) or a failed test. */
__attribute__((unused)) static char *data_text(const char *name)
{
    char path[512];
    FILE *f;
    char *text;
    long size;

    snprintf(path, sizeof path, "%s/%s", CIVO_TEST_DATA, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = calloc(1, (size_t)size + 1);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    return text;
}

__attribute__((unused)) static json_t *data_json(const char *name)
{
    char *text = data_text(name);
    json_error_t err;
    json_t *value = json_loads(text, 0, &err);

    if (!value)
        fail_msg("%s: %s at line %d", name, err.text, err.line);
    free(text);
    return value;
}

/* An instance made by the plugin's init from `config_text` (JSON); asserts it worked. */
static civo_instance *make_instance(fwk_ctx *ctx, const char *config_text)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();
    json_t *config = json_loads(config_text, 0, NULL);
    void *inst = NULL;

    assert_non_null(config);
    if (desc->init(&fake_host, ctx, config, &inst) != FWK_OK)
        fail_msg("init failed: %s", ctx->fail);
    json_decref(config);
    return inst;
}

static void free_instance(civo_instance *inst)
{
    fawkes_plugin_describe()->fini(inst);
}

#define BASE_CONFIG                                                                                \
    "{\"token\": \"tok-123456\", \"endpoint\": \"" FAKE_ENDPOINT "/\", \"account\": \"acme\","     \
    " \"per_page\": 2, \"prices\": {\"g3.xsmall\": 5, \"g2.xsmall\": 10, \"g3.db.small\": 30,"     \
    " \"volume\": 0.1, \"objectstore\": 0.01, \"g3.small\": 73}}"

/* Each test file's fixture: a fake context and an instance on BASE_CONFIG, per test. */
static fwk_ctx ctx;
static civo_instance *inst;

static int setup(void **state)
{
    (void)state;
    ctx_setup(&ctx);
    inst = make_instance(&ctx, BASE_CONFIG);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free_instance(inst);
    ctx_teardown(&ctx);
    return 0;
}

/* `got` equals the JSON text `expected_text`, or the test fails showing both. */
static void assert_json_equal(const json_t *got, const char *expected_text)
{
    json_t *expected = json_loads(expected_text, 0, NULL);

    assert_non_null(expected);
    if (!json_equal((json_t *)got, expected)) {
        char *text = json_dumps(got, JSON_SORT_KEYS);
        fail_msg("got %s\nexpected %s", text, expected_text);
    }
    json_decref(expected);
}

#endif
