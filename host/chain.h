/* chain.h: run one chain: providers -> scanners -> policies -> notifiers. */
#ifndef HOST_CHAIN_H
#define HOST_CHAIN_H

#include <stdatomic.h>

#include <jansson.h>

#include "engine.h"
#include "run.h"
#include "strlist.h"

/* What a chain runs: instance names per stage. */
typedef struct chain_plan {
    char *name; /* chain name, or the command ("inventory", "scan") */
    strlist providers, scanners, policies, notifiers;
    strlist playbooks; /* Lua playbooks run after the notifiers (paths) */
} chain_plan;

/* A chain ready to run: its instances bound and their configs checked. */
typedef struct chain_exec {
    const chain_plan *plan;
    const engine_env *engine; /* borrowed from chain_prepare (playbooks need it) */
    instance **stage[CONFIG_SECTION_COUNT];
    const char **refusal[CONFIG_SECTION_COUNT]; /* loader refusal per instance, or NULL */
    size_t stage_count[CONFIG_SECTION_COUNT];
    /* For a progress display reading from another thread (chain_progress): */
    atomic_llong *tasks_total, *tasks_done; /* per provider, in stage order */
    atomic_bool started;                    /* instances initialised (HTTP clients made) */
    json_t *playbooks; /* what each playbook did (chain_playbooks), or NULL before any ran */
} chain_exec;

/* What chain_progress reads of a chain while it runs. */
typedef struct chain_counts {
    long long resources, findings; /* emitted by its providers; by its scanners and policies */
    long long requests, throttles; /* HTTP requests of all its instances; 429/503 answers */
} chain_counts;

/*
 * chain_prepare: bind every instance the plan names to its plugin and check its config,
 * without calling any plugin. Returns 0; or -1 with a config error ("FILE:L:C: ...") in
 * `err`: nothing may run then (exit 2). Free with chain_close either way.
 */
int chain_prepare(const engine_env *eng, const chain_plan *plan, chain_exec *exec, diag *err);

/*
 * chain_init_policies: init the chain's policy instances before anything runs, so a policy
 * that does not load (bad YAML, unknown operator, ...) is an error with nothing run (exit 2)
 * rather than a failure of the run. `allow` is security.egress_allow. Returns 0, or -1 with
 * the plugin's message in `err`.
 */
int chain_init_policies(chain_exec *exec, const strlist *allow, diag *err);

/*
 * chain_execute: init the instances (a refused plugin or a failing init is a failure of the
 * run, and the others go on), plan and run the provider tasks on `jobs` workers (each
 * provider capped at its limits.concurrency), stream resources through the scanners and
 * policies into `r`, let scanners finish, then end the chain with notify_chain (history,
 * resolved findings, notifiers), then run the plan's playbooks (docs/lua.md) with the
 * chain's resources and findings; a playbook that fails or is refused is a failure of the
 * run.
 */
void chain_execute(chain_exec *exec, run *r, int jobs);

/*
 * chain_progress: add the chain's counts so far to `sum` (nothing before its instances are
 * initialised). Reads only atomic counters and a small JSON object per instance with HTTP
 * counters. Thread-safe: call from any thread while chain_execute runs on another, between
 * chain_prepare and chain_close.
 */
void chain_progress(const chain_exec *exec, chain_counts *sum);

/*
 * chain_playbooks: append to `out` (a JSON array) one object per playbook the chain ran:
 * {"chain", "playbook", "path", "status": "planned"|"applied"|"refused"|"error", "token"
 * (the plan's approval token, or null), "plan": [steps], "refusal"?, "error"?}. Not
 * thread-safe: after chain_execute.
 */
void chain_playbooks(const chain_exec *exec, json_t *out);

/* Add each instance's counters to `stats` ({instance: {...}}). */
void chain_stats(const chain_exec *exec, json_t *stats);

/* fini every instance and free. */
void chain_close(chain_exec *exec);

void chain_plan_clear(chain_plan *plan);

#endif
