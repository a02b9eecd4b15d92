/* app.h: what every command starts from: parsed args, the config, the loaded plugins. */
#ifndef HOST_APP_H
#define HOST_APP_H

#include <stdbool.h>

#include "cli.h"
#include "config.h"
#include "engine.h"
#include "loader.h"
#include "log.h" /* log_user_error: how a command says why it failed */
#include "strlist.h"

typedef struct app {
    const cli_args *args;
    config *cfg;         /* never NULL after app_open (config_empty() when no file) */
    strlist plugin_dirs; /* the search path (loader_search_dirs) */
    plugin_set plugins;  /* loaded with APP_LOAD_PLUGINS */
    engine_env engine;   /* what the engine is handed: the above and --apply */
} app;

#define APP_LOAD_PLUGINS 0x1u /* load every plugin in the search path */
#define APP_NEED_CONFIG 0x2u  /* a config file must exist (-c, or ./fawkes.yaml) */

/* Load the config (and plugins with APP_LOAD_PLUGINS). Returns an exit code: 0, or
   EXIT_CODE_USAGE after printing the error to stderr. */
int app_open(app *a, const cli_args *args, unsigned flags);
void app_close(app *a);

/* Did a write to stdout fail because its reader went away (`fawkes ... | head`)? `err` is
   the failed write's errno (0 when unknown: stdout is then polled for a closed pipe). Such a
   failure is not one: the reader has what it wanted, and commands end quietly. */
bool app_reader_gone(int err);

#endif
