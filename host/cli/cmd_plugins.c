/* cmd_plugins.c: `fawkes plugins list | inspect NAME | check FILE`, read in child processes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fawkes/fwkx.h"
#include "app.h"
#include "commands.h"
#include "exitcode.h"
#include "loader.h"
#include "loader_internal.h"
#include "schema.h"
#include "log.h"

#define PLUGINS_USAGE "usage: fawkes plugins list | plugins inspect NAME | plugins check FILE"

static const char plugins_help[] = PLUGINS_USAGE
    "\n"
    "\n"
    "  list          every plugin in the search path, loaded or refused (with the reason)\n"
    "  inspect NAME  one plugin's descriptor and config options (-o json: its JSON Schema)\n"
    "  check FILE    run the loader's checks on one .so, as an author would before shipping\n"
    "\n"
    "Plugins are searched in: --plugin-dir DIR (repeatable), plugin_dirs: in the config,\n"
    "FAWKES_PLUGIN_PATH (':'-separated), <binary dir>/plugins, then the installed directory.\n"
    "Descriptors are read in child processes, so a crashing plugin cannot stop the listing.\n"
    "Output: -o table (default), json or jsonl. Exit 0 ok; 2 usage error, unknown plugin or\n"
    "refused file.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    log_user_error("%s\n%s", message, PLUGINS_USAGE);
    return EXIT_CODE_USAGE;
}

/* A string field of an entry, or "-" when absent. */
static bool is_loaded(const json_t *entry)
{
    return strcmp(fwkx_text(entry, "status", "-"), "loaded") == 0;
}

/* "a, b, c" of the strings in `list` (or of key `key` of its objects), or "none". */
static void join_strings(const json_t *list, const char *key, char *out, size_t size)
{
    size_t i, used = 0;
    json_t *item;
    out[0] = '\0';
    json_array_foreach (list, i, item) {
        const char *text =
            key ? json_string_value(json_object_get(item, key)) : json_string_value(item);
        if (!text || (key && !is_loaded(item)))
            continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", text);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    if (!out[0])
        snprintf(out, size, "none");
}

static void join_dirs(const strlist *dirs, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < dirs->count; i++) {
        int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", dirs->items[i]);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    if (!out[0])
        snprintf(out, size, "no directory exists");
}

static void print_json(const json_t *value, output_format format)
{
    json_dumpf(value, stdout, format == OUTPUT_JSONL ? JSON_COMPACT : JSON_INDENT(2));
    fputc('\n', stdout);
}

/* ---- plugins list ---- */

static void print_list_table(const json_t *list)
{
    static const char *const columns[] = {"NAME", "KIND", "VERSION", "ABI", "STATUS", "PATH"};
    static const char *const keys[] = {"name", "kind", "version", "abi", "status", "path"};
    enum {
        NCOL = 6
    };
    size_t width[NCOL], i;
    json_t *entry;
    for (size_t c = 0; c < NCOL; c++)
        width[c] = strlen(columns[c]);
    json_array_foreach (list, i, entry) {
        for (size_t c = 0; c < NCOL; c++)
            if (strlen(fwkx_text(entry, keys[c], "-")) > width[c])
                width[c] = strlen(fwkx_text(entry, keys[c], "-"));
    }
    for (size_t c = 0; c < NCOL - 1; c++)
        printf("%-*s  ", (int)width[c], columns[c]);
    printf("%s\n", columns[NCOL - 1]);
    json_array_foreach (list, i, entry) {
        for (size_t c = 0; c < NCOL - 1; c++)
            printf("%-*s  ", (int)width[c], fwkx_text(entry, keys[c], "-"));
        printf("%s\n", fwkx_text(entry, "path", "-"));
        if (!is_loaded(entry))
            printf("    %s\n", fwkx_text(entry, "reason", "-"));
    }
}

static int plugins_list(const cli_args *args)
{
    app a;
    int rc = app_open(&a, args, 0);
    if (rc != EXIT_CODE_OK)
        return rc;
    json_t *list = loader_list_isolated(&a.plugin_dirs);
    if (!list) {
        log_user_error("out of memory listing plugins");
        rc = EXIT_CODE_INTERNAL;
        goto out;
    }
    if (json_array_size(list) == 0) {
        char dirs[2048];
        join_dirs(&a.plugin_dirs, dirs, sizeof dirs);
        log_msg(FWK_LOG_WARN, "plugins",
                "no plugins found (searched: %s); pass --plugin-dir DIR, set plugin_dirs: in "
                "the config, or set FAWKES_PLUGIN_PATH",
                dirs);
    }
    if (args->format == OUTPUT_TABLE) {
        print_list_table(list);
    } else if (args->format == OUTPUT_JSON) {
        print_json(list, OUTPUT_JSON);
    } else {
        size_t i;
        json_t *entry;
        json_array_foreach (list, i, entry) {
            print_json(entry, OUTPUT_JSONL);
        }
    }
out:
    json_decref(list);
    app_close(&a);
    return rc;
}

/* ---- plugins inspect ---- */

/* "required", "default: 8", "secret", "one of: a, b", "range: 1..64" of one option. */
static void option_traits(const json_t *opt, char *out, size_t size)
{
    char allowed[512], *def = NULL;
    size_t used = 0;
    out[0] = '\0';
    if (json_is_true(json_object_get(opt, "required")))
        used += (size_t)snprintf(out, size, "required");
    const json_t *default_value = json_object_get(opt, "default");
    if (default_value && !json_is_null(default_value))
        def = json_dumps(default_value, JSON_COMPACT | JSON_ENCODE_ANY);
    if (def && used < size)
        used += (size_t)snprintf(out + used, size - used, "%sdefault: %s", used ? ", " : "", def);
    free(def);
    if (json_is_true(json_object_get(opt, "secret")) && used < size)
        used += (size_t)snprintf(out + used, size - used, "%ssecret", used ? ", " : "");
    if (json_object_get(opt, "allowed") && used < size) {
        join_strings(json_object_get(opt, "allowed"), NULL, allowed, sizeof allowed);
        used +=
            (size_t)snprintf(out + used, size - used, "%sone of: %s", used ? ", " : "", allowed);
    }
    if (json_object_get(opt, "min") && used < size) {
        char low[32], high[32];
        schema_format_number(json_number_value(json_object_get(opt, "min")), low, sizeof low);
        schema_format_number(json_number_value(json_object_get(opt, "max")), high, sizeof high);
        used += (size_t)snprintf(out + used, size - used, "%srange: %s..%s", used ? ", " : "", low,
                                 high);
    }
    if (!out[0])
        snprintf(out, size, "optional");
}

static void print_inspect_table(const json_t *entry)
{
    char caps[256], traits[1024];
    join_strings(json_object_get(entry, "capabilities"), NULL, caps, sizeof caps);
    printf("%s %s (%s, ABI %s)\n", fwkx_text(entry, "name", "-"), fwkx_text(entry, "version", "-"),
           fwkx_text(entry, "kind", "-"), fwkx_text(entry, "abi", "-"));
    printf("  %s\n", fwkx_text(entry, "description", "-"));
    printf("  path:          %s\n", fwkx_text(entry, "path", "-"));
    printf("  license:       %s\n", fwkx_text(entry, "license", "-"));
    printf("  capabilities:  %s\n", caps);
    const json_t *options = json_object_get(entry, "options");
    if (json_array_size(options) == 0) {
        printf("\nconfig options: none\n");
        return;
    }
    size_t name_width = 4, type_width = 4, i;
    json_t *opt;
    json_array_foreach (options, i, opt) {
        if (strlen(fwkx_text(opt, "name", "-")) > name_width)
            name_width = strlen(fwkx_text(opt, "name", "-"));
        if (strlen(fwkx_text(opt, "type", "-")) > type_width)
            type_width = strlen(fwkx_text(opt, "type", "-"));
    }
    printf("\nconfig options:\n");
    json_array_foreach (options, i, opt) {
        option_traits(opt, traits, sizeof traits);
        printf("  %-*s  %-*s  %s\n", (int)name_width, fwkx_text(opt, "name", "-"), (int)type_width,
               fwkx_text(opt, "type", "-"), traits);
        const char *description = json_string_value(json_object_get(opt, "description"));
        if (description && description[0])
            printf("  %-*s  %s\n", (int)name_width, "", description);
    }
}

/* The loaded entry named `name`, or NULL. */
static const json_t *find_loaded(const json_t *list, const char *name)
{
    size_t i;
    json_t *entry;
    json_array_foreach (list, i, entry) {
        if (is_loaded(entry) && strcmp(fwkx_text(entry, "name", "-"), name) == 0)
            return entry;
    }
    return NULL;
}

/* A refused entry whose file is NAME.so: the likely meaning of an unknown NAME. */
static const json_t *find_refused_file(const json_t *list, const char *name)
{
    size_t i;
    json_t *entry;
    json_array_foreach (list, i, entry) {
        const char *path = fwkx_text(entry, "path", "-");
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        size_t len = strlen(name);
        if (!is_loaded(entry) && strncmp(base, name, len) == 0 && strcmp(base + len, ".so") == 0)
            return entry;
    }
    return NULL;
}

static int plugins_inspect(const cli_args *args, const char *name)
{
    app a;
    int rc = app_open(&a, args, 0);
    if (rc != EXIT_CODE_OK)
        return rc;
    json_t *list = loader_list_isolated(&a.plugin_dirs);
    const json_t *entry = list ? find_loaded(list, name) : NULL;
    const json_t *refused = list && !entry ? find_refused_file(list, name) : NULL;
    if (!list) {
        log_user_error("out of memory listing plugins");
        rc = EXIT_CODE_INTERNAL;
    } else if (refused) {
        log_user_error("plugin '%s' (%s) was refused: %s", name, fwkx_text(refused, "path", "-"),
                       fwkx_text(refused, "reason", "-"));
        rc = EXIT_CODE_USAGE;
    } else if (!entry) {
        char loaded[2048], dirs[2048];
        join_strings(list, "name", loaded, sizeof loaded);
        join_dirs(&a.plugin_dirs, dirs, sizeof dirs);
        log_user_error("no plugin named '%s' (loaded: %s; searched: %s)", name, loaded, dirs);
        rc = EXIT_CODE_USAGE;
    } else if (args->format == OUTPUT_TABLE) {
        print_inspect_table(entry);
    } else {
        print_json(entry, args->format);
    }
    json_decref(list);
    app_close(&a);
    return rc;
}

/* ---- plugins check ---- */

static int plugins_check(const cli_args *args, const char *path)
{
    json_t *entry = loader_describe_isolated(path);
    if (!entry) {
        log_user_error("out of memory checking %s", path);
        return EXIT_CODE_INTERNAL;
    }
    bool ok = is_loaded(entry);
    if (args->format != OUTPUT_TABLE)
        print_json(entry, args->format);
    else if (ok)
        printf("%s: ok (%s %s %s, ABI %s)\n", path, fwkx_text(entry, "kind", "-"),
               fwkx_text(entry, "name", "-"), fwkx_text(entry, "version", "-"),
               fwkx_text(entry, "abi", "-"));
    else
        printf("%s: refused: %s\n", path, fwkx_text(entry, "reason", "-"));
    json_decref(entry);
    return ok ? EXIT_CODE_OK : EXIT_CODE_USAGE;
}

int cmd_plugins(const cli_args *args)
{
    if (args->help) {
        fputs(plugins_help, stdout);
        return EXIT_CODE_OK;
    }
    if (args->format != OUTPUT_TABLE && args->format != OUTPUT_JSON && args->format != OUTPUT_JSONL)
        return usage_error("plugins: -o %s is not supported here; use table, json or jsonl",
                           output_format_name(args->format));
    if (args->words.count == 0)
        return usage_error("plugins: missing subcommand (list, inspect or check)");
    const char *sub = args->words.items[0];
    size_t want = strcmp(sub, "list") == 0 ? 1 : 2;
    if (strcmp(sub, "list") != 0 && strcmp(sub, "inspect") != 0 && strcmp(sub, "check") != 0)
        return usage_error("plugins: unknown subcommand '%s'", sub);
    if (args->words.count < want)
        return usage_error("plugins %s: missing %s", sub,
                           strcmp(sub, "inspect") == 0 ? "NAME" : "FILE");
    if (args->words.count > want)
        return usage_error("plugins: unexpected argument '%s'", args->words.items[want]);
    if (want == 1)
        return plugins_list(args);
    if (strcmp(sub, "inspect") == 0)
        return plugins_inspect(args, args->words.items[1]);
    return plugins_check(args, args->words.items[1]);
}
