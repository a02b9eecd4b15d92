/* test_policy_plugin.c: the policy plugin through its descriptor on the fake host
   (tests/support/fawkes_fake_host.h): init loads the configured files, evaluate decides,
   init's refusals say what to fix. The engine itself is tested by test_policy_*.c. */
#include "fawkes_fake_host.h"
#include "policy_fixture.h"

#define POLICY                                                                                     \
    "kind: Policy\n"                                                                               \
    "name: public-buckets\n"                                                                       \
    "rules:\n"                                                                                     \
    "  - name: not-public\n"                                                                       \
    "    when: {path: public, eq: true}\n"

/* init with {"paths": [a file holding `text`], "max_exception_days": 365, "now": ...}. */
static fwk_status init_with(fwk_ctx *ctx, const char *text, const char *now, void **instance)
{
    const char *path = fix_write(text);
    json_t *config =
        json_pack("{s:[s], s:i, s:s}", "paths", path, "max_exception_days", 365, "now", now);
    fwk_status status;

    *instance = NULL;
    fake_host_set_config(ctx, json_incref(config));
    status = fawkes_plugin_describe()->init(fake_host(), ctx, config, instance);
    unlink(path);
    json_decref(config);
    return status;
}

static void test_evaluate_decides(void **state)
{
    const fwk_policy_vtable *vt = fawkes_plugin_describe()->vtable;
    fwk_ctx *ctx = fake_host_ctx_new();
    void *instance = NULL;
    json_t *decisions = NULL;
    json_t *open = fake_host_json("{\"uid\": \"b1\", \"kind\": \"storage.bucket\", "
                                  "\"public\": true}");
    json_t *closed = fake_host_json("{\"uid\": \"b2\", \"kind\": \"storage.bucket\", "
                                    "\"public\": false}");

    (void)state;
    assert_int_equal(init_with(ctx, POLICY, "2026-11-23T12:00:00Z", &instance), FWK_OK);
    assert_int_equal(vt->evaluate(ctx, instance, open, &decisions), FWK_OK);
    assert_int_equal(json_array_size(decisions), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(decisions, 0), "effect")),
                        "deny");
    assert_string_equal(json_string_value(json_object_get(json_array_get(decisions, 0), "rule")),
                        "not-public");
    json_decref(decisions);
    assert_int_equal(vt->evaluate(ctx, instance, closed, &decisions), FWK_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(decisions, 0), "effect")),
                        "allow");
    json_decref(decisions);
    assert_string_equal(fake_host_failure(ctx), "");
    fawkes_plugin_describe()->fini(instance);
    json_decref(open);
    json_decref(closed);
    fake_host_ctx_free(ctx);
}

static void test_init_refusals(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    void *instance = NULL;

    (void)state;
    assert_int_equal(init_with(ctx, POLICY, "yesterday", &instance), FWK_ERROR);
    assert_null(instance);
    assert_string_equal(fake_host_failure(ctx), "now: expected an RFC 3339 timestamp such as "
                                                "2026-01-02T03:04:05Z, got \"yesterday\"");
    assert_int_equal(
        init_with(ctx, "kind: Policy\nname: broken\nrules: 7\n", "2026-11-23T12:00:00Z", &instance),
        FWK_ERROR);
    assert_null(instance);
    assert_non_null(strstr(fake_host_failure(ctx), "rules"));
    fake_host_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evaluate_decides),
        cmocka_unit_test(test_init_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
