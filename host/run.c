/* run.c: the run's sinks: resources flow to outputs, scanners and policies; findings are
   completed, redacted, counted and written. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "finding.h"
#include "history.h"
#include "log.h"
#include "run.h"

static volatile sig_atomic_t cancel_signal;

void run_request_cancel(int signo)
{
    cancel_signal = signo ? signo : -1;
}

int run_cancel_requested(void)
{
    return cancel_signal != 0;
}

int run_init(run *r, const char *chain, output *out, output_kind kind, const strlist *kinds,
             const strlist *allow)
{
    memset(r, 0, sizeof *r);
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return -1;
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(r->id + 2 * i, 3, "%02x", bytes[i]);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->started_at, sizeof r->started_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    r->chain = chain;
    r->out = out;
    r->kind = kind;
    r->kinds = kinds;
    r->allow = allow;
    r->failures = json_array();
    r->by_severity = json_pack("{s:i, s:i, s:i, s:i, s:i}", "critical", 0, "high", 0, "medium", 0,
                               "low", 0, "info", 0);
    r->worst_fail_rank = -1;
    pthread_mutex_init(&r->lock, NULL);
    return r->failures && r->by_severity ? 0 : -1;
}

void run_free(run *r)
{
    free(r->history_key);
    json_decref(r->failures);
    spill_close(r->kept_findings);
    spill_close(r->kept_resources);
    json_decref(r->by_severity);
    pthread_mutex_destroy(&r->lock);
}

void run_chain_begin(run *r, const char *chain, struct history *hist, const char *history_key)
{
    pthread_mutex_lock(&r->lock);
    r->chain = chain;
    r->history = hist;
    free(r->history_key);
    r->history_key = history_key ? strdup(history_key) : NULL;
    r->chain_failures = json_array_size(r->failures);
    pthread_mutex_unlock(&r->lock);
}

void run_chain_stages(run *r, instance **scanners, size_t scanner_count, instance **policies,
                      size_t policy_count)
{
    r->scanners = scanners;
    r->scanner_count = scanner_count;
    r->policies = policies;
    r->policy_count = policy_count;
}

bool run_chain_partial(run *r)
{
    pthread_mutex_lock(&r->lock);
    bool partial = json_array_size(r->failures) > r->chain_failures;
    pthread_mutex_unlock(&r->lock);
    return partial || run_cancel_requested();
}

void run_resolved(run *r, const json_t *finding)
{
    pthread_mutex_lock(&r->lock);
    r->finding_count++;
    pthread_mutex_unlock(&r->lock);
    if (r->kind == OUTPUT_FINDINGS && r->out)
        output_finding(r->out, finding);
}

void run_fail(run *r, const instance *inst, const char *operation, const char *task,
              const char *message)
{
    const char *name = inst ? inst->conf->name : "fawkes";
    const char *plugin_name = inst ? inst->conf->plugin : NULL;
    char *clean = log_redact(message ? message : "no reason given");
    json_t *failure =
        json_pack("{s:s, s:s?, s:s, s:s?, s:s}", "instance", name, "plugin", plugin_name,
                  "operation", operation, "task", task, "message", clean ? clean : "");
    if (task)
        log_msg(FWK_LOG_ERROR, name, "%s %s: %s", operation, task, clean ? clean : "");
    else
        log_msg(FWK_LOG_ERROR, name, "%s: %s", operation, clean ? clean : "");
    free(clean);
    pthread_mutex_lock(&r->lock);
    json_array_append_new(r->failures, failure);
    pthread_mutex_unlock(&r->lock);
}

static bool kind_wanted(const run *r, const json_t *resource)
{
    if (!r->kinds || r->kinds->count == 0)
        return true;
    const char *kind = json_string_value(json_object_get(resource, "kind"));
    return kind && strlist_contains(r->kinds, kind);
}

static void scan_with(run *r, instance *scanner, const json_t *resource)
{
    const fwk_scanner_vtable *vt = scanner->plug->desc->vtable;
    fwk_ctx ctx;
    ctx_init(&ctx, r, scanner, "scan_resource", NULL);
    ctx.resource = resource;
    fwk_status status = vt->scan_resource(&ctx, scanner->state, resource);
    if (status != FWK_OK) {
        char message[DIAG_MAX];
        snprintf(message, sizeof message, "%s: %s",
                 json_string_value(json_object_get(resource, "uid")),
                 ctx.message ? ctx.message : fwk_strerror(status));
        run_fail(r, scanner, "scan_resource", NULL, message);
    }
    ctx_finish(&ctx);
}

/* Is this finding a policy plugin's warn decision (see decision_finding)? */
static bool is_warn_decision(const fwk_ctx *ctx, const json_t *finding)
{
    if (!ctx->inst || !ctx->inst->plug || ctx->inst->plug->desc->kind != FWK_KIND_POLICY)
        return false;
    const char *effect =
        json_string_value(json_object_get(json_object_get(finding, "decision"), "effect"));
    return effect && strcmp(effect, "warn") == 0;
}

/* A policy decision as a finding: deny/warn -> fail, allow -> pass, error (the policy could
   not decide) -> error. */
static json_t *decision_finding(const json_t *decision)
{
    const char *effect = json_string_value(json_object_get(decision, "effect"));
    const char *policy = json_string_value(json_object_get(decision, "policy"));
    const char *rule = json_string_value(json_object_get(decision, "rule"));
    if (!effect || !policy)
        return NULL;
    char rule_id[512];
    if (rule)
        snprintf(rule_id, sizeof rule_id, "%s.%s", policy, rule);
    else
        snprintf(rule_id, sizeof rule_id, "%s", policy);
    const char *status = strcmp(effect, "allow") == 0   ? "pass"
                         : strcmp(effect, "error") == 0 ? "error"
                                                        : "fail";
    json_t *finding = json_pack("{s:s, s:s}", "rule", rule_id, "status", status);
    static const char *const copied[] = {"severity", "title", "remediation", "compliance",
                                         "exception"};
    /* Decisions' members may be shared by the plugin (immutable). Redaction replaces strings
       inside nested containers, so with a secret registered they are copied; without one
       nothing rewrites them and sharing them is safe (and much cheaper). */
    bool copy = log_has_secrets();
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
        json_t *value = json_object_get(decision, copied[i]);
        if (value)
            json_object_set_new(finding, copied[i],
                                copy ? json_deep_copy(value) : json_incref(value));
    }
    json_t *reason = json_object_get(decision, "reason");
    if (reason)
        json_object_set(finding, "message", reason);
    json_object_set_new(finding, "decision",
                        copy ? json_deep_copy(decision) : json_incref((json_t *)decision));
    return finding;
}

/* Whether a pass finding may be counted without being built: the output only counts passes
   and nothing else reads them (playbooks keep fails, history counts passes). */
static bool passes_counted_only(const run *r)
{
    return r->kind == OUTPUT_FINDINGS && r->out && !output_lists_passes(r->out);
}

/* Count `n` passes of `severity` that are not built, as run_finding would count them. */
static void count_pass(run *r, const fwk_ctx *ctx, const char *severity, size_t n)
{
    if (!n)
        return;
    if (ctx->inst)
        instance_count(ctx->inst, "findings", (int64_t)n);
    output_pass_counted(r->out, severity, history_pass(r->history, n), n);
    pthread_mutex_lock(&r->lock);
    r->finding_count += n;
    pthread_mutex_unlock(&r->lock);
}

/* An allow decision whose finding would only be counted: its severity's rank (to be counted
   with the resource's other passes); -1 for a decision that would not make a valid finding
   or that is not an allow: it goes the long way, which reports why. */
static int pass_decision_rank(const json_t *decision)
{
    const char *effect = json_string_value(json_object_get(decision, "effect"));
    if (!effect || strcmp(effect, "allow") != 0 ||
        !json_is_string(json_object_get(decision, "policy")))
        return -1;
    const json_t *severity = json_object_get(decision, "severity");
    return severity_rank(severity ? json_string_value(severity) : "medium");
}

static void judge_with(run *r, instance *policy, const json_t *resource)
{
    const fwk_policy_vtable *vt = policy->plug->desc->vtable;
    fwk_ctx ctx;
    ctx_init(&ctx, r, policy, "evaluate", NULL);
    ctx.resource = resource;
    json_t *decisions = NULL;
    fwk_status status = vt->evaluate(&ctx, policy->state, resource, &decisions);
    if (status != FWK_OK) {
        char message[DIAG_MAX];
        snprintf(message, sizeof message, "%s: %s",
                 json_string_value(json_object_get(resource, "uid")),
                 ctx.message ? ctx.message : fwk_strerror(status));
        run_fail(r, policy, "evaluate", NULL, message);
    }
    size_t i;
    json_t *decision;
    bool count_only = passes_counted_only(r);
    size_t passes[5] = {0}; /* by rank: counted once per resource */
    json_array_foreach (decisions, i, decision) {
        int rank = count_only ? pass_decision_rank(decision) : -1;
        if (rank >= 0) {
            passes[rank]++;
            continue;
        }
        json_t *finding = decision_finding(decision);
        if (finding)
            run_finding(r, &ctx, finding);
        else
            run_fail(r, policy, "evaluate", NULL,
                     "a decision lacks 'effect' or 'policy'; it was dropped");
    }
    for (int rank = 0; rank < 5; rank++)
        count_pass(r, &ctx, severity_name(rank), passes[rank]);
    json_decref(decisions);
    ctx_finish(&ctx);
}

/* File `record` in a kept_* spill. The first failure is recorded (playbooks will see an
   incomplete set: the run is partial); the ones after it say nothing new. */
static void keep(run *r, spill *sp, const char *group, const char *sort_key, const json_t *record)
{
    diag err = {{0}};
    if (spill_add_json(sp, group, sort_key, record, &err) != 0 &&
        !atomic_exchange(&r->kept_failed, true))
        run_fail(r, NULL, "keep for playbooks", NULL, err.text);
}

int run_keep(run *r, bool resources, bool findings, diag *err)
{
    if (resources && !r->kept_resources && spill_open(&r->kept_resources, err) != 0)
        return -1;
    if (findings && !r->kept_findings && spill_open(&r->kept_findings, err) != 0)
        return -1;
    return 0;
}

fwk_status run_resource(run *r, fwk_ctx *ctx, json_t *resource)
{
    if (ctx_resource_check(ctx, resource) != 0)
        return FWK_ERROR;
    if (!kind_wanted(r, resource)) {
        json_decref(resource);
        return FWK_OK;
    }
    log_redact_json(resource);
    pthread_mutex_lock(&r->lock);
    r->resource_count++;
    pthread_mutex_unlock(&r->lock);
    if (ctx->inst)
        instance_count(ctx->inst, "resources", 1);
    if (r->kind == OUTPUT_INVENTORY && r->out)
        output_resource(r->out, resource);
    if (r->kept_resources && ctx->inst)
        keep(r, r->kept_resources, ctx->inst->conf->name, /* playbooks read them by uid */
             json_string_value(json_object_get(resource, "uid")), resource);
    for (size_t i = 0; i < r->scanner_count; i++)
        if (r->scanners[i]->ready)
            scan_with(r, r->scanners[i], resource);
    for (size_t i = 0; i < r->policy_count; i++)
        if (r->policies[i]->ready)
            judge_with(r, r->policies[i], resource);
    json_decref(resource);
    return run_cancel_requested() ? FWK_CANCELLED : FWK_OK;
}

bool run_resource_text(run *r, fwk_ctx *ctx, const char *text, size_t len)
{
    if (r->kind != OUTPUT_INVENTORY || !output_takes_text(r->out) || r->kept_resources ||
        r->scanner_count > 0 || r->policy_count > 0 || (r->kinds && r->kinds->count > 0) ||
        log_text_may_hold_secret(text, len))
        return false;
    pthread_mutex_lock(&r->lock);
    r->resource_count++;
    pthread_mutex_unlock(&r->lock);
    if (ctx->inst)
        instance_count(ctx->inst, "resources", 1);
    output_resource_text(r->out, text, len);
    return true;
}

fwk_status run_finding(run *r, fwk_ctx *ctx, json_t *finding)
{
    diag err = {{0}};
    if (passes_counted_only(r)) {
        if (finding_check(finding, &err) != 0) {
            run_fail(r, ctx->inst, ctx->operation, ctx->task, err.text);
            json_decref(finding);
            return FWK_ERROR;
        }
        if (strcmp(json_string_value(json_object_get(finding, "status")), "pass") == 0) {
            count_pass(r, ctx, json_string_value(json_object_get(finding, "severity")), 1);
            json_decref(finding);
            return FWK_OK;
        }
    }
    const char *source = ctx->inst ? ctx->inst->conf->plugin : NULL;
    if (finding_complete(finding, source, ctx->resource, &err) != 0) {
        run_fail(r, ctx->inst, ctx->operation, ctx->task, err.text);
        json_decref(finding);
        return FWK_ERROR;
    }
    log_redact_json(finding);
    const char *status = json_string_value(json_object_get(finding, "status"));
    const char *severity = json_string_value(json_object_get(finding, "severity"));
    if (ctx->inst)
        instance_count(ctx->inst, "findings", 1);
    /* the delta is set here; a write failure is reported when the chain ends */
    history_mark(r->history, finding);
    pthread_mutex_lock(&r->lock);
    r->finding_count++;
    if (strcmp(status, "fail") == 0) {
        int rank = severity_rank(severity);
        r->fail_count++;
        /* a policy's warn (effect warn, or mode audit) is reported but never fails the run,
           as in `policy eval`: only deny decisions count towards --fail-on */
        if (rank > r->worst_fail_rank && !is_warn_decision(ctx, finding))
            r->worst_fail_rank = rank;
        json_t *count = json_object_get(r->by_severity, severity);
        json_integer_set(count, json_integer_value(count) + 1);
    }
    pthread_mutex_unlock(&r->lock);
    if (r->kept_findings && strcmp(status, "fail") == 0)
        keep(r, r->kept_findings, "fails", NULL, finding);
    if (r->kind == OUTPUT_FINDINGS && r->out)
        output_finding(r->out, finding);
    json_decref(finding);
    return FWK_OK;
}
