/* abi_newer.c: test plugin declaring the next ABI major; the loader must refuse it. */
#include <fawkes/fawkes.h>

static fwk_status newer_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                             void **instance)
{
    (void)host;
    (void)ctx;
    (void)config;
    *instance = NULL;
    return FWK_OK;
}

static fwk_status newer_plan(fwk_ctx *ctx, void *instance, const json_t *request, json_t **tasks)
{
    (void)ctx;
    (void)instance;
    (void)request;
    *tasks = json_array();
    return FWK_OK;
}

static fwk_status newer_run(fwk_ctx *ctx, void *instance, const json_t *task)
{
    (void)ctx;
    (void)instance;
    (void)task;
    return FWK_OK;
}

static const fwk_provider_vtable newer_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = newer_plan,
    .run_task = newer_run,
};

static const fwk_plugin_descriptor newer_descriptor = {
    .magic = FWK_PLUGIN_MAGIC,
    .abi_major = FWK_ABI_MAJOR + 1,
    .abi_minor = 0,
    .struct_size = sizeof(fwk_plugin_descriptor),
    .name = "abi_newer",
    .version = "2.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider built for a future ABI major.",
    .license = "Apache-2.0",
    .init = newer_init,
    .vtable = &newer_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &newer_descriptor;
}
