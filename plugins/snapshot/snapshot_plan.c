/* snapshot_plan.c: turns the configured paths (files and directories) into tasks: one per file,
   or one per byte range of a large JSON Lines file. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "snapshot.h"

bool snapshot_has_suffix(const char *path, const char *suffix)
{
    size_t path_len = strlen(path), suffix_len = strlen(suffix);

    return path_len > suffix_len && strcmp(path + path_len - suffix_len, suffix) == 0;
}

void snapshot_strerror(int errnum, char *buf, size_t size)
{
    snprintf(buf, size, "%s", strerror(errnum));
    if (buf[0] >= 'A' && buf[0] <= 'Z')
        buf[0] = (char)(buf[0] - 'A' + 'a');
}

static int snapshot_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A new task {"name": name, "path": path, "kinds"?, "regions"?}, or NULL on OOM. */
static json_t *snapshot_task(const char *name, const char *path, const json_t *request)
{
    size_t i;
    const char *filters[] = {"kinds", "regions"};
    json_t *task = json_pack("{s:s, s:s}", "name", name, "path", path);

    if (!task)
        return NULL;
    for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        json_t *list = json_object_get(request, filters[i]);

        if (json_is_array(list) && json_object_set(task, filters[i], list) != 0) {
            json_decref(task);
            return NULL;
        }
    }
    return task;
}

/* Append one task per chunk_size bytes of the JSON Lines file `path` of `size` bytes:
   {"name": "PATH[START-END]", "path", "start", "end"}. Returns 0, or -1 on OOM. */
static int snapshot_add_chunks(const snapshot_instance *inst, json_t *tasks, const char *path,
                               long long size, const json_t *request)
{
    long long start, end;
    char *name = NULL;
    json_t *task = NULL;
    int rc = -1;

    for (start = 0; start < size; start = end) {
        end = size - start > inst->chunk_size ? start + inst->chunk_size : size;
        if (asprintf(&name, "%s[%lld-%lld]", path, start, end) < 0) {
            name = NULL;
            goto out;
        }
        task = snapshot_task(name, path, request);
        if (!task || json_object_set_new(task, "start", json_integer(start)) != 0 ||
            json_object_set_new(task, "end", json_integer(end)) != 0 ||
            json_array_append(tasks, task) != 0)
            goto out;
        json_decref(task);
        task = NULL;
        free(name);
        name = NULL;
    }
    rc = 0;
out:
    json_decref(task);
    free(name);
    return rc;
}

/* Add the tasks reading `path` unless a task for it exists: one, or one per chunk when it
   is a regular JSON Lines file larger than chunk_size. `st` is its stat, or NULL to take
   it here (a file that cannot be stat'ed gets one task, whose run says why). Returns 0,
   or -1 on OOM. */
static int snapshot_add_file(const snapshot_instance *inst, json_t *tasks, const char *path,
                             const struct stat *st, const json_t *request)
{
    size_t i;
    json_t *task;
    struct stat own;

    json_array_foreach (tasks, i, task) {
        if (strcmp(fwkx_str(task, "path", ""), path) == 0)
            return 0;
    }
    if (!st && stat(path, &own) == 0)
        st = &own;
    if (st && S_ISREG(st->st_mode) && (long long)st->st_size > inst->chunk_size &&
        !snapshot_has_suffix(path, ".json"))
        return snapshot_add_chunks(inst, tasks, path, (long long)st->st_size, request);
    task = snapshot_task(path, path, request);
    if (!task)
        return -1;
    return json_array_append_new(tasks, task);
}

/* One task per *.json / *.jsonl directly inside `dir`, sorted by name. */
static fwk_status snapshot_plan_dir(const snapshot_instance *inst, fwk_ctx *ctx, size_t index,
                                    const char *dir, const json_t *request, json_t *tasks)
{
    fwk_status status = FWK_ERROR;
    DIR *d = opendir(dir);
    struct dirent *entry;
    char **names = NULL;
    size_t count = 0, cap = 0, i;
    char reason[128];
    const char *sep = snapshot_has_suffix(dir, "/") ? "" : "/";

    if (!d) {
        snapshot_strerror(errno, reason, sizeof(reason));
        inst->host->fail(ctx, "paths[%zu]: %s: cannot list the directory: %s", index, dir, reason);
        goto out;
    }
    while ((entry = readdir(d)) != NULL) {
        if (entry->d_name[0] == '.' || !(snapshot_has_suffix(entry->d_name, ".json") ||
                                         snapshot_has_suffix(entry->d_name, ".jsonl")))
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
        qsort(names, count, sizeof(*names), snapshot_name_cmp);
    for (i = 0; i < count; i++) {
        if (snapshot_add_file(inst, tasks, names[i], NULL, request) != 0)
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

fwk_status snapshot_plan(const snapshot_instance *inst, fwk_ctx *ctx, const json_t *request,
                         json_t **tasks)
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
    json_array_foreach (inst->paths, i, entry) {
        const char *path = json_string_value(entry);
        struct stat st;

        if (stat(path, &st) != 0) {
            snapshot_strerror(errno, reason, sizeof(reason));
            inst->host->fail(ctx, "paths[%zu]: %s: %s", i, path, reason);
            goto out;
        }
        if (S_ISDIR(st.st_mode)) {
            if (snapshot_plan_dir(inst, ctx, i, path, request, planned) != FWK_OK)
                goto out;
        } else if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
            inst->host->fail(ctx, "paths[%zu]: %s: not a regular file or directory", i, path);
            goto out;
        } else if (snapshot_add_file(inst, planned, path, &st, request) != 0) {
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
