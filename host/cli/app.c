/* app.c: what every command starts from: the config and the plugins. */
#include "app.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "exitcode.h"
#include "log.h"

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
            log_user_error("%s", err.text);
            return EXIT_CODE_USAGE;
        }
    } else if (flags & APP_NEED_CONFIG) {
        log_user_error("no config: pass -c FILE, or create ./fawkes.yaml (examples/demo.yaml is a "
                       "complete example)");
        return EXIT_CODE_USAGE;
    } else {
        a->cfg = config_empty();
        if (!a->cfg) {
            log_user_error("out of memory");
            return EXIT_CODE_INTERNAL;
        }
    }
    if (audit_configure(a->cfg, args ? args->approve : NULL, &err) != 0) {
        log_user_error("%s", err.text);
        config_free(a->cfg);
        a->cfg = NULL;
        return EXIT_CODE_USAGE;
    }
    loader_search_dirs(&args->plugin_dirs, &a->cfg->plugin_dirs, &a->plugin_dirs);
    if (flags & APP_LOAD_PLUGINS)
        loader_load_dirs(&a->plugin_dirs, &a->plugins);
    a->engine = (engine_env){.cfg = a->cfg,
                             .plugins = &a->plugins,
                             .plugin_dirs = &a->plugin_dirs,
                             .apply = args && args->apply};
    return EXIT_CODE_OK;
}

void app_close(app *a)
{
    loader_free(&a->plugins);
    strlist_clear(&a->plugin_dirs);
    config_free(a->cfg);
    a->cfg = NULL;
    audit_shutdown();
}

bool app_reader_gone(int err)
{
    if (err == EPIPE)
        return true;
    struct pollfd out = {.fd = STDOUT_FILENO, .events = 0, .revents = 0};
    return poll(&out, 1, 0) == 1 && (out.revents & POLLERR);
}
