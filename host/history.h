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
 * Tables (created on first use, prefixed history_): runs (one row per complete run and
 * chain, with its counts), keys (the fail and error findings of each run, by a 16-byte
 * binary fingerprint key, with status and delta) and pages (the findings' JSON, compressed
 * in pages, read back for resolved findings, notifiers and playbooks). Pass findings are
 * counted, not stored. Runs older than the retention (HISTORY_KEEP_RUNS_DEFAULT runs and
 * HISTORY_KEEP_DAYS_DEFAULT days per chain unless the config's `history:` says otherwise)
 * are pruned as new ones are recorded.
 *
 * Per chain: history_chain_begin loads the baseline's fail keys (the newest earlier
 * complete run of the chain, or the --since run) into memory (12 bytes per fail finding of
 * the baseline), history_mark gives each finding its delta as it streams by and spills its
 * key and body to temporary files, and history_chain_end merges this run's keys (sorted on
 * disk) with the baseline's, writes the run, its keys and pages in one transaction (a run
 * killed before leaves the state as it was) and reports the resolved findings. Memory does
 * not grow with the number of this run's findings, pass or fail, nor with their bodies.
 *
 * Thread-safety: history_mark may be called from many workers at once; every other
 * function is called by one thread (the one running the chain).
 */
typedef struct history history;

#define HISTORY_KEEP_RUNS_DEFAULT 200
#define HISTORY_KEEP_DAYS_DEFAULT 90

/*
 * history_open: open the state file the config names (state_path_for) and create the
 * tables. `since` (may be NULL) is a run id, or a unique prefix of one (at least 6 hex
 * digits), that every chain compares against instead of its previous run. Returns 0; or
 * -1 with the reason and what to do in err (unwritable state, unknown or ambiguous run id:
 * a usage error, nothing has run). Free with history_close.
 */
int history_open(const config *cfg, const char *since, history **out, diag *err);

/* Close; NULL allowed. A chain begun and not ended is dropped (nothing recorded). */
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
 * its baseline's keys. Returns 0, or -1 with err (state unreadable); deltas are then all
 * "new".
 */
int history_chain_begin(history *h, const char *run_id, const char *key, const char *started_at,
                        diag *err);

/*
 * history_mark: set "delta" on `finding` (a completed finding; modified in place) and
 * remember it. A fail or error finding is "open" when the baseline holds its fingerprint
 * with the same status, else "new"; it is kept (its JSON spilled) for history_chain_end and
 * the cursors. A pass finding is only counted: it is "new" when the chain has no baseline
 * or the baseline had it failing, else "open" (passes are not stored one by one).
 * Returns 1 when the finding is a fail, 0 when it is not (a pass, an error; a fingerprint
 * reported twice gets the same delta each time, and history_chain_end keeps the first
 * report), -1 when keeping it failed (the state's temporary file: reported at
 * history_chain_end). Thread-safe. NULL `h`, or no chain begun: returns 1 for a fail and 0
 * otherwise, setting no delta.
 */
int history_mark(history *h, json_t *finding);

/* Count `n` pass findings that are not built (the output only counts passes) and return
   their delta ("new" or "open", as history_mark would set it). Thread-safe. NULL (no delta)
   when `h` is NULL or no chain is being recorded. */
const char *history_pass(history *h, size_t n);

/*
 * history_chain_end: finish the chain. Unless `partial`, the baseline's fail findings this
 * run did not report as fail are resolved: each is passed to `resolved` (a copy of the
 * earlier finding with "delta": "resolved" and "status": "pass"; borrowed for the call)
 * and is not carried further. When `partial` (something failed, so an absent finding proves
 * nothing) none is resolved and they are carried into this run's record unreported.
 * Records the run, its keys and pages and prunes old runs in one transaction. Returns 0; or
 * -1 with err (state unwritable or unreadable: the run's record is then lost, and the
 * caller reports a failure). `resolved` may be NULL.
 */
int history_chain_end(history *h, bool partial, void (*resolved)(void *ud, const json_t *finding),
                      void *ud, diag *err);

/* Counts of the current chain: {"new": n, "open": n, "resolved": n} of its fail findings
   (the same for an ended chain until the next begin). New reference. */
json_t *history_chain_counts(const history *h);

/*
 * A cursor over the findings the last ended chain recorded, read back from the state file
 * page by page (memory stays flat): `what` is HISTORY_FAILS (the fail findings this run
 * reported, each with its delta, in the order they arrived), HISTORY_RESOLVED (the resolved
 * ones, as passed to history_chain_end's callback), or both (fails first).
 * Valid from history_chain_end until the next history_chain_begin or history_close.
 */
typedef struct history_cursor history_cursor;

#define HISTORY_FAILS 1u
#define HISTORY_RESOLVED 2u

/* Returns 0; or -1 with err (no chain ended, state unreadable). */
int history_cursor_open(history *h, unsigned what, history_cursor **out, diag *err);

/* The next finding (new reference), or NULL at the end (err untouched) or on a read error
   (err set). */
json_t *history_cursor_next(history_cursor *c, diag *err);

/* NULL allowed. */
void history_cursor_close(history_cursor *c);

#endif
