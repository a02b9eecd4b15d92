/* playbook_internal.h: what the playbook files share: the session of one playbook run. */
#ifndef HOST_PLAYBOOK_INTERNAL_H
#define HOST_PLAYBOOK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "playbook.h"
#include "pb_sandbox.h"
#include "spill.h"
#include "state.h"

/* The effective guard rails of one run. */
typedef struct pb_limits {
    int max_actions;
    double max_percent;
    long cooldown_ms;
} pb_limits;

/*
 * The distinct resources the inventory iterators yielded, for max_percent: counted by uid
 * (each iteration parses its resources afresh, so pointers say nothing), as 64-bit hashes
 * in an open-addressing table (8 to 16 bytes per uid). Two different uids share a hash with
 * odds of about n^2 / 2^65 (3e-8 for a million), the one way the count could be short.
 */
typedef struct pb_uidset {
    uint64_t *slots; /* 0: empty (a uid hashing to 0 is has_zero) */
    size_t capacity; /* a power of two, or 0 */
    size_t count;
    bool has_zero;
} pb_uidset;

/* playbook_uids.c. Add `uid`. Returns 1 when it was new, 0 when already there, -1 when out of
 * memory. */
int pb_uidset_add(pb_uidset *set, const char *uid);
void pb_uidset_clear(pb_uidset *set);

/* An inventory or scan the session ran itself (outside a chain, or for other providers). */
typedef struct pb_exec {
    chain_plan plan;
    chain_exec exec;
} pb_exec;

typedef struct pb_session {
    const engine_env *a;
    const playbook_options *opts;
    char *name; /* meta.name, or the file's base name without .lua */
    sandbox *sb;
    strlist lib_dirs; /* where require() looks (the sandbox borrows it) */
    run own;          /* the session's run: its inventories, scans, plugin calls; its
                         kept_resources hold what the session listed itself */
    bool own_ready;
    run *chain_run;    /* a chain's run, or NULL */
    chain_exec *chain; /* a chain's instances, or NULL */
    pb_exec **execs;   /* inventories/scans run by the session */
    size_t exec_count;
    strlist listed;     /* providers the session listed (their resources: own.kept_resources) */
    instance **singles; /* policies/notifiers the session initialised */
    size_t single_count;
    bool scanned;         /* the findings scan ran (outside a chain) */
    json_t *actions_of;   /* {instance name: list_actions result} */
    pb_uidset matched;    /* distinct resources (uids) the inventory iterators yielded */
    json_t *steps;        /* planned steps, in order */
    json_t *report;       /* fawkes.report items */
    json_t *state_writes; /* {key: value|null}: fawkes.state.set, applied with the plan */
    json_t *failures;     /* non-fatal problems ([{"operation", "message"}]) */
    http_client *http;    /* fawkes.http.request's client */
    state_store *store;   /* the state file, opened on first use */
    pb_limits limits;
} pb_session;

/* The session a Lua state belongs to (registered by pb_api_open). */
pb_session *pb_session_of(lua_State *L);

/* ---- playbook.c: instances and data ---- */

/*
 * pb_resources: the spill holding the resources of provider instance `name` (group `name`;
 * borrowed, outlives the Lua state), listing them on first use: the chain's, when the chain
 * has that provider, else the session's own listing. *inst is the instance that listed
 * them. NULL with err set when there is no such provider, or its resources could not be
 * kept.
 */
spill *pb_resources(pb_session *s, const char *name, instance **inst, diag *err);
/* Names of every provider instance to consider (the chain's, or the config's). */
void pb_provider_names(pb_session *s, strlist *out);
/* The spill holding the fail findings (group "fails"; borrowed): the chain's, or those of a
   scan run on first use. NULL with err set when they could not be kept. */
spill *pb_findings(pb_session *s, diag *err);
/* A ready instance of `section` named `name`, initialising it on first use; NULL with err. */
instance *pb_instance(pb_session *s, config_section section, const char *name, diag *err);
/* The provider instance `name`: the one that listed resources, else a new one. */
instance *pb_provider(pb_session *s, const char *name, diag *err);
/* The actions a provider instance offers (borrowed array; empty when none). */
const json_t *pb_actions_of(pb_session *s, instance *inst);
/* The state file, opened (and its playbook_ tables created) on first use. */
state_store *pb_store(pb_session *s, diag *err);
/* Record a non-fatal problem (logged at error level; the run ends with exit 3). */
void pb_failure(pb_session *s, const char *operation, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- pb_api.c: the fawkes module ---- */

/* Register the `fawkes` module in the session's sandbox (global and require "fawkes"). */
int pb_api_open(pb_session *s, diag *err);

/* ---- playbook_store.c: the playbook_ tables ---- */

int pb_store_init(state_store *st, diag *err);
/* The stored value of `key` for playbook `name` (new reference) or NULL when unset. */
json_t *pb_state_get(state_store *st, const char *name, const char *key);
/* Write `writes` ({key: value|null}) for playbook `name` in one transaction. */
int pb_state_write(state_store *st, const char *name, const json_t *writes, diag *err);
/* Last time (unix ms) playbook `name` acted on `uid`; 0 when never. */
int64_t pb_cooldown_last(state_store *st, const char *name, const char *uid);
int pb_cooldown_mark(state_store *st, const char *name, const char *uid, int64_t at_ms, diag *err);
/* Keep a plan (array) under its token; look one up (new reference or NULL). */
int pb_plan_save(state_store *st, const char *name, const char *token, const json_t *plan,
                 diag *err);
json_t *pb_plan_load(state_store *st, const char *token, char **playbook_name);

/* ---- playbook_plan.c: token, guard rails, execution ---- */

/* The canonical plan (new reference) of the session's steps: what the token covers. */
json_t *pb_plan_canonical(const pb_session *s);
/* SHA-256 (hex, 64 chars + NUL) of the canonical plan. */
void pb_plan_token(const pb_session *s, const json_t *canonical, char token[65]);
/*
 * pb_guard_and_apply: judge the plan, audit it, and with --apply execute it. Fills `result`
 * (status, token, plan, steps, skipped, refusal). Returns the exit code.
 */
int pb_guard_and_apply(pb_session *s, json_t *result, diag *err);

/* The run id entries carry: the chain's run in a chain, else the session's own. */
const char *pb_run_id(const pb_session *s);

#endif
