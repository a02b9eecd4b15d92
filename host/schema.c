/* schema.c: check plugin instance configs against option tables; render them as JSON Schema. */
#include "schema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "log.h"

#define DURATION_PATTERN "^[0-9]+(ms|s|m|h|d)?$"
#define SIZE_PATTERN "^[0-9]+(B|KB|MB|GB|KiB|MiB|GiB)?$"

static size_t option_step(const fwk_option *option)
{
    return option->struct_size >= sizeof(fwk_option) ? option->struct_size : sizeof(fwk_option);
}

const fwk_option *schema_option_at(const fwk_option *options, size_t i)
{
    const fwk_option *option = options;
    for (size_t k = 0; k < i && option; k++)
        option =
            option->name
                ? (const fwk_option *)(const void *)((const char *)option + option_step(option))
                : NULL;
    return option;
}

size_t schema_option_count(const fwk_option *options)
{
    size_t n = 0;
    if (!options)
        return 0;
    for (const fwk_option *o = options; o->name; o = schema_option_at(o, 1))
        n++;
    return n;
}

/* Digits then a unit from `units` (with multipliers), checked against overflow. */
static int parse_scaled(const char *text, const char *const *units, const int64_t *factors,
                        int64_t *out)
{
    if (!text || !(*text >= '0' && *text <= '9'))
        return -1;
    int64_t n = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (INT64_MAX - (*p - '0')) / 10)
            return -1;
        n = n * 10 + (*p - '0');
    }
    for (size_t i = 0; units[i]; i++) {
        if (strcmp(p, units[i]) != 0)
            continue;
        if (factors[i] > 1 && n > INT64_MAX / factors[i])
            return -1;
        *out = n * factors[i];
        return 0;
    }
    return -1;
}

int schema_parse_duration_ms(const char *text, int64_t *ms)
{
    static const char *const units[] = {"", "ms", "s", "m", "h", "d", NULL};
    static const int64_t factors[] = {1, 1, 1000, 60000, 3600000, 86400000};
    return parse_scaled(text, units, factors, ms);
}

int schema_parse_size(const char *text, int64_t *bytes)
{
    static const char *const units[] = {"", "B", "KB", "MB", "GB", "KiB", "MiB", "GiB", NULL};
    static const int64_t factors[] = {1, 1, 1000, 1000000, 1000000000, 1024, 1048576, 1073741824};
    return parse_scaled(text, units, factors, bytes);
}

/* Where schema_apply is working: for messages, secrets and unresolved references. */
typedef struct schema_ctx {
    const config *cfg;
    const char *pointer;         /* of the config: mapping */
    const config_instance *inst; /* the instance owning `pointer`, when cfg knows it */
    diag *err;
} schema_ctx;

static void schema_fail(const schema_ctx *sc, const char *mark_pointer, const char *shown_pointer,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void schema_fail(const schema_ctx *sc, const char *mark_pointer, const char *shown_pointer,
                        const char *fmt, ...)
{
    char message[DIAG_MAX - 256], shown[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    config_pointer_display(shown_pointer, shown, sizeof shown);
    if (!sc->cfg) {
        diag_set(sc->err, "%s%s%s", shown, shown[0] ? ": " : "", message);
        return;
    }
    int line = 0, column = 0;
    config_mark(sc->cfg, mark_pointer, &line, &column);
    diag_at(sc->err, sc->cfg->path, line, column, "%s%s%s", shown, shown[0] ? ": " : "", message);
}

static void format_ms(double ms, char *buf, size_t size)
{
    static const struct {
        double factor;
        const char *unit;
    } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms >= units[i].factor && (long long)ms % (long long)units[i].factor == 0) {
            snprintf(buf, size, "%.0f%s", ms / units[i].factor, units[i].unit);
            return;
        }
    snprintf(buf, size, "%.0fms", ms);
}

/* What a value of this option must be, as "expected ..." reads it. */

void schema_format_number(double value, char *buf, size_t size)
{
    if (value == (double)(long long)value && value > -1e18 && value < 1e18)
        snprintf(buf, size, "%lld", (long long)value);
    else
        snprintf(buf, size, "%g", value);
}

static void describe_option(const fwk_option *opt, char *buf, size_t size)
{
    static const char *const names[] = {"",
                                        "a string",
                                        "an integer",
                                        "a number",
                                        "true or false",
                                        "a duration such as 250ms, 30s or 5m",
                                        "a size such as 512, 64KiB or 10MB",
                                        "a list of strings",
                                        "a mapping",
                                        "a path",
                                        "a list of paths"};
    const char *name =
        (opt->type >= 1 && opt->type <= FWK_OPT_PATH_LIST) ? names[opt->type] : "a value";
    bool range = (opt->flags & FWK_OPT_HAS_RANGE) != 0;
    char low[32], high[32];
    if (!range || opt->type == FWK_OPT_BOOL || opt->type == FWK_OPT_OBJECT) {
        snprintf(buf, size, "%s", name);
    } else if (opt->type == FWK_OPT_DURATION) {
        format_ms(opt->min, low, sizeof low);
        format_ms(opt->max, high, sizeof high);
        snprintf(buf, size, "%s, from %s to %s", name, low, high);
    } else {
        schema_format_number(opt->min, low, sizeof low);
        schema_format_number(opt->max, high, sizeof high);
        if (opt->type == FWK_OPT_STRING || opt->type == FWK_OPT_PATH)
            snprintf(buf, size, "%s of %s to %s characters", name, low, high);
        else if (opt->type == FWK_OPT_STRING_LIST)
            snprintf(buf, size, "a list of %s to %s strings", low, high);
        else if (opt->type == FWK_OPT_PATH_LIST)
            snprintf(buf, size, "a list of %s to %s paths", low, high);
        else
            snprintf(buf, size, "%s from %s to %s%s", name, low, high,
                     opt->type == FWK_OPT_SIZE ? " bytes" : "");
    }
    if (opt->allowed && (opt->type == FWK_OPT_STRING || opt->type == FWK_OPT_STRING_LIST)) {
        size_t used = strlen(buf);
        used += (size_t)snprintf(buf + used, size > used ? size - used : 0, "%s",
                                 opt->type == FWK_OPT_STRING ? ": one of " : " from ");
        for (size_t i = 0; opt->allowed[i] && used < size; i++)
            used +=
                (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", opt->allowed[i]);
    }
}

static bool in_range(const fwk_option *opt, double value)
{
    return !(opt->flags & FWK_OPT_HAS_RANGE) || (value >= opt->min && value <= opt->max);
}

static bool allowed_word(const fwk_option *opt, const char *word)
{
    if (!opt->allowed)
        return true;
    for (size_t i = 0; opt->allowed[i]; i++)
        if (strcmp(opt->allowed[i], word) == 0)
            return true;
    return false;
}

/* A string that came from ${env:}/${file:} stands for a number or bool too. */
static json_t *coerce_reference(const fwk_option *opt, const char *text)
{
    char *end = NULL;
    errno = 0;
    if (opt->type == FWK_OPT_BOOL) {
        if (strcmp(text, "true") == 0)
            return json_true();
        return strcmp(text, "false") == 0 ? json_false() : NULL;
    }
    if (opt->type == FWK_OPT_INT) {
        long long n = strtoll(text, &end, 10);
        return (*text && !*end && errno == 0) ? json_integer(n) : NULL;
    }
    if (opt->type == FWK_OPT_FLOAT) {
        double d = strtod(text, &end);
        return (*text && !*end && errno == 0) ? json_real(d) : NULL;
    }
    return NULL;
}

static json_t *convert_string_list(const fwk_option *opt, const json_t *value)
{
    json_t *list = json_is_string(value) ? json_pack("[O]", value) : json_deep_copy(value);
    if (!json_is_array(list)) {
        json_decref(list);
        return NULL;
    }
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item) {
        if (!json_is_string(item) || !allowed_word(opt, json_string_value(item))) {
            json_decref(list);
            return NULL;
        }
    }
    if (!in_range(opt, (double)json_array_size(list))) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/* A scaled value: an integer as is, or a string parsed with `parse`. -1 when neither. */
static int64_t scaled_value(const json_t *value, int (*parse)(const char *, int64_t *))
{
    int64_t n = -1;
    if (json_is_integer(value))
        n = json_integer_value(value) >= 0 ? json_integer_value(value) : -1;
    else if (json_is_string(value) && parse(json_string_value(value), &n) != 0)
        n = -1;
    return n;
}

/* The checked value in the form the plugin gets (new reference), or NULL when invalid. */
static json_t *convert(const fwk_option *opt, const json_t *value, bool from_reference)
{
    json_t *coerced = NULL;
    if (from_reference && json_is_string(value)) {
        coerced = coerce_reference(opt, json_string_value(value));
        if (coerced)
            value = coerced;
    }
    json_t *out = NULL;
    int64_t n;
    switch (opt->type) {
    case FWK_OPT_STRING:
        if (json_is_string(value) && allowed_word(opt, json_string_value(value)) &&
            in_range(opt, (double)json_string_length(value)))
            out = json_incref((json_t *)value);
        break;
    case FWK_OPT_INT:
        if (json_is_integer(value) && in_range(opt, (double)json_integer_value(value)))
            out = json_incref((json_t *)value);
        break;
    case FWK_OPT_FLOAT:
        if (json_is_number(value) && in_range(opt, json_number_value(value)))
            out = json_real(json_number_value(value));
        break;
    case FWK_OPT_BOOL:
        if (json_is_boolean(value))
            out = json_incref((json_t *)value);
        break;
    case FWK_OPT_DURATION:
    case FWK_OPT_SIZE:
        n = scaled_value(value, opt->type == FWK_OPT_DURATION ? schema_parse_duration_ms
                                                              : schema_parse_size);
        if (n >= 0 && in_range(opt, (double)n))
            out = json_integer(n);
        break;
    case FWK_OPT_STRING_LIST:
        out = convert_string_list(opt, value);
        break;
    case FWK_OPT_PATH:
        if (json_is_string(value) && json_string_length(value) > 0 &&
            in_range(opt, (double)json_string_length(value)))
            out = json_incref((json_t *)value);
        break;
    case FWK_OPT_PATH_LIST:
        out = convert_string_list(opt, value);
        for (size_t i = 0; out && i < json_array_size(out); i++)
            if (json_string_length(json_array_get(out, i)) == 0) {
                json_decref(out);
                out = NULL;
            }
        break;
    case FWK_OPT_OBJECT:
        if (json_is_object(value))
            out = json_deep_copy(value);
        break;
    }
    json_decref(coerced);
    return out;
}

/* A path option's value (taken) with each relative path resolved against the config file's
   directory, as the host's own paths are (config_resolve_path). New reference, or NULL. */
static json_t *resolve_paths(const schema_ctx *sc, const fwk_option *opt, json_t *value)
{
    if ((opt->type != FWK_OPT_PATH && opt->type != FWK_OPT_PATH_LIST) || !sc->cfg || !value)
        return value;
    if (json_is_string(value)) {
        char *path = config_resolve_path(sc->cfg, json_string_value(value));
        json_decref(value);
        json_t *out = path ? json_string(path) : NULL;
        free(path);
        return out;
    }
    json_t *list = json_array();
    size_t i;
    json_t *item;
    json_array_foreach (value, i, item) {
        char *path = config_resolve_path(sc->cfg, json_string_value(item));
        if (!path || json_array_append_new(list, json_string(path)) != 0) {
            free(path);
            json_decref(list);
            list = NULL;
            break;
        }
        free(path);
    }
    json_decref(value);
    return list;
}

static bool is_interpolated(const schema_ctx *sc, const char *pointer, const json_t *value)
{
    if (json_is_true(json_object_get(sc->cfg->interpolated, pointer)))
        return true;
    if (!json_is_array(value) || json_array_size(value) == 0)
        return false;
    for (size_t i = 0; i < json_array_size(value); i++) {
        char *item = config_pointer_index(pointer, i);
        bool whole = item && json_is_true(json_object_get(sc->cfg->interpolated, item));
        free(item);
        if (!whole)
            return false;
    }
    return true;
}

static bool is_unresolved(const schema_ctx *sc, const char *pointer)
{
    if (!sc->inst)
        return false;
    size_t i, len = strlen(pointer);
    json_t *entry;
    json_array_foreach (sc->inst->unresolved, i, entry) {
        const char *p = json_string_value(json_object_get(entry, "pointer"));
        if (p && strncmp(p, pointer, len) == 0 && (p[len] == '\0' || p[len] == '/'))
            return true;
    }
    return false;
}

static void register_secret(const json_t *value)
{
    if (json_is_string(value))
        log_add_secret(json_string_value(value));
    size_t i;
    json_t *item;
    if (json_is_array(value))
        json_array_foreach (value, i, item)
            register_secret(item);
}

static const fwk_option *find_option(const fwk_option *options, const char *name)
{
    size_t count = schema_option_count(options);
    for (size_t i = 0; i < count; i++) {
        const fwk_option *opt = schema_option_at(options, i);
        if (strcmp(opt->name, name) == 0)
            return opt;
    }
    return NULL;
}

static void allowed_keys(const fwk_option *options, char *buf, size_t size)
{
    size_t count = schema_option_count(options), used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 schema_option_at(options, i)->name);
    if (count == 0)
        snprintf(buf, size, "none (this plugin takes no options)");
}

/* One key the user wrote. Sets *converted (NULL when skipped as unresolved). */
static int apply_given(const schema_ctx *sc, const fwk_option *opt, const json_t *value,
                       const char *pointer, json_t **converted)
{
    *converted = NULL;
    if (is_unresolved(sc, pointer))
        return 0; /* reported by the caller as a warning; checked when it is set */
    bool secret = (opt->flags & FWK_OPT_SECRET) != 0;
    bool from_reference = sc->cfg && is_interpolated(sc, pointer, value);
    /* Without a config there is no file the secret could have been written in. */
    if (secret && sc->cfg && !from_reference) {
        schema_fail(sc, pointer, pointer,
                    "'%s' is a secret: write it as ${env:NAME} or ${file:PATH}, not in the file",
                    opt->name);
        return -1;
    }
    *converted = convert(opt, value, from_reference);
    if (*converted && !(*converted = resolve_paths(sc, opt, *converted))) {
        diag_set(sc->err, "out of memory");
        return -1;
    }
    if (!*converted) {
        char expected[512], got[160];
        describe_option(opt, expected, sizeof expected);
        config_describe_value(value, secret, got, sizeof got);
        schema_fail(sc, pointer, pointer, "expected %s, got %s", expected, got);
        return -1;
    }
    if (secret)
        register_secret(*converted);
    return 0;
}

/* An option the user left out: required, or its default (checked: a bad one is a bug). */
static int apply_missing(const schema_ctx *sc, const fwk_option *opt, json_t *out)
{
    char expected[512];
    describe_option(opt, expected, sizeof expected);
    if (opt->flags & FWK_OPT_REQUIRED) {
        schema_fail(sc, sc->pointer, sc->pointer, "missing required key '%s' (%s)", opt->name,
                    expected);
        return -1;
    }
    if (!opt->default_json)
        return 0;
    char *pointer = config_pointer_key(sc->pointer, opt->name);
    const char *plugin = sc->inst ? sc->inst->plugin : "this plugin";
    json_error_t jerr;
    json_t *value = json_loads(opt->default_json, JSON_DECODE_ANY, &jerr);
    json_t *converted = value ? resolve_paths(sc, opt, convert(opt, value, false)) : NULL;
    int rc = 0;
    if (!converted) {
        char got[160];
        if (value)
            config_describe_value(value, 0, got, sizeof got);
        else
            snprintf(got, sizeof got, "text that is not JSON: %s", opt->default_json);
        schema_fail(sc, sc->pointer, pointer ? pointer : sc->pointer,
                    "the plugin '%s' has a bad default for '%s' (expected %s, got %s); this is "
                    "a bug in the plugin: set the key here, and report it to the plugin's "
                    "authors",
                    plugin, opt->name, expected, got);
        rc = -1;
    } else if (json_object_set_new(out, opt->name, converted) != 0) {
        rc = -1;
    }
    json_decref(value);
    free(pointer);
    return rc;
}

static const config_instance *owning_instance(const config *cfg, const char *pointer)
{
    if (!cfg || !pointer)
        return NULL;
    for (size_t s = 0; s < CONFIG_SECTION_COUNT; s++)
        for (size_t i = 0; i < cfg->instance_count[s]; i++) {
            const config_instance *inst = &cfg->instances[s][i];
            size_t len = inst->pointer ? strlen(inst->pointer) : 0;
            if (len && strncmp(pointer, inst->pointer, len) == 0 &&
                strcmp(pointer + len, "/config") == 0)
                return inst;
        }
    return NULL;
}

static int apply_keys(const schema_ctx *sc, const fwk_option *options, const json_t *input,
                      json_t *out)
{
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)input, key, value) {
        char *pointer = config_pointer_key(sc->pointer, key);
        if (!pointer)
            return -1;
        const fwk_option *opt = find_option(options, key);
        json_t *converted = NULL;
        int rc = 0;
        if (!opt) {
            char allowed[1024];
            allowed_keys(options, allowed, sizeof allowed);
            schema_fail(sc, pointer, sc->pointer, "unknown key '%s'; allowed: %s", key, allowed);
            rc = -1;
        } else {
            rc = apply_given(sc, opt, value, pointer, &converted);
        }
        free(pointer);
        if (rc != 0)
            return -1;
        if (converted && json_object_set_new(out, key, converted) != 0)
            return -1;
        if (!converted && opt)
            json_object_set_new(out, key, json_null()); /* unresolved: present, not a default */
    }
    return 0;
}

int schema_apply(const fwk_option *options, const json_t *input, const config *cfg,
                 const char *pointer, json_t **out, diag *err)
{
    schema_ctx sc = {cfg, pointer ? pointer : "", owning_instance(cfg, pointer), err};
    json_t *result = json_object();
    *out = NULL;
    if (!result) {
        diag_set(err, "out of memory");
        return -1;
    }
    if (input && !json_is_object(input)) {
        char got[160];
        config_describe_value(input, 0, got, sizeof got);
        schema_fail(&sc, sc.pointer, sc.pointer, "expected a mapping of options, got %s", got);
        goto fail;
    }
    if (input && apply_keys(&sc, options, input, result) != 0)
        goto fail;
    size_t count = schema_option_count(options);
    for (size_t i = 0; i < count; i++) {
        const fwk_option *opt = schema_option_at(options, i);
        if (json_object_get(result, opt->name))
            continue;
        if (apply_missing(&sc, opt, result) != 0)
            goto fail;
    }
    /* Unresolved references were kept as nulls so that no default replaced them. */
    const char *key;
    json_t *value;
    void *tmp;
    json_object_foreach_safe (result, tmp, key, value) {
        if (json_is_null(value))
            json_object_del(result, key);
    }
    *out = result;
    return 0;
fail:
    json_decref(result);
    return -1;
}

static json_t *option_schema(const fwk_option *opt)
{
    static const char *const json_types[] = {"",        "string", "integer", "number",
                                             "boolean", "string", "string",  "array",
                                             "object",  "string", "array"};
    bool known = opt->type >= 1 && opt->type <= FWK_OPT_PATH_LIST;
    const char *type = known ? json_types[opt->type] : "string";
    json_t *prop = json_pack("{s:s}", "type", type);
    bool range = (opt->flags & FWK_OPT_HAS_RANGE) != 0;
    if (!prop)
        return NULL;
    if (opt->description)
        json_object_set_new(prop, "description", json_string(opt->description));
    if (opt->type == FWK_OPT_DURATION || opt->type == FWK_OPT_SIZE) {
        bool duration = opt->type == FWK_OPT_DURATION;
        json_object_set_new(prop, "pattern",
                            json_string(duration ? DURATION_PATTERN : SIZE_PATTERN));
        json_object_set_new(prop, "x-fawkes-type", json_string(duration ? "duration" : "size"));
    }
    if (opt->type == FWK_OPT_STRING_LIST || opt->type == FWK_OPT_PATH_LIST)
        json_object_set_new(prop, "items", json_pack("{s:s}", "type", "string"));
    if (opt->type == FWK_OPT_PATH || opt->type == FWK_OPT_PATH_LIST)
        json_object_set_new(prop, "x-fawkes-type", json_string("path"));
    if (opt->allowed && (opt->type == FWK_OPT_STRING || opt->type == FWK_OPT_STRING_LIST)) {
        json_t *values = json_array();
        for (size_t i = 0; opt->allowed[i]; i++)
            json_array_append_new(values, json_string(opt->allowed[i]));
        json_object_set_new(opt->type == FWK_OPT_STRING ? prop : json_object_get(prop, "items"),
                            "enum", values);
    }
    if (range) {
        static const char *const keys[][2] = {{"", ""},
                                              {"minLength", "maxLength"},
                                              {"minimum", "maximum"},
                                              {"minimum", "maximum"},
                                              {"", ""},
                                              {"x-fawkes-minimum", "x-fawkes-maximum"},
                                              {"x-fawkes-minimum", "x-fawkes-maximum"},
                                              {"minItems", "maxItems"},
                                              {"", ""},
                                              {"minLength", "maxLength"},
                                              {"minItems", "maxItems"}};
        const char *const *pair = known ? keys[opt->type] : keys[0];
        bool whole = opt->type != FWK_OPT_FLOAT;
        if (pair[0][0]) {
            json_object_set_new(prop, pair[0],
                                whole ? json_integer((json_int_t)opt->min) : json_real(opt->min));
            json_object_set_new(prop, pair[1],
                                whole ? json_integer((json_int_t)opt->max) : json_real(opt->max));
        }
    }
    json_t *def = opt->default_json ? json_loads(opt->default_json, JSON_DECODE_ANY, NULL) : NULL;
    if (def)
        json_object_set_new(prop, "default", def);
    if (opt->flags & FWK_OPT_SECRET) {
        json_object_set_new(prop, "writeOnly", json_true());
        json_object_set_new(prop, "x-fawkes-secret", json_true());
    }
    return prop;
}

json_t *schema_to_json_schema(const fwk_option *options)
{
    json_t *schema = json_pack("{s:s, s:s, s:{}, s:b}", "$schema",
                               "https://json-schema.org/draft/2020-12/schema", "type", "object",
                               "properties", "additionalProperties", 0);
    json_t *required = json_array();
    if (!schema || !required) {
        json_decref(schema);
        json_decref(required);
        return NULL;
    }
    json_t *properties = json_object_get(schema, "properties");
    size_t count = schema_option_count(options);
    for (size_t i = 0; i < count; i++) {
        const fwk_option *opt = schema_option_at(options, i);
        json_object_set_new(properties, opt->name, option_schema(opt));
        if (opt->flags & FWK_OPT_REQUIRED)
            json_array_append_new(required, json_string(opt->name));
    }
    if (json_array_size(required) > 0)
        json_object_set_new(schema, "required", required);
    else
        json_decref(required);
    return schema;
}
