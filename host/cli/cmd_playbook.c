/* cmd_playbook.c: `fawkes playbook run FILE [--var K=V]... [--apply] [--approve TOKEN]`. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "commands.h"
#include "exitcode.h"
#include "playbook.h"

static const char playbook_help[] =
    "usage: fawkes [-c FILE] playbook run FILE [--var KEY=VALUE]... [--apply] [--approve TOKEN]\n"
    "                                   [-o table|json|jsonl]\n"
    "Runs a Lua playbook in the sandbox. The playbook plans: its actions, provisions,\n"
    "notifications and mutating HTTP requests are shown with a plan token, not done.\n"
    "--apply executes the plan, unless a circuit breaker trips (max_actions, max_percent)\n"
    "or it has high-risk steps: those need --apply --approve TOKEN, where TOKEN is the one a\n"
    "dry run printed and the plan computed now is the same. Resources in their cooldown are\n"
    "skipped. Every action is written to the audit log. See docs/lua.md.\n"
    "Exit: 0 planned or applied; 2 playbook error, approval refused or breaker tripped\n"
    "(nothing executed); 3 some step or inventory failed; 4 internal error.\n";

int cmd_playbook(const cli_args *args)
{
    if (args->help) {
        fputs(playbook_help, stdout);
        return EXIT_CODE_OK;
    }
    if (args->words.count != 2 || strcmp(args->words.items[0], "run") != 0) {
        fprintf(stderr, "fawkes: error: expected `playbook run FILE`\n%s", playbook_help);
        return EXIT_CODE_USAGE;
    }
    if (args->format == OUTPUT_SARIF || args->format == OUTPUT_JUNIT) {
        log_user_error("-o %s: playbook run writes table, json or jsonl",
                       output_format_name(args->format));
        return EXIT_CODE_USAGE;
    }
    const char *path = args->words.items[1];
    if (access(path, R_OK) != 0) {
        log_user_error("%s: cannot read the playbook: %m", path);
        return EXIT_CODE_USAGE;
    }
    if (args->approve && !args->apply) {
        log_user_error(
            "--approve TOKEN only makes sense with --apply (a dry run needs no approval)");
        return EXIT_CODE_USAGE;
    }
    app a;
    int code = app_open(&a, args, APP_LOAD_PLUGINS);
    if (code != EXIT_CODE_OK)
        return code;
    playbook_options opts = {.path = path,
                             .apply = args->apply,
                             .approve = args->approve,
                             .vars = &args->vars,
                             .jobs = args->jobs};
    json_t *result = NULL;
    diag err = {{0}};
    code = playbook_run(&a.engine, NULL, NULL, &opts, &result, &err);
    if (args->format == OUTPUT_JSON || args->format == OUTPUT_JSONL) {
        json_dumpf(result, stdout,
                   JSON_SORT_KEYS | JSON_REAL_PRECISION(15) |
                       (args->format == OUTPUT_JSON ? JSON_INDENT(2) : JSON_COMPACT));
        fputc('\n', stdout);
    } else {
        playbook_print(stdout, result);
    }
    if (fflush(stdout) != 0 && code == EXIT_CODE_OK)
        code = EXIT_CODE_INTERNAL;
    if (code != EXIT_CODE_OK && err.text[0])
        log_user_error("%s", err.text);
    json_decref(result);
    app_close(&a);
    return code;
}
