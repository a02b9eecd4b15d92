/* instance.c: live plugin instances: bind to a plugin, check config, init, counters. */
#include <stdlib.h>
#include <string.h>

#include "isolate.h"
#include "log.h"
#include "run.h"
#include "schema.h"

static const fwk_plugin_kind section_kinds[CONFIG_SECTION_COUNT] = {
    FWK_KIND_PROVIDER, FWK_KIND_SCANNER, FWK_KIND_POLICY, FWK_KIND_NOTIFIER};

/* A refused plugin whose file is named like the wanted plugin ("civo.so" for civo). */
static const plugin *find_refused(const plugin_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++) {
        const plugin *p = &set->items[i];
        if (!p->refusal)
            continue;
        const char *base = strrchr(p->path, '/');
        base = base ? base + 1 : p->path;
        size_t len = strlen(name);
        if (strncmp(base, name, len) == 0 && strcmp(base + len, ".so") == 0)
            return p;
    }
    return NULL;
}

static void loaded_names(const plugin_set *set, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < set->count && used < size; i++)
        if (set->items[i].desc)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                     set->items[i].desc->name);
    if (used == 0)
        snprintf(buf, size, "none");
}

static void searched_dirs(const strlist *dirs, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < dirs->count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", dirs->items[i]);
    if (dirs->count == 0)
        snprintf(buf, size, "no plugin directory exists; pass --plugin-dir or set plugin_dirs");
}

static instance *instance_new(const config_instance *conf)
{
    instance *inst = calloc(1, sizeof *inst);
    if (!inst)
        return NULL;
    inst->conf = conf;
    inst->counters = json_object();
    pthread_mutex_init(&inst->lock, NULL);
    return inst;
}

static int check_unresolved(const config *cfg, const config_instance *conf, diag *err)
{
    if (json_array_size(conf->unresolved) == 0)
        return 0;
    const json_t *first = json_array_get(conf->unresolved, 0);
    const char *pointer = json_string_value(json_object_get(first, "pointer"));
    int line = 0, column = 0;
    config_mark(cfg, pointer ? pointer : conf->pointer, &line, &column);
    diag_at(err, cfg->path, line, column, "%s",
            json_string_value(json_object_get(first, "message")));
    return -1;
}

/* limits.memory is enforced in isolated processes only: elsewhere it would be a promise not
   kept. */
static int check_memory_limit(const config *cfg, const config_instance *conf, const plugin *plug,
                              diag *err)
{
    if (conf->limits.memory_bytes == 0 || isolate_wanted(conf, plug))
        return 0;
    char where[160];
    int line = 0, column = 0;
    snprintf(where, sizeof where, "%s/limits/memory", conf->pointer);
    config_mark(cfg, where, &line, &column);
    diag_at(err, cfg->path, line, column,
            "%s: limits.memory applies only to an instance with isolation: process, and '%s' "
            "runs in-process (%s); add `isolation: process` or drop limits.memory",
            conf->name, conf->plugin,
            conf->isolation == CONFIG_ISOLATION_NONE ? "isolation: none"
            : conf->section == CONFIG_PROVIDERS || conf->section == CONFIG_SCANNERS
                ? "an install's own plugins run in-process by default"
                : "only providers and scanners can be isolated");
    return -1;
}

int instance_prepare(const engine_env *eng, const config_instance *conf, instance **out,
                     const char **refusal, diag *err)
{
    *out = NULL;
    *refusal = NULL;
    const config *cfg = eng->cfg;
    char where[128];
    snprintf(where, sizeof where, "%s/plugin", conf->pointer);
    int line = 0, column = 0;
    config_mark(cfg, where, &line, &column);
    char shown[160];
    config_pointer_display(where, shown, sizeof shown);

    const plugin *plug = loader_find(eng->plugins, conf->plugin);
    if (!plug) {
        const plugin *refused = find_refused(eng->plugins, conf->plugin);
        if (refused) {
            *out = instance_new(conf);
            if (!*out)
                return -1;
            *refusal = refused->refusal;
            return 0;
        }
        char names[512], dirs[1024];
        loaded_names(eng->plugins, names, sizeof names);
        searched_dirs(eng->plugin_dirs, dirs, sizeof dirs);
        diag_at(err, cfg->path, line, column,
                "%s: no plugin named '%s' is loaded (loaded: %s; searched: %s)", shown,
                conf->plugin, names, dirs);
        return -1;
    }
    if (plug->desc->kind != section_kinds[conf->section]) {
        diag_at(err, cfg->path, line, column,
                "%s: plugin '%s' is a %s, but it is listed under %s; move it to the %ss: section",
                shown, conf->plugin, loader_kind_name(plug->desc->kind),
                config_section_name(conf->section), loader_kind_name(plug->desc->kind));
        return -1;
    }
    if (check_unresolved(cfg, conf, err) != 0 || check_memory_limit(cfg, conf, plug, err) != 0)
        return -1;
    char pointer[160];
    snprintf(pointer, sizeof pointer, "%s/config", conf->pointer);
    json_t *validated = NULL;
    if (schema_apply(plug->desc->options, conf->config, cfg, pointer, &validated, err) != 0)
        return -1;
    instance *inst = instance_new(conf);
    if (!inst) {
        json_decref(validated);
        diag_set(err, "out of memory");
        return -1;
    }
    inst->plug = plug;
    inst->config = validated;
    if (isolate_wanted(conf, plug)) {
        inst->proxy = isolate_plugin_new(eng, conf, plug, err);
        if (!inst->proxy) {
            instance_close(inst);
            return -1;
        }
        inst->plug = inst->proxy;
    }
    *out = inst;
    return 0;
}

int instance_init(instance *inst, run *r, diag *err)
{
    if (!inst->plug)
        return -1;
    inst->http = http_client_new(inst->conf->name, &inst->conf->limits, r->allow);
    if (!inst->http) {
        diag_set(err, "out of memory");
        return -1;
    }
    fwk_ctx ctx;
    ctx_init(&ctx, r, inst, "init", NULL);
    void *state = NULL;
    fwk_status status = inst->plug->desc->init
                            ? inst->plug->desc->init(host_services(), &ctx, inst->config, &state)
                            : FWK_OK;
    if (status != FWK_OK) {
        diag_set(err, "init failed (%s): %s", fwk_strerror(status),
                 ctx.message ? ctx.message : "the plugin gave no reason");
        ctx_finish(&ctx);
        /* The SDK's contract (plugin.h): a failed init frees what it made; fini is not called.
           inst->config stays ours and is freed by instance_close. */
        return -1;
    }
    ctx_finish(&ctx);
    inst->state = state;
    inst->ready = true;
    return 0;
}

void instance_close(instance *inst)
{
    if (!inst)
        return;
    if (inst->ready && inst->plug->desc->fini)
        inst->plug->desc->fini(inst->state);
    isolate_plugin_free(inst->proxy);
    http_client_free(inst->http);
    /* Only now: the SDK promises init's config stays valid, unchanged, until fini returns, and
       plugins keep borrowed pointers into it (tests/plugins/borrow_config.c checks this). */
    json_decref(inst->config);
    json_decref(inst->counters);
    pthread_mutex_destroy(&inst->lock);
    free(inst);
}

static const char *const hot_names[] = {"resources", "findings"};

void instance_count(instance *inst, const char *name, int64_t delta)
{
    for (size_t i = 0; i < sizeof hot_names / sizeof hot_names[0]; i++)
        if (strcmp(name, hot_names[i]) == 0) {
            atomic_fetch_add(&inst->hot[i], delta);
            return;
        }
    pthread_mutex_lock(&inst->lock);
    json_t *counter = json_object_get(inst->counters, name);
    json_int_t value = counter ? json_integer_value(counter) : 0;
    json_object_set_new(inst->counters, name, json_integer(value + delta));
    pthread_mutex_unlock(&inst->lock);
}

json_t *instance_stats(const instance *inst)
{
    json_t *stats = inst->http ? http_client_counters(inst->http) : json_object();
    pthread_mutex_lock((pthread_mutex_t *)&inst->lock);
    json_object_update(stats, inst->counters);
    pthread_mutex_unlock((pthread_mutex_t *)&inst->lock);
    for (size_t i = 0; i < sizeof hot_names / sizeof hot_names[0]; i++) {
        long long value = atomic_load((atomic_llong *)&inst->hot[i]);
        if (value)
            json_object_set_new(stats, hot_names[i], json_integer(value));
    }
    json_object_set_new(stats, "plugin", json_string(inst->conf->plugin));
    return stats;
}
