/* loader.c: find plugin .so files, open them, check their descriptors, describe them. */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader_internal.h"
#include "log.h"
#include "schema.h"

/* Add `dir` to `out` when it is an existing directory whose real path is not in `seen`. */
static void add_search_dir(const char *dir, strlist *out, strlist *seen)
{
    char real[PATH_MAX];
    struct stat st;
    if (!dir || !dir[0] || !realpath(dir, real) || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
        return;
    if (strlist_contains(seen, real))
        return;
    if (strlist_push(seen, real) != 0 || strlist_push(out, dir) != 0)
        log_msg(FWK_LOG_ERROR, "loader", "out of memory adding plugin directory %s", dir);
}

/* Every ':'-separated entry of `path_list`. */
static void add_path_list(const char *path_list, strlist *out, strlist *seen)
{
    if (!path_list)
        return;
    char *copy = strdup(path_list);
    if (!copy)
        return;
    char *save = NULL;
    for (char *entry = strtok_r(copy, ":", &save); entry; entry = strtok_r(NULL, ":", &save))
        add_search_dir(entry, out, seen);
    free(copy);
}

/* The directory of the running binary, or "" when unknown. */
static void exe_dir(char *out, size_t size)
{
    ssize_t len = readlink("/proc/self/exe", out, size - 1);
    out[len > 0 ? len : 0] = '\0';
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
    else
        out[0] = '\0';
}

/* <exe dir>/plugins: the plugins beside the binary, i.e. build/plugins in the build tree. */
static void add_exe_dir(const char *bin_dir, strlist *out, strlist *seen)
{
    char dir[PATH_MAX];
    if (bin_dir[0] && snprintf(dir, sizeof dir, "%s/plugins", bin_dir) < (int)sizeof dir)
        add_search_dir(dir, out, seen);
}

/* The installed directory relative to the binary (<exe dir>/../lib/fawkes/plugins), so an
   install into any prefix (`cmake --install --prefix DIR`) finds its plugins. The part after
   the prefix is taken from FAWKES_INSTALLED_PLUGIN_DIR: from its first "lib*" component. */
static void add_relocated_install_dir(const char *bin_dir, const char *installed, strlist *out,
                                      strlist *seen)
{
    const char *rest = NULL;
    for (const char *at = strchr(installed, '/'); at; at = strchr(at + 1, '/'))
        if (strncmp(at + 1, "lib", 3) == 0) {
            rest = at + 1;
            break;
        }
    char prefix[PATH_MAX], parent[PATH_MAX], dir[PATH_MAX];
    if (!rest || !bin_dir[0] ||
        snprintf(parent, sizeof parent, "%s/..", bin_dir) >= (int)sizeof parent ||
        !realpath(parent, prefix))
        return;
    if (snprintf(dir, sizeof dir, "%s/%s", strcmp(prefix, "/") == 0 ? "" : prefix, rest) <
        (int)sizeof dir)
        add_search_dir(dir, out, seen);
}

void loader_search_dirs(const strlist *cli_dirs, const strlist *config_dirs, strlist *out)
{
    strlist seen = {0};
    char real[PATH_MAX];
    for (size_t i = 0; i < out->count; i++)
        if (realpath(out->items[i], real))
            strlist_push(&seen, real);
    const strlist *given[] = {cli_dirs, config_dirs};
    for (size_t g = 0; g < 2; g++)
        for (size_t i = 0; given[g] && i < given[g]->count; i++)
            add_search_dir(given[g]->items[i], out, &seen);
    add_path_list(getenv("FAWKES_PLUGIN_PATH"), out, &seen);
    char bin_dir[PATH_MAX];
    exe_dir(bin_dir, sizeof bin_dir);
    add_exe_dir(bin_dir, out, &seen);
#ifdef FAWKES_INSTALLED_PLUGIN_DIR
    add_relocated_install_dir(bin_dir, FAWKES_INSTALLED_PLUGIN_DIR, out, &seen);
    add_search_dir(FAWKES_INSTALLED_PLUGIN_DIR, out, &seen);
#endif
    strlist_clear(&seen);
}

static int is_plugin_name(const struct dirent *entry)
{
    size_t len = strlen(entry->d_name);
    return entry->d_name[0] != '.' && len > 3 && strcmp(entry->d_name + len - 3, ".so") == 0;
}

int loader_scan_dir(const char *dir, strlist *files, diag *why)
{
    struct dirent **names = NULL;
    int count = scandir(dir, &names, is_plugin_name, alphasort);
    if (count < 0) {
        diag_set(why, "plugin directory %s cannot be read: %s; check it exists and is readable",
                 dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < count; i++) {
        char path[PATH_MAX];
        struct stat st;
        const char *sep = dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/";
        if (snprintf(path, sizeof path, "%s%s%s", dir, sep, names[i]->d_name) < (int)sizeof path &&
            stat(path, &st) == 0 && S_ISREG(st.st_mode))
            strlist_push(files, path);
        free(names[i]);
    }
    free(names);
    return 0;
}

/* Fill out->refusal from `why`; returns -1. */
static int refuse(plugin *out, const diag *why)
{
    out->desc = NULL;
    out->refusal = strdup(why->text);
    return -1;
}

int loader_check_file(const char *path, plugin *out)
{
    diag why = {{0}};
    char local[PATH_MAX];
    memset(out, 0, sizeof *out);
    out->path = strdup(path);
    /* Without a '/', dlopen would search the library path instead of the current directory. */
    const char *open_path = path;
    if (!strchr(path, '/') && snprintf(local, sizeof local, "./%s", path) < (int)sizeof local)
        open_path = local;

    dlerror();
    out->handle = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
    if (!out->handle) {
        const char *err = dlerror();
        diag_set(&why, "cannot be opened: %s; is it a Fawkes plugin built for this machine?",
                 err ? err : "unknown dlopen error");
        return refuse(out, &why);
    }
    void *entry = dlsym(out->handle, FWK_ENTRY_SYMBOL);
    if (!entry) {
        diag_set(&why,
                 "no entry symbol '%s': not a Fawkes plugin, or built without "
                 "FWK_PLUGIN_EXPORT",
                 FWK_ENTRY_SYMBOL);
        return refuse(out, &why);
    }
    fwk_describe_fn describe;
    memcpy(&describe, &entry, sizeof describe);
    const fwk_plugin_descriptor *desc = describe();
    if (!desc) {
        diag_set(&why, "%s() returned NULL: it must return the plugin's static descriptor",
                 FWK_ENTRY_SYMBOL);
        return refuse(out, &why);
    }
    if (loader_check_descriptor(desc, &why) != 0 || loader_check_jansson(out->handle, &why) != 0)
        return refuse(out, &why);
    out->desc = desc;
    return 0;
}

/* Append `p` to the set; on OOM the plugin's strings are freed and it is dropped. */
static void set_append(plugin_set *set, plugin *p)
{
    plugin *items = realloc(set->items, (set->count + 1) * sizeof *items);
    if (!items) {
        log_msg(FWK_LOG_ERROR, "loader", "out of memory listing plugin %s", p->path);
        free(p->path);
        free(p->refusal);
        return;
    }
    set->items = items;
    set->items[set->count++] = *p;
}

/* Refuse `p` when a plugin of its name is already loaded in `set`. */
static void refuse_duplicate(const plugin_set *set, plugin *p)
{
    const plugin *first = loader_find(set, p->desc->name);
    if (!first)
        return;
    diag why;
    diag_set(&why, "plugin name '%s' is already loaded from %s", p->desc->name, first->path);
    refuse(p, &why);
}

/* Check `path` first in a child process, so a plugin that crashes or hangs while loading or
   describing is refused without being opened here; only what passed there is opened here. */
static void check_screened(const char *path, plugin *p)
{
    json_t *screen = loader_describe_isolated(path);
    const char *status = json_string_value(json_object_get(screen, "status"));
    if (status && strcmp(status, "refused") == 0) {
        memset(p, 0, sizeof *p);
        p->path = strdup(path);
        const char *reason = json_string_value(json_object_get(screen, "reason"));
        p->refusal = strdup(reason ? reason : "refused by the describing process");
    } else {
        loader_check_file(path, p);
    }
    json_decref(screen);
}

size_t loader_load_dirs(const strlist *dirs, plugin_set *out)
{
    size_t refused = 0;
    memset(out, 0, sizeof *out);
    for (size_t d = 0; dirs && d < dirs->count; d++) {
        strlist files = {0};
        diag why;
        if (loader_scan_dir(dirs->items[d], &files, &why) != 0)
            log_msg(FWK_LOG_WARN, "loader", "%s", why.text);
        for (size_t i = 0; i < files.count; i++) {
            plugin p;
            check_screened(files.items[i], &p);
            if (p.desc)
                refuse_duplicate(out, &p);
            if (!p.desc) {
                refused++;
                log_msg(FWK_LOG_WARN, "loader", "plugin %s refused: %s", files.items[i],
                        p.refusal ? p.refusal : "out of memory");
            } else {
                log_msg(FWK_LOG_DEBUG, "loader", "plugin %s loaded from %s", p.desc->name,
                        files.items[i]);
            }
            set_append(out, &p);
        }
        strlist_clear(&files);
    }
    return refused;
}

const plugin *loader_find(const plugin_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++) {
        const plugin *p = &set->items[i];
        if (p->desc && strcmp(p->desc->name, name) == 0)
            return p;
    }
    return NULL;
}

const char *loader_kind_name(fwk_plugin_kind kind)
{
    switch (kind) {
    case FWK_KIND_PROVIDER:
        return "provider";
    case FWK_KIND_SCANNER:
        return "scanner";
    case FWK_KIND_POLICY:
        return "policy";
    case FWK_KIND_NOTIFIER:
        return "notifier";
    }
    return "unknown";
}

/* The capabilities derived from the plugin's function table, by name. */
static json_t *capabilities_json(const fwk_plugin_descriptor *desc)
{
    uint64_t caps = loader_capabilities(desc), flag = 0;
    const char *name;
    json_t *list = json_array();
    for (size_t i = 0; (name = loader_capability_name(i, &flag)); i++)
        if (caps & flag)
            json_array_append_new(list, json_string(name));
    return list;
}

/* One option as plain JSON for `plugins inspect`: the table without JSON Schema dialect. */
static json_t *option_json(const fwk_option *opt)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "name", json_string(opt->name));
    json_object_set_new(obj, "type", json_string(loader_option_type_name(opt->type)));
    json_object_set_new(obj, "required", json_boolean(opt->flags & FWK_OPT_REQUIRED));
    json_object_set_new(obj, "secret", json_boolean(opt->flags & FWK_OPT_SECRET));
    json_t *def = opt->default_json ? json_loads(opt->default_json, JSON_DECODE_ANY, NULL) : NULL;
    json_object_set_new(obj, "default", def ? def : json_null());
    if (opt->allowed) {
        json_t *allowed = json_array();
        for (size_t i = 0; opt->allowed[i]; i++)
            json_array_append_new(allowed, json_string(opt->allowed[i]));
        json_object_set_new(obj, "allowed", allowed);
    }
    if (opt->flags & FWK_OPT_HAS_RANGE) {
        json_object_set_new(obj, "min", json_real(opt->min));
        json_object_set_new(obj, "max", json_real(opt->max));
    }
    json_object_set_new(obj, "description", json_string(opt->description ? opt->description : ""));
    return obj;
}

json_t *loader_describe(const plugin *p)
{
    json_t *obj = json_object();
    const fwk_plugin_descriptor *desc = p->desc;
    if (!obj)
        return NULL;
    if (desc) {
        char abi[32];
        snprintf(abi, sizeof abi, "%u.%u", (unsigned)desc->abi_major, (unsigned)desc->abi_minor);
        json_object_set_new(obj, "name", json_string(desc->name));
        json_object_set_new(obj, "kind", json_string(loader_kind_name(desc->kind)));
        json_object_set_new(obj, "version", json_string(desc->version));
        json_object_set_new(obj, "abi", json_string(abi));
    }
    json_object_set_new(obj, "path", json_string(p->path ? p->path : ""));
    json_object_set_new(obj, "status", json_string(desc ? "loaded" : "refused"));
    if (!desc) {
        json_object_set_new(obj, "reason", json_string(p->refusal ? p->refusal : "out of memory"));
        return obj;
    }
    json_object_set_new(obj, "description", json_string(desc->description));
    json_object_set_new(obj, "license", desc->license ? json_string(desc->license) : json_null());
    json_object_set_new(obj, "capabilities", capabilities_json(desc));
    json_object_set_new(obj, "config_schema", schema_to_json_schema(desc->options));
    json_t *options = json_array();
    size_t count = schema_option_count(desc->options);
    for (size_t i = 0; i < count; i++)
        json_array_append_new(options, option_json(schema_option_at(desc->options, i)));
    json_object_set_new(obj, "options", options);
    return obj;
}

void loader_free(plugin_set *set)
{
    for (size_t i = 0; i < set->count; i++) {
        free(set->items[i].path);
        free(set->items[i].refusal);
    }
    free(set->items);
    set->items = NULL;
    set->count = 0;
}
