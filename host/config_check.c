/* config_check.c: check the host's own keys and turn the document into struct config. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_internal.h"
#include "cron.h"
#include "serve_config.h"
#include "notify_route.h"
#include "schema.h"

typedef struct checker {
    config *cfg;
    const json_t *key_marks;
    const json_t *unresolved;
    diag *err;
} checker;

static const char *const singular[CONFIG_SECTION_COUNT] = {"provider", "scanner", "policy",
                                                           "notifier"};
static const char *const severities[] = {"critical", "high", "medium", "low", "info", NULL};
static const char *const notify_events[] = {"new", "open", "resolved", NULL};

/* "expected WHAT, got DESCRIPTION" at `pointer`. */
static int fail_expected(checker *c, const char *pointer, const char *what, const json_t *value)
{
    char got[160];
    config_describe_value(value, 0, got, sizeof got);
    config_fail(c->cfg, NULL, pointer, c->err, "expected %s, got %s", what, got);
    return -1;
}

static void join_words(const char *const *words, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; words[i] && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", words[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static bool in_words(const char *const *words, const char *s)
{
    for (size_t i = 0; words[i]; i++)
        if (strcmp(words[i], s) == 0)
            return true;
    return false;
}

/* Every key of `object` must be in `allowed`; the error points at the key. */
static int check_keys(checker *c, const json_t *object, const char *pointer,
                      const char *const *allowed)
{
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)object, key, value) {
        if (in_words(allowed, key))
            continue;
        char list[512], shown[256];
        join_words(allowed, list, sizeof list);
        config_pointer_display(pointer, shown, sizeof shown);
        char *child = config_pointer_key(pointer, key);
        int line = 0, column = 0;
        config_mark_in(c->key_marks, child ? child : pointer, &line, &column);
        free(child);
        diag_at(c->err, c->cfg->path, line, column, "%s%sunknown key '%s'; allowed: %s", shown,
                shown[0] ? ": " : "", key, list);
        return -1;
    }
    return 0;
}

static int check_string(checker *c, const json_t *value, const char *pointer, bool non_empty)
{
    if (!json_is_string(value) || (non_empty && json_string_length(value) == 0))
        return fail_expected(c, pointer, non_empty ? "a non-empty string" : "a string", value);
    return 0;
}

/* A list of strings (null: empty); resolve each against cfg->dir when `paths` is set. */
static int read_string_list(checker *c, const json_t *value, const char *pointer, bool paths,
                            strlist *out)
{
    if (!value || json_is_null(value))
        return 0;
    if (!json_is_array(value))
        return fail_expected(c, pointer, "a list of strings", value);
    size_t i;
    json_t *item;
    json_array_foreach (value, i, item) {
        char *item_pointer = config_pointer_index(pointer, i);
        int rc = item_pointer ? check_string(c, item, item_pointer, paths) : -1;
        free(item_pointer);
        if (rc != 0)
            return -1;
        char *text = paths ? config_resolve_path(c->cfg, json_string_value(item))
                           : strdup(json_string_value(item));
        rc = text ? strlist_push(out, text) : -1;
        free(text);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int read_path(checker *c, const json_t *value, const char *pointer, char **out)
{
    if (!value || json_is_null(value))
        return 0;
    if (check_string(c, value, pointer, true) != 0)
        return -1;
    *out = config_resolve_path(c->cfg, json_string_value(value));
    return *out ? 0 : -1;
}

/* "10/s", "600/m", "36000/h" or a number (per second), > 0. */
static int parse_rate(const json_t *value, double *per_s)
{
    if (json_is_number(value)) {
        *per_s = json_number_value(value);
        return (*per_s > 0 && isfinite(*per_s)) ? 0 : -1;
    }
    if (!json_is_string(value))
        return -1;
    const char *text = json_string_value(value);
    char *end = NULL;
    if (!(text[0] >= '0' && text[0] <= '9'))
        return -1;
    double n = strtod(text, &end);
    double per = 0;
    if (strcmp(end, "/s") == 0)
        per = 1;
    else if (strcmp(end, "/m") == 0)
        per = 60;
    else if (strcmp(end, "/h") == 0)
        per = 3600;
    if (per == 0 || !(n > 0) || !isfinite(n))
        return -1;
    *per_s = n / per;
    return 0;
}

static int read_rate(checker *c, const json_t *value, const char *pointer, double *per_s)
{
    if (parse_rate(value, per_s) != 0)
        return fail_expected(c, pointer, "a rate > 0 such as 10/s, 600/m or 36000/h", value);
    return 0;
}

static int read_duration(checker *c, const json_t *value, const char *pointer, bool positive,
                         long *ms)
{
    int64_t parsed = -1;
    if (json_is_integer(value) && json_integer_value(value) >= 0)
        parsed = json_integer_value(value);
    else if (json_is_string(value) &&
             schema_parse_duration_ms(json_string_value(value), &parsed) != 0)
        parsed = -1;
    if (parsed < 0 || parsed > LONG_MAX || (positive && parsed == 0))
        return fail_expected(c, pointer,
                             positive ? "a duration > 0 such as 250ms, 30s or 5m"
                                      : "a duration such as 250ms, 30s or 5m",
                             value);
    *ms = (long)parsed;
    return 0;
}

static int read_int(checker *c, const json_t *value, const char *pointer, json_int_t min,
                    json_int_t max, const char *what, int *out)
{
    if (json_is_integer(value) && json_integer_value(value) > max && max == INT_MAX) {
        char bounded[96];
        snprintf(bounded, sizeof bounded, "an integer from %" JSON_INTEGER_FORMAT " to %d", min,
                 INT_MAX);
        return fail_expected(c, pointer, bounded, value);
    }
    if (!json_is_integer(value) || json_integer_value(value) < min ||
        json_integer_value(value) > max)
        return fail_expected(c, pointer, what, value);
    *out = (int)json_integer_value(value);
    return 0;
}

/* Run `fn`-style checks on one optional key of `object`: builds the child pointer. */
#define CHILD(object, key, pointer_var, value_var, body)                                           \
    do {                                                                                           \
        json_t *value_var = json_object_get((object), (key));                                      \
        if (value_var) {                                                                           \
            char *pointer_var = config_pointer_key(pointer, (key));                                \
            int child_rc = pointer_var ? (body) : -1;                                              \
            free(pointer_var);                                                                     \
            if (child_rc != 0)                                                                     \
                return -1;                                                                         \
        }                                                                                          \
    } while (0)

/* limits.memory: a size of at least 16MiB (less cannot even load a plugin). */
static int read_memory(checker *c, const json_t *value, const char *pointer, long long *bytes)
{
    int64_t parsed = -1;
    if (json_is_integer(value))
        parsed = json_integer_value(value);
    else if (json_is_string(value) && schema_parse_size(json_string_value(value), &parsed) != 0)
        parsed = -1;
    if (parsed < 16LL * 1024 * 1024)
        return fail_expected(c, pointer, "a size of at least 16MiB such as 512MiB or 2GiB", value);
    *bytes = parsed;
    return 0;
}

static int read_limits(checker *c, const json_t *limits, const char *pointer, config_limits *out)
{
    static const char *const allowed[] = {"concurrency", "rate",    "burst",
                                          "retries",     "timeout", "backoff_base",
                                          "backoff_max", "memory",  NULL};
    config_limits_default(out);
    if (!limits || json_is_null(limits))
        return 0;
    if (!json_is_object(limits))
        return fail_expected(c, pointer, "a mapping", limits);
    if (check_keys(c, limits, pointer, allowed) != 0)
        return -1;
    CHILD(limits, "concurrency", p, v,
          read_int(c, v, p, 1, INT_MAX, "an integer >= 1", &out->concurrency));
    CHILD(limits, "rate", p, v, read_rate(c, v, p, &out->rate_per_s));
    out->burst = out->rate_per_s > 1 ? out->rate_per_s : 1;
    CHILD(limits, "burst", p, v,
          (json_is_number(v) && json_number_value(v) >= 1)
              ? (out->burst = json_number_value(v), 0)
              : fail_expected(c, p, "a number >= 1", v));
    CHILD(limits, "retries", p, v,
          read_int(c, v, p, 0, 20, "an integer from 0 to 20", &out->retries));
    CHILD(limits, "timeout", p, v, read_duration(c, v, p, true, &out->timeout_ms));
    CHILD(limits, "backoff_base", p, v, read_duration(c, v, p, false, &out->backoff_base_ms));
    CHILD(limits, "backoff_max", p, v, read_duration(c, v, p, false, &out->backoff_max_ms));
    CHILD(limits, "memory", p, v, read_memory(c, v, p, &out->memory_bytes));
    if (out->backoff_max_ms < out->backoff_base_ms) {
        char *p = config_pointer_key(
            pointer, json_object_get(limits, "backoff_max") ? "backoff_max" : "backoff_base");
        config_fail(c->cfg, NULL, p ? p : pointer, c->err,
                    "backoff_max (%ld ms) is smaller than backoff_base (%ld ms); raise "
                    "backoff_max or lower backoff_base",
                    out->backoff_max_ms, out->backoff_base_ms);
        free(p);
        return -1;
    }
    return 0;
}

static int check_word(checker *c, const json_t *value, const char *pointer,
                      const char *const *words)
{
    if (json_is_string(value) && in_words(words, json_string_value(value)))
        return 0;
    char list[256], what[300];
    join_words(words, list, sizeof list);
    snprintf(what, sizeof what, "one of %s", list);
    return fail_expected(c, pointer, what, value);
}

static int check_word_list(checker *c, const json_t *value, const char *pointer,
                           const char *const *words)
{
    if (!json_is_array(value))
        return fail_expected(c, pointer, "a list such as [new, resolved]", value);
    size_t i;
    json_t *item;
    json_array_foreach (value, i, item) {
        char *item_pointer = config_pointer_index(pointer, i);
        int rc = item_pointer ? check_word(c, item, item_pointer, words) : -1;
        free(item_pointer);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int check_match(checker *c, const json_t *value, const char *pointer)
{
    char why[512];
    if (!json_is_object(value))
        return fail_expected(c, pointer, "a mapping with provider, kind, rule or labels", value);
    if (notify_match_check(value, why, sizeof why) == 0)
        return 0;
    config_fail(c->cfg, NULL, pointer, c->err, "%s", why);
    return -1;
}

static int check_template(checker *c, const json_t *value, const char *pointer)
{
    char why[512];
    if (check_string(c, value, pointer, true) != 0)
        return -1;
    if (notify_template_check(json_string_value(value), why, sizeof why) == 0)
        return 0;
    config_fail(c->cfg, NULL, pointer, c->err, "%s", why);
    return -1;
}

/* The routing keys only notifiers have: checked for type, kept as written in settings. */
static int check_notifier_keys(checker *c, const json_t *object, const char *pointer)
{
    int top = 0;
    long ms = 0;
    double per_s = 0;
    CHILD(object, "min_severity", p, v, check_word(c, v, p, severities));
    CHILD(object, "on", p, v, check_word_list(c, v, p, notify_events));
    CHILD(object, "renotify_after", p, v, read_duration(c, v, p, false, &ms));
    CHILD(object, "digest", p, v, json_is_boolean(v) ? 0 : fail_expected(c, p, "true or false", v));
    CHILD(object, "match", p, v, check_match(c, v, p));
    CHILD(object, "rate", p, v, read_rate(c, v, p, &per_s));
    CHILD(object, "digest_top", p, v,
          read_int(c, v, p, 1, NOTIFY_DIGEST_TOP_MAX, "an integer from 1 to 100", &top));
    CHILD(object, "template", p, v, check_template(c, v, p));
    return 0;
}

static bool valid_name(const char *name)
{
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
        return false;
    return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(name);
}

static int read_name(checker *c, const json_t *object, const char *pointer, const char *what,
                     const json_t **name)
{
    *name = json_object_get(object, "name");
    if (!*name) {
        config_fail(c->cfg, NULL, pointer, c->err,
                    "missing key 'name'; every %s needs a unique "
                    "name",
                    what);
        return -1;
    }
    char *p = config_pointer_key(pointer, "name");
    int rc = check_string(c, *name, p, true);
    if (rc == 0 && !valid_name(json_string_value(*name))) {
        config_fail(c->cfg, NULL, p, c->err,
                    "'%s' is not a valid name: use lower-case letters, digits, '-' and '_', "
                    "starting with a letter or digit",
                    json_string_value(*name));
        rc = -1;
    }
    free(p);
    return rc;
}

/* Entries of `unresolved` that lie under `config_pointer`. */
static json_t *unresolved_under(const json_t *unresolved, const char *config_pointer)
{
    json_t *out = json_array();
    size_t i, len = strlen(config_pointer);
    json_t *entry;
    json_array_foreach (unresolved, i, entry) {
        const char *p = json_string_value(json_object_get(entry, "pointer"));
        if (p && strncmp(p, config_pointer, len) == 0 && (p[len] == '\0' || p[len] == '/'))
            json_array_append(out, entry);
    }
    return out;
}

static int read_identity(checker *c, config_instance *inst, const json_t *object,
                         const char *pointer)
{
    const json_t *name = NULL;
    if (read_name(c, object, pointer, "instance", &name) != 0)
        return -1;
    config_section other;
    const config_instance *dup = config_find_instance(c->cfg, json_string_value(name), &other);
    if (dup) {
        char shown[256];
        config_pointer_display(dup->pointer, shown, sizeof shown);
        char *p = config_pointer_key(pointer, "name");
        config_fail(c->cfg, NULL, p ? p : pointer, c->err,
                    "the name '%s' is already used by %s (line %d); instance names must be "
                    "unique across providers, scanners, policies and notifiers",
                    json_string_value(name), shown, dup->line);
        free(p);
        return -1;
    }
    inst->name = strdup(json_string_value(name));
    const json_t *plugin = json_object_get(object, "plugin");
    if (!plugin) {
        config_fail(c->cfg, NULL, pointer, c->err,
                    "missing key 'plugin' (the name of the plugin '%s' is an instance of)",
                    inst->name);
        return -1;
    }
    CHILD(object, "plugin", p, v, check_string(c, v, p, true));
    inst->plugin = strdup(json_string_value(plugin));
    return inst->name && inst->plugin ? 0 : -1;
}

/* isolation: process | none (providers and scanners; check_keys refuses it elsewhere). */
static int read_isolation(checker *c, const json_t *object, const char *pointer,
                          config_isolation *out)
{
    static const char *const modes[] = {"process", "none", NULL};
    CHILD(object, "isolation", p, v, check_word(c, v, p, modes));
    const char *mode = json_string_value(json_object_get(object, "isolation"));
    *out = !mode                          ? CONFIG_ISOLATION_DEFAULT
           : strcmp(mode, "process") == 0 ? CONFIG_ISOLATION_PROCESS
                                          : CONFIG_ISOLATION_NONE;
    return 0;
}

static int read_instance(checker *c, config_section section, json_t *object, const char *pointer,
                         config_instance *inst)
{
    static const char *const base_keys[] = {"name", "plugin", "config", "limits", NULL};
    static const char *const isolated_keys[] = {"name",   "plugin",    "config",
                                                "limits", "isolation", NULL};
    static const char *const notifier_keys[] = {
        "name",   "plugin",     "config", "limits", "min_severity", "on", "renotify_after",
        "digest", "digest_top", "match",  "rate",   "template",     NULL};
    char what[128];
    snprintf(what, sizeof what, "a mapping with at least name and plugin (one %s instance)",
             singular[section]);
    if (!json_is_object(object))
        return fail_expected(c, pointer, what, object);
    const char *const *keys = section == CONFIG_NOTIFIERS  ? notifier_keys
                              : section == CONFIG_POLICIES ? base_keys
                                                           : isolated_keys;
    if (check_keys(c, object, pointer, keys) != 0)
        return -1;
    inst->section = section;
    inst->settings = object;
    inst->pointer = strdup(pointer);
    config_mark(c->cfg, pointer, &inst->line, &inst->column);
    if (!inst->pointer || read_identity(c, inst, object, pointer) != 0)
        return -1;
    json_t *conf = json_object_get(object, "config");
    char *conf_pointer = config_pointer_key(pointer, "config");
    if (!conf_pointer)
        return -1;
    int rc = 0;
    if (conf && !json_is_null(conf) && !json_is_object(conf))
        rc = fail_expected(c, conf_pointer, "a mapping of the plugin's options", conf);
    else
        inst->config = json_is_object(conf) ? json_incref(conf) : json_object();
    if (rc == 0)
        inst->unresolved = unresolved_under(c->unresolved, conf_pointer);
    free(conf_pointer);
    if (rc != 0 || !inst->config || !inst->unresolved)
        return -1;
    json_t *limits = json_object_get(object, "limits");
    char *limits_pointer = config_pointer_key(pointer, "limits");
    rc = limits_pointer ? read_limits(c, limits, limits_pointer, &inst->limits) : -1;
    free(limits_pointer);
    if (rc == 0 && section == CONFIG_NOTIFIERS)
        rc = check_notifier_keys(c, object, pointer);
    if (rc == 0)
        rc = read_isolation(c, object, pointer, &inst->isolation);
    return rc;
}

static int read_section(checker *c, config_section section)
{
    const char *name = config_section_name(section);
    json_t *list = json_object_get(c->cfg->root, name);
    char pointer[32];
    snprintf(pointer, sizeof pointer, "/%s", name);
    if (!list || json_is_null(list))
        return 0;
    if (!json_is_array(list)) {
        char what[96];
        snprintf(what, sizeof what, "a list of %s instances", singular[section]);
        return fail_expected(c, pointer, what, list);
    }
    c->cfg->instances[section] = calloc(json_array_size(list) + 1, sizeof(config_instance));
    if (!c->cfg->instances[section])
        return -1;
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item) {
        char *item_pointer = config_pointer_index(pointer, i);
        config_instance *inst = &c->cfg->instances[section][i];
        /* Counted before reading so config_free releases a half-read instance. */
        c->cfg->instance_count[section] = i + 1;
        int rc = item_pointer ? read_instance(c, section, item, item_pointer, inst) : -1;
        free(item_pointer);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static void defined_names(const config *cfg, config_section section, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cfg->instance_count[section] && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                         cfg->instances[section][i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (!buf[0])
        snprintf(buf, size, "none");
}

/* Each name in a chain's list must be an instance of `section`. */
static int check_references(checker *c, const strlist *names, const char *pointer,
                            config_section section)
{
    for (size_t i = 0; i < names->count; i++) {
        config_section found;
        const config_instance *inst = config_find_instance(c->cfg, names->items[i], &found);
        if (inst && found == section)
            continue;
        char defined[1024], hint[256] = "";
        defined_names(c->cfg, section, defined, sizeof defined);
        if (inst)
            snprintf(hint, sizeof hint, "; '%s' is a %s, list it under %s", names->items[i],
                     singular[found], config_section_name(found));
        char *item_pointer = config_pointer_index(pointer, i);
        config_fail(c->cfg, NULL, item_pointer ? item_pointer : pointer, c->err,
                    "no %s named '%s' (defined: %s)%s", singular[section], names->items[i], defined,
                    hint);
        free(item_pointer);
        return -1;
    }
    return 0;
}

/* A chain's playbooks (resolved against the config's directory) must be files one can read:
   a missing one would otherwise only fail when the chain reaches it. */
static int check_playbook_files(checker *c, const strlist *paths, const char *pointer)
{
    for (size_t i = 0; i < paths->count; i++) {
        struct stat st;
        const char *why = NULL;
        if (stat(paths->items[i], &st) != 0)
            why = strerror(errno);
        else if (!S_ISREG(st.st_mode))
            why = "not a regular file";
        if (!why)
            continue;
        char *item_pointer = config_pointer_index(pointer, i);
        config_fail(c->cfg, NULL, item_pointer ? item_pointer : pointer, c->err,
                    "playbook %s: %s (a relative path is resolved against the config file's "
                    "directory)",
                    paths->items[i], why);
        free(item_pointer);
        return -1;
    }
    return 0;
}

/* A chain's schedule: cron or a macro (host/serve/cron.h). */
static int check_schedule(checker *c, const json_t *value, const char *pointer)
{
    char why[512];
    cron_spec spec;
    if (check_string(c, value, pointer, true) != 0)
        return -1;
    if (cron_parse(json_string_value(value), &spec, why, sizeof why) == 0)
        return 0;
    config_fail(c->cfg, NULL, pointer, c->err, "%s", why);
    return -1;
}

static int read_chain(checker *c, json_t *object, const char *pointer, config_chain *chain)
{
    static const char *const allowed[] = {"name",   "providers", "scanners", "policies",
                                          "notify", "playbooks", "schedule", NULL};
    if (!json_is_object(object))
        return fail_expected(c, pointer, "a mapping with at least name (one chain)", object);
    if (check_keys(c, object, pointer, allowed) != 0)
        return -1;
    config_mark(c->cfg, pointer, &chain->line, &chain->column);
    const json_t *name = NULL;
    if (read_name(c, object, pointer, "chain", &name) != 0)
        return -1;
    const config_chain *dup = config_find_chain(c->cfg, json_string_value(name));
    if (dup) {
        char *p = config_pointer_key(pointer, "name");
        config_fail(c->cfg, NULL, p ? p : pointer, c->err,
                    "a chain named '%s' is already defined at line %d; chain names must be "
                    "unique",
                    dup->name, dup->line);
        free(p);
        return -1;
    }
    chain->name = strdup(json_string_value(name));
    if (!chain->name)
        return -1;
    CHILD(object, "providers", p, v,
          read_string_list(c, v, p, false, &chain->providers) ||
              check_references(c, &chain->providers, p, CONFIG_PROVIDERS));
    CHILD(object, "scanners", p, v,
          read_string_list(c, v, p, false, &chain->scanners) ||
              check_references(c, &chain->scanners, p, CONFIG_SCANNERS));
    CHILD(object, "policies", p, v,
          read_string_list(c, v, p, false, &chain->policies) ||
              check_references(c, &chain->policies, p, CONFIG_POLICIES));
    CHILD(object, "notify", p, v,
          read_string_list(c, v, p, false, &chain->notify) ||
              check_references(c, &chain->notify, p, CONFIG_NOTIFIERS));
    CHILD(object, "playbooks", p, v,
          read_string_list(c, v, p, true, &chain->playbooks) ||
              check_playbook_files(c, &chain->playbooks, p));
    CHILD(object, "schedule", p, v,
          check_schedule(c, v, p) || !(chain->schedule = strdup(json_string_value(v))));
    return 0;
}

static int read_chains(checker *c)
{
    json_t *list = json_object_get(c->cfg->root, "chains");
    if (!list || json_is_null(list))
        return 0;
    if (!json_is_array(list))
        return fail_expected(c, "/chains", "a list of chains", list);
    c->cfg->chains = calloc(json_array_size(list) + 1, sizeof(config_chain));
    if (!c->cfg->chains)
        return -1;
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item) {
        char *pointer = config_pointer_index("/chains", i);
        c->cfg->chain_count = i + 1;
        int rc = pointer ? read_chain(c, item, pointer, &c->cfg->chains[i]) : -1;
        free(pointer);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* security.audit_signing_key: PEM text that came whole from ${file:..} or ${env:..} (a secret
   is never written in the config itself); audit_configure parses it. */
static int read_signing_key(checker *c, const json_t *value, const char *pointer, char **out)
{
    if (!json_is_string(value) || json_string_length(value) == 0 ||
        !json_is_true(json_object_get(c->cfg->interpolated, pointer))) {
        /* the value itself is never shown: it may be the key */
        config_fail(c->cfg, NULL, pointer, c->err,
                    "expected \"${file:PATH}\" naming an Ed25519 PEM private key (a secret is "
                    "never written in the config itself), got %s",
                    json_is_string(value) ? "a literal string" : "another type");
        return -1;
    }
    *out = strdup(json_string_value(value));
    return *out ? 0 : -1;
}

/* security.audit_forward: "syslog" or "udp://HOST:PORT". */
static int read_forward(checker *c, const json_t *value, const char *pointer, char **out)
{
    const char *text = json_string_value(value);
    if (!text || (strcmp(text, "syslog") != 0 && strncmp(text, "udp://", 6) != 0) ||
        (text[0] == 'u' && (!strrchr(text + 6, ':') || strrchr(text + 6, ':') == text + 6)))
        return fail_expected(c, pointer, "syslog or udp://HOST:PORT", value);
    *out = strdup(text);
    return *out ? 0 : -1;
}

static int read_security(checker *c, const json_t *security)
{
    static const char *const allowed[] = {"egress_allow", "audit_log", "audit_signing_key",
                                          "audit_forward", NULL};
    const char *pointer = "/security";
    if (!security || json_is_null(security))
        return 0;
    if (!json_is_object(security))
        return fail_expected(c, pointer, "a mapping with egress_allow and audit_log", security);
    if (check_keys(c, security, pointer, allowed) != 0)
        return -1;
    CHILD(security, "egress_allow", p, v, read_string_list(c, v, p, false, &c->cfg->egress_allow));
    CHILD(security, "audit_log", p, v, read_path(c, v, p, &c->cfg->audit_log));
    CHILD(security, "audit_signing_key", p, v,
          read_signing_key(c, v, p, &c->cfg->audit_signing_key));
    CHILD(security, "audit_forward", p, v, read_forward(c, v, p, &c->cfg->audit_forward));
    return 0;
}

static int read_playbooks(checker *c, const json_t *section)
{
    static const char *const allowed[] = {"lib_dirs", "max_actions",  "max_percent", "cooldown",
                                          "memory",   "instructions", "timeout",     NULL};
    const char *pointer = "/playbooks";
    config_playbooks *out = &c->cfg->playbooks;
    if (!section || json_is_null(section))
        return 0;
    if (!json_is_object(section))
        return fail_expected(c, pointer, "a mapping (lib_dirs, max_actions, ...)", section);
    if (check_keys(c, section, pointer, allowed) != 0)
        return -1;
    CHILD(section, "lib_dirs", p, v, read_string_list(c, v, p, true, &out->lib_dirs));
    CHILD(section, "max_actions", p, v,
          read_int(c, v, p, 0, 1000000, "an integer from 0 to 1000000", &out->max_actions) ||
              !(out->max_actions_set = true));
    CHILD(section, "max_percent", p, v,
          (json_is_number(v) && json_number_value(v) > 0 && json_number_value(v) <= 100)
              ? (out->max_percent = json_number_value(v), 0)
              : fail_expected(c, p, "a number above 0 and at most 100", v));
    CHILD(section, "cooldown", p, v,
          read_duration(c, v, p, false, &out->cooldown_ms) || !(out->cooldown_set = true));
    int64_t bytes = 0;
    CHILD(section, "memory", p, v,
          (json_is_string(v) && schema_parse_size(json_string_value(v), &bytes) == 0 &&
           bytes >= 1024 * 1024)
              ? (out->memory_bytes = bytes, 0)
              : fail_expected(c, p, "a size of at least 1MiB such as 64MiB", v));
    CHILD(section, "instructions", p, v,
          (json_is_integer(v) && json_integer_value(v) >= 1000)
              ? (out->instructions = json_integer_value(v), 0)
              : fail_expected(c, p, "an integer >= 1000", v));
    CHILD(section, "timeout", p, v, read_duration(c, v, p, true, &out->timeout_ms));
    return 0;
}

static int read_history(checker *c, const json_t *section)
{
    static const char *const allowed[] = {"keep_runs", "keep_days", NULL};
    const char *pointer = "/history";
    if (!section || json_is_null(section))
        return 0;
    if (!json_is_object(section))
        return fail_expected(c, pointer, "a mapping with keep_runs and keep_days", section);
    if (check_keys(c, section, pointer, allowed) != 0)
        return -1;
    CHILD(section, "keep_runs", p, v,
          read_int(c, v, p, 1, 100000, "an integer from 1 to 100000 (runs kept per chain)",
                   &c->cfg->history_keep_runs));
    CHILD(section, "keep_days", p, v,
          read_int(c, v, p, 0, 36500, "an integer from 0 to 36500 (days; 0 keeps runs of any age)",
                   &c->cfg->history_keep_days));
    return 0;
}

static int read_top(checker *c)
{
    static const char *const allowed[] = {
        "version",  "plugin_dirs", "providers", "scanners", "policies", "notifiers", "chains",
        "security", "state",       "playbooks", "history",  "server",   "alerts",    NULL};
    const json_t *root = c->cfg->root;
    const char *pointer = "";
    if (!root) {
        diag_set(c->err, "%s: the config is empty; start it with `version: 1`", c->cfg->path);
        return -1;
    }
    if (!json_is_object(root))
        return fail_expected(c, "", "a mapping with version: 1 at the top level", root);
    if (check_keys(c, root, "", allowed) != 0)
        return -1;
    const json_t *version = json_object_get(root, "version");
    if (!version) {
        config_fail(c->cfg, NULL, "", c->err,
                    "missing key 'version'; add `version: 1` at the "
                    "top");
        return -1;
    }
    CHILD(
        root, "version", p, v,
        read_int(c, v, p, 1, 1, "1 (the only config version this fawkes reads)", &c->cfg->version));
    CHILD(root, "plugin_dirs", p, v, read_string_list(c, v, p, true, &c->cfg->plugin_dirs));
    CHILD(root, "state", p, v, read_path(c, v, p, &c->cfg->state_path));
    c->cfg->history_keep_days = -1;
    if (read_history(c, json_object_get(root, "history")) != 0)
        return -1;
    if (read_playbooks(c, json_object_get(root, "playbooks")) != 0)
        return -1;
    return read_security(c, json_object_get(root, "security"));
}

int config_check(config *cfg, const json_t *key_marks, const json_t *unresolved, diag *err)
{
    checker c = {cfg, key_marks, unresolved, err};
    err->text[0] = '\0';
    int rc = read_top(&c);
    for (size_t s = 0; rc == 0 && s < CONFIG_SECTION_COUNT; s++)
        rc = read_section(&c, (config_section)s);
    if (rc == 0)
        rc = read_chains(&c);
    if (rc == 0)
        rc = serve_config_read(cfg, key_marks, &cfg->serve, err);
    if (rc != 0 && err->text[0] == '\0')
        diag_set(err, "%s: out of memory while checking the config", cfg->path);
    return rc;
}
