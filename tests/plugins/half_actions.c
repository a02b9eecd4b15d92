/* half_actions.c: test provider with half of the "actions" capability (list_actions but no
   run_action), which the loader must refuse with one line naming both. */
#include <fawkes/fawkes.h>

static fwk_status half_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            void **instance)
{
    (void)host, (void)ctx, (void)config;
    *instance = NULL;
    return FWK_OK;
}

static fwk_status half_plan(fwk_ctx *ctx, void *instance, const json_t *request, json_t **tasks)
{
    (void)ctx, (void)instance, (void)request;
    *tasks = json_array();
    return FWK_OK;
}

static fwk_status half_run(fwk_ctx *ctx, void *instance, const json_t *task)
{
    (void)ctx, (void)instance, (void)task;
    return FWK_OK;
}

static fwk_status half_list_actions(fwk_ctx *ctx, void *instance, json_t **actions)
{
    (void)ctx, (void)instance;
    *actions = json_array();
    return FWK_OK;
}

static const fwk_provider_vtable half_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = half_plan,
    .run_task = half_run,
    .list_actions = half_list_actions,
};

static const fwk_plugin_descriptor half_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "half_actions",
    .version = "0.1.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider that lists actions it cannot run",
    .license = "Apache-2.0",
    .capabilities = FWK_CAP_ACTIONS,
    .init = half_init,
    .vtable = &half_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &half_descriptor;
}
