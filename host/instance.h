/* instance.h: a live plugin instance: its config bound to its plugin, init/fini, counters. */
#ifndef HOST_INSTANCE_H
#define HOST_INSTANCE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "diag.h"
#include "engine.h"
#include "http.h"
#include "loader.h"

typedef struct run run;

/* A live plugin instance (one `providers:`/`scanners:`/... entry of the config). */
typedef struct instance {
    const config_instance *conf; /* borrowed from the config */
    const plugin *plug;          /* borrowed from the engine's plugin set; for an isolated
                                    instance its proxy (isolate.h), owned as `proxy` */
    plugin *proxy;               /* isolation: process: the proxy plugin (owned), or NULL */
    json_t *config;              /* validated config, defaults filled (owned) */
    void *state;                 /* what the plugin's init returned */
    http_client *http;           /* this instance's HTTP client (owned) */
    bool ready;                  /* init succeeded */
    pthread_mutex_t lock;        /* guards counters */
    json_t *counters;            /* "tasks", "tasks_failed", custom */
    atomic_llong hot[2];         /* "resources" and "findings": counted per item, lock-free */
} instance;

/* Counters of an instance: add `delta` to `name`. Thread-safe. */
void instance_count(instance *inst, const char *name, int64_t delta);

/*
 * instance_prepare: bind a config instance to its plugin and check its config (plugin found
 * and of the section's kind, schema_apply, every ${env:}/${file:} resolved, limits.memory
 * only with isolation: process). An instance that runs isolated (isolate_wanted) is bound
 * to a proxy plugin with the same descriptor whose calls run in child processes: callers
 * use inst->plug->desc as for any plugin. Does not call the plugin. Returns 0; or -1 with
 * "FILE:LINE:COL: ..." in err (a config error: exit 2). A plugin that was refused by the loader is
 * not a config error: *out is made with plug == NULL and `refusal` set, and the run reports it as a
 * failure.
 */
int instance_prepare(const engine_env *eng, const config_instance *conf, instance **out,
                     const char **refusal, diag *err);
/* Call the plugin's init. Returns 0, or -1 with the plugin's message in err. */
int instance_init(instance *inst, run *r, diag *err);
/* fini + free. NULL allowed. */
void instance_close(instance *inst);
/* Counters for output: counters merged with the HTTP client's. New reference. */
json_t *instance_stats(const instance *inst);

#endif
