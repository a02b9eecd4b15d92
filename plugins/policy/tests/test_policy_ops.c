/* test_policy_ops.c: every operator of the policy language on realistic and hostile documents:
   missing paths, null, wrong types, [*] any/all, three-valued combinations. */
#include "policy_fixture.h"

static void test_eq_ne(void **state)
{
    (void)state;
    DENY("{path: public, eq: true}", "{\"public\": true}");
    ALLOW("{path: public, eq: true}", "{\"public\": false}");
    ALLOW("{path: public, eq: true}", "{\"public\": null}");
    ALLOW("{path: public, eq: true}", "{}");
    ALLOW("{path: public, eq: true}", "{\"public\": \"true\"}");
    DENY("{path: n, eq: 1}", "{\"n\": 1.0}");
    ALLOW("{path: n, eq: 1}", "{\"n\": \"1\"}");
    DENY("{path: labels.env, eq: prod}", "{\"labels\": {\"env\": \"prod\"}}");
    DENY("{path: labels.env, eq: PROD, ignore_case: true}", "{\"labels\": {\"env\": \"prod\"}}");
    ALLOW("{path: labels.env, eq: PROD}", "{\"labels\": {\"env\": \"prod\"}}");
    DENY("{path: tags, eq: [a, b]}", "{\"tags\": [\"a\", \"b\"]}");
    ALLOW("{path: tags, eq: [a, b]}", "{\"tags\": [\"b\", \"a\"]}");
    DENY("{path: x, eq: {k: 1}}", "{\"x\": {\"k\": 1}}");
    /* null and missing are the same */
    DENY("{path: public, eq: null}", "{\"public\": null}");
    DENY("{path: public, eq: null}", "{}");
    ALLOW("{path: public, eq: null}", "{\"public\": false}");
    /* ne is false on a missing value */
    DENY("{path: labels.env, ne: prod}", "{\"labels\": {\"env\": \"dev\"}}");
    ALLOW("{path: labels.env, ne: prod}", "{\"labels\": {\"env\": \"prod\"}}");
    ALLOW("{path: labels.env, ne: prod}", "{\"labels\": {}}");
    ALLOW("{path: labels.env, ne: prod}", "{\"labels\": null}");
    ALLOW("{path: labels.env, ne: prod}", "{\"labels\": \"not a mapping\"}");
    ALLOW("{path: x, ne: null}", "{}");
    DENY("{path: x, ne: null}", "{\"x\": 0}");
    ALLOW("{path: labels.env, ne: PROD, ignore_case: true}", "{\"labels\": {\"env\": \"prod\"}}");
}

static void test_in_not_in_contains(void **state)
{
    (void)state;
    DENY("{path: region, in: [eu-west-1, eu-west-2]}", "{\"region\": \"eu-west-2\"}");
    ALLOW("{path: region, in: [eu-west-1, eu-west-2]}", "{\"region\": \"us-east-1\"}");
    ALLOW("{path: region, in: [eu-west-1]}", "{}");
    DENY("{path: port, in: [22, 3389]}", "{\"port\": 22}");
    ALLOW("{path: port, in: [22, 3389]}", "{\"port\": \"22\"}");
    DENY("{path: region, in: [EU-WEST-2], ignore_case: true}", "{\"region\": \"eu-west-2\"}");
    DENY("{path: region, not_in: [eu-west-1]}", "{\"region\": \"us-east-1\"}");
    ALLOW("{path: region, not_in: [eu-west-1]}", "{\"region\": \"eu-west-1\"}");
    ALLOW("{path: region, not_in: [eu-west-1]}", "{}");
    ALLOW("{path: region, not_in: [eu-west-1]}", "{\"region\": null}");
    DENY("{path: groups, contains: admins}", "{\"groups\": [\"dev\", \"admins\"]}");
    ALLOW("{path: groups, contains: admins}", "{\"groups\": [\"dev\"]}");
    ALLOW("{path: groups, contains: admins}", "{\"groups\": []}");
    DENY("{path: groups, contains: ADMINS, ignore_case: true}", "{\"groups\": [\"admins\"]}");
    DENY("{path: ids, contains: 7}", "{\"ids\": [1, 7.0]}");
    DENY("{path: arn, contains: \":root\"}", "{\"arn\": \"arn:aws:iam::1:root\"}");
    ALLOW("{path: arn, contains: \":root\"}", "{\"arn\": \"arn:aws:iam::1:user/x\"}");
    DENY("{path: arn, contains: ROOT, ignore_case: true}", "{\"arn\": \"x:root\"}");
    UNDECIDED("{path: arn, contains: root}", "{\"arn\": 5}");
    UNDECIDED("{path: arn, contains: 5}", "{\"arn\": \"555\"}");
    ALLOW("{path: arn, contains: root}", "{}");
}

static void test_strings(void **state)
{
    (void)state;
    DENY("{path: name, starts_with: prod-}", "{\"name\": \"prod-db\"}");
    ALLOW("{path: name, starts_with: prod-}", "{\"name\": \"pro\"}");
    DENY("{path: name, starts_with: PROD-, ignore_case: true}", "{\"name\": \"prod-db\"}");
    DENY("{path: name, ends_with: -tmp}", "{\"name\": \"x-tmp\"}");
    ALLOW("{path: name, ends_with: -tmp}", "{\"name\": \"tmp\"}");
    DENY("{path: name, ends_with: -TMP, ignore_case: true}", "{\"name\": \"x-tmp\"}");
    UNDECIDED("{path: name, starts_with: a}", "{\"name\": 1}");
    UNDECIDED("{path: name, ends_with: a}", "{\"name\": [\"a\"]}");
    DENY("{path: name, glob: \"web-*\"}", "{\"name\": \"web-1\"}");
    ALLOW("{path: name, glob: \"web-*\"}", "{\"name\": \"db-web-1\"}");
    DENY("{path: name, glob: \"web-[0-9]\"}", "{\"name\": \"web-7\"}");
    DENY("{path: name, glob: \"WEB-?\", ignore_case: true}", "{\"name\": \"web-7\"}");
    UNDECIDED("{path: name, glob: \"*\"}", "{\"name\": true}");
    DENY("{path: name, regex: \"^db-[0-9]+$\"}", "{\"name\": \"db-12\"}");
    ALLOW("{path: name, regex: \"^db-[0-9]+$\"}", "{\"name\": \"db-12a\"}");
    DENY("{path: name, regex: \"[0-9]\"}", "{\"name\": \"a1b\"}"); /* unanchored: anywhere */
    DENY("{path: name, regex: \"^DB\", ignore_case: true}", "{\"name\": \"db-1\"}");
    ALLOW("{path: name, regex: \"^DB\"}", "{\"name\": \"db-1\"}");
    UNDECIDED("{path: name, regex: x}", "{\"name\": 12}");
    ALLOW("{path: name, regex: x}", "{\"name\": null}");
}

static void test_presence(void **state)
{
    (void)state;
    DENY("{path: labels.owner, absent: true}", "{\"labels\": {}}");
    DENY("{path: labels.owner, absent: true}", "{}");
    DENY("{path: labels.owner, absent: true}", "{\"labels\": {\"owner\": null}}");
    ALLOW("{path: labels.owner, absent: true}", "{\"labels\": {\"owner\": \"\"}}");
    DENY("{path: labels.owner, absent: false}", "{\"labels\": {\"owner\": \"a\"}}");
    DENY("{path: labels.owner, present: true}", "{\"labels\": {\"owner\": \"\"}}");
    ALLOW("{path: labels.owner, present: true}", "{\"labels\": {\"owner\": null}}");
    DENY("{path: labels.owner, present: false}", "{}");
    DENY("{path: labels.owner, empty: true}", "{\"labels\": {\"owner\": \"\"}}");
    DENY("{path: labels.owner, empty: true}", "{}");
    DENY("{path: x, empty: true}", "{\"x\": []}");
    DENY("{path: x, empty: true}", "{\"x\": {}}");
    ALLOW("{path: x, empty: true}", "{\"x\": 0}");
    ALLOW("{path: x, empty: true}", "{\"x\": false}");
    DENY("{path: x, empty: false}", "{\"x\": [1]}");
}

static void test_numbers(void **state)
{
    (void)state;
    DENY("{path: monthly_cost, gt: 100}", "{\"monthly_cost\": 100.5}");
    ALLOW("{path: monthly_cost, gt: 100}", "{\"monthly_cost\": 100}");
    DENY("{path: monthly_cost, ge: 100}", "{\"monthly_cost\": 100}");
    DENY("{path: n, lt: 0.5}", "{\"n\": 0}");
    ALLOW("{path: n, lt: 0.5}", "{\"n\": 0.5}");
    DENY("{path: n, le: -1}", "{\"n\": -1}");
    ALLOW("{path: monthly_cost, gt: 100}", "{\"monthly_cost\": null}");
    ALLOW("{path: monthly_cost, gt: 100}", "{}");
    UNDECIDED("{path: monthly_cost, gt: 100}", "{\"monthly_cost\": \"200\"}");
    UNDECIDED("{path: monthly_cost, gt: 100}", "{\"monthly_cost\": true}");
}

static void test_age_and_expiry(void **state)
{
    (void)state;
    /* now = 2026-11-23T12:00:00Z */
    DENY("{path: created_at, older_than: 90d}", "{\"created_at\": \"2026-08-25T11:59:59Z\"}");
    ALLOW("{path: created_at, older_than: 90d}", "{\"created_at\": \"2026-08-25T12:00:00Z\"}");
    DENY("{path: created_at, older_than: 90d}", "{\"created_at\": \"2026-08-25T13:59:59+02:00\"}");
    DENY("{path: created_at, older_than: 90d}", "{\"created_at\": \"2026-08-25\"}");
    DENY("{path: created_at, older_than: 36h}", "{\"created_at\": \"2026-11-21T23:59:59.999Z\"}");
    ALLOW("{path: created_at, older_than: 1w}", "{\"created_at\": \"2026-11-16T12:00:01Z\"}");
    DENY("{path: created_at, older_than: 30m}", "{\"created_at\": \"2026-11-23T11:29:59Z\"}");
    DENY("{path: created_at, older_than: 10s}", "{\"created_at\": \"2026-11-23T11:59:49Z\"}");
    DENY("{path: created_at, newer_than: 1d}", "{\"created_at\": \"2026-11-23T00:00:00Z\"}");
    ALLOW("{path: created_at, newer_than: 1d}", "{\"created_at\": \"2026-11-22T12:00:00Z\"}");
    ALLOW("{path: created_at, older_than: 90d}", "{}");
    ALLOW("{path: created_at, older_than: 90d}", "{\"created_at\": null}");
    UNDECIDED("{path: created_at, older_than: 90d}", "{\"created_at\": \"yesterday\"}");
    UNDECIDED("{path: created_at, older_than: 90d}", "{\"created_at\": 1700000000}");
    /* numbers are timestamps only with a unit: seconds (JWT's exp, iat, nbf) or milliseconds */
    DENY("{path: exp, expired: true, unit: s}", "{\"exp\": 1795435200}");
    ALLOW("{path: exp, expired: true, unit: s}", "{\"exp\": 1795435201}");
    DENY("{path: exp, expired: true, unit: s}", "{\"exp\": 1795435200.9}");
    DENY("{path: exp, expired: true, unit: ms}", "{\"exp\": 1795435200000}");
    ALLOW("{path: exp, expired: true, unit: ms}", "{\"exp\": 1795435201000}");
    DENY("{path: iat, older_than: 1h, unit: s}", "{\"iat\": 1795431599}");
    ALLOW("{path: iat, older_than: 1h, unit: s}", "{\"iat\": 1795431600}");
    DENY("{path: iat, time_between: [\"11:00\", \"13:00\"], unit: s}", "{\"iat\": 1795435200}");
    DENY("{path: t, before: 1970-01-01, unit: s}", "{\"t\": -0.5}");
    DENY("{path: exp, expired: true, unit: s}", "{\"exp\": \"2026-11-23T12:00:00Z\"}");
    UNDECIDED("{path: exp, expired: true, unit: s}", "{\"exp\": 1e300}");
    UNDECIDED("{path: exp, expired: true, unit: s}", "{\"exp\": true}");
    UNDECIDED("{path: created_at, older_than: 90d}", "{\"created_at\": \"2026-02-30T00:00:00Z\"}");
    UNDECIDED("{path: created_at, older_than: 90d}", "{\"created_at\": \"2026-13-01\"}");
    /* certificates and tokens */
    DENY("{path: not_after, expires_within: 30d}", "{\"not_after\": \"2026-12-23T11:59:59Z\"}");
    ALLOW("{path: not_after, expires_within: 30d}", "{\"not_after\": \"2026-12-23T12:00:00Z\"}");
    DENY("{path: not_after, expires_within: 30d}", "{\"not_after\": \"2020-01-01T00:00:00Z\"}");
    DENY("{path: exp, expired: true}", "{\"exp\": \"2026-11-23T12:00:00Z\"}");
    ALLOW("{path: exp, expired: true}", "{\"exp\": \"2026-11-23T12:00:01Z\"}");
    DENY("{path: exp, expired: false}", "{\"exp\": \"2026-11-23T12:00:01Z\"}");
    DENY("{path: t, before: 2026-01-01}", "{\"t\": \"2025-12-31T23:59:59Z\"}");
    ALLOW("{path: t, before: 2026-01-01}", "{\"t\": \"2026-01-01T00:00:00Z\"}");
    DENY("{path: t, after: \"2026-01-01T00:00:00Z\"}", "{\"t\": \"2026-01-01T00:00:01Z\"}");
    ALLOW("{path: t, after: \"2026-01-01T00:00:00Z\"}", "{\"t\": \"2026-01-01T01:00:00+01:00\"}");
}

static void test_leap_days_and_calendar_units(void **state)
{
    (void)state;
    const char *leap = "{\"created_at\": \"2024-02-29T00:00:00Z\"}";
    /* 2024-02-29 + 1y = 2025-02-28 (clamped) */
    assert_string_equal(fix_effect_at("{path: created_at, older_than: 1y}", leap,
                                      1740700800LL /* 2025-02-28T00:00:00Z */),
                        "allow");
    assert_string_equal(fix_effect_at("{path: created_at, older_than: 1y}", leap, 1740700801LL),
                        "deny");
    /* 4 years later the day exists again: 2028-02-29 */
    assert_string_equal(fix_effect_at("{path: created_at, older_than: 4y}", leap,
                                      1835395200LL /* 2028-02-29T00:00:00Z */),
                        "allow");
    assert_string_equal(fix_effect_at("{path: created_at, older_than: 4y}", leap,
                                      1835395201LL /* 2028-02-29T00:00:01Z */),
                        "deny");
    /* 365d is not 1y across a leap day: 2024-02-28 + 365d = 2025-02-27 */
    assert_string_equal(fix_effect_at("{path: created_at, older_than: 365d}",
                                      "{\"created_at\": \"2024-02-28T00:00:00Z\"}",
                                      1740614401LL /* 2025-02-27T00:00:01Z */),
                        "deny");
    assert_string_equal(fix_effect_at("{path: created_at, older_than: 1y}",
                                      "{\"created_at\": \"2024-02-28T00:00:00Z\"}", 1740614401LL),
                        "allow");
    /* months clamp: 2024-01-31 + 1mo = 2024-02-29 */
    assert_string_equal(fix_effect_at("{path: t, older_than: 1mo}", "{\"t\": \"2024-01-31\"}",
                                      1709164800LL /* 2024-02-29T00:00:00Z */),
                        "allow");
    assert_string_equal(
        fix_effect_at("{path: t, older_than: 1mo}", "{\"t\": \"2024-01-31\"}", 1709164801LL),
        "deny");
    /* a leap day that does not exist */
    UNDECIDED("{path: t, older_than: 1d}", "{\"t\": \"2025-02-29\"}");
    DENY("{path: t, older_than: 1d}", "{\"t\": \"2000-02-29\"}");
    UNDECIDED("{path: t, older_than: 1d}", "{\"t\": \"1900-02-29\"}");
}

static void test_time_of_day_and_weekday(void **state)
{
    (void)state;
    DENY("{path: t, time_between: [\"08:00\", \"18:00\"]}", "{\"t\": \"2026-11-23T08:00:00Z\"}");
    ALLOW("{path: t, time_between: [\"08:00\", \"18:00\"]}", "{\"t\": \"2026-11-23T18:00:00Z\"}");
    ALLOW("{path: t, time_between: [\"08:00\", \"18:00\"]}", "{\"t\": \"2026-11-23T07:59:59Z\"}");
    /* the time of day is read in the document's own offset */
    DENY("{path: t, time_between: [\"08:00\", \"18:00\"]}",
         "{\"t\": \"2026-11-23T09:00:00+09:00\"}");
    ALLOW("{path: t, time_between: [\"08:00\", \"18:00\"]}",
          "{\"t\": \"2026-11-23T02:00:00-05:00\"}");
    /* wrapping past midnight */
    DENY("{path: t, time_between: [\"22:00\", \"06:00\"]}", "{\"t\": \"2026-11-23T23:30:00Z\"}");
    DENY("{path: t, time_between: [\"22:00\", \"06:00\"]}", "{\"t\": \"2026-11-23T05:59:00Z\"}");
    ALLOW("{path: t, time_between: [\"22:00\", \"06:00\"]}", "{\"t\": \"2026-11-23T06:00:00Z\"}");
    DENY("{path: $now, time_between: [\"11:00\", \"13:00\"]}", "{}");
    ALLOW("{path: $now, time_between: [\"13:00\", \"24:00\"]}", "{}");
    DENY("{path: t, weekday_in: [mon]}", "{\"t\": \"2026-11-23T00:00:00Z\"}");
    ALLOW("{path: t, weekday_in: [sat, sun]}", "{\"t\": \"2026-11-23T00:00:00Z\"}");
    DENY("{path: t, weekday_in: [sun]}", "{\"t\": \"2026-11-22T23:30:00-01:00\"}");
    DENY("{path: $now, weekday_in: [mon]}", "{}");
    UNDECIDED("{path: t, weekday_in: [mon]}", "{\"t\": \"monday\"}");
}

static void test_cidr(void **state)
{
    (void)state;
    DENY("{path: c, cidr_public: true}", "{\"c\": \"0.0.0.0/0\"}");
    DENY("{path: c, cidr_public: true}", "{\"c\": \"8.8.8.8\"}");
    DENY("{path: c, cidr_public: true}", "{\"c\": \"10.0.0.0/7\"}"); /* 10/7 reaches 11.x */
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"10.1.0.0/16\"}");
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"172.16.0.0/12\"}");
    DENY("{path: c, cidr_public: true}", "{\"c\": \"172.32.0.0/16\"}");
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"192.168.1.7/32\"}");
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"127.0.0.1\"}");
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"169.254.169.254\"}");
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"100.64.0.0/10\"}");
    DENY("{path: c, cidr_public: false}", "{\"c\": \"10.0.0.0/8\"}");
    /* IPv6 */
    DENY("{path: c, cidr_public: true}", "{\"c\": \"::/0\"}");
    DENY("{path: c, cidr_public: true}", "{\"c\": \"2a00:1450::/32\"}");
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"fd00::/8\"}");
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"fe80::1\"}");
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"::1\"}");
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"2001:db8::/48\"}");
    ALLOW("{path: c, cidr_public: true}", "{\"c\": \"::ffff:10.0.0.1\"}");
    DENY("{path: c, cidr_public: true}", "{\"c\": \"::ffff:8.8.8.8\"}");
    UNDECIDED("{path: c, cidr_public: true}", "{\"c\": \"sg-0abc\"}");
    UNDECIDED("{path: c, cidr_public: true}", "{\"c\": \"10.0.0.0/33\"}");
    UNDECIDED("{path: c, cidr_public: true}", "{\"c\": \"::/129\"}");
    UNDECIDED("{path: c, cidr_public: true}", "{\"c\": 10}");
    ALLOW("{path: c, cidr_public: true}", "{}");
    DENY("{path: c, cidr_within: 10.0.0.0/8}", "{\"c\": \"10.2.0.0/16\"}");
    ALLOW("{path: c, cidr_within: 10.0.0.0/8}", "{\"c\": \"0.0.0.0/0\"}");
    DENY("{path: c, cidr_within: [192.168.0.0/16, 10.0.0.0/8]}", "{\"c\": \"10.0.0.1\"}");
    DENY("{path: c, cidr_contains: 10.1.2.3}", "{\"c\": \"10.0.0.0/8\"}");
    ALLOW("{path: c, cidr_contains: 11.0.0.0/8}", "{\"c\": \"10.0.0.0/8\"}");
    DENY("{path: c, cidr_overlaps: 10.0.0.0/30}", "{\"c\": \"10.0.0.2/31\"}");
    ALLOW("{path: c, cidr_overlaps: 10.0.0.0/31}", "{\"c\": \"10.0.0.2/31\"}");
    DENY("{path: c, cidr_contains: \"2001:db8:1::5\"}", "{\"c\": \"2001:db8::/32\"}");
    DENY("{path: c, cidr_overlaps: \"2001:db8::/32\"}", "{\"c\": \"2001:db8:ffff::/48\"}");
    /* IPv4 and IPv6 never meet */
    ALLOW("{path: c, cidr_within: \"::/0\"}", "{\"c\": \"10.0.0.1\"}");
    ALLOW("{path: c, cidr_overlaps: 0.0.0.0/0}", "{\"c\": \"::/0\"}");
    DENY("{path: c, cidr_within: 10.0.0.0/8}", "{\"c\": \"::ffff:10.9.9.9\"}");
}

static void test_versions(void **state)
{
    (void)state;
    DENY("{path: v, version_lt: \"1.31\"}", "{\"v\": \"1.30.9\"}");
    DENY("{path: v, version_lt: \"1.31\"}", "{\"v\": \"v1.30.4-eks-a1b2c3\"}");
    DENY("{path: v, version_lt: \"1.31\"}", "{\"v\": \"1.30.4-gke.1234\"}");
    ALLOW("{path: v, version_lt: \"1.31\"}", "{\"v\": \"1.31\"}");
    ALLOW("{path: v, version_lt: \"1.31\"}", "{\"v\": \"1.31.0\"}");
    DENY("{path: v, version_lt: \"1.31\"}", "{\"v\": \"1.31.0-rc.1\"}");
    ALLOW("{path: v, version_lt: \"1.31\"}", "{\"v\": \"1.100.0\"}");
    DENY("{path: v, version_lt: \"1.31\"}", "{\"v\": \"1.9\"}");
    DENY("{path: v, version_le: \"1.31\"}", "{\"v\": \"1.31.0+build.7\"}");
    DENY("{path: v, version_eq: \"1.31.0\"}", "{\"v\": \"v1.31\"}");
    DENY("{path: v, version_gt: \"1.0.0-alpha\"}", "{\"v\": \"1.0.0-alpha.1\"}");
    DENY("{path: v, version_gt: \"1.0.0-alpha.1\"}", "{\"v\": \"1.0.0-alpha.beta\"}");
    DENY("{path: v, version_gt: \"1.0.0-beta.2\"}", "{\"v\": \"1.0.0-beta.11\"}");
    DENY("{path: v, version_gt: \"1.0.0-rc.1\"}", "{\"v\": \"1.0.0\"}");
    DENY("{path: v, version_ge: \"2\"}", "{\"v\": \"2.0.0\"}");
    ALLOW("{path: v, version_ge: \"2\"}", "{\"v\": \"1.99.99\"}");
    UNDECIDED("{path: v, version_lt: \"1.31\"}", "{\"v\": \"latest\"}");
    UNDECIDED("{path: v, version_lt: \"1.31\"}", "{\"v\": 1.3}");
    UNDECIDED("{path: v, version_lt: \"1.31\"}", "{\"v\": \"1..2\"}");
    ALLOW("{path: v, version_lt: \"1.31\"}", "{}");
}

static void test_sizes_and_ports(void **state)
{
    (void)state;
    DENY("{path: s, size_gt: 1TiB}", "{\"s\": 1099511627777}");
    ALLOW("{path: s, size_gt: 1TiB}", "{\"s\": 1099511627776}");
    DENY("{path: s, size_ge: 1TiB}", "{\"s\": \"1024 GiB\"}");
    ALLOW("{path: s, size_gt: 1TB}", "{\"s\": \"1000GB\"}");
    DENY("{path: s, size_gt: 1TB}", "{\"s\": \"1TiB\"}");
    DENY("{path: size_gb, size_gt: 1TiB, unit: GB}", "{\"size_gb\": 1100}");
    ALLOW("{path: size_gb, size_gt: 1TiB, unit: GB}", "{\"size_gb\": 1099}");
    DENY("{path: s, size_lt: 1.5 KiB}", "{\"s\": 1535}");
    DENY("{path: s, size_le: 512}", "{\"s\": \"0.5KiB\"}");
    UNDECIDED("{path: s, size_gt: 1GB}", "{\"s\": \"1 gigabyte\"}");
    UNDECIDED("{path: s, size_gt: 1GB}", "{\"s\": {\"v\": 1}}");
    ALLOW("{path: s, size_gt: 1GB}", "{\"s\": null}");
    DENY("{path: p, ports_include: 22}", "{\"p\": \"22\"}");
    DENY("{path: p, ports_include: 22}", "{\"p\": 22}");
    DENY("{path: p, ports_include: [22, 3389]}", "{\"p\": [\"80\", \"3000-4000\"]}");
    DENY("{path: p, ports_include: 22}", "{\"p\": \"all\"}");
    DENY("{path: p, ports_include: 22}", "{\"p\": \"-1\"}");
    ALLOW("{path: p, ports_include: 22}", "{\"p\": [\"23-25\", 80]}");
    ALLOW("{path: p, ports_include: 22}", "{}");
    UNDECIDED("{path: p, ports_include: 22}", "{\"p\": \"ssh\"}");
    UNDECIDED("{path: p, ports_include: 22}", "{\"p\": \"30-20\"}");
    DENY("{path: p, ports_include: 22}", "{\"p\": [\"ssh\", 22]}");
}

static void test_paths(void **state)
{
    (void)state;
    const char *fw = "{\"rules\": [{\"cidrs\": [\"10.0.0.0/8\"]}, {\"cidrs\": [\"0.0.0.0/0\", "
                     "\"10.1.0.0/16\"]}]}";
    DENY("{path: \"rules[*].cidrs[*]\", cidr_public: true}", fw);
    ALLOW("{path: \"rules[*].cidrs[*]\", cidr_public: true, for: all}", fw);
    DENY("{path: \"rules[*].cidrs[*]\", cidr_public: false, for: all}",
         "{\"rules\": [{\"cidrs\": [\"10.0.0.0/8\"]}, {\"cidrs\": [\"192.168.0.0/16\"]}]}");
    /* nothing reached behaves as missing, with for: all too */
    ALLOW("{path: \"rules[*].cidrs[*]\", cidr_public: false, for: all}", "{\"rules\": []}");
    DENY("{path: \"rules[*].cidrs[*]\", absent: true}", "{\"rules\": []}");
    /* one undecided element does not hide a hit (any), nor a miss (all) */
    DENY("{path: \"c[*]\", cidr_public: true}", "{\"c\": [\"junk\", \"8.8.8.8\"]}");
    UNDECIDED("{path: \"c[*]\", cidr_public: true}", "{\"c\": [\"junk\", \"10.0.0.1\"]}");
    ALLOW("{path: \"c[*]\", cidr_public: true, for: all}", "{\"c\": [\"junk\", \"10.0.0.1\"]}");
    UNDECIDED("{path: \"c[*]\", cidr_public: true, for: all}", "{\"c\": [\"junk\", \"8.8.8.8\"]}");
    DENY("{path: \"rules[0].cidrs[0]\", eq: 10.0.0.0/8}", fw);
    DENY("{path: \"rules[-1].cidrs[-1]\", eq: 10.1.0.0/16}", fw);
    ALLOW("{path: \"rules[5].cidrs[0]\", present: true}", fw);
    ALLOW("{path: \"rules[-3]\", present: true}", fw);
    DENY("{path: 'labels.\"app.kubernetes.io/name\"', eq: web}",
         "{\"labels\": {\"app.kubernetes.io/name\": \"web\", \"app\": {\"kubernetes\": 1}}}");
    DENY("{path: labels.cost-center, eq: \"4711\"}", "{\"labels\": {\"cost-center\": \"4711\"}}");
    DENY("{path: \"labels[*]\", eq: secret}", "{\"labels\": {\"a\": \"x\", \"b\": \"secret\"}}");
    DENY("{path: \"a[*][*]\", eq: 3}", "{\"a\": [[1, 2], [3]]}");
    ALLOW("{path: \"name[*]\", eq: x}", "{\"name\": \"x\"}");
    ALLOW("{path: x.y.z, eq: 1}", "{\"x\": [1]}");
}

static void test_combinators_three_valued(void **state)
{
    (void)state;
    const char *doc = "{\"bad\": \"junk\", \"t\": true, \"f\": false}";
    DENY("{any: [{path: bad, gt: 1}, {path: t, eq: true}]}", doc);
    UNDECIDED("{any: [{path: bad, gt: 1}, {path: f, eq: true}]}", doc);
    ALLOW("{all: [{path: bad, gt: 1}, {path: f, eq: true}]}", doc);
    UNDECIDED("{all: [{path: bad, gt: 1}, {path: t, eq: true}]}", doc);
    UNDECIDED("{not: {path: bad, gt: 1}}", doc);
    DENY("{not: {path: f, eq: true}}", doc);
    ALLOW("{not: {path: t, eq: true}}", doc);
    DENY("[{path: t, eq: true}, {path: f, eq: false}]", doc);
    ALLOW("[{path: t, eq: true}, {path: f, eq: true}]", doc);
    DENY("{any: [{path: missing, absent: true}, {path: missing, ne: prod}]}", doc);
    DENY("{not: {path: missing, eq: prod}}", doc);
}

static void test_quantifiers(void **state)
{
    (void)state;
    const char *fw =
        "{\"env\": \"prod\", \"rules\": ["
        "{\"direction\": \"ingress\", \"ports\": [\"22\"], \"cidrs\": [\"10.0.0.0/8\"]},"
        "{\"direction\": \"ingress\", \"ports\": [\"443\"], \"cidrs\": [\"0.0.0.0/0\"]}]}";
    ALLOW("{path: rules, some: [{path: ports, ports_include: 22}, {path: \"cidrs[*]\", "
          "cidr_public: true}]}",
          fw);
    DENY("{path: rules, some: [{path: ports, ports_include: 443}, {path: \"cidrs[*]\", "
         "cidr_public: true}]}",
         fw);
    DENY("{path: rules, every: {path: direction, eq: ingress}}", fw);
    ALLOW("{path: rules, every: {path: ports, ports_include: 22}}", fw);
    DENY("{path: rules, none: {path: direction, eq: egress}}", fw);
    ALLOW("{path: rules, none: {path: direction, eq: ingress}}", fw);
    /* $. reaches the document root from inside; @ is the element */
    DENY("{path: rules, some: {all: [{path: $.env, eq: prod}, {path: \"ports[0]\", eq: \"22\"}]}}",
         fw);
    DENY("{path: \"rules[1].cidrs\", some: {path: \"@\", cidr_public: true}}", fw);
    ALLOW("{path: \"rules[0].cidrs\", some: {path: \"@\", cidr_public: true}}", fw);
    /* empty and missing arrays */
    DENY("{path: rules, every: {path: direction, eq: ingress}}", "{\"rules\": []}");
    DENY("{path: rules, every: {path: direction, eq: ingress}}", "{}");
    ALLOW("{path: rules, some: {path: direction, eq: ingress}}", "{}");
    DENY("{path: rules, none: {path: direction, eq: ingress}}", "{\"rules\": null}");
    UNDECIDED("{path: rules, some: {path: direction, eq: ingress}}", "{\"rules\": {\"a\": 1}}");
    UNDECIDED("{path: rules, some: {path: x, gt: 1}}", "{\"rules\": [{\"x\": \"a\"}]}");
    DENY("{path: rules, some: {path: x, gt: 1}}", "{\"rules\": [{\"x\": \"a\"}, {\"x\": 2}]}");
}

/* type: the JSON type of the value; missing and null are no type at all. */
static void test_type(void **state)
{
    (void)state;
    const char *doc = "{\"s\": \"x\", \"i\": 3, \"r\": 2.5, \"t\": true, \"f\": false, "
                      "\"l\": [1], \"m\": {}, \"n\": null}";
    DENY("{path: s, type: string}", doc);
    ALLOW("{path: i, type: string}", doc);
    DENY("{path: i, type: number}", doc);
    DENY("{path: r, type: number}", doc);
    DENY("{path: i, type: integer}", doc);
    ALLOW("{path: r, type: integer}", doc);
    DENY("{path: t, type: boolean}", doc);
    DENY("{path: f, type: boolean}", doc);
    DENY("{path: l, type: list}", doc);
    DENY("{path: l, type: array}", doc);
    DENY("{path: m, type: mapping}", doc);
    DENY("{path: m, type: [string, object]}", doc);
    ALLOW("{path: l, type: [string, mapping]}", doc);
    ALLOW("{path: n, type: [string, number, boolean, list, mapping]}", doc);
    ALLOW("{path: missing, type: string}", doc);
    DENY("{not: {path: missing, type: string}}", doc);
    /* with [*], any (or every, for: all) element */
    DENY("{path: \"v[*]\", type: string}", "{\"v\": [1, \"a\"]}");
    ALLOW("{path: \"v[*]\", type: string, for: all}", "{\"v\": [1, \"a\"]}");
}

static void test_undecided_reason_names_the_test(void **state)
{
    (void)state;
    char err[2048];
    policy_engine engine;
    assert_int_equal(fix_load(&engine,
                              "kind: Policy\nname: p\nrules:\n  - name: r\n"
                              "    when: {path: created_at, older_than: 90d}\n",
                              err, sizeof err),
                     0);
    json_t *doc = json_pack("{s:s}", "created_at", "last tuesday");
    json_t *decisions = json_array();
    assert_int_equal(policy_evaluate(&engine, doc, FIX_NOW, decisions), 0);
    const char *reason = json_string_value(json_object_get(json_array_get(decisions, 0), "reason"));
    assert_non_null(strstr(reason, ":5:11: created_at older_than: expected an RFC 3339 "
                                   "timestamp, got a string \"last tuesday\""));
    json_decref(decisions);
    json_decref(doc);
    policy_engine_free(&engine);
}

/* The decisions of `doc` (JSON text) under the engine, as "policy.rule=effect" joined by
   spaces, in order. */
static const char *decided(policy_engine *engine, const char *doc)
{
    static char out[1024];
    json_t *document = json_loads(doc, 0, NULL);
    assert_non_null(document);
    json_t *decisions = json_array();
    assert_int_equal(policy_evaluate(engine, document, FIX_NOW, decisions), 0);
    out[0] = '\0';
    size_t i;
    json_t *d;
    json_array_foreach (decisions, i, d) {
        char one[128];
        snprintf(one, sizeof one, "%s%s.%s=%s", i ? " " : "",
                 json_string_value(json_object_get(d, "policy")),
                 json_string_value(json_object_get(d, "rule")),
                 json_string_value(json_object_get(d, "effect")));
        strncat(out, one, sizeof out - strlen(out) - 1);
    }
    json_decref(decisions);
    json_decref(document);
    return out;
}

/* Evaluation tries only the policies that may match the document's kind, and keeps the load
   order whatever the index: literal kinds, globs, no kind at all, other match fields. */
static void test_kind_index_keeps_order_and_globs(void **state)
{
    (void)state;
    char err[2048];
    policy_engine engine;
    assert_int_equal(
        fix_load(&engine,
                 "kind: Policy\nname: a\nmatch: {kinds: [compute.instance]}\n"
                 "rules: [{name: r, when: {path: x, present: true}}]\n---\n"
                 "kind: Policy\nname: b\nmatch: {kinds: [\"compute.*\"]}\n"
                 "rules: [{name: r, when: {path: x, present: true}}]\n---\n"
                 "kind: Policy\nname: c\n"
                 "rules: [{name: r, when: {path: x, present: true}}]\n---\n"
                 "kind: Policy\nname: d\nmatch: {kinds: [storage.bucket, compute.instance]}\n"
                 "rules: [{name: r, when: {path: x, present: true}}]\n---\n"
                 "kind: Policy\nname: e\nmatch: {kinds: [compute.instance], providers: [aws]}\n"
                 "rules: [{name: r, when: {path: x, present: true}}]\n---\n"
                 "kind: Policy\nname: f\nmatch: {providers: [gcp], labels: {env: \"prod*\"}}\n"
                 "rules: [{name: r, when: {path: x, present: true}}]\n",
                 err, sizeof err),
        0);
    assert_string_equal(decided(&engine, "{\"kind\": \"compute.instance\", \"provider\": \"aws\", "
                                         "\"x\": 1}"),
                        "a.r=deny b.r=deny c.r=deny d.r=deny e.r=deny");
    assert_string_equal(decided(&engine, "{\"kind\": \"compute.instance\", \"provider\": \"gcp\"}"),
                        "a.r=allow b.r=allow c.r=allow d.r=allow");
    assert_string_equal(decided(&engine, "{\"kind\": \"compute.volume\", \"provider\": \"gcp\", "
                                         "\"labels\": {\"env\": \"production\"}}"),
                        "b.r=allow c.r=allow f.r=allow");
    assert_string_equal(decided(&engine, "{\"kind\": \"storage.bucket\"}"), "c.r=allow d.r=allow");
    assert_string_equal(decided(&engine, "{\"x\": 1}"), "c.r=deny");
    assert_string_equal(decided(&engine, "{\"kind\": 7, \"x\": 1}"), "c.r=deny");
    assert_string_equal(decided(&engine, "[1, 2]"), "c.r=allow");
    policy_engine_free(&engine);
}

/* Messages render strings, integers, reals (shortest form), booleans, arrays (as JSON) and
   "$now". */
static void test_message_renders_values_and_now(void **state)
{
    (void)state;
    char err[2048];
    policy_engine engine;
    assert_int_equal(fix_load(&engine,
                              "kind: Policy\nname: p\nrules:\n  - name: r\n"
                              "    when: {path: name, present: true}\n"
                              "    message: \"{{name}} costs {{monthly_cost}}/month ({{price}}), "
                              "{{disks}} disks, public {{public}}, tags {{tags}}, "
                              "{{missing}}, checked {{$now}}\"\n",
                              err, sizeof err),
                     0);
    json_t *doc = json_loads("{\"name\": \"web\", \"monthly_cost\": 12.5, \"price\": 0.1, "
                             "\"disks\": 3, \"public\": true, \"tags\": [\"a\", 2]}",
                             0, NULL);
    json_t *decisions = json_array();
    assert_int_equal(policy_evaluate(&engine, doc, FIX_NOW, decisions), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(decisions, 0), "reason")),
        "web costs 12.5/month (0.1), 3 disks, public true, tags [\"a\",2], (missing), "
        "checked 2026-11-23T12:00:00Z");
    json_decref(decisions);
    json_decref(doc);
    policy_engine_free(&engine);
}

/* A message longer than the reason buffer is cut, and never inside a UTF-8 sequence. */
static void test_long_message_is_cut_on_a_character(void **state)
{
    (void)state;
    char err[2048];
    policy_engine engine;
    assert_int_equal(fix_load(&engine,
                              "kind: Policy\nname: p\nrules:\n  - name: r\n"
                              "    when: {path: name, present: true}\n"
                              "    message: \"xy{{name}}\"\n",
                              err, sizeof err),
                     0);
    char name[3000] = "";
    for (int i = 0; i < 900; i++)
        strcat(name, "\xc3\xa9"); /* é, two bytes */
    json_t *doc = json_pack("{s:s}", "name", name);
    json_t *decisions = json_array();
    assert_int_equal(policy_evaluate(&engine, doc, FIX_NOW, decisions), 0);
    json_t *reason = json_object_get(json_array_get(decisions, 0), "reason");
    assert_non_null(reason);
    const char *text = json_string_value(reason);
    /* 1,023 bytes fit: "xy", 510 é, and the first byte of the next, which is dropped */
    assert_int_equal(json_string_length(reason), 1022);
    assert_memory_equal(text, "xy\xc3\xa9", 4);
    char *dumped = json_dumps(reason, JSON_ENCODE_ANY);
    assert_non_null(dumped); /* valid UTF-8, or jansson would refuse */
    free(dumped);
    json_decref(decisions);
    json_decref(doc);
    policy_engine_free(&engine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eq_ne),
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_kind_index_keeps_order_and_globs),
        cmocka_unit_test(test_message_renders_values_and_now),
        cmocka_unit_test(test_long_message_is_cut_on_a_character),
        cmocka_unit_test(test_in_not_in_contains),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_presence),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_age_and_expiry),
        cmocka_unit_test(test_leap_days_and_calendar_units),
        cmocka_unit_test(test_time_of_day_and_weekday),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_sizes_and_ports),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_combinators_three_valued),
        cmocka_unit_test(test_quantifiers),
        cmocka_unit_test(test_undecided_reason_names_the_test),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
