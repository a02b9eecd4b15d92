/* cmd_audit.c: `fawkes audit verify`: check the audit log's hash chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "commands.h"
#include "exitcode.h"

static void usage(FILE *stream)
{
    fputs("usage: fawkes [-c fawkes.yaml] audit verify [FILE] [-o table|json]\n"
          "\n"
          "Check the audit log (security.audit_log, or FILE): every line must carry the\n"
          "SHA-256 of the line before it and of its own content, with no gap in `seq`, and\n"
          "the log must end where FILE.head says. Reports each edited, reordered or deleted\n"
          "entry by line. Exit 0: intact; 1: tampered; 2: no audit log configured or given;\n"
          "4: the file cannot be read.\n",
          stream);
}

int cmd_audit(const cli_args *args)
{
    if (args->help) {
        usage(stdout);
        return EXIT_CODE_OK;
    }
    if (args->words.count < 1 || strcmp(args->words.items[0], "verify") != 0 ||
        args->words.count > 2) {
        usage(stderr);
        return EXIT_CODE_USAGE;
    }
    app a;
    int code = app_open(&a, args, 0);
    if (code != EXIT_CODE_OK)
        return code;
    const char *path = args->words.count == 2 ? args->words.items[1] : a.cfg->audit_log;
    if (!path) {
        log_user_error("no audit log: set security.audit_log in the config, or pass the file: "
                       "`fawkes audit verify FILE`");
        app_close(&a);
        return EXIT_CODE_USAGE;
    }
    json_t *report = NULL;
    diag err = {{0}};
    int rc = audit_verify(path, &report, &err);
    if (rc < 0) {
        log_user_error("%s", err.text);
        app_close(&a);
        return EXIT_CODE_INTERNAL;
    }
    if (args->format == OUTPUT_JSON || args->format == OUTPUT_JSONL) {
        json_dumpf(report, stdout,
                   JSON_INDENT(args->format == OUTPUT_JSON ? 2 : 0) |
                       (args->format == OUTPUT_JSONL ? JSON_COMPACT : 0));
        fputc('\n', stdout);
    } else {
        size_t i;
        json_t *p;
        json_array_foreach (json_object_get(report, "problems"), i, p) {
            json_int_t line = json_integer_value(json_object_get(p, "line"));
            if (line > 0)
                printf("%s:%" JSON_INTEGER_FORMAT ": %s\n", path, line,
                       json_string_value(json_object_get(p, "problem")));
            else
                printf("%s: %s\n", path, json_string_value(json_object_get(p, "problem")));
        }
        printf("%s: %" JSON_INTEGER_FORMAT " entries, %s\n", path,
               json_integer_value(json_object_get(report, "entries")),
               rc == 0 ? "chain intact" : "TAMPERED");
    }
    json_decref(report);
    app_close(&a);
    return rc == 0 ? EXIT_CODE_OK : EXIT_CODE_FINDINGS;
}
