/* run.h: one execution: live plugin instances, the per-call context, failures, findings. */
#ifndef HOST_RUN_H
#define HOST_RUN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fawkes/fawkes.h"
#include "app.h"
#include "config.h"
#include "http.h"
#include "loader.h"
#include "output.h"
#include "spill.h"

/* A live plugin instance (one `providers:`/`scanners:`/... entry of the config). */
typedef struct instance {
    const config_instance *conf; /* borrowed from the config */
    const plugin *plug;          /* borrowed from the app's plugin set */
    json_t *config;              /* validated config, defaults filled (owned) */
    void *state;                 /* what the plugin's init returned */
    http_client *http;           /* this instance's HTTP client (owned) */
    bool ready;                  /* init succeeded */
    pthread_mutex_t lock;        /* guards counters */
    json_t *counters;            /* "tasks", "tasks_failed", custom */
    atomic_llong hot[2];         /* "resources" and "findings": counted per item, lock-free */
} instance;

typedef struct run run;

/* The per-call context handed to plugins (opaque to them). Lives on the caller's stack. */
struct fwk_ctx {
    run *run; /* NULL outside a run (e.g. plugins inspect) */
    instance *inst;
    const char *operation;  /* "init", "plan_tasks", "run_task", "scan_resource", ... */
    const char *task;       /* task name, or NULL */
    const json_t *resource; /* the resource being scanned or judged, or NULL */
    char *message;          /* set by host->fail (owned) */
    size_t malformed;       /* resources dropped for being malformed during this call */
    char *first_malformed;  /* why the first one was dropped (owned) */
};

/* Set up / tear down a context. */
void ctx_init(fwk_ctx *ctx, run *r, instance *inst, const char *operation, const char *task);
void ctx_finish(fwk_ctx *ctx);

/* The host services table handed to every plugin. Static; thread-safe. */
const fwk_host *host_services(void);

/* Counters of an instance: add `delta` to `name`. Thread-safe. */
void instance_count(instance *inst, const char *name, int64_t delta);

/*
 * instance_prepare: bind a config instance to its plugin and check its config (plugin found
 * and of the section's kind, schema_apply, every ${env:}/${file:} resolved). Does not call
 * the plugin. Returns 0; or -1 with "FILE:LINE:COL: ..." in err (a config error: exit 2).
 * A plugin that was refused by the loader is not a config error: *out is made with
 * plug == NULL and `refusal` set, and the run reports it as a failure.
 */
int instance_prepare(const app *a, const config_instance *conf, instance **out,
                     const char **refusal, diag *err);
/* Call the plugin's init. Returns 0, or -1 with the plugin's message in err. */
int instance_init(instance *inst, run *r, diag *err);
/* fini + free. NULL allowed. */
void instance_close(instance *inst);
/* Counters for output: counters merged with the HTTP client's. New reference. */
json_t *instance_stats(const instance *inst);

/* The run: where emitted resources and findings go. */
struct run {
    char id[33];          /* random hex */
    const char *chain;    /* chain name, "inventory" or "scan" */
    char started_at[32];  /* RFC 3339 */
    output *out;          /* where results go (borrowed); NULL: nowhere (playbooks) */
    output_kind kind;     /* inventory: resources go to out; findings: findings do */
    const strlist *kinds; /* --kind filter (borrowed, may be empty) */
    const strlist *allow; /* security.egress_allow (borrowed) */
    instance **scanners, **policies;
    size_t scanner_count, policy_count;
    struct history *history; /* run history: deltas, notifier state (NULL: not kept) */
    char *history_key;       /* the current chain's name in the history (owned), or NULL */
    size_t chain_failures;   /* failures before the current chain began */
    pthread_mutex_t lock;    /* guards everything below */
    json_t *failures;        /* [{"instance","plugin","operation","task","message"}] */
    spill *kept_resources;   /* NULL, or the resources kept for playbooks, filed under their
                                provider instance name (run_keep; owned) */
    spill *kept_findings;    /* NULL, or the fail findings kept for playbooks, group "fails" */
    atomic_bool kept_failed; /* a record could not be kept (reported once) */
    json_t *by_severity;     /* {"critical": n, ...} of fail findings */
    size_t resource_count, finding_count, fail_count;
    int worst_fail_rank; /* highest severity rank among fail findings, a policy's warn
                            aside; -1 none */
};

/* Ask every run to stop (signal handler safe). */
void run_request_cancel(int signo);
/* Nonzero after run_request_cancel. */
int run_cancel_requested(void);

/* Make a run writing to `out`. Returns 0, or -1 on OOM. */
int run_init(run *r, const char *chain, output *out, output_kind kind, const strlist *kinds,
             const strlist *allow);
void run_free(run *r);

/*
 * run_chain_begin: point the run at chain `chain` (borrowed; outlives the chain), recorded
 * in `hist` (may be NULL: not recorded) under `history_key` (copied; NULL: not recorded).
 * Failures from here on are the chain's (run_chain_partial). chain_execute begins and ends
 * the history itself. Not thread-safe: between chains.
 */
void run_chain_begin(run *r, const char *chain, struct history *hist, const char *history_key);

/* Has the current chain failed somewhere (a failure since run_chain_begin) or been
   interrupted? Its results are then incomplete. Thread-safe. */
bool run_chain_partial(run *r);

/* A resolved finding (borrowed) the history reports at the chain's end: counted and
   written to the output like any finding. Thread-safe. */
void run_resolved(run *r, const json_t *finding);

/* Record a failure (logged at error level as it happens). Thread-safe. */
void run_fail(run *r, const instance *inst, const char *operation, const char *task,
              const char *message);
/* Hand a resource (reference taken) to the run: count, output, scanners, policies. */
fwk_status run_resource(run *r, fwk_ctx *ctx, json_t *resource);
/* Hand a finding (reference taken) to the run. */
fwk_status run_finding(run *r, fwk_ctx *ctx, json_t *finding);

/*
 * run_keep: from now on, keep the resources (when `resources`) and the fail findings (when
 * `findings`) that go through the run in temporary spill files, for playbooks: resources
 * as compact JSON under their provider instance name, findings (with their delta) under
 * "fails". What is kept already stays kept. Call before providers run, between chains.
 * Returns 0; or -1 with why (the temporary directory) in err.
 */
int run_keep(run *r, bool resources, bool findings, diag *err);

#endif
