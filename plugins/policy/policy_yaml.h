/* policy_yaml.h: YAML files -> a tree of nodes that remember their line and column. */
#ifndef POLICY_YAML_H
#define POLICY_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef enum policy_ynode_type {
    POLICY_Y_SCALAR,
    POLICY_Y_SEQ,
    POLICY_Y_MAP
} policy_ynode_type;

typedef struct policy_ynode policy_ynode;
struct policy_ynode {
    policy_ynode_type type;
    int line, column;         /* 1-based, of the value */
    int key_line, key_column; /* of the key, when the node is a mapping value; else = value */
    char *scalar;             /* POLICY_Y_SCALAR text (NUL-terminated) */
    bool plain;               /* unquoted scalar (so "true", "1", "null" resolve) */
    policy_ynode **items;     /* SEQ: items; MAP: values */
    char **keys;              /* MAP: keys (parallel to items) */
    size_t count;
    policy_ynode *arena_next; /* every node of a file, for freeing */
};

/* The documents of one YAML file. */
typedef struct policy_yfile {
    policy_ynode **docs;
    size_t count;
    policy_ynode *arena;
} policy_yfile;

/*
 * policy_yaml_parse: parse `text` (named `name` in messages), every document of it, by the
 * host's YAML reader (host/yaml_tree.h: the config's rules and messages). Anchors and aliases
 * work (an alias shares the anchored node); tags, merge keys, duplicate keys and NUL bytes
 * are refused. Returns 0, or -1 with "NAME:LINE:COLUMN: invalid YAML: ..." (or "NAME:LINE:
 * COLUMN: duplicate key ...") in err. Free *out with policy_yaml_free; on error nothing is
 * left to free. Thread-safe (no shared state).
 */
int policy_yaml_parse(const char *text, size_t length, const char *name, policy_yfile *out,
                      char *err, size_t err_size);
/* policy_yaml_free: free every node of `file` and empty it; safe on an emptied file. */
void policy_yaml_free(policy_yfile *file);

/* The value under `key` in a mapping; NULL when absent or `map` is not a mapping. */
const policy_ynode *policy_ynode_get(const policy_ynode *map, const char *key);
/* "a string", "a list", "a mapping", "a number", "true", "null" ... for messages. */
const char *policy_ynode_type_name(const policy_ynode *node);
/* The node as JSON (YAML 1.2 core schema for plain scalars). New reference, or NULL on OOM
   or an integer beyond 64 bits (then *problem says so). */
json_t *policy_ynode_json(const policy_ynode *node, const char **problem);
/* Is it a plain scalar that resolves to a string (not a number, bool or null)? */
bool policy_ynode_is_string(const policy_ynode *node);

#endif
