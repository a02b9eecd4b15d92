/* cmd_config.c: `fawkes config validate`: the config, and every instance against its plugin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "commands.h"
#include "exitcode.h"
#include "log.h"
#include "schema.h"

static const fwk_plugin_kind section_kinds[CONFIG_SECTION_COUNT] = {
    FWK_KIND_PROVIDER, FWK_KIND_SCANNER, FWK_KIND_POLICY, FWK_KIND_NOTIFIER};

static void usage(FILE *stream)
{
    fputs("usage: fawkes [-c fawkes.yaml] [--plugin-dir DIR]... config validate\n"
          "\n"
          "Check the config file (types, unknown keys, names, chains) and every plugin\n"
          "instance's config: against its plugin's option table. Needs no credentials and no\n"
          "network: ${env:} and ${file:} references that cannot be resolved here are warnings.\n"
          "Prints every error found, one per line, and exits 2 when there is any.\n",
          stream);
}

/* "a, b, c" into buf, or `none` when the list is empty. */
static void join_list(char *buf, size_t size, const char *const *items, size_t count,
                      const char *none)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", items[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(buf, size, "%s", none);
}

static void loaded_names(const plugin_set *set, char *buf, size_t size)
{
    const char **names = calloc(set->count + 1, sizeof *names);
    size_t n = 0;
    for (size_t i = 0; names && i < set->count; i++)
        if (set->items[i].desc)
            names[n++] = set->items[i].desc->name;
    join_list(buf, size, names, n, "none");
    free(names);
}

/* A refused file named like the wanted plugin ("civo.so" for civo), to say why. */
static const plugin *find_refused(const plugin_set *set, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < set->count; i++) {
        const plugin *p = &set->items[i];
        const char *base = strrchr(p->path, '/');
        base = base ? base + 1 : p->path;
        if (p->refusal && strncmp(base, name, len) == 0 && strcmp(base + len, ".so") == 0)
            return p;
    }
    return NULL;
}

/* The plugin an instance names, or NULL after printing why it cannot be used. */
static const plugin *instance_plugin(const app *a, const config_instance *inst)
{
    const config *cfg = a->cfg;
    char pointer[256], shown[256];
    snprintf(pointer, sizeof pointer, "%s/plugin", inst->pointer);
    config_pointer_display(pointer, shown, sizeof shown);
    int line = 0, column = 0;
    config_mark(cfg, pointer, &line, &column);
    const plugin *plug = loader_find(&a->plugins, inst->plugin);
    if (!plug) {
        const plugin *refused = find_refused(&a->plugins, inst->plugin);
        char dirs[2048], names[1024];
        join_list(dirs, sizeof dirs, (const char *const *)a->plugin_dirs.items,
                  a->plugin_dirs.count, "no plugin directory exists");
        loaded_names(&a->plugins, names, sizeof names);
        if (refused)
            log_user_error("%s:%d:%d: %s: plugin '%s' was refused: %s (%s)", cfg->path, line,
                           column, shown, inst->plugin, refused->refusal, refused->path);
        else
            log_user_error(
                "%s:%d:%d: %s: no plugin named '%s' is loaded (searched: %s); loaded: %s",
                cfg->path, line, column, shown, inst->plugin, dirs, names);
        return NULL;
    }
    if (plug->desc->kind != section_kinds[inst->section]) {
        const char *kind = loader_kind_name(plug->desc->kind);
        unsigned k = (unsigned)plug->desc->kind;
        const char *section = k >= 1 && k <= CONFIG_SECTION_COUNT
                                  ? config_section_name((config_section)(k - 1))
                                  : "right";
        log_user_error("%s:%d:%d: %s: plugin '%s' is a %s, not a %s; move this instance to the %s "
                       "section",
                       cfg->path, line, column, shown, inst->plugin, kind,
                       loader_kind_name(section_kinds[inst->section]), section);
        return NULL;
    }
    return plug;
}

static void warn_unresolved(const config *cfg, const config_instance *inst)
{
    size_t i;
    json_t *entry;
    json_array_foreach (inst->unresolved, i, entry) {
        int line = 0, column = 0;
        config_mark(cfg, json_string_value(json_object_get(entry, "pointer")), &line, &column);
        log_msg(FWK_LOG_WARN, NULL, "%s:%d:%d: %s", cfg->path, line, column,
                json_string_value(json_object_get(entry, "message")));
    }
}

/* Check one instance; returns the number of errors printed (0 or 1). */
static int validate_instance(const app *a, const config_instance *inst)
{
    const plugin *plug = instance_plugin(a, inst);
    if (!plug)
        return 1;
    warn_unresolved(a->cfg, inst);
    char pointer[256];
    snprintf(pointer, sizeof pointer, "%s/config", inst->pointer);
    json_t *validated = NULL;
    diag err = {{0}};
    if (schema_apply(plug->desc->options, inst->config, a->cfg, pointer, &validated, &err) != 0) {
        log_user_error("%s", err.text);
        return 1;
    }
    json_decref(validated);
    return 0;
}

int cmd_config(const cli_args *args)
{
    if (args->help) {
        usage(stdout);
        return EXIT_CODE_OK;
    }
    if (args->words.count != 1 || strcmp(args->words.items[0], "validate") != 0) {
        log_user_error("config: expected `fawkes config validate`%s%s",
                       args->words.count ? ", got subcommand " : "",
                       args->words.count ? args->words.items[0] : "");
        usage(stderr);
        return EXIT_CODE_USAGE;
    }
    app a;
    int code = app_open(&a, args, APP_LOAD_PLUGINS | APP_NEED_CONFIG);
    if (code != EXIT_CODE_OK)
        return code;
    size_t errors = 0, instances = 0;
    for (size_t s = 0; s < CONFIG_SECTION_COUNT; s++)
        for (size_t i = 0; i < a.cfg->instance_count[s]; i++) {
            errors += (size_t)validate_instance(&a, &a.cfg->instances[s][i]);
            instances++;
        }
    if (errors > 0) {
        code = EXIT_CODE_USAGE;
    } else {
        printf("%s: ok (%zu instance%s, %zu chain%s)\n", a.cfg->path, instances,
               instances == 1 ? "" : "s", a.cfg->chain_count, a.cfg->chain_count == 1 ? "" : "s");
    }
    app_close(&a);
    return code;
}
