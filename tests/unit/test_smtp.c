/* test_smtp.c: the mail service's checks: URL and allowlist, addresses, subject encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smtp.h"

static void test_url_check(void **state)
{
    (void)state;
    strlist allow = {0};
    strlist_push(&allow, "smtp.example.com");
    strlist_push(&allow, "127.0.0.1");
    diag err = {{0}};
    int tls = -1;
    assert_int_equal(smtp_url_check(&allow, "smtp://smtp.example.com:587", &tls, &err), 0);
    assert_int_equal(tls, 1); /* STARTTLS required off loopback */
    assert_int_equal(smtp_url_check(&allow, "smtps://smtp.example.com", &tls, &err), 0);
    assert_int_equal(tls, 1);
    assert_int_equal(smtp_url_check(&allow, "smtp://127.0.0.1:2525", &tls, &err), 0);
    assert_int_equal(tls, 0); /* loopback: STARTTLS when offered */
    assert_int_equal(smtp_url_check(&allow, "smtp://mail.evil.example:25", &tls, &err), -1);
    assert_non_null(strstr(err.text, "mail to mail.evil.example refused: not in "
                                     "security.egress_allow"));
    assert_int_equal(smtp_url_check(&allow, "https://smtp.example.com", &tls, &err), -1);
    assert_non_null(strstr(err.text, "the URL scheme is 'https'"));
    assert_int_equal(smtp_url_check(&allow, "smtp://smtp.example.com/inbox", &tls, &err), -1);
    assert_non_null(strstr(err.text, "has a path"));
    assert_int_equal(smtp_url_check(&allow, "not a url", &tls, &err), -1);
    strlist no_loopback = {0};
    strlist_push(&no_loopback, "smtp.example.com");
    assert_int_equal(smtp_url_check(&no_loopback, "smtp://localhost:25", &tls, &err), -1);
    strlist_clear(&allow);
    strlist_clear(&no_loopback);
}

static void test_addresses(void **state)
{
    (void)state;
    assert_true(smtp_address_ok("ops@example.com"));
    assert_true(smtp_address_ok("a.b+c@sub.example.co.uk"));
    assert_false(smtp_address_ok("ops@example.com\r\nBcc: all@example.com"));
    assert_false(smtp_address_ok("Ops <ops@example.com>"));
    assert_false(smtp_address_ok("ops"));
    assert_false(smtp_address_ok("@example.com"));
    assert_false(smtp_address_ok("a@b@c"));
    assert_false(smtp_address_ok("a@b, c@d"));
    assert_false(smtp_address_ok(NULL));
}

static void test_subject(void **state)
{
    (void)state;
    char *plain = smtp_encode_subject("[fawkes] 2 findings");
    assert_string_equal(plain, "[fawkes] 2 findings");
    free(plain);
    char *utf8 = smtp_encode_subject("caf\xc3\xa9 \xe2\x9c\x93");
    assert_string_equal(utf8, "=?UTF-8?B?Y2Fmw6kg4pyT?=");
    free(utf8);
    char *injected = smtp_encode_subject("a\r\nBcc: x@y");
    assert_null(strpbrk(injected, "\r\n"));
    assert_string_equal(injected, "=?UTF-8?B?YSAgQmNjOiB4QHk=?=");
    free(injected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_subject),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
