/* test_policy_load.c: loading policies and exceptions, match/exclude, messages, modes, and
   exceptions at the boundary second. */
#include "policy_fixture.h"

static const char bucket_policy[] =
    "kind: Policy\n"
    "name: bucket\n"
    "title: Buckets must be private\n"
    "severity: high\n"
    "compliance: [CIS-AWS-2.1.5]\n"
    "remediation: Make it private.\n"
    "match: {kinds: [storage.*], providers: [aws, gcp], labels: {env: [prod, \"stag*\"]}}\n"
    "exclude: {names: [\"scratch-*\"]}\n"
    "rules:\n"
    "  - name: public\n"
    "    message: \"{{ name }} in {{region}} is public; owner {{labels.owner}}, rules "
    "{{rules[*].id}}\"\n"
    "    when: {path: public, eq: true}\n"
    "  - name: audit-only\n"
    "    effect: warn\n"
    "    severity: low\n"
    "    remediation: Look at it.\n"
    "    when: {path: public, eq: true}\n";

static const char exceptions[] =
    "---\n"
    "kind: PolicyException\n"
    "id: EXC-1\n"
    "policy: bucket\n"
    "rules: [public]\n"
    "resources: {uids: [\"aws:1:r:storage.bucket:www\"]}\n"
    "owner: web\n"
    "reason: website\n"
    "expires: 2026-12-31T00:00:00Z\n"
    "---\n"
    "kind: PolicyException\n"
    "id: EXC-2\n"
    "policy: bucket\n"
    "resources: {name_regex: \"^www$\", labels: {env: prod}, kinds: [storage.bucket]}\n"
    "owner: web2\n"
    "reason: longer\n"
    "ticket: T-2\n"
    "expires: 2027-01-31\n";

static json_t *bucket(const char *name, const char *provider)
{
    char uid[128];
    snprintf(uid, sizeof uid, "%s:1:r:storage.bucket:%s", provider, name);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:s}, s:[{s:i}, {s:i}]}", "uid", uid,
                     "provider", provider, "kind", "storage.bucket", "region", "eu-west-2", "name",
                     name, "public", 1, "labels", "env", "prod", "owner", "ann", "rules", "id", 1,
                     "id", 2);
}

static json_t *evaluate(const policy_engine *engine, json_t *doc, int64_t now)
{
    json_t *decisions = json_array();
    assert_int_equal(policy_evaluate(engine, doc, now, decisions), 0);
    json_decref(doc);
    return decisions;
}

static const char *get(const json_t *decisions, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(decisions, i), key));
}

static void test_decision_fields_and_message(void **state)
{
    (void)state;
    policy_engine engine;
    char err[2048];
    assert_int_equal(fix_load(&engine, bucket_policy, err, sizeof err), 0);
    json_t *d = evaluate(&engine, bucket("logs", "aws"), FIX_NOW);
    assert_int_equal(json_array_size(d), 2);
    assert_string_equal(get(d, 0, "effect"), "deny");
    assert_string_equal(get(d, 0, "policy"), "bucket");
    assert_string_equal(get(d, 0, "rule"), "public");
    assert_string_equal(get(d, 0, "reason"), "logs in eu-west-2 is public; owner ann, rules 1, 2");
    assert_string_equal(get(d, 0, "severity"), "high");
    assert_string_equal(get(d, 0, "title"), "Buckets must be private");
    assert_string_equal(get(d, 0, "remediation"), "Make it private.");
    assert_null(json_object_get(json_array_get(d, 0), "mode"));
    assert_int_equal(json_object_size(json_array_get(d, 0)), 8);
    const json_t *compliance = json_object_get(json_array_get(d, 0), "compliance");
    assert_int_equal(json_array_size(compliance), 1);
    assert_string_equal(json_string_value(json_array_get(compliance, 0)), "CIS-AWS-2.1.5");
    assert_string_equal(get(d, 1, "effect"), "warn");
    assert_string_equal(get(d, 1, "severity"), "low");
    assert_string_equal(get(d, 1, "remediation"), "Look at it.");
    assert_string_equal(get(d, 1, "reason"), "Buckets must be private");
    json_decref(d);
    /* a missing template value shows as (missing); allow has its own reason */
    json_t *doc = bucket("data", "gcp");
    json_object_del(json_object_get(doc, "labels"), "owner");
    d = evaluate(&engine, doc, FIX_NOW);
    assert_string_equal(get(d, 0, "reason"),
                        "data in eu-west-2 is public; owner (missing), rules 1, 2");
    json_decref(d);
    doc = bucket("data", "gcp");
    json_object_set_new(doc, "public", json_false());
    d = evaluate(&engine, doc, FIX_NOW);
    assert_string_equal(get(d, 0, "effect"), "allow");
    assert_string_equal(get(d, 0, "reason"),
                        "ok: Buckets must be private (rule public does not apply)");
    json_decref(d);
    policy_engine_free(&engine);
}

static void test_match_and_exclude(void **state)
{
    (void)state;
    policy_engine engine;
    char err[2048];
    assert_int_equal(fix_load(&engine, bucket_policy, err, sizeof err), 0);
    json_t *doc = bucket("logs", "civo");
    json_t *d = evaluate(&engine, doc, FIX_NOW);
    assert_int_equal(json_array_size(d), 0); /* provider not matched */
    json_decref(d);
    doc = bucket("scratch-1", "aws");
    d = evaluate(&engine, doc, FIX_NOW);
    assert_int_equal(json_array_size(d), 0); /* excluded by name */
    json_decref(d);
    doc = bucket("logs", "aws");
    json_object_set_new(json_object_get(doc, "labels"), "env", json_string("staging"));
    d = evaluate(&engine, doc, FIX_NOW);
    assert_int_equal(json_array_size(d), 2); /* label glob */
    json_decref(d);
    doc = bucket("logs", "aws");
    json_object_set_new(json_object_get(doc, "labels"), "env", json_string("dev"));
    d = evaluate(&engine, doc, FIX_NOW);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    doc = bucket("logs", "aws");
    json_object_del(doc, "labels");
    d = evaluate(&engine, doc, FIX_NOW);
    assert_int_equal(json_array_size(d), 0); /* no labels: label selector fails */
    json_decref(d);
    doc = bucket("logs", "aws");
    json_object_set_new(doc, "kind", json_string("compute.volume"));
    d = evaluate(&engine, doc, FIX_NOW);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    d = evaluate(&engine, json_pack("{s:i}", "kind", 7), FIX_NOW); /* hostile: kind not a string */
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    d = evaluate(&engine, json_pack("[i]", 1), FIX_NOW); /* not even an object */
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    policy_engine_free(&engine);
}

static void test_audit_mode_and_request_documents(void **state)
{
    (void)state;
    policy_engine engine;
    char err[2048];
    assert_int_equal(fix_load(&engine,
                              "kind: Policy\nname: authz\nmode: audit\n"
                              "match: {kind: request, when: {path: action, eq: deploy}}\n"
                              "rules:\n  - name: group\n"
                              "    message: \"{{claims.sub}} lacks deployers\"\n"
                              "    when: {not: {path: claims.groups, contains: deployers}}\n",
                              err, sizeof err),
                     0);
    json_t *d = evaluate(&engine,
                         json_pack("{s:s, s:s, s:{s:s, s:[s]}}", "kind", "request", "action",
                                   "deploy", "claims", "sub", "bob", "groups", "dev"),
                         FIX_NOW);
    assert_string_equal(get(d, 0, "effect"), "warn");
    assert_string_equal(get(d, 0, "reason"), "bob lacks deployers");
    json_decref(d);
    d = evaluate(&engine, json_pack("{s:s, s:s}", "kind", "request", "action", "read"), FIX_NOW);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    /* a match.when that cannot be decided does not match */
    d = evaluate(&engine, json_pack("{s:s, s:i}", "kind", "request", "action", 3), FIX_NOW);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    policy_engine_free(&engine);
}

static void test_exceptions_at_the_boundary_second(void **state)
{
    (void)state;
    policy_engine engine;
    char err[4096], text[4096];
    snprintf(text, sizeof text, "%s%s", bucket_policy, exceptions);
    assert_int_equal(fix_load(&engine, text, err, sizeof err), 0);
    int64_t expires1 = 1798675200LL; /* 2026-12-31T00:00:00Z */
    /* EXC-1 (uid, rule public) and EXC-2 (name, all rules, until 2027-01-31) both cover www:
       the one expiring last is reported. */
    json_t *d = evaluate(&engine, bucket("www", "aws"), expires1 - 1);
    assert_string_equal(get(d, 0, "effect"), "allow");
    assert_string_equal(get(d, 0, "excepted_effect"), "deny");
    const json_t *ex = json_object_get(json_array_get(d, 0), "exception");
    assert_string_equal(json_string_value(json_object_get(ex, "id")), "EXC-2");
    assert_string_equal(json_string_value(json_object_get(ex, "owner")), "web2");
    assert_string_equal(json_string_value(json_object_get(ex, "ticket")), "T-2");
    assert_string_equal(json_string_value(json_object_get(ex, "expires")), "2027-01-31T00:00:00Z");
    assert_string_equal(get(d, 1, "effect"), "allow");
    assert_string_equal(get(d, 1, "excepted_effect"), "warn");
    json_decref(d);
    /* Only EXC-1 covers this uid: rule public only. */
    json_t *doc = bucket("www", "aws");
    json_object_set_new(doc, "name", json_string("www-2"));
    d = evaluate(&engine, json_deep_copy(doc), expires1 - 1);
    assert_string_equal(get(d, 0, "effect"), "allow");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(d, 0), "exception"), "id")),
                        "EXC-1");
    assert_null(json_object_get(json_object_get(json_array_get(d, 0), "exception"), "ticket"));
    assert_string_equal(get(d, 1, "effect"), "warn"); /* rule not listed in EXC-1 */
    assert_null(json_object_get(json_array_get(d, 1), "exception"));
    json_decref(d);
    /* at the expiry second it no longer applies, and the decision says so */
    d = evaluate(&engine, json_deep_copy(doc), expires1);
    assert_string_equal(get(d, 0, "effect"), "deny");
    assert_null(json_object_get(json_array_get(d, 0), "exception"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(d, 0), "expired_exception"), "id")),
                        "EXC-1");
    assert_non_null(
        strstr(get(d, 0, "reason"), "(exception EXC-1 expired at 2026-12-31T00:00:00Z)"));
    json_decref(d);
    d = evaluate(&engine, doc, expires1 + 86400 * 365);
    assert_string_equal(get(d, 0, "effect"), "deny");
    json_decref(d);
    /* an allow stays an allow: exceptions only change deny/warn */
    doc = bucket("www", "aws");
    json_object_set_new(doc, "public", json_false());
    d = evaluate(&engine, doc, expires1 - 1);
    assert_string_equal(get(d, 0, "effect"), "allow");
    assert_null(json_object_get(json_array_get(d, 0), "exception"));
    json_decref(d);
    policy_engine_free(&engine);
}

static void test_exception_horizon(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text,
             "%s---\nkind: PolicyException\nid: E\npolicy: bucket\n"
             "resources: {uids: [x]}\nowner: o\nreason: r\nexpires: 2027-11-24T12:00:01Z\n",
             bucket_policy);
    assert_string_equal(fix_load_error(text),
                        "F:25:10: expires: 2027-11-24T12:00:01Z is more than max_exception_days "
                        "(365) away; set it to 2027-11-23T12:00:00Z or earlier, and renew the "
                        "exception when it runs out");
    snprintf(text, sizeof text,
             "%s---\nkind: PolicyException\nid: E\npolicy: bucket\n"
             "resources: {uids: [x]}\nowner: o\nreason: r\nexpires: 2027-11-23T12:00:00Z\n",
             bucket_policy);
    policy_engine engine;
    char err[2048];
    assert_int_equal(fix_load(&engine, text, err, sizeof err), 0);
    policy_engine_free(&engine);
}

static void test_load_errors_name_line_and_column(void **state)
{
    (void)state;
    assert_string_equal(fix_load_error("kind: Policy\nname: p\nrules:\n  - name: r\n"
                                       "    when: {path: a, equals: 1}\n"),
                        "F:5:21: rules[0].when: unknown operator 'equals'; expected one of: eq, "
                        "ne, in, not_in, contains, starts_with, ends_with, regex, glob, present, "
                        "absent, empty, gt, ge, lt, le, older_than, newer_than, expires_within, "
                        "expired, before, after, time_between, weekday_in, cidr_public, "
                        "cidr_within, cidr_contains, cidr_overlaps, version_lt, version_le, "
                        "version_gt, version_ge, version_eq, size_gt, size_ge, size_lt, size_le, "
                        "ports_include, type (or some, every, none)");
    assert_string_equal(
        fix_load_error("kind: Policy\nname: p\nrules:\n  - name: r\n"
                       "    when:\n      any:\n        - {path: n, regex: \"(a\"}\n"),
        "F:7:28: rules[0].when.any[0].regex: invalid regex \"(a\": Unmatched ( or \\(");
    assert_string_equal(fix_load_error("kind: Policy\nname: p\nrules:\n  - {name: r, when: "
                                       "{path: \"a..b\", eq: 1}}\n"),
                        "F:4:28: rules[0].when.path: invalid path \"a..b\": empty key at offset 2 "
                        "(two dots, or a dot at the end)");
    assert_string_equal(fix_load_error("kind: Policy\nname: p\nrules: []\n"),
                        "F:3:8: rules: expected a non-empty list of rules, got an empty list");
    assert_string_equal(fix_load_error("kind: Policy\nname: p\nrules:\n  - {name: r, when: "
                                       "{path: a, eq: 1}}\n---\nkind: Policy\nname: p\nrules:\n"
                                       "  - {name: r, when: {path: a, eq: 1}}\n"),
                        "F:7:7: name: a policy named \"p\" is already defined at F:1:1; names must "
                        "be unique");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision_fields_and_message),
        cmocka_unit_test(test_match_and_exclude),
        cmocka_unit_test(test_audit_mode_and_request_documents),
        cmocka_unit_test(test_exceptions_at_the_boundary_second),
        cmocka_unit_test(test_exception_horizon),
        cmocka_unit_test(test_load_errors_name_line_and_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
