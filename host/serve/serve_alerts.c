/* serve_alerts.c: Alertmanager alerts to playbooks: matching, rendered vars, duplicates,
   plans waiting for approval and their notifications, approvals. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "instance.h"
#include "log.h"
#include "playbook.h"
#include "run.h"
#include "serve_internal.h"
#include "services.h"

/* How long a plan waits for its approval (the playbook's own token check agrees). */
#define SERVE_APPROVAL_TTL_MS (24LL * 3600 * 1000)

typedef struct pb_job {
    serve *s;
    serve_gen *gen;
    size_t rule;       /* index in gen->cfg->serve->alerts */
    json_t *vars;      /* {name: value} rendered (owned ref) */
    char *fingerprint; /* dedup key (owned) */
    char *approve;     /* the approved token, or NULL for an alert's first run */
    json_t *rec;       /* run record (ref) */
} pb_job;

static const char *playbook_label(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool rule_matches(const serve_alert_rule *rule, const json_t *labels)
{
    const char *key;
    json_t *want;
    json_object_foreach (rule->match, key, want) {
        const char *have = json_string_value(json_object_get(labels, key));
        if (!have || strcmp(have, json_string_value(want)) != 0)
            return false;
    }
    return true;
}

/* The dedup key: the rule and the alert's sorted labels (what Alertmanager's fingerprint
   hashes), so one alert is one key whether it carries a fingerprint or not. */
static char *fingerprint_of(const json_t *alert, size_t rule)
{
    char *labels = json_dumps(json_object_get(alert, "labels"), JSON_COMPACT | JSON_SORT_KEYS);
    char *out = NULL;
    if (!labels || asprintf(&out, "%zu:%s", rule, labels) < 0)
        out = NULL;
    free(labels);
    return out;
}

static void count_steps(serve *s, const char *playbook, const json_t *result)
{
    size_t i;
    json_t *step;
    json_array_foreach (json_object_get(result, "steps"), i, step) {
        const char *status = json_string_value(json_object_get(step, "status"));
        serve_metrics_add(s->metrics, "fawkes_playbook_actions_total", 1, "playbook", playbook,
                          "outcome", status ? status : "unknown", NULL);
    }
}

/* Tell one notifier that a plan waits (the notifier's usual message shape, no findings). */
static void notify_one(serve *s, const engine_env *eng, const char *name, const json_t *message)
{
    const config_instance *conf = config_find_instance(eng->cfg, name, NULL);
    instance *inst = NULL;
    const char *refusal = NULL;
    diag err = {{0}};
    run r;
    strlist no_kinds = {0};
    const char *outcome = "error";
    if (run_init(&r, "serve", NULL, OUTPUT_FINDINGS, &no_kinds, &eng->cfg->egress_allow) != 0)
        return;
    if (!conf || instance_prepare(eng, conf, &inst, &refusal, &err) != 0 || refusal ||
        instance_init(inst, &r, &err) != 0) {
        log_msg(FWK_LOG_ERROR, "serve", "notifier %s: %s", name,
                refusal       ? refusal
                : err.text[0] ? err.text
                              : "not found");
    } else {
        const fwk_notifier_vtable *vt = inst->plug->desc->vtable;
        fwk_ctx ctx;
        ctx_init(&ctx, &r, inst, "notify", NULL);
        fwk_status st = vt->notify(&ctx, inst->state, message);
        if (st == FWK_OK)
            outcome = "sent";
        else
            log_msg(FWK_LOG_ERROR, "serve", "notifier %s: %s", name,
                    ctx.message ? ctx.message : fwk_strerror(st));
        ctx_finish(&ctx);
    }
    serve_metrics_add(s->metrics, "fawkes_notifications_total", 1, "notifier", name, "outcome",
                      outcome, NULL);
    instance_close(inst);
    run_free(&r);
}

static void notify_waiting(pb_job *j, const serve_alert_rule *rule, const json_t *result,
                           const char *token)
{
    const char *id = json_string_value(json_object_get(j->rec, "id"));
    char started[40];
    serve_now_text(started, sizeof started);
    char *plan = json_dumps(json_object_get(result, "plan"), JSON_COMPACT | JSON_SORT_KEYS);
    char *text = NULL;
    if (asprintf(&text,
                 "Fawkes: playbook %s planned %zu step(s) for an alert; high-risk steps wait for "
                 "approval. Review the plan, then approve it with POST /api/v1/approvals "
                 "{\"token\": \"%s\"} or `fawkes approve %s`. Plan: %s",
                 playbook_label(rule->playbook), json_array_size(json_object_get(result, "plan")),
                 token, token, plan ? plan : "[]") < 0)
        text = NULL;
    free(plan);
    json_t *message = json_pack("{s:{s:s, s:s, s:s}, s:b, s:[], s:s, s:s, s:O}", "run", "id", id,
                                "chain", "serve", "started_at", started, "digest", 0, "findings",
                                "text", text ? text : "approval needed", "plan_token", token,
                                "plan", json_object_get(result, "plan"));
    free(text);
    for (size_t i = 0; message && i < rule->notify.count; i++)
        notify_one(j->s, &j->gen->eng, rule->notify.items[i], message);
    json_decref(message);
}

static const char *finish_status(pb_job *j, const serve_alert_rule *rule, const json_t *result,
                                 int code, const char **token)
{
    const char *status = json_string_value(json_object_get(result, "status"));
    *token = json_string_value(json_object_get(result, "token"));
    bool waits = !j->approve && json_is_true(json_object_get(result, "needs_approval")) &&
                 json_array_size(json_object_get(result, "plan")) > 0 && *token &&
                 (!status || strcmp(status, "applied") != 0) && !json_object_get(result, "error");
    if (!waits)
        return status ? status : code == 0 ? "ok" : "error";
    serve *s = j->s;
    pthread_mutex_lock(&s->lock);
    json_object_set_new(s->approvals, *token,
                        json_pack("{s:I, s:s, s:O, s:s, s:s, s:I}", "rule", (json_int_t)j->rule,
                                  "playbook", rule->playbook, "vars", j->vars, "fingerprint",
                                  j->fingerprint, "run",
                                  json_string_value(json_object_get(j->rec, "id")), "created_ms",
                                  (json_int_t)clock_wall_ms()));
    serve_metrics_set(s->metrics, "fawkes_approvals_pending",
                      (double)json_object_size(s->approvals), NULL);
    pthread_mutex_unlock(&s->lock);
    notify_waiting(j, rule, result, *token);
    return "waiting_approval";
}

static void *playbook_thread(void *arg)
{
    pb_job *j = arg;
    serve *s = j->s;
    const serve_alert_rule *rule = &j->gen->cfg->serve->alerts[j->rule];
    strlist vars = {0};
    const char *key;
    json_t *value;
    json_object_foreach (j->vars, key, value) {
        char *item = NULL;
        if (asprintf(&item, "%s=%s", key, json_string_value(value)) >= 0)
            strlist_push(&vars, item);
        free(item);
    }
    playbook_options opts = {.path = rule->playbook,
                             .apply = j->approve ? true : rule->apply,
                             .approve = j->approve,
                             .vars = &vars,
                             .jobs = s->opts.jobs};
    json_t *result = NULL;
    diag err = {{0}};
    int64_t started = clock_mono_ms();
    if (j->approve)
        audit_set_token_actor("server.token"); /* approved through the API */
    pthread_mutex_lock(&s->playbook_lock);
    int code = playbook_run(&j->gen->eng, NULL, NULL, &opts, &result, &err);
    pthread_mutex_unlock(&s->playbook_lock);
    audit_set_token_actor(NULL);
    double seconds = (double)(clock_mono_ms() - started) / 1000.0;
    if (!result)
        result = json_object();
    if (code != 0 && err.text[0] && !json_object_get(result, "error"))
        json_object_set_new(result, "message", json_string(err.text));
    const char *label = playbook_label(rule->playbook);
    count_steps(s, label, result);
    const char *token = NULL;
    const char *status = finish_status(j, rule, result, code, &token);
    char *status_copy = strdup(status);
    char *token_copy = token ? strdup(token) : NULL;
    const char *trigger = json_string_value(json_object_get(j->rec, "trigger"));
    serve_metrics_add(s->metrics, "fawkes_runs_total", 1, "chain", label, "trigger", trigger,
                      "status", status_copy ? status_copy : "error", NULL);
    serve_metrics_observe_run(s->metrics, seconds);
    serve_record_finish(s, j->rec, status_copy ? status_copy : "error", result, token_copy);
    log_msg(code == 0 ? FWK_LOG_INFO : FWK_LOG_WARN, "serve",
            "run %s playbook=%s trigger=%s status=%s duration=%.3fs",
            json_string_value(json_object_get(j->rec, "id")), label, trigger,
            status_copy ? status_copy : "error", seconds);
    pthread_mutex_lock(&s->lock);
    bool waiting = status_copy && strcmp(status_copy, "waiting_approval") == 0;
    json_object_set_new(s->alerts, j->fingerprint,
                        json_pack("{s:I, s:b}", "until_ms",
                                  (json_int_t)(clock_wall_ms() + rule->cooldown_ms), "pending",
                                  waiting));
    pthread_mutex_unlock(&s->lock);
    free(status_copy);
    free(token_copy);
    strlist_clear(&vars);
    json_decref(j->rec);
    json_decref(j->vars);
    serve_gen_release(s, j->gen);
    free(j->fingerprint);
    free(j->approve);
    free(j);
    serve_thread_end(s);
    return NULL;
}

/* Start a playbook job; call with s->lock held. Returns the record, or NULL. */
static json_t *start_job(serve *s, size_t rule_index, json_t *vars, const char *fingerprint,
                         const char *approve, const char *trigger)
{
    const serve_alert_rule *rule = &s->gen->cfg->serve->alerts[rule_index];
    pb_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->s = s;
    j->rule = rule_index;
    j->vars = json_incref(vars);
    j->fingerprint = strdup(fingerprint);
    j->approve = approve ? strdup(approve) : NULL;
    j->rec = json_incref(serve_record_new(s, trigger, "playbook", rule->playbook));
    if (!j->rec || !j->fingerprint || (approve && !j->approve)) {
        json_decref(j->rec);
        json_decref(j->vars);
        free(j->fingerprint);
        free(j->approve);
        free(j);
        return NULL;
    }
    json_object_set(j->rec, "vars", vars);
    j->gen = s->gen;
    j->gen->refs++;
    json_object_set_new(s->alerts, fingerprint,
                        json_pack("{s:I, s:b}", "until_ms", (json_int_t)INT64_MAX, "pending", 1));
    /* serve_spawn takes s->lock: count the thread here and start it without the helper */
    serve_thread_begin(s);
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&thread, &attr, playbook_thread, j);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        s->running--;
        json_object_set_new(j->rec, "status", json_string("error"));
        json_object_del(s->alerts, fingerprint);
        json_decref(j->rec);
        json_decref(j->vars);
        j->gen->refs--;
        free(j->fingerprint);
        free(j->approve);
        free(j);
        return NULL;
    }
    return j->rec;
}

static json_t *render_vars(const serve_alert_rule *rule, const json_t *alert)
{
    json_t *vars = json_object();
    const char *key;
    json_t *tmpl;
    json_object_foreach (rule->vars, key, tmpl) {
        char *value = serve_template_render(json_string_value(tmpl), alert);
        json_object_set_new(vars, key, json_string(value ? value : ""));
        free(value);
    }
    return vars;
}

static bool is_duplicate(serve *s, const char *fingerprint)
{
    json_t *seen = json_object_get(s->alerts, fingerprint);
    if (!seen)
        return false;
    return json_is_true(json_object_get(seen, "pending")) ||
           json_integer_value(json_object_get(seen, "until_ms")) > clock_wall_ms();
}

/* One alert of the payload: started, duplicate, unmatched or resolved. */
static const char *take_alert(serve *s, const json_t *alert, json_t *started)
{
    const serve_config *sc = s->gen->cfg->serve;
    const json_t *labels = json_object_get(alert, "labels");
    const char *status = json_string_value(json_object_get(alert, "status"));
    size_t rule = 0;
    while (sc && rule < sc->alert_count && !rule_matches(&sc->alerts[rule], labels))
        rule++;
    if (!sc || rule >= sc->alert_count)
        return "unmatched";
    if (status && strcmp(status, "resolved") == 0) {
        json_t *rec = serve_record_new(s, "alert", "playbook", sc->alerts[rule].playbook);
        if (rec) {
            char now[40];
            serve_now_text(now, sizeof now);
            json_object_set_new(rec, "status", json_string("resolved"));
            json_object_set_new(rec, "finished_at", json_string(now));
            json_object_set_new(rec, "summary", json_pack("{s:O}", "labels", labels));
        }
        return "resolved";
    }
    char *fingerprint = fingerprint_of(alert, rule);
    if (!fingerprint)
        return "error";
    const char *outcome = "duplicate";
    if (!is_duplicate(s, fingerprint)) {
        json_t *vars = render_vars(&sc->alerts[rule], alert);
        json_t *rec = vars ? start_job(s, rule, vars, fingerprint, NULL, "alert") : NULL;
        json_decref(vars);
        outcome = rec ? "started" : "error";
        if (rec)
            json_array_append(started, json_object_get(rec, "id"));
    }
    free(fingerprint);
    return outcome;
}

int serve_alerts_post(serve *s, const json_t *payload, json_t **reply)
{
    const char *version = json_string_value(json_object_get(payload, "version"));
    const json_t *alerts = json_object_get(payload, "alerts");
    if (!version || strcmp(version, "4") != 0 || !json_is_array(alerts)) {
        *reply = json_pack("{s:s}", "error",
                           "expected Alertmanager's webhook payload version \"4\" with an "
                           "\"alerts\" list");
        return 400;
    }
    json_t *started = json_array();
    json_t *counts = json_pack("{s:i, s:i, s:i, s:i}", "started", 0, "duplicate", 0, "unmatched", 0,
                               "resolved", 0);
    pthread_mutex_lock(&s->lock);
    bool stopping = s->stopping;
    size_t i;
    json_t *alert;
    json_array_foreach (alerts, i, alert) {
        if (stopping || !json_is_object(alert) || !json_is_object(json_object_get(alert, "labels")))
            continue;
        const char *outcome = take_alert(s, alert, started);
        json_object_set_new(counts, outcome,
                            json_integer(json_integer_value(json_object_get(counts, outcome)) + 1));
        serve_metrics_add(s->metrics, "fawkes_alerts_total", 1, "outcome", outcome, NULL);
    }
    pthread_mutex_unlock(&s->lock);
    if (stopping) {
        json_decref(started);
        json_decref(counts);
        *reply = json_pack("{s:s}", "error", "the server is stopping; send the alerts again");
        return 503;
    }
    json_object_set_new(counts, "runs", started);
    *reply = counts;
    return 200;
}

int serve_approvals_post(serve *s, const json_t *body, json_t **reply)
{
    const char *token = json_string_value(json_object_get(body, "token"));
    if (!token) {
        *reply = json_pack("{s:s}", "error", "expected {\"token\": TOKEN} (a plan's token)");
        return 400;
    }
    pthread_mutex_lock(&s->lock);
    json_t *entry = json_incref(json_object_get(s->approvals, token));
    int code = 202;
    if (!entry) {
        *reply = json_pack("{s:s}", "error",
                           "no plan waits for that token (applied already, never planned here, "
                           "or planned before a restart)");
        code = 404;
    } else if (clock_wall_ms() - json_integer_value(json_object_get(entry, "created_ms")) >
               SERVE_APPROVAL_TTL_MS) {
        json_object_del(s->approvals, token);
        *reply = json_pack("{s:s}", "error", "the plan expired (24 h); let the alert plan again");
        code = 410;
    } else if (s->stopping) {
        *reply = json_pack("{s:s}", "error", "the server is stopping");
        code = 503;
    } else {
        size_t rule = (size_t)json_integer_value(json_object_get(entry, "rule"));
        const serve_config *sc = s->gen->cfg->serve;
        const char *playbook = json_string_value(json_object_get(entry, "playbook"));
        if (!sc || rule >= sc->alert_count || strcmp(sc->alerts[rule].playbook, playbook) != 0) {
            *reply = json_pack("{s:s}", "error",
                               "the alert rule of that plan changed in a reload; let the alert "
                               "plan again");
            code = 409;
        } else {
            json_t *rec =
                start_job(s, rule, json_object_get(entry, "vars"),
                          json_string_value(json_object_get(entry, "fingerprint")), token, "api");
            if (rec) {
                *reply = json_pack("{s:O, s:s, s:s}", "id", json_object_get(rec, "id"), "status",
                                   "running", "plan_token", token);
            } else {
                *reply = json_pack("{s:s}", "error", "cannot start the run (out of memory)");
                code = 500;
            }
        }
        if (code == 202)
            json_object_del(s->approvals, token);
    }
    serve_metrics_set(s->metrics, "fawkes_approvals_pending",
                      (double)json_object_size(s->approvals), NULL);
    pthread_mutex_unlock(&s->lock);
    json_decref(entry);
    return code;
}
