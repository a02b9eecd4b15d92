/* cmd_provision.c: `fawkes provision cluster|database|bucket create|delete --provider NAME
   --spec FILE [--apply]`: plan (and with --apply send) a provider's create or delete calls. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "app.h"
#include "approval.h"
#include "audit.h"
#include "clock.h"
#include "commands.h"
#include "exitcode.h"
#include "log.h"
#include "provider_call.h"
#include "provision_spec.h"
#include "state.h"

/* The label that protects any resource from deletion, whatever its provider. */
#define PROTECTED_LABEL "fawkes.io/protected"

static const char provision_help[] =
    "usage: fawkes [-c FILE] provision cluster|database|bucket create|delete --provider NAME\n"
    "                 --spec FILE [--apply [--approve TOKEN]] [-o table|json]\n"
    "Maps a provider-neutral spec (YAML or JSON: name, region, size, nodes, version, engine,\n"
    "network_id; id or name for delete; force) to the provider's API calls. Without --apply\n"
    "it prints the exact requests it would send (secrets redacted) and sends nothing; with\n"
    "--apply it sends them and prints the answers. A delete (or a plan the provider marks\n"
    "high-risk) needs approval: its dry run prints a plan token, valid 24 hours, and --apply\n"
    "must carry --approve TOKEN for that exact plan. A target labelled fawkes.io/protected or\n"
    "with deletion protection is refused unless the spec says force: true. Everything is\n"
    "recorded in security.audit_log when set.\n"
    "Exit: 0 ok, 2 usage, config or spec error, approval missing, wrong or expired, or a\n"
    "protected target (nothing sent), 3 the provider failed or refused (its error is printed).\n";

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
        char *text =
            json_is_string(body) ? strdup(json_string_value(body)) : json_dumps(body, JSON_COMPACT);
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

/* provision.planned / .refused / .executed in security.audit_log, with the plan token when the
   plan needs one. Returns 0, or -1 (printed). */
static int audit(const app *a, const provider_call *pc, const char *event, const json_t *spec,
                 const json_t *result, const char *token, const char *failure)
{
    if (!a->cfg->audit_log)
        return 0;
    bool apply = a->args->apply;
    json_t *entry =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:b, s:b, s:O?, s:s?, s:s?, s:s?}", "event",
                  event, "instance", pc->inst->conf->name, "plugin", pc->inst->conf->plugin, "what",
                  a->args->words.items[0], "op", a->args->words.items[1], "spec", spec, "dry_run",
                  !apply, "ok", failure == NULL, "result", result, "reason", failure, "token",
                  token, "approved", apply && token ? token : NULL);
    diag err = {{0}};
    if (audit_append(a->cfg->audit_log, entry, &err) != 0) {
        log_user_error("security.audit_log: %s", err.text);
        return -1;
    }
    return 0;
}

/* Is this resource (a normalized resource a delete would remove) protected from deletion:
   the label fawkes.io/protected (any value but "false"), or the provider's own deletion
   protection flag (attributes.deletion_protection / deletionProtection / DeletionProtection
   true)? */
static bool is_protected(const json_t *resource)
{
    const json_t *label = json_object_get(json_object_get(resource, "labels"), PROTECTED_LABEL);
    if (label && !(json_is_string(label) && strcmp(json_string_value(label), "false") == 0))
        return true;
    const json_t *attributes = json_object_get(resource, "attributes");
    static const char *const flags[] = {"deletion_protection", "deletionProtection",
                                        "DeletionProtection"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (json_is_true(json_object_get(attributes, flags[i])))
            return true;
    return false;
}

/* The first protected target of a planned delete, or NULL. */
static const json_t *protected_target(const json_t *planned)
{
    size_t i;
    const json_t *target;
    json_array_foreach (json_object_get(planned, "targets"), i, target)
        if (is_protected(target))
            return target;
    return NULL;
}

/* What a token says of the targets: which resources (uid) and whether each is protected, not
   their volatile state (a database's status changes between the dry run and the apply). */
static json_t *targets_covered(const json_t *planned)
{
    const json_t *targets = json_object_get(planned, "targets");
    if (!targets)
        return NULL;
    json_t *covered = json_array();
    size_t i;
    const json_t *target;
    json_array_foreach (targets, i, target)
        json_array_append_new(covered, json_pack("{s:s, s:b}", "uid", fwkx_str(target, "uid", ""),
                                                 "protected", is_protected(target)));
    return covered;
}

/* The plan a token covers: the provider, the command, the spec and the exact requests (and
   which resources they would remove). New reference. */
static json_t *plan_of(const app *a, const provider_call *pc, const json_t *spec,
                       const json_t *planned)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:o*}", "provider", pc->inst->conf->name,
                     "plugin", pc->inst->conf->plugin, "what", a->args->words.items[0], "op",
                     a->args->words.items[1], "spec", spec, "requests",
                     json_object_get(planned, "requests"), "targets", targets_covered(planned));
}

/* Refuse: say why on stderr (and in -o json), audit it; exit 2, nothing sent. */
static int refuse(app *a, provider_call *pc, const json_t *spec, const json_t *planned,
                  const char *token, const char *why)
{
    log_user_error("%s: provision %s %s: %s", pc->inst->conf->name, a->args->words.items[0],
                   a->args->words.items[1], why);
    if (a->args->format == OUTPUT_JSON) {
        json_t *out = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:O?}", "provider",
                                pc->inst->conf->name, "plugin", pc->inst->conf->plugin, "status",
                                "refused", "token", token, "refusal", why, "result", planned);
        char *text = json_dumps(out, JSON_INDENT(2));
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(out);
    }
    audit(a, pc, "provision.refused", spec, planned, token, why);
    return EXIT_CODE_USAGE;
}

static void print_result(const app *a, const provider_call *pc, const json_t *result,
                         const char *status, const char *token)
{
    const cli_args *args = a->args;
    const char *name = pc->inst->conf->name;
    if (args->format == OUTPUT_JSON) {
        json_t *out = json_pack("{s:s, s:s, s:s, s:s?, s:b, s:O}", "provider", name, "plugin",
                                pc->inst->conf->plugin, "status", status, "token", token,
                                "needs_approval", token != NULL, "result", result);
        char *text = json_dumps(out, JSON_INDENT(2));
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(out);
        return;
    }
    print_table(name, result, args->apply);
    if (token && !args->apply)
        printf("plan token: %s\n"
               "  this plan needs approval; it is valid for %lld hours. To apply exactly it:\n"
               "  fawkes provision %s %s --provider %s --spec %s --apply --approve %s\n",
               token, (long long)(APPROVAL_TTL_MS / 3600000), args->words.items[0],
               args->words.items[1], name, args->spec, token);
}

/* Open the state file the plan tokens live in; NULL after printing why. */
static state_store *open_state(const app *a)
{
    state_store *st = NULL;
    diag err = {{0}};
    if (state_open(state_path_for(a->cfg), &st, &err) != 0) {
        log_user_error("plan tokens: %s", err.text);
        return NULL;
    }
    return st;
}

/* The dry run that every provision starts with: what would be sent. EXIT_CODE_OK with
 *planned set, or the exit code after printing why. */
static int plan_requests(app *a, provider_call *pc, const json_t *spec, json_t **planned)
{
    const cli_args *args = a->args;
    char *message = NULL;
    fwk_status status = provider_invoke_provision(pc, args->words.items[0], args->words.items[1],
                                                  spec, 1, planned, &message);
    if (status == FWK_OK) {
        free(message);
        return EXIT_CODE_OK;
    }
    log_user_error("%s: provision %s %s (dry run) failed (%s): %s", pc->inst->conf->name,
                   args->words.items[0], args->words.items[1], fwk_strerror(status), message);
    audit(a, pc, "provision.planned", spec, NULL, NULL, message);
    free(message);
    return status == FWK_UNSUPPORTED ? EXIT_CODE_USAGE : EXIT_CODE_PARTIAL;
}

/*
 * One rule for every mutation: a provision that deletes, or that the provider marks
 * "risk": "high", needs approval. Its dry run prints the plan and a token (recorded in the
 * state file); --apply must carry --approve with that token, for that same plan, within
 * APPROVAL_TTL_MS. A protected target (is_protected) is refused unless the spec says
 * force: true (the token then covers the force).
 */
static int provision(app *a, const json_t *spec)
{
    const cli_args *args = a->args;
    const char *name = args->providers.items[0];
    provider_call pc;
    int code = provider_open(&a->engine, name, PROVIDER_PROVISION, &pc);
    json_t *planned = NULL, *plan = NULL, *result = NULL;
    state_store *st = NULL;
    char token_text[65] = "", subject[512];
    const char *token = NULL;
    if (code != EXIT_CODE_OK || (code = plan_requests(a, &pc, spec, &planned)) != EXIT_CODE_OK)
        goto out;
    bool high = strcmp(args->words.items[1], "delete") == 0 ||
                strcmp(fwkx_str(planned, "risk", ""), "high") == 0;
    snprintf(subject, sizeof subject, "provision %s %s %s", name, args->words.items[0],
             args->words.items[1]);
    plan = plan_of(a, &pc, spec, planned);
    if (high) {
        if (!plan || approval_token(subject, plan, token_text) != 0) {
            log_user_error("out of memory");
            code = EXIT_CODE_INTERNAL;
            goto out;
        }
        token = token_text;
    }
    const json_t *guarded = protected_target(planned);
    if (guarded && !json_is_true(json_object_get(spec, "force"))) {
        char why[1024];
        snprintf(why, sizeof why,
                 "%s is protected from deletion (label %s or the provider's deletion "
                 "protection); nothing was sent. To delete it anyway add `force: true` to the "
                 "spec: the plan token then covers the force",
                 fwkx_str(guarded, "uid", "the target"), PROTECTED_LABEL);
        code = refuse(a, &pc, spec, planned, NULL, why);
        goto out;
    }
    if (!args->apply) {
        diag err = {{0}};
        if (high &&
            (!(st = open_state(a)) || approval_record(st, token, subject, plan, &err) != 0)) {
            if (st)
                log_user_error("plan tokens: %s", err.text);
            code = EXIT_CODE_USAGE;
            goto out;
        }
        print_result(a, &pc, planned, "planned", token);
        if (audit(a, &pc, "provision.planned", spec, planned, token, NULL) != 0)
            code = EXIT_CODE_INTERNAL;
        goto out;
    }
    if (high || args->approve) {
        diag err = {{0}};
        if (!args->approve) {
            char why[512];
            snprintf(why, sizeof why,
                     "approval needed: a %s is a high-risk change; review the plan (run without "
                     "--apply), then run with --apply --approve TOKEN (the token it prints)",
                     strcmp(args->words.items[1], "delete") == 0 ? "delete"
                                                                 : "plan marked high-risk");
            code = refuse(a, &pc, spec, planned, token, why);
            goto out;
        }
        if (!token && approval_token(subject, plan, token_text) == 0)
            token = token_text;
        if (!(st = open_state(a))) {
            code = EXIT_CODE_USAGE;
            goto out;
        }
        if (approval_check(st, args->approve, subject, plan, clock_wall_ms(), &err) != 0) {
            code = refuse(a, &pc, spec, planned, token, err.text);
            goto out;
        }
    }
    char *message = NULL;
    fwk_status status = provider_invoke_provision(&pc, args->words.items[0], args->words.items[1],
                                                  spec, 0, &result, &message);
    if (status != FWK_OK) {
        log_user_error("%s: provision %s %s failed (%s): %s", name, args->words.items[0],
                       args->words.items[1], fwk_strerror(status), message);
        code = status == FWK_UNSUPPORTED ? EXIT_CODE_USAGE : EXIT_CODE_PARTIAL;
    } else {
        print_result(a, &pc, result, "applied", args->approve ? token : NULL);
    }
    if (st && args->approve) {
        diag err = {{0}};
        if (approval_consume(st, args->approve, &err) != 0)
            log_user_error("plan tokens: %s", err.text); /* sent already: say it, keep the code */
    }
    if (audit(a, &pc, "provision.executed", spec, result, args->approve ? token : NULL, message) !=
            0 &&
        code == EXIT_CODE_OK)
        code = EXIT_CODE_INTERNAL;
    free(message);
out:
    state_close(st);
    json_decref(plan);
    json_decref(planned);
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
