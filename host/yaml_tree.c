/* yaml_tree.c: libyaml events -> a yaml_tree with line:column marks (see yaml_tree.h). */
#include "yaml_tree.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_core.h"

/* An anchor's name and the node it names. */
typedef struct yaml_tree_anchor {
    char *name;
    yaml_tree_node *node;
} yaml_tree_anchor;

typedef struct builder {
    yaml_parser_t parser;
    const char *text;
    size_t length;
    const yaml_tree_options *options;
    yaml_tree *tree;
    size_t nodes; /* values read (with count_expanded, the values aliases stand for too) */
    yaml_tree_anchor *anchors; /* in the order defined: a later one of the same name wins */
    size_t anchor_count;
    yaml_tree_error *err;
} builder;

static int fail(builder *b, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the error at `mark`; returns -1. */
static int fail(builder *b, yaml_mark_t mark, const char *fmt, ...)
{
    va_list ap;
    b->err->line = (int)mark.line + 1;
    b->err->column = (int)mark.column + 1;
    va_start(ap, fmt);
    vsnprintf(b->err->message, sizeof b->err->message, fmt, ap);
    va_end(ap);
    return -1;
}

static int out_of_memory(builder *b)
{
    b->err->line = b->err->column = 0;
    snprintf(b->err->message, sizeof b->err->message, "out of memory");
    return -1;
}

/* What libyaml's parser failed on: its position (a reader error's byte offset turned into a
   line and a column of characters) and its words, with its context when it names one. */
static int parser_error(builder *b)
{
    const yaml_parser_t *p = &b->parser;
    const char *problem = p->problem ? p->problem : "malformed document";
    yaml_tree_error *err = b->err;

    err->line = (int)p->problem_mark.line + 1;
    err->column = (int)p->problem_mark.column + 1;
    if (p->error == YAML_MEMORY_ERROR)
        return out_of_memory(b);
    if (p->error == YAML_READER_ERROR) {
        /* A reader error carries a byte offset, not a mark: count lines up to it. */
        err->line = err->column = 1;
        for (size_t i = 0; i < p->problem_offset && i < b->length; i++) {
            if (b->text[i] == '\n') {
                err->line++;
                err->column = 1;
            } else if (((unsigned char)b->text[i] & 0xC0) != 0x80) {
                err->column++;
            }
        }
        snprintf(err->message, sizeof err->message,
                 "invalid YAML: %s (the file must be UTF-8 text)", problem);
    } else if (p->context) {
        snprintf(err->message, sizeof err->message, "invalid YAML: %s (%s at line %d, column %d)",
                 problem, p->context, (int)p->context_mark.line + 1,
                 (int)p->context_mark.column + 1);
    } else {
        snprintf(err->message, sizeof err->message, "invalid YAML: %s", problem);
    }
    return -1;
}

static int next_event(builder *b, yaml_event_t *event)
{
    return yaml_parser_parse(&b->parser, event) ? 0 : parser_error(b);
}

/* Tags would let a file choose types the reader does not expect: every one is refused. */
static int refuse_tag(builder *b, const yaml_char_t *tag, yaml_mark_t mark)
{
    static const char core[] = "tag:yaml.org,2002:";
    const char *text = (const char *)tag;

    if (!tag)
        return 0;
    bool short_form = strncmp(text, core, sizeof core - 1) == 0;
    return fail(b, mark,
                "invalid YAML: tags are not supported (found '%s%.200s'); remove it, and quote "
                "the value if it must be a string",
                short_form ? "!!" : "", short_form ? text + sizeof core - 1 : text);
}

static size_t add_saturated(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* A new node at `mark`, in the tree's arena, to be placed at parent->items[index]. */
static yaml_tree_node *new_node(builder *b, yaml_tree_kind kind, yaml_mark_t mark,
                                yaml_tree_node *parent, size_t index)
{
    yaml_tree_node *node = calloc(1, sizeof *node);
    if (!node)
        return NULL;
    node->kind = kind;
    node->line = (int)mark.line + 1;
    node->column = (int)mark.column + 1;
    node->parent = parent;
    node->index = index;
    node->expanded = 1;
    node->arena_next = b->tree->arena;
    b->tree->arena = node;
    return node;
}

/* Make room for one more child of `parent` (its key, for a mapping, stored at once). */
static int add_slot(yaml_tree_node *parent, char *key, yaml_mark_t key_mark)
{
    yaml_tree_node **items = realloc(parent->items, (parent->count + 1) * sizeof *items);
    if (!items)
        return -1;
    parent->items = items;
    items[parent->count] = NULL;
    if (parent->kind == YAML_TREE_MAPPING) {
        yaml_tree_key *keys = realloc(parent->keys, (parent->count + 1) * sizeof *keys);
        if (!keys)
            return -1;
        parent->keys = keys;
        keys[parent->count].text = key;
        keys[parent->count].line = (int)key_mark.line + 1;
        keys[parent->count].column = (int)key_mark.column + 1;
    }
    parent->count++;
    return 0;
}

static int build_node(builder *b, yaml_event_t *event, yaml_tree_node *parent, size_t index,
                      int depth);

static int build_alias(builder *b, const yaml_event_t *event, yaml_tree_node *node)
{
    const char *name = (const char *)event->data.alias.anchor;
    const yaml_tree_node *target = NULL;
    for (size_t i = b->anchor_count; i-- > 0 && !target;)
        if (strcmp(b->anchors[i].name, name) == 0)
            target = b->anchors[i].node;
    if (!target)
        return fail(b, event->start_mark,
                    "invalid YAML: alias *%s refers to no anchor defined before it "
                    "(define &name first; an alias cannot refer to its own parent)",
                    name);
    node->target = target;
    node->expanded = target->expanded;
    if (b->options->count_expanded) {
        b->nodes = add_saturated(b->nodes, target->expanded);
        if (b->nodes > b->options->max_nodes)
            return fail(b, event->start_mark,
                        "aliases expand to too many values (more than %zu) at *%s; write the %s "
                        "without nested aliases",
                        b->options->max_nodes, name,
                        b->options->subject ? b->options->subject : "file");
    }
    node->length = strlen(name);
    node->text = strdup(name);
    return node->text ? 0 : out_of_memory(b);
}

static int build_scalar(builder *b, const yaml_event_t *event, yaml_tree_node *node)
{
    const char *text = (const char *)event->data.scalar.value;
    size_t length = event->data.scalar.length;
    if (strlen(text) != length)
        return fail(b, event->start_mark, "%s",
                    "invalid YAML: a string contains a NUL character (\\0); remove it");
    node->style = event->data.scalar.style;
    if (b->options->resolve_plain && node->style == YAML_PLAIN_SCALAR_STYLE) {
        const char *problem = NULL;
        json_t *value = yaml_core_resolve(text, &problem); /* the reader makes its own */
        if (problem)
            return fail(b, event->start_mark, "%s: %s; quote it to make it a string", problem,
                        text);
        if (!value)
            return out_of_memory(b);
        json_decref(value);
    }
    node->text = malloc(length + 1);
    if (!node->text)
        return out_of_memory(b);
    memcpy(node->text, text, length + 1);
    node->length = length;
    return 0;
}

static int build_items(builder *b, yaml_tree_node *sequence, int depth)
{
    for (;;) {
        yaml_event_t event;
        if (next_event(b, &event) != 0)
            return -1;
        int rc = 0;
        if (event.type != YAML_SEQUENCE_END_EVENT) {
            size_t index = sequence->count;
            rc = add_slot(sequence, NULL, event.start_mark) != 0
                     ? out_of_memory(b)
                     : build_node(b, &event, sequence, index, depth + 1);
            if (rc == 0)
                sequence->expanded =
                    add_saturated(sequence->expanded, sequence->items[index]->expanded);
        }
        yaml_event_type_t type = event.type;
        yaml_event_delete(&event);
        if (rc != 0 || type == YAML_SEQUENCE_END_EVENT)
            return rc;
    }
}

/* Check the key `event` stands for and return a copy of its text in *key. `seen` maps the
   mapping's keys so far to their index. */
static int read_key(builder *b, const yaml_event_t *event, const yaml_tree_node *mapping,
                    json_t *seen, char **key)
{
    if (event->type == YAML_ALIAS_EVENT)
        return fail(b, event->start_mark,
                    "invalid YAML: an alias (*%s) cannot be a mapping key; write the key out",
                    (const char *)event->data.alias.anchor);
    if (event->type != YAML_SCALAR_EVENT)
        return fail(b, event->start_mark, "%s",
                    "invalid YAML: mapping keys must be plain text, not a list or mapping");
    if (refuse_tag(b, event->data.scalar.tag, event->start_mark) != 0)
        return -1;
    const char *text = (const char *)event->data.scalar.value;
    if (event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(text, "<<") == 0)
        return fail(b, event->start_mark, "%s",
                    "invalid YAML: merge keys (<<) are not supported; write the keys out "
                    "(an alias *name can still stand for a whole value)");
    if (strlen(text) != event->data.scalar.length)
        return fail(b, event->start_mark, "%s",
                    "invalid YAML: a key contains a NUL character (\\0); remove it");
    json_t *first = json_object_get(seen, text);
    if (first) {
        const yaml_tree_key *earlier = &mapping->keys[json_integer_value(first)];
        b->err->mapping = mapping;
        return fail(b, event->start_mark,
                    "duplicate key '%s' (first at line %d, column %d); keep only one", text,
                    earlier->line, earlier->column);
    }
    /* libyaml's text is UTF-8, as jansson's keys must be */
    if (json_object_set_new_nocheck(seen, text, json_integer((json_int_t)mapping->count)) != 0)
        return out_of_memory(b);
    *key = strdup(text);
    return *key ? 0 : out_of_memory(b);
}

static int build_entries(builder *b, yaml_tree_node *mapping, int depth)
{
    json_t *seen = json_object();
    int rc = seen ? 0 : out_of_memory(b);
    while (rc == 0) {
        yaml_event_t key_event, value_event;
        if (next_event(b, &key_event) != 0) {
            rc = -1;
            break;
        }
        if (key_event.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key_event);
            break;
        }
        char *key = NULL;
        size_t index = mapping->count;
        rc = read_key(b, &key_event, mapping, seen, &key);
        if (rc == 0 && add_slot(mapping, key, key_event.start_mark) != 0) {
            free(key);
            rc = out_of_memory(b);
        }
        yaml_event_delete(&key_event);
        if (rc == 0)
            rc = next_event(b, &value_event);
        if (rc == 0) {
            rc = build_node(b, &value_event, mapping, index, depth + 1);
            yaml_event_delete(&value_event);
        }
        if (rc == 0)
            mapping->expanded = add_saturated(mapping->expanded, mapping->items[index]->expanded);
    }
    json_decref(seen);
    return rc;
}

static int remember_anchor(builder *b, const yaml_char_t *anchor, yaml_tree_node *node)
{
    if (!anchor)
        return 0;
    yaml_tree_anchor *grown = realloc(b->anchors, (b->anchor_count + 1) * sizeof *grown);
    if (!grown)
        return out_of_memory(b);
    b->anchors = grown;
    char *name = strdup((const char *)anchor);
    if (!name)
        return out_of_memory(b);
    b->anchors[b->anchor_count++] = (yaml_tree_anchor){name, node};
    node->anchored = true;
    return 0;
}

/* The value `event` starts, placed at parent->items[index] (or as a document when parent is
   NULL) as soon as it exists, so an error deeper down leaves a tree the reader can walk. */
static int build_node(builder *b, yaml_event_t *event, yaml_tree_node *parent, size_t index,
                      int depth)
{
    const yaml_tree_options *options = b->options;
    if (depth > options->max_depth)
        return fail(b, event->start_mark, "values are nested too deeply (more than %d levels)%s%s",
                    options->max_depth, options->subject ? "; flatten the " : "",
                    options->subject ? options->subject : "");
    if (++b->nodes > options->max_nodes)
        return fail(b, event->start_mark, "too many values (more than %zu)", options->max_nodes);
    yaml_tree_kind kind;
    const yaml_char_t *anchor = NULL, *tag = NULL;
    switch (event->type) {
    case YAML_ALIAS_EVENT:
        kind = YAML_TREE_ALIAS;
        break;
    case YAML_SCALAR_EVENT:
        kind = YAML_TREE_SCALAR;
        anchor = event->data.scalar.anchor;
        tag = event->data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        kind = YAML_TREE_SEQUENCE;
        anchor = event->data.sequence_start.anchor;
        tag = event->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        kind = YAML_TREE_MAPPING;
        anchor = event->data.mapping_start.anchor;
        tag = event->data.mapping_start.tag;
        break;
    default:
        return fail(b, event->start_mark, "%s", "invalid YAML: unexpected event");
    }
    yaml_tree_node *node = new_node(b, kind, event->start_mark, parent, index);
    if (!node)
        return out_of_memory(b);
    if (parent)
        parent->items[index] = node;
    else
        b->tree->docs[index] = node;
    if (kind == YAML_TREE_ALIAS)
        return build_alias(b, event, node);
    if (refuse_tag(b, tag, event->start_mark) != 0)
        return -1;
    int rc;
    if (kind == YAML_TREE_SCALAR)
        rc = build_scalar(b, event, node);
    else if (kind == YAML_TREE_SEQUENCE)
        rc = build_items(b, node, depth);
    else
        rc = build_entries(b, node, depth);
    return rc == 0 ? remember_anchor(b, anchor, node) : -1;
}

/* STREAM-START, then documents (with single_document, at most one). */
static int build_stream(builder *b)
{
    yaml_event_t event;
    if (next_event(b, &event) != 0)
        return -1;
    yaml_event_delete(&event); /* STREAM-START */
    for (;;) {
        if (next_event(b, &event) != 0)
            return -1;
        yaml_event_type_t type = event.type;
        yaml_mark_t mark = event.start_mark;
        yaml_event_delete(&event);
        if (type == YAML_STREAM_END_EVENT)
            return 0;
        if (b->options->single_document && b->tree->count > 0)
            return fail(b, mark,
                        "invalid YAML: a second document (---) is not supported; keep the whole "
                        "%s in one document",
                        b->options->subject ? b->options->subject : "file");
        /* DOCUMENT-START: its root, then DOCUMENT-END */
        yaml_tree_node **docs = realloc(b->tree->docs, (b->tree->count + 1) * sizeof *docs);
        if (!docs)
            return out_of_memory(b);
        b->tree->docs = docs;
        size_t index = b->tree->count++;
        docs[index] = NULL;
        if (next_event(b, &event) != 0)
            return -1;
        int rc = build_node(b, &event, NULL, index, 0);
        yaml_event_delete(&event);
        if (rc != 0 || next_event(b, &event) != 0)
            return -1;
        yaml_event_delete(&event);
    }
}

int yaml_tree_parse(const char *text, size_t length, const yaml_tree_options *options,
                    yaml_tree *tree, yaml_tree_error *err)
{
    builder b;
    memset(&b, 0, sizeof b);
    memset(tree, 0, sizeof *tree);
    memset(err, 0, sizeof *err);
    b.text = text;
    b.length = length;
    b.options = options;
    b.tree = tree;
    b.err = err;
    if (!yaml_parser_initialize(&b.parser))
        return out_of_memory(&b);
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, length);
    int rc = build_stream(&b);
    yaml_parser_delete(&b.parser);
    for (size_t i = 0; i < b.anchor_count; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    return rc;
}

void yaml_tree_free(yaml_tree *tree)
{
    yaml_tree_node *node = tree->arena;
    while (node) {
        yaml_tree_node *next = node->arena_next;
        for (size_t i = 0; node->keys && i < node->count; i++)
            free(node->keys[i].text);
        free(node->keys);
        free(node->items);
        free(node->text);
        free(node);
        node = next;
    }
    free(tree->docs);
    memset(tree, 0, sizeof *tree);
}
