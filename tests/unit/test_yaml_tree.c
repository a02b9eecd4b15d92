/* test_yaml_tree.c: the one YAML reader (host/yaml_tree.c) behind the config and the policy
   plugin: the tree, its positions, aliases, and the rules and messages both readers share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "yaml_tree.h"

/* The policy plugin's reader: every document, aliases shared. */
static const yaml_tree_options shared = {.max_depth = 64, .max_nodes = 1000000};
/* The config's reader: one document, aliases copied and counted, plain scalars resolved. */
static const yaml_tree_options copied = {.max_depth = 4,
                                         .max_nodes = 40,
                                         .count_expanded = true,
                                         .single_document = true,
                                         .resolve_plain = true,
                                         .subject = "config"};

static void parse_ok(const char *text, const yaml_tree_options *options, yaml_tree *tree)
{
    yaml_tree_error err;
    if (yaml_tree_parse(text, strlen(text), options, tree, &err) != 0)
        fail_msg("%d:%d: %s", err.line, err.column, err.message);
}

/* Parse `text`, which must fail with "LINE:COLUMN: MESSAGE" equal to `expected`. */
static void parse_fails(const char *text, const yaml_tree_options *options, const char *expected)
{
    yaml_tree tree;
    yaml_tree_error err;
    char got[1200];
    assert_int_equal(yaml_tree_parse(text, strlen(text), options, &tree, &err), -1);
    snprintf(got, sizeof got, "%d:%d: %s", err.line, err.column, err.message);
    assert_string_equal(got, expected);
    yaml_tree_free(&tree);
}

static void nodes_know_their_kind_text_style_and_position(void **state)
{
    (void)state;
    yaml_tree tree;
    parse_ok("name: web\nports: [22, '80']\nnote: |\n  text\n", &shared, &tree);
    assert_int_equal(tree.count, 1);
    const yaml_tree_node *root = tree.docs[0];
    assert_int_equal(root->kind, YAML_TREE_MAPPING);
    assert_int_equal(root->count, 3);
    assert_string_equal(root->keys[1].text, "ports");
    assert_int_equal(root->keys[1].line, 2);
    assert_int_equal(root->keys[1].column, 1);
    const yaml_tree_node *ports = root->items[1];
    assert_int_equal(ports->kind, YAML_TREE_SEQUENCE);
    assert_int_equal(ports->line, 2);
    assert_int_equal(ports->column, 8);
    assert_ptr_equal(ports->parent, root);
    assert_int_equal(ports->index, 1);
    assert_string_equal(ports->items[0]->text, "22");
    assert_int_equal(ports->items[0]->style, YAML_PLAIN_SCALAR_STYLE);
    assert_int_equal(ports->items[1]->style, YAML_SINGLE_QUOTED_SCALAR_STYLE);
    assert_int_equal(ports->items[1]->column, 13);
    assert_string_equal(root->items[2]->text, "text\n");
    assert_int_equal(root->items[2]->style, YAML_LITERAL_SCALAR_STYLE);
    assert_int_equal(root->expanded, 6);
    yaml_tree_free(&tree);

    parse_ok("", &shared, &tree); /* an empty stream has no document */
    assert_int_equal(tree.count, 0);
    yaml_tree_free(&tree);
    parse_ok("a: 1\n---\n- b\n", &shared, &tree);
    assert_int_equal(tree.count, 2);
    assert_int_equal(tree.docs[1]->kind, YAML_TREE_SEQUENCE);
    yaml_tree_free(&tree);
}

static void aliases_point_at_their_anchor_and_count_what_they_stand_for(void **state)
{
    (void)state;
    yaml_tree tree;
    parse_ok("base: &b {x: 1, y: [2, 3]}\nuse: *b\n", &shared, &tree);
    const yaml_tree_node *base = tree.docs[0]->items[0], *use = tree.docs[0]->items[1];
    assert_true(base->anchored);
    assert_int_equal(use->kind, YAML_TREE_ALIAS);
    assert_string_equal(use->text, "b");
    assert_ptr_equal(use->target, base);
    assert_int_equal(use->line, 2);
    assert_int_equal(use->column, 6);
    assert_int_equal(base->expanded, 5);
    assert_int_equal(use->expanded, 5);
    assert_int_equal(tree.docs[0]->expanded, 11);
    yaml_tree_free(&tree);

    parse_ok("a: &x 1\nb: &x 2\nc: *x\n", &shared, &tree); /* the later anchor wins */
    assert_ptr_equal(tree.docs[0]->items[2]->target, tree.docs[0]->items[1]);
    yaml_tree_free(&tree);

    /* A reader that copies aliases counts what they stand for: 14 + (1 + 13) + (1 + 13) > 30. */
    const yaml_tree_options small = {
        .max_depth = 8, .max_nodes = 30, .count_expanded = true, .subject = "config"};
    parse_fails("a: &a [1, [2, 3, [4, 5, 6, 7, 8, 9, 10]]]\nb: *a\nc: *a\n", &small,
                "3:4: aliases expand to too many values (more than 30) at *a; write the config "
                "without nested aliases");
    parse_ok("a: &a [1, [2, 3, [4, 5, 6, 7, 8, 9, 10]]]\nb: *a\nc: *a\n", &shared, &tree);
    yaml_tree_free(&tree);
}

static void both_readers_refuse_the_same_things_in_the_same_words(void **state)
{
    (void)state;
    const yaml_tree_options *const readers[] = {&shared, &copied};
    for (size_t i = 0; i < 2; i++) {
        const yaml_tree_options *o = readers[i];
        parse_fails("a: *nowhere\n", o,
                    "1:4: invalid YAML: alias *nowhere refers to no anchor defined before it "
                    "(define &name first; an alias cannot refer to its own parent)");
        parse_fails("a: &x [1, *x]\n", o,
                    "1:11: invalid YAML: alias *x refers to no anchor defined before it (define "
                    "&name first; an alias cannot refer to its own parent)");
        parse_fails("a: &k x\n*k : 1\n", o,
                    "2:1: invalid YAML: an alias (*k) cannot be a mapping key; write the key out");
        parse_fails("[a]: 1\n", o,
                    "1:1: invalid YAML: mapping keys must be plain text, not a list or mapping");
        parse_fails("a: {b: 1}\nc:\n  <<: {d: 2}\n", o,
                    "3:3: invalid YAML: merge keys (<<) are not supported; write the keys out (an "
                    "alias *name can still stand for a whole value)");
        parse_fails("a: !!str 1\n", o,
                    "1:4: invalid YAML: tags are not supported (found '!!str'); remove it, and "
                    "quote the value if it must be a string");
        parse_fails("!local a: 1\n", o,
                    "1:1: invalid YAML: tags are not supported (found '!local'); remove it, and "
                    "quote the value if it must be a string");
        parse_fails("a: \"x\\0y\"\n", o,
                    "1:4: invalid YAML: a string contains a NUL character (\\0); remove it");
        parse_fails("\"x\\0y\": 1\n", o,
                    "1:1: invalid YAML: a key contains a NUL character (\\0); remove it");
        parse_fails("a: 1\nb:\n  c: 2\na: 3\n", o,
                    "4:1: duplicate key 'a' (first at line 1, column 1); keep only one");
        parse_fails("a: [1, 2\nb: 3\n", o,
                    "2:2: invalid YAML: did not find expected ',' or ']' (while parsing a flow "
                    "sequence at line 1, column 4)");
        parse_fails("a: \"\xff\"\n", o,
                    "1:5: invalid YAML: invalid leading UTF-8 octet (the file must be UTF-8 "
                    "text)");
    }
}

static void each_reader_sets_its_own_limits(void **state)
{
    (void)state;
    yaml_tree tree;
    parse_fails("a:\n  b:\n    c:\n      d:\n        e: 1\n", &copied,
                "5:12: values are nested too deeply (more than 4 levels); flatten the config");
    const yaml_tree_options shallow = {.max_depth = 1, .max_nodes = 100};
    parse_fails("a: [1]\n", &shallow, "1:5: values are nested too deeply (more than 1 levels)");
    parse_fails("[1, 2, 3]\n", &(yaml_tree_options){.max_depth = 4, .max_nodes = 3},
                "1:8: too many values (more than 3)");
    parse_fails("a: 1\n---\nb: 2\n", &copied,
                "2:1: invalid YAML: a second document (---) is not supported; keep the whole "
                "config in one document");
    parse_fails("a: 99999999999999999999\n", &copied,
                "1:4: integer out of range (more than 64 bits): 99999999999999999999; quote it to "
                "make it a string");
    parse_fails("a: .inf\n", &copied,
                "1:4: infinity and NaN are not numbers JSON can hold: .inf; quote it to make it a "
                "string");
    parse_ok("a: 99999999999999999999\nb: .nan\n", &shared, &tree); /* resolved by the reader */
    assert_string_equal(tree.docs[0]->items[1]->text, ".nan");
    yaml_tree_free(&tree);
}

static void a_duplicate_key_names_its_mapping_in_the_tree_read_so_far(void **state)
{
    (void)state;
    static const char text[] = "providers:\n  - name: a\n  - name: b\n    name: c\n";
    yaml_tree tree;
    yaml_tree_error err;
    assert_int_equal(yaml_tree_parse(text, strlen(text), &copied, &tree, &err), -1);
    assert_string_equal(err.message,
                        "duplicate key 'name' (first at line 3, column 5); keep only one");
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 5);
    const yaml_tree_node *mapping = err.mapping;
    assert_non_null(mapping);
    assert_int_equal(mapping->kind, YAML_TREE_MAPPING);
    assert_int_equal(mapping->index, 1);
    assert_int_equal(mapping->parent->kind, YAML_TREE_SEQUENCE);
    assert_ptr_equal(mapping->parent->parent, tree.docs[0]);
    assert_string_equal(tree.docs[0]->keys[mapping->parent->index].text, "providers");
    yaml_tree_free(&tree);
    parse_fails("a: [1, 2\n", &copied,
                "2:1: invalid YAML: did not find expected ',' or ']' "
                "(while parsing a flow sequence at line 1, column 4)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nodes_know_their_kind_text_style_and_position),
        cmocka_unit_test(aliases_point_at_their_anchor_and_count_what_they_stand_for),
        cmocka_unit_test(both_readers_refuse_the_same_things_in_the_same_words),
        cmocka_unit_test(each_reader_sets_its_own_limits),
        cmocka_unit_test(a_duplicate_key_names_its_mapping_in_the_tree_read_so_far),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
