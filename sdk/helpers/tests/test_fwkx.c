/* test_fwkx.c: the plugin helper library against a scripted host (no fawkes_core linked:
   fwkx must need nothing but the public SDK). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "fawkes/fwkx.h"

/* ---- a scripted host: canned responses in order, every request and failure recorded ---- */

#define MAX_STEPS 8

typedef struct scripted_response {
    long status;
    const char *body;
    const char *link; /* a Link header, or NULL */
    int attempts;
    fwk_status transport; /* not FWK_OK: http_request fails with this */
} scripted_response;

struct fwk_ctx {
    scripted_response responses[MAX_STEPS];
    int served;
    char urls[MAX_STEPS][512];
    char bodies[MAX_STEPS][512];
    char content_type[MAX_STEPS][64];
    char failure[4096];
    int cancel_after; /* cancelled() turns true after this many requests; 0 = never */
};

static void fake_log(fwk_ctx *ctx, fwk_log_level level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}

static void fake_fail(fwk_ctx *ctx, const char *fmt, ...) FWK_PRINTF(2, 3);
static void fake_fail(fwk_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->failure, sizeof ctx->failure, fmt, ap);
    va_end(ap);
}

static fwk_status fake_http(fwk_ctx *ctx, const fwk_http_request *req, fwk_http_response **out)
{
    assert_true(ctx->served < MAX_STEPS);
    const scripted_response *step = &ctx->responses[ctx->served];
    int i = ctx->served++;
    snprintf(ctx->urls[i], sizeof ctx->urls[i], "%s", req->url);
    snprintf(ctx->bodies[i], sizeof ctx->bodies[i], "%.*s", (int)req->body_len,
             req->body ? req->body : "");
    for (size_t h = 0; h < req->header_count; h++) {
        if (strcasecmp(req->headers[h].name, "Content-Type") == 0)
            snprintf(ctx->content_type[i], sizeof ctx->content_type[i], "%s",
                     req->headers[h].value);
    }
    if (step->status == 0 && step->transport == FWK_OK)
        fail_msg("no response scripted for request %d (%s)", i + 1, req->url);
    if (step->transport != FWK_OK) {
        fake_fail(ctx, "%s %s: connection refused", req->method, req->url);
        return step->transport;
    }
    fwk_http_response *res = calloc(1, sizeof *res + sizeof(fwk_http_header));
    fwk_http_header *headers = (fwk_http_header *)(res + 1);
    res->struct_size = sizeof *res;
    res->status = step->status;
    res->body = step->body ? step->body : "";
    res->body_len = strlen(res->body);
    res->attempts = step->attempts ? step->attempts : 1;
    if (step->link) {
        headers[0] = (fwk_http_header){"Link", step->link};
        res->headers = headers;
        res->header_count = 1;
    }
    *out = res;
    return FWK_OK;
}

static void fake_response_free(fwk_http_response *res)
{
    free(res);
}

static const char *fake_header(const fwk_http_response *res, const char *name)
{
    for (size_t i = 0; i < res->header_count; i++) {
        if (strcasecmp(res->headers[i].name, name) == 0)
            return res->headers[i].value;
    }
    return NULL;
}

static int fake_cancelled(fwk_ctx *ctx)
{
    return ctx->cancel_after > 0 && ctx->served >= ctx->cancel_after;
}

static const fwk_host fake_host = {
    .struct_size = sizeof(fwk_host),
    .log = fake_log,
    .fail = fake_fail,
    .http_request = fake_http,
    .http_response_free = fake_response_free,
    .http_header = fake_header,
    .cancelled = fake_cancelled,
};

/* ---- JSON getters and severities ---- */

static void json_getters_fall_back_on_absent_and_wrong_types(void **state)
{
    (void)state;
    json_t *doc = json_pack("{s:s, s:i, s:f, s:b, s:{s:{s:s}}}", "name", "web-1", "count", 3,
                            "cost", 31.5, "public", 1, "labels", "team", "owner", "ana");
    assert_string_equal(fwkx_str(doc, "name", "?"), "web-1");
    assert_string_equal(fwkx_str(doc, "count", "?"), "?");
    assert_string_equal(fwkx_str(NULL, "name", "none"), "none");
    json_object_set_new(doc, "title", json_string(""));
    assert_string_equal(fwkx_str(doc, "title", "?"), "");
    assert_string_equal(fwkx_text(doc, "title", "rule-id"), "rule-id"); /* "" = not given */
    assert_string_equal(fwkx_text(doc, "name", "?"), "web-1");
    assert_int_equal(fwkx_int(doc, "count", -1), 3);
    assert_int_equal(fwkx_int(doc, "cost", -1), -1); /* a real is not an integer */
    assert_true(fwkx_num(doc, "cost", 0) == 31.5);
    assert_true(fwkx_num(doc, "count", 0) == 3.0);
    assert_int_equal(fwkx_bool(doc, "public", 0), 1);
    assert_int_equal(fwkx_bool(doc, "name", -1), -1);
    assert_string_equal(json_string_value(fwkx_path(doc, "labels.team.owner")), "ana");
    assert_null(fwkx_path(doc, "labels.missing.owner"));
    assert_null(fwkx_path(doc, "name.deeper"));
    assert_string_equal(fwkx_type_name(json_object_get(doc, "labels")), "an object");
    assert_string_equal(fwkx_type_name(json_object_get(doc, "cost")), "a number");
    assert_string_equal(fwkx_type_name(NULL), "null");
    char label[64];
    json_t *named =
        json_pack("{s:s, s:s}", "uid", "aws:1:eu-west-2:compute.instance:i-1", "name", "web-1");
    assert_string_equal(fwkx_resource_label(named, label, sizeof label),
                        "web-1 (aws:1:eu-west-2:compute.instance:i-1)");
    json_object_set_new(named, "name", json_string("aws:1:eu-west-2:compute.instance:i-1"));
    assert_string_equal(fwkx_resource_label(named, label, sizeof label),
                        "aws:1:eu-west-2:compute.instance:i-1");
    assert_string_equal(fwkx_resource_label(NULL, label, sizeof label), "-");
    json_decref(named);
    json_decref(doc);
}

static void severities_parse_name_and_order(void **state)
{
    (void)state;
    fwkx_severity sev = FWKX_SEV_INFO;
    assert_int_equal(fwkx_severity_parse("critical", &sev), 0);
    assert_int_equal(sev, FWKX_SEV_CRITICAL);
    assert_int_equal(fwkx_severity_parse("High", &sev), -1); /* exact, lowercase */
    assert_int_equal(fwkx_severity_parse(NULL, &sev), -1);
    assert_int_equal(sev, FWKX_SEV_CRITICAL);
    assert_true(FWKX_SEV_LOW < FWKX_SEV_MEDIUM && FWKX_SEV_HIGH < FWKX_SEV_CRITICAL);
    assert_string_equal(fwkx_severity_name(FWKX_SEV_MEDIUM), "medium");
    assert_string_equal(fwkx_severity_name((fwkx_severity)9), "unknown");
    assert_null(fwkx_severity_names[5]);
}

/* ---- buffer ---- */

static void buffer_appends_formats_and_escapes(void **state)
{
    (void)state;
    fwkx_buf buf = FWKX_BUF_INIT;
    assert_string_equal(fwkx_buf_str(&buf), "");
    assert_int_equal(fwkx_buf_addf(&buf, "%s/v2/%s?region=", "https://api", "instances"), 0);
    assert_int_equal(fwkx_buf_add_escaped(&buf, "a b/ü~"), 0);
    assert_string_equal(fwkx_buf_str(&buf), "https://api/v2/instances?region=a%20b%2F%C3%BC~");
    for (int i = 0; i < 1000; i++) /* growth well past the first allocation */
        fwkx_buf_adds(&buf, "0123456789");
    assert_int_equal(buf.len, 47 + 10000);
    assert_int_equal(buf.failed, 0);
    char *text = fwkx_buf_take(&buf);
    assert_non_null(text);
    assert_int_equal(strlen(text), 47 + 10000);
    assert_null(buf.data);
    free(text);
    text = fwkx_buf_take(&buf); /* an empty buffer hands over "" */
    assert_string_equal(text, "");
    free(text);
    fwkx_buf_add(&buf, "a\0b", 3);
    assert_int_equal(buf.len, 3);
    assert_memory_equal(buf.data, "a\0b", 4);
    fwkx_buf_free(&buf);
}

/* ---- time ---- */

static void time_parses_the_one_grammar(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(fwkx_time_parse("1970-01-01T00:00:00Z", &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(fwkx_time_parse("2026-01-02T03:04:05Z", &ms), 0);
    assert_int_equal(ms, 1767323045000LL);
    assert_int_equal(fwkx_time_parse("2026-01-02t03:04:05.678z", &ms), 0);
    assert_int_equal(ms, 1767323045678LL);
    assert_int_equal(fwkx_time_parse("2026-01-02 05:04:05.6789+02:00", &ms), 0);
    assert_int_equal(ms, 1767323045678LL);
    assert_int_equal(fwkx_time_parse("2026-01-01T19:04:05-08:00", &ms), 0);
    assert_int_equal(ms, 1767323045000LL);
    assert_int_equal(fwkx_time_parse("2026-01-01", &ms), 0); /* a date is its midnight UTC */
    assert_int_equal(ms, 1767225600000LL);
    assert_int_equal(fwkx_time_parse("2024-02-29T00:00:00Z", &ms), 0); /* leap year */
    assert_int_equal(fwkx_time_parse("1969-12-31T23:59:59Z", &ms), 0);
    assert_int_equal(ms, -1000);
    assert_int_equal(fwkx_time_parse("2016-12-31T23:59:60Z", &ms), 0); /* leap second */
    assert_int_equal(ms, 1483228799000LL);

    const char *bad[] = {"",
                         "2026-1-02T03:04:05Z",
                         "2026-01-02T03:04:05",
                         "2025-02-29",
                         "2026-13-01",
                         "2026-04-31",
                         "2026-01-02T24:00:00Z",
                         "2026-01-02T03:04:05+0200",
                         "2026-01-02T03:04:05.Z",
                         "2026-01-02T03:04:05Z trailing",
                         "2026-01-02T03:04Z",
                         "2026-01-02T03:04:05+24:00",
                         "20260102T030405Z",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        ms = 42;
        if (fwkx_time_parse(bad[i], &ms) != -1 || ms != 42)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(fwkx_time_parse(NULL, &ms), -1);
}

static void time_formats_and_round_trips(void **state)
{
    (void)state;
    char out[FWKX_TIME_MAX];
    assert_string_equal(fwkx_time_format(1767323045000LL, out, sizeof out), "2026-01-02T03:04:05Z");
    assert_string_equal(fwkx_time_format(1767323045678LL, out, sizeof out),
                        "2026-01-02T03:04:05.678Z");
    assert_string_equal(fwkx_time_format(-1, out, sizeof out), "1969-12-31T23:59:59.999Z");
    assert_string_equal(fwkx_time_format(253402300800000LL, out, sizeof out), ""); /* 10000 */
    /* Every day of four centuries (one 400-year cycle) reads back to the same instant. */
    for (int64_t day = -719528; day < -719528 + 146097 * 3; day += 7) {
        int64_t ms = day * 86400000LL + 45296789, back = 0;
        fwkx_time_format(ms, out, sizeof out);
        if (fwkx_time_parse(out, &back) != 0 || back != ms)
            fail_msg("%lld -> %s -> %lld", (long long)ms, out, (long long)back);
    }
}

static void clocks_move_as_documented(void **state)
{
    (void)state;
    int64_t mono = fwkx_clock_mono_ms(), wall = fwkx_clock_wall_ms();
    assert_true(wall > 1767225600000LL); /* after 2026-01-01 */
    assert_true(fwkx_clock_mono_ms() >= mono);
}

/* ---- UTF-8 ---- */

static void utf8_cuts_on_character_boundaries(void **state)
{
    (void)state;
    const char *text = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* a é € 😀: 1+2+3+4 bytes */
    size_t len = strlen(text);
    const size_t expect[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10};
    for (size_t max = 0; max <= 11; max++)
        assert_int_equal(fwkx_utf8_prefix(text, len, max), expect[max]);
    char copy[32];
    snprintf(copy, sizeof copy, "%s", text);
    assert_int_equal(fwkx_utf8_truncate(copy, 5), 3);
    assert_string_equal(copy, "a\xc3\xa9");
    char *cut = fwkx_utf8_ellipsize(text, 8); /* 5 bytes of text + "…" */
    assert_string_equal(cut, "a\xc3\xa9\xe2\x80\xa6");
    free(cut);
    cut = fwkx_utf8_ellipsize("short", 8);
    assert_string_equal(cut, "short");
    free(cut);
    assert_null(fwkx_utf8_ellipsize("too long", 2));
    /* Not UTF-8 (a run of continuation bytes): cut anywhere, never below the limit by 4. */
    assert_int_equal(fwkx_utf8_prefix("\x80\x80\x80\x80\x80\x80", 6, 5), 5);
}

/* ---- HTTP JSON ---- */

static void http_json_sends_json_and_parses_the_answer(void **state)
{
    (void)state;
    fwk_ctx ctx = {.responses = {{.status = 201, .body = "{\"id\":\"db-1\"}"}}};
    json_t *body = json_pack("{s:s}", "name", "db");
    fwkx_http_call call = {.method = "POST",
                           .url = "https://api.test/v2/databases",
                           .body = body,
                           .flags = FWK_HTTP_MUTATING};
    fwkx_http_result result = {0};
    assert_int_equal(fwkx_http_json(&fake_host, &ctx, &call, &result), FWK_OK);
    assert_string_equal(ctx.bodies[0], "{\"name\":\"db\"}");
    assert_string_equal(ctx.content_type[0], "application/json");
    assert_int_equal(result.status, 201);
    assert_string_equal(fwkx_str(result.answer, "id", ""), "db-1");
    fwkx_http_result_free(&result);
    assert_null(result.answer);
    json_decref(body);
}

static void http_json_failures_say_method_url_status_reason_and_attempts(void **state)
{
    (void)state;
    static const struct {
        long status;
        const char *body;
        int attempts;
        fwk_status expect;
        const char *message;
    } cases[] = {
        {403, "{\"code\":\"database_forbidden\",\"reason\":\"not yours\"}", 1, FWK_ERROR,
         "GET https://api.test/x -> HTTP 403: database_forbidden: not yours"},
        {429, "{\"message\":\"slow down\"}", 4, FWK_RETRY,
         "GET https://api.test/x -> HTTP 429: slow down (after 4 attempts)"},
        {404, "{\"error\":{\"code\":404,\"message\":\"Not found\",\"status\":\"NOT_FOUND\"}}", 1,
         FWK_ERROR, "GET https://api.test/x -> HTTP 404: NOT_FOUND: Not found"},
        {400, "{\"error\":\"invalid_grant\",\"error_description\":\"Bad JWT\"}", 1, FWK_ERROR,
         "GET https://api.test/x -> HTTP 400: invalid_grant: Bad JWT"},
        {400,
         "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\","
         "\"errors\":[\"Length of 'routing_key' is incorrect\"]}",
         1, FWK_ERROR,
         "GET https://api.test/x -> HTTP 400: Event object is invalid [\"Length of "
         "'routing_key' is incorrect\"]"},
        {502, "<html>\r\nBad Gateway</html>", 3, FWK_RETRY,
         "GET https://api.test/x -> HTTP 502: <html>  Bad Gateway</html> (after 3 attempts)"},
        {500, "", 1, FWK_RETRY, "GET https://api.test/x -> HTTP 500: (empty body)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fwk_ctx ctx = {
            .responses = {
                {.status = cases[i].status, .body = cases[i].body, .attempts = cases[i].attempts}}};
        fwkx_http_call call = {.method = "GET", .url = "https://api.test/x"};
        fwkx_http_result result = {0};
        assert_int_equal(fwkx_http_json(&fake_host, &ctx, &call, &result), cases[i].expect);
        assert_string_equal(ctx.failure, cases[i].message);
        assert_int_equal(result.status, cases[i].status);
        fwkx_http_result_free(&result);
    }
}

static void http_json_failure_keeps_a_long_url_whole(void **state)
{
    (void)state;
    /* A webhook URL carries its token: cut short, the host could not recognise and redact it. */
    char url[3000];
    memcpy(url, "https://hooks.test/", 19);
    memset(url + 19, 'k', sizeof url - 20);
    url[sizeof url - 1] = '\0';
    fwk_ctx *ctx = calloc(1, sizeof *ctx);
    ctx->responses[0] = (scripted_response){.status = 404, .body = "no such hook"};
    fwkx_http_call call = {.method = "POST", .url = url};
    fwkx_http_result result = {0};
    assert_int_equal(fwkx_http_json(&fake_host, ctx, &call, &result), FWK_ERROR);
    assert_non_null(strstr(ctx->failure, url));
    assert_non_null(strstr(ctx->failure, " -> HTTP 404: no such hook"));
    free(ctx);
}

static const char *token_hint(long status)
{
    return status == 401 ? "; set a valid token" : "";
}

static void http_json_adds_hints_and_refuses_bad_json(void **state)
{
    (void)state;
    fwk_ctx ctx = {.responses = {{.status = 401, .body = "{\"message\":\"bad key\"}"},
                                 {.status = 200, .body = "{\"items\": [1, 2"},
                                 {.status = 200, .body = "ok"},
                                 {.transport = FWK_ERROR}}};
    fwkx_http_call call = {.method = "GET", .url = "https://api.test/y", .hint = token_hint};
    fwkx_http_result result = {0};
    assert_int_equal(fwkx_http_json(&fake_host, &ctx, &call, &result), FWK_ERROR);
    assert_string_equal(ctx.failure,
                        "GET https://api.test/y -> HTTP 401: bad key; set a valid token");
    fwkx_http_result_free(&result);
    assert_int_equal(fwkx_http_json(&fake_host, &ctx, &call, &result), FWK_ERROR);
    assert_non_null(strstr(ctx.failure, "GET https://api.test/y -> HTTP 200: the answer is not "
                                        "valid JSON"));
    fwkx_http_result_free(&result);
    call.body_optional = 1; /* Slack answers "ok" */
    assert_int_equal(fwkx_http_json(&fake_host, &ctx, &call, &result), FWK_OK);
    assert_null(result.answer);
    fwkx_http_result_free(&result);
    assert_int_equal(fwkx_http_json(&fake_host, &ctx, &call, &result), FWK_ERROR);
    assert_string_equal(ctx.failure, "GET https://api.test/y: connection refused");
    assert_int_equal(result.status, 0);
}

/* ---- pagination ---- */

typedef struct collected {
    char names[64][16];
    int count;
    int stop_at; /* on_item returns FWK_ERROR at this count; 0 = never */
} collected;

static fwk_status collect(void *arg, const json_t *item)
{
    collected *c = arg;
    if (c->stop_at && c->count == c->stop_at)
        return FWK_ERROR;
    snprintf(c->names[c->count++], sizeof c->names[0], "%s", fwkx_str(item, "id", "?"));
    return FWK_OK;
}

static void paginate_by_page_number_until_the_total(void **state)
{
    (void)state;
    fwk_ctx ctx = {
        .responses = {
            {.status = 200,
             .body = "{\"page\":1,\"pages\":3,\"items\":[{\"id\":\"a\"},{\"id\":\"b\"}]}"},
            {.status = 200,
             .body = "{\"page\":2,\"pages\":3,\"items\":[{\"id\":\"c\"},{\"id\":\"d\"}]}"},
            {.status = 200, .body = "{\"page\":3,\"pages\":3,\"items\":[{\"id\":\"e\"}]}"},
        }};
    collected got = {0};
    fwkx_pager pager = {.style = FWKX_PAGE_NUMBER,
                        .url = "https://api.test/v2/instances?region=LON1",
                        .items_key = "items",
                        .per_page = 2,
                        .pages_key = "pages",
                        .on_item = collect,
                        .arg = &got};
    assert_int_equal(fwkx_paginate(&fake_host, &ctx, &pager), FWK_OK);
    assert_int_equal(ctx.served, 3);
    assert_string_equal(ctx.urls[0], "https://api.test/v2/instances?region=LON1&page=1&per_page=2");
    assert_string_equal(ctx.urls[2], "https://api.test/v2/instances?region=LON1&page=3&per_page=2");
    assert_int_equal(got.count, 5);
    assert_string_equal(got.names[4], "e");
}

static void paginate_by_number_ends_on_a_short_page_or_a_bare_list(void **state)
{
    (void)state;
    fwk_ctx ctx = {.responses = {
                       {.status = 200, .body = "{\"items\":[{\"id\":\"a\"},{\"id\":\"b\"}]}"},
                       {.status = 200, .body = "{\"items\":[{\"id\":\"c\"}]}"},
                       {.status = 200, .body = "[{\"id\":\"x\"},{\"id\":\"y\"},{\"id\":\"z\"}]"},
                   }};
    collected got = {0};
    fwkx_pager pager = {.style = FWKX_PAGE_NUMBER,
                        .url = "https://api.test/v2/volumes",
                        .items_key = "items",
                        .per_page = 2,
                        .on_item = collect,
                        .arg = &got};
    assert_int_equal(fwkx_paginate(&fake_host, &ctx, &pager), FWK_OK);
    assert_int_equal(ctx.served, 2);
    assert_string_equal(ctx.urls[1], "https://api.test/v2/volumes?page=2&per_page=2");
    assert_int_equal(got.count, 3);
    /* A bare list (no pagination for small collections) is the whole listing. */
    assert_int_equal(fwkx_paginate(&fake_host, &ctx, &pager), FWK_OK);
    assert_int_equal(ctx.served, 3);
    assert_int_equal(got.count, 6);
}

static void paginate_none_gets_one_page_without_parameters(void **state)
{
    (void)state;
    fwk_ctx ctx = {
        .responses = {{.status = 200, .body = "{\"items\":[{\"id\":\"a\"},{\"id\":\"b\"}]}"},
                      {.status = 200, .body = "[{\"id\":\"c\"}]"}}};
    collected got = {0};
    fwkx_pager pager = {.style = FWKX_PAGE_NONE,
                        .url = "https://api.test/v2/volumes?region=LON1",
                        .items_key = "items",
                        .on_item = collect,
                        .arg = &got};
    assert_int_equal(fwkx_paginate(&fake_host, &ctx, &pager), FWK_OK);
    assert_int_equal(ctx.served, 1);
    assert_string_equal(ctx.urls[0], "https://api.test/v2/volumes?region=LON1");
    assert_int_equal(fwkx_paginate(&fake_host, &ctx, &pager), FWK_OK);
    assert_int_equal(ctx.served, 2);
    assert_int_equal(got.count, 3);
}

static void paginate_by_token_escapes_it_and_refuses_a_loop(void **state)
{
    (void)state;
    fwk_ctx ctx = {
        .responses = {
            {.status = 200, .body = "{\"items\":[{\"id\":\"a\"}],\"nextPageToken\":\"t/1+\"}"},
            {.status = 200, .body = "{\"nextPageToken\":\"t2\"}"}, /* empty page */
            {.status = 200, .body = "{\"items\":[{\"id\":\"b\"}]}"},
            {.status = 200, .body = "{\"items\":[],\"nextPageToken\":\"same\"}"},
            {.status = 200, .body = "{\"items\":[],\"nextPageToken\":\"same\"}"},
        }};
    collected got = {0};
    fwkx_pager pager = {.style = FWKX_PAGE_TOKEN,
                        .url = "https://compute.test/projects/p/zones/z/disks?maxResults=500",
                        .items_key = "items",
                        .on_item = collect,
                        .arg = &got};
    assert_int_equal(fwkx_paginate(&fake_host, &ctx, &pager), FWK_OK);
    assert_int_equal(ctx.served, 3);
    assert_string_equal(
        ctx.urls[1],
        "https://compute.test/projects/p/zones/z/disks?maxResults=500&pageToken=t%2F1%2B");
    assert_string_equal(
        ctx.urls[2], "https://compute.test/projects/p/zones/z/disks?maxResults=500&pageToken=t2");
    assert_int_equal(got.count, 2);
    assert_int_equal(fwkx_paginate(&fake_host, &ctx, &pager), FWK_ERROR);
    assert_non_null(strstr(ctx.failure, "the same page token again"));
}

static void paginate_by_link_header(void **state)
{
    (void)state;
    fwk_ctx ctx = {.responses = {
                       {.status = 200,
                        .body = "[{\"id\":\"a\"}]",
                        .link = "<https://api.test/r?page=2>; rel=\"next\", "
                                "<https://api.test/r?page=9>; rel=\"last\""},
                       {.status = 200,
                        .body = "[{\"id\":\"b\"}]",
                        .link = "<https://api.test/r?page=1>; rel=\"first\", "
                                "<https://api.test/r?page=3>; rel=next"},
                       {.status = 200,
                        .body = "[{\"id\":\"c\"}]",
                        .link = "<https://api.test/r?page=1>; rel=\"first\""},
                   }};
    collected got = {0};
    fwkx_pager pager = {
        .style = FWKX_PAGE_LINK, .url = "https://api.test/r", .on_item = collect, .arg = &got};
    assert_int_equal(fwkx_paginate(&fake_host, &ctx, &pager), FWK_OK);
    assert_int_equal(ctx.served, 3);
    assert_string_equal(ctx.urls[1], "https://api.test/r?page=2");
    assert_string_equal(ctx.urls[2], "https://api.test/r?page=3");
    assert_int_equal(got.count, 3);
}

static void paginate_stops_on_errors_callbacks_cancel_and_wrong_shapes(void **state)
{
    (void)state;
    collected got = {0};
    fwkx_pager pager = {.style = FWKX_PAGE_NUMBER,
                        .url = "https://api.test/l",
                        .items_key = "items",
                        .per_page = 1,
                        .on_item = collect,
                        .arg = &got};
    fwk_ctx failing = {
        .responses = {{.status = 200, .body = "{\"items\":[{\"id\":\"a\"}]}"},
                      {.status = 503, .body = "{\"message\":\"down\"}", .attempts = 5}}};
    assert_int_equal(fwkx_paginate(&fake_host, &failing, &pager), FWK_RETRY);
    assert_string_equal(
        failing.failure,
        "GET https://api.test/l?page=2&per_page=1 -> HTTP 503: down (after 5 attempts)");

    fwk_ctx shape = {.responses = {{.status = 200, .body = "{\"items\":{\"id\":\"a\"}}"}}};
    assert_int_equal(fwkx_paginate(&fake_host, &shape, &pager), FWK_ERROR);
    assert_string_equal(shape.failure,
                        "GET https://api.test/l?page=1&per_page=1 -> HTTP 200: expected the member "
                        "\"items\" to be a list, got an object: is the endpoint the API expected?");

    pager.items_required = 1;
    fwk_ctx missing = {.responses = {{.status = 200, .body = "{\"result\":\"ok\"}"}}};
    assert_int_equal(fwkx_paginate(&fake_host, &missing, &pager), FWK_ERROR);
    assert_string_equal(
        missing.failure,
        "GET https://api.test/l?page=1&per_page=1 -> HTTP 200: expected a list, or a page with the "
        "member \"items\"; got an object without it: is the endpoint the API expected?");
    pager.items_required = 0;

    fwk_ctx cancel = {.responses = {{.status = 200, .body = "{\"items\":[{\"id\":\"a\"}]}"}},
                      .cancel_after = 1};
    assert_int_equal(fwkx_paginate(&fake_host, &cancel, &pager), FWK_CANCELLED);
    assert_int_equal(cancel.served, 1);

    got = (collected){.stop_at = 1};
    fwk_ctx stop = {
        .responses = {{.status = 200, .body = "{\"items\":[{\"id\":\"a\"},{\"id\":\"b\"}]}"}}};
    assert_int_equal(fwkx_paginate(&fake_host, &stop, &pager), FWK_ERROR);
    assert_int_equal(got.count, 1);

    pager.max_pages = 2;
    got = (collected){0};
    fwk_ctx endless = {.responses = {{.status = 200, .body = "{\"items\":[{\"id\":\"a\"}]}"},
                                     {.status = 200, .body = "{\"items\":[{\"id\":\"b\"}]}"}}};
    assert_int_equal(fwkx_paginate(&fake_host, &endless, &pager), FWK_ERROR);
    assert_string_equal(endless.failure,
                        "GET https://api.test/l: more than 2 pages; stopping (the listing is "
                        "incomplete): narrow the listing or raise the plugin's page limit");
}

/* fwkx_json_dump_fast writes what json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) writes. */
static void expect_dump_same(const json_t *value)
{
    char *want = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(want);
    fwkx_buf buf = FWKX_BUF_INIT;
    fwkx_buf_adds(&buf, "x");
    assert_int_equal(fwkx_json_dump_fast(&buf, value), 0);
    assert_string_equal(fwkx_buf_str(&buf) + 1, want);
    assert_int_equal(buf.len, strlen(want) + 1);
    fwkx_buf_free(&buf);
    free(want);
}

static void json_dump_fast_writes_what_jansson_writes(void **state)
{
    (void)state;
    const char *docs[] = {
        "{}",
        "[]",
        "[{},[],{\"a\":[]}]",
        "\"\"",
        "0",
        "-9223372036854775808",
        "9223372036854775807",
        "1.5",
        "1e300",
        "-0.0",
        "0.1",
        "true",
        "false",
        "null",
        "{\"b\":1,\"a\":2,\"c\":{\"z\":null,\"y\":[1,2.25,\"3\"]}}",
        "[\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"]",
        "[\"\\u0000\\u0001\\u001f\\u007f \\u00e9 \\u2028 \\ud83d\\ude00\"]",
        "{\"k\\u0001ey \\\"\":\"v\"}",
        "[\"abcdefgh\\\"ijklmnop\", \"12345678\"]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_error_t error;
        json_t *value = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
        if (!value)
            fail_msg("%s: %s", docs[i], error.text);
        expect_dump_same(value);
        json_decref(value);
    }
    /* long strings: escapes on both sides of the writer's 4096-byte runs, a 4-byte character
       across one */
    char *text = malloc(20000);
    assert_non_null(text);
    for (size_t i = 0; i < 20000; i++)
        text[i] = (char)('a' + i % 26);
    for (size_t at = 4090; at < 4100; at++)
        text[at] = at % 2 ? '"' : '\x01';
    memcpy(text + 8190, "\xf0\x9f\x98\x80", 4);
    json_t *long_string = json_stringn(text, 20000);
    assert_non_null(long_string);
    expect_dump_same(long_string);
    json_decref(long_string);
    free(text);
}

static void json_dump_fast_refuses_what_jansson_refuses(void **state)
{
    (void)state;
    fwkx_buf buf = FWKX_BUF_INIT;
    fwkx_buf_adds(&buf, "kept");
    /* not UTF-8 (json_string_nocheck does not look) */
    json_t *bad = json_pack("{s:[s, o]}", "a", "fine", json_string_nocheck("caf\xe9"));
    assert_null(json_dumps(bad, JSON_COMPACT));
    assert_int_equal(fwkx_json_dump_fast(&buf, bad), -1);
    assert_string_equal(fwkx_buf_str(&buf), "kept");
    assert_int_equal(buf.failed, 0);
    assert_int_equal(fwkx_json_dump_string(&buf, "\xc3", 1), -1);
    assert_string_equal(fwkx_buf_str(&buf), "kept");
    json_decref(bad);
    /* a value holding itself */
    json_t *outer = json_array(), *inner = json_array();
    json_array_append(outer, inner);
    json_array_append(inner, outer);
    assert_null(json_dumps(outer, JSON_COMPACT));
    assert_int_equal(fwkx_json_dump_fast(&buf, outer), -1);
    assert_string_equal(fwkx_buf_str(&buf), "kept");
    json_array_clear(inner);
    json_decref(inner);
    json_decref(outer);
    /* a string's quotes and escapes */
    assert_int_equal(fwkx_json_dump_string(&buf, "a\"b\n", 4), 0);
    assert_string_equal(fwkx_buf_str(&buf), "kept\"a\\\"b\\n\"");
    fwkx_buf_free(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_getters_fall_back_on_absent_and_wrong_types),
        cmocka_unit_test(severities_parse_name_and_order),
        cmocka_unit_test(buffer_appends_formats_and_escapes),
        cmocka_unit_test(json_dump_fast_writes_what_jansson_writes),
        cmocka_unit_test(json_dump_fast_refuses_what_jansson_refuses),
        cmocka_unit_test(time_parses_the_one_grammar),
        cmocka_unit_test(time_formats_and_round_trips),
        cmocka_unit_test(clocks_move_as_documented),
        cmocka_unit_test(utf8_cuts_on_character_boundaries),
        cmocka_unit_test(http_json_sends_json_and_parses_the_answer),
        cmocka_unit_test(http_json_failures_say_method_url_status_reason_and_attempts),
        cmocka_unit_test(http_json_adds_hints_and_refuses_bad_json),
        cmocka_unit_test(http_json_failure_keeps_a_long_url_whole),
        cmocka_unit_test(paginate_by_page_number_until_the_total),
        cmocka_unit_test(paginate_by_number_ends_on_a_short_page_or_a_bare_list),
        cmocka_unit_test(paginate_none_gets_one_page_without_parameters),
        cmocka_unit_test(paginate_by_token_escapes_it_and_refuses_a_loop),
        cmocka_unit_test(paginate_by_link_header),
        cmocka_unit_test(paginate_stops_on_errors_callbacks_cancel_and_wrong_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
