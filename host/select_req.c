/* select_req.c: read a `fawkes select` requirements file with libyaml (via the config's YAML
   loader, so errors carry file:line:column) and check every key's type and range. */
#include "select_req.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "file_read.h"

#define REQ_MAX_BYTES (1024u * 1024u)

typedef enum req_type {
    REQ_COUNT,
    REQ_POSITIVE,
    REQ_NONNEGATIVE,
    REQ_LIST,
    REQ_PRIORITY
} req_type;

typedef struct req_key {
    const char *name;
    req_type type;
    bool required;
} req_key;

static const req_key req_keys[] = {
    {"cpu", REQ_COUNT, true},
    {"memory_gb", REQ_POSITIVE, true},
    {"storage_gb", REQ_NONNEGATIVE, false},
    {"regions", REQ_LIST, false},
    {"features", REQ_LIST, false},
    {"compliance", REQ_LIST, false},
    {"max_monthly_cost", REQ_POSITIVE, false},
    {"priority", REQ_PRIORITY, false},
};
#define REQ_KEY_COUNT (sizeof req_keys / sizeof req_keys[0])
#define REQ_ALLOWED                                                                                \
    "cpu, memory_gb, storage_gb, regions, features, compliance, max_monthly_cost, priority"

static const char *const priorities[] = {"cost", "performance", "compliance", "latency",
                                         "balanced"};

void select_req_locate(const char *path, const json_t *marks, const char *pointer,
                       const char *message, diag *err)
{
    int line = 0, column = 0;
    config_mark_in(marks, pointer, &line, &column);
    diag_at(err, path, line, column, "%s", message);
}

static int fail_at(const char *path, const json_t *marks, const char *pointer, diag *err,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail_at(const char *path, const json_t *marks, const char *pointer, diag *err,
                   const char *fmt, ...)
{
    char message[DIAG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    select_req_locate(path, marks, pointer, message, err);
    return -1;
}

static int check_list(const char *path, const json_t *marks, const char *key, const json_t *value,
                      diag *err)
{
    char pointer[96], got[128];
    const json_t *item;
    size_t i;
    if (!json_is_array(value)) {
        config_describe_value(value, 0, got, sizeof got);
        snprintf(pointer, sizeof pointer, "/%s", key);
        return fail_at(path, marks, pointer, err, "%s: expected a list of names, got %s", key, got);
    }
    json_array_foreach (value, i, item) {
        if (json_is_string(item) && json_string_length(item) > 0)
            continue;
        config_describe_value(item, 0, got, sizeof got);
        snprintf(pointer, sizeof pointer, "/%s/%zu", key, i);
        return fail_at(path, marks, pointer, err, "%s[%zu]: expected a non-empty string, got %s",
                       key, i + 1, got);
    }
    return 0;
}

static int check_value(const char *path, const json_t *marks, const req_key *k, const json_t *value,
                       diag *err)
{
    char pointer[96], got[128];
    snprintf(pointer, sizeof pointer, "/%s", k->name);
    config_describe_value(value, 0, got, sizeof got);
    double number = json_is_number(value) ? json_number_value(value) : -1.0;
    switch (k->type) {
    case REQ_COUNT:
        if (!json_is_integer(value) || json_integer_value(value) < 1 ||
            json_integer_value(value) > 1024)
            return fail_at(path, marks, pointer, err,
                           "%s: expected a whole number of vCPUs from 1 to 1024, got %s", k->name,
                           got);
        return 0;
    case REQ_POSITIVE:
        if (!json_is_number(value) || !(number > 0))
            return fail_at(path, marks, pointer, err, "%s: expected a number > 0, got %s", k->name,
                           got);
        return 0;
    case REQ_NONNEGATIVE:
        if (!json_is_number(value) || !(number >= 0))
            return fail_at(path, marks, pointer, err, "%s: expected a number >= 0, got %s", k->name,
                           got);
        return 0;
    case REQ_LIST:
        return check_list(path, marks, k->name, value, err);
    case REQ_PRIORITY:
        for (size_t i = 0; i < sizeof priorities / sizeof priorities[0]; i++)
            if (json_is_string(value) && strcmp(json_string_value(value), priorities[i]) == 0)
                return 0;
        return fail_at(path, marks, pointer, err,
                       "%s: expected cost, performance, compliance, latency or balanced, got %s",
                       k->name, got);
    }
    return 0;
}

static int check_req(const char *path, const json_t *marks, const json_t *key_marks,
                     const json_t *req, diag *err)
{
    if (!json_is_object(req)) {
        char got[128] = "an empty file";
        if (req)
            config_describe_value(req, 0, got, sizeof got);
        return fail_at(path, marks, "", err,
                       "expected a mapping of cpu, memory_gb, ... (see docs/select.md), got %s",
                       got);
    }
    const char *key;
    const json_t *value;
    json_object_foreach ((json_t *)req, key, value) {
        const req_key *k = NULL;
        for (size_t i = 0; i < REQ_KEY_COUNT; i++)
            if (strcmp(req_keys[i].name, key) == 0)
                k = &req_keys[i];
        if (!k) {
            char pointer[256];
            snprintf(pointer, sizeof pointer, "/%s", key);
            return fail_at(path, key_marks, pointer, err, "unknown key '%s'; allowed: %s", key,
                           REQ_ALLOWED);
        }
        if (check_value(path, marks, k, value, err) != 0)
            return -1;
    }
    for (size_t i = 0; i < REQ_KEY_COUNT; i++)
        if (req_keys[i].required && !json_object_get(req, req_keys[i].name))
            return fail_at(path, marks, "", err, "%s: required; add %s: ...", req_keys[i].name,
                           req_keys[i].name);
    return 0;
}

int select_req_load(const char *path, json_t **req, json_t **marks, diag *err)
{
    *req = NULL;
    *marks = NULL;
    size_t length = 0;
    char *text = file_read_capped(path, REQ_MAX_BYTES, "requirements file", &length, err);
    if (!text)
        return -1;
    json_t *node_marks = json_object(), *key_marks = json_object(), *root = NULL;
    int rc = -1;
    if (!node_marks || !key_marks)
        diag_set(err, "out of memory");
    else if (config_yaml_parse(text, length, path, &root, node_marks, key_marks, err) == 0 &&
             check_req(path, node_marks, key_marks, root, err) == 0)
        rc = 0;
    free(text);
    json_decref(key_marks);
    if (rc == 0) {
        *req = root;
        *marks = node_marks;
    } else {
        json_decref(root);
        json_decref(node_marks);
    }
    return rc;
}
