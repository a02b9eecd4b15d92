/* cmd_run.c: `fawkes inventory`, `fawkes scan` and `fawkes run [CHAIN]...`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fawkes/fwkx.h"
#include "app.h"
#include "chain.h"
#include "commands.h"
#include "exitcode.h"
#include "finding.h"
#include "history.h"
#include "log.h"
#include "clock.h"
#include "progress.h"

static const char inventory_help[] =
    "usage: fawkes [-c FILE] inventory [--provider NAME]... [--kind KIND]... [-o FORMAT]\n"
    "Lists the resources of every provider instance in the config (or those named with\n"
    "--provider), normalized to one shape. -o jsonl writes a file the snapshot provider reads.\n"
    "On a terminal, a progress line on stderr (--no-progress: none; --progress: even on a pipe).\n"
    "Exit: 0 ok, 2 config error, 3 partial (a provider, region or page failed).\n";
static const char run_help[] =
    "usage: fawkes [-c FILE] run [CHAIN]... [--since RUN_ID] [--apply] [--fail-on SEVERITY]\n"
    "                 [-o FORMAT]\n"
    "Runs the named chains (all chains when none is named): providers -> scanners -> policies\n"
    "-> notifiers -> playbooks. Findings go to stdout, each with its delta (new, open or\n"
    "resolved) against the chain's last complete run, or against RUN_ID with --since.\n"
    "Chains' playbooks plan their changes; --apply lets them apply low-risk steps (high-risk\n"
    "ones need an approved token: see `fawkes playbook run --help`). On a terminal, a progress\n"
    "line on stderr (--no-progress: none; --progress: even on a pipe).\n"
    "Exit: 0 ok, 1 fail findings at or above --fail-on (default high), 2 config error,\n"
    "3 partial (results incomplete; wins over 1).\n";
static const char scan_help[] =
    "usage: fawkes [-c FILE] scan [--provider NAME]... [--kind KIND]... [--fail-on SEVERITY]\n"
    "Inventories the providers (all, or those named) and passes every resource through every\n"
    "scanner and policy in the config, without notifiers. Exit codes as for run.\n";

static void all_names(const config *cfg, config_section section, strlist *out)
{
    for (size_t i = 0; i < cfg->instance_count[section]; i++)
        strlist_push(out, cfg->instances[section][i].name);
}

static void defined_names(const config *cfg, config_section section, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cfg->instance_count[section] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 cfg->instances[section][i].name);
    if (used == 0)
        snprintf(buf, size, "none");
}

/* The providers to inventory: --provider names (checked) or all. */
static int select_providers(const app *a, chain_plan *plan)
{
    const cli_args *args = a->args;
    if (args->providers.count == 0) {
        all_names(a->cfg, CONFIG_PROVIDERS, &plan->providers);
        if (plan->providers.count == 0) {
            log_user_error(
                "%s defines no providers; add a providers: entry (see examples/demo.yaml)",
                a->cfg->path);
            return -1;
        }
        return 0;
    }
    for (size_t i = 0; i < args->providers.count; i++) {
        config_section section;
        const char *name = args->providers.items[i];
        if (!config_find_instance(a->cfg, name, &section) || section != CONFIG_PROVIDERS) {
            char names[1024];
            defined_names(a->cfg, CONFIG_PROVIDERS, names, sizeof names);
            log_user_error("--provider %s: no provider instance of that name in %s (defined: %s)",
                           name, a->cfg->path, names);
            return -1;
        }
        strlist_push(&plan->providers, name);
    }
    return 0;
}

static void copy_list(strlist *to, const strlist *from)
{
    for (size_t i = 0; i < from->count; i++)
        strlist_push(to, from->items[i]);
}

/* Plans for `run [CHAIN]...`: the named chains, or all. */
static int plan_chains(const app *a, chain_plan **plans, size_t *count)
{
    const cli_args *args = a->args;
    const config *cfg = a->cfg;
    size_t n = args->words.count ? args->words.count : cfg->chain_count;
    if (n == 0) {
        log_user_error("%s defines no chains; add a chains: entry, or use `fawkes scan`",
                       cfg->path);
        return -1;
    }
    *plans = calloc(n, sizeof **plans);
    if (!*plans)
        return -1;
    *count = n;
    for (size_t i = 0; i < n; i++) {
        const config_chain *chain =
            args->words.count ? config_find_chain(cfg, args->words.items[i]) : &cfg->chains[i];
        if (!chain) {
            char names[1024];
            size_t used = 0;
            names[0] = '\0';
            for (size_t c = 0; c < cfg->chain_count && used < sizeof names; c++)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", c ? ", " : "",
                                         cfg->chains[c].name);
            log_user_error("no chain named '%s' in %s (defined: %s)", args->words.items[i],
                           cfg->path, used ? names : "none");
            return -1;
        }
        chain_plan *plan = &(*plans)[i];
        plan->name = strdup(chain->name);
        copy_list(&plan->providers, &chain->providers);
        copy_list(&plan->scanners, &chain->scanners);
        copy_list(&plan->policies, &chain->policies);
        copy_list(&plan->notifiers, &chain->notify);
        copy_list(&plan->playbooks, &chain->playbooks);
    }
    return 0;
}

static void report_stats(const json_t *stats)
{
    const char *name;
    const json_t *counters;
    json_object_foreach ((json_t *)stats, name, counters) {
        char line[1024];
        size_t used = 0;
        const char *key;
        const json_t *value;
        json_object_foreach ((json_t *)counters, key, value) {
            if (json_is_integer(value) && used < sizeof line)
                used +=
                    (size_t)snprintf(line + used, sizeof line - used, "%s%s=%lld", used ? " " : "",
                                     key, (long long)json_integer_value(value));
        }
        log_msg(FWK_LOG_INFO, "stats", "%s: %s", name, used ? line : "(nothing counted)");
    }
}

/* Exit code from the run: 3 when partial (results incomplete), else 1 when a fail finding
   is at or above --fail-on, else 0. */
static int exit_code_for(const run *r, const char *fail_on)
{
    if (json_array_size(r->failures) > 0)
        return EXIT_CODE_PARTIAL;
    if (strcmp(fail_on, "none") != 0 && r->worst_fail_rank >= severity_rank(fail_on))
        return EXIT_CODE_FINDINGS;
    return EXIT_CODE_OK;
}

/* The name a chain's history is kept under (scan: with its --provider filter). */
static char *history_key_for(const cli_args *args, const chain_plan *plan, const char *command)
{
    return history_chain_key(plan->name, strcmp(command, "scan") == 0 ? &args->providers : NULL,
                             &args->kinds);
}

/* Open the run history (findings commands) and check --since against every chain. */
static int open_history(const app *a, const chain_plan *plans, size_t plan_count,
                        const char *command, history **out)
{
    diag err = {{0}};
    if (history_open(a->cfg, a->args->since, out, &err) != 0) {
        log_user_error("%s", err.text);
        return -1;
    }
    for (size_t i = 0; i < plan_count; i++) {
        char *key = history_key_for(a->args, &plans[i], command);
        int rc = key ? history_check_since(*out, key, &err) : -1;
        free(key);
        if (rc != 0) {
            log_user_error("%s", key ? err.text : "out of memory");
            return -1;
        }
    }
    return 0;
}

/* Point the run at chain `plan` (chain_execute loads its history baseline). */
static void begin_chain(run *r, history *hist, const cli_args *args, const chain_plan *plan,
                        const char *command)
{
    char *key = hist ? history_key_for(args, plan, command) : NULL;
    if (hist && !key)
        run_fail(r, NULL, "history", NULL, "out of memory");
    run_chain_begin(r, plan->name, key ? hist : NULL, key);
    free(key);
}

static void add_counts(json_t *totals, json_t *counts)
{
    const char *key;
    json_t *value;
    json_object_foreach (counts, key, value) {
        json_t *total = json_object_get(totals, key);
        json_object_set_new(totals, key,
                            json_integer(json_integer_value(total) + json_integer_value(value)));
    }
    json_decref(counts);
}

static int execute(app *a, chain_plan *plans, size_t plan_count, output_kind kind,
                   const char *command)
{
    history *hist = NULL;
    json_t *delta = NULL;
    const cli_args *args = a->args;
    int code = EXIT_CODE_OK;
    chain_exec *execs = calloc(plan_count, sizeof *execs);
    if (!execs)
        return EXIT_CODE_INTERNAL;
    /* Every chain is checked before any runs: a config error means nothing ran. */
    for (size_t i = 0; i < plan_count; i++) {
        diag err = {{0}};
        if (chain_prepare(&a->engine, &plans[i], &execs[i], &err) != 0 ||
            chain_init_policies(&execs[i], &a->cfg->egress_allow, &err) != 0) {
            log_user_error("%s", err.text);
            code = EXIT_CODE_USAGE;
            goto out;
        }
    }
    if (kind == OUTPUT_FINDINGS && open_history(a, plans, plan_count, command, &hist) != 0) {
        code = EXIT_CODE_USAGE;
        goto out;
    }
    const char *why = NULL;
    output *out = output_open(args->format, kind, stdout, args->stdout_tty, FAWKES_VERSION, &why);
    if (!out) {
        log_user_error("-o %s: %s", output_format_name(args->format),
                       why ? why : "cannot start the output");
        code = EXIT_CODE_USAGE;
        goto out;
    }
    run r;
    if (run_init(&r, plan_count == 1 ? plans[0].name : command, out, kind, &args->kinds,
                 &a->cfg->egress_allow) != 0) {
        log_user_error("out of memory");
        code = EXIT_CODE_INTERNAL;
        goto out;
    }
    int64_t started = clock_mono_ms();
    delta = json_pack("{s:i, s:i, s:i}", "new", 0, "open", 0, "resolved", 0);
    progress *shown = progress_wanted(args) ? progress_start(execs, plan_count) : NULL;
    for (size_t i = 0; i < plan_count && !run_cancel_requested(); i++) {
        begin_chain(&r, hist, args, &plans[i], command);
        chain_execute(&execs[i], &r, args->jobs);
        if (hist)
            add_counts(delta, history_chain_counts(hist));
    }
    progress_stop(shown); /* erased before the summary lines and the results */
    if (run_cancel_requested())
        run_fail(&r, NULL, "run", NULL, "interrupted by a signal; results are incomplete");
    json_t *stats = json_object();
    for (size_t i = 0; i < plan_count; i++)
        chain_stats(&execs[i], stats);
    json_t *chains = json_array();
    for (size_t i = 0; i < plan_count; i++)
        json_array_append_new(chains, json_string(plans[i].name));
    size_t failure_count = json_array_size(r.failures);
    json_t *summary = json_pack(
        "{s:s, s:s, s:o, s:b, s:O, s:o, s:I, s:I, s:O, s:I}", "command", command, "run_id", r.id,
        "chains", chains, "partial", failure_count > 0, "failures", r.failures, "stats", stats,
        "resources", (json_int_t)r.resource_count, "findings", (json_int_t)r.finding_count,
        "by_severity", r.by_severity, "duration_ms", (json_int_t)(clock_mono_ms() - started));
    if (hist)
        json_object_set(summary, "delta", delta);
    if (strcmp(command, "run") == 0) { /* each chain's playbooks: status, plan and token */
        json_t *playbooks = json_array();
        for (size_t i = 0; i < plan_count; i++)
            chain_playbooks(&execs[i], playbooks);
        json_object_set_new(summary, "playbooks", playbooks);
    }
    report_stats(stats);
    if (output_close(out, summary) != 0 && !app_reader_gone(errno)) {
        log_user_error("writing the results to stdout failed: %m");
        code = EXIT_CODE_INTERNAL;
    } else { /* a reader that stopped early (`| head`) is no failure: it has what it wanted */
        code = exit_code_for(&r, kind == OUTPUT_INVENTORY ? "none" : args->fail_on);
    }
    if (failure_count > 0)
        log_msg(FWK_LOG_ERROR, NULL,
                "partial: %zu failure%s (listed above); results are incomplete", failure_count,
                failure_count == 1 ? "" : "s");
    json_decref(summary);
    run_free(&r);
out:
    json_decref(delta);
    history_close(hist);
    for (size_t i = 0; i < plan_count; i++)
        chain_close(&execs[i]);
    free(execs);
    return code;
}

/* --help and stray words: an exit code, or -1 to go on. */
static int check_usage(const cli_args *args, const char *help, bool takes_words)
{
    if (args->help) {
        fputs(help, stdout);
        return EXIT_CODE_OK;
    }
    if (!takes_words && args->words.count > 0) {
        fprintf(stderr, "fawkes: error: %s takes no arguments (got '%s')\n%s", args->command,
                args->words.items[0], help);
        return EXIT_CODE_USAGE;
    }
    return -1;
}

int cmd_inventory(const cli_args *args)
{
    int code = check_usage(args, inventory_help, false);
    if (code >= 0)
        return code;
    app a;
    code = app_open(&a, args, APP_LOAD_PLUGINS | APP_NEED_CONFIG);
    chain_plan plan = {.name = strdup("inventory")};
    if (code == EXIT_CODE_OK)
        code = select_providers(&a, &plan) != 0
                   ? EXIT_CODE_USAGE
                   : execute(&a, &plan, 1, OUTPUT_INVENTORY, "inventory");
    chain_plan_clear(&plan);
    app_close(&a);
    return code;
}

int cmd_run(const cli_args *args)
{
    bool scan = strcmp(args->command, "scan") == 0;
    int code = check_usage(args, scan ? scan_help : run_help, !scan);
    if (code >= 0)
        return code;
    app a;
    code = app_open(&a, args, APP_LOAD_PLUGINS | APP_NEED_CONFIG);
    chain_plan *plans = NULL;
    size_t plan_count = 0;
    if (code != EXIT_CODE_OK) {
        /* nothing to plan */
    } else if (scan) {
        plans = calloc(1, sizeof *plans);
        plan_count = plans ? 1 : 0;
        if (plans) {
            plans[0].name = strdup("scan");
            all_names(a.cfg, CONFIG_SCANNERS, &plans[0].scanners);
            all_names(a.cfg, CONFIG_POLICIES, &plans[0].policies);
        }
        if (!plans || select_providers(&a, &plans[0]) != 0)
            code = EXIT_CODE_USAGE;
    } else if (plan_chains(&a, &plans, &plan_count) != 0) {
        code = EXIT_CODE_USAGE;
    }
    if (code == EXIT_CODE_OK)
        code = execute(&a, plans, plan_count, OUTPUT_FINDINGS, scan ? "scan" : "run");
    for (size_t i = 0; i < plan_count; i++)
        chain_plan_clear(&plans[i]);
    free(plans);
    app_close(&a);
    return code;
}
