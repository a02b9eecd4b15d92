/* test_cron.c: cron expressions and macros: parsing, errors, and the next time they fire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cron.h"

/* Milliseconds of a UTC date. */
static int64_t at(int year, int month, int day, int hour, int minute)
{
    struct tm tm = {.tm_year = year - 1900,
                    .tm_mon = month - 1,
                    .tm_mday = day,
                    .tm_hour = hour,
                    .tm_min = minute};
    return (int64_t)timegm(&tm) * 1000;
}

static int64_t next_of(const char *expr, int64_t after)
{
    cron_spec spec;
    char why[256];
    if (cron_parse(expr, &spec, why, sizeof why) != 0)
        fail_msg("%s: %s", expr, why);
    return cron_next(&spec, after);
}

static void test_every_fifteen_minutes(void **state)
{
    (void)state;
    int64_t t = at(2026, 3, 10, 12, 7);
    assert_int_equal(next_of("*/15 * * * *", t), at(2026, 3, 10, 12, 15));
    assert_int_equal(next_of("*/15 * * * *", at(2026, 3, 10, 12, 15)), at(2026, 3, 10, 12, 30));
    assert_int_equal(next_of("*/15 * * * *", at(2026, 3, 10, 23, 59)), at(2026, 3, 11, 0, 0));
    /* strictly after: a time exactly on a match moves on */
    assert_int_equal(next_of("30 2 * * *", at(2026, 3, 10, 2, 30)), at(2026, 3, 11, 2, 30));
    /* seconds inside the minute do not matter */
    assert_int_equal(next_of("* * * * *", at(2026, 3, 10, 2, 30) + 59999), at(2026, 3, 10, 2, 31));
}

static void test_ranges_lists_names(void **state)
{
    (void)state;
    /* weekdays 9-17 on the hour, Monday to Friday: Saturday 10:00 -> Monday 09:00 */
    int64_t saturday = at(2026, 3, 14, 10, 0);
    assert_int_equal(next_of("0 9-17 * * mon-fri", saturday), at(2026, 3, 16, 9, 0));
    assert_int_equal(next_of("0 9-17 * * 1-5", saturday), at(2026, 3, 16, 9, 0));
    assert_int_equal(next_of("5,35 */6 * * *", at(2026, 3, 10, 6, 5)), at(2026, 3, 10, 6, 35));
    assert_int_equal(next_of("5,35 */6 * * *", at(2026, 3, 10, 6, 35)), at(2026, 3, 10, 12, 5));
    assert_int_equal(next_of("0 0 1 jan,JUL *", at(2026, 3, 10, 0, 0)), at(2026, 7, 1, 0, 0));
    assert_int_equal(next_of("0 0 * * 7", saturday), at(2026, 3, 15, 0, 0)); /* 7 = Sunday */
    assert_int_equal(next_of("10/20 * * * *", at(2026, 3, 10, 6, 11)), at(2026, 3, 10, 6, 30));
    assert_int_equal(next_of("0 0 1-10/3 * *", at(2026, 3, 2, 0, 0)), at(2026, 3, 4, 0, 0));
    /* both day fields restricted: either matches (the 13th, or any Friday) */
    assert_int_equal(next_of("0 0 13 * fri", at(2026, 3, 1, 0, 0)), at(2026, 3, 6, 0, 0));
    /* February 29th: the next leap year */
    assert_int_equal(next_of("0 0 29 2 *", at(2026, 3, 1, 0, 0)), at(2028, 2, 29, 0, 0));
}

static void test_macros(void **state)
{
    (void)state;
    int64_t t = at(2026, 3, 10, 12, 7);
    assert_int_equal(next_of("@hourly", t), at(2026, 3, 10, 13, 0));
    assert_int_equal(next_of("@daily", t), at(2026, 3, 11, 0, 0));
    assert_int_equal(next_of("@midnight", t), at(2026, 3, 11, 0, 0));
    assert_int_equal(next_of("@weekly", t), at(2026, 3, 15, 0, 0));
    assert_int_equal(next_of("@monthly", t), at(2026, 4, 1, 0, 0));
    assert_int_equal(next_of("@yearly", t), at(2027, 1, 1, 0, 0));
    assert_int_equal(next_of("@every 30s", t), t + 30000);
    assert_int_equal(next_of("@every 1s", t + 5), t + 1005);
    assert_int_equal(next_of("@every 2h", t), t + 7200000);
}

static void expect_error(const char *expr, const char *needle)
{
    cron_spec spec;
    char why[256] = "";
    if (cron_parse(expr, &spec, why, sizeof why) == 0)
        fail_msg("'%s' parsed; expected an error", expr);
    if (!strstr(why, needle))
        fail_msg("'%s': message '%s' lacks '%s'", expr, why, needle);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("* * * *", "expected 5 fields");
    expect_error("* * * * * *", "expected 5 fields");
    expect_error("", "expected 5 fields");
    expect_error("60 * * * *", "minute field '60'");
    expect_error("* 24 * * *", "hour field '24'");
    expect_error("* * 0 * *", "day of month field '0'");
    expect_error("* * * 13 *", "month field '13'");
    expect_error("* * * foo *", "or jan..dec");
    expect_error("* * * * 8", "day of week field '8'");
    expect_error("*/0 * * * *", "minute field '*/0'");
    expect_error("5-1 * * * *", "minute field '5-1'");
    expect_error("1,,2 * * * *", "minute field");
    expect_error("*/x * * * *", "minute field");
    expect_error("0 0 31 2 *", "never fires");
    expect_error("@every", "unknown macro");
    expect_error("@every 500ms", "at least 1s");
    expect_error("@every 30", "at least 1s");
    expect_error("@every soon", "at least 1s");
    expect_error("@fortnightly", "unknown macro");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fifteen_minutes),
        cmocka_unit_test(test_ranges_lists_names),
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
