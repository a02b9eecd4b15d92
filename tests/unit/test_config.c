/* test_config.c: config loading: YAML types, marks, aliases, interpolation, host key checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

/* A playbook that exists wherever the tests run: chains' playbooks must be files. */
#define SHIPPED_PLAYBOOK FAWKES_SOURCE_DIR "/playbooks/stop-idle-instances.lua"

/* Load text that must be valid. */
static config *load_ok(const char *text)
{
    config *cfg = NULL;
    diag err = {{0}};
    int rc = config_from_string(text, "t.yaml", &cfg, &err);
    if (rc != 0)
        fail_msg("unexpected error: %s", err.text);
    assert_non_null(cfg);
    return cfg;
}

/* Load text that must fail with exactly `expected`. */
static void load_fails(const char *text, const char *expected)
{
    config *cfg = (config *)1;
    diag err = {{0}};
    assert_int_equal(config_from_string(text, "t.yaml", &cfg, &err), -1);
    assert_null(cfg);
    assert_string_equal(err.text, expected);
}

/* Load text that must fail with a message containing `part`. */
static void load_fails_with(const char *text, const char *part)
{
    config *cfg = NULL;
    diag err = {{0}};
    assert_int_equal(config_from_string(text, "t.yaml", &cfg, &err), -1);
    if (!strstr(err.text, part))
        fail_msg("error '%s' does not contain '%s'", err.text, part);
}

static const json_t *at(const config *cfg, const char *key)
{
    return json_object_get(cfg->instances[CONFIG_PROVIDERS][0].config, key);
}

static void test_scalar_types(void **state)
{
    (void)state;
    config *cfg = load_ok("version: 1\nproviders:\n  - name: p\n    plugin: x\n    config:\n"
                          "      n: null\n      t: ~\n      e:\n      b1: true\n      b2: False\n"
                          "      i: 42\n      neg: -7\n      hex: 0x1F\n      oct: 0o17\n"
                          "      f: 1.5\n      exp: 1e3\n      q: \"42\"\n      s: 'yes'\n"
                          "      word: hello world\n      list: [1, two, 3.0]\n");
    assert_true(json_is_null(at(cfg, "n")));
    assert_true(json_is_null(at(cfg, "t")));
    assert_true(json_is_null(at(cfg, "e")));
    assert_true(json_is_true(at(cfg, "b1")));
    assert_true(json_is_false(at(cfg, "b2")));
    assert_int_equal(json_integer_value(at(cfg, "i")), 42);
    assert_int_equal(json_integer_value(at(cfg, "neg")), -7);
    assert_int_equal(json_integer_value(at(cfg, "hex")), 31);
    assert_int_equal(json_integer_value(at(cfg, "oct")), 15);
    assert_true(json_is_real(at(cfg, "f")));
    assert_true(json_real_value(at(cfg, "f")) == 1.5);
    assert_true(json_real_value(at(cfg, "exp")) == 1000.0);
    assert_string_equal(json_string_value(at(cfg, "q")), "42");
    assert_string_equal(json_string_value(at(cfg, "s")), "yes");
    assert_string_equal(json_string_value(at(cfg, "word")), "hello world");
    const json_t *list = at(cfg, "list");
    assert_int_equal(json_array_size(list), 3);
    assert_true(json_is_integer(json_array_get(list, 0)));
    assert_true(json_is_string(json_array_get(list, 1)));
    assert_true(json_is_real(json_array_get(list, 2)));
    config_free(cfg);
}

static void test_scalar_errors(void **state)
{
    (void)state;
    load_fails("version: 1\nstate: 99999999999999999999\n",
               "t.yaml:2:8: integer out of range (more than 64 bits): 99999999999999999999; quote "
               "it to make it a string");
    load_fails("version: 1\nstate: .inf\n",
               "t.yaml:2:8: infinity and NaN are not numbers JSON can hold: .inf; quote it to "
               "make it a string");
}

static void test_marks(void **state)
{
    (void)state;
    config *cfg = load_ok("version: 1\nproviders:\n  - name: p\n    plugin: x\n"
                          "    config: {token: abc, \"a/b~c\": 1}\n");
    int line = 0, column = 0;
    config_mark(cfg, "/version", &line, &column);
    assert_int_equal(line, 1);
    assert_int_equal(column, 10);
    config_mark(cfg, "/providers/0", &line, &column);
    assert_int_equal(line, 3);
    assert_int_equal(column, 5);
    config_mark(cfg, "/providers/0/config/token", &line, &column);
    assert_int_equal(line, 5);
    assert_int_equal(column, 21);
    config_mark(cfg, "/providers/0/config/a~1b~0c", &line, &column);
    assert_int_equal(line, 5);
    assert_int_equal(column, 35);
    /* absent: the nearest ancestor */
    config_mark(cfg, "/providers/0/config/nothing/deeper", &line, &column);
    assert_int_equal(line, 5);
    assert_int_equal(column, 13);
    config_mark(cfg, "/elsewhere", &line, &column);
    assert_int_equal(line, 1);
    assert_int_equal(column, 1);
    const json_t *mark = json_object_get(cfg->marks, "/providers/0/name");
    assert_int_equal(json_integer_value(json_array_get(mark, 0)), 3);
    assert_int_equal(json_integer_value(json_array_get(mark, 1)), 11);
    assert_int_equal(cfg->instances[CONFIG_PROVIDERS][0].line, 3);
    assert_int_equal(cfg->instances[CONFIG_PROVIDERS][0].column, 5);
    config_free(cfg);
}

static void test_pointer_display(void **state)
{
    (void)state;
    char buf[128];
    config_pointer_display("/providers/0/config/token", buf, sizeof buf);
    assert_string_equal(buf, "providers[0].config.token");
    config_pointer_display("/chains/2/notify/0", buf, sizeof buf);
    assert_string_equal(buf, "chains[2].notify[0]");
    config_pointer_display("/providers/0/config/a~1b~0c", buf, sizeof buf);
    assert_string_equal(buf, "providers[0].config.a/b~c");
    config_pointer_display("/x/a.b", buf, sizeof buf);
    assert_string_equal(buf, "x[\"a.b\"]");
    config_pointer_display("", buf, sizeof buf);
    assert_string_equal(buf, "");
    char small[8];
    config_pointer_display("/providers/0/config", small, sizeof small);
    assert_true(strlen(small) < sizeof small);
}

static void test_aliases(void **state)
{
    (void)state;
    config *cfg = load_ok("version: 1\nproviders:\n  - name: a\n    plugin: x\n"
                          "    config: &shared\n      regions: [LON1]\n      deep: {k: v}\n"
                          "  - name: b\n    plugin: x\n    config: *shared\n");
    const json_t *first = cfg->instances[CONFIG_PROVIDERS][0].config;
    const json_t *second = cfg->instances[CONFIG_PROVIDERS][1].config;
    assert_true(json_equal((json_t *)first, (json_t *)second));
    assert_ptr_not_equal(first, second);
    int line = 0, column = 0;
    config_mark(cfg, "/providers/1/config", &line, &column);
    assert_int_equal(line, 10);
    assert_int_equal(column, 13);
    /* below the alias, nodes point at where they were written */
    config_mark(cfg, "/providers/1/config/deep/k", &line, &column);
    assert_int_equal(line, 7);
    assert_int_equal(column, 17);
    config_free(cfg);
}

static void test_yaml_refusals(void **state)
{
    (void)state;
    load_fails("version: 1\nstate: *nowhere\n",
               "t.yaml:2:8: invalid YAML: alias *nowhere refers to no anchor defined before it "
               "(define &name first; an alias cannot refer to its own parent)");
    load_fails("version: 1\nsecurity: &s\n  audit_log: a\nproviders:\n  - <<: *s\n",
               "t.yaml:5:5: invalid YAML: merge keys (<<) are not supported; write the keys out "
               "(an alias *name can still stand for a whole value)");
    load_fails("version: 1\nstate: !!str x\n",
               "t.yaml:2:8: invalid YAML: tags are not supported (found '!!str'); remove it, and "
               "quote the value if it must be a string");
    load_fails("version: 1\n---\nversion: 1\n",
               "t.yaml:2:1: invalid YAML: a second document (---) is not supported; keep the "
               "whole config in one document");
    load_fails("version: 1\nproviders:\n  - name: a\n    plugin: x\n    name: b\n",
               "t.yaml:5:5: providers[0]: duplicate key 'name' (first at line 3, column 5); keep "
               "only one");
    load_fails("version: 1\nversion: 1\n",
               "t.yaml:2:1: duplicate key 'version' (first at line 1, column 1); keep only one");
    load_fails_with("version: 1\n[a]: 1\n", "mapping keys must be plain text");
    load_fails("", "t.yaml: the config is empty; start it with `version: 1`");
}

static void test_yaml_syntax_error(void **state)
{
    (void)state;
    load_fails("version: 1\nplugin_dirs: [a, b\n",
               "t.yaml:3:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow "
               "sequence at line 2, column 14)");
    load_fails("version: 1\n  bad: indent\n",
               "t.yaml:2:6: invalid YAML: mapping values are not allowed in this context");
    load_fails_with("version: 1\nstate: \"\xff\"\n", "invalid YAML: invalid leading UTF-8 octet");
}

static void test_alias_bomb(void **state)
{
    (void)state;
    char text[4096] = "version: 1\nx0: &a0 [q, q, q, q, q, q, q, q, q, q]\n";
    for (int i = 1; i < 9; i++) {
        char line[128];
        snprintf(line, sizeof line, "x%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
                 i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
        strcat(text, line);
    }
    load_fails_with(text, "aliases expand to too many values");
}

static void test_interpolation_env(void **state)
{
    (void)state;
    setenv("FWK_TEST_TOKEN", "s3cr3t", 1);
    unsetenv("FWK_TEST_UNSET");
    config *cfg = load_ok("version: 1\nproviders:\n  - name: p\n    plugin: x\n    config:\n"
                          "      token: ${env:FWK_TEST_TOKEN}\n"
                          "      header: \"Bearer ${env:FWK_TEST_TOKEN}\"\n"
                          "      missing: ${env:FWK_TEST_UNSET}\n"
                          "      literal: \"$${env:FWK_TEST_TOKEN} costs $5\"\n");
    const config_instance *inst = &cfg->instances[CONFIG_PROVIDERS][0];
    assert_string_equal(json_string_value(at(cfg, "token")), "s3cr3t");
    assert_string_equal(json_string_value(at(cfg, "header")), "Bearer s3cr3t");
    assert_string_equal(json_string_value(at(cfg, "missing")), "");
    assert_string_equal(json_string_value(at(cfg, "literal")), "${env:FWK_TEST_TOKEN} costs $5");
    assert_true(json_is_true(json_object_get(cfg->interpolated, "/providers/0/config/token")));
    assert_null(json_object_get(cfg->interpolated, "/providers/0/config/header"));
    assert_null(json_object_get(cfg->interpolated, "/providers/0/config/literal"));
    assert_int_equal(json_array_size(inst->unresolved), 1);
    const json_t *entry = json_array_get(inst->unresolved, 0);
    assert_string_equal(json_string_value(json_object_get(entry, "pointer")),
                        "/providers/0/config/missing");
    assert_string_equal(json_string_value(json_object_get(entry, "reference")),
                        "${env:FWK_TEST_UNSET}");
    assert_string_equal(json_string_value(json_object_get(entry, "message")),
                        "providers[0].config.missing: ${env:FWK_TEST_UNSET} is not set here; it "
                        "must be set when this instance runs");
    config_free(cfg);
    /* outside an instance's config an unset variable is an error */
    load_fails("version: 1\nstate: ${env:FWK_TEST_UNSET}\n",
               "t.yaml:2:8: state: ${env:FWK_TEST_UNSET} is not set: export FWK_TEST_UNSET, or "
               "write the value in the file");
    setenv("FWK_TEST_STATE", "/tmp/state.db", 1);
    cfg = load_ok("version: 1\nstate: ${env:FWK_TEST_STATE}\n");
    assert_string_equal(cfg->state_path, "/tmp/state.db");
    config_free(cfg);
}

static void test_interpolation_errors(void **state)
{
    (void)state;
    load_fails("version: 1\nproviders:\n  - name: p\n    plugin: x\n"
               "    config: {token: \"${vault:x}\"}\n",
               "t.yaml:5:21: providers[0].config.token: unknown reference scheme 'vault' in "
               "${vault:x}: use ${env:NAME} or ${file:PATH}");
    load_fails("version: 1\nproviders:\n  - name: p\n    plugin: x\n"
               "    config: {token: \"${env:X\"}\n",
               "t.yaml:5:21: providers[0].config.token: unterminated ${ in \"${env:X\": close it "
               "with }, or write $${ for a literal ${");
    load_fails("version: 1\nstate: \"${HOME}\"\n",
               "t.yaml:2:8: state: '${HOME}' is not a reference: write ${env:NAME} or "
               "${file:PATH} (and $${ for a literal ${)");
    load_fails("version: 1\nstate: \"${env:}\"\n",
               "t.yaml:2:8: state: ${env:} names nothing: write ${env:NAME}");
}

static char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/fawkes-config-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static void test_interpolation_file(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_file(dir, "hook", "https://hooks.example/x\n");
    write_file(dir, "fawkes.yaml",
               "version: 1\nplugin_dirs: [plugins, /abs/plugins]\nstate: state.db\n"
               "security: {audit_log: logs/audit.jsonl, egress_allow: [api.civo.com]}\n"
               "notifiers:\n  - name: ops\n    plugin: webhook\n"
               "    config: {url: \"${file:hook}\", other: \"${file:absent}\"}\n"
               "chains:\n  - name: c\n    notify: [ops]\n    playbooks: [fix.lua]\n");
    write_file(dir, "fix.lua", "return 1\n");
    char path[512], expect[1200];
    snprintf(path, sizeof path, "%s/fawkes.yaml", dir);
    config *cfg = NULL;
    diag err = {{0}};
    if (config_load(path, &cfg, &err) != 0)
        fail_msg("%s", err.text);
    const config_instance *inst = &cfg->instances[CONFIG_NOTIFIERS][0];
    assert_string_equal(json_string_value(json_object_get(inst->config, "url")),
                        "https://hooks.example/x");
    assert_true(json_is_true(json_object_get(cfg->interpolated, "/notifiers/0/config/url")));
    assert_int_equal(json_array_size(inst->unresolved), 1);
    snprintf(expect, sizeof expect,
             "notifiers[0].config.other: ${file:absent} is not readable here (%s/absent: No such "
             "file or directory); it must be readable when this instance runs",
             dir);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(inst->unresolved, 0), "message")), expect);
    assert_string_equal(cfg->dir, dir);
    snprintf(expect, sizeof expect, "%s/plugins", dir);
    assert_string_equal(cfg->plugin_dirs.items[0], expect);
    assert_string_equal(cfg->plugin_dirs.items[1], "/abs/plugins");
    snprintf(expect, sizeof expect, "%s/state.db", dir);
    assert_string_equal(cfg->state_path, expect);
    snprintf(expect, sizeof expect, "%s/logs/audit.jsonl", dir);
    assert_string_equal(cfg->audit_log, expect);
    snprintf(expect, sizeof expect, "%s/fix.lua", dir);
    assert_string_equal(cfg->chains[0].playbooks.items[0], expect);
    assert_string_equal(cfg->egress_allow.items[0], "api.civo.com");
    config_free(cfg);

    write_file(dir, "bad.yaml", "version: 1\nstate: ${file:absent}\n");
    snprintf(path, sizeof path, "%s/bad.yaml", dir);
    assert_int_equal(config_load(path, &cfg, &err), -1);
    snprintf(expect, sizeof expect,
             "%s:2:8: state: ${file:absent} cannot be read (%s/absent: No such file or "
             "directory); create the file or fix the path",
             path, dir);
    assert_string_equal(err.text, expect);

    /* a chain's playbook that is not there: where it is named, and the path looked at */
    write_file(dir, "bad.yaml",
               "version: 1\nchains:\n  - name: c\n    playbooks: [fix.lua, gone.lua]\n");
    assert_int_equal(config_load(path, &cfg, &err), -1);
    snprintf(expect, sizeof expect,
             "%s:4:26: chains[0].playbooks[1]: playbook %s/gone.lua: No such file or directory "
             "(a relative path is resolved against the config file's directory)",
             path, dir);
    assert_string_equal(err.text, expect);
    write_file(dir, "bad.yaml", "version: 1\nchains:\n  - name: c\n    playbooks: [.]\n");
    assert_int_equal(config_load(path, &cfg, &err), -1);
    assert_non_null(strstr(err.text, "chains[0].playbooks[0]: playbook "));
    assert_non_null(strstr(err.text, ": not a regular file"));
    remove_file(dir, "fix.lua");
    remove_file(dir, "bad.yaml");
    remove_file(dir, "hook");
    remove_file(dir, "fawkes.yaml");
    rmdir(dir);
    free(dir);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    config *cfg = NULL;
    diag err = {{0}};
    assert_int_equal(config_load("/nonexistent/fawkes.yaml", &cfg, &err), -1);
    assert_null(cfg);
    assert_string_equal(err.text, "/nonexistent/fawkes.yaml: cannot open the config: No such "
                                  "file or directory; check the -c path");
}

static void test_top_level_checks(void **state)
{
    (void)state;
    load_fails("providers: []\n", "t.yaml:1:1: missing key 'version'; add `version: 1` at the top");
    load_fails("version: 2\n", "t.yaml:1:10: version: expected 1 (the only config version this "
                               "fawkes reads), got integer 2");
    load_fails("version: 1.0\n", "t.yaml:1:10: version: expected 1 (the only config version "
                                 "this fawkes reads), got float 1.0");
    load_fails(
        "version: 1\nproviders:\n  - {name: a, plugin: x, limits: {concurrency: 3000000000}}\n",
        "t.yaml:3:48: providers[0].limits.concurrency: expected an integer from 1 to "
        "2147483647, got integer 3000000000");
    load_fails("version: \"1\"\n", "t.yaml:1:10: version: expected 1 (the only config version "
                                   "this fawkes reads), got string \"1\"");
    load_fails("version: 1\nprovider: []\n",
               "t.yaml:2:1: unknown key 'provider'; allowed: version, plugin_dirs, providers, "
               "scanners, policies, notifiers, chains, security, state, playbooks, history, "
               "server, alerts");
    load_fails("- a\n", "t.yaml:1:1: expected a mapping with version: 1 at the top level, got a "
                        "list");
    load_fails("version: 1\nplugin_dirs: ./p\n",
               "t.yaml:2:14: plugin_dirs: expected a list of strings, got string \"./p\"");
    load_fails("version: 1\nplugin_dirs: [a, 5]\n",
               "t.yaml:2:18: plugin_dirs[1]: expected a non-empty string, got integer 5");
    load_fails("version: 1\nproviders: {name: a}\n",
               "t.yaml:2:12: providers: expected a list of provider instances, got a mapping");
    load_fails("version: 1\nsecurity: {egress: []}\n",
               "t.yaml:2:12: security: unknown key 'egress'; allowed: egress_allow, audit_log, "
               "audit_signing_key, audit_forward");
    load_fails("version: 1\nsecurity: {egress_allow: [1]}\n",
               "t.yaml:2:27: security.egress_allow[0]: expected a string, got integer 1");
    load_fails("version: 1\nstate: [x]\n",
               "t.yaml:2:8: state: expected a non-empty string, got a list");
    config *cfg = load_ok("version: 1\nproviders:\nscanners: []\n");
    assert_int_equal(cfg->version, 1);
    assert_int_equal(cfg->instance_count[CONFIG_PROVIDERS], 0);
    assert_null(cfg->state_path);
    assert_null(cfg->audit_log);
    config_free(cfg);
}

static void test_instance_checks(void **state)
{
    (void)state;
    load_fails("version: 1\nproviders:\n  - name: a\n    plugin: x\n    limts: {}\n",
               "t.yaml:5:5: providers[0]: unknown key 'limts'; allowed: name, plugin, config, "
               "limits, isolation");
    load_fails("version: 1\nproviders:\n  - plugin: x\n",
               "t.yaml:3:5: providers[0]: missing key 'name'; every instance needs a unique name");
    load_fails("version: 1\nproviders:\n  - name: Civo Prod\n    plugin: x\n",
               "t.yaml:3:11: providers[0].name: 'Civo Prod' is not a valid name: use lower-case "
               "letters, digits, '-' and '_', starting with a letter or digit");
    load_fails("version: 1\nproviders:\n  - name: -a\n    plugin: x\n",
               "t.yaml:3:11: providers[0].name: '-a' is not a valid name: use lower-case "
               "letters, digits, '-' and '_', starting with a letter or digit");
    load_fails("version: 1\nproviders:\n  - name: a\n",
               "t.yaml:3:5: providers[0]: missing key 'plugin' (the name of the plugin 'a' is an "
               "instance of)");
    load_fails("version: 1\nproviders:\n  - name: a\n    plugin: [x]\n",
               "t.yaml:4:13: providers[0].plugin: expected a non-empty string, got a list");
    load_fails("version: 1\nproviders:\n  - name: a\n    plugin: x\n    config: [1]\n",
               "t.yaml:5:13: providers[0].config: expected a mapping of the plugin's options, got "
               "a list");
    load_fails("version: 1\nproviders:\n  - name: a\n    plugin: x\nscanners:\n  - name: a\n"
               "    plugin: y\n",
               "t.yaml:6:11: scanners[0].name: the name 'a' is already used by providers[0] "
               "(line 3); instance names must be unique across providers, scanners, policies "
               "and notifiers");
    load_fails("version: 1\nscanners:\n  - just-a-name\n",
               "t.yaml:3:5: scanners[0]: expected a mapping with at least name and plugin (one "
               "scanner instance), got string \"just-a-name\"");
    load_fails("version: 1\nscanners:\n  - name: s\n    plugin: x\n    min_severity: high\n",
               "t.yaml:5:5: scanners[0]: unknown key 'min_severity'; allowed: name, plugin, "
               "config, limits, isolation");
    config *cfg = load_ok("version: 1\nproviders:\n  - name: a\n    plugin: x\n");
    const config_instance *inst = &cfg->instances[CONFIG_PROVIDERS][0];
    assert_string_equal(inst->name, "a");
    assert_string_equal(inst->plugin, "x");
    assert_string_equal(inst->pointer, "/providers/0");
    assert_int_equal(inst->section, CONFIG_PROVIDERS);
    assert_true(json_is_object(inst->config));
    assert_int_equal(json_object_size(inst->config), 0);
    assert_int_equal(json_array_size(inst->unresolved), 0);
    assert_string_equal(json_string_value(json_object_get(inst->settings, "plugin")), "x");
    config_section section;
    assert_ptr_equal(config_find_instance(cfg, "a", &section), inst);
    assert_int_equal(section, CONFIG_PROVIDERS);
    assert_null(config_find_instance(cfg, "b", NULL));
    assert_string_equal(config_section_name(CONFIG_NOTIFIERS), "notifiers");
    config_free(cfg);
}

static void test_notifier_keys(void **state)
{
    (void)state;
    config *cfg = load_ok("version: 1\nnotifiers:\n  - name: ops\n    plugin: webhook\n"
                          "    min_severity: high\n    on: [new, resolved]\n"
                          "    renotify_after: 24h\n    digest: true\n    match: {rule: x}\n"
                          "    rate: 5/m\n");
    const json_t *settings = cfg->instances[CONFIG_NOTIFIERS][0].settings;
    assert_string_equal(json_string_value(json_object_get(settings, "min_severity")), "high");
    assert_string_equal(json_string_value(json_object_get(settings, "renotify_after")), "24h");
    assert_string_equal(json_string_value(json_object_get(settings, "rate")), "5/m");
    config_free(cfg);
    const char *head = "version: 1\nnotifiers:\n  - name: ops\n    plugin: webhook\n";
    struct {
        const char *line;
        const char *error;
    } cases[] = {
        {"    min_severity: urgent\n", "t.yaml:5:19: notifiers[0].min_severity: expected one of "
                                       "critical, high, medium, low, info, got string \"urgent\""},
        {"    on: [new, closed]\n", "t.yaml:5:15: notifiers[0].on[1]: expected one of new, open, "
                                    "resolved, got string \"closed\""},
        {"    on: new\n", "t.yaml:5:9: notifiers[0].on: expected a list such as [new, resolved], "
                          "got string \"new\""},
        {"    renotify_after: soon\n", "t.yaml:5:21: notifiers[0].renotify_after: expected a "
                                       "duration such as 250ms, 30s or 5m, got string \"soon\""},
        {"    digest: yes\n", "t.yaml:5:13: notifiers[0].digest: expected true or false, got "
                              "string \"yes\""},
        {"    match: [x]\n", "t.yaml:5:12: notifiers[0].match: expected a mapping with provider, "
                             "kind, rule or labels, got a list"},
        {"    rate: 5/d\n", "t.yaml:5:11: notifiers[0].rate: expected a rate > 0 such as 10/s, "
                            "600/m or 36000/h, got string \"5/d\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s", head, cases[i].line);
        load_fails(text, cases[i].error);
    }
}

static const config_limits *limits_of(const config *cfg)
{
    return &cfg->instances[CONFIG_PROVIDERS][0].limits;
}

static void test_limits(void **state)
{
    (void)state;
    const char *head = "version: 1\nproviders:\n  - name: a\n    plugin: x\n";
    config *cfg = load_ok(head);
    const config_limits *l = limits_of(cfg);
    assert_int_equal(l->concurrency, 4);
    assert_true(l->rate_per_s == 0);
    assert_true(l->burst == 1);
    assert_int_equal(l->retries, 4);
    assert_int_equal(l->timeout_ms, 30000);
    assert_int_equal(l->backoff_base_ms, 200);
    assert_int_equal(l->backoff_max_ms, 60000);
    config_free(cfg);

    char text[512];
    snprintf(text, sizeof text,
             "%s    limits: {concurrency: 2, rate: 600/m, retries: 0, "
             "timeout: 250ms, backoff_base: 1s, backoff_max: 5m}\n",
             head);
    cfg = load_ok(text);
    l = limits_of(cfg);
    assert_int_equal(l->concurrency, 2);
    assert_true(l->rate_per_s == 10);
    assert_true(l->burst == 10);
    assert_int_equal(l->retries, 0);
    assert_int_equal(l->timeout_ms, 250);
    assert_int_equal(l->backoff_base_ms, 1000);
    assert_int_equal(l->backoff_max_ms, 300000);
    config_free(cfg);

    snprintf(text, sizeof text, "%s    limits: {rate: 36000/h, burst: 3}\n", head);
    cfg = load_ok(text);
    assert_true(limits_of(cfg)->rate_per_s == 10);
    assert_true(limits_of(cfg)->burst == 3);
    config_free(cfg);
    snprintf(text, sizeof text, "%s    limits: {rate: 0.5, timeout: 1500}\n", head);
    cfg = load_ok(text);
    assert_true(limits_of(cfg)->rate_per_s == 0.5);
    assert_true(limits_of(cfg)->burst == 1);
    assert_int_equal(limits_of(cfg)->timeout_ms, 1500);
    config_free(cfg);

    struct {
        const char *line;
        const char *error;
    } cases[] = {
        {"concurrency: four", "t.yaml:5:27: providers[0].limits.concurrency: expected an integer "
                              ">= 1, got string \"four\""},
        {"concurrency: 0", "t.yaml:5:27: providers[0].limits.concurrency: expected an integer >= "
                           "1, got integer 0"},
        {"rate: 0/s", "t.yaml:5:20: providers[0].limits.rate: expected a rate > 0 such as 10/s, "
                      "600/m or 36000/h, got string \"0/s\""},
        {"rate: -1", "t.yaml:5:20: providers[0].limits.rate: expected a rate > 0 such as 10/s, "
                     "600/m or 36000/h, got integer -1"},
        {"burst: 0.5", "t.yaml:5:21: providers[0].limits.burst: expected a number >= 1, got "
                       "float 0.5"},
        {"retries: 21", "t.yaml:5:23: providers[0].limits.retries: expected an integer from 0 to "
                        "20, got integer 21"},
        {"timeout: 0s", "t.yaml:5:23: providers[0].limits.timeout: expected a duration > 0 such "
                        "as 250ms, 30s or 5m, got string \"0s\""},
        {"backoff_base: 1.5s", "t.yaml:5:28: providers[0].limits.backoff_base: expected a "
                               "duration such as 250ms, 30s or 5m, got string \"1.5s\""},
        {"backoff_base: 2m, backoff_max: 1m",
         "t.yaml:5:45: providers[0].limits.backoff_max: backoff_max (60000 ms) is smaller than "
         "backoff_base (120000 ms); raise backoff_max or lower backoff_base"},
        {"rps: 3", "t.yaml:5:14: providers[0].limits: unknown key 'rps'; allowed: concurrency, "
                   "rate, burst, retries, timeout, backoff_base, backoff_max, memory"},
        {"memory: 1MiB", "t.yaml:5:22: providers[0].limits.memory: expected a size of at least "
                         "16MiB such as 512MiB or 2GiB, got string \"1MiB\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "%s    limits: {%s}\n", head, cases[i].line);
        load_fails(text, cases[i].error);
    }
    snprintf(text, sizeof text, "%s    limits: 5\n", head);
    load_fails(text, "t.yaml:5:13: providers[0].limits: expected a mapping, got integer 5");
}

static const char *const chain_head =
    "version: 1\nproviders:\n  - {name: civo-prod, plugin: civo}\n  - {name: snap, plugin: "
    "snapshot}\nscanners:\n  - {name: base, plugin: misconfig}\npolicies:\n  - {name: org, "
    "plugin: policy}\nnotifiers:\n  - {name: ops, plugin: webhook}\nchains:\n";

static void chain_fails(const char *chain, const char *expected)
{
    char text[1024];
    snprintf(text, sizeof text, "%s%s", chain_head, chain);
    load_fails(text, expected);
}

static void test_chains(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text,
             "%s  - name: nightly\n    providers: [civo-prod, snap]\n"
             "    scanners: [base]\n    policies: [org]\n    notify: [ops]\n"
             "    playbooks: [%s]\n    schedule: \"@every 1h\"\n  - name: quick\n",
             chain_head, SHIPPED_PLAYBOOK);
    config *cfg = load_ok(text);
    assert_int_equal(cfg->chain_count, 2);
    const config_chain *chain = config_find_chain(cfg, "nightly");
    assert_non_null(chain);
    assert_int_equal(chain->providers.count, 2);
    assert_string_equal(chain->providers.items[1], "snap");
    assert_string_equal(chain->scanners.items[0], "base");
    assert_string_equal(chain->policies.items[0], "org");
    assert_string_equal(chain->notify.items[0], "ops");
    assert_string_equal(chain->playbooks.items[0], SHIPPED_PLAYBOOK);
    assert_string_equal(chain->schedule, "@every 1h");
    assert_int_equal(chain->line, 12);
    assert_int_equal(chain->column, 5);
    assert_null(config_find_chain(cfg, "quick")->schedule);
    assert_null(config_find_chain(cfg, "weekly"));
    config_free(cfg);

    chain_fails("  - name: n\n    providers: [civo-prod, civo-prd]\n",
                "t.yaml:13:28: chains[0].providers[1]: no provider named 'civo-prd' (defined: "
                "civo-prod, snap)");
    chain_fails("  - name: n\n    providers: [base]\n",
                "t.yaml:13:17: chains[0].providers[0]: no provider named 'base' (defined: "
                "civo-prod, snap); 'base' is a scanner, list it under scanners");
    chain_fails("  - name: n\n    scanners: [nope]\n",
                "t.yaml:13:16: chains[0].scanners[0]: no scanner named 'nope' (defined: base)");
    chain_fails("  - name: n\n    policies: [nope]\n",
                "t.yaml:13:16: chains[0].policies[0]: no policy named 'nope' (defined: org)");
    chain_fails("  - name: n\n    notify: [slack]\n",
                "t.yaml:13:14: chains[0].notify[0]: no notifier named 'slack' (defined: ops)");
    chain_fails("  - name: n\n    notify: ops\n",
                "t.yaml:13:13: chains[0].notify: expected a list of strings, got string \"ops\"");
    chain_fails("  - name: n\n  - name: n\n",
                "t.yaml:13:11: chains[1].name: a chain named 'n' is already defined at line 12; "
                "chain names must be unique");
    chain_fails("  - providers: [snap]\n",
                "t.yaml:12:5: chains[0]: missing key 'name'; every chain needs a unique name");
    chain_fails("  - name: n\n    schedule: 5\n",
                "t.yaml:13:15: chains[0].schedule: expected a non-empty string, got integer 5");
    chain_fails("  - name: n\n    every: 1h\n",
                "t.yaml:13:5: chains[0]: unknown key 'every'; allowed: name, providers, scanners, "
                "policies, notify, playbooks, schedule");
    load_fails("version: 1\nproviders: []\nchains:\n  - name: n\n    providers: [x]\n",
               "t.yaml:5:17: chains[0].providers[0]: no provider named 'x' (defined: none)");
}

static void test_empty_config(void **state)
{
    (void)state;
    config *cfg = config_empty();
    assert_non_null(cfg);
    assert_int_equal(cfg->version, 1);
    assert_int_equal(cfg->chain_count, 0);
    for (size_t s = 0; s < CONFIG_SECTION_COUNT; s++)
        assert_int_equal(cfg->instance_count[s], 0);
    assert_true(json_is_object(cfg->marks));
    assert_true(json_is_object(cfg->interpolated));
    assert_null(config_find_instance(cfg, "x", NULL));
    config_free(cfg);
    config_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_types),
        cmocka_unit_test(test_scalar_errors),
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_pointer_display),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_yaml_refusals),
        cmocka_unit_test(test_yaml_syntax_error),
        cmocka_unit_test(test_alias_bomb),
        cmocka_unit_test(test_interpolation_env),
        cmocka_unit_test(test_interpolation_errors),
        cmocka_unit_test(test_interpolation_file),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_top_level_checks),
        cmocka_unit_test(test_instance_checks),
        cmocka_unit_test(test_notifier_keys),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_chains),
        cmocka_unit_test(test_empty_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
