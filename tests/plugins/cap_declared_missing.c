/* cap_declared_missing.c: test provider that declares FWK_CAP_COST but has no cost function,
   which the loader must refuse with one line naming both sides. */
#include <fawkes/fawkes.h>

static fwk_status missing_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                               void **instance)
{
    (void)host, (void)ctx, (void)config;
    *instance = NULL;
    return FWK_OK;
}

static fwk_status missing_plan(fwk_ctx *ctx, void *instance, const json_t *request, json_t **tasks)
{
    (void)ctx, (void)instance, (void)request;
    *tasks = json_array();
    return FWK_OK;
}

static fwk_status missing_run(fwk_ctx *ctx, void *instance, const json_t *task)
{
    (void)ctx, (void)instance, (void)task;
    return FWK_OK;
}

static const fwk_provider_vtable missing_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = missing_plan,
    .run_task = missing_run,
};

static const fwk_plugin_descriptor missing_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "cap_declared_missing",
    .version = "0.1.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider that declares the cost capability without a cost function",
    .license = "Apache-2.0",
    .capabilities = FWK_CAP_COST,
    .init = missing_init,
    .vtable = &missing_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &missing_descriptor;
}
