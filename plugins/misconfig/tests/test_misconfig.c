/* test_misconfig.c: unit tests of the misconfig scanner against the fake host
   (tests/support/fawkes_fake_host.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fawkes_fake_host.h"
#include "misconfig.h"

/* ---- helpers ---- */

static void *new_instance(const char *config_text)
{
    fwk_ctx *ctx = fake_host_ctx_new();
    json_t *config = json_loads(config_text, 0, NULL);
    void *instance = NULL;

    assert_non_null(config);
    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, &instance), FWK_OK);
    json_decref(config);
    fake_host_ctx_free(ctx);
    return instance;
}

/* Scan the resource in `text` with `instance`; returns the findings (new reference). */
static json_t *scan_with(void *instance, const char *text, fwk_status expect)
{
    const fwk_scanner_vtable *vt = fawkes_plugin_describe()->vtable;
    fwk_ctx *ctx = fake_host_ctx_new();
    json_error_t err;
    json_t *resource = json_loads(text, 0, &err);
    json_t *findings;

    if (!resource)
        fail_msg("bad test resource: %s: %s", err.text, text);
    assert_int_equal(vt->scan_resource(ctx, instance, resource), expect);
    json_decref(resource);
    findings = json_incref(fake_host_findings(ctx));
    fake_host_ctx_free(ctx);
    return findings;
}

/* Scan with the default config. */
static json_t *scan(const char *text)
{
    void *instance = new_instance("{}");
    json_t *findings = scan_with(instance, text, FWK_OK);

    fawkes_plugin_describe()->fini(instance);
    return findings;
}

static const char *field(const json_t *finding, const char *key)
{
    return json_string_value(json_object_get(finding, key));
}

/* Assert `findings` hold exactly the rules in `rules` (space-separated, in order). */
static void assert_rules(const json_t *findings, const char *rules)
{
    char buf[512] = "";
    size_t i, used = 0;
    const json_t *f;

    json_array_foreach (findings, i, f)
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? " " : "",
                                 field(f, "rule"));
    assert_string_equal(buf, rules);
}

#define LABELED "\"labels\": {\"owner\": \"team-a\", \"env\": \"prod\"}"
#define AWS "\"provider\": \"aws\", \"account\": \"123456789012\", \"region\": \"eu-west-2\""

/* ---- tests ---- */

static void test_descriptor(void **state)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();

    (void)state;
    assert_int_equal(desc->kind, FWK_KIND_SCANNER);
    assert_string_equal(desc->name, "misconfig");
    assert_string_equal(desc->options[0].name, "required_labels");
    assert_string_equal(desc->options[0].default_json, "[\"owner\", \"env\"]");
    assert_string_equal(desc->options[1].name, "disabled_rules");
    assert_string_equal(desc->options[2].name, "stopped_days");
    assert_null(desc->options[3].name);
    assert_int_equal(misconfig_rule_find("misconfig.bucket.public"), MISCONFIG_BUCKET_PUBLIC);
    assert_int_equal(misconfig_rule_find("misconfig.nope"), -1);
}

static void test_bucket_public(void **state)
{
    json_t *f;

    (void)state;
    f = scan(
        "{\"uid\": \"u\", " AWS ", \"kind\": \"storage.bucket\", \"native_type\": "
        "\"s3:bucket\", \"name\": \"acme-logs\", \"public\": true, \"encrypted\": true, " LABELED
        "}");
    assert_rules(f, "misconfig.bucket.public");
    assert_string_equal(field(json_array_get(f, 0), "severity"), "critical");
    assert_string_equal(field(json_array_get(f, 0), "status"), "fail");
    assert_string_equal(field(json_array_get(f, 0), "title"),
                        "Storage bucket is publicly accessible");
    assert_string_equal(field(json_array_get(f, 0), "message"),
                        "s3:bucket acme-logs is "
                        "publicly accessible: anyone on the internet can reach its objects");
    assert_json_equal(json_object_get(json_array_get(f, 0), "evidence"), "{\"public\": true}");
    assert_json_equal(json_object_get(json_array_get(f, 0), "compliance"),
                      "[\"CIS-AWS-2.1.5\", \"AWS-FSBP-S3.8\"]");
    assert_non_null(strstr(field(json_array_get(f, 0), "remediation"), "put-public-access-block"));
    json_decref(f);

    f = scan("{\"uid\": \"u\", \"provider\": \"gcp\", \"kind\": \"storage.bucket\", "
             "\"public\": true, \"encrypted\": true, " LABELED "}");
    assert_rules(f, "misconfig.bucket.public");
    assert_json_equal(json_object_get(json_array_get(f, 0), "compliance"), "[\"CIS-GCP-5.1\"]");
    json_decref(f);

    f = scan("{\"uid\": \"u\", \"provider\": \"civo\", \"kind\": \"storage.bucket\", "
             "\"public\": true, \"encrypted\": true, " LABELED "}");
    assert_json_equal(json_object_get(json_array_get(f, 0), "compliance"), "[]");
    json_decref(f);

    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"storage.bucket\", \"public\": false, "
             "\"encrypted\": true, " LABELED "}");
    assert_rules(f, "");
    json_decref(f);
}

static void test_unknown_fields_are_not_judged(void **state)
{
    json_t *f;

    (void)state;
    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"storage.bucket\", \"public\": null, " LABELED
             "}");
    assert_rules(f, "");
    json_decref(f);
    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"database.instance\"}");
    assert_rules(f, "");
    json_decref(f);
    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"compute.instance\", \"state\": \"stopped\", "
             "\"monthly_cost\": 30.0, " LABELED "}");
    assert_rules(f, "");
    json_decref(f);
}

static void test_wrong_type_is_an_error_finding(void **state)
{
    json_t *f;

    (void)state;
    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"storage.bucket\", \"name\": \"b\", "
             "\"public\": \"yes\", \"encrypted\": true, " LABELED "}");
    assert_rules(f, "misconfig.bucket.public");
    assert_string_equal(field(json_array_get(f, 0), "status"), "error");
    assert_string_equal(field(json_array_get(f, 0), "message"),
                        "could not evaluate "
                        "storage.bucket b: \"public\" is a string; expected true, false or null "
                        "(fix the provider's output)");
    json_decref(f);
}

static void test_database_public_and_unencrypted(void **state)
{
    json_t *f;

    (void)state;
    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"database.instance\", \"native_type\": "
             "\"rds:db\", \"id\": \"orders\", \"public\": true, \"encrypted\": false, " LABELED
             "}");
    assert_rules(f, "misconfig.database.public misconfig.database.unencrypted");
    assert_string_equal(field(json_array_get(f, 0), "severity"), "critical");
    assert_json_equal(json_object_get(json_array_get(f, 0), "compliance"),
                      "[\"CIS-AWS-2.3.3\", \"AWS-FSBP-RDS.2\"]");
    assert_string_equal(field(json_array_get(f, 1), "severity"), "high");
    assert_string_equal(field(json_array_get(f, 1), "message"),
                        "rds:db orders is not encrypted "
                        "at rest: its data is readable by anyone who gets the underlying storage "
                        "or a snapshot of it");
    assert_json_equal(json_object_get(json_array_get(f, 1), "evidence"), "{\"encrypted\": false}");
    json_decref(f);
}

static void test_unencrypted_volume_and_bucket(void **state)
{
    json_t *f;

    (void)state;
    f = scan("{\"uid\": \"u\", " AWS
             ", \"kind\": \"compute.volume\", \"encrypted\": false, " LABELED "}");
    assert_rules(f, "misconfig.volume.unencrypted");
    assert_json_equal(json_object_get(json_array_get(f, 0), "compliance"),
                      "[\"CIS-AWS-2.2.1\", \"AWS-FSBP-EC2.3\"]");
    json_decref(f);
    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"compute.volume\", \"encrypted\": true, " LABELED
             "}");
    assert_rules(f, "");
    json_decref(f);
    f = scan("{\"uid\": \"u\", \"provider\": \"gcp\", \"kind\": \"storage.bucket\", "
             "\"public\": false, \"encrypted\": false, " LABELED "}");
    assert_rules(f, "misconfig.bucket.unencrypted");
    assert_string_equal(field(json_array_get(f, 0), "severity"), "high");
    json_decref(f);
    /* Kinds the check does not cover are left alone. */
    f = scan("{\"uid\": \"u\", " AWS
             ", \"kind\": \"compute.instance\", \"encrypted\": false, " LABELED "}");
    assert_rules(f, "");
    json_decref(f);
}

#define FIREWALL(rules)                                                                            \
    "{\"uid\": \"fw\", " AWS ", \"kind\": \"network.firewall\", "                                  \
    "\"native_type\": \"ec2:security-group\", \"name\": \"web\", " LABELED ", "                    \
    "\"attributes\": {\"GroupId\": \"sg-1\", \"rules\": " rules "}}"

static void test_firewall_ssh(void **state)
{
    json_t *f;

    (void)state;
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"22\", "
                      "\"cidrs\": [\"10.0.0.0/8\", \"0.0.0.0/0\"], \"action\": \"allow\"}]"));
    assert_rules(f, "misconfig.firewall.ssh_open");
    assert_string_equal(field(json_array_get(f, 0), "severity"), "high");
    assert_string_equal(field(json_array_get(f, 0), "message"),
                        "ec2:security-group web allows "
                        "SSH (tcp/22) from the internet: rules[0] tcp 22 from 0.0.0.0/0");
    assert_json_equal(json_object_get(json_array_get(f, 0), "evidence"),
                      "{\"rules\": [{\"index\": 0, \"protocol\": \"tcp\", \"ports\": \"22\", "
                      "\"cidrs\": [\"0.0.0.0/0\"]}]}");
    assert_json_equal(json_object_get(json_array_get(f, 0), "compliance"),
                      "[\"CIS-AWS-5.2\", \"CIS-AWS-5.3\", \"AWS-FSBP-EC2.13\"]");
    json_decref(f);

    /* A range around 22 exposes SSH and other ports. */
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"20-30\", "
                      "\"cidrs\": [\"0.0.0.0/0\"]}]"));
    assert_rules(f, "misconfig.firewall.ssh_open misconfig.firewall.ingress_open");
    assert_string_equal(field(json_array_get(f, 1), "severity"), "medium");
    json_decref(f);

    /* Known sources, egress and deny rules are fine. */
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"22\", "
                      "\"cidrs\": [\"10.0.0.0/8\"]},"
                      "{\"direction\": \"egress\", \"protocol\": \"all\", \"ports\": \"all\", "
                      "\"cidrs\": [\"0.0.0.0/0\"]},"
                      "{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"22\", "
                      "\"cidrs\": [\"0.0.0.0/0\"], \"action\": \"deny\"},"
                      "{\"direction\": \"ingress\", \"protocol\": \"icmp\", "
                      "\"cidrs\": [\"0.0.0.0/0\"]}]"));
    assert_rules(f, "");
    json_decref(f);

    /* A disabled rule (GCP) lets nothing through; a disabled flag that is not a boolean is an
       unreadable rule. */
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"22\", "
                      "\"cidrs\": [\"0.0.0.0/0\"], \"disabled\": true}]"));
    assert_rules(f, "");
    json_decref(f);
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"22\", "
                      "\"cidrs\": [\"0.0.0.0/0\"], \"disabled\": false}]"));
    assert_rules(f, "misconfig.firewall.ssh_open");
    json_decref(f);
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"22\", "
                      "\"cidrs\": [\"0.0.0.0/0\"], \"disabled\": \"yes\"}]"));
    assert_rules(f, "misconfig.firewall.ssh_open misconfig.firewall.rdp_open "
                    "misconfig.firewall.ingress_open");
    assert_string_equal(field(json_array_get(f, 0), "status"), "error");
    json_decref(f);
}

static void test_firewall_rdp_and_any_port(void **state)
{
    json_t *f;

    (void)state;
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": [\"3389\"], "
                      "\"cidrs\": [\"::/0\"]}]"));
    assert_rules(f, "misconfig.firewall.rdp_open");
    json_decref(f);

    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"443\", "
                      "\"cidrs\": [\"0.0.0.0/0\"]}]"));
    assert_rules(f, "misconfig.firewall.ingress_open");
    assert_string_equal(field(json_array_get(f, 0), "message"),
                        "ec2:security-group web allows "
                        "inbound traffic from the internet: rules[0] tcp 443 from 0.0.0.0/0");
    json_decref(f);

    /* Everything open: all three, each listing the rule. */
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"-1\", "
                      "\"cidrs\": [\"0.0.0.0/0\", \"::/0\"]}]"));
    assert_rules(f, "misconfig.firewall.ssh_open misconfig.firewall.rdp_open "
                    "misconfig.firewall.ingress_open");
    assert_json_equal(json_object_get(json_array_get(f, 2), "evidence"),
                      "{\"rules\": [{\"index\": 0, \"protocol\": \"-1\", \"ports\": \"all\", "
                      "\"cidrs\": [\"0.0.0.0/0\", \"::/0\"]}]}");
    json_decref(f);

    /* UDP 22 is not SSH, but it is an open port. */
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"udp\", \"ports\": 22, "
                      "\"cidrs\": [\"0.0.0.0/0\"]}]"));
    assert_rules(f, "misconfig.firewall.ingress_open");
    json_decref(f);
}

static void test_firewall_malformed(void **state)
{
    json_t *f;
    size_t i;

    (void)state;
    f = scan(FIREWALL("\"oops\""));
    assert_rules(f, "misconfig.firewall.ssh_open misconfig.firewall.rdp_open "
                    "misconfig.firewall.ingress_open");
    for (i = 0; i < 3; i++) {
        assert_string_equal(field(json_array_get(f, i), "status"), "error");
        assert_json_equal(json_object_get(json_array_get(f, i), "evidence"),
                          "{\"problem\": \"attributes.rules: expected a list of rules, got a "
                          "string\"}");
    }
    assert_string_equal(field(json_array_get(f, 0), "message"),
                        "could not evaluate "
                        "ec2:security-group web: attributes.rules: expected a list of rules, got "
                        "a string (1 unreadable rule); fix the provider's output");
    json_decref(f);

    /* One bad rule: what can be judged is, the rest is an error. */
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"abc\", "
                      "\"cidrs\": [\"0.0.0.0/0\"]},"
                      "{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"22\", "
                      "\"cidrs\": [\"0.0.0.0/0\"]}, 7]"));
    assert_rules(f, "misconfig.firewall.ssh_open misconfig.firewall.rdp_open "
                    "misconfig.firewall.ingress_open");
    assert_string_equal(field(json_array_get(f, 0), "status"), "fail");
    assert_string_equal(field(json_array_get(f, 1), "status"), "error");
    assert_string_equal(field(json_array_get(f, 1), "message"),
                        "could not evaluate "
                        "ec2:security-group web: attributes.rules[0].ports: expected a port "
                        "(\"22\", \"20-30\", \"all\"), got \"abc\" (2 unreadable rules); fix the "
                        "provider's output");
    json_decref(f);

    f = scan(FIREWALL("[{\"direction\": \"sideways\", \"protocol\": \"tcp\", \"cidrs\": []}]"));
    assert_json_equal(json_object_get(json_array_get(f, 0), "evidence"),
                      "{\"problem\": "
                      "\"attributes.rules[0].direction: expected \\\"ingress\\\" or "
                      "\\\"egress\\\", got sideways\"}");
    json_decref(f);
    f = scan(FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", \"ports\": \"30-20\", "
                      "\"cidrs\": [\"0.0.0.0/0\"]}]"));
    assert_string_equal(field(json_array_get(f, 0), "status"), "error");
    json_decref(f);

    /* No rules attribute at all: unknown, nothing to say. */
    f = scan("{\"uid\": \"fw\", " AWS ", \"kind\": \"network.firewall\", " LABELED "}");
    assert_rules(f, "");
    json_decref(f);
}

static void test_disabled_rules(void **state)
{
    void *instance;
    json_t *f;
    fwk_ctx *ctx = fake_host_ctx_new();
    json_t *config;

    (void)state;
    instance = new_instance("{\"disabled_rules\": [\"misconfig.firewall.ssh_open\", "
                            "\"misconfig.labels.missing\"]}");
    f = scan_with(instance,
                  FIREWALL("[{\"direction\": \"ingress\", \"protocol\": \"tcp\", "
                           "\"ports\": \"0-65535\", \"cidrs\": [\"0.0.0.0/0\"]}]"),
                  FWK_OK);
    assert_rules(f, "misconfig.firewall.rdp_open misconfig.firewall.ingress_open");
    json_decref(f);
    f = scan_with(instance,
                  "{\"uid\": \"u\", " AWS ", \"kind\": \"compute.volume\", "
                  "\"labels\": {}}",
                  FWK_OK);
    assert_rules(f, "");
    json_decref(f);
    fawkes_plugin_describe()->fini(instance);

    config = json_loads("{\"disabled_rules\": [\"misconfig.bucket.public\", \"ssh\"]}", 0, NULL);
    instance = (void *)1;
    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, &instance),
                     FWK_ERROR);
    assert_null(instance);
    assert_int_equal(strncmp(fake_host_failure(ctx),
                             "disabled_rules[1]: unknown rule \"ssh\"; the rules are: "
                             "misconfig.bucket.public, misconfig.database.public, ",
                             104),
                     0);
    json_decref(config);
    fake_host_ctx_free(ctx);
}

static void test_labels(void **state)
{
    void *instance;
    json_t *f;

    (void)state;
    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"compute.instance\", \"name\": \"web-1\", "
             "\"native_type\": \"ec2:instance\", \"labels\": {\"Name\": \"web-1\"}}");
    assert_rules(f, "misconfig.labels.missing");
    assert_string_equal(field(json_array_get(f, 0), "severity"), "low");
    assert_string_equal(field(json_array_get(f, 0), "message"),
                        "ec2:instance web-1 lacks the required labels owner, env");
    assert_json_equal(json_object_get(json_array_get(f, 0), "evidence"),
                      "{\"missing\": [\"owner\", \"env\"]}");
    json_decref(f);

    /* Keys compare case-insensitively; empty values count as missing. */
    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"compute.instance\", \"name\": \"web-1\", "
             "\"labels\": {\"Owner\": \"team-a\", \"env\": \"\"}}");
    assert_rules(f, "misconfig.labels.missing");
    assert_string_equal(field(json_array_get(f, 0), "message"),
                        "compute.instance web-1 lacks the required label env");
    json_decref(f);

    /* A native type whose API has no labels is not judged: nobody could add them. */
    f = scan("{\"uid\": \"u\", \"provider\": \"gcp\", \"kind\": \"network.firewall\", "
             "\"native_type\": \"compute:firewall\", \"labels\": {}}");
    assert_rules(f, "");
    json_decref(f);
    f = scan("{\"uid\": \"u\", \"provider\": \"civo\", \"kind\": \"compute.volume\", "
             "\"native_type\": \"civo:volume\", \"labels\": {}}");
    assert_rules(f, "");
    json_decref(f);

    /* No labels field: unknown. Labels of the wrong type: an error. */
    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"iam.policy\"}");
    assert_rules(f, "");
    json_decref(f);
    f = scan("{\"uid\": \"u\", " AWS ", \"kind\": \"iam.policy\", \"labels\": [\"owner\"]}");
    assert_rules(f, "misconfig.labels.missing");
    assert_string_equal(field(json_array_get(f, 0), "status"), "error");
    json_decref(f);

    instance = new_instance("{\"required_labels\": [\"team\", \"cost-center\"]}");
    f = scan_with(instance,
                  "{\"uid\": \"u\", " AWS ", \"kind\": \"iam.policy\", "
                  "\"labels\": {\"team\": \"sre\"}}",
                  FWK_OK);
    assert_rules(f, "misconfig.labels.missing");
    assert_json_equal(json_object_get(json_array_get(f, 0), "evidence"),
                      "{\"missing\": [\"cost-center\"]}");
    json_decref(f);
    f = scan_with(instance,
                  "{\"uid\": \"u\", " AWS ", \"kind\": \"iam.policy\", "
                  "\"labels\": {\"team\": \"sre\", \"cost-center\": \"42\"}}",
                  FWK_OK);
    assert_rules(f, "");
    json_decref(f);
    fawkes_plugin_describe()->fini(instance);
}

/* A resource text for an instance stopped `days` ago, costing `cost` a month. */
static void stopped_aws(char *buf, size_t size, int days, const char *cost)
{
    time_t when = time(NULL) - (time_t)days * 86400 - 3600;
    struct tm tm;
    char stamp[32];

    gmtime_r(&when, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, size,
             "{\"uid\": \"u\", " AWS ", \"kind\": \"compute.instance\", "
             "\"native_type\": \"ec2:instance\", \"name\": \"batch-7\", \"state\": \"stopped\", "
             "\"monthly_cost\": %s, " LABELED ", \"attributes\": {\"InstanceId\": \"i-1\", "
             "\"StateTransitionReason\": \"User initiated (%s GMT)\"}}",
             cost, stamp);
}

static void test_stopped_instance(void **state)
{
    char text[1024];
    json_t *f;
    void *instance;

    (void)state;
    stopped_aws(text, sizeof(text), 45, "12.5");
    f = scan(text);
    assert_rules(f, "misconfig.instance.stopped_cost");
    assert_string_equal(field(json_array_get(f, 0), "severity"), "low");
    assert_non_null(strstr(field(json_array_get(f, 0), "message"),
                           "(45 days, more than "
                           "stopped_days 30) and still costs about $12.50 a month"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(f, 0), "evidence"), "state")),
                        "stopped");
    json_decref(f);

    stopped_aws(text, sizeof(text), 10, "12.5");
    f = scan(text);
    assert_rules(f, "");
    json_decref(f);
    stopped_aws(text, sizeof(text), 45, "0");
    f = scan(text);
    assert_rules(f, "");
    json_decref(f);
    stopped_aws(text, sizeof(text), 45, "null");
    f = scan(text);
    assert_rules(f, "");
    json_decref(f);

    instance = new_instance("{\"stopped_days\": 5}");
    stopped_aws(text, sizeof(text), 10, "3");
    f = scan_with(instance, text, FWK_OK);
    assert_rules(f, "misconfig.instance.stopped_cost");
    json_decref(f);
    fawkes_plugin_describe()->fini(instance);

    /* GCE: TERMINATED with lastStopTimestamp carrying an offset. */
    f = scan("{\"uid\": \"g\", \"provider\": \"gcp\", \"kind\": \"compute.instance\", "
             "\"state\": \"TERMINATED\", \"monthly_cost\": 8.1, " LABELED ", \"attributes\": "
             "{\"lastStopTimestamp\": \"2020-03-01T10:00:00.123-08:00\"}}");
    assert_rules(f, "misconfig.instance.stopped_cost");
    assert_json_equal(json_object_get(json_array_get(f, 0), "evidence"),
                      "{\"state\": \"TERMINATED\", \"stopped_since\": \"2020-03-01T18:00:00Z\"}");
    json_decref(f);
    /* AWS "terminated" is deleted, not stopped. */
    f = scan("{\"uid\": \"a\", " AWS ", \"kind\": \"compute.instance\", \"state\": "
             "\"terminated\", \"monthly_cost\": 8.1, " LABELED ", \"stopped_at\": "
             "\"2020-03-01T10:00:00Z\"}");
    assert_rules(f, "");
    json_decref(f);
}

static void test_parse_time(void **state)
{
    time_t t;

    (void)state;
    assert_int_equal(misconfig_parse_time("1970-01-01T00:00:00Z", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(misconfig_parse_time("2026-01-02T03:04:05+01:30", &t), 0);
    assert_int_equal(t, 1767323045 - 5400);
    assert_int_equal(misconfig_parse_time("2026-01-02T03:04:05", &t), -1);
    assert_int_equal(misconfig_parse_time("2026-13-02T03:04:05Z", &t), -1);
    assert_int_equal(misconfig_parse_time("yesterday", &t), -1);
    assert_int_equal(misconfig_parse_time("2026-01-02T03:04:05Zjunk", &t), -1);
}

static void test_emit_cancelled_stops(void **state)
{
    const fwk_scanner_vtable *vt = fawkes_plugin_describe()->vtable;
    void *instance = new_instance("{}");
    fwk_ctx *ctx = fake_host_ctx_new();
    json_t *resource = json_loads("{\"uid\": \"u\", \"provider\": \"aws\", \"kind\": "
                                  "\"database.instance\", \"public\": true, \"encrypted\": false, "
                                  "\"labels\": {}}",
                                  0, NULL);

    (void)state;
    fake_host_set_emit_status(ctx, FWK_CANCELLED);
    assert_int_equal(vt->scan_resource(ctx, instance, resource), FWK_CANCELLED);
    assert_int_equal(json_array_size(fake_host_findings(ctx)), 1);
    fake_host_ctx_free(ctx);
    json_decref(resource);
    fawkes_plugin_describe()->fini(instance);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_bucket_public),
        cmocka_unit_test(test_unknown_fields_are_not_judged),
        cmocka_unit_test(test_wrong_type_is_an_error_finding),
        cmocka_unit_test(test_database_public_and_unencrypted),
        cmocka_unit_test(test_unencrypted_volume_and_bucket),
        cmocka_unit_test(test_firewall_ssh),
        cmocka_unit_test(test_firewall_rdp_and_any_port),
        cmocka_unit_test(test_firewall_malformed),
        cmocka_unit_test(test_disabled_rules),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_stopped_instance),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_emit_cancelled_stops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
