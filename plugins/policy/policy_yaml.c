/* policy_yaml.c: YAML files (read by the host's yaml_tree.c, linked from fawkes_yaml_core:
   plugins never link the host itself) -> policy_ynode trees with line:column marks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_yaml.h"
#include "yaml_core.h"
#include "yaml_tree.h"

/* Every document of a file; an alias shares its anchored node, so it counts once. */
static const yaml_tree_options policy_yaml_options = {
    .max_depth = 64,
    .max_nodes = 1000000,
};

/* A node aliases may stand for, and what it became. */
typedef struct yanchored {
    const yaml_tree_node *from;
    policy_ynode *to;
} yanchored;

typedef struct yconvert {
    policy_yfile *file;
    yanchored *anchored;
    size_t anchored_count;
} yconvert;

static policy_ynode *new_node(yconvert *c, policy_ynode_type type, const yaml_tree_node *from)
{
    policy_ynode *node = calloc(1, sizeof *node);
    if (!node)
        return NULL;
    node->type = type;
    node->line = node->key_line = from->line;
    node->column = node->key_column = from->column;
    node->arena_next = c->file->arena;
    c->file->arena = node;
    return node;
}

static policy_ynode *convert(yconvert *c, const yaml_tree_node *from);

/* The values of a sequence or mapping (and a mapping's keys), in order. */
static int convert_children(yconvert *c, const yaml_tree_node *from, policy_ynode *parent)
{
    if (from->count == 0)
        return 0;
    parent->items = calloc(from->count, sizeof *parent->items);
    if (parent->type == POLICY_Y_MAP)
        parent->keys = calloc(from->count, sizeof *parent->keys);
    if (!parent->items || (parent->type == POLICY_Y_MAP && !parent->keys))
        return -1;
    for (size_t i = 0; i < from->count; i++) {
        policy_ynode *child = convert(c, from->items[i]);
        if (!child)
            return -1;
        parent->items[parent->count++] = child;
        if (parent->type != POLICY_Y_MAP)
            continue;
        const yaml_tree_key *key = &from->keys[i];
        parent->keys[i] = strdup(key->text);
        if (!parent->keys[i])
            return -1;
        /* An alias shares its node: only a fresh node takes this key's mark. */
        if (child->key_line == child->line && child->key_column == child->column) {
            child->key_line = key->line;
            child->key_column = key->column;
        }
    }
    return 0;
}

/* The policy_ynode of `from` (for an alias, the node of its anchor). NULL when out of memory. */
static policy_ynode *convert(yconvert *c, const yaml_tree_node *from)
{
    if (from->kind == YAML_TREE_ALIAS) {
        for (size_t i = c->anchored_count; i-- > 0;)
            if (c->anchored[i].from == from->target)
                return c->anchored[i].to;
        return NULL;
    }
    policy_ynode *node = NULL;
    if (from->kind == YAML_TREE_SCALAR) {
        node = new_node(c, POLICY_Y_SCALAR, from);
        if (!node || !(node->scalar = strdup(from->text)))
            return NULL;
        node->plain = from->style == YAML_PLAIN_SCALAR_STYLE;
    } else {
        node = new_node(c, from->kind == YAML_TREE_SEQUENCE ? POLICY_Y_SEQ : POLICY_Y_MAP, from);
        if (!node || convert_children(c, from, node) != 0)
            return NULL;
    }
    if (from->anchored) {
        yanchored *grown = realloc(c->anchored, (c->anchored_count + 1) * sizeof *grown);
        if (!grown)
            return NULL;
        c->anchored = grown;
        c->anchored[c->anchored_count].from = from;
        c->anchored[c->anchored_count++].to = node;
    }
    return node;
}

int policy_yaml_parse(const char *text, size_t length, const char *name, policy_yfile *out,
                      char *err, size_t err_size)
{
    yaml_tree tree;
    yaml_tree_error error;
    yconvert c = {.file = out};
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    int rc = yaml_tree_parse(text, length, &policy_yaml_options, &tree, &error);
    if (rc != 0 && error.line > 0)
        snprintf(err, err_size, "%s:%d:%d: %s", name, error.line, error.column, error.message);
    if (rc == 0 && tree.count > 0) {
        out->docs = calloc(tree.count, sizeof *out->docs);
        rc = out->docs ? 0 : -1;
        for (size_t i = 0; rc == 0 && i < tree.count; i++) {
            policy_ynode *doc = convert(&c, tree.docs[i]);
            if (doc)
                out->docs[out->count++] = doc;
            else
                rc = -1;
        }
    }
    yaml_tree_free(&tree);
    free(c.anchored);
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
