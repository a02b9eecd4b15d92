/* test_finding.c: the resource model's checks and defaults, finding defaults and stable
   fingerprints. */
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

/* A complete resource as the model (docs/model.md) has it. */
static json_t *full_resource(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:s, s:b, s:b, "
                     "s:f, s:{s:i}}",
                     "uid", "aws:1:eu-west-2:compute.instance:i-1", "provider", "aws", "account",
                     "1", "region", "eu-west-2", "kind", "compute.instance", "native_type",
                     "ec2:instance", "id", "i-1", "name", "web-1", "state", "running", "labels",
                     "env", "prod", "created_at", "2026-01-02T03:04:05Z", "public", 1, "encrypted",
                     0, "monthly_cost", 31.5, "attributes", "cpus", 2);
}

/* resource_complete on `resource` with `key` set to `value` (removed when NULL) must fail
   with exactly `message`. Takes `value`. */
static void assert_refused(const char *key, json_t *value, const char *message)
{
    diag err = {{0}};
    json_t *resource = full_resource();
    if (value)
        json_object_set_new(resource, key, value);
    else
        json_object_del(resource, key);
    assert_int_equal(resource_complete(resource, &err), -1);
    assert_string_equal(err.text, message);
    json_decref(resource);
}

static void resource_complete_keeps_a_full_resource(void **state)
{
    (void)state;
    diag err = {{0}};
    json_t *resource = full_resource();
    json_t *before = json_deep_copy(resource);
    assert_int_equal(resource_complete(resource, &err), 0);
    assert_true(json_equal(resource, before));
    /* nulls are allowed wherever the model allows them, and other keys pass through */
    static const char *const nullable[] = {"account",   "region",       "native_type", "id",
                                           "name",      "state",        "created_at",  "public",
                                           "encrypted", "monthly_cost", "stopped_at"};
    for (size_t i = 0; i < sizeof nullable / sizeof nullable[0]; i++)
        json_object_set_new(resource, nullable[i], json_null());
    json_object_set_new(resource, "extra", json_string("kept"));
    json_object_set_new(resource, "monthly_cost", json_integer(3));
    assert_int_equal(resource_complete(resource, &err), 0);
    assert_true(json_is_null(json_object_get(resource, "region")));
    assert_int_equal(json_integer_value(json_object_get(resource, "monthly_cost")), 3);
    assert_string_equal(json_string_value(json_object_get(resource, "extra")), "kept");
    json_decref(resource);
    json_decref(before);
}

static void resource_complete_fills_absent_fields(void **state)
{
    (void)state;
    diag err = {{0}};
    json_t *resource = json_pack("{s:s, s:s, s:s}", "uid", "civo:acct:LON1:compute.volume:v-1",
                                 "provider", "civo", "kind", "compute.volume");
    assert_int_equal(resource_complete(resource, &err), 0);
    static const char *const nulls[] = {"account",   "region",      "native_type", "id",
                                        "name",      "state",       "created_at",  "public",
                                        "encrypted", "monthly_cost"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++) {
        const json_t *value = json_object_get(resource, nulls[i]);
        assert_non_null(value);
        assert_true(json_is_null(value));
    }
    /* labels and attributes are objects, {} when there are none */
    assert_true(json_is_object(json_object_get(resource, "labels")));
    assert_int_equal(json_object_size(json_object_get(resource, "labels")), 0);
    assert_true(json_is_object(json_object_get(resource, "attributes")));
    assert_int_equal(json_object_size(json_object_get(resource, "attributes")), 0);
    /* an extension the model names is not invented */
    assert_null(json_object_get(resource, "stopped_at"));
    assert_int_equal(json_object_size(resource), 15);
    /* null labels and attributes become {} too */
    json_object_set_new(resource, "labels", json_null());
    json_object_set_new(resource, "attributes", json_null());
    assert_int_equal(resource_complete(resource, &err), 0);
    assert_true(json_is_object(json_object_get(resource, "labels")));
    assert_true(json_is_object(json_object_get(resource, "attributes")));
    json_decref(resource);
}

static void resource_complete_refuses_missing_required_fields(void **state)
{
    (void)state;
    assert_refused("uid", NULL,
                   "field 'uid': expected a non-empty string, got nothing (the field is missing)");
    assert_refused("uid", json_null(), "field 'uid': expected a non-empty string, got null");
    assert_refused("uid", json_string(""),
                   "field 'uid': expected a non-empty string, got an empty string");
    assert_refused("provider", json_integer(7),
                   "field 'provider' of aws:1:eu-west-2:compute.instance:i-1: expected a "
                   "non-empty string, got the number 7");
    assert_refused("kind", NULL,
                   "field 'kind' of aws:1:eu-west-2:compute.instance:i-1: expected a non-empty "
                   "string, got nothing (the field is missing)");
}

static void resource_complete_refuses_wrong_types(void **state)
{
    (void)state;
    assert_refused("account", json_integer(123456789012),
                   "field 'account' of aws:1:eu-west-2:compute.instance:i-1: expected a string "
                   "or null, got the number 123456789012");
    assert_refused("id", json_integer(42),
                   "field 'id' of aws:1:eu-west-2:compute.instance:i-1: expected a string or "
                   "null, got the number 42");
    assert_refused("region", json_array(),
                   "field 'region' of aws:1:eu-west-2:compute.instance:i-1: expected a string or "
                   "null, got an array");
    assert_refused("native_type", json_true(),
                   "field 'native_type' of aws:1:eu-west-2:compute.instance:i-1: expected a "
                   "string or null, got true");
    assert_refused("name", json_object(),
                   "field 'name' of aws:1:eu-west-2:compute.instance:i-1: expected a string or "
                   "null, got an object");
    assert_refused("state", json_false(),
                   "field 'state' of aws:1:eu-west-2:compute.instance:i-1: expected a string or "
                   "null, got false");
    assert_refused("created_at", json_integer(1767323045),
                   "field 'created_at' of aws:1:eu-west-2:compute.instance:i-1: expected a "
                   "string or null, got the number 1767323045");
    assert_refused("stopped_at", json_real(1.5),
                   "field 'stopped_at' of aws:1:eu-west-2:compute.instance:i-1: expected a "
                   "string or null, got the number 1.5");
    assert_refused("public", json_string("yes"),
                   "field 'public' of aws:1:eu-west-2:compute.instance:i-1: expected true, false "
                   "or null, got the string \"yes\"");
    assert_refused("encrypted", json_integer(1),
                   "field 'encrypted' of aws:1:eu-west-2:compute.instance:i-1: expected true, "
                   "false or null, got the number 1");
    assert_refused("monthly_cost", json_string("31.50 USD"),
                   "field 'monthly_cost' of aws:1:eu-west-2:compute.instance:i-1: expected a "
                   "number or null, got the string \"31.50 USD\"");
    assert_refused("attributes", json_string("none"),
                   "field 'attributes' of aws:1:eu-west-2:compute.instance:i-1: expected an "
                   "object, got the string \"none\"");
    /* a long string is shown cut, never inside a UTF-8 sequence (é is 2 bytes at 39-40) */
    assert_refused("public", json_string("012345678901234567890123456789012345678é and more"),
                   "field 'public' of aws:1:eu-west-2:compute.instance:i-1: expected true, false "
                   "or null, got the string \"012345678901234567890123456789012345678...\"");
}

static void resource_complete_refuses_bad_labels(void **state)
{
    (void)state;
    assert_refused("labels", json_pack("[s]", "env=prod"),
                   "field 'labels' of aws:1:eu-west-2:compute.instance:i-1: expected an object "
                   "of strings, got an array");
    assert_refused("labels", json_string("env=prod"),
                   "field 'labels' of aws:1:eu-west-2:compute.instance:i-1: expected an object "
                   "of strings, got the string \"env=prod\"");
    assert_refused("labels", json_pack("{s:s, s:i}", "env", "prod", "count", 3),
                   "field 'labels.count' of aws:1:eu-west-2:compute.instance:i-1: expected a "
                   "string, got the number 3");
    assert_refused("labels", json_pack("{s:n}", "owner"),
                   "field 'labels.owner' of aws:1:eu-west-2:compute.instance:i-1: expected a "
                   "string, got null");
}

static void resource_complete_refuses_non_objects(void **state)
{
    (void)state;
    diag err = {{0}};
    json_t *array = json_array();
    assert_int_equal(resource_complete(array, &err), -1);
    assert_string_equal(err.text, "a resource must be a JSON object, got an array");
    assert_int_equal(resource_complete(NULL, &err), -1);
    assert_string_equal(err.text, "a resource must be a JSON object, got nothing");
    json_decref(array);
}

static void finding_gets_defaults_and_resource(void **state)
{
    (void)state;
    diag err = {{0}};
    json_t *resource =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "uid", "civo:LON1:i-1", "provider", "civo", "kind",
                  "compute.instance", "region", "LON1", "name", "web-1");
    json_t *finding = json_pack("{s:s}", "rule", "misconfig.ssh.open");
    assert_int_equal(finding_complete(finding, "misconfig", resource, &err), 0);
    assert_string_equal(json_string_value(json_object_get(finding, "severity")), "medium");
    assert_string_equal(json_string_value(json_object_get(finding, "status")), "fail");
    assert_string_equal(json_string_value(json_object_get(finding, "source")), "misconfig");
    const json_t *ref = json_object_get(finding, "resource");
    assert_string_equal(json_string_value(json_object_get(ref, "uid")), "civo:LON1:i-1");
    assert_string_equal(json_string_value(json_object_get(ref, "name")), "web-1");
    /* every field of the reference is there: null when unknown, labels {} when none */
    assert_true(json_is_null(json_object_get(ref, "account")));
    assert_true(json_is_object(json_object_get(ref, "labels")));
    assert_int_equal(json_object_size(ref), 7);
    assert_int_equal(strlen(json_string_value(json_object_get(finding, "fingerprint"))), 64);
    /* a finding about no resource (a scanner's finish) has "resource": null */
    json_t *whole = json_pack("{s:s}", "rule", "misconfig.summary");
    assert_int_equal(finding_complete(whole, "misconfig", NULL, &err), 0);
    assert_true(json_is_null(json_object_get(whole, "resource")));
    json_decref(whole);
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

/* The fingerprint of `evidence` (taken) under a fixed rule and uid. */
static void fingerprint_of(json_t *evidence, char out[65])
{
    finding_fingerprint("rule", "uid-1", evidence, out);
    json_decref(evidence);
}

static void fingerprint_numbers_are_canonical(void **state)
{
    (void)state;
    char a[65], b[65];
    /* 0.1 + 0.2 is 0.30000000000000004 in a double: rounded to 12 digits, it is 0.3 */
    fingerprint_of(json_pack("{s:f}", "ratio", 0.1 + 0.2), a);
    fingerprint_of(json_pack("{s:f}", "ratio", 0.3), b);
    assert_string_equal(a, b);
    /* whole numbers are integers, whether a plugin gave 3.0 or 3, nested anywhere */
    fingerprint_of(json_pack("{s:[f, {s:f}]}", "ports", 3.0, "cost", 1e6), a);
    fingerprint_of(json_pack("{s:[i, {s:i}]}", "ports", 3, "cost", 1000000), b);
    assert_string_equal(a, b);
    fingerprint_of(json_real(-0.0), a);
    fingerprint_of(json_integer(0), b);
    assert_string_equal(a, b);
    /* what is hashed for a whole number is the integer's text:
       printf 'rule\0uid-1\0%s' 3 | sha256sum gives it */
    fingerprint_of(json_real(3.0000000000001), a);
    assert_string_equal(a, "7e0ade93974ec6f42708eea0ee131c4b16e9dc21bbbf297f9310ed1e49590a9a");
    /* differences within 12 significant digits still count */
    fingerprint_of(json_pack("{s:f}", "ratio", 0.123456789012), a);
    fingerprint_of(json_pack("{s:f}", "ratio", 0.123456789013), b);
    assert_string_not_equal(a, b);
    fingerprint_of(json_real(1.5e-20 * (1 + 1e-14)), a);
    fingerprint_of(json_real(1.5e-20), b);
    assert_string_equal(a, b);
    /* beyond 2^53 a whole number stays a real (a json integer could not hold it exactly) */
    json_t *big = finding_canonical_number(1e300);
    assert_true(json_is_real(big));
    json_decref(big);
    json_t *whole = finding_canonical_number(123456789012.0);
    assert_true(json_is_integer(whole));
    assert_int_equal(json_integer_value(whole), 123456789012LL);
    json_decref(whole);
    whole = finding_canonical_number(1234567890123.0); /* 13 digits: the last one rounded */
    assert_true(json_is_integer(whole));
    assert_int_equal(json_integer_value(whole), 1234567890120LL);
    json_decref(whole);
    /* the caller's evidence is not changed */
    json_t *evidence = json_pack("{s:f}", "ratio", 0.1 + 0.2);
    finding_fingerprint("rule", "uid-1", evidence, a);
    assert_true(json_is_real(json_object_get(evidence, "ratio")));
    assert_true(json_real_value(json_object_get(evidence, "ratio")) == 0.1 + 0.2);
    json_decref(evidence);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(severities_rank_in_order),
        cmocka_unit_test(resource_complete_keeps_a_full_resource),
        cmocka_unit_test(resource_complete_fills_absent_fields),
        cmocka_unit_test(resource_complete_refuses_missing_required_fields),
        cmocka_unit_test(resource_complete_refuses_wrong_types),
        cmocka_unit_test(resource_complete_refuses_bad_labels),
        cmocka_unit_test(resource_complete_refuses_non_objects),
        cmocka_unit_test(finding_gets_defaults_and_resource),
        cmocka_unit_test(finding_rejects_bad_values),
        cmocka_unit_test(fingerprint_is_stable_and_discriminating),
        cmocka_unit_test(fingerprint_numbers_are_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
