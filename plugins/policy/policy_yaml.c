/* policy_yaml.c: libyaml events -> policy_ynode trees with line:column marks (as host/config_yaml.c
   does for the config, but kept inside the plugin: plugins never link host code). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "policy_yaml.h"
#include "yaml_core.h"

#define POLICY_YAML_MAX_DEPTH 64
#define POLICY_YAML_MAX_NODES 1000000

typedef struct ybuild {
    yaml_parser_t parser;
    const char *name;
    const char *text;
    size_t length;
    policy_yfile *file;
    size_t nodes;
    struct {
        char *name;
        policy_ynode *node;
    } * anchors;
    size_t anchor_count;
    char *err;
    size_t err_size;
} ybuild;

static int yfail(ybuild *b, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int yfail(ybuild *b, yaml_mark_t mark, const char *fmt, ...)
{
    char message[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    snprintf(b->err, b->err_size, "%s:%d:%d: %s", b->name, (int)mark.line + 1, (int)mark.column + 1,
             message);
    return -1;
}

static int parser_error(ybuild *b)
{
    char message[768];
    int line, column;
    yaml_core_parser_error(&b->parser, b->text, b->length, &line, &column, message, sizeof message);
    snprintf(b->err, b->err_size, "%s:%d:%d: %s", b->name, line, column, message);
    return -1;
}

static int next_event(ybuild *b, yaml_event_t *event)
{
    return yaml_parser_parse(&b->parser, event) ? 0 : parser_error(b);
}

static policy_ynode *new_node(ybuild *b, policy_ynode_type type, yaml_mark_t mark)
{
    policy_ynode *node = calloc(1, sizeof *node);
    if (!node)
        return NULL;
    node->type = type;
    node->line = node->key_line = (int)mark.line + 1;
    node->column = node->key_column = (int)mark.column + 1;
    node->arena_next = b->file->arena;
    b->file->arena = node;
    return node;
}

static int reject_tag(ybuild *b, const yaml_char_t *tag, yaml_mark_t mark)
{
    char message[512];
    return yaml_core_tag_problem(tag, message, sizeof message) ? yfail(b, mark, "%s", message) : 0;
}

static int push_child(policy_ynode *parent, char *key, policy_ynode *child)
{
    policy_ynode **items = realloc(parent->items, (parent->count + 1) * sizeof *items);
    if (!items)
        return -1;
    parent->items = items;
    if (parent->type == POLICY_Y_MAP) {
        char **keys = realloc(parent->keys, (parent->count + 1) * sizeof *keys);
        if (!keys)
            return -1;
        parent->keys = keys;
        keys[parent->count] = key;
    }
    items[parent->count++] = child;
    return 0;
}

static int remember_anchor(ybuild *b, const yaml_char_t *anchor, policy_ynode *node)
{
    if (!anchor)
        return 0;
    void *grown = realloc(b->anchors, (b->anchor_count + 1) * sizeof *b->anchors);
    if (!grown)
        return -1;
    b->anchors = grown;
    b->anchors[b->anchor_count].name = strdup((const char *)anchor);
    b->anchors[b->anchor_count].node = node;
    return b->anchors[b->anchor_count++].name ? 0 : -1;
}

static int build_node(ybuild *b, yaml_event_t *event, int depth, policy_ynode **out);

static int build_children(ybuild *b, policy_ynode *parent, int depth)
{
    for (;;) {
        yaml_event_t key_event, value_event;
        if (next_event(b, &key_event) != 0)
            return -1;
        if (key_event.type == YAML_SEQUENCE_END_EVENT || key_event.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key_event);
            return 0;
        }
        policy_ynode *child = NULL;
        char *key = NULL;
        int rc = 0;
        if (parent->type == POLICY_Y_SEQ) {
            rc = build_node(b, &key_event, depth + 1, &child);
        } else {
            if (key_event.type != YAML_SCALAR_EVENT)
                rc = yfail(b, key_event.start_mark, "%s",
                           "invalid YAML: mapping keys must be plain text, not a list, mapping "
                           "or alias");
            else if (reject_tag(b, key_event.data.scalar.tag, key_event.start_mark) != 0)
                rc = -1;
            else if (key_event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                     strcmp((const char *)key_event.data.scalar.value, "<<") == 0)
                rc = yfail(b, key_event.start_mark, "%s",
                           "invalid YAML: merge keys (<<) are not supported; write the keys out");
            if (rc == 0) {
                const char *text = (const char *)key_event.data.scalar.value;
                const policy_ynode *dup = policy_ynode_get(parent, text);
                if (dup)
                    rc = yfail(b, key_event.start_mark,
                               "duplicate key '%s' (first at line %d, column %d); keep only one",
                               text, dup->key_line, dup->key_column);
            }
            if (rc == 0) {
                key = strdup((const char *)key_event.data.scalar.value);
                rc = key ? next_event(b, &value_event) : -1;
                if (rc == 0) {
                    rc = build_node(b, &value_event, depth + 1, &child);
                    yaml_event_delete(&value_event);
                }
                if (rc == 0 && child) {
                    /* An alias shares its node: only a fresh node takes this key's mark. */
                    if (child->key_line == child->line && child->key_column == child->column) {
                        child->key_line = (int)key_event.start_mark.line + 1;
                        child->key_column = (int)key_event.start_mark.column + 1;
                    }
                }
            }
        }
        yaml_event_delete(&key_event);
        if (rc == 0 && push_child(parent, key, child) != 0)
            rc = -1;
        if (rc != 0) {
            free(key);
            return -1;
        }
    }
}

static int build_node(ybuild *b, yaml_event_t *event, int depth, policy_ynode **out)
{
    *out = NULL;
    if (depth > POLICY_YAML_MAX_DEPTH)
        return yfail(b, event->start_mark, "values are nested too deeply (more than %d levels)",
                     POLICY_YAML_MAX_DEPTH);
    if (++b->nodes > POLICY_YAML_MAX_NODES)
        return yfail(b, event->start_mark, "too many values (more than %d)", POLICY_YAML_MAX_NODES);
    const yaml_char_t *anchor = NULL;
    policy_ynode *node = NULL;
    switch (event->type) {
    case YAML_ALIAS_EVENT:
        for (size_t i = b->anchor_count; i-- > 0;)
            if (strcmp(b->anchors[i].name, (const char *)event->data.alias.anchor) == 0) {
                *out = b->anchors[i].node;
                return 0;
            }
        return yfail(b, event->start_mark, "invalid YAML: alias *%s refers to no anchor before it",
                     (const char *)event->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        if (reject_tag(b, event->data.scalar.tag, event->start_mark) != 0)
            return -1;
        if (strlen((const char *)event->data.scalar.value) != event->data.scalar.length)
            return yfail(b, event->start_mark, "%s",
                         "invalid YAML: a string contains a NUL character (\\0); remove it");
        anchor = event->data.scalar.anchor;
        node = new_node(b, POLICY_Y_SCALAR, event->start_mark);
        if (!node || !(node->scalar = strdup((const char *)event->data.scalar.value)))
            return -1;
        node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool seq = event->type == YAML_SEQUENCE_START_EVENT;
        const yaml_char_t *tag =
            seq ? event->data.sequence_start.tag : event->data.mapping_start.tag;
        if (reject_tag(b, tag, event->start_mark) != 0)
            return -1;
        anchor = seq ? event->data.sequence_start.anchor : event->data.mapping_start.anchor;
        node = new_node(b, seq ? POLICY_Y_SEQ : POLICY_Y_MAP, event->start_mark);
        if (!node || build_children(b, node, depth) != 0)
            return -1;
        break;
    }
    default:
        return yfail(b, event->start_mark, "%s", "invalid YAML: unexpected event");
    }
    if (remember_anchor(b, anchor, node) != 0)
        return -1;
    *out = node;
    return 0;
}

static int build_stream(ybuild *b)
{
    yaml_event_t event;
    if (next_event(b, &event) != 0)
        return -1;
    yaml_event_delete(&event); /* STREAM-START */
    for (;;) {
        if (next_event(b, &event) != 0)
            return -1;
        if (event.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&event);
            return 0;
        }
        yaml_event_delete(&event); /* DOCUMENT-START */
        if (next_event(b, &event) != 0)
            return -1;
        policy_ynode *root = NULL;
        int rc = build_node(b, &event, 0, &root);
        yaml_event_delete(&event);
        if (rc != 0)
            return -1;
        policy_ynode **docs = realloc(b->file->docs, (b->file->count + 1) * sizeof *docs);
        if (!docs)
            return -1;
        b->file->docs = docs;
        docs[b->file->count++] = root;
        if (next_event(b, &event) != 0) /* DOCUMENT-END */
            return -1;
        yaml_event_delete(&event);
    }
}

int policy_yaml_parse(const char *text, size_t length, const char *name, policy_yfile *out,
                      char *err, size_t err_size)
{
    ybuild b;
    memset(&b, 0, sizeof b);
    memset(out, 0, sizeof *out);
    b.name = name;
    b.text = text;
    b.length = length;
    b.file = out;
    b.err = err;
    b.err_size = err_size;
    err[0] = '\0';
    if (!yaml_parser_initialize(&b.parser)) {
        snprintf(err, err_size, "%s: out of memory", name);
        return -1;
    }
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, length);
    int rc = build_stream(&b);
    yaml_parser_delete(&b.parser);
    for (size_t i = 0; i < b.anchor_count; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    if (rc != 0) {
        if (!err[0])
            snprintf(err, err_size, "%s: out of memory reading the file", name);
        policy_yaml_free(out);
    }
    return rc;
}

void policy_yaml_free(policy_yfile *file)
{
    policy_ynode *node = file->arena;
    while (node) {
        policy_ynode *next = node->arena_next;
        if (node->keys)
            for (size_t i = 0; i < node->count; i++)
                free(node->keys[i]);
        free(node->keys);
        free(node->items);
        free(node->scalar);
        free(node);
        node = next;
    }
    free(file->docs);
    memset(file, 0, sizeof *file);
}

const policy_ynode *policy_ynode_get(const policy_ynode *map, const char *key)
{
    if (!map || map->type != POLICY_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->items[i];
    return NULL;
}

json_t *policy_ynode_json(const policy_ynode *node, const char **problem)
{
    *problem = NULL;
    if (node->type == POLICY_Y_SCALAR)
        return node->plain ? yaml_core_resolve(node->scalar, problem) : json_string(node->scalar);
    json_t *out = node->type == POLICY_Y_SEQ ? json_array() : json_object();
    for (size_t i = 0; out && i < node->count; i++) {
        json_t *child = policy_ynode_json(node->items[i], problem);
        int rc = !child                       ? -1
                 : node->type == POLICY_Y_SEQ ? json_array_append_new(out, child)
                                              : json_object_set_new(out, node->keys[i], child);
        if (rc != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

bool policy_ynode_is_string(const policy_ynode *node)
{
    if (!node || node->type != POLICY_Y_SCALAR)
        return false;
    if (!node->plain)
        return true;
    const char *problem = NULL;
    json_t *value = yaml_core_resolve(node->scalar, &problem);
    bool is_string = value && json_is_string(value);
    json_decref(value);
    return is_string;
}

const char *policy_ynode_type_name(const policy_ynode *node)
{
    if (!node)
        return "nothing";
    if (node->type == POLICY_Y_SEQ)
        return "a list";
    if (node->type == POLICY_Y_MAP)
        return "a mapping";
    if (!node->plain)
        return "a string";
    const char *problem = NULL;
    json_t *value = yaml_core_resolve(node->scalar, &problem);
    const char *name = "a string";
    if (!value)
        name = "a number";
    else if (json_is_null(value))
        name = "null";
    else if (json_is_boolean(value))
        name = json_is_true(value) ? "true" : "false";
    else if (json_is_number(value))
        name = "a number";
    json_decref(value);
    return name;
}
