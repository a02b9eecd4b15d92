/* test_serve_config.c: the `server:` and `alerts:` sections: values, defaults, located errors,
   and the alert templates (labels and annotations only, never code). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "serve_config.h"

static config *load_ok(const char *yaml)
{
    config *cfg = NULL;
    diag err = {{0}};
    if (config_from_string(yaml, "fawkes.yaml", &cfg, &err) != 0)
        fail_msg("%s", err.text);
    return cfg;
}

static void expect_error(const char *yaml, const char *needle)
{
    config *cfg = NULL;
    diag err = {{0}};
    if (config_from_string(yaml, "fawkes.yaml", &cfg, &err) == 0)
        fail_msg("loaded; expected an error with '%s'", needle);
    if (!strstr(err.text, needle))
        fail_msg("'%s' lacks '%s'", err.text, needle);
}

static void test_full_sections(void **state)
{
    (void)state;
    setenv("SERVE_TEST_TOKEN", "0123456789abcdef0123", 1);
    config *cfg = load_ok("version: 1\n"
                          "notifiers: [ { name: team, plugin: webhook } ]\n"
                          "server:\n"
                          "  listen: \"[::1]:9555\"\n"
                          "  token: \"${env:SERVE_TEST_TOKEN}\"\n"
                          "  grace: 5s\n"
                          "alerts:\n"
                          "  - match: { alertname: CPU, severity: critical }\n"
                          "    playbook: playbooks/restart.lua\n"
                          "    vars: { instance: \"{{ labels.instance }}\" }\n"
                          "    notify: [team]\n"
                          "    apply: true\n"
                          "    cooldown: 10m\n");
    const serve_config *sc = cfg->serve;
    assert_non_null(sc);
    assert_string_equal(sc->listen, "[::1]:9555");
    assert_string_equal(sc->token, "0123456789abcdef0123");
    assert_int_equal(sc->grace_ms, 5000);
    assert_int_equal(sc->alert_count, 1);
    assert_true(sc->alerts[0].apply);
    assert_int_equal(sc->alerts[0].cooldown_ms, 600000);
    assert_string_equal(sc->alerts[0].notify.items[0], "team");
    assert_non_null(strstr(sc->alerts[0].playbook, "playbooks/restart.lua"));
    assert_int_equal(sc->alerts[0].line, 8);
    config_free(cfg);
    cfg = load_ok("version: 1\nalerts: []\n");
    assert_string_equal(cfg->serve->listen, SERVE_DEFAULT_LISTEN);
    assert_int_equal(cfg->serve->grace_ms, SERVE_DEFAULT_GRACE_MS);
    assert_null(cfg->serve->token);
    config_free(cfg);
    cfg = load_ok("version: 1\n");
    assert_null(cfg->serve);
    config_free(cfg);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("version: 1\nserver: { listen: 9464 }\n", "fawkes.yaml:2:19: server.listen: ");
    expect_error("version: 1\nserver: { listen: \"localhost\" }\n", "expected HOST:PORT");
    expect_error("version: 1\nserver: { listen: \"127.0.0.1:70000\" }\n", "expected HOST:PORT");
    expect_error("version: 1\nserver: { token: \"inline-secret-value-123\" }\n",
                 "server.token: the token is a secret");
    expect_error("version: 1\nserver: { port: 1 }\n",
                 "fawkes.yaml:2:11: server: unknown key 'port'; allowed: listen, token");
    expect_error("version: 1\nserver: { grace: soon }\n", "expected a duration");
    expect_error("version: 1\nalerts: { a: 1 }\n", "alerts: expected a list of alert rules");
    expect_error("version: 1\nalerts: [ { playbook: x.lua } ]\n", "missing key 'match'");
    expect_error("version: 1\nalerts: [ { match: {}, playbook: x.lua } ]\n",
                 "alerts[0].match: expected a mapping of alert labels");
    expect_error("version: 1\nalerts: [ { match: { a: 1 }, playbook: x.lua } ]\n",
                 "alerts[0].match.a: expected a string");
    expect_error("version: 1\nalerts: [ { match: { a: b }, playbook: x.lua, notify: [nope] } ]\n",
                 "alerts[0].notify[0]: no notifier named 'nope'");
    expect_error("version: 1\nalerts: [ { match: { a: b }, playbook: x.lua, apply: yes } ]\n",
                 "alerts[0].apply: expected true or false");
    expect_error("version: 1\nalerts: [ { match: { a: b }, playbook: x.lua, vars: { x: "
                 "\"{{ os.execute('id') }}\" } } ]\n",
                 "alerts[0].vars.x: '{{ os.execute('id') }}': templates hold literal text");
    expect_error("version: 1\nalerts: [ { match: { a: b }, playbook: x.lua, vars: { x: "
                 "\"{{ labels.x\" } } ]\n",
                 "templates hold literal text");
    expect_error("version: 1\nalerts: [ { match: { a: b }, playbook: x.lua, when: 1 } ]\n",
                 "unknown key 'when'");
}

static void test_templates(void **state)
{
    (void)state;
    json_t *alert = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "status", "firing",
                              "fingerprint", "abc123", "labels", "instance", "web-1:9100",
                              "alertname", "CPU", "annotations", "summary", "too hot");
    char *out = serve_template_render(
        "{{ labels.instance }}/{{labels.alertname}} {{ annotations.summary }} [{{ status }}] "
        "{{ fingerprint }} {{ labels.missing }}.",
        alert);
    assert_string_equal(out, "web-1:9100/CPU too hot [firing] abc123 .");
    free(out);
    out = serve_template_render("plain", alert);
    assert_string_equal(out, "plain");
    free(out);
    /* a label's value is inserted as text: a placeholder inside it is not expanded again */
    json_object_set_new(json_object_get(alert, "labels"), "instance",
                        json_string("{{ labels.alertname }}"));
    out = serve_template_render("{{ labels.instance }}", alert);
    assert_string_equal(out, "{{ labels.alertname }}");
    free(out);
    assert_null(serve_template_render("{{ labels }}", alert));
    char why[256];
    assert_int_equal(serve_template_check("{{ labels.a-b }}", why, sizeof why), -1);
    assert_int_equal(serve_template_check("{{ labels.a_b }}-x", why, sizeof why), 0);
    json_decref(alert);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_sections),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
