/* pol_yaml.h: YAML files -> a tree of nodes that remember their line and column. */
#ifndef POL_YAML_H
#define POL_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef enum pol_ynode_type { POL_Y_SCALAR, POL_Y_SEQ, POL_Y_MAP } pol_ynode_type;

typedef struct pol_ynode pol_ynode;
struct pol_ynode {
    pol_ynode_type type;
    int line, column;         /* 1-based, of the value */
    int key_line, key_column; /* of the key, when the node is a mapping value; else = value */
    char *scalar;             /* POL_Y_SCALAR text (NUL-terminated) */
    bool plain;               /* unquoted scalar (so "true", "1", "null" resolve) */
    pol_ynode **items;        /* SEQ: items; MAP: values */
    char **keys;              /* MAP: keys (parallel to items) */
    size_t count;
    pol_ynode *arena_next;    /* every node of a file, for freeing */
};

/* The documents of one YAML file. */
typedef struct pol_yfile {
    pol_ynode **docs;
    size_t count;
    pol_ynode *arena;
} pol_yfile;

/*
 * pol_yaml_parse: parse `text` (named `name` in messages). Anchors and aliases work (an alias
 * shares the anchored node); tags and merge keys are refused; duplicate keys are refused.
 * Returns 0, or -1 with "NAME:LINE:COLUMN: invalid YAML: ..." in err. Free with
 * pol_yaml_free. Thread-safe (no shared state).
 */
int pol_yaml_parse(const char *text, size_t length, const char *name, pol_yfile *out,
                   char *err, size_t err_size);
void pol_yaml_free(pol_yfile *file);

/* The value under `key` in a mapping; NULL when absent or `map` is not a mapping. */
const pol_ynode *pol_ynode_get(const pol_ynode *map, const char *key);
/* "a string", "a list", "a mapping", "a number", "true", "null" ... for messages. */
const char *pol_ynode_type_name(const pol_ynode *node);
/* The node as JSON (YAML 1.2 core schema for plain scalars). New reference, or NULL on OOM
   or an integer beyond 64 bits (then *problem says so). */
json_t *pol_ynode_json(const pol_ynode *node, const char **problem);
/* Is it a plain scalar that resolves to a string (not a number, bool or null)? */
bool pol_ynode_is_string(const pol_ynode *node);

#endif
