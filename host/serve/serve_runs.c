/* serve_runs.c: run records (GET /api/v1/runs) and chain runs on their own threads. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain.h"
#include "clock.h"
#include "history.h"
#include "log.h"
#include "serve_internal.h"

void serve_now_text(char *buf, size_t size)
{
    int64_t ms = clock_wall_ms();
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, size, "%s.%03dZ", base, (int)(ms % 1000));
}

void serve_new_id(char id[33])
{
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
        int64_t now = clock_mono_ms() ^ clock_wall_ms();
        memcpy(bytes, &now, sizeof now);
        memcpy(bytes + 8, &now, sizeof now);
    }
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(id + 2 * i, 3, "%02x", bytes[i]);
}

json_t *serve_record_new(serve *s, const char *trigger, const char *what_key, const char *what)
{
    char id[33], now[40];
    serve_new_id(id);
    serve_now_text(now, sizeof now);
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:n, s:n, s:n, s:{}}", "id", id, "trigger",
                            trigger, what_key, what, "status", "running", "started_at", now,
                            "finished_at", "summary", "plan_token", "vars");
    if (!rec)
        return NULL;
    json_array_append_new(s->runs, rec);
    while (json_array_size(s->runs) > SERVE_RUNS_KEPT)
        json_array_remove(s->runs, 0);
    return rec;
}

void serve_record_finish(serve *s, json_t *rec, const char *status, json_t *summary,
                         const char *plan_token)
{
    char now[40];
    serve_now_text(now, sizeof now);
    pthread_mutex_lock(&s->lock);
    json_object_set_new(rec, "status", json_string(status));
    json_object_set_new(rec, "finished_at", json_string(now));
    json_object_set_new(rec, "summary", summary ? summary : json_null());
    if (plan_token)
        json_object_set_new(rec, "plan_token", json_string(plan_token));
    pthread_mutex_unlock(&s->lock);
}

json_t *serve_runs_json(serve *s, size_t limit)
{
    json_t *list = json_array();
    pthread_mutex_lock(&s->lock);
    size_t n = json_array_size(s->runs);
    for (size_t i = 0; i < n && i < limit; i++)
        json_array_append_new(list, json_deep_copy(json_array_get(s->runs, n - 1 - i)));
    pthread_mutex_unlock(&s->lock);
    return json_pack("{s:o}", "runs", list);
}

void serve_thread_begin(serve *s)
{
    s->running++;
}

void serve_thread_end(serve *s)
{
    pthread_mutex_lock(&s->lock);
    s->running--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
}

int serve_spawn(serve *s, void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&s->lock);
    serve_thread_begin(s);
    pthread_mutex_unlock(&s->lock);
    int rc = pthread_create(&thread, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        serve_thread_end(s);
        return -1;
    }
    return 0;
}

typedef struct chain_job {
    serve *s;
    serve_gen *gen;
    const config_chain *chain; /* in gen->cfg */
    char *trigger;
    json_t *rec; /* borrowed from s->runs (kept alive by a reference) */
} chain_job;

static void copy_list(strlist *to, const strlist *from)
{
    for (size_t i = 0; i < from->count; i++)
        strlist_push(to, from->items[i]);
}

/* The chain's run, as `fawkes run CHAIN` does it without an output. */
static const char *execute_chain(chain_job *j, json_t **summary)
{
    const engine_env *eng = &j->gen->eng;
    const config_chain *chain = j->chain;
    chain_plan plan = {.name = strdup(chain->name)};
    copy_list(&plan.providers, &chain->providers);
    copy_list(&plan.scanners, &chain->scanners);
    copy_list(&plan.policies, &chain->policies);
    copy_list(&plan.notifiers, &chain->notify);
    copy_list(&plan.playbooks, &chain->playbooks);
    chain_exec exec = {0};
    history *hist = NULL;
    diag err = {{0}};
    strlist no_kinds = {0};
    const char *status = "error";
    int64_t started = clock_mono_ms();
    if (chain_prepare(eng, &plan, &exec, &err) != 0 ||
        chain_init_policies(&exec, &eng->cfg->egress_allow, &err) != 0 ||
        history_open(eng->cfg, NULL, &hist, &err) != 0) {
        *summary = json_pack("{s:s}", "error", err.text);
        goto out;
    }
    run r;
    if (run_init(&r, plan.name, NULL, OUTPUT_FINDINGS, &no_kinds, &eng->cfg->egress_allow) != 0) {
        *summary = json_pack("{s:s}", "error", "out of memory");
        goto out;
    }
    char *key = history_chain_key(plan.name, NULL, &no_kinds);
    run_chain_begin(&r, plan.name, key ? hist : NULL, key);
    free(key);
    bool locked = plan.playbooks.count > 0;
    if (locked)
        pthread_mutex_lock(&j->s->playbook_lock);
    chain_execute(&exec, &r, j->s->opts.jobs);
    if (locked)
        pthread_mutex_unlock(&j->s->playbook_lock);
    json_t *stats = json_object();
    chain_stats(&exec, stats);
    serve_metrics_add_chain_stats(j->s->metrics, stats);
    size_t failures = json_array_size(r.failures);
    status = run_cancel_requested() ? "cancelled" : failures ? "partial" : "ok";
    *summary = json_pack("{s:s, s:I, s:I, s:O, s:O, s:o, s:o, s:I}", "run_id", r.id, "resources",
                         (json_int_t)r.resource_count, "findings", (json_int_t)r.finding_count,
                         "by_severity", r.by_severity, "failures", r.failures, "delta",
                         history_chain_counts(hist), "stats", stats, "duration_ms",
                         (json_int_t)(clock_mono_ms() - started));
    static const char *const severities[] = {"critical", "high", "medium", "low", "info"};
    for (size_t i = 0; i < 5; i++)
        serve_metrics_set(j->s->metrics, "fawkes_findings",
                          (double)json_integer_value(json_object_get(r.by_severity, severities[i])),
                          "chain", plan.name, "severity", severities[i], "status", "fail", NULL);
    run_free(&r);
out:
    history_close(hist);
    chain_close(&exec);
    chain_plan_clear(&plan);
    return status;
}

static void *chain_thread(void *arg)
{
    chain_job *j = arg;
    serve *s = j->s;
    int64_t started = clock_mono_ms();
    json_t *summary = NULL;
    const char *status = execute_chain(j, &summary);
    double seconds = (double)(clock_mono_ms() - started) / 1000.0;
    const char *id = json_string_value(json_object_get(j->rec, "id"));
    serve_record_finish(s, j->rec, status, summary, NULL);
    serve_metrics_add(s->metrics, "fawkes_runs_total", 1, "chain", j->chain->name, "trigger",
                      j->trigger, "status", status, NULL);
    serve_metrics_observe_run(s->metrics, seconds);
    serve_metrics_set(s->metrics, "fawkes_last_run_timestamp_seconds",
                      (double)clock_wall_ms() / 1000.0, "chain", j->chain->name, NULL);
    log_msg(strcmp(status, "ok") == 0 ? FWK_LOG_INFO : FWK_LOG_WARN, "serve",
            "run %s chain=%s trigger=%s status=%s duration=%.3fs", id, j->chain->name, j->trigger,
            status, seconds);
    pthread_mutex_lock(&s->lock);
    json_object_del(s->active, j->chain->name);
    pthread_mutex_unlock(&s->lock);
    json_decref(j->rec);
    serve_gen_release(s, j->gen);
    free(j->trigger);
    free(j);
    serve_thread_end(s);
    return NULL;
}

int serve_start_chain(serve *s, const char *name, const char *trigger, char id[33], diag *err)
{
    chain_job *j = calloc(1, sizeof *j);
    if (!j || !(j->trigger = strdup(trigger))) {
        free(j);
        diag_set(err, "out of memory");
        return -1;
    }
    j->s = s;
    pthread_mutex_lock(&s->lock);
    int rc = -1;
    if (s->stopping) {
        diag_set(err, "the server is stopping");
        goto fail;
    }
    j->chain = config_find_chain(s->gen->cfg, name);
    if (!j->chain) {
        diag_set(err, "no chain named '%s' in %s", name, s->gen->cfg->path);
        goto fail;
    }
    if (json_object_get(s->active, name)) {
        snprintf(id, 33, "%s", json_string_value(json_object_get(s->active, name)));
        rc = 1;
        goto fail;
    }
    j->rec = json_incref(serve_record_new(s, trigger, "chain", name));
    if (!j->rec) {
        diag_set(err, "out of memory");
        goto fail;
    }
    snprintf(id, 33, "%s", json_string_value(json_object_get(j->rec, "id")));
    json_object_set_new(s->active, name, json_string(id));
    j->gen = s->gen;
    j->gen->refs++;
    pthread_mutex_unlock(&s->lock);
    if (serve_spawn(s, chain_thread, j) != 0) {
        diag_set(err, "cannot start a thread for the run");
        pthread_mutex_lock(&s->lock);
        json_object_del(s->active, name);
        pthread_mutex_unlock(&s->lock);
        serve_record_finish(s, j->rec, "error", json_pack("{s:s}", "error", err->text), NULL);
        json_decref(j->rec);
        serve_gen_release(s, j->gen);
        free(j->trigger);
        free(j);
        return -1;
    }
    return 0;
fail:
    pthread_mutex_unlock(&s->lock);
    free(j->trigger);
    free(j);
    return rc;
}
