/* config_yaml.c: the config's YAML (read by yaml_tree.c) -> a jansson tree, with the source
   position of every node and of every mapping key. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "yaml_core.h"
#include "yaml_tree.h"

/* One document; aliases are copied into the JSON, so they count as what they stand for. */
static const yaml_tree_options config_yaml_options = {
    .max_depth = 64,
    .max_nodes = 200000, /* after expanding aliases; stops "billion laughs" documents */
    .count_expanded = true,
    .single_document = true,
    .resolve_plain = true,
    .subject = "config",
};

static void set_mark(json_t *marks, const char *pointer, int line, int column)
{
    json_object_set_new(marks, pointer, json_pack("[i, i]", line, column));
}

/* The JSON value of `node` at `pointer`, its marks and its keys' marks recorded; an alias
   becomes a copy of its anchored node, whose parts keep the positions they were written at.
   Returns a new reference, or NULL when out of memory. */
static json_t *to_json(const yaml_tree_node *node, const char *pointer, json_t *marks,
                       json_t *key_marks)
{
    const yaml_tree_node *value = node->kind == YAML_TREE_ALIAS ? node->target : node;
    json_t *out = NULL;
    set_mark(marks, pointer, node->line, node->column);
    if (value->kind == YAML_TREE_SCALAR) {
        const char *problem = NULL;
        out = value->style == YAML_PLAIN_SCALAR_STYLE ? yaml_core_resolve(value->text, &problem)
                                                      : json_stringn(value->text, value->length);
    } else if (value->kind == YAML_TREE_SEQUENCE) {
        out = json_array();
        for (size_t i = 0; out && i < value->count; i++) {
            char *child_pointer = config_pointer_index(pointer, i);
            json_t *child =
                child_pointer ? to_json(value->items[i], child_pointer, marks, key_marks) : NULL;
            free(child_pointer);
            if (json_array_append_new(out, child) != 0) {
                json_decref(out);
                out = NULL;
            }
        }
    } else {
        out = json_object();
        for (size_t i = 0; out && i < value->count; i++) {
            const yaml_tree_key *key = &value->keys[i];
            char *child_pointer = config_pointer_key(pointer, key->text);
            json_t *child = NULL;
            if (child_pointer) {
                set_mark(key_marks, child_pointer, key->line, key->column);
                child = to_json(value->items[i], child_pointer, marks, key_marks);
            }
            free(child_pointer);
            if (json_object_set_new(out, key->text, child) != 0) {
                json_decref(out);
                out = NULL;
            }
        }
    }
    return out;
}

/* The JSON pointer of `node`, from its place under its parents. A new string, or NULL. */
static char *pointer_of(const yaml_tree_node *node)
{
    if (!node->parent)
        return strdup("");
    char *parent = pointer_of(node->parent), *pointer = NULL;
    if (parent && node->parent->kind == YAML_TREE_MAPPING)
        pointer = config_pointer_key(parent, node->parent->keys[node->index].text);
    else if (parent)
        pointer = config_pointer_index(parent, node->index);
    free(parent);
    return pointer;
}

/* The error as "NAME:LINE:COL: message"; a duplicate key also says which mapping holds it. */
static void report(const yaml_tree_error *error, const char *name, diag *err)
{
    char shown[256] = "";
    if (error->mapping) {
        char *pointer = pointer_of(error->mapping);
        if (pointer)
            config_pointer_display(pointer, shown, sizeof shown);
        free(pointer);
    }
    diag_at(err, name, error->line, error->column, "%s%s%s", shown, shown[0] ? ": " : "",
            error->message);
}

int config_yaml_parse(const char *text, size_t length, const char *name, json_t **root,
                      json_t *marks, json_t *key_marks, diag *err)
{
    yaml_tree tree;
    yaml_tree_error error;
    *root = NULL;
    int rc = yaml_tree_parse(text, length, &config_yaml_options, &tree, &error);
    if (rc != 0) {
        report(&error, name, err);
    } else if (tree.count > 0) {
        *root = to_json(tree.docs[0], "", marks, key_marks);
        if (!*root) {
            diag_set(err, "%s: out of memory", name);
            rc = -1;
        }
    }
    yaml_tree_free(&tree);
    return rc;
}
