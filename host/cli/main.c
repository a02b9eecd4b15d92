/* main.c: wires the CLI to the commands; the only place that exits. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "app.h"
#include "commands.h"
#include "crash.h"
#include "exitcode.h"
#include "http.h"
#include "isolate.h"
#include "log.h"
#include "run.h"

typedef struct command_entry {
    const char *name;
    int (*fn)(const cli_args *args);
} command_entry;

static const command_entry commands[] = {
    {"version", cmd_version},     {"plugins", cmd_plugins},   {"config", cmd_config},
    {"inventory", cmd_inventory}, {"run", cmd_run},           {"scan", cmd_run},
    {"policy", cmd_policy},       {"playbook", cmd_playbook}, {"provision", cmd_provision},
    {"select", cmd_select},       {"cost", cmd_cost},         {"audit", cmd_audit},
    {"serve", cmd_serve},         {"approve", cmd_approve},
};

static void on_signal(int signo)
{
    run_request_cancel(signo);
}

static int setup_logging(const cli_args *args)
{
    fwk_log_level level = args->verbose >= 2   ? FWK_LOG_DEBUG
                          : args->verbose == 1 ? FWK_LOG_INFO
                                               : FWK_LOG_WARN;
    if (args->log_level && log_level_parse(args->log_level, &level) != 0) {
        fprintf(stderr, "fawkes: error: --log-level %s: use debug, info, warn or error\n",
                args->log_level);
        return -1;
    }
    log_setup(level, args->log_format && strcmp(args->log_format, "json") == 0);
    isolate_set_log(level, args->log_format && strcmp(args->log_format, "json") == 0);
    return 0;
}

int main(int argc, char **argv)
{
    cli_args args;
    diag err = {{0}};
    /* Blocks of 1 MiB and more are mapped and unmapped on their own. glibc's default lets that
       threshold rise to the largest block freed so far, after which the run's large,
       short-lived buffers (history pages, key chunks, sorter batches) come from the heaps and
       leave them fragmented: peak memory grows with the run's length (44 -> 54 MB from 100k to
       300k resources) and heaps are trimmed and faulted in again over and over. Fixed, memory
       stays flat (38-40 MB) and the run takes less CPU. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    /* an isolated plugin's process (host/isolate.h): not a command users type */
    if (argc == 2 && strcmp(argv[1], ISOLATE_WORKER_ARG) == 0)
        return isolate_child_main();
    if (cli_parse(argc, argv, &args, &err) != 0) {
        fprintf(stderr, "fawkes: error: %s\n", err.text);
        cli_free(&args);
        return EXIT_CODE_USAGE;
    }
    if (!args.command) {
        cli_usage(args.help ? stdout : stderr);
        cli_free(&args);
        return args.help ? EXIT_CODE_OK : EXIT_CODE_USAGE;
    }
    if (setup_logging(&args) != 0) {
        cli_free(&args);
        return EXIT_CODE_USAGE;
    }
    signal(SIGPIPE, SIG_IGN);
    crash_install(); /* a plugin that crashes the process is named on stderr */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* a closed terminal stops a run as SIGTERM does: cleanly */

    int code = -1;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(args.command, commands[i].name) == 0) {
            http_global_init();
            code = commands[i].fn(&args);
            http_global_cleanup();
            break;
        }
    if (code < 0) {
        fprintf(stderr, "fawkes: error: unknown command '%s'; see `fawkes --help`\n", args.command);
        code = EXIT_CODE_USAGE;
    }
    cli_free(&args);
    log_reset_secrets();
    fflush(stdout);
    if (ferror(stdout) && code == EXIT_CODE_OK && !app_reader_gone(0))
        code = EXIT_CODE_INTERNAL;
    return code;
}
