/* init_fails.c: test provider "init_fails" whose init always fails with a reason. */
#include <fawkes/fawkes.h>

static const fwk_option init_fails_options[] = {
    FWK_OPTION("endpoint", FWK_OPT_STRING, 0, "\"http://169.254.169.254/latest/\"",
               "Metadata service the provider would ask for credentials."),
    FWK_OPTION_END,
};

static fwk_status init_fails_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                                  void **instance)
{
    const char *endpoint = json_string_value(json_object_get(config, "endpoint"));
    *instance = NULL;
    host->fail(ctx,
               "cannot reach the metadata service at %s: connection refused; check the "
               "network or set 'endpoint'",
               endpoint ? endpoint : "http://169.254.169.254/latest/");
    return FWK_ERROR;
}

static fwk_status init_fails_plan(fwk_ctx *ctx, void *instance, const json_t *request,
                                  json_t **tasks)
{
    (void)instance;
    (void)request;
    (void)ctx;
    *tasks = json_pack("[{s:s}]", "name", "never-planned");
    return *tasks ? FWK_OK : FWK_ERROR;
}

static fwk_status init_fails_run(fwk_ctx *ctx, void *instance, const json_t *task)
{
    (void)ctx;
    (void)instance;
    (void)task;
    return FWK_OK;
}

static const fwk_provider_vtable init_fails_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = init_fails_plan,
    .run_task = init_fails_run,
};

static const fwk_plugin_descriptor init_fails_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "init_fails",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider whose init cannot reach its metadata service.",
    .license = "Apache-2.0",
    .options = init_fails_options,
    .init = init_fails_init,
    .vtable = &init_fails_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &init_fails_descriptor;
}
