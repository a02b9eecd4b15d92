/* notify_template.c: message templates over finding fields ({{severity}}, {{resource.name}}). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_route.h"

#define FIELD_MAX 128

static const char *const plain_fields[] = {
    "rule",  "severity", "status",     "title",  "message",   "remediation", "fingerprint",
    "delta", "source",   "compliance", "run.id", "run.chain", NULL};

/* Copy the placeholder starting after "{{" at `p` into `field` (trimmed); the text after
   "}}" in *next. -1 when unterminated or too long. */
static int placeholder(const char *p, char field[FIELD_MAX], const char **next)
{
    const char *close = strstr(p, "}}");
    if (!close)
        return -1;
    while (p < close && (*p == ' ' || *p == '\t'))
        p++;
    const char *end = close;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t len = (size_t)(end - p);
    if (len == 0 || len >= FIELD_MAX)
        return -1;
    memcpy(field, p, len);
    field[len] = '\0';
    *next = close + 2;
    return 0;
}

static int field_known(const char *field)
{
    for (size_t i = 0; plain_fields[i]; i++)
        if (strcmp(field, plain_fields[i]) == 0)
            return 1;
    static const char *const prefixes[] = {"resource.", "evidence.", NULL};
    for (size_t i = 0; prefixes[i]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(field, prefixes[i], n) == 0 && field[n] && field[strlen(field) - 1] != '.')
            return 1;
    }
    return 0;
}

int notify_template_check(const char *text, char *why, size_t size)
{
    const char *p = text;
    const char *open;
    while ((open = strstr(p, "{{")) != NULL) {
        char field[FIELD_MAX];
        if (placeholder(open + 2, field, &p) != 0) {
            snprintf(why, size, "unterminated or empty placeholder at \"%.20s\": write {{field}}",
                     open);
            return -1;
        }
        if (!field_known(field)) {
            snprintf(why, size,
                     "unknown field {{%s}}: use rule, severity, status, title, message, "
                     "remediation, fingerprint, delta, source, compliance, run.id, run.chain, "
                     "resource.KEY or evidence.KEY",
                     field);
            return -1;
        }
    }
    return 0;
}

/* The value at dotted `path` inside `value`, or NULL. */
static const json_t *lookup(const json_t *value, const char *path)
{
    char part[FIELD_MAX];
    while (value && *path) {
        size_t len = strcspn(path, ".");
        if (len >= sizeof part)
            return NULL;
        memcpy(part, path, len);
        part[len] = '\0';
        value = json_object_get(value, part);
        path += len + (path[len] == '.');
    }
    return value;
}

static void put_value(FILE *out, const json_t *value)
{
    if (!value || json_is_null(value))
        return;
    if (json_is_string(value)) {
        fputs(json_string_value(value), out);
    } else if (json_is_array(value)) {
        size_t i;
        const json_t *item;
        json_array_foreach (value, i, item) {
            if (i)
                fputs(", ", out);
            put_value(out, item);
        }
    } else {
        char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        if (text)
            fputs(text, out);
        free(text);
    }
}

char *notify_template_render(const char *text, const json_t *finding, const char *run_id,
                             const char *chain)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return NULL;
    const char *p = text;
    const char *open;
    while ((open = strstr(p, "{{")) != NULL) {
        fwrite(p, 1, (size_t)(open - p), out);
        char field[FIELD_MAX];
        if (placeholder(open + 2, field, &p) != 0) { /* unchecked text: keep it literally */
            fputs(open, out);
            p = open + strlen(open);
            break;
        }
        if (strcmp(field, "run.id") == 0)
            fputs(run_id ? run_id : "", out);
        else if (strcmp(field, "run.chain") == 0)
            fputs(chain ? chain : "", out);
        else
            put_value(out, lookup(finding, field));
    }
    fputs(p, out);
    if (fclose(out) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
