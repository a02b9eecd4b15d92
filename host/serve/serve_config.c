/* serve_config.c: read and check `server:` and `alerts:`; render alert templates. */
#include "serve_config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "file_read.h"
#include "log.h"
#include "schema.h"

typedef struct reader {
    config *cfg;
    const json_t *key_marks;
    diag *err;
} reader;

static int expected(reader *r, const char *pointer, const char *what, const json_t *value)
{
    char got[160];
    config_describe_value(value, 0, got, sizeof got);
    config_fail(r->cfg, NULL, pointer, r->err, "expected %s, got %s", what, got);
    return -1;
}

static int check_keys(reader *r, const json_t *object, const char *pointer,
                      const char *const *allowed, const char *list)
{
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)object, key, value) {
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(allowed[i], key) == 0;
        if (known)
            continue;
        char shown[256];
        config_pointer_display(pointer, shown, sizeof shown);
        char *child = config_pointer_key(pointer, key);
        int line = 0, column = 0;
        config_mark_in(r->key_marks, child ? child : pointer, &line, &column);
        free(child);
        diag_at(r->err, r->cfg->path, line, column, "%s: unknown key '%s'; allowed: %s", shown, key,
                list);
        return -1;
    }
    return 0;
}

/* The string at `key` of `object` (NULL when absent), or -1 when not a non-empty string. */
static int get_string(reader *r, const json_t *object, const char *pointer, const char *key,
                      const char **out)
{
    json_t *v = json_object_get(object, key);
    *out = NULL;
    if (!v)
        return 0;
    char *p = config_pointer_key(pointer, key);
    int rc = 0;
    if (!json_is_string(v) || json_string_length(v) == 0)
        rc = expected(r, p ? p : pointer, "a non-empty string", v);
    else
        *out = json_string_value(v);
    free(p);
    return rc;
}

static int get_duration(reader *r, const json_t *object, const char *pointer, const char *key,
                        long *ms)
{
    json_t *v = json_object_get(object, key);
    if (!v)
        return 0;
    int64_t parsed = -1;
    if (json_is_string(v) && schema_parse_duration_ms(json_string_value(v), &parsed) != 0)
        parsed = -1;
    if (parsed < 0 || parsed > LONG_MAX) {
        char *p = config_pointer_key(pointer, key);
        expected(r, p ? p : pointer, "a duration such as 30s or 5m", v);
        free(p);
        return -1;
    }
    *ms = (long)parsed;
    return 0;
}

/* "host:port" or "[v6]:port" with a port from 1 to 65535. */
static bool valid_listen(const char *text)
{
    const char *colon = text[0] == '[' ? strstr(text, "]:") : strrchr(text, ':');
    if (!colon || colon == text)
        return false;
    const char *port = colon + (text[0] == '[' ? 2 : 1);
    char *end;
    long n = strtol(port, &end, 10);
    return *port && *end == '\0' && n >= 1 && n <= 65535;
}

/* PEM text as given (from ${file:...}), or read from a path. */
static int read_pem(reader *r, const char *pointer, const char *value, char **out)
{
    if (strncmp(value, "-----BEGIN", 10) == 0) {
        *out = strdup(value);
        return *out ? 0 : -1;
    }
    char *path = config_resolve_path(r->cfg, value);
    size_t length = 0;
    diag why = {{0}};
    *out = path ? file_read_capped(path, 1024 * 1024, "TLS file", &length, &why) : NULL;
    free(path);
    if (!*out) {
        config_fail(r->cfg, NULL, pointer, r->err, "%s", why.text);
        return -1;
    }
    return 0;
}

static int read_tls(reader *r, const json_t *tls, const char *pointer, serve_config *sc)
{
    static const char *const allowed[] = {"cert", "key", NULL};
    if (!json_is_object(tls))
        return expected(r, pointer, "a mapping with cert and key", tls);
    if (check_keys(r, tls, pointer, allowed, "cert, key") != 0)
        return -1;
    const char *cert = NULL, *key = NULL;
    if (get_string(r, tls, pointer, "cert", &cert) != 0 ||
        get_string(r, tls, pointer, "key", &key) != 0)
        return -1;
    if (!cert || !key) {
        config_fail(r->cfg, NULL, pointer, r->err,
                    "tls needs both cert (a PEM file) and key (\"${file:PATH}\" of the PEM key)");
        return -1;
    }
    char *p = config_pointer_key(pointer, "cert");
    int rc = read_pem(r, p ? p : pointer, cert, &sc->tls_cert);
    free(p);
    if (rc != 0)
        return -1;
    if (strncmp(key, "-----BEGIN", 10) != 0) {
        p = config_pointer_key(pointer, "key");
        config_fail(r->cfg, NULL, p ? p : pointer, r->err,
                    "expected the PEM key itself, written as \"${file:PATH}\" (it is a secret)");
        free(p);
        return -1;
    }
    sc->tls_key = strdup(key);
    log_add_secret(key);
    return sc->tls_key ? 0 : -1;
}

static int read_server(reader *r, const json_t *server, serve_config *sc)
{
    static const char *const allowed[] = {"listen", "token", "tls", "grace", NULL};
    const char *pointer = "/server";
    sc->grace_ms = SERVE_DEFAULT_GRACE_MS;
    if (!server || json_is_null(server))
        return 0;
    if (!json_is_object(server))
        return expected(r, pointer, "a mapping with listen, token, tls and grace", server);
    if (check_keys(r, server, pointer, allowed, "listen, token, tls, grace") != 0)
        return -1;
    const char *listen = NULL, *token = NULL;
    if (get_string(r, server, pointer, "listen", &listen) != 0 ||
        get_string(r, server, pointer, "token", &token) != 0 ||
        get_duration(r, server, pointer, "grace", &sc->grace_ms) != 0)
        return -1;
    if (listen && !valid_listen(listen)) {
        config_fail(r->cfg, NULL, "/server/listen", r->err,
                    "expected HOST:PORT such as \"127.0.0.1:9464\" or \"[::1]:9464\", got \"%s\"",
                    listen);
        return -1;
    }
    if (token && !json_is_true(json_object_get(r->cfg->interpolated, "/server/token"))) {
        config_fail(r->cfg, NULL, "/server/token", r->err,
                    "the token is a secret: write it as \"${env:NAME}\" or \"${file:PATH}\", "
                    "not in the file");
        return -1;
    }
    if (token && strlen(token) < 16) {
        config_fail(r->cfg, NULL, "/server/token", r->err,
                    "the token is %zu characters long; use at least 16 (e.g. `openssl rand "
                    "-hex 32`)",
                    strlen(token));
        return -1;
    }
    sc->listen = strdup(listen ? listen : SERVE_DEFAULT_LISTEN);
    if (token) {
        sc->token = strdup(token);
        log_add_secret(token);
    }
    json_t *tls = json_object_get(server, "tls");
    if (tls && !json_is_null(tls) && read_tls(r, tls, "/server/tls", sc) != 0)
        return -1;
    return sc->listen ? 0 : -1;
}

static int read_match(reader *r, const json_t *match, const char *pointer, serve_alert_rule *rule)
{
    if (!json_is_object(match) || json_object_size(match) == 0)
        return expected(r, pointer, "a mapping of alert labels to values, such as { alertname: X }",
                        match);
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)match, key, value) {
        if (!json_is_string(value)) {
            char *p = config_pointer_key(pointer, key);
            expected(r, p ? p : pointer, "a string (the label's exact value)", value);
            free(p);
            return -1;
        }
    }
    rule->match = json_deep_copy(match);
    return rule->match ? 0 : -1;
}

static int read_vars(reader *r, const json_t *vars, const char *pointer, serve_alert_rule *rule)
{
    if (!vars || json_is_null(vars)) {
        rule->vars = json_object();
        return rule->vars ? 0 : -1;
    }
    if (!json_is_object(vars))
        return expected(r, pointer, "a mapping of names to templates", vars);
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)vars, key, value) {
        char *p = config_pointer_key(pointer, key);
        char why[256];
        int rc = 0;
        if (!json_is_string(value))
            rc = expected(r, p ? p : pointer, "a string such as \"{{ labels.instance }}\"", value);
        else if (serve_template_check(json_string_value(value), why, sizeof why) != 0) {
            config_fail(r->cfg, NULL, p ? p : pointer, r->err, "%s", why);
            rc = -1;
        }
        free(p);
        if (rc != 0)
            return -1;
    }
    rule->vars = json_deep_copy(vars);
    return rule->vars ? 0 : -1;
}

static int read_notify(reader *r, const json_t *list, const char *pointer, serve_alert_rule *rule)
{
    if (!list || json_is_null(list))
        return 0;
    if (!json_is_array(list))
        return expected(r, pointer, "a list of notifier names", list);
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item) {
        char *p = config_pointer_index(pointer, i);
        config_section section;
        int rc = 0;
        if (!json_is_string(item))
            rc = expected(r, p ? p : pointer, "a notifier name", item);
        else if (!config_find_instance(r->cfg, json_string_value(item), &section) ||
                 section != CONFIG_NOTIFIERS) {
            config_fail(
                r->cfg, NULL, p ? p : pointer, r->err,
                "no notifier named '%s'; list it under notifiers:", json_string_value(item));
            rc = -1;
        } else
            rc = strlist_push(&rule->notify, json_string_value(item));
        free(p);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int read_rule(reader *r, const json_t *object, const char *pointer, serve_alert_rule *rule)
{
    static const char *const allowed[] = {"match", "playbook", "vars", "notify",
                                          "apply", "cooldown", NULL};
    if (!json_is_object(object))
        return expected(r, pointer, "a mapping with match and playbook (one alert rule)", object);
    if (check_keys(r, object, pointer, allowed, "match, playbook, vars, notify, apply, cooldown") !=
        0)
        return -1;
    config_mark(r->cfg, pointer, &rule->line, &rule->column);
    rule->cooldown_ms = SERVE_DEFAULT_ALERT_COOLDOWN_MS;
    const json_t *match = json_object_get(object, "match");
    const char *playbook = NULL;
    if (!match || !json_object_get(object, "playbook")) {
        config_fail(r->cfg, NULL, pointer, r->err,
                    "missing key '%s'; an alert rule needs match "
                    "(labels) and playbook (a .lua path)",
                    match ? "playbook" : "match");
        return -1;
    }
    char *p = config_pointer_key(pointer, "match");
    int rc = p ? read_match(r, match, p, rule) : -1;
    free(p);
    if (rc != 0 || get_string(r, object, pointer, "playbook", &playbook) != 0)
        return -1;
    rule->playbook = config_resolve_path(r->cfg, playbook);
    p = config_pointer_key(pointer, "vars");
    rc = p ? read_vars(r, json_object_get(object, "vars"), p, rule) : -1;
    free(p);
    if (rc != 0)
        return -1;
    p = config_pointer_key(pointer, "notify");
    rc = p ? read_notify(r, json_object_get(object, "notify"), p, rule) : -1;
    free(p);
    if (rc != 0 || get_duration(r, object, pointer, "cooldown", &rule->cooldown_ms) != 0)
        return -1;
    json_t *apply = json_object_get(object, "apply");
    if (apply && !json_is_boolean(apply)) {
        p = config_pointer_key(pointer, "apply");
        expected(r, p ? p : pointer, "true or false", apply);
        free(p);
        return -1;
    }
    rule->apply = json_is_true(apply);
    return rule->playbook ? 0 : -1;
}

static int read_alerts(reader *r, const json_t *list, serve_config *sc)
{
    if (!list || json_is_null(list))
        return 0;
    if (!json_is_array(list))
        return expected(r, "/alerts", "a list of alert rules", list);
    sc->alerts = calloc(json_array_size(list) + 1, sizeof *sc->alerts);
    if (!sc->alerts)
        return -1;
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item) {
        char *p = config_pointer_index("/alerts", i);
        sc->alert_count = i + 1;
        int rc = p ? read_rule(r, item, p, &sc->alerts[i]) : -1;
        free(p);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int serve_config_read(config *cfg, const json_t *key_marks, serve_config **out, diag *err)
{
    *out = NULL;
    const json_t *server = json_object_get(cfg->root, "server");
    const json_t *alerts = json_object_get(cfg->root, "alerts");
    if (!server && !alerts)
        return 0;
    reader r = {cfg, key_marks, err};
    serve_config *sc = calloc(1, sizeof *sc);
    if (!sc || read_server(&r, server, sc) != 0 || read_alerts(&r, alerts, sc) != 0 ||
        (!sc->listen && !(sc->listen = strdup(SERVE_DEFAULT_LISTEN)))) {
        if (!err->text[0])
            diag_set(err, "%s: out of memory", cfg->path);
        serve_config_free(sc);
        return -1;
    }
    *out = sc;
    return 0;
}

void serve_config_free(serve_config *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->alert_count; i++) {
        json_decref(sc->alerts[i].match);
        json_decref(sc->alerts[i].vars);
        free(sc->alerts[i].playbook);
        strlist_clear(&sc->alerts[i].notify);
    }
    free(sc->alerts);
    free(sc->listen);
    free(sc->token);
    free(sc->tls_cert);
    free(sc->tls_key);
    free(sc);
}

/* The placeholder between `{{` and `}}` (trimmed) into name; -1 when not a known form. */
static int placeholder(const char *start, size_t len, char *kind, char *name, size_t size)
{
    while (len && (*start == ' ' || *start == '\t'))
        start++, len--;
    while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    if (len == 6 && strncmp(start, "status", 6) == 0) {
        snprintf(kind, size, "status");
        name[0] = '\0';
        return 0;
    }
    if (len == 11 && strncmp(start, "fingerprint", 11) == 0) {
        snprintf(kind, size, "fingerprint");
        name[0] = '\0';
        return 0;
    }
    const char *dot = memchr(start, '.', len);
    if (!dot || dot == start + len - 1 || (size_t)(start + len - dot) >= size)
        return -1;
    size_t klen = (size_t)(dot - start);
    if (!((klen == 6 && strncmp(start, "labels", 6) == 0) ||
          (klen == 11 && strncmp(start, "annotations", 11) == 0)))
        return -1;
    snprintf(kind, size, "%.*s", (int)klen, start);
    snprintf(name, size, "%.*s", (int)(start + len - dot - 1), dot + 1);
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            return -1;
    return 0;
}

/* Walk `text`; for each placeholder call `emit` with its value (alert may be NULL: check). */
static int walk(const char *text, const json_t *alert, char **out)
{
    size_t cap = strlen(text) + 64, used = 0;
    char *buf = out ? malloc(cap) : NULL;
    if (out && !buf)
        return -1;
    const char *p = text;
    while (*p) {
        const char *open = strstr(p, "{{");
        const char *lit_end = open ? open : p + strlen(p);
        const char *value = NULL;
        size_t value_len = 0;
        const char *next = lit_end;
        if (open) {
            const char *close = strstr(open + 2, "}}");
            char kind[128], name[128];
            if (!close ||
                placeholder(open + 2, (size_t)(close - open - 2), kind, name, sizeof kind) != 0) {
                free(buf);
                return -1;
            }
            const json_t *v = NULL;
            if (alert && name[0])
                v = json_object_get(json_object_get(alert, kind), name);
            else if (alert)
                v = json_object_get(alert, kind);
            value = json_is_string(v) ? json_string_value(v) : "";
            value_len = strlen(value);
            next = close + 2;
        }
        size_t lit_len = (size_t)(lit_end - p);
        if (buf) {
            while (used + lit_len + value_len + 1 > cap) {
                cap *= 2;
                char *grown = realloc(buf, cap);
                if (!grown) {
                    free(buf);
                    return -1;
                }
                buf = grown;
            }
            memcpy(buf + used, p, lit_len);
            used += lit_len;
            if (value_len)
                memcpy(buf + used, value, value_len);
            used += value_len;
        }
        p = next;
    }
    if (buf) {
        buf[used] = '\0';
        *out = buf;
    }
    return 0;
}

int serve_template_check(const char *text, char *why, size_t why_size)
{
    if (walk(text, NULL, NULL) == 0)
        return 0;
    snprintf(why, why_size,
             "'%s': templates hold literal text and {{ labels.NAME }}, {{ annotations.NAME }}, "
             "{{ status }} or {{ fingerprint }} only",
             text);
    return -1;
}

char *serve_template_render(const char *text, const json_t *alert)
{
    char *out = NULL;
    return walk(text, alert, &out) == 0 ? out : NULL;
}
