/* loader_internal.h: pieces of the loader shared by its files, cmd_plugins and its tests. */
#ifndef HOST_LOADER_INTERNAL_H
#define HOST_LOADER_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "fawkes/plugin.h"
#include "diag.h"
#include "strlist.h"

/* How long a child process may take to open and describe one plugin. */
#define LOADER_DESCRIBE_TIMEOUT_MS 10000

/*
 * loader_check_descriptor: the descriptor checks of loader_check_file, in its order, from
 * the magic number to the option table. Returns 0, or -1 with the one-line reason in `why`.
 * Reads only what `struct_size` says is there. Thread-safety: reentrant.
 */
int loader_check_descriptor(const fwk_plugin_descriptor *desc, diag *why);

/*
 * loader_check_jansson: the plugin behind `handle` resolves `json_object` to the host's own
 * jansson (or does not use jansson at all). Returns 0, or -1 with the reason in `why`.
 */
int loader_check_jansson(void *handle, diag *why);

/* "string", "int", "float", "bool", "duration", "size", "string list", "object", or
   "unknown". */
const char *loader_option_type_name(fwk_option_type type);

/*
 * loader_scan_dir: append to `files` the path of every "*.so" regular file directly inside
 * `dir` (hidden files skipped), sorted by name. Returns 0, or -1 with the reason (the
 * directory, strerror, what to do) in `why` when the directory cannot be read.
 */
int loader_scan_dir(const char *dir, strlist *files, diag *why);

/*
 * loader_describe_isolated: loader_check_file + loader_describe for `path`, run in a child
 * process (its stdout sent to /dev/null) so a crash or hang cannot take the caller down.
 * A child killed by a signal gives a refused entry "crashed while describing (signal N)";
 * one still running after LOADER_DESCRIBE_TIMEOUT_MS is killed and refused too.
 * Returns a new JSON object as loader_describe does; NULL only when out of memory.
 * Not thread-safe (forks); call it before starting threads.
 */
json_t *loader_describe_isolated(const char *path);

#endif
