/* test_hello.c: unit tests of the hello provider on the fake host that comes with the SDK
   (fawkes_fake_host.h): resources from the config, items fetched from a URL, refusals. */
#include <stdlib.h>
#include <string.h>

#include "fawkes_fake_host.h"

/* A hello instance from the config `config_text` (the test fails when init does). */
static void *make_instance(fwk_ctx *ctx, const char *config_text)
{
    json_t *config = fake_host_json(config_text);
    void *instance = NULL;

    if (fawkes_plugin_describe()->init(fake_host(), ctx, config, &instance) != FWK_OK)
        fail_msg("init failed: %s", fake_host_failure(ctx));
    json_decref(config);
    return instance;
}

/* Plan everything, run every task; returns the first status that is not FWK_OK. */
static fwk_status run_all(fwk_ctx *ctx, void *instance)
{
    const fwk_provider_vtable *vt = fawkes_plugin_describe()->vtable;
    json_t *request = fake_host_json("{\"kinds\": null, \"regions\": null}");
    json_t *tasks = NULL, *task;
    fwk_status status = FWK_OK;
    size_t i;

    assert_int_equal(vt->plan_tasks(ctx, instance, request, &tasks), FWK_OK);
    json_array_foreach (tasks, i, task) {
        fwk_status got = vt->run_task(ctx, instance, task);
        if (status == FWK_OK)
            status = got;
    }
    json_decref(tasks);
    json_decref(request);
    return status;
}

static void test_items_from_the_config(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    void *hello = make_instance(ctx, "{\"items\": [\"cart\", \"till\"], \"region\": \"local\", "
                                     "\"state\": \"running\", \"labels\": {\"env\": \"test\"}}");

    (void)state;
    assert_int_equal(run_all(ctx, hello), FWK_OK);
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 2);
    assert_json_equal(json_array_get(fake_host_resources(ctx), 0),
                      "{\"uid\": \"hello:local:local:example.item:cart\", \"provider\": "
                      "\"hello\", \"account\": \"local\", \"region\": \"local\", \"kind\": "
                      "\"example.item\", \"native_type\": \"hello:item\", \"id\": \"cart\", "
                      "\"name\": \"cart\", \"state\": \"running\", \"labels\": {\"env\": "
                      "\"test\"}, \"created_at\": null, \"public\": null, \"encrypted\": null, "
                      "\"monthly_cost\": null, \"attributes\": {\"source\": \"items\"}}");
    assert_int_equal(fake_host_counter(ctx, "items_emitted"), 2);
    assert_string_equal(fake_host_log_line(ctx, 0), "debug: emitted 2 resources in region local");
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 0);
    fawkes_plugin_describe()->fini(hello);
    fake_host_ctx_free(ctx);
}

static void test_items_from_a_url(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    void *hello = make_instance(ctx, "{\"url\": \"https://items.test/list\", \"region\": "
                                     "\"local\", \"labels\": {}}");
    const json_t *sent;

    (void)state;
    fake_host_push_response(ctx, 200, "[\"north\", \"south\"]");
    assert_int_equal(run_all(ctx, hello), FWK_OK);
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 2);
    assert_json_equal(json_object_get(json_array_get(fake_host_resources(ctx), 1), "attributes"),
                      "{\"source\": \"https://items.test/list\"}");
    sent = fake_host_request(ctx, 0);
    assert_string_equal(json_string_value(json_object_get(sent, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(sent, "url")), "https://items.test/list");

    /* the server refuses: the failure names the request and its answer */
    fake_host_ctx_clear(ctx);
    fake_host_push_response(ctx, 404, "missing");
    assert_int_equal(run_all(ctx, hello), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx), "GET https://items.test/list -> HTTP 404: missing");
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 0);
    fawkes_plugin_describe()->fini(hello);
    fake_host_ctx_free(ctx);
}

static void test_refusals(void **state)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    json_t *config = fake_host_json("{\"labels\": {\"team\": 7}}");
    void *hello = NULL;

    (void)state;
    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, &hello), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx),
                        "config.labels.team: expected a string value: quote it, e.g. team: \"x\"");
    json_decref(config);

    /* a cancelled run stops before emitting */
    hello = make_instance(ctx, "{\"items\": [\"a\"], \"region\": \"local\", \"labels\": {}}");
    fake_host_set_cancelled(ctx, 1);
    assert_int_equal(run_all(ctx, hello), FWK_CANCELLED);
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 0);
    fawkes_plugin_describe()->fini(hello);
    fake_host_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items_from_the_config),
        cmocka_unit_test(test_items_from_a_url),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
