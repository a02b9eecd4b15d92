/* loader.h: find plugin .so files, open them, and check their descriptors. */
#ifndef HOST_LOADER_H
#define HOST_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "fawkes/plugin.h"
#include "diag.h"
#include "strlist.h"

typedef struct plugin {
    char *path;                        /* the file, as found */
    void *handle;                      /* dlopen handle; NULL when refused before opening */
    const fwk_plugin_descriptor *desc; /* NULL when refused */
    char *refusal;                     /* why it was refused; NULL when loaded */
} plugin;

typedef struct plugin_set {
    plugin *items;
    size_t count;
} plugin_set;

/*
 * loader_search_dirs: the plugin directories in the order they are searched:
 * `cli_dirs` (--plugin-dir), then `config_dirs` (plugin_dirs:), then each entry of
 * FAWKES_PLUGIN_PATH (':'-separated), then the directory next to the running binary
 * (<exe dir>/plugins, the build tree) and the installed one (<prefix>/lib/fawkes/plugins).
 * Directories that do not exist are left out; duplicates (same real path) kept once.
 * Either input may be NULL. Appends to `out`.
 */
void loader_search_dirs(const strlist *cli_dirs, const strlist *config_dirs, strlist *out);

/*
 * loader_check_file: open one file and run the checks in this fixed order, refusing at the
 * first failure: dlopen(RTLD_NOW|RTLD_LOCAL) succeeds; the entry symbol
 * `fawkes_plugin_describe` exists; it returns non-NULL; magic; ABI major equal; plugin's ABI
 * minor <= host's; struct_size large enough for ABI 1.0; name matches [a-z0-9_-]{1,64};
 * version, description non-empty; kind known; vtable non-NULL with struct_size and required
 * entries set for its kind; capabilities agree with the vtable (loader_capabilities); the
 * option table well formed (names unique, types known,
 * defaults valid JSON of the right type); the plugin uses the host's jansson (not its own
 * copy). Fills *out (always: path set; desc or refusal). A refusal is one line:
 * "built for SDK ABI 2.0, this fawkes provides 1.0: upgrade fawkes, or rebuild the plugin
 * against this SDK". Returns 0 when loaded, -1 when refused.
 */
int loader_check_file(const char *path, plugin *out);

/*
 * loader_capabilities: the capabilities `desc` has, derived from its function table with
 * FWK_VTABLE_HAS (a provider's actions: list_actions and run_action; provision; cost), plus a
 * notifier's declared FWK_CAP_DIGEST, which has no function of its own. For a loaded plugin it
 * equals desc->capabilities (the loader refuses a mismatch). Reads only `desc`. Thread-safe.
 */
uint64_t loader_capabilities(const fwk_plugin_descriptor *desc);
/* loader_capability_name: the name of capability number `index` ("actions", "provision",
   "cost", "digest", in that order) with its flag in *flag; NULL past the last. Static. */
const char *loader_capability_name(size_t index, uint64_t *flag);

/*
 * loader_load_dirs: every "*.so" directly inside each directory (sorted by name), first
 * screened in a child process (so a plugin that crashes while loading or describing is
 * refused, not fatal: one fork per file; call before starting threads), then checked with
 * loader_check_file in-process. A plugin whose name is already loaded is refused ("plugin name
 * 'x' is already loaded from PATH"). Each refusal is logged at warn level as
 * "plugin FILE refused: REASON" and kept in the set; the rest load.
 * Fills *out (free with loader_free). Returns the number refused.
 */
size_t loader_load_dirs(const strlist *dirs, plugin_set *out);

/* The loaded (not refused) plugin named `name`, or NULL. */
const plugin *loader_find(const plugin_set *set, const char *name);

/* "provider", "scanner", "policy", "notifier", or "unknown". */
const char *loader_kind_name(fwk_plugin_kind kind);

/*
 * loader_describe: a new JSON object for `plugins list`/`inspect`:
 * {"name","kind","version","abi","path","status":"loaded"|"refused","reason"?,
 *  "description","license","capabilities":[..],"config_schema":{JSON Schema}}.
 * For a refused plugin only path, status and reason are certain.
 */
json_t *loader_describe(const plugin *p);

/*
 * loader_list_isolated: as loader_load_dirs + loader_describe for each file, but every file
 * is opened in a child process, so a plugin that crashes while loading or describing cannot
 * take the listing down (it is listed as refused: "crashed while describing (signal 11)").
 * Returns a new JSON array.
 */
json_t *loader_list_isolated(const strlist *dirs);

/* Free the set; plugins are not dlclosed (they may have registered atexit handlers). */
void loader_free(plugin_set *set);

#endif
