/* app.c: what every command starts from: the config and the plugins. */
#include "app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "log.h"

void app_error(const char *fmt, ...)
{
    char message[DIAG_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    char *clean = log_redact(message);
    fprintf(stderr, "fawkes: error: %s\n", clean ? clean : message);
    free(clean);
}

int app_open(app *a, const cli_args *args, unsigned flags)
{
    memset(a, 0, sizeof *a);
    a->args = args;
    const char *path = args->config_path;
    if (!path && access("fawkes.yaml", F_OK) == 0)
        path = "fawkes.yaml";
    diag err = {{0}};
    if (path) {
        if (config_load(path, &a->cfg, &err) != 0) {
            app_error("%s", err.text);
            return EXIT_CODE_USAGE;
        }
    } else if (flags & APP_NEED_CONFIG) {
        app_error("no config: pass -c FILE, or create ./fawkes.yaml (examples/demo.yaml is a "
                  "complete example)");
        return EXIT_CODE_USAGE;
    } else {
        a->cfg = config_empty();
        if (!a->cfg) {
            app_error("out of memory");
            return EXIT_CODE_INTERNAL;
        }
    }
    loader_search_dirs(&args->plugin_dirs, &a->cfg->plugin_dirs, &a->plugin_dirs);
    if (flags & APP_LOAD_PLUGINS)
        loader_load_dirs(&a->plugin_dirs, &a->plugins);
    return EXIT_CODE_OK;
}

void app_close(app *a)
{
    loader_free(&a->plugins);
    strlist_clear(&a->plugin_dirs);
    config_free(a->cfg);
    a->cfg = NULL;
}
