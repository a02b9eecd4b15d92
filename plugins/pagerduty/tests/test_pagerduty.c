/* test_pagerduty.c: Events API v2 bodies: trigger, resolve, severity mapping, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pd.h"

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
    json_t *event = pd_event(KEY, f, run);
    json_t *expected = json_pack(
        "{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, "
        "s:{s:i}, s:O}}}",
        "routing_key", KEY, "event_action", "trigger", "dedup_key", "9b0c6f1e", "client", "fawkes",
        "payload", "summary", "[high] Public bucket: logs (misconfig.bucket.public)", "source",
        "gcp:p:eu:storage.bucket:logs", "severity", "error", "component", "storage.bucket",
        "group", "gcp", "class", "misconfig.bucket.public", "timestamp", "2026-11-23T11:00:00Z",
        "custom_details", "rule", "misconfig.bucket.public", "fingerprint", "9b0c6f1e", "delta",
        "new", "chain", "nightly", "message", "bucket logs is public", "evidence", "port", 22,
        "resource", json_object_get(f, "resource"));
    char *got = json_dumps(event, JSON_SORT_KEYS);
    char *want = json_dumps(expected, JSON_SORT_KEYS);
    assert_string_equal(got, want);
    free(got);
    free(want);
    json_decref(expected);
    json_decref(event);
    json_decref(f);
    json_decref(run);
}

static void test_resolve_and_mapping(void **state)
{
    (void)state;
    json_t *f = finding("critical", "resolved", "x");
    json_t *event = pd_event(KEY, f, NULL);
    json_t *expected = json_pack("{s:s, s:s, s:s}", "routing_key", KEY, "event_action", "resolve",
                                 "dedup_key", "9b0c6f1e");
    assert_true(json_equal(event, expected));
    json_decref(expected);
    json_decref(event);
    json_decref(f);
    assert_string_equal(pd_severity("critical"), "critical");
    assert_string_equal(pd_severity("high"), "error");
    assert_string_equal(pd_severity("medium"), "warning");
    assert_string_equal(pd_severity("low"), "info");
    assert_string_equal(pd_severity("info"), "info");
    /* no fingerprint: no event */
    json_t *bare = json_pack("{s:s}", "rule", "r");
    assert_null(pd_event(KEY, bare, NULL));
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
    json_t *event = pd_event(KEY, f, NULL);
    const char *summary =
        json_string_value(json_object_get(json_object_get(event, "payload"), "summary"));
    assert_true(strlen(summary) < PD_SUMMARY_MAX);
    assert_true(strlen(summary) > 1000);
    assert_int_equal(strlen(summary) % 2, 0); /* "[low] " is 6 bytes, then whole é's */
    assert_null(json_object_get(json_object_get(event, "payload"), "timestamp"));
    json_decref(event);
    json_decref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trigger),
        cmocka_unit_test(test_resolve_and_mapping),
        cmocka_unit_test(test_summary_is_cut_on_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
