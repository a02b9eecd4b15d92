/* test_fake_host.c: the fake host for plugin unit tests does what fawkes_fake_host.h says:
   answers in the documented order, records what the plugin did, diffs JSON readably. */
#include <stdlib.h>
#include <string.h>

#include "fawkes_fake_host.h"

static fwk_status get(fwk_ctx *ctx, const char *method, const char *url,
                      fwk_http_response **response)
{
    const fwk_http_request req = {.struct_size = sizeof(req), .method = method, .url = url};

    return fake_host()->http_request(ctx, &req, response);
}

static void test_table_is_complete(void **state)
{
    const fwk_host *host = fake_host();

    (void)state;
    assert_int_equal(host->struct_size, sizeof(fwk_host));
    assert_int_equal(host->abi_major, FWK_ABI_MAJOR);
    assert_int_equal(host->abi_minor, FWK_ABI_MINOR);
    assert_true(FWK_HOST_HAS(host, mail_send));
    assert_non_null(host->log);
    assert_non_null(host->config);
    assert_non_null(host->alloc);
    assert_non_null(host->free);
}

static void test_responses_in_order_then_routes(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    const fwk_host *host = fake_host();
    fwk_http_response *res = NULL;
    const fwk_http_header link = {"Link", "<https://api.test/2>; rel=\"next\""};
    const fake_host_response paged = {
        .status = 200, .body = "[1]", .headers = &link, .header_count = 1, .attempts = 3};

    (void)state;
    fake_host_route(ctx, "GET", "https://api.test/r", 200, "old");
    fake_host_route(ctx, "GET", "https://api.test/r", 404, "gone"); /* replaces the first */
    fake_host_push(ctx, &paged);
    fake_host_push_response(ctx, 201, "second");
    assert_int_equal(fake_host_pending(ctx), 2);

    /* one-shot pushes first, in order, whatever the URL */
    assert_int_equal(get(ctx, "GET", "https://api.test/r", &res), FWK_OK);
    assert_int_equal(res->status, 200);
    assert_int_equal(res->attempts, 3);
    assert_string_equal(res->body, "[1]");
    assert_int_equal(res->body_len, 3);
    assert_string_equal(host->http_header(res, "link"), link.value);
    assert_null(host->http_header(res, "Retry-After"));
    host->http_response_free(res);
    assert_int_equal(get(ctx, "POST", "https://other.test/", &res), FWK_OK);
    assert_int_equal(res->status, 201);
    assert_int_equal(res->attempts, 1);
    host->http_response_free(res);
    assert_int_equal(fake_host_pending(ctx), 0);

    /* then the last route for the request, as often as asked */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(get(ctx, "GET", "https://api.test/r", &res), FWK_OK);
        assert_int_equal(res->status, 404);
        assert_string_equal(res->body, "gone");
        host->http_response_free(res);
    }
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 4);
    fake_host_ctx_free(ctx);
}

static void test_matching_one_shot_skips_others(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    fwk_http_response *res = NULL;
    const fake_host_response for_b = {.method = "GET", .url = "https://b.test/", .status = 202};

    (void)state;
    fake_host_push(ctx, &for_b);
    fake_host_push_response(ctx, 200, "any");
    assert_int_equal(get(ctx, "GET", "https://a.test/", &res), FWK_OK);
    assert_int_equal(res->status, 200);
    fake_host()->http_response_free(res);
    assert_int_equal(get(ctx, "GET", "https://b.test/", &res), FWK_OK);
    assert_int_equal(res->status, 202);
    assert_string_equal(res->body, "");
    fake_host()->http_response_free(res);
    fake_host_ctx_free(ctx);
}

static void test_transport_failures(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    fwk_http_response *res = (fwk_http_response *)1;

    (void)state;
    fake_host_push_failure(ctx, FWK_ERROR, NULL);
    fake_host_push_failure(ctx, FWK_ERROR, "egress to x.test is not allowed: add it");
    fake_host_push_failure(ctx, FWK_CANCELLED, NULL);
    assert_int_equal(get(ctx, "GET", "https://x.test/a", &res), FWK_ERROR);
    assert_null(res);
    assert_string_equal(fake_host_failure(ctx), "GET https://x.test/a: connection refused");
    assert_int_equal(get(ctx, "GET", "https://x.test/a", &res), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx), "egress to x.test is not allowed: add it");
    assert_int_equal(get(ctx, "DELETE", "https://x.test/a", &res), FWK_CANCELLED);
    assert_string_equal(fake_host_failure(ctx), "DELETE https://x.test/a: cancelled");
    assert_int_equal(json_array_size(fake_host_failures(ctx)), 3);
    fake_host_ctx_free(ctx);
}

static void test_requests_recorded(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    fwk_http_response *res = NULL;
    const fwk_http_header headers[] = {{"Authorization", "Bearer t0k"},
                                       {"Content-Type", "application/json"}};
    const char body[] = "{\"a\": 1}trailing";
    const fwk_http_request req = {.struct_size = sizeof(req),
                                  .method = "POST",
                                  .url = "https://api.test/items",
                                  .headers = headers,
                                  .header_count = 2,
                                  .body = body,
                                  .body_len = 8,
                                  .flags = FWK_HTTP_MUTATING | FWK_HTTP_NO_RETRY};
    const json_t *sent;

    (void)state;
    fake_host_push_response(ctx, 200, NULL);
    assert_int_equal(fake_host()->http_request(ctx, &req, &res), FWK_OK);
    fake_host()->http_response_free(res);
    sent = fake_host_request(ctx, 0);
    assert_json_equal(sent, "{\"method\": \"POST\", \"url\": \"https://api.test/items\", "
                            "\"headers\": [[\"Authorization\", \"Bearer t0k\"], "
                            "[\"Content-Type\", \"application/json\"]], "
                            "\"body\": \"{\\\"a\\\": 1}\", \"flags\": 3}");
    assert_string_equal(fake_host_request_header(sent, "content-type"), "application/json");
    assert_null(fake_host_request_header(sent, "Accept"));
    assert_null(fake_host_request(ctx, 1));
    fake_host_ctx_free(ctx);
}

static void test_logs_failures_counters(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    const fwk_host *host = fake_host();

    (void)state;
    assert_string_equal(fake_host_failure(ctx), "");
    host->log(ctx, FWK_LOG_WARN, "region %s: %d skipped", "LON1", 2);
    host->log(ctx, FWK_LOG_DEBUG, "page %d", 1);
    (host->fail)(ctx, "first"); /* parenthesized: cmocka defines a fail() macro */
    (host->fail)(ctx, "second %s", "try");
    host->counter_add(ctx, "pages", 2);
    host->counter_add(ctx, "pages", 3);
    assert_string_equal(fake_host_log_line(ctx, 0), "warn: region LON1: 2 skipped");
    assert_string_equal(fake_host_log_line(ctx, 1), "debug: page 1");
    assert_null(fake_host_log_line(ctx, 2));
    assert_string_equal(fake_host_log_find(ctx, "page"), "debug: page 1");
    assert_null(fake_host_log_find(ctx, "nothing"));
    assert_string_equal(fake_host_failure(ctx), "second try");
    assert_json_equal(fake_host_failures(ctx), "[\"first\", \"second try\"]");
    assert_int_equal(fake_host_counter(ctx, "pages"), 5);
    assert_int_equal(fake_host_counter(ctx, "none"), 0);
    assert_json_equal(fake_host_counters(ctx), "{\"pages\": 5}");

    /* clear forgets the records, keeps the set-up */
    fake_host_set_secret(ctx, "env:K", "v");
    fake_host_ctx_clear(ctx);
    assert_string_equal(fake_host_failure(ctx), "");
    assert_int_equal(json_array_size(fake_host_logs(ctx)), 0);
    assert_int_equal(fake_host_counter(ctx, "pages"), 0);
    {
        char *value = NULL;
        assert_int_equal(host->secret_get(ctx, "env:K", &value), FWK_OK);
        host->free(value);
    }
    fake_host_ctx_free(ctx);
}

static void test_config_secrets_cancel(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    const fwk_host *host = fake_host();
    char *value = (char *)1;

    (void)state;
    assert_null(host->config(ctx));
    fake_host_set_config(ctx, fake_host_json("{\"region\": \"LON1\"}"));
    assert_json_equal(host->config(ctx), "{\"region\": \"LON1\"}");

    assert_int_equal(host->secret_get(ctx, "env:TOKEN", &value), FWK_ERROR);
    assert_null(value);
    assert_string_equal(fake_host_failure(ctx), "secret env:TOKEN: not set");
    fake_host_set_secret(ctx, "env:TOKEN", "s3cret");
    assert_int_equal(host->secret_get(ctx, "env:TOKEN", &value), FWK_OK);
    assert_string_equal(value, "s3cret");
    host->free(value);
    fake_host_set_secret(ctx, "env:TOKEN", NULL);
    assert_int_equal(host->secret_get(ctx, "env:TOKEN", &value), FWK_ERROR);

    assert_int_equal(host->cancelled(ctx), 0);
    fake_host_cancel_after(ctx, 3);
    assert_int_equal(host->cancelled(ctx), 0);
    assert_int_equal(host->cancelled(ctx), 1);
    assert_int_equal(fake_host_cancel_calls(ctx), 3);
    fake_host_cancel_after(ctx, 0);
    assert_int_equal(host->cancelled(ctx), 0);
    fake_host_set_cancelled(ctx, 1);
    assert_int_equal(host->cancelled(ctx), 1);
    fake_host_ctx_free(ctx);
}

static fwk_status refuse_b(fwk_ctx *ctx, int is_finding, const json_t *value, void *arg)
{
    (void)ctx;
    (*(int *)arg)++;
    if (!is_finding && strcmp(json_string_value(json_object_get(value, "uid")), "b") == 0)
        return FWK_ERROR;
    return FWK_OK;
}

static void test_emits(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    const fwk_host *host = fake_host();
    int calls = 0;

    (void)state;
    fake_host_on_emit(ctx, refuse_b, &calls);
    assert_int_equal(host->emit_resource(ctx, json_pack("{s:s}", "uid", "a")), FWK_OK);
    assert_int_equal(host->emit_resource(ctx, json_pack("{s:s}", "uid", "b")), FWK_ERROR);
    assert_int_equal(host->emit_finding(ctx, json_pack("{s:s}", "rule", "r")), FWK_OK);
    fake_host_set_emit_status(ctx, FWK_CANCELLED);
    assert_int_equal(host->emit_resource(ctx, json_pack("{s:s}", "uid", "c")), FWK_CANCELLED);
    assert_int_equal(calls, 4);
    assert_json_equal(fake_host_resources(ctx), "[{\"uid\": \"a\"}, {\"uid\": \"c\"}]");
    assert_json_equal(fake_host_findings(ctx), "[{\"rule\": \"r\"}]");
    fake_host_ctx_free(ctx);
}

static void test_mail(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    const char *to[] = {"ops@example.com", "sec@example.com", NULL};
    const fwk_mail mail = {.struct_size = sizeof(mail),
                           .url = "smtp://mail.test:587",
                           .from = "fawkes@example.com",
                           .to = to,
                           .subject = "2 findings",
                           .text = "text"};

    (void)state;
    fake_host_push_mail_result(ctx, FWK_OK, NULL);
    fake_host_push_mail_result(ctx, FWK_RETRY, "mail.test: 451 try later");
    assert_int_equal(fake_host()->mail_send(ctx, &mail), FWK_OK);
    assert_int_equal(fake_host()->mail_send(ctx, &mail), FWK_RETRY);
    assert_string_equal(fake_host_failure(ctx), "mail.test: 451 try later");
    assert_int_equal(fake_host()->mail_send(ctx, &mail), FWK_OK); /* nothing queued: accepted */
    assert_int_equal(json_array_size(fake_host_mails(ctx)), 3);
    assert_json_equal(json_array_get(fake_host_mails(ctx), 0),
                      "{\"url\": \"smtp://mail.test:587\", \"from\": \"fawkes@example.com\", "
                      "\"to\": [\"ops@example.com\", \"sec@example.com\"], \"subject\": "
                      "\"2 findings\", \"text\": \"text\", \"html\": null, \"username\": null, "
                      "\"password\": null}");
    fake_host_ctx_free(ctx);
}

static void test_json_diff_names_each_path(void **state)
{
    json_t *got = fake_host_json("{\"a\": {\"b\": [1, 2, 3]}, \"extra\": true, \"n\": 1, "
                                 "\"name\": \"x\", \"odd key\": 1}");
    json_t *expected = fake_host_json("{\"a\": {\"b\": [1, 5]}, \"n\": 1.0, \"name\": \"x\", "
                                      "\"missing\": null, \"odd key\": 2}");
    char *diff = NULL;

    (void)state;
    assert_false(fake_host_json_equal(got, expected, &diff));
    assert_non_null(diff);
    assert_non_null(strstr(diff, "  $.a.b: 3 items, expected 2\n"));
    assert_non_null(strstr(diff, "  $.a.b[1]: got 2, expected 5\n"));
    assert_non_null(strstr(diff, "  $.a.b[2]: unexpected, got 3\n"));
    assert_non_null(strstr(diff, "  $.extra: unexpected, got true\n"));
    assert_non_null(strstr(diff, "  $.missing: missing, expected null\n"));
    assert_non_null(strstr(diff, "  $.n: got integer 1, expected real 1.0\n"));
    assert_non_null(strstr(diff, "  $[\"odd key\"]: got 1, expected 2\n"));
    assert_null(strstr(diff, "$.name"));
    assert_non_null(strstr(diff, "\ngot:      {\"a\":"));
    free(diff);
    assert_true(fake_host_json_equal(got, got, &diff));
    assert_null(diff);
    assert_false(fake_host_json_equal(NULL, expected, NULL));
    assert_true(fake_host_json_equal(NULL, NULL, NULL));
    assert_json_value_equal(expected, expected);
    assert_json_equal(json_object_get(got, "a"), "{\"b\": [1, 2, 3]}");
    json_decref(got);
    json_decref(expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_complete),
        cmocka_unit_test(test_responses_in_order_then_routes),
        cmocka_unit_test(test_matching_one_shot_skips_others),
        cmocka_unit_test(test_transport_failures),
        cmocka_unit_test(test_requests_recorded),
        cmocka_unit_test(test_logs_failures_counters),
        cmocka_unit_test(test_config_secrets_cancel),
        cmocka_unit_test(test_emits),
        cmocka_unit_test(test_mail),
        cmocka_unit_test(test_json_diff_names_each_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
