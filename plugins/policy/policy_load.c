/* policy_load.c: loading the configured paths into an engine, and the checks every compiler
   shares (keys, strings, names, severities, positioned errors). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy.h"

char *policy_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

int policy_fail_at(policy_loader *ld, policy_src src, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    snprintf(ld->err, ld->err_size, "%s:%d:%d: %s", src.file, src.line, src.column, message);
    return -1;
}

int policy_fail(policy_loader *ld, const policy_ynode *node, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    snprintf(ld->err, ld->err_size, "%s:%d:%d: %s", ld->file, node->line, node->column, message);
    return -1;
}

int policy_check_keys(policy_loader *ld, const policy_ynode *map, const char *where,
                      const char *const *allowed)
{
    for (size_t i = 0; i < map->count; i++) {
        bool known = false;
        for (size_t k = 0; allowed[k] && !known; k++)
            known = !strcmp(map->keys[i], allowed[k]);
        if (known)
            continue;
        char list[512];
        size_t used = 0;
        list[0] = '\0';
        for (size_t k = 0; allowed[k] && used < sizeof list; k++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                                     allowed[k]);
        const policy_ynode *v = map->items[i];
        return policy_fail_at(ld, (policy_src){ld->file, v->key_line, v->key_column},
                              "%s%sunknown key '%s'; expected one of: %s", where,
                              *where ? ": " : "", map->keys[i], list);
    }
    return 0;
}

int policy_get_string(policy_loader *ld, const policy_ynode *map, const char *key,
                      const char *where, bool required, const char **out)
{
    const policy_ynode *v = policy_ynode_get(map, key);
    *out = NULL;
    if (!v) {
        if (required)
            return policy_fail(ld, map, "%s%smissing required key '%s'", where, *where ? ": " : "",
                               key);
        return 0;
    }
    if (!policy_ynode_is_string(v) || (required && !v->scalar[0]))
        return policy_fail(
            ld, v, "%s%s%s: expected a non-empty string, got %s", where, *where ? "." : "", key,
            policy_ynode_is_string(v) ? "an empty string" : policy_ynode_type_name(v));
    *out = v->scalar;
    return 0;
}

int policy_check_name(policy_loader *ld, const policy_ynode *node, const char *where,
                      const char *what)
{
    const char *s = node->scalar;
    bool ok = s && (islower((unsigned char)s[0]) || isdigit((unsigned char)s[0]));
    for (const char *p = s; ok && *p; p++)
        ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == '-' ||
             *p == '.';
    if (ok && strlen(s) <= 128)
        return 0;
    return policy_fail(ld, node,
                       "%s: %s \"%s\" must be 1 to 128 of a-z, 0-9, '_', '-', '.' and "
                       "start with a letter or digit",
                       where, what, s ? s : "");
}

int policy_severity_parse(policy_loader *ld, const policy_ynode *node, const char *where,
                          fwkx_severity *out)
{
    if (node->type == POLICY_Y_SCALAR && fwkx_severity_parse(node->scalar, out) == 0)
        return 0;
    return policy_fail(ld, node,
                       "%s: expected one of critical, high, medium, low, info, got %s%s%s%s", where,
                       policy_ynode_type_name(node), node->scalar ? " \"" : "",
                       node->scalar ? node->scalar : "", node->scalar ? "\"" : "");
}

/* ---- files ---- */

char *policy_file_read(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fwkx_buf buf = FWKX_BUF_INIT;
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && fwkx_buf_add(&buf, chunk, n) == 0)
        ;
    int failed = ferror(f);
    fclose(f);
    size_t len = buf.len;
    char *text = failed ? NULL : fwkx_buf_take(&buf);
    if (!text) {
        fwkx_buf_free(&buf);
        errno = failed ? EIO : ENOMEM;
        return NULL;
    }
    if (length)
        *length = len;
    return text;
}

static bool yaml_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static int push_file(char ***files, size_t *count, const char *path)
{
    char **grown = realloc(*files, (*count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *files = grown;
    grown[*count] = strdup(path);
    return grown[(*count)++] ? 0 : -1;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect_dir(const char *dir, char ***files, size_t *count, int depth, char *err,
                       size_t err_size)
{
    if (depth > 32) {
        snprintf(err, err_size, "%s: directories nested too deeply (more than 32)", dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, err_size, "%s: cannot read the directory: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t name_count = 0;
    struct dirent *entry;
    int rc = 0;
    while (rc == 0 && (entry = readdir(d)) != NULL)
        if (entry->d_name[0] != '.')
            rc = push_file(&names, &name_count, entry->d_name);
    closedir(d);
    if (name_count)
        qsort(names, name_count, sizeof *names, compare_names);
    for (size_t i = 0; rc == 0 && i < name_count; i++) {
        char *path = NULL;
        if (asprintf(&path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]) < 0) {
            rc = -1;
            break;
        }
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rc = collect_dir(path, files, count, depth + 1, err, err_size);
        else if (yaml_name(names[i]))
            rc = push_file(files, count, path);
        free(path);
    }
    policy_files_free(names, name_count);
    return rc;
}

int policy_files_collect(const char *path, char ***files, size_t *count, char *err, size_t err_size)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, err_size, "%s: %s; check the policy path", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return collect_dir(path, files, count, 0, err, err_size);
    return push_file(files, count, path);
}

void policy_files_free(char **files, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(files[i]);
    free(files);
}

/* ---- the engine ---- */

const char *policy_engine_file(policy_engine *engine, const char *path)
{
    for (size_t i = 0; i < engine->file_count; i++)
        if (!strcmp(engine->files[i], path))
            return engine->files[i];
    char **grown = realloc(engine->files, (engine->file_count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    engine->files = grown;
    grown[engine->file_count] = strdup(path);
    return grown[engine->file_count] ? grown[engine->file_count++] : NULL;
}

policy_def *policy_engine_find(const policy_engine *engine, const char *name)
{
    for (size_t i = 0; i < engine->policy_count; i++)
        if (!strcmp(engine->policies[i]->name, name))
            return engine->policies[i];
    return NULL;
}

int policy_rule_find(const policy_def *policy, const char *name)
{
    for (size_t i = 0; i < policy->rule_count; i++)
        if (!strcmp(policy->rules[i].name, name))
            return (int)i;
    return -1;
}

static int push_ptr(void ***items, size_t *count, void *item)
{
    void **grown = realloc(*items, (*count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *items = grown;
    grown[(*count)++] = item;
    return 0;
}

/* Exceptions name policies that may be defined in a later file: compile them after all
   policies, in file order. */
typedef struct pending {
    policy_yfile file;
    const char *name;
} pending;

static int load_policies(policy_loader *ld, policy_yfile *yf)
{
    for (size_t d = 0; d < yf->count; d++) {
        const policy_ynode *doc = yf->docs[d];
        if (!doc)
            continue;
        if (doc->type != POLICY_Y_MAP)
            return policy_fail(ld, doc,
                               "expected a mapping with kind: Policy, PolicyException or "
                               "PolicyTest, got %s",
                               policy_ynode_type_name(doc));
        const char *kind = NULL;
        if (policy_get_string(ld, doc, "kind", "", true, &kind) != 0)
            return -1;
        if (!strcmp(kind, "PolicyException") || !strcmp(kind, "PolicyTest"))
            continue;
        if (strcmp(kind, "Policy") != 0)
            return policy_fail(ld, policy_ynode_get(doc, "kind"),
                               "kind: expected Policy, PolicyException or PolicyTest, got \"%s\"",
                               kind);
        policy_def *policy = NULL;
        if (policy_compile(ld, doc, &policy) != 0)
            return -1;
        policy_def *twin = policy_engine_find(ld->engine, policy->name);
        if (twin) {
            policy_fail(ld, policy_ynode_get(doc, "name"),
                        "name: a policy named \"%s\" is already defined at %s:%d:%d; names must "
                        "be unique",
                        policy->name, twin->src.file, twin->src.line, twin->src.column);
            policy_def_free(policy);
            return -1;
        }
        if (push_ptr((void ***)&ld->engine->policies, &ld->engine->policy_count, policy) != 0) {
            policy_def_free(policy);
            return -1;
        }
    }
    return 0;
}

static int load_exceptions(policy_loader *ld, policy_yfile *yf)
{
    for (size_t d = 0; d < yf->count; d++) {
        const policy_ynode *doc = yf->docs[d];
        const policy_ynode *kind = policy_ynode_get(doc, "kind");
        if (!kind || kind->type != POLICY_Y_SCALAR || strcmp(kind->scalar, "PolicyException"))
            continue;
        policy_exception *ex = NULL;
        if (policy_exception_compile(ld, doc, &ex) != 0)
            return -1;
        for (size_t i = 0; i < ld->engine->exception_count; i++) {
            const policy_exception *twin = ld->engine->exceptions[i];
            if (!strcmp(twin->id, ex->id)) {
                policy_fail(ld, policy_ynode_get(doc, "id"),
                            "id: an exception with id \"%s\" is already defined at %s:%d:%d; ids "
                            "must be unique",
                            ex->id, twin->src.file, twin->src.line, twin->src.column);
                policy_exception_free(ex);
                return -1;
            }
        }
        if (push_ptr((void ***)&ld->engine->exceptions, &ld->engine->exception_count, ex) != 0 ||
            push_ptr((void ***)&ex->policy->exceptions, &ex->policy->exception_count, ex) != 0)
            return -1;
    }
    return 0;
}

int policy_engine_load(policy_engine *engine, const char *const *paths, size_t path_count,
                       int64_t now, char *err, size_t err_size)
{
    char **files = NULL;
    size_t file_count = 0;
    pending *parsed = NULL;
    size_t parsed_count = 0;
    int rc = -1;
    err[0] = '\0';
    for (size_t i = 0; i < path_count; i++)
        if (policy_files_collect(paths[i], &files, &file_count, err, err_size) != 0)
            goto out;
    parsed = calloc(file_count ? file_count : 1, sizeof *parsed);
    if (!parsed)
        goto out;
    policy_loader ld = {engine, NULL, now, err, err_size};
    for (size_t i = 0; i < file_count; i++) {
        size_t length = 0;
        char *text = policy_file_read(files[i], &length);
        if (!text) {
            snprintf(err, err_size, "%s: cannot read: %s", files[i], strerror(errno));
            goto out;
        }
        ld.file = policy_engine_file(engine, files[i]);
        int parse_rc =
            ld.file ? policy_yaml_parse(text, length, ld.file, &parsed[i].file, err, err_size) : -1;
        free(text);
        parsed_count = i + 1;
        parsed[i].name = ld.file;
        if (parse_rc != 0 || load_policies(&ld, &parsed[i].file) != 0)
            goto out;
    }
    for (size_t i = 0; i < parsed_count; i++) {
        ld.file = parsed[i].name;
        if (load_exceptions(&ld, &parsed[i].file) != 0)
            goto out;
    }
    if (policy_index_build(engine) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0 && !err[0])
        snprintf(err, err_size, "out of memory loading the policies");
    for (size_t i = 0; i < parsed_count; i++)
        policy_yaml_free(&parsed[i].file);
    free(parsed);
    policy_files_free(files, file_count);
    return rc;
}

void policy_engine_free(policy_engine *engine)
{
    policy_index_free(engine);
    for (size_t i = 0; i < engine->policy_count; i++)
        policy_def_free(engine->policies[i]);
    free(engine->policies);
    for (size_t i = 0; i < engine->exception_count; i++)
        policy_exception_free(engine->exceptions[i]);
    free(engine->exceptions);
    policy_files_free(engine->files, engine->file_count);
    for (size_t i = 0; i < engine->root_key_count; i++)
        free(engine->root_keys[i]);
    memset(engine, 0, sizeof *engine);
}
