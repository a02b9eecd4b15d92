/* provider_call.h: one named provider instance opened outside a run, for the commands that
   call a single provider entry (provision, cost). */
#ifndef HOST_PROVIDER_CALL_H
#define HOST_PROVIDER_CALL_H

#include <jansson.h>

#include "engine.h"
#include "run.h"

/* An opened provider: its instance (init done) and the run it belongs to (no output; it
   carries the egress allowlist and the failures). */
typedef struct provider_call {
    run run;
    bool run_ready;
    instance *inst;
    const fwk_provider_vtable *vt; /* the plugin's provider table */
} provider_call;

/* Which optional provider entry a command needs. */
typedef enum provider_entry {
    PROVIDER_PROVISION,
    PROVIDER_COST
} provider_entry;

/* True when the provider instance `name` of the config is bound to a loaded provider plugin
   that offers `entry`. No plugin is called. */
bool provider_offers(const engine_env *eng, const char *name, provider_entry entry);

/*
 * provider_open: find the provider instance `name` in the config, bind it to its plugin,
 * check its config, check the plugin offers `entry`, and call its init. Returns an exit
 * code after printing the problem to stderr: EXIT_CODE_OK; EXIT_CODE_USAGE when there is no
 * such provider, its config is wrong, or it does not offer `entry` (nothing was called);
 * EXIT_CODE_PARTIAL when the plugin was refused by the loader or its init failed. Close *pc
 * with provider_close in every case. Not thread-safe (one command at a time).
 */
int provider_open(const engine_env *eng, const char *name, provider_entry entry, provider_call *pc);

/*
 * provider_invoke_provision / provider_invoke_cost: call the entry with a fresh per-call
 * context. On FWK_OK *result is the plugin's new reference with known secrets redacted. On
 * failure *message (malloc'd, redacted) says why ("the plugin gave no reason" when it did
 * not); free it. The caller turns the status into an exit code.
 */
fwk_status provider_invoke_provision(provider_call *pc, const char *what, const char *op,
                                     const json_t *spec, int dry_run, json_t **result,
                                     char **message);
fwk_status provider_invoke_cost(provider_call *pc, const json_t *request, json_t **report,
                                char **message);

/* fini the instance and free. Safe on a zeroed or partly opened call. */
void provider_close(provider_call *pc);

#endif
