/* test_finding.c: resource checks, finding defaults and stable fingerprints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "finding.h"

static void severities_rank_in_order(void **state)
{
    (void)state;
    assert_int_equal(severity_rank("critical"), 4);
    assert_int_equal(severity_rank("high"), 3);
    assert_int_equal(severity_rank("medium"), 2);
    assert_int_equal(severity_rank("low"), 1);
    assert_int_equal(severity_rank("info"), 0);
    assert_int_equal(severity_rank("severe"), -1);
    assert_int_equal(severity_rank(NULL), -1);
}

static void resource_needs_uid_provider_kind(void **state)
{
    (void)state;
    diag err = {{0}};
    json_t *ok = json_pack("{s:s, s:s, s:s, s:{s:s}}", "uid", "aws:1:r:k:i", "provider", "aws",
                           "kind", "compute.instance", "labels", "env", "prod");
    assert_int_equal(resource_check(ok, &err), 0);
    json_t *no_kind = json_pack("{s:s, s:s}", "uid", "u", "provider", "aws");
    assert_int_equal(resource_check(no_kind, &err), -1);
    assert_string_equal(err.text, "field 'kind' must be a non-empty string");
    json_t *bad_label = json_pack("{s:s, s:s, s:s, s:{s:i}}", "uid", "u", "provider", "p", "kind",
                                  "k", "labels", "count", 3);
    assert_int_equal(resource_check(bad_label, &err), -1);
    assert_string_equal(err.text, "label 'count' must be a string");
    json_t *array = json_array();
    assert_int_equal(resource_check(array, &err), -1);
    json_decref(ok);
    json_decref(no_kind);
    json_decref(bad_label);
    json_decref(array);
}

static void finding_gets_defaults_and_resource(void **state)
{
    (void)state;
    diag err = {{0}};
    json_t *resource = json_pack("{s:s, s:s, s:s, s:s, s:s}", "uid", "civo:LON1:i-1", "provider",
                                 "civo", "kind", "compute.instance", "region", "LON1", "name",
                                 "web-1");
    json_t *finding = json_pack("{s:s}", "rule", "misconfig.ssh.open");
    assert_int_equal(finding_complete(finding, "misconfig", resource, &err), 0);
    assert_string_equal(json_string_value(json_object_get(finding, "severity")), "medium");
    assert_string_equal(json_string_value(json_object_get(finding, "status")), "fail");
    assert_string_equal(json_string_value(json_object_get(finding, "source")), "misconfig");
    const json_t *ref = json_object_get(finding, "resource");
    assert_string_equal(json_string_value(json_object_get(ref, "uid")), "civo:LON1:i-1");
    assert_string_equal(json_string_value(json_object_get(ref, "name")), "web-1");
    assert_int_equal(strlen(json_string_value(json_object_get(finding, "fingerprint"))), 64);
    json_decref(finding);
    json_decref(resource);
}

static void finding_rejects_bad_values(void **state)
{
    (void)state;
    diag err = {{0}};
    json_t *no_rule = json_pack("{s:s}", "severity", "high");
    assert_int_equal(finding_complete(no_rule, "x", NULL, &err), -1);
    assert_string_equal(err.text, "field 'rule' must be a non-empty string");
    json_t *bad_severity = json_pack("{s:s, s:s}", "rule", "r", "severity", "urgent");
    assert_int_equal(finding_complete(bad_severity, "x", NULL, &err), -1);
    assert_string_equal(err.text, "finding for rule 'r': severity must be one of critical, "
                                  "high, medium, low, info");
    json_t *bad_status = json_pack("{s:s, s:s}", "rule", "r", "status", "maybe");
    assert_int_equal(finding_complete(bad_status, "x", NULL, &err), -1);
    assert_string_equal(err.text, "finding for rule 'r': status must be fail, pass or error");
    json_decref(no_rule);
    json_decref(bad_severity);
    json_decref(bad_status);
}

static void fingerprint_is_stable_and_discriminating(void **state)
{
    (void)state;
    char a[65], b[65], c[65], d[65];
    json_t *ev1 = json_pack("{s:i, s:s}", "port", 22, "cidr", "0.0.0.0/0");
    json_t *ev2 = json_pack("{s:s, s:i}", "cidr", "0.0.0.0/0", "port", 22); /* same, reordered */
    json_t *ev3 = json_pack("{s:i, s:s}", "port", 3389, "cidr", "0.0.0.0/0");
    finding_fingerprint("rule", "uid-1", ev1, a);
    finding_fingerprint("rule", "uid-1", ev2, b);
    finding_fingerprint("rule", "uid-1", ev3, c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    /* Field boundaries matter: ("ab","c") differs from ("a","bc"). */
    finding_fingerprint("ab", "c", NULL, c);
    finding_fingerprint("a", "bc", NULL, d);
    assert_string_not_equal(c, d);
    /* A known value, so fingerprints never change across releases unnoticed:
       sha256("rule\0uid-1\0") as printf 'rule\0uid-1\0' | sha256sum gives it. */
    finding_fingerprint("rule", "uid-1", NULL, d);
    assert_string_equal(d, "a6e27303ce4963fe4d5d72f1a78af332f28901c416b4ca46c3142eddb0ccca45");
    json_decref(ev1);
    json_decref(ev2);
    json_decref(ev3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(severities_rank_in_order),
        cmocka_unit_test(resource_needs_uid_provider_kind),
        cmocka_unit_test(finding_gets_defaults_and_resource),
        cmocka_unit_test(finding_rejects_bad_values),
        cmocka_unit_test(fingerprint_is_stable_and_discriminating),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
