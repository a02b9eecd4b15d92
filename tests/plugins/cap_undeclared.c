/* cap_undeclared.c: test provider that sets provision but does not declare FWK_CAP_PROVISION,
   which the loader must refuse with one line naming both sides. */
#include <fawkes/fawkes.h>

static fwk_status undeclared_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                                  void **instance)
{
    (void)host, (void)ctx, (void)config;
    *instance = NULL;
    return FWK_OK;
}

static fwk_status undeclared_plan(fwk_ctx *ctx, void *instance, const json_t *request,
                                  json_t **tasks)
{
    (void)ctx, (void)instance, (void)request;
    *tasks = json_array();
    return FWK_OK;
}

static fwk_status undeclared_run(fwk_ctx *ctx, void *instance, const json_t *task)
{
    (void)ctx, (void)instance, (void)task;
    return FWK_OK;
}

static fwk_status undeclared_provision(fwk_ctx *ctx, void *instance, const char *what,
                                       const char *op, const json_t *spec, int dry_run,
                                       json_t **result)
{
    (void)instance, (void)what, (void)op, (void)spec, (void)dry_run, (void)ctx;
    *result = NULL;
    return FWK_UNSUPPORTED;
}

static const fwk_provider_vtable undeclared_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = undeclared_plan,
    .run_task = undeclared_run,
    .provision = undeclared_provision,
};

static const fwk_plugin_descriptor undeclared_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "cap_undeclared",
    .version = "0.1.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider with a provision function but no provision capability",
    .license = "Apache-2.0",
    .capabilities = 0,
    .init = undeclared_init,
    .vtable = &undeclared_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &undeclared_descriptor;
}
