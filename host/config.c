/* config.c: load fawkes.yaml: read, parse, interpolate, check; and look things up in it. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_internal.h"
#include "serve_config.h"
#include "file_read.h"

static const char *const section_names[CONFIG_SECTION_COUNT] = {"providers", "scanners", "policies",
                                                                "notifiers"};

const char *config_section_name(config_section section)
{
    return (unsigned)section < CONFIG_SECTION_COUNT ? section_names[section] : "unknown";
}

void config_limits_default(config_limits *limits)
{
    limits->concurrency = 4;
    limits->rate_per_s = 0;
    limits->burst = 1;
    limits->retries = 4;
    limits->timeout_ms = 30000;
    limits->backoff_base_ms = 200;
    limits->backoff_max_ms = 60000;
    limits->memory_bytes = 0;
}

char *config_pointer_key(const char *base, const char *key)
{
    size_t extra = 0;
    for (const char *p = key; *p; p++)
        extra += (*p == '~' || *p == '/');
    size_t base_len = strlen(base), key_len = strlen(key);
    char *out = malloc(base_len + 1 + key_len + extra + 1);
    if (!out)
        return NULL;
    memcpy(out, base, base_len);
    char *w = out + base_len;
    *w++ = '/';
    for (const char *p = key; *p; p++) {
        if (*p == '~' || *p == '/') {
            *w++ = '~';
            *w++ = *p == '~' ? '0' : '1';
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return out;
}

char *config_pointer_index(const char *base, size_t index)
{
    char *out = NULL;
    return asprintf(&out, "%s/%zu", base, index) < 0 ? NULL : out;
}

void config_pointer_display(const char *pointer, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (const char *p = pointer; *p == '/' && used + 1 < size;) {
        const char *start = p + 1;
        size_t len = strcspn(start, "/");
        char segment[512];
        size_t n = 0;
        for (size_t i = 0; i < len && n + 1 < sizeof segment; i++) {
            if (start[i] == '~' && i + 1 < len && (start[i + 1] == '0' || start[i + 1] == '1')) {
                segment[n++] = start[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                segment[n++] = start[i];
            }
        }
        segment[n] = '\0';
        int written;
        if (n > 0 && strspn(segment, "0123456789") == n)
            written = snprintf(buf + used, size - used, "[%s]", segment);
        else if (n == 0 || strpbrk(segment, ".[] \"") != NULL)
            written = snprintf(buf + used, size - used, "[\"%s\"]", segment);
        else
            written = snprintf(buf + used, size - used, "%s%s", used ? "." : "", segment);
        if (written < 0 || (size_t)written >= size - used)
            break;
        used += (size_t)written;
        p = start + len;
    }
}

void config_mark_in(const json_t *marks, const char *pointer, int *line, int *column)
{
    *line = *column = 0;
    if (!marks || !pointer)
        return;
    char *path = strdup(pointer);
    if (!path)
        return;
    for (;;) {
        const json_t *mark = json_object_get(marks, path);
        if (mark) {
            *line = (int)json_integer_value(json_array_get(mark, 0));
            *column = (int)json_integer_value(json_array_get(mark, 1));
            break;
        }
        char *slash = strrchr(path, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
    free(path);
}

void config_mark(const config *cfg, const char *pointer, int *line, int *column)
{
    config_mark_in(cfg ? cfg->marks : NULL, pointer, line, column);
}

/* "float 1.0", not "float 1", so a real is not taken for an integer. */
static void describe_real(double value, char *buf, size_t size)
{
    char number[64];
    snprintf(number, sizeof number, "%g", value);
    snprintf(buf, size, "float %s%s", number, strpbrk(number, ".eEni") ? "" : ".0");
}

void config_describe_value(const json_t *value, int hide, char *buf, size_t size)
{
    switch (json_typeof(value)) {
    case JSON_STRING:
        if (hide)
            snprintf(buf, size, "a string (not shown: secret)");
        else if (json_string_length(value) > 60)
            snprintf(buf, size, "string \"%.57s...\"", json_string_value(value));
        else
            snprintf(buf, size, "string \"%s\"", json_string_value(value));
        break;
    case JSON_INTEGER:
        if (hide)
            snprintf(buf, size, "an integer (not shown: secret)");
        else
            snprintf(buf, size, "integer %" JSON_INTEGER_FORMAT, json_integer_value(value));
        break;
    case JSON_REAL:
        if (hide)
            snprintf(buf, size, "a float (not shown: secret)");
        else
            describe_real(json_real_value(value), buf, size);
        break;
    case JSON_TRUE:
        snprintf(buf, size, "boolean true");
        break;
    case JSON_FALSE:
        snprintf(buf, size, "boolean false");
        break;
    case JSON_NULL:
        snprintf(buf, size, "null");
        break;
    case JSON_OBJECT:
        snprintf(buf, size, "a mapping");
        break;
    case JSON_ARRAY:
        snprintf(buf, size, "a list");
        break;
    }
}

void config_fail(const config *cfg, const json_t *marks, const char *pointer, diag *err,
                 const char *fmt, ...)
{
    char message[DIAG_MAX], shown[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    int line = 0, column = 0;
    config_mark_in(marks ? marks : cfg->marks, pointer, &line, &column);
    config_pointer_display(pointer, shown, sizeof shown);
    diag_at(err, cfg->path, line, column, "%s%s%s", shown, shown[0] ? ": " : "", message);
}

char *config_resolve_path(const config *cfg, const char *path)
{
    char *out = NULL;
    if (path[0] == '/' || !cfg->dir || !cfg->dir[0])
        return strdup(path);
    return asprintf(&out, "%s/%s", cfg->dir, path) < 0 ? NULL : out;
}

static config *config_new(const char *path, const char *dir)
{
    config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return NULL;
    cfg->version = 1;
    cfg->path = strdup(path);
    cfg->dir = strdup(dir);
    cfg->marks = json_object();
    cfg->interpolated = json_object();
    if (!cfg->path || !cfg->dir || !cfg->marks || !cfg->interpolated) {
        config_free(cfg);
        return NULL;
    }
    return cfg;
}

config *config_empty(void)
{
    char cwd[PATH_MAX];
    return config_new("<none>", getcwd(cwd, sizeof cwd) ? cwd : ".");
}

/* Parse, interpolate and check `text`; `cfg` already carries path and dir. */
static int config_build(config *cfg, const char *text, size_t length, diag *err)
{
    json_t *key_marks = json_object(), *unresolved = json_array();
    int rc = -1;
    if (!key_marks || !unresolved) {
        diag_set(err, "%s: out of memory", cfg->path);
        goto out;
    }
    if (config_yaml_parse(text, length, cfg->path, &cfg->root, cfg->marks, key_marks, err) != 0)
        goto out;
    if (config_interpolate(cfg, unresolved, err) != 0)
        goto out;
    rc = config_check(cfg, key_marks, unresolved, err);
out:
    json_decref(key_marks);
    json_decref(unresolved);
    return rc;
}

int config_from_string(const char *text, const char *name, config **out, diag *err)
{
    char cwd[PATH_MAX];
    *out = NULL;
    config *cfg = config_new(name, getcwd(cwd, sizeof cwd) ? cwd : ".");
    if (!cfg) {
        diag_set(err, "%s: out of memory", name);
        return -1;
    }
    if (config_build(cfg, text, strlen(text), err) != 0) {
        config_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}

/* The whole file in a new buffer, through the host's capped reader, with what to do. */
static char *read_config_file(const char *path, size_t *length, diag *err)
{
    file_read_failure failure = 0;
    int error_number = 0;
    char *text = file_read_whole(path, CONFIG_MAX_FILE_BYTES, length, &failure, &error_number);
    if (text)
        return text;
    switch (failure) {
    case FILE_READ_CANNOT_OPEN:
        diag_set(err, "%s: cannot open the config: %s; check the -c path", path,
                 strerror(error_number));
        break;
    case FILE_READ_TOO_LARGE:
        diag_set(err, "%s: the config is larger than %u MiB; is this the right file?", path,
                 CONFIG_MAX_FILE_BYTES >> 20);
        break;
    case FILE_READ_CANNOT_READ:
        diag_set(err, "%s: cannot read the config: %s", path, strerror(error_number));
        break;
    default:
        diag_set(err, "%s: out of memory reading the config", path);
    }
    return NULL;
}

/* The absolute directory holding `path`. */
static char *config_dir_of(const char *path)
{
    char *copy = strdup(path), *dir = NULL;
    if (!copy)
        return NULL;
    char *slash = strrchr(copy, '/');
    const char *parent = copy;
    if (!slash)
        parent = ".";
    else if (slash == copy)
        copy[1] = '\0';
    else
        *slash = '\0';
    dir = realpath(parent, NULL);
    if (!dir)
        dir = strdup(parent);
    free(copy);
    return dir;
}

int config_load(const char *path, config **out, diag *err)
{
    *out = NULL;
    size_t length = 0;
    char *dir = NULL, *text = read_config_file(path, &length, err);
    config *cfg = NULL;
    int rc = -1;
    if (!text)
        goto out;
    dir = config_dir_of(path);
    cfg = dir ? config_new(path, dir) : NULL;
    if (!cfg) {
        diag_set(err, "%s: out of memory", path);
        goto out;
    }
    if (config_build(cfg, text, length, err) != 0)
        goto out;
    *out = cfg;
    cfg = NULL;
    rc = 0;
out:
    config_free(cfg);
    free(dir);
    free(text);
    return rc;
}

static void chain_free(config_chain *chain)
{
    free(chain->name);
    strlist_clear(&chain->providers);
    strlist_clear(&chain->scanners);
    strlist_clear(&chain->policies);
    strlist_clear(&chain->notify);
    strlist_clear(&chain->playbooks);
    free(chain->schedule);
}

void config_free(config *cfg)
{
    if (!cfg)
        return;
    for (size_t s = 0; s < CONFIG_SECTION_COUNT; s++) {
        for (size_t i = 0; i < cfg->instance_count[s]; i++) {
            config_instance *inst = &cfg->instances[s][i];
            free(inst->name);
            free(inst->plugin);
            free(inst->pointer);
            json_decref(inst->config);
            json_decref(inst->unresolved);
        }
        free(cfg->instances[s]);
    }
    for (size_t i = 0; i < cfg->chain_count; i++)
        chain_free(&cfg->chains[i]);
    free(cfg->chains);
    strlist_clear(&cfg->plugin_dirs);
    strlist_clear(&cfg->egress_allow);
    strlist_clear(&cfg->playbooks.lib_dirs);
    serve_config_free(cfg->serve);
    free(cfg->audit_log);
    free(cfg->audit_signing_key);
    free(cfg->audit_forward);
    free(cfg->state_path);
    json_decref(cfg->root);
    json_decref(cfg->marks);
    json_decref(cfg->interpolated);
    free(cfg->path);
    free(cfg->dir);
    free(cfg);
}

const config_instance *config_find_instance(const config *cfg, const char *name,
                                            config_section *section)
{
    for (size_t s = 0; s < CONFIG_SECTION_COUNT; s++)
        for (size_t i = 0; i < cfg->instance_count[s]; i++)
            if (cfg->instances[s][i].name && strcmp(cfg->instances[s][i].name, name) == 0) {
                if (section)
                    *section = (config_section)s;
                return &cfg->instances[s][i];
            }
    return NULL;
}

const config_chain *config_find_chain(const config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->chain_count; i++)
        if (cfg->chains[i].name && strcmp(cfg->chains[i].name, name) == 0)
            return &cfg->chains[i];
    return NULL;
}
