/* snapshot.c: the "snapshot" provider: normalized resources read from JSON/JSONL files. */
#include <stdlib.h>
#include <string.h>

#include "snap.h"

static const fwk_option snap_options[] = {
    FWK_OPTION_RANGE("paths", FWK_OPT_STRING_LIST, FWK_OPT_REQUIRED, NULL, 1, 100000,
                     "Files or directories to read (a directory means every *.json and *.jsonl "
                     "in it, sorted); relative paths resolve against the current directory."),
    FWK_OPTION("strict", FWK_OPT_BOOL, 0, "false",
               "Fail the file's task at the first bad record instead of skipping bad records."),
    FWK_OPTION_END};

static fwk_status snap_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            void **instance)
{
    fwk_status status = FWK_ERROR;
    snap_instance *inst = NULL;
    json_t *paths = json_object_get(config, "paths");
    json_t *strict = json_object_get(config, "strict");
    size_t i;
    json_t *path;

    *instance = NULL;
    if (!json_is_array(paths) || json_array_size(paths) == 0) {
        host->fail(ctx, "paths: expected a non-empty list of files or directories, "
                        "e.g. paths: [examples/demo/aws.jsonl]");
        goto out;
    }
    json_array_foreach(paths, i, path)
    {
        if (!json_is_string(path) || json_string_length(path) == 0) {
            host->fail(ctx, "paths[%zu]: expected a non-empty file or directory name", i);
            goto out;
        }
    }
    if (strict && !json_is_boolean(strict) && !json_is_null(strict)) {
        host->fail(ctx, "strict: expected true or false");
        goto out;
    }
    inst = calloc(1, sizeof(*inst));
    if (!inst) {
        host->fail(ctx, "out of memory creating the snapshot instance");
        goto out;
    }
    inst->host = host;
    inst->paths = json_incref(paths);
    inst->strict = json_is_true(strict);
    *instance = inst;
    inst = NULL;
    status = FWK_OK;
out:
    free(inst);
    return status;
}

static void snap_fini(void *instance)
{
    snap_instance *inst = instance;

    if (!inst)
        return;
    json_decref(inst->paths);
    free(inst);
}

static fwk_status snap_plan_tasks(fwk_ctx *ctx, void *instance, const json_t *request,
                                  json_t **tasks)
{
    return snap_plan(instance, ctx, request, tasks);
}

static const json_t *snap_filter(const json_t *task, const char *key)
{
    const json_t *list = json_object_get(task, key);

    return json_is_array(list) ? list : NULL;
}

static fwk_status snap_run_task(fwk_ctx *ctx, void *instance, const json_t *task)
{
    const snap_instance *inst = instance;
    snap_reader rd;
    const char *path = json_string_value(json_object_get(task, "path"));

    if (!path) {
        inst->host->fail(ctx,
                         "task %s has no \"path\": plan tasks with this plugin's "
                         "plan_tasks",
                         json_string_value(json_object_get(task, "name")));
        return FWK_ERROR;
    }
    memset(&rd, 0, sizeof(rd));
    rd.inst = inst;
    rd.ctx = ctx;
    rd.path = path;
    rd.kinds = snap_filter(task, "kinds");
    rd.regions = snap_filter(task, "regions");
    if (snap_has_suffix(path, ".json"))
        return snap_read_json(&rd);
    return snap_read_jsonl(&rd);
}

static const fwk_provider_vtable snap_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = snap_plan_tasks,
    .run_task = snap_run_task,
};

static const fwk_plugin_descriptor snap_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "snapshot",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Reads normalized resources from JSON and JSONL files (saved inventories, "
                   "demos, offline scans)",
    .license = "Apache-2.0",
    .options = snap_options,
    .capabilities = 0,
    .init = snap_init,
    .fini = snap_fini,
    .vtable = &snap_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &snap_descriptor;
}
