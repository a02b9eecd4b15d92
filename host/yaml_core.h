/* yaml_core.h: the YAML 1.2 core schema for plain scalars, shared by the YAML reader
   (yaml_tree.c), the config reader (host/config_yaml.c) and the policy plugin's reader
   (plugins/policy/policy_yaml.c). Built with yaml_tree.c as its own small static library
   (fawkes_yaml_core, position-independent) so an in-tree plugin can link it without linking
   the host. */
#ifndef YAML_CORE_H
#define YAML_CORE_H

#include <stddef.h>

#include <jansson.h>

/*
 * yaml_core_resolve: the JSON value of a plain (unquoted) scalar: null (~, null, empty),
 * booleans, integers (decimal, 0o octal, 0x hex), floats, else the string itself. Returns a
 * new reference; NULL with *problem set for values JSON cannot hold (an integer beyond 64
 * bits, a float out of range, .inf, .nan), or NULL with *problem NULL when out of memory.
 * Thread-safe.
 */
json_t *yaml_core_resolve(const char *plain, const char **problem);

#endif
