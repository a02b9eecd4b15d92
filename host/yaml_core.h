/* yaml_core.h: the YAML 1.2 core schema for plain scalars, shared by the config reader
   (host/config_yaml.c) and the policy plugin's reader (plugins/policy/policy_yaml.c).
   Built as its own small static library (fawkes_yaml_core, position-independent) so an
   in-tree plugin can link it without linking the host. */
#ifndef YAML_CORE_H
#define YAML_CORE_H

#include <stddef.h>

#include <jansson.h>
#include <yaml.h>

/*
 * yaml_core_resolve: the JSON value of a plain (unquoted) scalar: null (~, null, empty),
 * booleans, integers (decimal, 0o octal, 0x hex), floats, else the string itself. Returns a
 * new reference; NULL with *problem set for values JSON cannot hold (an integer beyond 64
 * bits, a float out of range, .inf, .nan), or NULL with *problem NULL when out of memory.
 * Thread-safe.
 */
json_t *yaml_core_resolve(const char *plain, const char **problem);

/*
 * yaml_core_parser_error: what libyaml's parser `p` failed on, in the words both readers use:
 * writes "invalid YAML: PROBLEM", with " (the file must be UTF-8 text)" for a reader error or
 * " (CONTEXT at line L, column C)" when libyaml names one, into `message`, and the 1-based
 * position into *line and *column (a reader error's byte offset is turned into a line and a
 * column of characters by reading `text`, the `length` bytes that were parsed). Thread-safe.
 */
/*
 * yaml_core_tag_problem: 0 when `tag` is NULL (an untagged node); otherwise -1 with the
 * message both readers give for any tag ("invalid YAML: tags are not supported (found
 * '!!str'); remove it, and quote the value if it must be a string") in `message`. YAML tags
 * would let a file choose types the schema does not expect. Thread-safe.
 */
int yaml_core_tag_problem(const yaml_char_t *tag, char *message, size_t size);

void yaml_core_parser_error(const yaml_parser_t *p, const char *text, size_t length, int *line,
                            int *column, char *message, size_t size);

#endif
