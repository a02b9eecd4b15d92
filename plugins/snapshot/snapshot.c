/* snapshot.c: the "snapshot" provider: normalized resources read from JSON/JSONL files. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

static const fwk_option snapshot_options[] = {
    FWK_OPTION_RANGE("paths", FWK_OPT_PATH_LIST, FWK_OPT_REQUIRED, NULL, 1, 100000,
                     "Files or directories to read (a directory means every *.json and *.jsonl "
                     "in it, sorted); relative paths resolve against the config file's "
                     "directory."),
    FWK_OPTION("strict", FWK_OPT_BOOL, 0, "false",
               "Fail the file's task at the first bad record instead of skipping bad records."),
    FWK_OPTION_RANGE("chunk_size", FWK_OPT_SIZE, 0, "\"8MiB\"", (double)SNAPSHOT_CHUNK_MIN,
                     (double)SNAPSHOT_CHUNK_MAX,
                     "A JSON Lines file larger than this is read as several tasks of this many "
                     "bytes each, in parallel; .json files are always read whole."),
    FWK_OPTION_END};

/* The chunk_size in bytes (the host hands sizes over as integers); the default when absent.
   Returns -1 after host->fail() when out of range. */
static long long snapshot_chunk_size(const fwk_host *host, fwk_ctx *ctx, const json_t *value)
{
    long long bytes;

    if (!value || json_is_null(value))
        return SNAPSHOT_CHUNK_DEFAULT;
    if (!json_is_integer(value)) {
        host->fail(ctx, "chunk_size: expected a size such as 8MiB, got %s", fwkx_type_name(value));
        return -1;
    }
    bytes = (long long)json_integer_value(value);
    if (bytes < SNAPSHOT_CHUNK_MIN || bytes > SNAPSHOT_CHUNK_MAX) {
        host->fail(ctx, "chunk_size: %lld bytes is out of range: use a size from 64KiB to 1GiB",
                   bytes);
        return -1;
    }
    return bytes;
}

static fwk_status snapshot_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                                void **instance)
{
    fwk_status status = FWK_ERROR;
    snapshot_instance *inst = NULL;
    json_t *paths = json_object_get(config, "paths");
    json_t *strict = json_object_get(config, "strict");
    long long chunk_size;
    size_t i;
    json_t *path;

    *instance = NULL;
    if (!json_is_array(paths) || json_array_size(paths) == 0) {
        host->fail(ctx, "paths: expected a non-empty list of files or directories, "
                        "e.g. paths: [examples/demo/aws.jsonl]");
        goto out;
    }
    json_array_foreach (paths, i, path) {
        if (!json_is_string(path) || json_string_length(path) == 0) {
            host->fail(ctx, "paths[%zu]: expected a non-empty file or directory name", i);
            goto out;
        }
    }
    if (strict && !json_is_boolean(strict) && !json_is_null(strict)) {
        host->fail(ctx, "strict: expected true or false");
        goto out;
    }
    chunk_size = snapshot_chunk_size(host, ctx, json_object_get(config, "chunk_size"));
    if (chunk_size < 0)
        goto out;
    inst = calloc(1, sizeof(*inst));
    if (!inst) {
        host->fail(ctx, "out of memory creating the snapshot instance");
        goto out;
    }
    inst->host = host;
    inst->paths = json_incref(paths);
    inst->strict = json_is_true(strict);
    inst->chunk_size = chunk_size;
    *instance = inst;
    inst = NULL;
    status = FWK_OK;
out:
    free(inst);
    return status;
}

static void snapshot_fini(void *instance)
{
    snapshot_instance *inst = instance;

    if (!inst)
        return;
    json_decref(inst->paths);
    free(inst);
}

static fwk_status snapshot_plan_tasks(fwk_ctx *ctx, void *instance, const json_t *request,
                                      json_t **tasks)
{
    return snapshot_plan(instance, ctx, request, tasks);
}

static const json_t *snapshot_filter(const json_t *task, const char *key)
{
    const json_t *list = json_object_get(task, key);

    return json_is_array(list) ? list : NULL;
}

/* The byte range of a chunk task into rd->start/end; a task without one reads the whole
   file. Returns -1 after host->fail() when the range is not one plan_tasks would make. */
static int snapshot_task_range(const snapshot_instance *inst, fwk_ctx *ctx, const json_t *task,
                               snapshot_reader *rd)
{
    const json_t *start = json_object_get(task, "start"), *end = json_object_get(task, "end");

    rd->start = 0;
    rd->end = LLONG_MAX;
    if (!start && !end)
        return 0;
    if (!json_is_integer(start) || !json_is_integer(end) || json_integer_value(start) < 0 ||
        json_integer_value(end) < json_integer_value(start) ||
        snapshot_has_suffix(rd->path, ".json")) {
        inst->host->fail(ctx,
                         "task %s: \"start\" and \"end\" must be byte offsets of a JSON Lines "
                         "file with 0 <= start <= end: plan tasks with this plugin's plan_tasks",
                         fwkx_str(task, "name", NULL));
        return -1;
    }
    rd->start = (long long)json_integer_value(start);
    rd->end = (long long)json_integer_value(end);
    return 0;
}

static fwk_status snapshot_run_task(fwk_ctx *ctx, void *instance, const json_t *task)
{
    const snapshot_instance *inst = instance;
    snapshot_reader rd;
    const char *path = fwkx_str(task, "path", NULL);

    if (!path) {
        inst->host->fail(ctx,
                         "task %s has no \"path\": plan tasks with this plugin's "
                         "plan_tasks",
                         fwkx_str(task, "name", NULL));
        return FWK_ERROR;
    }
    memset(&rd, 0, sizeof(rd));
    rd.inst = inst;
    rd.ctx = ctx;
    rd.path = path;
    rd.kinds = snapshot_filter(task, "kinds");
    rd.regions = snapshot_filter(task, "regions");
    if (snapshot_task_range(inst, ctx, task, &rd) != 0)
        return FWK_ERROR;
    if (snapshot_has_suffix(path, ".json"))
        return snapshot_read_json(&rd);
    return snapshot_read_jsonl(&rd);
}

static const fwk_provider_vtable snapshot_vtable = {
    .struct_size = sizeof(fwk_provider_vtable),
    .plan_tasks = snapshot_plan_tasks,
    .run_task = snapshot_run_task,
};

static const fwk_plugin_descriptor snapshot_descriptor = {
    FWK_DESCRIPTOR_HEADER,
    .name = "snapshot",
    .version = "1.0.0",
    .kind = FWK_KIND_PROVIDER,
    .description = "Reads normalized resources from JSON and JSONL files (saved inventories, "
                   "demos, offline scans)",
    .license = "Apache-2.0",
    .options = snapshot_options,
    .capabilities = 0,
    .init = snapshot_init,
    .fini = snapshot_fini,
    .vtable = &snapshot_vtable,
};

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void)
{
    return &snapshot_descriptor;
}
