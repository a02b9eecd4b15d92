/* config_yaml.c: libyaml events -> a jansson tree, with the source position of every node. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config_internal.h"
#include "yaml_core.h"

#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 200000 /* after expanding aliases; stops "billion laughs" documents */

typedef struct yaml_builder {
    yaml_parser_t parser;
    const char *name;
    const char *text;
    size_t length;
    json_t *marks, *key_marks;
    json_t *anchors; /* anchor -> {"value": json, "pointer": string} */
    size_t nodes;
    diag *err;
} yaml_builder;

static void set_mark(json_t *marks, const char *pointer, yaml_mark_t mark)
{
    json_object_set_new(marks, pointer,
                        json_pack("[i, i]", (int)mark.line + 1, (int)mark.column + 1));
}

static int parser_error(yaml_builder *b)
{
    char message[1024];
    int line, column;
    yaml_core_parser_error(&b->parser, b->text, b->length, &line, &column, message, sizeof message);
    diag_at(b->err, b->name, line, column, "%s", message);
    return -1;
}

static int next_event(yaml_builder *b, yaml_event_t *event)
{
    if (!yaml_parser_parse(&b->parser, event))
        return parser_error(b);
    return 0;
}

static int error_at(yaml_builder *b, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int error_at(yaml_builder *b, yaml_mark_t mark, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    diag_at(b->err, b->name, (int)mark.line + 1, (int)mark.column + 1, "%s", message);
    return -1;
}

static int reject_tag(yaml_builder *b, const yaml_char_t *tag, yaml_mark_t mark)
{
    char message[512];
    return yaml_core_tag_problem(tag, message, sizeof message) ? error_at(b, mark, "%s", message)
                                                               : 0;
}

static int build_scalar(yaml_builder *b, const yaml_event_t *event, json_t **out)
{
    const char *text = (const char *)event->data.scalar.value;
    size_t length = event->data.scalar.length;
    if (strlen(text) != length)
        return error_at(b, event->start_mark, "%s",
                        "invalid YAML: a string contains a NUL character (\\0); remove it");
    const char *problem = NULL;
    if (event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        *out = yaml_core_resolve(text, &problem);
    else
        *out = json_stringn(text, length);
    if (problem)
        return error_at(b, event->start_mark, "%s: %s; quote it to make it a string", problem,
                        text);
    if (!*out)
        return error_at(b, event->start_mark, "%s", "out of memory");
    return 0;
}

static size_t count_nodes(const json_t *value)
{
    size_t n = 1, i;
    const char *key;
    json_t *child;
    if (json_is_array(value))
        json_array_foreach (value, i, child)
            n += count_nodes(child);
    else if (json_is_object(value))
        json_object_foreach ((json_t *)value, key, child)
            n += count_nodes(child);
    return n;
}

/* Give the copy at `pointer` the marks its original at `origin` had below it. */
static void copy_marks(json_t *marks, const char *origin, const char *pointer)
{
    size_t origin_len = strlen(origin);
    json_t *copied = json_object();
    const char *key;
    json_t *mark;
    json_object_foreach (marks, key, mark) {
        if (strncmp(key, origin, origin_len) != 0 || key[origin_len] != '/')
            continue;
        char *moved = NULL;
        if (asprintf(&moved, "%s%s", pointer, key + origin_len) < 0)
            continue;
        json_object_set(copied, moved, mark);
        free(moved);
    }
    json_object_update(marks, copied);
    json_decref(copied);
}

static int build_alias(yaml_builder *b, const yaml_event_t *event, const char *pointer,
                       json_t **out)
{
    const char *anchor = (const char *)event->data.alias.anchor;
    json_t *entry = json_object_get(b->anchors, anchor);
    if (!entry)
        return error_at(b, event->start_mark,
                        "invalid YAML: alias *%s refers to no anchor defined before it "
                        "(define &name first; an alias cannot refer to its own parent)",
                        anchor);
    json_t *value = json_object_get(entry, "value");
    b->nodes += count_nodes(value);
    if (b->nodes > YAML_MAX_NODES)
        return error_at(b, event->start_mark,
                        "aliases expand to too many values (more than %d) at *%s; "
                        "write the config without nested aliases",
                        YAML_MAX_NODES, anchor);
    *out = json_deep_copy(value);
    if (!*out)
        return error_at(b, event->start_mark, "%s", "out of memory");
    const char *origin = json_string_value(json_object_get(entry, "pointer"));
    copy_marks(b->marks, origin, pointer);
    copy_marks(b->key_marks, origin, pointer);
    return 0;
}

static int build_node(yaml_builder *b, yaml_event_t *event, const char *pointer, int depth,
                      json_t **out);

static int build_sequence(yaml_builder *b, const char *pointer, int depth, json_t *array)
{
    for (size_t index = 0;; index++) {
        yaml_event_t event;
        if (next_event(b, &event) != 0)
            return -1;
        if (event.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&event);
            return 0;
        }
        char *child_pointer = config_pointer_index(pointer, index);
        json_t *child = NULL;
        int rc = child_pointer ? build_node(b, &event, child_pointer, depth + 1, &child) : -1;
        free(child_pointer);
        yaml_event_delete(&event);
        if (rc != 0 || json_array_append_new(array, child) != 0)
            return -1;
    }
}

static int read_key(yaml_builder *b, const yaml_event_t *event, const char *pointer,
                    const json_t *object, char **key)
{
    if (event->type == YAML_ALIAS_EVENT)
        return error_at(b, event->start_mark,
                        "invalid YAML: an alias (*%s) cannot be a mapping key; write the key out",
                        (const char *)event->data.alias.anchor);
    if (event->type != YAML_SCALAR_EVENT)
        return error_at(b, event->start_mark, "%s",
                        "invalid YAML: mapping keys must be plain text, not a list or mapping");
    if (reject_tag(b, event->data.scalar.tag, event->start_mark) != 0)
        return -1;
    const char *text = (const char *)event->data.scalar.value;
    if (event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(text, "<<") == 0)
        return error_at(b, event->start_mark, "%s",
                        "invalid YAML: merge keys (<<) are not supported; write the keys out "
                        "(an alias *name can still stand for a whole value)");
    if (strlen(text) != event->data.scalar.length)
        return error_at(b, event->start_mark, "%s",
                        "invalid YAML: a key contains a NUL character (\\0); remove it");
    if (json_object_get(object, text)) {
        char *child_pointer = config_pointer_key(pointer, text);
        int line = 0, column = 0;
        config_mark_in(b->key_marks, child_pointer ? child_pointer : pointer, &line, &column);
        free(child_pointer);
        char shown[256];
        config_pointer_display(pointer, shown, sizeof shown);
        diag_at(b->err, b->name, (int)event->start_mark.line + 1, (int)event->start_mark.column + 1,
                "%s%sduplicate key '%s' (first at line %d, column %d); keep only one", shown,
                shown[0] ? ": " : "", text, line, column);
        return -1;
    }
    *key = strdup(text);
    return *key ? 0 : error_at(b, event->start_mark, "%s", "out of memory");
}

static int build_mapping(yaml_builder *b, const char *pointer, int depth, json_t *object)
{
    for (;;) {
        yaml_event_t key_event, value_event;
        if (next_event(b, &key_event) != 0)
            return -1;
        if (key_event.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key_event);
            return 0;
        }
        char *key = NULL, *child_pointer = NULL;
        json_t *child = NULL;
        int rc = read_key(b, &key_event, pointer, object, &key);
        if (rc == 0) {
            child_pointer = config_pointer_key(pointer, key);
            rc = child_pointer ? 0 : -1;
        }
        if (rc == 0) {
            set_mark(b->key_marks, child_pointer, key_event.start_mark);
            rc = next_event(b, &value_event);
            if (rc == 0) {
                rc = build_node(b, &value_event, child_pointer, depth + 1, &child);
                yaml_event_delete(&value_event);
            }
        }
        if (rc == 0 && json_object_set_new(object, key, child) != 0)
            rc = -1;
        yaml_event_delete(&key_event);
        free(key);
        free(child_pointer);
        if (rc != 0)
            return -1;
    }
}

static int remember_anchor(yaml_builder *b, const yaml_char_t *anchor, const json_t *value,
                           const char *pointer)
{
    if (!anchor)
        return 0;
    json_t *entry = json_pack("{s:O, s:s}", "value", value, "pointer", pointer);
    return entry ? json_object_set_new(b->anchors, (const char *)anchor, entry) : -1;
}

static int build_node(yaml_builder *b, yaml_event_t *event, const char *pointer, int depth,
                      json_t **out)
{
    *out = NULL;
    if (depth > YAML_MAX_DEPTH)
        return error_at(b, event->start_mark,
                        "values are nested too deeply (more than %d "
                        "levels); flatten the config",
                        YAML_MAX_DEPTH);
    if (++b->nodes > YAML_MAX_NODES)
        return error_at(b, event->start_mark, "too many values (more than %d)", YAML_MAX_NODES);
    set_mark(b->marks, pointer, event->start_mark);
    const yaml_char_t *anchor = NULL;
    int rc = -1;
    switch (event->type) {
    case YAML_ALIAS_EVENT:
        return build_alias(b, event, pointer, out);
    case YAML_SCALAR_EVENT:
        anchor = event->data.scalar.anchor;
        if (reject_tag(b, event->data.scalar.tag, event->start_mark) != 0)
            return -1;
        rc = build_scalar(b, event, out);
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = event->data.sequence_start.anchor;
        if (reject_tag(b, event->data.sequence_start.tag, event->start_mark) != 0)
            return -1;
        *out = json_array();
        rc = *out ? build_sequence(b, pointer, depth, *out) : -1;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = event->data.mapping_start.anchor;
        if (reject_tag(b, event->data.mapping_start.tag, event->start_mark) != 0)
            return -1;
        *out = json_object();
        rc = *out ? build_mapping(b, pointer, depth, *out) : -1;
        break;
    default:
        return error_at(b, event->start_mark, "%s", "invalid YAML: unexpected event");
    }
    if (rc == 0)
        rc = remember_anchor(b, anchor, *out, pointer);
    if (rc != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* STREAM-START, then at most one document. */
static int build_stream(yaml_builder *b, json_t **root)
{
    yaml_event_t event;
    if (next_event(b, &event) != 0)
        return -1;
    yaml_event_delete(&event); /* STREAM-START */
    if (next_event(b, &event) != 0)
        return -1;
    if (event.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&event);
        return 0;
    }
    yaml_event_delete(&event); /* DOCUMENT-START */
    if (next_event(b, &event) != 0)
        return -1;
    int rc = build_node(b, &event, "", 0, root);
    yaml_event_delete(&event);
    if (rc != 0)
        return -1;
    if (next_event(b, &event) != 0) /* DOCUMENT-END */
        return -1;
    yaml_event_delete(&event);
    if (next_event(b, &event) != 0)
        return -1;
    if (event.type == YAML_DOCUMENT_START_EVENT)
        rc = error_at(b, event.start_mark, "%s",
                      "invalid YAML: a second document (---) is not supported; keep the whole "
                      "config in one document");
    yaml_event_delete(&event);
    return rc;
}

int config_yaml_parse(const char *text, size_t length, const char *name, json_t **root,
                      json_t *marks, json_t *key_marks, diag *err)
{
    yaml_builder b;
    memset(&b, 0, sizeof b);
    *root = NULL;
    b.name = name;
    b.text = text;
    b.length = length;
    b.marks = marks;
    b.key_marks = key_marks;
    b.err = err;
    b.anchors = json_object();
    int rc = -1;
    if (!b.anchors || !yaml_parser_initialize(&b.parser)) {
        diag_set(err, "%s: out of memory", name);
        goto out;
    }
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, length);
    rc = build_stream(&b, root);
    yaml_parser_delete(&b.parser);
    if (rc != 0) {
        json_decref(*root);
        *root = NULL;
    }
out:
    json_decref(b.anchors);
    return rc;
}
