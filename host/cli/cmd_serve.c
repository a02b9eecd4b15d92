/* cmd_serve.c: `fawkes serve`: the daemon (host/serve/). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "exitcode.h"
#include "log.h"
#include "serve.h"

static const char serve_help[] =
    "usage: fawkes [-c FILE] serve [--apply] [-j N] [--log-format json]\n"
    "Runs until SIGTERM or SIGINT: every chain with a schedule: on time (at most one run per\n"
    "chain at once; a run due while the last still goes is skipped and counted), Alertmanager\n"
    "alerts to the playbooks of the config's alerts: rules (dry runs unless a rule says apply:\n"
    "true; high-risk steps wait for POST /api/v1/approvals), and on server.listen:\n"
    "  GET /healthz, GET /readyz, GET /metrics (Prometheus), POST /alertmanager,\n"
    "  GET|POST /api/v1/runs, POST /api/v1/approvals, POST /api/v1/reload (bearer token).\n"
    "SIGHUP reloads the config (kept when the new one has an error). --apply lets scheduled\n"
    "chains' playbooks apply low-risk steps. See docs/serve.md.\n"
    "Exit: 0 stopped by a signal; 2 config error or cannot listen (nothing started).\n";

int cmd_serve(const cli_args *args)
{
    if (args->help) {
        fputs(serve_help, stdout);
        return EXIT_CODE_OK;
    }
    if (args->words.count > 0) {
        fprintf(stderr, "fawkes: error: serve takes no arguments (got '%s')\n%s",
                args->words.items[0], serve_help);
        return EXIT_CODE_USAGE;
    }
    const char *path = args->config_path;
    if (!path && access("fawkes.yaml", F_OK) == 0)
        path = "fawkes.yaml";
    if (!path) {
        log_user_error("no config: pass -c FILE, or create ./fawkes.yaml (docs/serve.md has a "
                       "complete example)");
        return EXIT_CODE_USAGE;
    }
    /* A daemon says what it does: info unless --log-level or -v chose otherwise. */
    if (!args->log_level && args->verbose == 0)
        log_setup(FWK_LOG_INFO, args->log_format && strcmp(args->log_format, "json") == 0);
    serve_options opts = {.config_path = path,
                          .plugin_dirs = &args->plugin_dirs,
                          .jobs = args->jobs,
                          .apply = args->apply};
    return serve_main(&opts);
}
