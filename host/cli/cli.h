/* cli.h: command-line parsing; global options may stand before or after the command. */
#ifndef HOST_CLI_H
#define HOST_CLI_H

#include <stdbool.h>

#include "diag.h"
#include "output.h"
#include "strlist.h"

typedef struct cli_args {
    const char *config_path; /* -c/--config; NULL: ./fawkes.yaml when it exists */
    strlist plugin_dirs;     /* --plugin-dir, repeatable */
    output_format format;    /* -o/--output; default table */
    bool format_set;
    const char *log_level;    /* --log-level; NULL: warn (info with -v, debug with -vv) */
    const char *log_format;   /* --log-format text|json; NULL: text */
    int verbose;              /* -v count */
    const char *fail_on;      /* --fail-on SEVERITY; default "high"; "none" disables */
    int jobs;                 /* --jobs N worker threads; default 8 */
    strlist providers;        /* --provider NAME, repeatable */
    strlist kinds;            /* --kind K, repeatable */
    bool apply;               /* --apply */
    const char *approve;      /* --approve TOKEN */
    const char *input;        /* --input FILE (policy eval): JSON or JSONL documents */
    strlist policy_dirs;      /* --policy DIR (policy eval), repeatable */
    const char *spec;         /* --spec FILE (provision) */
    strlist vars;             /* --var K=V (playbook run), repeatable, kept as "K=V" */
    const char *since;        /* --since RUN_ID (run): compare against that run */
    const char *requirements; /* --requirements FILE (select) */
    const char *from;         /* --from TIME (cost): RFC 3339 or YYYY-MM-DD */
    const char *to;           /* --to TIME (cost) */
    const char *public_key;   /* --public-key FILE (audit verify) */
    bool help;                /* -h/--help */
    int progress;             /* --progress 1, --no-progress -1, neither 0 (auto: a TTY) */
    const char *command;      /* first positional word; NULL when none */
    strlist words;            /* the positional words after the command */
    bool stdout_tty;          /* stdout is a terminal and NO_COLOR is unset */
} cli_args;

/*
 * cli_parse: parse argv into *args (zeroed first). Returns 0, or -1 with the problem and
 * the fix in `err` (unknown option, missing value, bad -o format, bad --jobs).
 * Free with cli_free.
 */
int cli_parse(int argc, char **argv, cli_args *args, diag *err);
void cli_free(cli_args *args);

/* Print the top-level usage to `stream`. */
void cli_usage(FILE *stream);

#endif
