/* cli.c: command-line parsing; global options may stand before or after the command. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum opt_id {
    OPT_CONFIG,
    OPT_PLUGIN_DIR,
    OPT_OUTPUT,
    OPT_LOG_LEVEL,
    OPT_LOG_FORMAT,
    OPT_VERBOSE,
    OPT_FAIL_ON,
    OPT_JOBS,
    OPT_PROVIDER,
    OPT_KIND,
    OPT_APPLY,
    OPT_APPROVE,
    OPT_HELP,
    OPT_VERSION,
    OPT_INPUT,
    OPT_POLICY,
    OPT_SPEC,
    OPT_VAR,
    OPT_SINCE,
    OPT_REQUIREMENTS,
    OPT_FROM,
    OPT_TO,
    OPT_PUBLIC_KEY,
    OPT_PROGRESS,
    OPT_NO_PROGRESS
} opt_id;

typedef struct opt_spec {
    const char *long_name;
    char short_name;
    bool takes_value;
    opt_id id;
} opt_spec;

static const opt_spec specs[] = {
    {"config", 'c', true, OPT_CONFIG},
    {"plugin-dir", 0, true, OPT_PLUGIN_DIR},
    {"output", 'o', true, OPT_OUTPUT},
    {"log-level", 0, true, OPT_LOG_LEVEL},
    {"log-format", 0, true, OPT_LOG_FORMAT},
    {"verbose", 'v', false, OPT_VERBOSE},
    {"fail-on", 0, true, OPT_FAIL_ON},
    {"jobs", 'j', true, OPT_JOBS},
    {"provider", 0, true, OPT_PROVIDER},
    {"kind", 0, true, OPT_KIND},
    {"apply", 0, false, OPT_APPLY},
    {"approve", 0, true, OPT_APPROVE},
    {"help", 'h', false, OPT_HELP},
    {"version", 'V', false, OPT_VERSION},
    {"input", 0, true, OPT_INPUT},
    {"policy", 0, true, OPT_POLICY},
    {"spec", 0, true, OPT_SPEC},
    {"var", 0, true, OPT_VAR},
    {"since", 0, true, OPT_SINCE},
    {"requirements", 0, true, OPT_REQUIREMENTS},
    {"from", 0, true, OPT_FROM},
    {"public-key", 0, true, OPT_PUBLIC_KEY},
    {"to", 0, true, OPT_TO},
    {"progress", 0, false, OPT_PROGRESS},
    {"no-progress", 0, false, OPT_NO_PROGRESS},
};

void cli_usage(FILE *stream)
{
    fputs(
        "usage: fawkes [-c fawkes.yaml] [--plugin-dir DIR]... [-o table|json|jsonl|sarif|junit]\n"
        "              [--log-level debug|info|warn|error] [--log-format text|json] [-v]\n"
        "              [--fail-on critical|high|medium|low|info|none] [-j N]\n"
        "              [--progress|--no-progress] <command>\n"
        "\n"
        "commands:\n"
        "  version (or --version)           print the version and the SDK ABI\n"
        "  plugins list                     every plugin found, loaded or refused (and why)\n"
        "  plugins inspect NAME             a plugin's descriptor and config schema\n"
        "  plugins check FILE               run the loader's checks on one .so\n"
        "  config validate                  check the config and every plugin instance's config\n"
        "  inventory [--provider NAME]... [--kind K]...\n"
        "                                   list resources from the providers\n"
        "  scan [--provider NAME]...        inventory -> scanners -> policies (no notifiers)\n"
        "  run [CHAIN]... [--since RUN_ID]  run chains: inventory -> scanners -> policies -> "
        "notify\n"
        "                                   -> playbooks; findings carry new/open/resolved\n"
        "  policy eval --input FILE [--policy DIR]...\n"
        "                                   decisions for JSON/JSONL documents\n"
        "  policy test DIR                  run policy tests; -o junit for CI\n"
        "  playbook run FILE [--var K=V]... [--apply] [--approve TOKEN]\n"
        "                                   run a Lua playbook (a dry run unless --apply)\n"
        "  provision cluster|database|bucket create|delete --provider NAME --spec FILE [--apply]\n"
        "                                   create or delete (prints the request unless --apply)\n"
        "  select --requirements FILE       rank providers for a workload, with the scores\n"
        "  cost [--provider NAME]... [--from T] [--to T]\n"
        "                                   billed cost per provider over a time range\n"
        "  audit verify [--public-key FILE] [LOG]\n"
        "                                   check the audit log's chain and signatures\n"
        "  audit keygen FILE                write an Ed25519 key pair (FILE, FILE.pub)\n"
        "  serve                            the daemon: scheduled chains, Alertmanager alerts ->\n"
        "                                   playbooks, approvals, /healthz /readyz /metrics\n"
        "  approve TOKEN                    apply a plan waiting for approval in fawkes serve\n"
        "\n"
        "exit codes: 0 ok; 1 findings at or above --fail-on (default high); 2 usage or config\n"
        "error (nothing ran); 3 partial results (some plugin, provider, region or page failed);\n"
        "4 internal error. Results go to stdout; logs to stderr. See `fawkes COMMAND --help`.\n",
        stream);
}

static const opt_spec *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        if (strlen(specs[i].long_name) == len && strncmp(specs[i].long_name, name, len) == 0)
            return &specs[i];
    return NULL;
}

static const opt_spec *find_short(char c)
{
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        if (specs[i].short_name == c)
            return &specs[i];
    return NULL;
}

static int apply_option(cli_args *args, const opt_spec *spec, const char *value, diag *err)
{
    switch (spec->id) {
    case OPT_CONFIG:
        args->config_path = value;
        break;
    case OPT_PLUGIN_DIR:
        strlist_push(&args->plugin_dirs, value);
        break;
    case OPT_OUTPUT:
        if (output_format_parse(value, &args->format) != 0) {
            diag_set(err, "-o %s: unknown output format; use table, json, jsonl, sarif or junit",
                     value);
            return -1;
        }
        args->format_set = true;
        break;
    case OPT_LOG_LEVEL:
        args->log_level = value;
        break;
    case OPT_LOG_FORMAT:
        if (strcmp(value, "text") && strcmp(value, "json")) {
            diag_set(err, "--log-format %s: use text or json", value);
            return -1;
        }
        args->log_format = value;
        break;
    case OPT_VERBOSE:
        args->verbose++;
        break;
    case OPT_FAIL_ON:
        args->fail_on = value;
        break;
    case OPT_JOBS: {
        char *end;
        long jobs = strtol(value, &end, 10);
        if (*value == '\0' || *end != '\0' || jobs < 1 || jobs > 256) {
            diag_set(err, "--jobs %s: expected a whole number from 1 to 256", value);
            return -1;
        }
        args->jobs = (int)jobs;
        break;
    }
    case OPT_PROVIDER:
        strlist_push(&args->providers, value);
        break;
    case OPT_KIND:
        strlist_push(&args->kinds, value);
        break;
    case OPT_APPLY:
        args->apply = true;
        break;
    case OPT_APPROVE:
        args->approve = value;
        break;
    case OPT_HELP:
        args->help = true;
        break;
    case OPT_VERSION: /* --version is `fawkes version` */
        if (!args->command)
            args->command = "version";
        break;
    case OPT_INPUT:
        args->input = value;
        break;
    case OPT_POLICY:
        strlist_push(&args->policy_dirs, value);
        break;
    case OPT_SPEC:
        args->spec = value;
        break;
    case OPT_VAR:
        if (!strchr(value, '=') || value[0] == '=') {
            diag_set(err, "--var %s: expected NAME=VALUE", value);
            return -1;
        }
        strlist_push(&args->vars, value);
        break;
    case OPT_SINCE:
        args->since = value;
        break;
    case OPT_REQUIREMENTS:
        args->requirements = value;
        break;
    case OPT_FROM:
        args->from = value;
        break;
    case OPT_TO:
        args->to = value;
        break;
    case OPT_PUBLIC_KEY:
        args->public_key = value;
        break;
    case OPT_PROGRESS:
        args->progress = 1;
        break;
    case OPT_NO_PROGRESS:
        args->progress = -1;
        break;
    }
    return 0;
}

static int parse_long(int argc, char **argv, int *i, cli_args *args, diag *err)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const opt_spec *spec = find_long(name, len);
    if (!spec) {
        diag_set(err, "unknown option '--%.*s'; see `fawkes --help`", (int)len, name);
        return -1;
    }
    const char *value = NULL;
    if (spec->takes_value) {
        if (eq)
            value = eq + 1;
        else if (*i + 1 < argc)
            value = argv[++*i];
        else {
            diag_set(err, "option '--%s' needs a value", spec->long_name);
            return -1;
        }
    } else if (eq) {
        diag_set(err, "option '--%s' takes no value", spec->long_name);
        return -1;
    }
    return apply_option(args, spec, value, err);
}

static int parse_short(int argc, char **argv, int *i, cli_args *args, diag *err)
{
    /* Clusters like -vv; a value-taking option takes the rest of the word or the next one. */
    for (const char *p = argv[*i] + 1; *p; p++) {
        const opt_spec *spec = find_short(*p);
        if (!spec) {
            diag_set(err, "unknown option '-%c'; see `fawkes --help`", *p);
            return -1;
        }
        if (!spec->takes_value) {
            if (apply_option(args, spec, NULL, err))
                return -1;
            continue;
        }
        const char *value = p[1] ? p + 1 : NULL;
        if (!value) {
            if (*i + 1 >= argc) {
                diag_set(err, "option '-%c' needs a value", *p);
                return -1;
            }
            value = argv[++*i];
        }
        return apply_option(args, spec, value, err);
    }
    return 0;
}

int cli_parse(int argc, char **argv, cli_args *args, diag *err)
{
    memset(args, 0, sizeof *args);
    args->format = OUTPUT_TABLE;
    args->fail_on = "high";
    args->jobs = 8;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        int rc = 0;
        if (!options_done && strcmp(word, "--") == 0)
            options_done = true;
        else if (!options_done && strncmp(word, "--", 2) == 0)
            rc = parse_long(argc, argv, &i, args, err);
        else if (!options_done && word[0] == '-' && word[1] != '\0')
            rc = parse_short(argc, argv, &i, args, err);
        else if (!args->command)
            args->command = word;
        else
            strlist_push(&args->words, word);
        if (rc)
            return -1;
    }
    if (strcmp(args->fail_on, "none") != 0 && strcmp(args->fail_on, "critical") &&
        strcmp(args->fail_on, "high") && strcmp(args->fail_on, "medium") &&
        strcmp(args->fail_on, "low") && strcmp(args->fail_on, "info")) {
        diag_set(err, "--fail-on %s: use critical, high, medium, low, info or none", args->fail_on);
        return -1;
    }
    args->stdout_tty = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    return 0;
}

void cli_free(cli_args *args)
{
    strlist_clear(&args->plugin_dirs);
    strlist_clear(&args->providers);
    strlist_clear(&args->kinds);
    strlist_clear(&args->words);
    strlist_clear(&args->policy_dirs);
    strlist_clear(&args->vars);
}
