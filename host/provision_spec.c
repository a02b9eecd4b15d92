/* provision_spec.c: read a provisioning spec with libyaml (via the config's YAML loader, so
   errors carry file:line:column) and check it against the provider-neutral keys. */
#include "provision_spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "file_read.h"

#define SPEC_MAX_BYTES (1024u * 1024u)

/* One key of the spec: its type and which what/op may use it. */
typedef enum spec_type {
    SPEC_STRING,
    SPEC_COUNT,
    SPEC_SIZE,
    SPEC_BOOL
} spec_type;

typedef struct spec_key {
    const char *name;
    spec_type type;
    const char *whats; /* " cluster database bucket " subset it applies to */
    bool delete_ok;    /* also allowed for delete */
    bool create_ok;
} spec_key;

static const spec_key spec_keys[] = {
    {"name", SPEC_STRING, " cluster database bucket ", true, true},
    {"region", SPEC_STRING, " cluster database bucket ", true, true},
    {"id", SPEC_STRING, " cluster database bucket ", true, false},
    {"size", SPEC_SIZE, " cluster database bucket ", false, true},
    {"nodes", SPEC_COUNT, " cluster database ", false, true},
    {"version", SPEC_STRING, " cluster database ", false, true},
    {"engine", SPEC_STRING, " database ", false, true},
    {"network_id", SPEC_STRING, " cluster database ", false, true},
    {"force", SPEC_BOOL, " cluster database bucket ", true, false},
};
#define SPEC_KEY_COUNT (sizeof spec_keys / sizeof spec_keys[0])

int provision_what_known(const char *what)
{
    return what && (strcmp(what, "cluster") == 0 || strcmp(what, "database") == 0 ||
                    strcmp(what, "bucket") == 0);
}

int provision_op_known(const char *op)
{
    return op && (strcmp(op, "create") == 0 || strcmp(op, "delete") == 0);
}

static bool key_applies(const spec_key *k, const char *what, bool create)
{
    char word[32];
    snprintf(word, sizeof word, " %s ", what);
    return strstr(k->whats, word) && (create ? k->create_ok : k->delete_ok);
}

static void allowed_keys(const char *what, bool create, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < SPEC_KEY_COUNT && used < size; i++)
        if (key_applies(&spec_keys[i], what, create))
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                     spec_keys[i].name);
}

/* "FILE:LINE:COL: message" at the node (or key) `pointer`. */
static int fail_at(const char *path, const json_t *marks, const char *pointer, diag *err,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail_at(const char *path, const json_t *marks, const char *pointer, diag *err,
                   const char *fmt, ...)
{
    char message[DIAG_MAX];
    va_list ap;
    int line = 0, column = 0;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    config_mark_in(marks, pointer, &line, &column);
    diag_at(err, path, line, column, "%s", message);
    return -1;
}

static int check_value(const char *path, const json_t *marks, const spec_key *k, const char *what,
                       const json_t *value, diag *err)
{
    char pointer[64], got[128];
    snprintf(pointer, sizeof pointer, "/%s", k->name);
    config_describe_value(value, 0, got, sizeof got);
    if (k->type == SPEC_BOOL) {
        if (!json_is_boolean(value))
            return fail_at(path, marks, pointer, err, "%s: expected true or false, got %s", k->name,
                           got);
        return 0;
    }
    bool bucket_size = k->type == SPEC_SIZE && strcmp(what, "bucket") == 0;
    if (k->type == SPEC_COUNT || bucket_size) {
        if (!json_is_integer(value) || json_integer_value(value) < 1)
            return fail_at(path, marks, pointer, err, "%s: expected %s, got %s", k->name,
                           bucket_size ? "a whole number of GB >= 1 (e.g. size: 500)"
                                       : "a whole number >= 1",
                           got);
        return 0;
    }
    if (!json_is_string(value) || json_string_length(value) == 0)
        return fail_at(path, marks, pointer, err, "%s: expected a non-empty string, got %s",
                       k->name, got);
    return 0;
}

static int check_required(const char *path, const json_t *marks, const json_t *spec,
                          const char *what, bool create, diag *err)
{
    const char *need[3] = {"region", NULL, NULL};
    if (create) {
        need[1] = "name";
        if (strcmp(what, "database") == 0) {
            for (size_t i = 0; i < 2; i++) {
                const char *key = i == 0 ? "engine" : "size";
                if (!json_object_get(spec, key))
                    return fail_at(path, marks, "", err,
                                   "%s: required to create a database (engine: MySQL or "
                                   "PostgreSQL, size: e.g. g3.db.small); add it",
                                   key);
            }
        }
    } else if (!json_object_get(spec, "id") && !json_object_get(spec, "name")) {
        return fail_at(path, marks, "", err,
                       "id: required to delete a %s (or its name, unique in the region); add "
                       "id: ...",
                       what);
    }
    for (size_t i = 0; i < 3 && need[i]; i++)
        if (!json_object_get(spec, need[i]))
            return fail_at(path, marks, "", err, "%s: required to %s a %s; add %s: ...", need[i],
                           create ? "create" : "delete", what, need[i]);
    return 0;
}

static int check_spec(const char *path, const json_t *marks, const json_t *key_marks,
                      const json_t *spec, const char *what, bool create, diag *err)
{
    if (!json_is_object(spec)) {
        char got[128] = "an empty file";
        if (spec)
            config_describe_value(spec, 0, got, sizeof got);
        return fail_at(path, marks, "", err,
                       "expected a mapping of name, region, size, ... (see docs/provision.md), "
                       "got %s",
                       got);
    }
    const char *key;
    const json_t *value;
    json_object_foreach ((json_t *)spec, key, value) {
        const spec_key *k = NULL;
        for (size_t i = 0; i < SPEC_KEY_COUNT; i++)
            if (strcmp(spec_keys[i].name, key) == 0)
                k = &spec_keys[i];
        if (!k || !key_applies(k, what, create)) {
            char allowed[256], pointer[256];
            allowed_keys(what, create, allowed, sizeof allowed);
            snprintf(pointer, sizeof pointer, "/%s", key);
            return fail_at(path, key_marks, pointer, err, "unknown key '%s' for %s %s; allowed: %s",
                           key, create ? "create" : "delete", what, allowed);
        }
        if (check_value(path, marks, k, what, value, err) != 0)
            return -1;
    }
    return check_required(path, marks, spec, what, create, err);
}

int provision_spec_load(const char *path, const char *what, const char *op, json_t **spec,
                        diag *err)
{
    *spec = NULL;
    size_t length = 0;
    char *text = file_read_capped(path, SPEC_MAX_BYTES, "spec", &length, err);
    if (!text)
        return -1;
    json_t *marks = json_object(), *key_marks = json_object(), *root = NULL;
    int rc = -1;
    if (!marks || !key_marks)
        diag_set(err, "out of memory");
    else if (config_yaml_parse(text, length, path, &root, marks, key_marks, err) == 0 &&
             check_spec(path, marks, key_marks, root, what, strcmp(op, "create") == 0, err) == 0)
        rc = 0;
    free(text);
    json_decref(marks);
    json_decref(key_marks);
    if (rc == 0)
        *spec = root;
    else
        json_decref(root);
    return rc;
}
