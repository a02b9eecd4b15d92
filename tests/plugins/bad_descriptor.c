/* bad_descriptor.c: test provider whose vtable lacks the required run_task entry. */
#include <fawkes/fawkes.h>

static fwk_status bad_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                           void **instance)
{
    (void)host;
    (void)ctx;
    (void)config;
    *instance = NULL;
    return FWK_OK;
}

static fwk_status bad_plan(fwk_ctx *ctx, void *instance, const json_t *request, json_t **tasks)
{
    (void)ctx;
    (void)instance;
    (void)request;
    *tasks = json_array();
    return FWK_OK;
}

static const fwk_provider_vtable bad_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = bad_plan,
    .run_task = NULL,
};

static const fwk_plugin_descriptor bad_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "bad_descriptor",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider without run_task.",
    .init = bad_init,
    .vtable = &bad_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &bad_descriptor;
}
