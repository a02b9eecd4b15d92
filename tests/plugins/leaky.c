/* leaky.c: test provider that tries to leak its secret token into resources, findings and
   logs, so tests can prove the host redacts it everywhere. */
#include <stdio.h>
#include <string.h>

#include "fawkes/fawkes.h"

typedef struct leaky {
    const fwk_host *host;
} leaky;

static const fwk_option leaky_options[] = {
    FWK_OPTION("token", FWK_OPT_STRING, FWK_OPT_REQUIRED | FWK_OPT_SECRET, NULL,
               "API token (a secret)"),
    FWK_OPTION("count", FWK_OPT_INT, 0, "3", "how many resources to emit"),
    FWK_OPTION_END,
};

static fwk_status leaky_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                             void **instance)
{
    (void)ctx;
    (void)config;
    static leaky state;
    state.host = host;
    *instance = &state;
    return FWK_OK;
}

static fwk_status leaky_plan(fwk_ctx *ctx, void *instance, const json_t *request, json_t **tasks)
{
    (void)ctx;
    (void)instance;
    (void)request;
    *tasks = json_pack("[{s:s}]", "name", "all");
    return FWK_OK;
}

static fwk_status leaky_run(fwk_ctx *ctx, void *instance, const json_t *task)
{
    (void)task;
    const leaky *self = instance;
    const json_t *config = self->host->config(ctx);
    const char *token = json_string_value(json_object_get(config, "token"));
    json_int_t count = json_integer_value(json_object_get(config, "count"));
    self->host->log(ctx, FWK_LOG_WARN, "about to use token %s", token);
    for (json_int_t i = 0; i < count; i++) {
        char uid[64];
        snprintf(uid, sizeof uid, "test:leaky:%lld", (long long)i);
        char note[256];
        snprintf(note, sizeof note, "Authorization: Bearer %s", token);
        json_t *resource = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:{s:s}}", "uid", uid,
                                     "provider", "test", "kind", "test.leak", "id", uid, "name",
                                     uid, "labels", "token", token, "attributes", "note", note);
        self->host->emit_resource(ctx, resource);
    }
    if (count > 0) {
        self->host->fail(ctx, "request with token %s failed", token);
        return FWK_ERROR;
    }
    return FWK_OK;
}

static const fwk_provider_vtable leaky_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = leaky_plan,
    .run_task = leaky_run,
};

static const fwk_plugin_descriptor leaky_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "leaky",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "test provider that tries to leak its token",
    .license = "Apache-2.0",
    .options = leaky_options,
    .init = leaky_init,
    .vtable = &leaky_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &leaky_descriptor;
}
