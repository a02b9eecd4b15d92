/* run.h: one execution: where resources and findings go, failures, counts. */
#ifndef HOST_RUN_H
#define HOST_RUN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fawkes/fawkes.h"
#include "config.h"
#include "instance.h"
#include "output.h"
#include "services.h"
#include "spill.h"

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

/* The current chain's scanners and policies (borrowed until the next call): every resource
   handed to the run goes through those that are ready. NULL, 0: none. Not thread-safe:
   before providers run and after they have finished. */
void run_chain_stages(run *r, instance **scanners, size_t scanner_count, instance **policies,
                      size_t policy_count);

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
/*
 * run_resource_text: hand the run a resource as compact JSON text (borrowed, `len` bytes, not
 * NUL-terminated) that an isolated provider's process made (isolate_child.c: the resource
 * already complete and redacted of that process's secrets). Taken as it is, counted and
 * written without being parsed, when all the run does with resources is write them as JSON
 * (no scanner, policy, --kind filter or playbook needs the value) and no secret this process
 * knows can be in it: returns true. Otherwise returns false and does nothing: the caller
 * parses the text and calls run_resource. Thread-safe.
 */
bool run_resource_text(run *r, fwk_ctx *ctx, const char *text, size_t len);
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
