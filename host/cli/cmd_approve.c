/* cmd_approve.c: `fawkes approve TOKEN`: approve a plan waiting in a running `fawkes serve`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "commands.h"
#include "exitcode.h"
#include "serve_client.h"

static const char approve_help[] =
    "usage: fawkes [-c FILE] approve TOKEN [-o table|json]\n"
    "Approves the plan with that token in the `fawkes serve` the config describes (server.listen\n"
    "and server.token; FAWKES_SERVER_URL overrides the address), waits for its run to end (at\n"
    "most 10 minutes) and prints the run. See docs/serve.md.\n"
    "Exit: 0 the plan was applied; 2 usage or config error, or the server refused the token\n"
    "(unknown, used, expired); 3 the run did not apply (refused, failed, still running) or the\n"
    "server could not be reached.\n";

int cmd_approve(const cli_args *args)
{
    if (args->help) {
        fputs(approve_help, stdout);
        return EXIT_CODE_OK;
    }
    if (args->words.count != 1) {
        fprintf(stderr, "fawkes: error: expected `approve TOKEN`\n%s", approve_help);
        return EXIT_CODE_USAGE;
    }
    app a;
    int code = app_open(&a, args, APP_NEED_CONFIG);
    if (code != EXIT_CODE_OK)
        return code;
    json_t *record = NULL;
    diag err = {{0}};
    long status = serve_client_approve(a.cfg, args->words.items[0], 600000, &record, &err);
    const char *run_status = json_string_value(json_object_get(record, "status"));
    const char *error = json_string_value(json_object_get(record, "error"));
    if (status < 0) {
        log_user_error("%s", err.text);
        code =
            err.text[0] && strstr(err.text, "server.token") ? EXIT_CODE_USAGE : EXIT_CODE_PARTIAL;
    } else if (status != 202) {
        log_user_error("the server refused the approval (HTTP %ld): %s", status,
                       error ? error : "no reason given");
        code = status >= 500 ? EXIT_CODE_PARTIAL : EXIT_CODE_USAGE;
    } else {
        code = run_status && strcmp(run_status, "applied") == 0 ? EXIT_CODE_OK : EXIT_CODE_PARTIAL;
        if (args->format == OUTPUT_JSON || args->format == OUTPUT_JSONL) {
            char *text = json_dumps(record, JSON_SORT_KEYS | JSON_INDENT(2));
            printf("%s\n", text ? text : "{}");
            free(text);
        } else {
            printf("run %s: %s\n", json_string_value(json_object_get(record, "id")),
                   run_status ? run_status : "unknown");
        }
        if (code != EXIT_CODE_OK)
            log_user_error("the approved run ended %s; see its summary (-o json)",
                           run_status ? run_status : "in an unknown state");
    }
    json_decref(record);
    app_close(&a);
    return code;
}
