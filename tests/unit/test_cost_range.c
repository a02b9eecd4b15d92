/* test_cost_range.c: the --from/--to of `fawkes cost`: forms accepted, defaults, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cost_range.h"

/* 2026-11-23T11:20:05Z */
static const time_t now = 1795432805;

static void check(const char *from, const char *to, const char *want_from, const char *want_to)
{
    char got_from[COST_TIME_MAX], got_to[COST_TIME_MAX];
    diag err = {{0}};
    if (cost_range(from, to, now, got_from, got_to, &err) != 0)
        fail_msg("%s .. %s: %s", from ? from : "-", to ? to : "-", err.text);
    assert_string_equal(got_from, want_from);
    assert_string_equal(got_to, want_to);
}

static void test_defaults(void **state)
{
    (void)state;
    check(NULL, NULL, "2026-11-01T00:00:00Z", "2026-11-23T11:20:05Z");
    check("2026-10-15", NULL, "2026-10-15T00:00:00Z", "2026-11-23T11:20:05Z");
}

static void test_forms(void **state)
{
    (void)state;
    check("2026-09-01T12:30:00Z", "2026-09-02", "2026-09-01T12:30:00Z", "2026-09-02T00:00:00Z");
    check("2026-09-01T02:00:00+02:00", "2026-09-01T10:00:00.250-01:30", "2026-09-01T00:00:00Z",
          "2026-09-01T11:30:00Z");
}

static void test_errors(void **state)
{
    char a[COST_TIME_MAX], b[COST_TIME_MAX];
    diag err = {{0}};
    (void)state;
    assert_int_equal(cost_range("yesterday", NULL, now, a, b, &err), -1);
    assert_string_equal(err.text, "--from yesterday: not a date or time; use YYYY-MM-DD or an "
                                  "RFC 3339 time such as 2026-01-02T03:04:05Z");
    assert_int_equal(cost_range(NULL, "2026-09-01T10:00:00", now, a, b, &err), -1);
    assert_non_null(strstr(err.text, "--to 2026-09-01T10:00:00: not a date or time"));
    assert_int_equal(cost_range("2026-09-01T10:00:00+25:00", NULL, now, a, b, &err), -1);
    assert_int_equal(cost_range("2026-09-01x", NULL, now, a, b, &err), -1);
    assert_int_equal(cost_range("2026-12-01", NULL, now, a, b, &err), -1);
    assert_string_equal(err.text, "--from 2026-12-01T00:00:00Z is not before --to "
                                  "2026-11-23T11:20:05Z: give a range that moves forward");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
