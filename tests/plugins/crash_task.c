/* crash_task.c: a provider whose run_task dereferences NULL (a third-party plugin's bug): the
   host must name it, its instance and the task on stderr before the process dies. */
#include <stddef.h>

#include <fawkes/fawkes.h>

static fwk_status crash_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                             void **instance)
{
    (void)host;
    (void)ctx;
    (void)config;
    *instance = (void *)1;
    return FWK_OK;
}

static void crash_fini(void *instance)
{
    (void)instance;
}

static fwk_status crash_plan_tasks(fwk_ctx *ctx, void *instance, const json_t *request,
                                   json_t **tasks)
{
    (void)ctx;
    (void)instance;
    (void)request;
    *tasks = json_pack("[{s:s}]", "name", "eu-west-1");
    return *tasks ? FWK_OK : FWK_ERROR;
}

/* volatile, so the compiler cannot see that the pointer is NULL and drop the write. */
static int *volatile nowhere = NULL;

#if defined(__GNUC__)
__attribute__((no_sanitize("null")))
#endif
static fwk_status
crash_run_task(fwk_ctx *ctx, void *instance, const json_t *task)
{
    (void)ctx;
    (void)instance;
    (void)task;
    *nowhere = 42;
    return FWK_OK;
}

static const fwk_provider_vtable crash_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = crash_plan_tasks,
    .run_task = crash_run_task,
};

static const fwk_plugin_descriptor crash_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "crash_task",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider whose only task dereferences NULL (a third-party bug).",
    .license = "Apache-2.0",
    .init = crash_init,
    .fini = crash_fini,
    .vtable = &crash_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &crash_descriptor;
}
