/* serve_internal.h: what the daemon's files share: the daemon state and its run jobs. */
#ifndef HOST_SERVE_INTERNAL_H
#define HOST_SERVE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "diag.h"
#include "engine.h"
#include "loader.h"
#include "serve.h"
#include "serve_config.h"
#include "serve_metrics.h"
#include "serve_timer.h"

#define SERVE_RUNS_KEPT 500
#define SERVE_BODY_MAX_BYTES (1024 * 1024)

/* One loaded config: what runs started under it use until they finish (refcounted). */
typedef struct serve_gen {
    config *cfg;
    engine_env eng;
    int refs; /* guarded by serve.lock */
} serve_gen;

typedef struct serve {
    serve_options opts;
    pthread_mutex_t lock; /* guards everything below but the metrics (own lock) */
    pthread_cond_t idle;  /* signalled when a run ends */
    serve_gen *gen;       /* the current config */
    plugin_set plugins;   /* loaded once at start */
    strlist plugin_dirs;
    strlist config_plugin_dirs; /* the first config's plugin_dirs (a reload may not change) */
    serve_timer timer;          /* guarded by timer_lock (its callbacks take lock) */
    pthread_mutex_t timer_lock;
    serve_metrics *metrics;
    json_t *runs;       /* records, oldest first, at most SERVE_RUNS_KEPT */
    json_t *active;     /* {chain: run id} of chains running now */
    json_t *alerts;     /* {fingerprint: {"until_ms", "pending"}} */
    json_t *approvals;  /* {token: {"rule", "playbook", "vars", "fingerprint", "run"}} */
    size_t running;     /* run threads alive */
    char *reload_error; /* the last reload's error, NULL when it succeeded */
    bool stopping;
    pthread_mutex_t reload_lock;   /* one reload at a time */
    pthread_mutex_t playbook_lock; /* one playbook at a time (playbook_run's rule) */
    struct MHD_Daemon *http;
} serve;

/* Take / drop a reference to the current config. Thread-safe. */
serve_gen *serve_gen_acquire(serve *s);
void serve_gen_release(serve *s, serve_gen *gen);

/*
 * serve_reload: load the config again and check everything (the config, each chain's
 * instances and policies, every playbook's Lua syntax, the alert rules' notifiers); swap
 * it in only when all pass. Returns 0; or -1 with the located error in err (logged,
 * counted, and shown by /readyz until a reload succeeds). Thread-safe.
 */
int serve_reload(serve *s, diag *err);

/*
 * serve_start_chain: start a run of chain `name` on its own thread (trigger "schedule" or
 * "api"). Returns 0 with the run's id in `id`; 1 when the chain is running already (skipped;
 * counted for "schedule"); -1 with why in err (no such chain, stopping, no memory).
 * Thread-safe.
 */
int serve_start_chain(serve *s, const char *name, const char *trigger, char id[33], diag *err);

/* A new run record {"id","trigger","status":"running","started_at",...} appended to the
   runs (borrowed; valid while s->lock is held or the run is going). Call with s->lock. */
json_t *serve_record_new(serve *s, const char *trigger, const char *what_key, const char *what);

/* Finish a record: status, summary (reference taken), finished_at, plan_token (may be
   NULL). Thread-safe (takes s->lock). */
void serve_record_finish(serve *s, json_t *rec, const char *status, json_t *summary,
                         const char *plan_token);

/* {"runs": [...]} newest first, at most `limit`. New reference. Thread-safe. */
json_t *serve_runs_json(serve *s, size_t limit);

/* RFC 3339 UTC of now into buf. */
void serve_now_text(char *buf, size_t size);

/* Random hex id (32 digits + NUL). */
void serve_new_id(char id[33]);

/* Alertmanager webhook payload (v4; borrowed): start, dedupe and record. *reply (new ref) is
   the response body; returns the HTTP status. Thread-safe. */
int serve_alerts_post(serve *s, const json_t *payload, json_t **reply);

/* POST /api/v1/approvals {"token"}: apply that plan on its own run. Returns the status. */
int serve_approvals_post(serve *s, const json_t *body, json_t **reply);

/* Start / stop the HTTP listener (server.listen). serve_http_start returns 0, or -1 with
   why in err. */
int serve_http_start(serve *s, diag *err);
void serve_http_stop(serve *s);

/* Readiness: NULL when ready, else a new string saying why not. Thread-safe. */
char *serve_not_ready(serve *s);

/* Register a run thread (running++) / end one (running--, signal idle). Take s->lock. */
void serve_thread_begin(serve *s);
void serve_thread_end(serve *s);

/* Start `fn(arg)` on a detached thread counted by serve_thread_begin/end. Returns 0/-1. */
int serve_spawn(serve *s, void *(*fn)(void *), void *arg);

#endif
