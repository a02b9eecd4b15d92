/* config_interp.c: ${env:NAME} and ${file:PATH} references inside the config's strings. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "secret_ref.h"

/* A growing output string. */
typedef struct text_buf {
    char *data;
    size_t length, capacity;
} text_buf;

static int buf_append(text_buf *buf, const char *text, size_t length)
{
    if (buf->length + length + 1 > buf->capacity) {
        size_t capacity = buf->capacity ? buf->capacity : 64;
        while (capacity < buf->length + length + 1)
            capacity *= 2;
        char *grown = realloc(buf->data, capacity);
        if (!grown)
            return -1;
        buf->data = grown;
        buf->capacity = capacity;
    }
    memcpy(buf->data + buf->length, text, length);
    buf->length += length;
    buf->data[buf->length] = '\0';
    return 0;
}

typedef struct interp_state {
    config *cfg;
    json_t *unresolved;
    diag *err;
} interp_state;

/* Why a reference could not be resolved: the variable's name, or "PATH: why". */
typedef struct ref_failure {
    char reason[512];
} ref_failure;

/* Resolve "env:NAME" / "file:PATH" (PATH against the config's directory) by the rules of
   secret_ref.h. Returns a new string, or NULL with `why` filled. */
static char *resolve_reference(const config *cfg, const char *scheme, const char *arg,
                               ref_failure *why)
{
    char *ref = NULL;
    if (strcmp(scheme, "env") == 0) {
        if (asprintf(&ref, "env:%s", arg) < 0)
            ref = NULL;
    } else {
        char *path = config_resolve_path(cfg, arg);
        if (!path || asprintf(&ref, "file:%s", path) < 0)
            ref = NULL;
        free(path);
    }
    if (!ref) {
        snprintf(why->reason, sizeof why->reason, "out of memory");
        return NULL;
    }
    secret_ref_failure failure;
    char *value = secret_ref_lookup(ref, &failure, why->reason, sizeof why->reason);
    free(ref);
    return value;
}

static bool in_instance_config(const char *pointer)
{
    static const char *const sections[] = {"/providers/", "/scanners/", "/policies/",
                                           "/notifiers/"};
    for (size_t i = 0; i < 4; i++) {
        size_t len = strlen(sections[i]);
        if (strncmp(pointer, sections[i], len) != 0)
            continue;
        const char *rest = pointer + len;
        size_t digits = strspn(rest, "0123456789");
        if (digits == 0 || strncmp(rest + digits, "/config", 7) != 0)
            return false;
        char after = rest[digits + 7];
        return after == '\0' || after == '/';
    }
    return false;
}

/* An unresolved reference: recorded inside instance config, an error anywhere else. */
static int unresolved(interp_state *st, const char *pointer, const char *reference,
                      const char *scheme, const ref_failure *why)
{
    char shown[512], message[2048];
    config_pointer_display(pointer, shown, sizeof shown);
    bool env = strcmp(scheme, "env") == 0;
    if (!in_instance_config(pointer)) {
        if (env)
            config_fail(st->cfg, NULL, pointer, st->err,
                        "%s is not set: export %s, or write the value in the file", reference,
                        why->reason);
        else
            config_fail(st->cfg, NULL, pointer, st->err,
                        "%s cannot be read (%s); create the file or fix the path", reference,
                        why->reason);
        return -1;
    }
    if (env)
        snprintf(message, sizeof message,
                 "%s: %s is not set here; it must be set when this instance runs", shown,
                 reference);
    else
        snprintf(message, sizeof message,
                 "%s: %s is not readable here (%s); it must be readable when this instance "
                 "runs",
                 shown, reference, why->reason);
    json_t *entry = json_pack("{s:s, s:s, s:s}", "pointer", pointer, "reference", reference,
                              "message", message);
    return entry ? json_array_append_new(st->unresolved, entry) : -1;
}

/* One ${...} at text[0]; `end` points at its '}'. Appends the value to `out`. */
static int expand_reference(interp_state *st, const char *pointer, const char *text,
                            const char *end, text_buf *out)
{
    char reference[512];
    int ref_len = (int)(end - text + 1);
    snprintf(reference, sizeof reference, "%.*s", ref_len, text);
    const char *colon = memchr(text + 2, ':', (size_t)(end - text - 2));
    if (!colon) {
        config_fail(st->cfg, NULL, pointer, st->err,
                    "'%s' is not a reference: write ${env:NAME} or ${file:PATH} (and $${ for a "
                    "literal ${)",
                    reference);
        return -1;
    }
    char scheme[64], arg[448];
    snprintf(scheme, sizeof scheme, "%.*s", (int)(colon - text - 2), text + 2);
    snprintf(arg, sizeof arg, "%.*s", (int)(end - colon - 1), colon + 1);
    if (strcmp(scheme, "env") != 0 && strcmp(scheme, "file") != 0) {
        config_fail(st->cfg, NULL, pointer, st->err,
                    "unknown reference scheme '%s' in %s: use ${env:NAME} or ${file:PATH}", scheme,
                    reference);
        return -1;
    }
    if (arg[0] == '\0') {
        config_fail(st->cfg, NULL, pointer, st->err, "%s names nothing: write ${%s:%s}", reference,
                    scheme, strcmp(scheme, "env") == 0 ? "NAME" : "PATH");
        return -1;
    }
    ref_failure why = {{0}};
    char *value = resolve_reference(st->cfg, scheme, arg, &why);
    if (!value)
        return unresolved(st, pointer, reference, scheme, &why);
    int rc = buf_append(out, value, strlen(value));
    free(value);
    return rc;
}

/* Expand one string value in place. */
static int interpolate_string(interp_state *st, json_t *value, const char *pointer)
{
    const char *text = json_string_value(value);
    if (!strchr(text, '$'))
        return 0;
    text_buf out = {0};
    bool literal = false;
    size_t references = 0;
    int rc = -1;
    for (const char *p = text; *p;) {
        if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
            if (buf_append(&out, "${", 2) != 0)
                goto out;
            literal = true;
            p += 3;
        } else if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            if (!end) {
                config_fail(st->cfg, NULL, pointer, st->err,
                            "unterminated ${ in \"%.60s\": close it with }, or write $${ for a "
                            "literal ${",
                            text);
                goto out;
            }
            if (expand_reference(st, pointer, p, end, &out) != 0)
                goto out;
            references++;
            p = end + 1;
        } else {
            if (buf_append(&out, p, 1) != 0)
                goto out;
            literal = true;
            p++;
        }
    }
    rc = json_string_set(value, out.data ? out.data : "");
    if (rc == 0 && references > 0 && !literal)
        rc = json_object_set_new(st->cfg->interpolated, pointer, json_true());
out:
    free(out.data);
    return rc;
}

static int interpolate_node(interp_state *st, json_t *node, const char *pointer)
{
    if (json_is_string(node))
        return interpolate_string(st, node, pointer);
    int rc = 0;
    if (json_is_array(node)) {
        size_t i;
        json_t *child;
        json_array_foreach (node, i, child) {
            char *child_pointer = config_pointer_index(pointer, i);
            rc = child_pointer ? interpolate_node(st, child, child_pointer) : -1;
            free(child_pointer);
            if (rc != 0)
                return rc;
        }
    } else if (json_is_object(node)) {
        const char *key;
        json_t *child;
        json_object_foreach (node, key, child) {
            char *child_pointer = config_pointer_key(pointer, key);
            rc = child_pointer ? interpolate_node(st, child, child_pointer) : -1;
            free(child_pointer);
            if (rc != 0)
                return rc;
        }
    }
    return rc;
}

int config_interpolate(config *cfg, json_t *unresolved_refs, diag *err)
{
    interp_state st = {cfg, unresolved_refs, err};
    if (!cfg->root)
        return 0;
    err->text[0] = '\0';
    int rc = interpolate_node(&st, cfg->root, "");
    if (rc != 0 && err->text[0] == '\0')
        diag_set(err, "%s: out of memory while expanding references", cfg->path);
    return rc;
}
