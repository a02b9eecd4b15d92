/* test_email.c: the e-mail subject, text and HTML parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "em.h"

static json_t *message(void)
{
    return json_pack(
        "{s:{s:s, s:s}, s:b, s:s, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s}, "
        "{s:s, s:s, s:s, s:s, s:s, s:{s:s}}]}",
        "run", "id", "abc123", "chain", "nightly", "digest", 1, "text",
        "fawkes: 2 findings in chain nightly (run abc123): 1 new, 1 resolved\n- a\n- b",
        "findings", "rule", "misconfig.bucket.public", "severity", "critical", "delta", "new",
        "title", "Public <bucket> & co", "message", "bucket \"logs\" is public", "remediation",
        "Remove allUsers", "resource", "uid", "gcp:p:eu:storage.bucket:logs", "name", "logs",
        "fingerprint", "4e1d", "rule", "misconfig.firewall.ssh_open", "severity", "high", "delta",
        "resolved", "title", "SSH open", "fingerprint", "9b0c", "resource", "uid",
        "civo:a:LON1:network.firewall:fw1");
}

static void test_parts(void **state)
{
    (void)state;
    json_t *msg = message();
    em_body body;
    assert_int_equal(em_body_make(msg, "[fawkes]", &body), 0);
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
    em_body_free(&body);
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
    em_body body;
    assert_int_equal(em_body_make(msg, "", &body), 0);
    assert_null(strchr(body.subject, '\n'));
    assert_int_equal(strlen(body.subject), 199); /* cut before it, not inside it */
    em_body_free(&body);
    json_decref(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_subject_is_one_cut_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
