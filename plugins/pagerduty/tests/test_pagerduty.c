/* test_pagerduty.c: Events API v2 bodies (trigger, resolve, severity mapping, limits), and the
   notifier sending them through the fake host (tests/support/fawkes_fake_host.h). */
#include <stdlib.h>
#include <string.h>

#include "fawkes_fake_host.h"
#include "pagerduty.h"

#define KEY "0123456789abcdef0123456789abcdef"

static json_t *finding(const char *severity, const char *delta, const char *title)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:s, s:{s:i}}", "rule",
                     "misconfig.bucket.public", "severity", severity, "delta", delta, "title",
                     title, "fingerprint", "9b0c6f1e", "resource", "uid",
                     "gcp:p:eu:storage.bucket:logs", "kind", "storage.bucket", "provider", "gcp",
                     "name", "logs", "message", "bucket logs is public", "evidence", "port", 22);
}

static void test_trigger(void **state)
{
    (void)state;
    json_t *run = json_pack("{s:s, s:s}", "chain", "nightly", "started_at", "2026-11-23T11:00:00Z");
    json_t *f = finding("high", "new", "Public bucket");
    json_t *event = pagerduty_event(KEY, f, run);
    json_t *expected = json_pack(
        "{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, "
        "s:{s:i}, s:O}}}",
        "routing_key", KEY, "event_action", "trigger", "dedup_key", "9b0c6f1e", "client", "fawkes",
        "payload", "summary", "[high] Public bucket: logs (misconfig.bucket.public)", "source",
        "gcp:p:eu:storage.bucket:logs", "severity", "error", "component", "storage.bucket", "group",
        "gcp", "class", "misconfig.bucket.public", "timestamp", "2026-11-23T11:00:00Z",
        "custom_details", "rule", "misconfig.bucket.public", "fingerprint", "9b0c6f1e", "delta",
        "new", "chain", "nightly", "message", "bucket logs is public", "evidence", "port", 22,
        "resource", json_object_get(f, "resource"));
    assert_json_value_equal(event, expected);
    json_decref(expected);
    json_decref(event);
    json_decref(f);
    json_decref(run);
}

static void test_resolve_and_mapping(void **state)
{
    (void)state;
    json_t *f = finding("critical", "resolved", "x");
    json_t *event = pagerduty_event(KEY, f, NULL);
    json_t *expected = json_pack("{s:s, s:s, s:s}", "routing_key", KEY, "event_action", "resolve",
                                 "dedup_key", "9b0c6f1e");
    assert_json_value_equal(event, expected);
    json_decref(expected);
    json_decref(event);
    json_decref(f);
    assert_string_equal(pagerduty_severity("critical"), "critical");
    assert_string_equal(pagerduty_severity("high"), "error");
    assert_string_equal(pagerduty_severity("medium"), "warning");
    assert_string_equal(pagerduty_severity("low"), "info");
    assert_string_equal(pagerduty_severity("info"), "info");
    /* no fingerprint: no event */
    json_t *bare = json_pack("{s:s}", "rule", "r");
    assert_null(pagerduty_event(KEY, bare, NULL));
    json_decref(bare);
}

static void test_summary_is_cut_on_a_character(void **state)
{
    (void)state;
    char title[2100];
    for (size_t i = 0; i < 1000; i++)
        memcpy(title + 2 * i, "\xc3\xa9", 2);
    title[2000] = '\0';
    json_t *f = finding("low", "open", title);
    json_t *event = pagerduty_event(KEY, f, NULL);
    const char *summary =
        json_string_value(json_object_get(json_object_get(event, "payload"), "summary"));
    assert_true(strlen(summary) < PAGERDUTY_SUMMARY_MAX);
    assert_true(strlen(summary) > 1000);
    assert_int_equal(strlen(summary) % 2, 0); /* "[low] " is 6 bytes, then whole é's */
    assert_null(json_object_get(json_object_get(event, "payload"), "timestamp"));
    json_decref(event);
    json_decref(f);
}

/* ---- the notifier, through the fake host ---- */

#define EVENTS_URL "https://events.test/v2/enqueue"

/* An instance on the events endpoint EVENTS_URL; the test fails when init does. */
static void *make_instance(fwk_ctx *ctx)
{
    json_t *config = json_pack("{s:s, s:s}", "routing_key", KEY, "url", EVENTS_URL);
    void *instance = NULL;

    fake_host_set_config(ctx, json_incref(config));
    if (fawkes_plugin_describe()->init(fake_host(), ctx, config, &instance) != FWK_OK)
        fail_msg("init failed: %s", fake_host_failure(ctx));
    json_decref(config); /* the context keeps it for the instance, as the host does */
    return instance;
}

static fwk_status notify(fwk_ctx *ctx, void *instance, const json_t *message)
{
    const fwk_notifier_vtable *vt = fawkes_plugin_describe()->vtable;

    return vt->notify(ctx, instance, message);
}

static void test_notify_sends_one_event_per_finding(void **state)
{
    (void)state;
    fwk_ctx *ctx = fake_host_ctx_new();
    void *instance = make_instance(ctx);
    json_t *run = json_pack("{s:s}", "chain", "nightly");
    json_t *message = json_pack("{s:O, s:[o, o]}", "run", run, "findings",
                                finding("high", "new", "Public bucket"),
                                finding("low", "resolved", "Old bucket"));

    fake_host_push_response(ctx, 202, "{\"status\": \"success\", \"dedup_key\": \"9b0c6f1e\"}");
    fake_host_push_response(ctx, 202, "{\"status\": \"success\"}");
    assert_int_equal(notify(ctx, instance, message), FWK_OK);
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 2);
    for (size_t i = 0; i < 2; i++) {
        const json_t *sent = fake_host_request(ctx, i);
        json_t *event =
            pagerduty_event(KEY, json_array_get(json_object_get(message, "findings"), i), run);
        json_t *body = fake_host_json(json_string_value(json_object_get(sent, "body")));
        assert_string_equal(json_string_value(json_object_get(sent, "method")), "POST");
        assert_string_equal(json_string_value(json_object_get(sent, "url")), EVENTS_URL);
        /* a resent event folds into its alert: not mutating, so the host may retry it */
        assert_int_equal(json_integer_value(json_object_get(sent, "flags")) & FWK_HTTP_MUTATING, 0);
        assert_json_value_equal(body, event);
        json_decref(body);
        json_decref(event);
    }
    assert_int_equal(fake_host_counter(ctx, "events"), 2);
    json_decref(message);
    json_decref(run);
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

static void test_notify_accepts_only_202(void **state)
{
    (void)state;
    fwk_ctx *ctx = fake_host_ctx_new();
    void *instance = make_instance(ctx);
    json_t *message = json_pack("{s:[o]}", "findings", finding("high", "new", "Public bucket"));

    fake_host_push_response(ctx, 200, "{\"status\": \"ok\"}");
    assert_int_equal(notify(ctx, instance, message), FWK_ERROR);
    assert_non_null(strstr(fake_host_failure(ctx), "POST " EVENTS_URL " -> HTTP 200: "));
    assert_non_null(strstr(fake_host_failure(ctx), "is url an Events API v2 endpoint?"));
    fake_host_push_response(ctx, 429, "{\"status\": \"throttled\"}");
    assert_int_equal(notify(ctx, instance, message), FWK_RETRY);
    fake_host_push_response(ctx, 400, "{\"status\": \"invalid event\"}");
    assert_int_equal(notify(ctx, instance, message), FWK_ERROR);
    assert_int_equal(fake_host_counter(ctx, "events"), 0);
    json_decref(message);
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

static void test_init_refuses_a_short_key(void **state)
{
    (void)state;
    fwk_ctx *ctx = fake_host_ctx_new();
    json_t *config = json_pack("{s:s, s:s}", "routing_key", "abc", "url", EVENTS_URL);
    void *instance = NULL;

    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, &instance),
                     FWK_ERROR);
    assert_null(instance);
    assert_non_null(strstr(fake_host_failure(ctx), "routing_key: expected the 32-character"));
    json_decref(config);
    fake_host_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trigger),
        cmocka_unit_test(test_resolve_and_mapping),
        cmocka_unit_test(test_summary_is_cut_on_a_character),
        cmocka_unit_test(test_notify_sends_one_event_per_finding),
        cmocka_unit_test(test_notify_accepts_only_202),
        cmocka_unit_test(test_init_refuses_a_short_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
