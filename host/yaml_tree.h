/* yaml_tree.h: one YAML reader (libyaml events -> a tree of nodes that know their line and
   column) for the config reader (host/config_yaml.c) and the policy plugin's reader
   (plugins/policy/policy_yaml.c), with one set of rules and messages. Part of the small
   static library fawkes_yaml_core, which the policy plugin links without linking the host. */
#ifndef YAML_TREE_H
#define YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

/* What a node is. An alias stays a node of its own, pointing at the node it stands for, so
   a reader can copy that node (the config) or share it (the policy plugin). */
typedef enum yaml_tree_kind {
    YAML_TREE_SCALAR,
    YAML_TREE_SEQUENCE,
    YAML_TREE_MAPPING,
    YAML_TREE_ALIAS
} yaml_tree_kind;

/* A mapping's key: plain text without NUL bytes, tags or merge keys (the reader refuses
   them), unique within its mapping. */
typedef struct yaml_tree_key {
    char *text;
    int line, column; /* 1-based, of the key */
} yaml_tree_key;

typedef struct yaml_tree_node yaml_tree_node;
struct yaml_tree_node {
    yaml_tree_kind kind;
    int line, column;             /* 1-based start of the value (of "*name" for an alias) */
    char *text;                   /* SCALAR: its text (no NUL inside); ALIAS: the anchor's name */
    size_t length;                /* of text */
    yaml_scalar_style_t style;    /* SCALAR: YAML_PLAIN_SCALAR_STYLE when unquoted; tags are
                                     refused, so a scalar has no tag */
    const yaml_tree_node *target; /* ALIAS: the anchored node it stands for (read before it) */
    bool anchored;                /* an &anchor names this node (aliases may point at it) */
    yaml_tree_node **items;       /* SEQUENCE: the items; MAPPING: the values, as keys */
    yaml_tree_key *keys;          /* MAPPING: the keys, parallel to items */
    size_t count;                 /* of items (and keys) */
    yaml_tree_node *parent;       /* the node holding it; NULL for a document */
    size_t index;                 /* its place in parent->items (and parent->keys) */
    size_t expanded;              /* values it stands for with every alias expanded (a scalar
                                     1); saturates at SIZE_MAX */
    yaml_tree_node *arena_next;   /* every node of the tree, for freeing */
};

/* The documents of one stream. */
typedef struct yaml_tree {
    yaml_tree_node **docs;
    size_t count;
    yaml_tree_node *arena;
} yaml_tree;

/* What a reader allows beyond the rules every reader shares (below). */
typedef struct yaml_tree_options {
    int max_depth;        /* values nested deeper are refused */
    size_t max_nodes;     /* more values than this are refused */
    bool count_expanded;  /* an alias also counts the values it stands for (a reader that
                             copies them), which stops "billion laughs" documents */
    bool single_document; /* a second document (---) is refused */
    bool resolve_plain;   /* a plain scalar JSON cannot hold (an integer beyond 64 bits, .inf,
                             .nan: yaml_core_resolve) is refused where it stands */
    const char *subject;  /* what the file is called in advice ("config"); NULL: none is given
                             for nesting, "file" elsewhere */
} yaml_tree_options;

/* Why a parse failed. */
typedef struct yaml_tree_error {
    int line, column;              /* 1-based; 0 when out of memory */
    char message[1024];            /* "invalid YAML: ...", "duplicate key 'k' (first at ...)" */
    const yaml_tree_node *mapping; /* a duplicate key: the mapping holding it (in the tree
                                      returned with the error), so the reader can say where
                                      it is; NULL for other errors */
} yaml_tree_error;

/*
 * yaml_tree_parse: read the `length` bytes of `text` into *tree. The rules all readers share:
 * anchors are defined before the aliases that use them (an alias cannot refer to its own
 * parent; a later anchor of the same name wins); tags, merge keys (<<), aliases as keys,
 * sequences or mappings as keys, NUL bytes and duplicate keys are refused. Returns 0; or -1
 * with the position and the message in `err` (the parser's own errors worded as
 * "invalid YAML: PROBLEM (CONTEXT at line L, column C)"). On both, *tree holds what was read
 * (on error, the part before it, where the slot of a value that failed may be NULL): the
 * caller owns it and frees it with yaml_tree_free. Thread-safe (no shared state).
 */
int yaml_tree_parse(const char *text, size_t length, const yaml_tree_options *options,
                    yaml_tree *tree, yaml_tree_error *err);

/* yaml_tree_free: free every node of `tree` and empty it. Safe on an emptied tree. */
void yaml_tree_free(yaml_tree *tree);

#endif
