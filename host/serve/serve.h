/* serve.h: `fawkes serve`: the daemon that runs scheduled chains, answers Alertmanager with
   playbooks, and serves health, metrics and the runs/approvals/reload API. */
#ifndef HOST_SERVE_H
#define HOST_SERVE_H

#include <stdbool.h>

#include "strlist.h"

typedef struct serve_options {
    const char *config_path;    /* the config file (required) */
    const strlist *plugin_dirs; /* --plugin-dir (borrowed; may be NULL) */
    int jobs;                   /* worker threads per chain run */
    bool apply;                 /* --apply: chains' playbooks may apply low-risk steps */
} serve_options;

/*
 * serve_main: load and check the config (exit 2 on an error, nothing started), load the
 * plugins, listen on server.listen, then run until SIGTERM or SIGINT: scheduled chains on
 * time, alerts to playbooks, the API; SIGHUP reloads. On the stop signal: stop accepting,
 * let running runs finish within server.grace, then cancel them, and return 0.
 * Blocks SIGHUP, SIGTERM and SIGINT in the calling thread (threads it starts inherit that)
 * and takes them with sigtimedwait. Call from the main thread, once. Returns the exit code.
 */
int serve_main(const serve_options *opts);

#endif
