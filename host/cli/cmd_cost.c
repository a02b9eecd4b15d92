/* cmd_cost.c: `fawkes cost [--provider NAME]... [--from T] [--to T]`: billed usage per
   provider over a time range, as a table or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fawkes/fwkx.h"
#include "app.h"
#include "commands.h"
#include "cost_range.h"
#include "exitcode.h"
#include "log.h"
#include "provider_call.h"

static const char cost_help[] =
    "usage: fawkes [-c FILE] cost [--provider NAME]... [--from T] [--to T] [-o table|json]\n"
    "Billed usage of each provider that reports cost (or those named), between --from\n"
    "(default: the first day of this month, 00:00 UTC) and --to (default: now). T is\n"
    "YYYY-MM-DD or an RFC 3339 time. Costs come from each provider's billing API, priced\n"
    "where the provider knows a price (see its README).\n"
    "Exit: 0 ok, 2 usage or config error, 3 partial (a provider failed; said on stderr and in\n"
    "the JSON output).\n";

/* The providers to ask: --provider names (each must offer cost) or every one that does. */
static int select_providers(const app *a, strlist *names)
{
    const cli_args *args = a->args;
    for (size_t i = 0; i < args->providers.count; i++) {
        const char *name = args->providers.items[i];
        config_section section;
        if (config_find_instance(a->cfg, name, &section) && section == CONFIG_PROVIDERS &&
            !provider_offers(&a->engine, name, PROVIDER_COST)) {
            log_user_error("--provider %s: its plugin does not report cost; name a provider whose "
                           "`fawkes plugins inspect` lists the cost capability",
                           name);
            return -1;
        }
        strlist_push(names, name); /* unknown names are reported by provider_open */
    }
    for (size_t i = 0; args->providers.count == 0 && i < a->cfg->instance_count[CONFIG_PROVIDERS];
         i++) {
        const char *name = a->cfg->instances[CONFIG_PROVIDERS][i].name;
        if (provider_offers(&a->engine, name, PROVIDER_COST))
            strlist_push(names, name);
    }
    if (names->count == 0) {
        log_user_error(
            "no provider in %s reports cost (a provider plugin with the cost capability, "
            "such as civo); add one, or name one with --provider",
            a->cfg->path);
        return -1;
    }
    return 0;
}

static const char *text_or(const json_t *item, const char *key, const char *other)
{
    return fwkx_str(item, key, other ? fwkx_str(item, other, "-") : "-");
}

/* `value` with `decimals` digits after the point, or "-" when it is not a number. */
static void number_or_dash(const json_t *value, char *buf, size_t size, int decimals)
{
    if (json_is_number(value))
        snprintf(buf, size, "%.*f", decimals, json_number_value(value));
    else
        snprintf(buf, size, "-");
}

static void print_report(const char *name, const json_t *entry)
{
    const json_t *report = json_object_get(entry, "report");
    const char *currency = text_or(report, "currency", NULL);
    const json_t *items = json_object_get(report, "items"), *item;
    size_t i;
    printf("%s (%s)\n", name, text_or(entry, "plugin", NULL));
    printf("  %-6s  %-24s  %-40s  %8s  %10s\n", "REGION", "CODE", "LABEL", "HOURS", "COST");
    json_array_foreach (items, i, item) {
        char hours[32], cost[32];
        const json_t *h = json_object_get(item, "num_hours");
        number_or_dash(h ? h : json_object_get(item, "hours"), hours, sizeof hours, 0);
        number_or_dash(json_object_get(item, "cost"), cost, sizeof cost, 2);
        printf("  %-6s  %-24.24s  %-40.40s  %8s  %10s\n", text_or(item, "region", NULL),
               text_or(item, "code", "service"), text_or(item, "label", "name"), hours, cost);
    }
    json_int_t unpriced = json_integer_value(json_object_get(report, "unpriced"));
    printf("  total: %.2f %s for %zu charge%s", json_number_value(json_object_get(report, "total")),
           currency, json_array_size(items), json_array_size(items) == 1 ? "" : "s");
    if (unpriced > 0)
        printf(" (%lld without a price: add them to the provider's prices to count them)",
               (long long)unpriced);
    printf("\n");
}

/* Ask one opened provider; its report or its failure goes into `providers` / `failures`. */
static void ask(provider_call *pc, const char *name, const json_t *request, json_t *providers,
                json_t *failures)
{
    json_t *report = NULL;
    char *message = NULL;
    fwk_status status = provider_invoke_cost(pc, request, &report, &message);
    if (status == FWK_OK) {
        json_array_append_new(providers, json_pack("{s:s, s:s, s:o}", "provider", name, "plugin",
                                                   pc->inst->conf->plugin, "report", report));
    } else {
        log_user_error("%s: cost failed (%s): %s", name, fwk_strerror(status), message);
        json_array_append_new(failures,
                              json_pack("{s:s, s:s}", "provider", name, "message", message));
    }
    free(message);
}

static void print_all(const app *a, const char *from, const char *to, const json_t *providers,
                      const json_t *failures)
{
    if (a->args->format == OUTPUT_JSON) {
        json_t *out =
            json_pack("{s:s, s:s, s:O, s:b, s:O}", "from", from, "to", to, "providers", providers,
                      "partial", json_array_size(failures) > 0, "failures", failures);
        char *text = json_dumps(out, JSON_INDENT(2));
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(out);
        return;
    }
    printf("cost from %s to %s\n", from, to);
    size_t i;
    const json_t *entry;
    json_array_foreach (providers, i, entry)
        print_report(json_string_value(json_object_get(entry, "provider")), entry);
}

/* Open every provider first (a config error means nothing is asked: exit 2), then ask each;
   one that cannot start or fails makes the result partial. */
static int cost(app *a, const strlist *names, const char *from, const char *to)
{
    provider_call *calls = calloc(names->count, sizeof *calls);
    int *opened = calloc(names->count, sizeof *opened);
    json_t *request = json_pack("{s:s, s:s}", "from", from, "to", to);
    json_t *providers = json_array(), *failures = json_array();
    int code = calls && opened ? EXIT_CODE_OK : EXIT_CODE_INTERNAL;
    for (size_t i = 0; code == EXIT_CODE_OK && i < names->count; i++) {
        opened[i] = provider_open(&a->engine, names->items[i], PROVIDER_COST, &calls[i]);
        if (opened[i] == EXIT_CODE_USAGE || opened[i] == EXIT_CODE_INTERNAL)
            code = opened[i];
    }
    for (size_t i = 0; code == EXIT_CODE_OK && i < names->count; i++) {
        if (opened[i] == EXIT_CODE_OK)
            ask(&calls[i], names->items[i], request, providers, failures);
        else
            json_array_append_new(failures, json_pack("{s:s, s:s}", "provider", names->items[i],
                                                      "message", "could not start (see above)"));
    }
    if (code == EXIT_CODE_OK) {
        print_all(a, from, to, providers, failures);
        if (json_array_size(failures) > 0) {
            log_msg(FWK_LOG_ERROR, NULL, "partial: %zu provider%s failed (listed above)",
                    json_array_size(failures), json_array_size(failures) == 1 ? "" : "s");
            code = EXIT_CODE_PARTIAL;
        }
    }
    for (size_t i = 0; calls && i < names->count; i++)
        provider_close(&calls[i]);
    free(calls);
    free(opened);
    json_decref(request);
    json_decref(providers);
    json_decref(failures);
    return code;
}

int cmd_cost(const cli_args *args)
{
    if (args->help) {
        fputs(cost_help, stdout);
        return EXIT_CODE_OK;
    }
    if (args->words.count > 0) {
        fprintf(stderr, "fawkes: error: cost takes no arguments (got '%s')\n%s",
                args->words.items[0], cost_help);
        return EXIT_CODE_USAGE;
    }
    if (args->format != OUTPUT_TABLE && args->format != OUTPUT_JSON) {
        fprintf(stderr, "fawkes: error: cost prints -o table or -o json, not -o %s\n",
                output_format_name(args->format));
        return EXIT_CODE_USAGE;
    }
    char from[COST_TIME_MAX], to[COST_TIME_MAX];
    diag err = {{0}};
    if (cost_range(args->from, args->to, time(NULL), from, to, &err) != 0) {
        log_user_error("%s", err.text);
        return EXIT_CODE_USAGE;
    }
    app a;
    int code = app_open(&a, args, APP_LOAD_PLUGINS | APP_NEED_CONFIG);
    strlist names = {0};
    if (code == EXIT_CODE_OK)
        code = select_providers(&a, &names) != 0 ? EXIT_CODE_USAGE : cost(&a, &names, from, to);
    strlist_clear(&names);
    app_close(&a);
    return code;
}
