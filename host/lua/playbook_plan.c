/* playbook_plan.c: the guard rails: plan token, cooldowns, circuit breakers, approval, audit,
   and executing an approved plan step by step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit.h"
#include "exitcode.h"
#include "http.h"
#include "log.h"
#include "playbook_internal.h"
#include "state.h"
#include "clock.h"

static bool is_type(const json_t *step, const char *type)
{
    const char *t = json_string_value(json_object_get(step, "type"));
    return t && strcmp(t, type) == 0;
}

static bool is_status(const json_t *step, const char *status)
{
    const char *st = json_string_value(json_object_get(step, "status"));
    return st && strcmp(st, status) == 0;
}

/* Actions and provisions are what the token covers: the changes to infrastructure. */
static bool is_change(const json_t *step)
{
    return is_type(step, "action") || is_type(step, "provision");
}

static int compare_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the entries by their canonical text: providers list resources in task-completion
   order, so the same plan may be made in another order; the token must not depend on it. */
static void sort_entries(json_t *plan)
{
    size_t n = json_array_size(plan);
    char **texts = calloc(n + 1, sizeof *texts);
    if (!texts)
        return;
    for (size_t i = 0; i < n; i++)
        texts[i] = json_dumps(json_array_get(plan, i), JSON_COMPACT | JSON_SORT_KEYS);
    for (size_t i = 0; i < n; i++)
        if (!texts[i])
            goto out;
    qsort(texts, n, sizeof *texts, compare_text);
    json_array_clear(plan);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(plan, json_loads(texts[i], 0, NULL));
out:
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
}

json_t *pb_plan_canonical(const pb_session *s)
{
    json_t *plan = json_array();
    size_t i;
    json_t *step;
    json_array_foreach (s->steps, i, step) {
        if (!is_change(step) || !is_status(step, "planned"))
            continue;
        json_t *entry = json_object();
        static const char *const keys[] = {"type", "instance", "resource", "action", "params",
                                           "what", "op",       "spec",     "risk",   NULL};
        for (size_t k = 0; keys[k]; k++) {
            json_t *v = json_object_get(step, keys[k]);
            if (v)
                json_object_set(entry, keys[k], v);
        }
        json_array_append_new(plan, entry);
    }
    sort_entries(plan);
    return plan;
}

void pb_plan_token(const pb_session *s, const json_t *canonical, char token[65])
{
    char *text = json_dumps(canonical, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    static const char domain[] = "fawkes-plan-v1\n";
    token[0] = '\0';
    if (md && text && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(md, domain, sizeof domain - 1) == 1 &&
        EVP_DigestUpdate(md, s->name, strlen(s->name)) == 1 && EVP_DigestUpdate(md, "\n", 1) == 1 &&
        EVP_DigestUpdate(md, text, strlen(text)) == 1 &&
        EVP_DigestFinal_ex(md, digest, &len) == 1) {
        for (unsigned int i = 0; i < len && i < 32; i++)
            snprintf(token + 2 * i, 3, "%02x", digest[i]);
    }
    EVP_MD_CTX_free(md);
    free(text);
}

/* One line a person reads for a plan entry. */
static char *describe(const json_t *entry)
{
    json_t *shown = json_deep_copy(entry);
    json_object_del(shown, "type");
    char *text = json_dumps(shown, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(shown);
    char *line = NULL;
    if (asprintf(&line, "%s %s", json_string_value(json_object_get(entry, "type")),
                 text ? text : "?") < 0)
        line = NULL;
    free(text);
    return line;
}

static bool contains(const json_t *plan, const json_t *entry)
{
    size_t i;
    json_t *e;
    json_array_foreach (plan, i, e) {
        if (json_equal(e, (json_t *)entry))
            return true;
    }
    return false;
}

/* {"added": [...], "removed": [...]} between the approved plan and the plan made now. */
static json_t *plan_difference(const json_t *approved, const json_t *now)
{
    json_t *added = json_array(), *removed = json_array();
    size_t i;
    json_t *e;
    json_array_foreach (now, i, e) {
        if (!contains(approved, e)) {
            char *line = describe(e);
            json_array_append_new(added, json_string(line ? line : "?"));
            free(line);
        }
    }
    json_array_foreach (approved, i, e) {
        if (!contains(now, e)) {
            char *line = describe(e);
            json_array_append_new(removed, json_string(line ? line : "?"));
            free(line);
        }
    }
    return json_pack("{s:o, s:o}", "added", added, "removed", removed);
}

static const char *audit_path(const pb_session *s)
{
    return s->a->cfg->audit_log ? s->a->cfg->audit_log : state_default_audit_log();
}

/* Append one audit entry for `step`. Returns 0 or -1 with err set. */
static int audit_step(pb_session *s, const json_t *step, const char *event, const char *token,
                      const char *reason, const json_t *outcome, diag *err)
{
    json_t *entry = json_pack("{s:s, s:s, s:s, s:b}", "event", event, "run_id", pb_run_id(s),
                              "playbook", s->name, "dry_run", !s->opts->apply);
    static const char *const keys[] = {"step",   "type",   "instance", "plugin", "resource",
                                       "action", "params", "what",     "op",     "spec",
                                       "risk",   "method", "url",      NULL};
    for (size_t k = 0; keys[k]; k++) {
        json_t *v = json_object_get(step, keys[k]);
        if (v)
            json_object_set(entry, keys[k], v);
    }
    if (token)
        json_object_set_new(entry, "token", json_string(token));
    if (reason)
        json_object_set_new(entry, "reason", json_string(reason));
    if (outcome)
        json_object_set(entry, "result", (json_t *)outcome);
    return audit_append(audit_path(s), entry, err);
}

/* Mark steps on resources still in their cooldown as skipped. */
static int apply_cooldowns(pb_session *s, state_store *st)
{
    int64_t now = clock_wall_ms();
    size_t i;
    json_t *step;
    json_array_foreach (s->steps, i, step) {
        if (!is_type(step, "action") || json_object_get(step, "status"))
            continue;
        const char *uid = json_string_value(json_object_get(step, "resource"));
        int64_t last = uid && s->limits.cooldown_ms > 0 ? pb_cooldown_last(st, s->name, uid) : 0;
        if (last > 0 && now - last < s->limits.cooldown_ms) {
            char reason[512];
            long long left_s = (long long)((s->limits.cooldown_ms - (now - last)) / 1000);
            snprintf(reason, sizeof reason,
                     "cooldown: this playbook acted on %s %lld s ago; the next action is "
                     "allowed in %lld s (cooldown %ld s)",
                     uid, (long long)((now - last) / 1000), left_s, s->limits.cooldown_ms / 1000);
            json_object_set_new(step, "status", json_string("skipped"));
            json_object_set_new(step, "reason", json_string(reason));
            log_msg(FWK_LOG_WARN, s->name, "step %zu skipped: %s", i + 1, reason);
        }
    }
    json_array_foreach (s->steps, i, step) {
        if (!json_object_get(step, "status"))
            json_object_set_new(step, "status", json_string("planned"));
    }
    return 0;
}

/* The circuit breakers over the planned changes; a refusal text or NULL. */
static char *breaker_refusal(const pb_session *s, const json_t *plan)
{
    size_t count = json_array_size(plan);
    char *text = NULL;
    if (count > (size_t)s->limits.max_actions) {
        if (asprintf(&text,
                     "circuit breaker: %zu actions planned, more than max_actions %d; nothing "
                     "was executed (narrow the playbook, or raise playbooks.max_actions)",
                     count, s->limits.max_actions) < 0)
            text = NULL;
        return text;
    }
    size_t matched = s->matched.count;
    json_t *acted = json_object();
    size_t i;
    json_t *e;
    json_array_foreach (plan, i, e) {
        const char *uid = json_string_value(json_object_get(e, "resource"));
        if (uid)
            json_object_set_new(acted, uid, json_true());
    }
    size_t acted_count = json_object_size(acted);
    json_decref(acted);
    if (matched > 0 && (double)acted_count * 100.0 > s->limits.max_percent * (double)matched) {
        if (asprintf(&text,
                     "circuit breaker: actions on %zu of %zu matched resources (%.1f%%), more "
                     "than max_percent %g%%; nothing was executed",
                     acted_count, matched, 100.0 * (double)acted_count / (double)matched,
                     s->limits.max_percent) < 0)
            text = NULL;
    }
    return text;
}

static bool has_high_risk(const json_t *plan)
{
    size_t i;
    json_t *e;
    json_array_foreach (plan, i, e) {
        const char *risk = json_string_value(json_object_get(e, "risk"));
        if (risk && strcmp(risk, "high") == 0)
            return true;
    }
    return false;
}

/* The steps as shown: without the internal "_" fields. */
static json_t *shown_steps(const pb_session *s)
{
    json_t *out = json_array();
    size_t i;
    json_t *step;
    json_array_foreach (s->steps, i, step) {
        json_t *copy = json_object();
        const char *key;
        json_t *value;
        json_object_foreach (step, key, value) {
            if (key[0] != '_')
                json_object_set(copy, key, value);
        }
        json_array_append_new(out, copy);
    }
    return out;
}

/* ---- execution ---- */

static int execute_change(pb_session *s, json_t *step, state_store *st, const char *token)
{
    diag err = {{0}};
    const char *name = json_string_value(json_object_get(step, "instance"));
    bool is_action = is_type(step, "action");
    instance *inst = pb_provider(s, name, &err);
    fwk_status status = FWK_ERROR;
    json_t *outcome = NULL;
    char *message = NULL;
    if (inst) {
        const fwk_provider_vtable *vt = inst->plug->desc->vtable;
        fwk_ctx ctx;
        ctx_init(&ctx, &s->own, inst, is_action ? "run_action" : "provision", NULL);
        if (is_action)
            status = vt->run_action(&ctx, inst->state, json_object_get(step, "_resource"),
                                    json_string_value(json_object_get(step, "action")),
                                    json_object_get(step, "params"), 0, &outcome);
        else
            status =
                vt->provision(&ctx, inst->state, json_string_value(json_object_get(step, "what")),
                              json_string_value(json_object_get(step, "op")),
                              json_object_get(step, "spec"), 0, &outcome);
        if (status != FWK_OK)
            message = strdup(ctx.message ? ctx.message : fwk_strerror(status));
        ctx_finish(&ctx);
    } else {
        message = strdup(err.text);
    }
    log_redact_json(outcome);
    const char *event = is_action ? (status == FWK_OK ? "action.executed" : "action.failed")
                                  : (status == FWK_OK ? "provision.executed" : "provision.failed");
    json_object_set_new(step, "status", json_string(status == FWK_OK ? "executed" : "failed"));
    if (outcome)
        json_object_set(step, "result", outcome);
    if (message)
        json_object_set_new(step, "reason", json_string(message));
    if (audit_step(s, step, event, token, message, outcome, &err) != 0)
        pb_failure(s, "audit", "%s", err.text);
    const char *uid = json_string_value(json_object_get(step, "resource"));
    if (uid && pb_cooldown_mark(st, s->name, uid, clock_wall_ms(), &err) != 0)
        pb_failure(s, "cooldown", "%s", err.text);
    if (status != FWK_OK)
        pb_failure(s, is_action ? "action" : "provision", "step %" JSON_INTEGER_FORMAT " (%s): %s",
                   json_integer_value(json_object_get(step, "step")),
                   uid ? uid : json_string_value(json_object_get(step, "what")),
                   message ? message : "failed");
    free(message);
    json_decref(outcome);
    return status == FWK_OK ? 0 : -1;
}

static void execute_notify(pb_session *s, json_t *step)
{
    diag err = {{0}};
    const char *name = json_string_value(json_object_get(step, "instance"));
    instance *inst = pb_instance(s, CONFIG_NOTIFIERS, name, &err);
    if (!inst) {
        pb_failure(s, "notify", "%s", err.text);
        json_object_set_new(step, "status", json_string("failed"));
        return;
    }
    const fwk_notifier_vtable *vt = inst->plug->desc->vtable;
    fwk_ctx ctx;
    ctx_init(&ctx, &s->own, inst, "notify", NULL);
    fwk_status status = vt->notify(&ctx, inst->state, json_object_get(step, "message"));
    json_object_set_new(step, "status", json_string(status == FWK_OK ? "executed" : "failed"));
    if (status != FWK_OK)
        pb_failure(s, "notify", "%s: %s", name, ctx.message ? ctx.message : fwk_strerror(status));
    else
        instance_count(inst, "messages_sent", 1);
    ctx_finish(&ctx);
}

static void execute_http(pb_session *s, json_t *step)
{
    const json_t *all = json_object_get(step, "_headers");
    size_t count = json_object_size(all), n = 0;
    fwk_http_header *headers = calloc(count + 1, sizeof *headers);
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)all, key, value) {
        if (headers)
            headers[n++] = (fwk_http_header){key, json_string_value(value)};
    }
    const json_t *body = json_object_get(step, "_body");
    fwk_http_request request = {
        .struct_size = sizeof request,
        .method = json_string_value(json_object_get(step, "method")),
        .url = json_string_value(json_object_get(step, "_url")),
        .headers = headers,
        .header_count = n,
        .body = json_string_length(body) ? json_string_value(body) : NULL,
        .body_len = json_string_length(body),
        .timeout_ms = (long)json_integer_value(json_object_get(step, "_timeout_ms")),
        .flags = FWK_HTTP_MUTATING,
    };
    fwk_http_response *response = NULL;
    diag err = {{0}};
    fwk_status status = http_client_send(s->http, &request, &response, &err, NULL, NULL);
    free(headers);
    if (status == FWK_OK && response->status < 400) {
        json_object_set_new(step, "status", json_string("executed"));
        json_object_set_new(step, "http_status", json_integer(response->status));
    } else {
        json_object_set_new(step, "status", json_string("failed"));
        if (status == FWK_OK)
            pb_failure(s, "http", "%s %s: HTTP %ld", request.method,
                       json_string_value(json_object_get(step, "url")), response->status);
        else
            pb_failure(s, "http", "%s", err.text);
    }
    http_response_free(response);
}

#define STOPPED_REASON "fawkes was asked to stop (SIGINT or SIGTERM)"

/* Execute the planned steps in order; after SIGINT/SIGTERM the rest are skipped. */
static void execute_plan(pb_session *s, state_store *st, const char *token)
{
    size_t i;
    json_t *step;
    size_t stopped = 0;
    json_array_foreach (s->steps, i, step) {
        if (!is_status(step, "planned"))
            continue;
        if (run_cancel_requested()) { /* SIGINT/SIGTERM: run no further step */
            json_object_set_new(step, "status", json_string("skipped"));
            json_object_set_new(step, "reason", json_string(STOPPED_REASON));
            diag audit_err = {{0}};
            if (is_change(step) &&
                audit_step(s, step, "action.skipped", token, STOPPED_REASON, NULL, &audit_err) != 0)
                pb_failure(s, "audit", "%s", audit_err.text);
            stopped++;
            continue;
        }
        if (is_change(step))
            execute_change(s, step, st, token);
        else if (is_type(step, "notify"))
            execute_notify(s, step);
        else if (is_type(step, "http"))
            execute_http(s, step);
    }
    if (stopped) {
        pb_failure(s, "apply", "%zu step%s not run and the state writes not stored: %s", stopped,
                   stopped == 1 ? "" : "s", STOPPED_REASON);
        return;
    }
    diag err = {{0}};
    if (st && pb_state_write(st, s->name, s->state_writes, &err) != 0)
        pb_failure(s, "state", "%s", err.text);
}

/* Audit every step as planned (or skipped/failed at planning). */
static int audit_planned(pb_session *s, const char *token, diag *err)
{
    size_t i;
    json_t *step;
    json_array_foreach (s->steps, i, step) {
        if (!is_change(step))
            continue;
        const char *event = is_status(step, "planned")   ? "action.planned"
                            : is_status(step, "skipped") ? "action.skipped"
                                                         : "action.failed";
        const char *reason = json_string_value(json_object_get(step, "reason"));
        if (is_type(step, "provision") && is_status(step, "planned"))
            event = "provision.planned";
        if (audit_step(s, step, event, token, reason, NULL, err) != 0)
            return -1;
    }
    return 0;
}

/* Refuse the whole plan: every planned change is audited as skipped with `why`. */
static int refuse(pb_session *s, json_t *result, const char *token, const char *why, diag *err)
{
    size_t i;
    json_t *step;
    json_array_foreach (s->steps, i, step) {
        if (!is_status(step, "planned"))
            continue;
        json_object_set_new(step, "status", json_string("refused"));
        diag audit_err = {{0}};
        if (is_change(step) &&
            audit_step(s, step, "action.skipped", token, why, NULL, &audit_err) != 0)
            pb_failure(s, "audit", "%s", audit_err.text);
    }
    json_object_set_new(result, "status", json_string("refused"));
    json_object_set_new(result, "refusal", json_string(why));
    diag_set(err, "%s", why);
    return EXIT_CODE_USAGE;
}

int pb_guard_and_apply(pb_session *s, json_t *result, diag *err)
{
    bool changes = false;
    size_t k;
    json_t *any;
    json_array_foreach (s->steps, k, any)
        changes = changes || is_change(any);
    /* A playbook that changes nothing needs no state file unless it stores state. */
    state_store *st = changes || (s->opts->apply && json_object_size(s->state_writes) > 0)
                          ? pb_store(s, err)
                          : NULL;
    if (!st && (changes || (s->opts->apply && json_object_size(s->state_writes) > 0)))
        return EXIT_CODE_USAGE;
    if (st)
        apply_cooldowns(s, st);
    else
        json_array_foreach (s->steps, k, any) {
            if (!json_object_get(any, "status"))
                json_object_set_new(any, "status", json_string("planned"));
        }
    json_t *plan = pb_plan_canonical(s);
    char token[65];
    pb_plan_token(s, plan, token);
    json_object_set_new(result, "token", json_string(token));
    json_object_set(result, "plan", plan);
    bool high_risk = has_high_risk(plan);
    json_object_set_new(result, "needs_approval", json_boolean(high_risk));
    int code = EXIT_CODE_OK;
    if (audit_planned(s, token, err) != 0) {
        code = EXIT_CODE_USAGE;
        json_object_set_new(result, "status", json_string("refused"));
        json_object_set_new(result, "refusal", json_string(err->text));
        goto out;
    }
    if (st && json_array_size(plan) > 0 && pb_plan_save(st, s->name, token, plan, err) != 0) {
        code = EXIT_CODE_USAGE;
        goto out;
    }
    char *breaker = breaker_refusal(s, plan);
    if (breaker) {
        code = refuse(s, result, token, breaker, err);
        free(breaker);
        goto out;
    }
    if (!s->opts->apply) {
        json_object_set_new(result, "status", json_string("planned"));
        goto out;
    }
    if (s->opts->approve && strcmp(s->opts->approve, token) != 0) {
        char *approved_by = NULL;
        json_t *approved = pb_plan_load(st, s->opts->approve, &approved_by);
        char why[1024];
        if (approved && approved_by && strcmp(approved_by, s->name) == 0) {
            json_object_set_new(result, "difference", plan_difference(approved, plan));
            snprintf(why, sizeof why,
                     "approval refused: the plan computed now (token %s) is not the plan that "
                     "was approved (%s); the difference is listed; review it and approve the "
                     "new token, or run without --apply",
                     token, s->opts->approve);
        } else {
            json_t *none = json_array();
            json_object_set_new(result, "difference",
                                plan_difference(approved ? approved : none, plan));
            json_decref(none);
            snprintf(why, sizeof why,
                     "approval refused: token %s was not produced by a dry run of playbook "
                     "'%s' with this state file; run it without --apply and approve the token "
                     "it prints (now %s)",
                     s->opts->approve, s->name, token);
        }
        json_decref(approved);
        free(approved_by);
        code = refuse(s, result, token, why, err);
        goto out;
    }
    if (high_risk && !s->opts->approve) {
        char why[512];
        snprintf(why, sizeof why,
                 "approval needed: the plan has high-risk steps; review it (run without "
                 "--apply), then run with --apply --approve %s",
                 token);
        code = refuse(s, result, token, why, err);
        goto out;
    }
    if (s->opts->approve) {
        size_t i;
        json_t *step;
        json_array_foreach (s->steps, i, step) {
            if (is_change(step) && is_status(step, "planned") &&
                audit_step(s, step, "action.approved", token, NULL, NULL, err) != 0) {
                code = EXIT_CODE_USAGE;
                goto out;
            }
        }
    }
    if (run_cancel_requested()) {
        code = refuse(s, result, token,
                      "interrupted before the plan was applied: " STOPPED_REASON
                      "; nothing was executed",
                      err);
        goto out;
    }
    execute_plan(s, st, token); /* st is set whenever a step or a state write needs it */
    json_object_set_new(result, "status", json_string("applied"));
out:
    json_object_set_new(result, "steps", shown_steps(s));
    json_decref(plan);
    return code;
}
