/* civo_fixture.h: the civo plugin's unit test fixture on the shared fake host
   (tests/support/fawkes_fake_host.h): an instance on BASE_CONFIG per test, answers scripted
   by "METHOD URL", the test data files, and the requests as the tests check them. */
#ifndef CIVO_FIXTURE_H
#define CIVO_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civo.h"
#include "fawkes_fake_host.h"

#define FAKE_ENDPOINT "http://civo.test"

/* The plugin's descriptor (civo.c). */
FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void);

/* Script the answer to every "METHOD URL" request from now on (the body as text). */
static void answer(fwk_ctx *ctx, const char *method, const char *url, long status, const char *body)
{
    fake_host_route(ctx, method, url, status, body);
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
    if (desc->init(fake_host(), ctx, config, &inst) != FWK_OK)
        fail_msg("init failed: %s", fake_host_failure(ctx));
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
static fwk_ctx *ctx;
static civo_instance *inst;
static json_t *sent_view; /* the last request sent_at() described */

static int setup(void **state)
{
    (void)state;
    ctx = fake_host_ctx_new();
    inst = make_instance(ctx, BASE_CONFIG);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free_instance(inst);
    fake_host_ctx_free(ctx);
    json_decref(sent_view);
    sent_view = NULL;
    return 0;
}

/* The last fail message ("" when none). */
__attribute__((unused)) static const char *failure(void)
{
    return fake_host_failure(ctx);
}

/* The resources the plugin emitted (borrowed; a test may clear it). */
__attribute__((unused)) static json_t *emitted(void)
{
    return fake_host_resources(ctx);
}

/* How many requests the plugin sent. */
__attribute__((unused)) static size_t sent_count(void)
{
    return json_array_size(fake_host_requests(ctx));
}

/* Request `i` as the civo tests check it: {"method", "url", "body" (text or null), "mutating",
   "auth" and "content_type" (header values or null)}. Borrowed until the next call. */
__attribute__((unused)) static const json_t *sent_at(size_t i)
{
    const json_t *request = fake_host_request(ctx, i);

    assert_non_null(request);
    json_decref(sent_view);
    sent_view = json_pack(
        "{s:O, s:O, s:O, s:b, s:s?, s:s?}", "method", json_object_get(request, "method"), "url",
        json_object_get(request, "url"), "body", json_object_get(request, "body"), "mutating",
        (json_integer_value(json_object_get(request, "flags")) & FWK_HTTP_MUTATING) != 0, "auth",
        fake_host_request_header(request, "Authorization"), "content_type",
        fake_host_request_header(request, "Content-Type"));
    assert_non_null(sent_view);
    return sent_view;
}

#endif
