/* test_email.c: the e-mail subject, text and HTML parts, and the notifier sending them through
   the fake host's mail service (tests/support/fawkes_fake_host.h). */
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "fawkes_fake_host.h"

static json_t *message(void)
{
    return json_pack(
        "{s:{s:s, s:s}, s:b, s:s, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s}, "
        "{s:s, s:s, s:s, s:s, s:s, s:{s:s}}]}",
        "run", "id", "abc123", "chain", "nightly", "digest", 1, "text",
        "fawkes: 2 findings in chain nightly (run abc123): 1 new, 1 resolved\n- a\n- b", "findings",
        "rule", "misconfig.bucket.public", "severity", "critical", "delta", "new", "title",
        "Public <bucket> & co", "message", "bucket \"logs\" is public", "remediation",
        "Remove allUsers", "resource", "uid", "gcp:p:eu:storage.bucket:logs", "name", "logs",
        "fingerprint", "4e1d", "rule", "misconfig.firewall.ssh_open", "severity", "high", "delta",
        "resolved", "title", "SSH open", "fingerprint", "9b0c", "resource", "uid",
        "civo:a:LON1:network.firewall:fw1");
}

static void test_parts(void **state)
{
    (void)state;
    json_t *msg = message();
    email_body body;
    assert_int_equal(email_body_make(msg, "[fawkes]", &body), 0);
    assert_string_equal(body.subject,
                        "[fawkes] 2 findings in chain nightly (run abc123): 1 new, 1 resolved");
    assert_non_null(strstr(body.text, "\n[critical] new: Public <bucket> & co\n"
                                      "  rule:        misconfig.bucket.public\n"
                                      "  resource:    logs (gcp:p:eu:storage.bucket:logs)\n"
                                      "  message:     bucket \"logs\" is public\n"
                                      "  remediation: Remove allUsers\n"
                                      "  fingerprint: 4e1d\n"));
    assert_non_null(strstr(body.text, "\n[high] resolved: SSH open\n"));
    assert_non_null(strstr(body.text, "fawkes, chain nightly, run abc123"));
    /* every value escaped in HTML */
    assert_null(strstr(body.html, "<bucket>"));
    assert_non_null(strstr(body.html, "<b>Public &lt;bucket&gt; &amp; co</b>"));
    assert_non_null(strstr(body.html, "bucket &quot;logs&quot; is public"));
    assert_non_null(strstr(body.html, "border-left: 6px solid #b00020"));
    assert_non_null(strstr(body.html, "border-left: 6px solid #2eb67d")); /* resolved */
    email_body_free(&body);
    json_decref(msg);
}

static void test_subject_is_one_cut_line(void **state)
{
    (void)state;
    char text[600];
    memset(text, 'x', 300);
    memcpy(text + 199, "\xc3\xa9", 2); /* a 2-byte character across the 200-byte cut */
    strcpy(text + 300, "\nsecond line");
    json_t *msg = json_pack("{s:s, s:[]}", "text", text, "findings");
    email_body body;
    assert_int_equal(email_body_make(msg, "", &body), 0);
    assert_null(strchr(body.subject, '\n'));
    assert_int_equal(strlen(body.subject), 199); /* cut before it, not inside it */
    email_body_free(&body);
    json_decref(msg);
}

/* ---- the notifier, through the fake host ---- */

#define MAIL_CONFIG                                                                                \
    "{\"url\": \"smtp://mail.test:587\", \"from\": \"fawkes@example.com\", \"to\": "               \
    "[\"ops@example.com\", \"sec@example.com\"], \"username\": \"fawkes\", \"password\": "         \
    "\"pw\", \"subject_prefix\": \"[fawkes]\"}"

/* An instance from `config_text` on `host`; NULL when init fails (the reason on ctx). */
static void *make_instance(const fwk_host *host, fwk_ctx *ctx, const char *config_text)
{
    json_t *config = fake_host_json(config_text);
    void *instance = NULL;

    fake_host_set_config(ctx, json_incref(config));
    if (fawkes_plugin_describe()->init(host, ctx, config, &instance) != FWK_OK)
        instance = NULL;
    json_decref(config); /* the context keeps it for the instance, as the host does */
    return instance;
}

static fwk_status notify(fwk_ctx *ctx, void *instance, const json_t *msg)
{
    const fwk_notifier_vtable *vt = fawkes_plugin_describe()->vtable;

    return vt->notify(ctx, instance, msg);
}

static void test_notify_sends_one_mail(void **state)
{
    (void)state;
    fwk_ctx *ctx = fake_host_ctx_new();
    void *instance = make_instance(fake_host(), ctx, MAIL_CONFIG);
    json_t *msg = message();
    email_body body;

    assert_non_null(instance);
    assert_int_equal(email_body_make(msg, "[fawkes]", &body), 0);
    assert_int_equal(notify(ctx, instance, msg), FWK_OK);
    assert_int_equal(json_array_size(fake_host_mails(ctx)), 1);
    const json_t *mail = json_array_get(fake_host_mails(ctx), 0);
    json_t *expected = json_pack(
        "{s:s, s:s, s:[s, s], s:s, s:s, s:s, s:s, s:s}", "url", "smtp://mail.test:587", "from",
        "fawkes@example.com", "to", "ops@example.com", "sec@example.com", "subject", body.subject,
        "text", body.text, "html", body.html, "username", "fawkes", "password", "pw");
    assert_json_value_equal(mail, expected);
    json_decref(expected);
    email_body_free(&body);

    /* the server's answers: a cancelled send is tried again later, a refusal is final */
    fake_host_push_mail_result(ctx, FWK_CANCELLED, "run cancelled");
    assert_int_equal(notify(ctx, instance, msg), FWK_RETRY);
    fake_host_push_mail_result(ctx, FWK_ERROR, "mail.test: 550 no such user");
    assert_int_equal(notify(ctx, instance, msg), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx), "mail.test: 550 no such user");
    json_decref(msg);
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

static void test_init_checks(void **state)
{
    (void)state;
    fwk_ctx *ctx = fake_host_ctx_new();
    fwk_host old = *fake_host(); /* a host of ABI 1.0: no mail service */

    assert_null(make_instance(fake_host(), ctx,
                              "{\"url\": \"smtp://mail.test\", \"from\": \"f@example.com\", "
                              "\"to\": [\"t@example.com\"], \"password\": \"pw\"}"));
    assert_string_equal(fake_host_failure(ctx),
                        "password is set but username is not: set both for SMTP AUTH");
    old.struct_size = offsetof(fwk_host, mail_send);
    old.abi_minor = 0;
    old.mail_send = NULL;
    assert_null(make_instance(&old, ctx, MAIL_CONFIG));
    assert_non_null(strstr(fake_host_failure(ctx), "this fawkes has no mail service"));
    fake_host_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_subject_is_one_cut_line),
        cmocka_unit_test(test_notify_sends_one_mail),
        cmocka_unit_test(test_init_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
