/* cmd_provision.c: `fawkes provision cluster|database|bucket create|delete --provider NAME
   --spec FILE [--apply]`: plan (and with --apply send) a provider's create or delete calls. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "commands.h"
#include "exitcode.h"
#include "log.h"
#include "provider_call.h"
#include "provision_spec.h"

static const char provision_help[] =
    "usage: fawkes [-c FILE] provision cluster|database|bucket create|delete --provider NAME\n"
    "                 --spec FILE [--apply] [-o table|json]\n"
    "Maps a provider-neutral spec (YAML or JSON: name, region, size, nodes, version, engine,\n"
    "network_id; id for delete) to the provider's API calls. Without --apply it prints the\n"
    "exact requests it would send (secrets redacted) and sends nothing; with --apply it sends\n"
    "them and prints the answers. Both are recorded in security.audit_log when set.\n"
    "Exit: 0 ok, 2 usage, config or spec error (nothing sent), 3 the provider failed or\n"
    "refused (its error is printed).\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fprintf(stderr, "fawkes: error: %s\n%s", message, provision_help);
    return EXIT_CODE_USAGE;
}

/* Check the words and options; an exit code, or -1 to go on. */
static int check_args(const cli_args *args)
{
    if (args->help) {
        fputs(provision_help, stdout);
        return EXIT_CODE_OK;
    }
    if (args->words.count < 2)
        return usage_error("provision needs WHAT and OP, e.g. `provision cluster create`");
    if (!provision_what_known(args->words.items[0]))
        return usage_error("provision %s: WHAT is cluster, database or bucket",
                           args->words.items[0]);
    if (!provision_op_known(args->words.items[1]))
        return usage_error("provision: OP is create or delete, got '%s'", args->words.items[1]);
    if (args->words.count > 2)
        return usage_error("provision takes two words (WHAT OP); got '%s' too",
                           args->words.items[2]);
    if (args->providers.count != 1)
        return usage_error("provision needs exactly one --provider NAME");
    if (!args->spec)
        return usage_error("provision needs --spec FILE (YAML or JSON)");
    if (args->format != OUTPUT_TABLE && args->format != OUTPUT_JSON)
        return usage_error("provision prints -o table or -o json, not -o %s",
                           output_format_name(args->format));
    return -1;
}

/* One planned or sent request, as people read it. */
static void print_request(const json_t *request, const json_t *response)
{
    const json_t *body = json_object_get(request, "body");
    printf("  %s %s\n", json_string_value(json_object_get(request, "method")),
           json_string_value(json_object_get(request, "url")));
    if (body && !json_is_null(body)) {
        char *text = json_dumps(body, JSON_COMPACT);
        printf("    body: %s\n", text ? text : "?");
        free(text);
    }
    if (response) {
        char *text = json_dumps(json_object_get(response, "body"), JSON_COMPACT | JSON_ENCODE_ANY);
        printf("    -> HTTP %lld %s\n",
               (long long)json_integer_value(json_object_get(response, "status")),
               text ? text : "");
        free(text);
    }
}

static void print_table(const char *provider, const json_t *result, bool apply)
{
    const json_t *requests = json_object_get(result, "requests");
    const json_t *responses = json_object_get(result, "responses");
    size_t count = json_array_size(requests);
    if (apply)
        printf("%s: sent %zu request%s:\n", provider, count, count == 1 ? "" : "s");
    else
        printf("%s: dry run: would send %zu request%s (nothing was sent; add --apply to send "
               "%s):\n",
               provider, count, count == 1 ? "" : "s", count == 1 ? "it" : "them");
    size_t i;
    const json_t *request;
    json_array_foreach (requests, i, request)
        print_request(request, json_array_get(responses, i));
}

/* provision.planned / provision.executed in security.audit_log. Returns 0, or -1 (printed). */
static int audit(const app *a, const provider_call *pc, bool apply, const json_t *spec,
                 const json_t *result, const char *failure)
{
    if (!a->cfg->audit_log)
        return 0;
    json_t *entry =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:b, s:b, s:O?, s:s?}", "event",
                  apply ? "provision.executed" : "provision.planned", "instance",
                  pc->inst->conf->name, "plugin", pc->inst->conf->plugin, "what",
                  a->args->words.items[0], "op", a->args->words.items[1], "spec", spec, "dry_run",
                  !apply, "ok", failure == NULL, "result", result, "reason", failure);
    diag err = {{0}};
    if (audit_append(a->cfg->audit_log, entry, &err) != 0) {
        log_user_error("security.audit_log: %s", err.text);
        return -1;
    }
    return 0;
}

static int provision(app *a, const json_t *spec)
{
    const cli_args *args = a->args;
    const char *name = args->providers.items[0];
    provider_call pc;
    int code = provider_open(&a->engine, name, PROVIDER_PROVISION, &pc);
    if (code != EXIT_CODE_OK) {
        provider_close(&pc);
        return code;
    }
    json_t *result = NULL;
    char *message = NULL;
    fwk_status status = provider_invoke_provision(&pc, args->words.items[0], args->words.items[1],
                                                  spec, !args->apply, &result, &message);
    if (status != FWK_OK) {
        log_user_error("%s: provision %s %s%s failed (%s): %s", name, args->words.items[0],
                       args->words.items[1], args->apply ? "" : " (dry run)", fwk_strerror(status),
                       message);
        code = status == FWK_UNSUPPORTED ? EXIT_CODE_USAGE : EXIT_CODE_PARTIAL;
    } else if (args->format == OUTPUT_JSON) {
        json_t *out = json_pack("{s:s, s:s, s:O}", "provider", name, "plugin",
                                pc.inst->conf->plugin, "result", result);
        char *text = json_dumps(out, JSON_INDENT(2));
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(out);
    } else {
        print_table(name, result, args->apply);
    }
    if (audit(a, &pc, args->apply, spec, result, message) != 0 && code == EXIT_CODE_OK)
        code = EXIT_CODE_INTERNAL;
    free(message);
    json_decref(result);
    provider_close(&pc);
    return code;
}

int cmd_provision(const cli_args *args)
{
    int code = check_args(args);
    if (code >= 0)
        return code;
    app a;
    code = app_open(&a, args, APP_LOAD_PLUGINS | APP_NEED_CONFIG);
    if (code == EXIT_CODE_OK) {
        json_t *spec = NULL;
        diag err = {{0}};
        if (provision_spec_load(args->spec, args->words.items[0], args->words.items[1], &spec,
                                &err) != 0) {
            log_user_error("%s", err.text);
            code = EXIT_CODE_USAGE;
        } else {
            code = provision(&a, spec);
        }
        json_decref(spec);
    }
    app_close(&a);
    return code;
}
