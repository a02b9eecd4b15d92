/* playbook.h: run one Lua playbook: plan its actions, guard them, apply them when allowed. */
#ifndef HOST_PLAYBOOK_H
#define HOST_PLAYBOOK_H

#include <stdbool.h>

#include <jansson.h>

#include "engine.h"
#include "chain.h"
#include "diag.h"
#include "run.h"
#include "strlist.h"

/* Built-in guard-rail defaults (the config's `playbooks:` section overrides them). */
#define PLAYBOOK_DEFAULT_MAX_ACTIONS 25
#define PLAYBOOK_DEFAULT_MAX_PERCENT 100.0
#define PLAYBOOK_DEFAULT_COOLDOWN_MS (60L * 60 * 1000)

typedef struct playbook_options {
    const char *path;    /* the .lua file */
    bool apply;          /* --apply: execute the plan (else only show it) */
    const char *approve; /* --approve TOKEN, or NULL */
    const strlist *vars; /* --var K=V items (borrowed; may be NULL) */
    int jobs;            /* worker threads for inventories; 0: 8 */
} playbook_options;

/*
 * playbook_run: run the playbook at opts->path. The script runs once, in the sandbox, and
 * *plans*: fawkes.action/provision/notify and mutating fawkes.http requests are recorded,
 * not done. Then the guard rails judge the plan (cooldowns, max_actions, max_percent,
 * approval of high-risk steps) and, with opts->apply and nothing refused, the host executes
 * the steps in order. Every planned/approved/executed/skipped/failed action goes to the
 * audit log.
 *
 * `a` gives the config and plugins. `chain_run`/`chain` (both NULL outside a chain) give a
 * chain's run (its kept resources and findings) and instances, reused instead of listing
 * again. *result (new reference, always set) is the report: {"playbook", "path", "apply",
 * "status": "planned"|"applied"|"refused"|"error", "token", "plan": [...], "steps": [...],
 * "skipped": [...], "refusal"?, "error"?, "report": [...], "matched": n, "limits": {...},
 * "failures": [...]}.
 *
 * Returns the exit code (README.md, docs/lua.md): 0 planned or applied; 2 script error, limits hit,
 * approval missing or mismatched, circuit breaker tripped (nothing executed); 3 some step or
 * inventory failed (results incomplete); 4 internal error. `err` holds the main message
 * when the code is not 0.
 * Not thread-safe: one playbook at a time per process.
 */
int playbook_run(const engine_env *eng, run *chain_run, chain_exec *chain,
                 const playbook_options *opts, json_t **result, diag *err);

/* Print the report for people (the table format) to `stream`; a script error is left out
   (the caller prints it, once, on stderr). Report numbers have 15 significant digits, as
   in `-o json`. */
void playbook_print(FILE *stream, const json_t *result);

#endif
