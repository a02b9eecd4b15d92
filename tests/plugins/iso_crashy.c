/* iso_crashy.c: a test provider that emits `count` resources from its task "list", then
   misbehaves as `how` says: segv (dereferences NULL), abort, alloc (allocates without bound),
   hang (sleeps, deaf to cancellation) or none. For `isolation: process` tests. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fawkes/fawkes.h>

typedef struct crashy {
    const fwk_host *host;
    const char *how;
    const char *prefix;
    json_int_t count;
} crashy;

static const char *const how_values[] = {"none", "segv", "abort", "alloc", "hang", NULL};

static const fwk_option crashy_options[] = {
    FWK_OPTION_ENUM("how", 0, "\"segv\"", how_values, "What run_task does after emitting."),
    FWK_OPTION("prefix", FWK_OPT_STRING, 0, "\"crashy\"", "First part of each resource uid."),
    FWK_OPTION_RANGE("count", FWK_OPT_INT, 0, "3", 0, 1000000, "Resources emitted first."),
    FWK_OPTION_END,
};

static fwk_status crashy_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                              void **instance)
{
    crashy *self = calloc(1, sizeof *self);
    (void)ctx;
    if (!self)
        return FWK_ERROR;
    self->host = host;
    self->how = json_string_value(json_object_get(config, "how"));
    self->prefix = json_string_value(json_object_get(config, "prefix"));
    self->count = json_integer_value(json_object_get(config, "count"));
    *instance = self;
    return FWK_OK;
}

static void crashy_fini(void *instance)
{
    free(instance);
}

static fwk_status crashy_plan_tasks(fwk_ctx *ctx, void *instance, const json_t *request,
                                    json_t **tasks)
{
    (void)ctx;
    (void)instance;
    (void)request;
    *tasks = json_pack("[{s:s}]", "name", "list");
    return *tasks ? FWK_OK : FWK_ERROR;
}

static int *volatile nowhere = NULL;

#if defined(__GNUC__)
__attribute__((no_sanitize("null")))
#endif
static void
misbehave(const char *how)
{
    if (strcmp(how, "segv") == 0) {
        *nowhere = 42;
    } else if (strcmp(how, "abort") == 0) {
        abort();
    } else if (strcmp(how, "alloc") == 0) {
        for (;;) { /* a runaway: never checks what malloc returned */
            char *block = malloc(1 << 20);
            memset(block, 1, 1 << 20);
        }
    } else if (strcmp(how, "hang") == 0) {
        signal(SIGTERM, SIG_IGN); /* deaf to the polite request too */
        for (;;) {
            struct timespec pause = {1, 0};
            nanosleep(&pause, NULL);
        }
    }
}

static fwk_status crashy_run_task(fwk_ctx *ctx, void *instance, const json_t *task)
{
    crashy *self = instance;
    (void)task;
    for (json_int_t i = 0; i < self->count; i++) {
        char uid[256], id[32];
        snprintf(id, sizeof id, "r%lld", (long long)i);
        snprintf(uid, sizeof uid, "%s:local:compute.instance:%s", self->prefix, id);
        json_t *resource =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "uid", uid, "provider", self->prefix,
                      "kind", "compute.instance", "id", id, "name", id, "labels", "env", "test");
        fwk_status status = self->host->emit_resource(ctx, resource);
        if (status != FWK_OK)
            return status;
    }
    self->host->log(ctx, FWK_LOG_INFO, "emitted %lld resources; now: %s", (long long)self->count,
                    self->how);
    self->host->counter_add(ctx, "crashy.emitted", self->count);
    misbehave(self->how);
    return FWK_OK;
}

static const fwk_provider_vtable crashy_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = crashy_plan_tasks,
    .run_task = crashy_run_task,
};

static const fwk_plugin_descriptor crashy_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "iso_crashy",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider that crashes, aborts, allocates without bound or hangs.",
    .license = "Apache-2.0",
    .options = crashy_options,
    .init = crashy_init,
    .fini = crashy_fini,
    .vtable = &crashy_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &crashy_descriptor;
}
