/* task_errors.c: test provider "task_errors": tasks ok-1, bad-2, ok-3. Each ok task emits
   resources test:task_errors:<task>:1..5; bad-2 emits test:task_errors:bad-2:1, then fails. */
#include <stdio.h>
#include <string.h>

#include <fawkes/fawkes.h>

#define TASK_ERRORS_PER_TASK 5

typedef struct task_errors_instance {
    const fwk_host *host;
} task_errors_instance;

static fwk_status task_errors_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                                   void **instance)
{
    (void)config;
    task_errors_instance *inst = host->alloc(sizeof *inst);
    if (!inst) {
        host->fail(ctx, "out of memory creating a task_errors instance");
        return FWK_ERROR;
    }
    inst->host = host;
    *instance = inst;
    return FWK_OK;
}

static void task_errors_fini(void *instance)
{
    task_errors_instance *inst = instance;
    if (inst)
        inst->host->free(inst);
}

static fwk_status task_errors_plan(fwk_ctx *ctx, void *instance, const json_t *request,
                                   json_t **tasks)
{
    const fwk_host *host = ((task_errors_instance *)instance)->host;
    (void)request;
    *tasks = json_pack("[{s:s}, {s:s}, {s:s}]", "name", "ok-1", "name", "bad-2", "name", "ok-3");
    if (!*tasks) {
        host->fail(ctx, "out of memory planning tasks");
        return FWK_ERROR;
    }
    return FWK_OK;
}

/* Emit resource number `index` of `task`. */
static fwk_status emit_item(const fwk_host *host, fwk_ctx *ctx, const char *task, int index)
{
    char uid[128], id[96], name[96];
    snprintf(uid, sizeof uid, "test:task_errors:%s:%d", task, index);
    snprintf(id, sizeof id, "%s-%d", task, index);
    snprintf(name, sizeof name, "item %d of %s", index, task);
    json_t *resource = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{}, s:s, s:n, s:n, s:n, s:{s:i}}", "uid",
        uid, "provider", "test", "account", "test", "region", task, "kind", "test.item",
        "native_type", "test:item", "id", id, "name", name, "state", "ok", "labels", "created_at",
        "2026-01-01T00:00:00Z", "public", "encrypted", "monthly_cost", "attributes", "index",
        index);
    if (!resource) {
        host->fail(ctx, "out of memory building resource %s", uid);
        return FWK_ERROR;
    }
    return host->emit_resource(ctx, resource);
}

static fwk_status task_errors_run(fwk_ctx *ctx, void *instance, const json_t *task)
{
    const fwk_host *host = ((task_errors_instance *)instance)->host;
    const char *name = json_string_value(json_object_get(task, "name"));
    if (!name) {
        host->fail(ctx, "task has no name");
        return FWK_ERROR;
    }
    int count = strcmp(name, "bad-2") == 0 ? 1 : TASK_ERRORS_PER_TASK;
    for (int i = 1; i <= count; i++) {
        fwk_status status = emit_item(host, ctx, name, i);
        if (status != FWK_OK)
            return status;
    }
    if (strcmp(name, "bad-2") == 0) {
        host->fail(ctx, "region bad-2: page 2: HTTP 500 from the API");
        return FWK_ERROR;
    }
    return FWK_OK;
}

static const fwk_provider_vtable task_errors_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = task_errors_plan,
    .run_task = task_errors_run,
};

static const fwk_plugin_descriptor task_errors_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "task_errors",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Test provider with one failing task among three.",
    .license = "Apache-2.0",
    .init = task_errors_init,
    .fini = task_errors_fini,
    .vtable = &task_errors_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &task_errors_descriptor;
}
