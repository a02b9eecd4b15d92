/* test_policy_types.c: the typed values: timestamps, calendar arithmetic, durations, CIDRs,
   versions, sizes, ports, and path parsing. */
#include "policy_fixture.h"

static int64_t at(const char *text)
{
    policy_time t;
    if (policy_time_parse(text, &t) != 0)
        fail_msg("not a timestamp: %s", text);
    return t.epoch;
}

static void test_time_parse(void **state)
{
    (void)state;
    policy_time t;
    assert_int_equal(at("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(at("2026-11-23T12:00:00Z"), FIX_NOW);
    assert_int_equal(at("2026-11-23T13:00:00+01:00"), FIX_NOW);
    assert_int_equal(at("2026-11-23T06:30:00-05:30"), FIX_NOW);
    assert_int_equal(at("2026-11-23t12:00:00.123456z"), FIX_NOW);
    assert_int_equal(at("2026-11-23 12:00:00Z"), FIX_NOW);
    assert_int_equal(at("2026-11-23"), FIX_NOW - 12 * 3600);
    assert_int_equal(at("2016-12-31T23:59:60Z"), at("2016-12-31T23:59:59Z"));
    assert_int_equal(at("1969-12-31T23:59:59Z"), -1);
    assert_int_equal(policy_time_parse("2026-11-23T12:00:00+01:00", &t), 0);
    assert_int_equal(t.offset, 3600);
    const char *bad[] = {"",
                         "2026",
                         "2026-11-23T12:00:00",
                         "2026-11-23T12:00Z",
                         "2026-02-29",
                         "2024-02-30",
                         "2026-00-10",
                         "2026-11-31",
                         "2026-11-23T24:00:00Z",
                         "2026-11-23T12:60:00Z",
                         "2026-11-23T12:00:00+1:00",
                         "2026-11-23T12:00:00Zjunk",
                         "2026-11-23T12:00:00.Z",
                         "26-11-23",
                         "2026/11/23",
                         "yesterday",
                         NULL};
    for (size_t i = 0; bad[i]; i++)
        if (policy_time_parse(bad[i], &t) == 0)
            fail_msg("accepted a bad timestamp: %s", bad[i]);
    assert_int_equal(policy_time_parse("2024-02-29", &t), 0);
    assert_int_equal(policy_time_parse("2000-02-29", &t), 0);
    assert_int_not_equal(policy_time_parse("1900-02-29", &t), 0);
    char buf[40];
    policy_time_format(at("2024-02-29T23:59:59+00:00"), buf, sizeof buf);
    assert_string_equal(buf, "2024-02-29T23:59:59Z");
    policy_time_format(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
}

static void test_durations_and_calendar(void **state)
{
    (void)state;
    policy_duration d;
    assert_int_equal(policy_duration_parse("90d", &d), 0);
    assert_int_equal(d.seconds, 90 * 86400);
    assert_int_equal(policy_duration_parse("6mo", &d), 0);
    assert_int_equal(d.months, 6);
    assert_int_equal(policy_duration_parse("2y", &d), 0);
    assert_int_equal(d.months, 24);
    assert_int_equal(policy_duration_parse("0s", &d), 0);
    const char *bad[] = {"", "d", "90", "90 d", "-1d", "1.5d", "90D", "1yr", "1y2mo", NULL};
    for (size_t i = 0; bad[i]; i++)
        if (policy_duration_parse(bad[i], &d) == 0)
            fail_msg("accepted a bad duration: %s", bad[i]);
    policy_duration year = {0, 12}, month = {0, 1}, day = {86400, 0};
    char buf[40];
    policy_time_format(policy_time_add(at("2024-02-29T10:00:00Z"), year), buf, sizeof buf);
    assert_string_equal(buf, "2025-02-28T10:00:00Z");
    policy_time_format(policy_time_add(at("2023-03-31T00:00:00Z"), (policy_duration){0, 11}), buf,
                       sizeof buf);
    assert_string_equal(buf, "2024-02-29T00:00:00Z");
    policy_time_format(policy_time_add(at("2025-01-31T00:00:00Z"), month), buf, sizeof buf);
    assert_string_equal(buf, "2025-02-28T00:00:00Z");
    policy_time_format(policy_time_add(at("2025-12-15T00:00:00Z"), month), buf, sizeof buf);
    assert_string_equal(buf, "2026-01-15T00:00:00Z");
    policy_time_format(policy_time_add(at("2024-02-28T00:00:00Z"), day), buf, sizeof buf);
    assert_string_equal(buf, "2024-02-29T00:00:00Z");
    policy_time_format(policy_time_add(at("1969-12-31T12:00:00Z"), month), buf, sizeof buf);
    assert_string_equal(buf, "1970-01-31T12:00:00Z");
    int minutes, weekday;
    policy_time t;
    assert_int_equal(policy_time_parse("2026-11-22T23:30:00-01:00", &t), 0);
    policy_time_local(&t, &minutes, &weekday);
    assert_int_equal(minutes, 23 * 60 + 30);
    assert_int_equal(weekday, 0); /* Sunday, in its own offset */
    assert_int_equal(policy_time_of_day_parse("24:00"), 1440);
    assert_int_equal(policy_time_of_day_parse("24:01"), -1);
    assert_int_equal(policy_time_of_day_parse("8:00"), -1);
}

static void test_cidrs(void **state)
{
    (void)state;
    policy_cidr a, b;
    assert_int_equal(policy_cidr_parse("10.1.2.3/8", &a), 0);
    assert_int_equal(a.family, 4);
    assert_int_equal(a.prefix, 8);
    assert_int_equal(a.addr[1], 0); /* host bits cleared */
    assert_int_equal(policy_cidr_parse("::ffff:192.168.1.1/120", &b), 0);
    assert_int_equal(b.family, 4);
    assert_int_equal(b.prefix, 24);
    assert_int_equal(policy_cidr_parse("2001:db8::/32", &a), 0);
    assert_int_equal(a.family, 6);
    assert_int_equal(policy_cidr_parse("2001:db8:0:1::/64", &b), 0);
    assert_true(policy_cidr_contains(&a, &b));
    assert_false(policy_cidr_contains(&b, &a));
    assert_true(policy_cidr_overlaps(&b, &a));
    assert_false(policy_cidr_public(&a));
    assert_int_equal(policy_cidr_parse("0.0.0.0/0", &a), 0);
    assert_true(policy_cidr_public(&a));
    assert_int_equal(policy_cidr_parse("10.0.0.0/8", &b), 0);
    assert_true(policy_cidr_contains(&a, &b));
    const char *bad[] = {"",          "10.0.0.0/",    "10.0.0/8",    "10.0.0.256", "10.0.0.0/33",
                         "::/129",    "10.0.0.0/8/8", "10.0.0.0/-1", "gggg::",     "10.0.0.0/ 8",
                         " 10.0.0.1", "1.2.3.4/a",    NULL};
    for (size_t i = 0; bad[i]; i++)
        if (policy_cidr_parse(bad[i], &a) == 0)
            fail_msg("accepted a bad CIDR: \"%s\"", bad[i]);
}

static int vcmp(const char *x, const char *y)
{
    policy_version a, b;
    if (policy_version_parse(x, &a) != 0 || policy_version_parse(y, &b) != 0)
        fail_msg("bad version %s or %s", x, y);
    int c = policy_version_compare(&a, &b);
    return c < 0 ? -1 : c > 0;
}

static void test_versions(void **state)
{
    (void)state;
    /* the semver.org precedence example, in order */
    const char *order[] = {"1.0.0-alpha",
                           "1.0.0-alpha.1",
                           "1.0.0-alpha.beta",
                           "1.0.0-beta",
                           "1.0.0-beta.2",
                           "1.0.0-beta.11",
                           "1.0.0-rc.1",
                           "1.0.0",
                           "1.0.1",
                           "1.1",
                           "2",
                           NULL};
    for (size_t i = 0; order[i + 1]; i++) {
        assert_int_equal(vcmp(order[i], order[i + 1]), -1);
        assert_int_equal(vcmp(order[i + 1], order[i]), 1);
    }
    assert_int_equal(vcmp("v1.31", "1.31.0"), 0);
    assert_int_equal(vcmp("1.31.0+build.5", "1.31.0"), 0);
    assert_int_equal(vcmp("1.30.4-gke.1234", "1.30.4"), -1);
    assert_int_equal(vcmp("1.30.4-gke.1234", "1.30.3"), 1);
    assert_int_equal(vcmp("1.0.0-007", "1.0.0-7"), 0);
    assert_int_equal(vcmp("18446744073709551615", "18446744073709551614"), 1);
    policy_version v;
    const char *bad[] = {"",       "v",      "1.",        "1..2",    "a.b",
                         "1.2.3-", "1.2.3+", "1.2.3-a_b", "1.2.3.4", "184467440737095516150",
                         "1.2 ",   NULL};
    for (size_t i = 0; bad[i]; i++)
        if (policy_version_parse(bad[i], &v) == 0)
            fail_msg("accepted a bad version: \"%s\"", bad[i]);
}

static void test_sizes_and_ports(void **state)
{
    (void)state;
    double bytes;
    assert_int_equal(policy_size_parse("512", &bytes), 0);
    assert_true(bytes == 512);
    assert_int_equal(policy_size_parse("1.5 GiB", &bytes), 0);
    assert_true(bytes == 1.5 * 1073741824.0);
    assert_int_equal(policy_size_parse("10MB", &bytes), 0);
    assert_true(bytes == 1e7);
    assert_int_equal(policy_size_parse("2PiB", &bytes), 0);
    assert_true(bytes == 2 * 1125899906842624.0);
    const char *bad[] = {"",      "GiB", "-1GiB", "1 gb",  "1  GiB",
                         "1GiBs", "nan", "inf",   "1e999", NULL};
    for (size_t i = 0; bad[i]; i++)
        if (policy_size_parse(bad[i], &bytes) == 0)
            fail_msg("accepted a bad size: \"%s\"", bad[i]);
    long lo, hi;
    assert_int_equal(policy_port_range("20-30", &lo, &hi), 0);
    assert_true(lo == 20 && hi == 30);
    assert_int_equal(policy_port_range("ALL", &lo, &hi), 0);
    assert_true(lo == 0 && hi == 65535);
    const char *bad_ports[] = {"", "ssh", "65536", "30-20", "1-", "-5", "1-2-3", NULL};
    for (size_t i = 0; bad_ports[i]; i++)
        if (policy_port_range(bad_ports[i], &lo, &hi) == 0)
            fail_msg("accepted a bad port: \"%s\"", bad_ports[i]);
}

static void test_path_parse(void **state)
{
    (void)state;
    policy_path p;
    char problem[256];
    assert_int_equal(policy_path_parse("attributes.rules[*].cidrs[0]", &p, problem, sizeof problem),
                     0);
    assert_int_equal(p.count, 5);
    assert_true(p.fans_out);
    assert_int_equal(p.segs[2].kind, POLICY_SEG_EACH);
    assert_int_equal(p.segs[4].kind, POLICY_SEG_INDEX);
    policy_path_free(&p);
    assert_int_equal(policy_path_parse("labels.\"a.b[c]\".x", &p, problem, sizeof problem), 0);
    assert_string_equal(p.segs[1].key, "a.b[c]");
    policy_path_free(&p);
    assert_int_equal(policy_path_parse("$.labels.env", &p, problem, sizeof problem), 0);
    assert_true(p.absolute);
    policy_path_free(&p);
    struct {
        const char *path, *problem;
    } bad[] = {
        {"", "the path is empty"},
        {"labels.", "empty key at offset 7 (two dots, or a dot at the end)"},
        {"a..b", "empty key at offset 2 (two dots, or a dot at the end)"},
        {"x[", "'[' at offset 1 is not closed with ']'"},
        {"x[abc]", "expected a number or * inside [], got \"abc\""},
        {"x[]", "expected a number or * inside [], got nothing"},
        {"[0].x", "a path starts with a key, not '['"},
        {"a.\"b", "the quote at offset 2 is not closed"},
        {"$labels", "'$' starts only \"$now\" or \"$.path\""},
        {"a b", "unexpected ' ' at offset 1"},
        {"a[0]b", "unexpected 'b' at offset 4"},
        {"a]", "unexpected ']' at offset 1"},
        {"x[12345678901]", "index \"12345678901\" is too large"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        problem[0] = '\0';
        if (policy_path_parse(bad[i].path, &p, problem, sizeof problem) == 0)
            fail_msg("accepted a bad path: \"%s\"", bad[i].path);
        assert_string_equal(problem, bad[i].problem);
        policy_path_free(&p);
    }
}

/* Numbers in messages: the shortest text that reads back as the same double, as Python's
   repr prints it, on both the two-decimal fast path and the printf path. */
static void test_number_text(void **state)
{
    (void)state;
    char buf[40];
    static const struct {
        double value;
        const char *text;
    } reals[] = {
        {12.5, "12.5"},
        {0.1, "0.1"},
        {3.0, "3.0"},
        {-0.5, "-0.5"},
        {0.05, "0.05"},
        {1234.56, "1234.56"},
        {-0.0, "-0.0"},
        {0.0, "0.0"},
        {1.005, "1.005"},
        {1e-7, "1e-07"},
        {0.3333, "0.3333"},
        {1e22, "1e+22"},
        {999999999999.99, "999999999999.99"},
        {1e12, "1000000000000.0"},
        {0.1 + 0.2, "0.30000000000000004"},
        {2.675, "2.675"},
        {-73.1, "-73.1"},
    };
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        size_t n = policy_format_real(reals[i].value, buf, sizeof buf);
        assert_string_equal(buf, reals[i].text);
        assert_int_equal(n, strlen(reals[i].text));
    }
    /* every cent value up to 100,000 and a spread of awkward doubles read back exactly */
    for (long cents = -20000; cents <= 10000000; cents += 7) {
        double v = (double)cents / 100.0;
        policy_format_real(v, buf, sizeof buf);
        assert_true(strtod(buf, NULL) == v);
        assert_non_null(strchr(buf, '.'));
    }
    double v = 1.0 / 3.0;
    for (int i = 0; i < 2000; i++, v = v * 1.37 + 0.011) {
        policy_format_real(v, buf, sizeof buf);
        assert_true(strtod(buf, NULL) == v);
    }
    static const struct {
        long long value;
        const char *text;
    } ints[] = {{0, "0"},
                {7, "7"},
                {-42, "-42"},
                {9223372036854775807LL, "9223372036854775807"},
                {-9223372036854775807LL - 1, "-9223372036854775808"}};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        assert_int_equal(policy_format_integer(ints[i].value, buf, sizeof buf),
                         strlen(ints[i].text));
        assert_string_equal(buf, ints[i].text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse),      cmocka_unit_test(test_durations_and_calendar),
        cmocka_unit_test(test_cidrs),           cmocka_unit_test(test_versions),
        cmocka_unit_test(test_sizes_and_ports), cmocka_unit_test(test_path_parse),
        cmocka_unit_test(test_number_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
