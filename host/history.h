/* history.h: run history in the state file: findings by fingerprint per chain, and the
   delta (new | open | resolved) of every finding against an earlier run. */
#ifndef HOST_HISTORY_H
#define HOST_HISTORY_H

#include <stdbool.h>

#include <jansson.h>

#include "config.h"
#include "diag.h"
#include "state.h"
#include "strlist.h"

/*
 * A history: the state file opened for one `fawkes run`/`scan`, and the chain being run.
 * Tables (created on first use): history_runs (one row per run and chain) and
 * history_findings (the findings of each, by fingerprint). Only the newest
 * HISTORY_KEEP_RUNS runs of each chain are kept.
 *
 * Per chain: history_chain_begin loads the baseline (the newest earlier run of the chain,
 * or the --since run), history_mark gives each finding its delta as it streams by, and
 * history_chain_end records the run and returns the resolved findings.
 *
 * Thread-safety: history_mark may be called from many workers at once; every other
 * function is called by one thread (the one running the chain).
 */
typedef struct history history;

#define HISTORY_KEEP_RUNS 200

/*
 * history_open: open the state file the config names (state_path_for) and create the
 * tables. `since` (may be NULL) is a run id, or a unique prefix of one (at least 6 hex
 * digits), that every chain compares against instead of its previous run. Returns 0; or
 * -1 with the reason and what to do in err (unwritable state, unknown or ambiguous run id:
 * a usage error, nothing has run). Free with history_close.
 */
int history_open(const config *cfg, const char *since, history **out, diag *err);

/* Close; NULL allowed. */
void history_close(history *h);

/* The open state file (borrowed; the notifier queue shares it). */
state_store *history_state(history *h);

/*
 * history_chain_key: the name a chain's history is kept under: the chain name, plus the
 * --provider and --kind filters when given ("scan provider=a,b kind=x"), so a filtered run
 * is not compared with an unfiltered one. New string; free().
 */
char *history_chain_key(const char *chain, const strlist *providers, const strlist *kinds);

/*
 * history_check_since: with --since, does that run include chain `key`? Returns 0; or -1
 * with the run id, the chains it did run, and what to do in err.
 */
int history_check_since(history *h, const char *key, diag *err);

/*
 * history_chain_begin: start chain `key` of run `run_id` (started at `started_at`): load
 * its baseline. Returns 0, or -1 with err (state unreadable); deltas are then all "new".
 */
int history_chain_begin(history *h, const char *run_id, const char *key, const char *started_at,
                        diag *err);

/*
 * history_mark: set "delta" on `finding` (a completed finding; modified in place): "open"
 * when the baseline holds its fingerprint with the same status, else "new". The finding is
 * remembered (a reference is taken) for history_chain_end and history_chain_findings.
 * Thread-safe. NULL `h`, or no chain begun: no-op.
 */
void history_mark(history *h, json_t *finding);

/*
 * history_chain_end: finish the chain. Unless `partial`, the baseline's fail findings this
 * run did not report as fail are resolved: they are returned (a new array of copies with
 * "delta": "resolved" and "status": "pass") for the output and the notifiers, and are not
 * carried further. When `partial` (something failed, so an absent finding proves nothing)
 * none is resolved and they are carried into this run's record unreported. Records the run
 * and its findings in one transaction. Returns the resolved array (possibly empty); on a
 * state error also sets err (the run's record is then lost; the findings are still
 * returned and the caller reports a failure).
 */
json_t *history_chain_end(history *h, bool partial, diag *err);

/* The fail findings of the current chain so far, each with its delta (borrowed until the
   next history_chain_begin or history_close). */
const json_t *history_chain_findings(const history *h);

/* Counts of the current chain: {"new": n, "open": n, "resolved": n}. New reference. */
json_t *history_chain_counts(const history *h);

#endif
