/* config_internal.h: what the config module's files share (YAML, interpolation, checks). */
#ifndef HOST_CONFIG_INTERNAL_H
#define HOST_CONFIG_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "diag.h"

/* Largest config file we read (a ${file:} secret: SECRET_REF_MAX_FILE_BYTES, secret_ref.h). */
#define CONFIG_MAX_FILE_BYTES (16u * 1024u * 1024u)

/*
 * config_yaml_parse: parse `length` bytes of YAML text into a new JSON value (*root; NULL
 * for an empty stream). `name` is the file name used in messages. Fills `marks` with
 * pointer -> [line, column] of every node and `key_marks` with the same for the key of
 * every mapping entry. Returns 0, or -1 with "NAME:LINE:COL: ..." in `err`.
 */
int config_yaml_parse(const char *text, size_t length, const char *name, json_t **root,
                      json_t *marks, json_t *key_marks, diag *err);

/*
 * config_interpolate: replace ${env:NAME} / ${file:PATH} / $${ in every string of
 * cfg->root, in place. Records pointers of wholly interpolated strings in cfg->interpolated.
 * Unresolvable references inside an instance's `config:` are appended to `unresolved` as
 * {"pointer","reference","message"}; elsewhere they are errors. Returns 0, or -1 and `err`.
 */
int config_interpolate(config *cfg, json_t *unresolved, diag *err);

/*
 * config_check: check the host's keys of cfg->root and fill the rest of `cfg` (version,
 * plugin_dirs, instances, chains, security, state). `key_marks` locates unknown and
 * duplicate keys; `unresolved` (from config_interpolate) is shared out to the instances.
 * Returns 0, or -1 and `err`.
 */
int config_check(config *cfg, const json_t *key_marks, const json_t *unresolved, diag *err);

/* A new string: `base` with one more JSON pointer segment (escaped per RFC 6901). */
char *config_pointer_key(const char *base, const char *key);
/* A new string: `base` + "/" + index. */
char *config_pointer_index(const char *base, size_t index);

/* Describe a value for "got ..." in messages: `string "four"`, `integer 5`, `a mapping`.
   With `hide` set, the value itself is left out (secrets). */
void config_describe_value(const json_t *value, int hide, char *buf, size_t size);

/* Set "FILE:LINE:COL: WHERE: MESSAGE" in `err`, where WHERE is `pointer` shown as users read
   it and the position is the mark of `pointer` in `marks` (cfg->marks when NULL). */
void config_fail(const config *cfg, const json_t *marks, const char *pointer, diag *err,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A new string: `path` resolved against cfg->dir (returned as is when absolute). */
char *config_resolve_path(const config *cfg, const char *path);

/* The [line, column] stored for `pointer` in `marks`, or of its nearest ancestor. */
void config_mark_in(const json_t *marks, const char *pointer, int *line, int *column);

#endif
