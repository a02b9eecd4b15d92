/* test_schema.c: plugin option tables: checks, defaults, conversions, secrets, JSON Schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "schema.h"

static const char *const regions_allowed[] = {"LON1", "NYC1", "FRA1", NULL};

static const fwk_option options[] = {
    FWK_OPTION("token", FWK_OPT_STRING, FWK_OPT_SECRET, NULL, "API token."),
    FWK_OPTION_ENUM("region", 0, "\"LON1\"", regions_allowed, "Default region."),
    FWK_OPTION_RANGE("workers", FWK_OPT_INT, 0, "8", 1, 64, "Parallel workers."),
    FWK_OPTION_RANGE("ratio", FWK_OPT_FLOAT, 0, "0.5", 0, 1, "A fraction."),
    FWK_OPTION("verbose", FWK_OPT_BOOL, 0, "false", "Say more."),
    FWK_OPTION_RANGE("timeout", FWK_OPT_DURATION, 0, "\"30s\"", 1000, 3600000, "Per call."),
    FWK_OPTION("max_body", FWK_OPT_SIZE, 0, "\"1MiB\"", "Largest body."),
    FWK_OPTION_RANGE("paths", FWK_OPT_STRING_LIST, FWK_OPT_REQUIRED, NULL, 1, 3, "Inputs."),
    FWK_OPTION("extra", FWK_OPT_OBJECT, 0, NULL, "Anything."),
    FWK_OPTION_RANGE("label", FWK_OPT_STRING, 0, NULL, 2, 5, "A short label."),
    FWK_OPTION_END};

/* Run schema_apply on YAML text for providers[0].config with the table above. */
static int apply_yaml(const fwk_option *table, const char *config_yaml, json_t **out, diag *err)
{
    char text[2048];
    snprintf(text, sizeof text,
             "version: 1\nproviders:\n  - name: p\n    plugin: x\n    config:\n%s", config_yaml);
    config *cfg = NULL;
    if (config_from_string(text, "t.yaml", &cfg, err) != 0)
        fail_msg("config did not load: %s", err->text);
    int rc = schema_apply(table, cfg->instances[CONFIG_PROVIDERS][0].config, cfg,
                          "/providers/0/config", out, err);
    config_free(cfg);
    return rc;
}

static json_t *apply_ok(const char *config_yaml)
{
    json_t *out = NULL;
    diag err = {{0}};
    if (apply_yaml(options, config_yaml, &out, &err) != 0)
        fail_msg("unexpected error: %s", err.text);
    return out;
}

static void apply_fails(const fwk_option *table, const char *config_yaml, const char *expected)
{
    json_t *out = (json_t *)1;
    diag err = {{0}};
    assert_int_equal(apply_yaml(table, config_yaml, &out, &err), -1);
    assert_null(out);
    assert_string_equal(err.text, expected);
}

static void test_option_table(void **state)
{
    (void)state;
    assert_int_equal(schema_option_count(options), 10);
    assert_int_equal(schema_option_count(NULL), 0);
    assert_string_equal(schema_option_at(options, 0)->name, "token");
    assert_string_equal(schema_option_at(options, 9)->name, "label");
    assert_null(schema_option_at(options, 10)->name);
}

static void test_defaults_and_conversions(void **state)
{
    (void)state;
    json_t *out = apply_ok("      paths: only-one\n");
    assert_int_equal(json_object_size(out), 7);
    assert_string_equal(json_string_value(json_object_get(out, "region")), "LON1");
    assert_int_equal(json_integer_value(json_object_get(out, "workers")), 8);
    assert_true(json_is_real(json_object_get(out, "ratio")));
    assert_false(json_is_true(json_object_get(out, "verbose")));
    assert_int_equal(json_integer_value(json_object_get(out, "timeout")), 30000);
    assert_int_equal(json_integer_value(json_object_get(out, "max_body")), 1048576);
    json_t *paths = json_object_get(out, "paths");
    assert_int_equal(json_array_size(paths), 1);
    assert_string_equal(json_string_value(json_array_get(paths, 0)), "only-one");
    assert_null(json_object_get(out, "token"));
    assert_null(json_object_get(out, "extra"));
    json_decref(out);

    out = apply_ok("      paths: [a, b]\n      region: NYC1\n      workers: 64\n"
                   "      ratio: 1\n      verbose: true\n      timeout: 5m\n      max_body: 64KB\n"
                   "      extra: {any: [thing]}\n      label: abc\n");
    assert_string_equal(json_string_value(json_object_get(out, "region")), "NYC1");
    assert_int_equal(json_integer_value(json_object_get(out, "workers")), 64);
    assert_true(json_is_real(json_object_get(out, "ratio")));
    assert_true(json_real_value(json_object_get(out, "ratio")) == 1.0);
    assert_true(json_is_true(json_object_get(out, "verbose")));
    assert_int_equal(json_integer_value(json_object_get(out, "timeout")), 300000);
    assert_int_equal(json_integer_value(json_object_get(out, "max_body")), 64000);
    assert_int_equal(json_array_size(json_object_get(out, "paths")), 2);
    assert_string_equal(json_string_value(json_object_get(out, "label")), "abc");
    assert_true(json_is_object(json_object_get(out, "extra")));
    json_decref(out);

    out = apply_ok("      paths: [a]\n      timeout: 1500\n      max_body: 512\n");
    assert_int_equal(json_integer_value(json_object_get(out, "timeout")), 1500);
    assert_int_equal(json_integer_value(json_object_get(out, "max_body")), 512);
    json_decref(out);
}

static void test_type_errors(void **state)
{
    (void)state;
    struct {
        const char *yaml;
        const char *error;
    } cases[] = {
        {"      paths: 5\n", "t.yaml:6:14: providers[0].config.paths: expected a list of 1 to 3 "
                             "strings, got integer 5"},
        {"      paths: [a, 5]\n", "t.yaml:6:14: providers[0].config.paths: expected a list of 1 "
                                  "to 3 strings, got a list"},
        {"      paths: [a, b, c, d]\n", "t.yaml:6:14: providers[0].config.paths: expected a list "
                                        "of 1 to 3 strings, got a list"},
        {"      paths: [a]\n      region: MARS\n",
         "t.yaml:7:15: providers[0].config.region: expected a string: one of LON1, NYC1, FRA1, "
         "got string \"MARS\""},
        {"      paths: [a]\n      workers: four\n",
         "t.yaml:7:16: providers[0].config.workers: expected an integer from 1 to 64, got string "
         "\"four\""},
        {"      paths: [a]\n      workers: 65\n",
         "t.yaml:7:16: providers[0].config.workers: expected an integer from 1 to 64, got "
         "integer 65"},
        {"      paths: [a]\n      workers: 2.0\n",
         "t.yaml:7:16: providers[0].config.workers: expected an integer from 1 to 64, got float "
         "2.0"},
        {"      paths: [a]\n      ratio: 1.5\n",
         "t.yaml:7:14: providers[0].config.ratio: expected a number from 0 to 1, got float 1.5"},
        {"      paths: [a]\n      verbose: \"true\"\n",
         "t.yaml:7:16: providers[0].config.verbose: expected true or false, got string "
         "\"true\""},
        {"      paths: [a]\n      timeout: 10ms\n",
         "t.yaml:7:16: providers[0].config.timeout: expected a duration such as 250ms, 30s or "
         "5m, from 1s to 1h, got string \"10ms\""},
        {"      paths: [a]\n      timeout: 2 minutes\n",
         "t.yaml:7:16: providers[0].config.timeout: expected a duration such as 250ms, 30s or "
         "5m, from 1s to 1h, got string \"2 minutes\""},
        {"      paths: [a]\n      max_body: 10XB\n",
         "t.yaml:7:17: providers[0].config.max_body: expected a size such as 512, 64KiB or 10MB, "
         "got string \"10XB\""},
        {"      paths: [a]\n      max_body: -1\n",
         "t.yaml:7:17: providers[0].config.max_body: expected a size such as 512, 64KiB or 10MB, "
         "got integer -1"},
        {"      paths: [a]\n      extra: [1]\n",
         "t.yaml:7:14: providers[0].config.extra: expected a mapping, got a list"},
        {"      paths: [a]\n      label: x\n",
         "t.yaml:7:14: providers[0].config.label: expected a string of 2 to 5 characters, got "
         "string \"x\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        apply_fails(options, cases[i].yaml, cases[i].error);
}

static void test_unknown_and_missing(void **state)
{
    (void)state;
    apply_fails(options, "      paths: [a]\n      tokn: x\n",
                "t.yaml:7:13: providers[0].config: unknown key 'tokn'; allowed: token, region, "
                "workers, ratio, verbose, timeout, max_body, paths, extra, label");
    apply_fails(options, "      workers: 2\n",
                "t.yaml:6:7: providers[0].config: missing required key 'paths' (a list of 1 to 3 "
                "strings)");
    static const fwk_option none[] = {FWK_OPTION_END};
    apply_fails(none, "      x: 1\n",
                "t.yaml:6:10: providers[0].config: unknown key 'x'; allowed: none (this plugin "
                "takes no options)");
    /* without a config: no position, the pointer still says where */
    json_t *input = json_pack("{s:i}", "x", 1), *out = NULL;
    diag err = {{0}};
    assert_int_equal(schema_apply(none, input, NULL, "/providers/0/config", &out, &err), -1);
    assert_string_equal(err.text, "providers[0].config: unknown key 'x'; allowed: none (this "
                                  "plugin takes no options)");
    json_decref(input);
    input = json_array();
    assert_int_equal(schema_apply(options, input, NULL, "/p", &out, &err), -1);
    assert_string_equal(err.text, "p: expected a mapping of options, got a list");
    json_decref(input);
}

static void test_secrets(void **state)
{
    (void)state;
    apply_fails(options, "      paths: [a]\n      token: abc123\n",
                "t.yaml:7:14: providers[0].config.token: 'token' is a secret: write it as "
                "${env:NAME} or ${file:PATH}, not in the file");
    apply_fails(options, "      paths: [a]\n      token: \"Bearer ${env:HOME}\"\n",
                "t.yaml:7:14: providers[0].config.token: 'token' is a secret: write it as "
                "${env:NAME} or ${file:PATH}, not in the file");
    setenv("FWK_SCHEMA_TOKEN", "tok-very-secret", 1);
    json_t *out = apply_ok("      paths: [a]\n      token: ${env:FWK_SCHEMA_TOKEN}\n");
    assert_string_equal(json_string_value(json_object_get(out, "token")), "tok-very-secret");
    json_decref(out);
    char *redacted = log_redact("the token is tok-very-secret");
    assert_string_equal(redacted, "the token is [REDACTED]");
    free(redacted);
    log_reset_secrets();
    /* a secret's value never shows in a type error */
    static const fwk_option secret_int[] = {
        FWK_OPTION("pin", FWK_OPT_INT, FWK_OPT_SECRET, NULL, "PIN."), FWK_OPTION_END};
    setenv("FWK_SCHEMA_PIN", "12x4", 1);
    apply_fails(secret_int, "      pin: ${env:FWK_SCHEMA_PIN}\n",
                "t.yaml:6:12: providers[0].config.pin: expected an integer, got a string (not "
                "shown: secret)");
    /* an unresolved reference is not checked here (config validate warns about it) */
    unsetenv("FWK_SCHEMA_UNSET");
    out = apply_ok("      paths: [a]\n      token: ${env:FWK_SCHEMA_UNSET}\n"
                   "      workers: ${env:FWK_SCHEMA_UNSET}\n");
    assert_null(json_object_get(out, "token"));
    assert_null(json_object_get(out, "workers"));
    json_decref(out);
}

static void test_references_coerced(void **state)
{
    (void)state;
    setenv("FWK_SCHEMA_WORKERS", "16", 1);
    setenv("FWK_SCHEMA_VERBOSE", "true", 1);
    json_t *out = apply_ok("      paths: [a]\n      workers: ${env:FWK_SCHEMA_WORKERS}\n"
                           "      verbose: ${env:FWK_SCHEMA_VERBOSE}\n");
    assert_int_equal(json_integer_value(json_object_get(out, "workers")), 16);
    assert_true(json_is_true(json_object_get(out, "verbose")));
    json_decref(out);
    setenv("FWK_SCHEMA_WORKERS", "lots", 1);
    apply_fails(options, "      paths: [a]\n      workers: ${env:FWK_SCHEMA_WORKERS}\n",
                "t.yaml:7:16: providers[0].config.workers: expected an integer from 1 to 64, got "
                "string \"lots\"");
}

static void test_bad_plugin_default(void **state)
{
    (void)state;
    static const fwk_option bad[] = {FWK_OPTION("strict", FWK_OPT_BOOL, 0, "\"no\"", "Strict."),
                                     FWK_OPTION_END};
    apply_fails(bad, "      {}\n",
                "t.yaml:6:7: providers[0].config.strict: the plugin 'x' has a bad default for "
                "'strict' (expected true or false, got string \"no\"); this is a bug in the "
                "plugin: set the key here, and report it to the plugin's authors");
    static const fwk_option broken[] = {FWK_OPTION("n", FWK_OPT_INT, 0, "{oops", "N."),
                                        FWK_OPTION_END};
    apply_fails(broken, "      {}\n",
                "t.yaml:6:7: providers[0].config.n: the plugin 'x' has a bad default for 'n' "
                "(expected an integer, got text that is not JSON: {oops); this is a bug in the "
                "plugin: set the key here, and report it to the plugin's authors");
    /* setting the key works around it */
    json_t *out = NULL;
    diag err = {{0}};
    assert_int_equal(apply_yaml(bad, "      strict: true\n", &out, &err), 0);
    json_decref(out);
}

static void test_parse_duration(void **state)
{
    (void)state;
    struct {
        const char *text;
        int64_t ms;
    } good[] = {{"250ms", 250},    {"30s", 30000}, {"5m", 300000}, {"24h", 86400000},
                {"7d", 604800000}, {"1500", 1500}, {"0", 0}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t ms = -1;
        assert_int_equal(schema_parse_duration_ms(good[i].text, &ms), 0);
        assert_int_equal(ms, good[i].ms);
    }
    const char *bad[] = {"",
                         "s",
                         "1.5s",
                         "-1s",
                         "10 s",
                         "5x",
                         "1h30m",
                         "99999999999999999999",
                         "9999999999999999d",
                         " 5s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 0;
        if (schema_parse_duration_ms(bad[i], &ms) != -1)
            fail_msg("'%s' parsed as a duration", bad[i]);
    }
    int64_t ms;
    assert_int_equal(schema_parse_duration_ms(NULL, &ms), -1);
}

static void test_parse_size(void **state)
{
    (void)state;
    struct {
        const char *text;
        int64_t bytes;
    } good[] = {{"512", 512},       {"512B", 512},     {"64KB", 64000},     {"64KiB", 65536},
                {"10MB", 10000000}, {"2MiB", 2097152}, {"1GB", 1000000000}, {"1GiB", 1073741824}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t bytes = -1;
        assert_int_equal(schema_parse_size(good[i].text, &bytes), 0);
        assert_int_equal(bytes, good[i].bytes);
    }
    const char *bad[] = {"", "KB", "1.5MB", "-1", "10kb", "10 MB", "1TB", "9999999999999GiB"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t bytes = 0;
        if (schema_parse_size(bad[i], &bytes) != -1)
            fail_msg("'%s' parsed as a size", bad[i]);
    }
}

static void test_json_schema(void **state)
{
    (void)state;
    json_t *schema = schema_to_json_schema(options);
    assert_non_null(schema);
    assert_string_equal(json_string_value(json_object_get(schema, "$schema")),
                        "https://json-schema.org/draft/2020-12/schema");
    assert_string_equal(json_string_value(json_object_get(schema, "type")), "object");
    assert_true(json_is_false(json_object_get(schema, "additionalProperties")));
    json_t *required = json_object_get(schema, "required");
    assert_int_equal(json_array_size(required), 1);
    assert_string_equal(json_string_value(json_array_get(required, 0)), "paths");
    json_t *props = json_object_get(schema, "properties");
    assert_int_equal(json_object_size(props), 10);

    json_t *expect = json_loads(
        "{\"token\": {\"type\": \"string\", \"description\": \"API token.\", \"writeOnly\": true,"
        "  \"x-fawkes-secret\": true},"
        " \"region\": {\"type\": \"string\", \"description\": \"Default region.\","
        "  \"enum\": [\"LON1\", \"NYC1\", \"FRA1\"], \"default\": \"LON1\"},"
        " \"workers\": {\"type\": \"integer\", \"description\": \"Parallel workers.\","
        "  \"minimum\": 1, \"maximum\": 64, \"default\": 8},"
        " \"ratio\": {\"type\": \"number\", \"description\": \"A fraction.\", \"minimum\": 0.0,"
        "  \"maximum\": 1.0, \"default\": 0.5},"
        " \"verbose\": {\"type\": \"boolean\", \"description\": \"Say more.\", \"default\": false},"
        " \"timeout\": {\"type\": \"string\", \"description\": \"Per call.\","
        "  \"pattern\": \"^[0-9]+(ms|s|m|h|d)?$\", \"x-fawkes-type\": \"duration\","
        "  \"x-fawkes-minimum\": 1000, \"x-fawkes-maximum\": 3600000, \"default\": \"30s\"},"
        " \"max_body\": {\"type\": \"string\", \"description\": \"Largest body.\","
        "  \"pattern\": \"^[0-9]+(B|KB|MB|GB|KiB|MiB|GiB)?$\", \"x-fawkes-type\": \"size\","
        "  \"default\": \"1MiB\"},"
        " \"paths\": {\"type\": \"array\", \"description\": \"Inputs.\","
        "  \"items\": {\"type\": \"string\"}, \"minItems\": 1, \"maxItems\": 3},"
        " \"extra\": {\"type\": \"object\", \"description\": \"Anything.\"},"
        " \"label\": {\"type\": \"string\", \"description\": \"A short label.\", \"minLength\": 2,"
        "  \"maxLength\": 5}}",
        0, NULL);
    assert_non_null(expect);
    if (!json_equal(props, expect)) {
        char *got = json_dumps(props, JSON_INDENT(1) | JSON_SORT_KEYS);
        fail_msg("properties differ:\n%s", got);
    }
    json_decref(expect);
    json_decref(schema);

    static const fwk_option none[] = {FWK_OPTION_END};
    schema = schema_to_json_schema(none);
    assert_int_equal(json_object_size(json_object_get(schema, "properties")), 0);
    assert_null(json_object_get(schema, "required"));
    json_decref(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_option_table),
        cmocka_unit_test(test_defaults_and_conversions),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_unknown_and_missing),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_references_coerced),
        cmocka_unit_test(test_bad_plugin_default),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_json_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
