/* snap_plan.c: turns the configured paths (files and directories) into one task per file. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "snap.h"

bool snap_has_suffix(const char *path, const char *suffix)
{
    size_t path_len = strlen(path), suffix_len = strlen(suffix);

    return path_len > suffix_len && strcmp(path + path_len - suffix_len, suffix) == 0;
}

void snap_strerror(int errnum, char *buf, size_t size)
{
    snprintf(buf, size, "%s", strerror(errnum));
    if (buf[0] >= 'A' && buf[0] <= 'Z')
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

static int snap_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add {"name": path, "path": path, "kinds"?, "regions"?} unless a task for path exists. */
static int snap_add_task(json_t *tasks, const char *path, const json_t *request)
{
    size_t i;
    json_t *task;
    const char *filters[] = {"kinds", "regions"};

    json_array_foreach(tasks, i, task)
    {
        if (strcmp(json_string_value(json_object_get(task, "path")), path) == 0)
            return 0;
    }
    task = json_pack("{s:s, s:s}", "name", path, "path", path);
    if (!task)
        return -1;
    for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        json_t *list = json_object_get(request, filters[i]);

        if (json_is_array(list) && json_object_set(task, filters[i], list) != 0) {
            json_decref(task);
            return -1;
        }
    }
    return json_array_append_new(tasks, task);
}

/* One task per *.json / *.jsonl directly inside `dir`, sorted by name. */
static fwk_status snap_plan_dir(const snap_instance *inst, fwk_ctx *ctx, size_t index,
                                const char *dir, const json_t *request, json_t *tasks)
{
    fwk_status status = FWK_ERROR;
    DIR *d = opendir(dir);
    struct dirent *entry;
    char **names = NULL;
    size_t count = 0, cap = 0, i;
    char reason[128];
    const char *sep = snap_has_suffix(dir, "/") ? "" : "/";

    if (!d) {
        snap_strerror(errno, reason, sizeof(reason));
        inst->host->fail(ctx, "paths[%zu]: %s: cannot list the directory: %s", index, dir, reason);
        goto out;
    }
    while ((entry = readdir(d)) != NULL) {
        if (entry->d_name[0] == '.' ||
            !(snap_has_suffix(entry->d_name, ".json") || snap_has_suffix(entry->d_name, ".jsonl")))
            continue;
        if (count == cap) {
            size_t new_cap = cap ? cap * 2 : 16;
            char **grown = realloc(names, new_cap * sizeof(*names));

            if (!grown)
                goto oom;
            names = grown;
            cap = new_cap;
        }
        if (asprintf(&names[count], "%s%s%s", dir, sep, entry->d_name) < 0)
            goto oom;
        count++;
    }
    if (count == 0)
        inst->host->log(ctx, FWK_LOG_WARN,
                        "paths[%zu]: %s: no *.json or *.jsonl files in "
                        "this directory; nothing to read",
                        index, dir);
    if (count > 1)
        qsort(names, count, sizeof(*names), snap_name_cmp);
    for (i = 0; i < count; i++) {
        if (snap_add_task(tasks, names[i], request) != 0)
            goto oom;
    }
    status = FWK_OK;
    goto out;
oom:
    inst->host->fail(ctx, "paths[%zu]: %s: out of memory listing the directory", index, dir);
out:
    for (i = 0; i < count; i++)
        free(names[i]);
    free(names);
    if (d)
        closedir(d);
    return status;
}

fwk_status snap_plan(const snap_instance *inst, fwk_ctx *ctx, const json_t *request, json_t **tasks)
{
    fwk_status status = FWK_ERROR;
    json_t *planned = json_array();
    size_t i;
    json_t *entry;
    char reason[128];

    *tasks = NULL;
    if (!planned) {
        inst->host->fail(ctx, "out of memory planning the snapshot tasks");
        goto out;
    }
    json_array_foreach(inst->paths, i, entry)
    {
        const char *path = json_string_value(entry);
        struct stat st;

        if (stat(path, &st) != 0) {
            snap_strerror(errno, reason, sizeof(reason));
            inst->host->fail(ctx, "paths[%zu]: %s: %s", i, path, reason);
            goto out;
        }
        if (S_ISDIR(st.st_mode)) {
            if (snap_plan_dir(inst, ctx, i, path, request, planned) != FWK_OK)
                goto out;
        } else if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
            inst->host->fail(ctx, "paths[%zu]: %s: not a regular file or directory", i, path);
            goto out;
        } else if (snap_add_task(planned, path, request) != 0) {
            inst->host->fail(ctx, "out of memory planning the snapshot tasks");
            goto out;
        }
    }
    *tasks = planned;
    planned = NULL;
    status = FWK_OK;
out:
    json_decref(planned);
    return status;
}
