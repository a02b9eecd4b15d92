/* test_webhook.c: the webhook payloads (generic, Slack and Mattermost shapes and limits), and
   the notifier posting them through the fake host (tests/support/fawkes_fake_host.h). */
#include <stdlib.h>
#include <string.h>

#include "fawkes_fake_host.h"
#include "webhook.h"

static json_t *finding(const char *severity, const char *delta, const char *message)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:s}", "rule",
                     "misconfig.firewall.ssh_open", "severity", severity, "status",
                     strcmp(delta, "resolved") ? "fail" : "pass", "delta", delta, "title",
                     "SSH open <to> the world", "message", message, "resource", "uid",
                     "aws:1:eu-west-2:network.firewall:sg-1", "name", "web-fw", "remediation",
                     "Restrict port 22 & use SSM", "fingerprint", "ab12");
}

static json_t *message(size_t count)
{
    json_t *findings = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(findings,
                              finding(i % 2 ? "critical" : "high", i % 3 == 2 ? "resolved" : "new",
                                      "sg-1 allows 0.0.0.0/0 on port 22"));
    return json_pack("{s:{s:s, s:s, s:s}, s:b, s:o, s:s}", "run", "id", "r1", "chain", "nightly",
                     "started_at", "2026-11-23T11:00:00Z", "digest", count > 1, "findings",
                     findings, "text", "fawkes: 1 finding <new>");
}

static const char *text_at(const json_t *value, const char *path)
{
    /* path like "attachments.0.blocks.1.fields.2.text" */
    char part[64];
    while (value && *path) {
        size_t len = strcspn(path, ".");
        memcpy(part, path, len);
        part[len] = '\0';
        value = json_is_array(value) ? json_array_get(value, strtoul(part, NULL, 10))
                                     : json_object_get(value, part);
        path += len + (path[len] == '.');
    }
    return json_string_value(value);
}

static void test_slack_shape(void **state)
{
    (void)state;
    json_t *msg = message(1);
    json_t *body = webhook_payload(WEBHOOK_SLACK, msg, NULL);
    assert_non_null(body);
    assert_string_equal(text_at(body, "text"), "fawkes: 1 finding &lt;new&gt;");
    assert_int_equal(json_array_size(json_object_get(body, "attachments")), 1);
    assert_string_equal(text_at(body, "attachments.0.color"), "#e8590c");
    assert_string_equal(text_at(body, "attachments.0.blocks.0.type"), "section");
    assert_string_equal(text_at(body, "attachments.0.blocks.0.text.type"), "mrkdwn");
    assert_string_equal(text_at(body, "attachments.0.blocks.0.text.text"),
                        "*SSH open &lt;to&gt; the world*\nsg-1 allows 0.0.0.0/0 on port 22");
    assert_string_equal(text_at(body, "attachments.0.blocks.1.fields.0.text"), "*Severity*\nhigh");
    assert_string_equal(text_at(body, "attachments.0.blocks.1.fields.1.text"), "*Change*\nnew");
    assert_string_equal(text_at(body, "attachments.0.blocks.1.fields.2.text"),
                        "*Rule*\nmisconfig.firewall.ssh_open");
    assert_string_equal(text_at(body, "attachments.0.blocks.1.fields.3.text"),
                        "*Resource*\nweb-fw (aws:1:eu-west-2:network.firewall:sg-1)");
    assert_string_equal(text_at(body, "attachments.0.blocks.2.type"), "context");
    assert_string_equal(text_at(body, "attachments.0.blocks.2.elements.0.text"),
                        "*Remediation:* Restrict port 22 &amp; use SSM");
    json_decref(body);
    json_decref(msg);
}

static void test_mattermost_shape(void **state)
{
    (void)state;
    json_t *msg = message(3);
    webhook_overrides o = {"ops-alerts", "fawkes", NULL};
    json_t *body = webhook_payload(WEBHOOK_MATTERMOST, msg, &o);
    assert_string_equal(text_at(body, "text"), "fawkes: 1 finding <new>");
    assert_string_equal(text_at(body, "channel"), "ops-alerts");
    assert_string_equal(text_at(body, "username"), "fawkes");
    assert_null(json_object_get(body, "icon_url"));
    assert_int_equal(json_array_size(json_object_get(body, "attachments")), 3);
    assert_string_equal(text_at(body, "attachments.1.color"), "#b00020"); /* critical */
    assert_string_equal(text_at(body, "attachments.2.color"), "#2eb67d"); /* resolved */
    assert_string_equal(text_at(body, "attachments.0.title"), "SSH open <to> the world");
    assert_string_equal(text_at(body, "attachments.0.fields.3.title"), "Resource");
    assert_true(json_is_false(json_object_get(
        json_array_get(
            json_object_get(json_array_get(json_object_get(body, "attachments"), 0), "fields"), 3),
        "short")));
    assert_string_equal(text_at(body, "attachments.0.fields.4.value"),
                        "Restrict port 22 & use SSM");
    json_decref(body);
    json_decref(msg);
}

static void test_generic_is_the_message(void **state)
{
    (void)state;
    json_t *msg = message(2);
    json_t *body = webhook_payload(WEBHOOK_GENERIC, msg, NULL);
    assert_string_equal(text_at(body, "source"), "fawkes");
    json_object_del(body, "source");
    assert_json_value_equal(body, msg);
    json_decref(body);
    json_decref(msg);
}

static void test_limits(void **state)
{
    (void)state;
    char *long_message = malloc(5000);
    memset(long_message, 'x', 4999);
    long_message[4999] = '\0';
    memcpy(long_message + 2990, "\xc3\xa9\xc3\xa9\xc3\xa9", 6); /* é straddles the cut */
    json_t *msg = message(30);
    json_array_set_new(json_object_get(msg, "findings"), 0, finding("low", "new", long_message));
    json_t *body = webhook_payload(WEBHOOK_SLACK, msg, NULL);
    assert_int_equal(json_array_size(json_object_get(body, "attachments")),
                     WEBHOOK_MAX_ATTACHMENTS);
    const char *section = text_at(body, "attachments.0.blocks.0.text.text");
    assert_true(strlen(section) <= 3000);
    assert_non_null(strstr(section, "\xe2\x80\xa6")); /* cut, marked */
    char *dumped = json_dumps(body, 0);
    json_t *reparsed = json_loads(dumped, 0, NULL); /* still valid UTF-8 JSON */
    assert_non_null(reparsed);
    json_decref(reparsed);
    free(dumped);
    json_decref(body);
    json_decref(msg);
    free(long_message);
    assert_int_equal(webhook_format_parse("teams"), -1);
    assert_int_equal(webhook_format_parse("slack"), WEBHOOK_SLACK);
}

/* ---- the notifier, through the fake host ---- */

#define HOOK_URL "https://hooks.test/services/T1"

/* An instance from the config `config_text`; the test fails when init does. */
static void *make_instance(fwk_ctx *ctx, const char *config_text)
{
    json_t *config = fake_host_json(config_text);
    void *instance = NULL;

    fake_host_set_config(ctx, json_incref(config));
    if (fawkes_plugin_describe()->init(fake_host(), ctx, config, &instance) != FWK_OK)
        fail_msg("init failed: %s", fake_host_failure(ctx));
    json_decref(config); /* the context keeps it for the instance, as the host does */
    return instance;
}

static fwk_status notify(fwk_ctx *ctx, void *instance, const json_t *msg)
{
    const fwk_notifier_vtable *vt = fawkes_plugin_describe()->vtable;

    return vt->notify(ctx, instance, msg);
}

static void test_notify_posts_the_payload(void **state)
{
    (void)state;
    fwk_ctx *ctx = fake_host_ctx_new();
    void *instance = make_instance(ctx, "{\"url\": \"" HOOK_URL
                                        "\", \"format\": \"slack\", \"token\": \"t0k\"}");
    json_t *msg = message(2);
    const webhook_overrides none = {NULL, NULL, NULL};
    json_t *expected = webhook_payload(WEBHOOK_SLACK, msg, &none);

    fake_host_push_response(ctx, 200, "ok"); /* Slack answers "ok", not JSON */
    assert_int_equal(notify(ctx, instance, msg), FWK_OK);
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 1);
    const json_t *sent = fake_host_request(ctx, 0);
    assert_string_equal(json_string_value(json_object_get(sent, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(sent, "url")), HOOK_URL);
    assert_true(json_integer_value(json_object_get(sent, "flags")) & FWK_HTTP_MUTATING);
    assert_string_equal(fake_host_request_header(sent, "Authorization"), "Bearer t0k");
    assert_string_equal(fake_host_request_header(sent, "Content-Type"), "application/json");
    json_t *body = fake_host_json(json_string_value(json_object_get(sent, "body")));
    assert_json_value_equal(body, expected);
    assert_int_equal(fake_host_counter(ctx, "posted"), 1);
    json_decref(body);
    json_decref(expected);
    json_decref(msg);
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

static void test_notify_retries_only_what_may_work_later(void **state)
{
    (void)state;
    fwk_ctx *ctx = fake_host_ctx_new();
    void *instance = make_instance(ctx, "{\"url\": \"" HOOK_URL "\", \"format\": \"generic\"}");
    json_t *msg = message(1);

    fake_host_push_response(ctx, 404, "no_service");
    assert_int_equal(notify(ctx, instance, msg), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx), "POST " HOOK_URL " -> HTTP 404: no_service (is "
                                                "the URL still valid?)");
    fake_host_push_response(ctx, 503, "busy");
    assert_int_equal(notify(ctx, instance, msg), FWK_RETRY);
    fake_host_push_failure(ctx, FWK_ERROR, "hooks.test: connection timed out");
    assert_int_equal(notify(ctx, instance, msg), FWK_RETRY);
    assert_null(fake_host_request_header(fake_host_request(ctx, 0), "Authorization"));
    assert_int_equal(fake_host_counter(ctx, "posted"), 0);
    json_decref(msg);
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

static void test_init_refuses_a_url_that_is_not_http(void **state)
{
    (void)state;
    fwk_ctx *ctx = fake_host_ctx_new();
    json_t *config = fake_host_json("{\"url\": \"ftp://hooks.test/\", \"format\": \"generic\"}");
    void *instance = NULL;

    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, &instance),
                     FWK_ERROR);
    assert_null(instance);
    assert_string_equal(fake_host_failure(ctx),
                        "url: expected an http:// or https:// URL; check the secret it comes from");
    json_decref(config);
    fake_host_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slack_shape),
        cmocka_unit_test(test_mattermost_shape),
        cmocka_unit_test(test_generic_is_the_message),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_notify_posts_the_payload),
        cmocka_unit_test(test_notify_retries_only_what_may_work_later),
        cmocka_unit_test(test_init_refuses_a_url_that_is_not_http),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
