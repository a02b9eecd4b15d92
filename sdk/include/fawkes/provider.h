/* fawkes/provider.h: the function table of a provider plugin (inventory, actions, cost). */
#ifndef FAWKES_PROVIDER_H
#define FAWKES_PROVIDER_H

#include "fawkes/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A provider turns a cloud account into normalized resources. The host asks it for a plan
 * of tasks (typically region x resource kind), runs the tasks on worker threads, and
 * streams what each task emits through the chain. A failing task makes the run partial;
 * the others go on.
 *
 * Optional entries may be NULL; the host then answers "unsupported" for them. The host tests
 * each with FWK_VTABLE_HAS, so a table built against an older SDK is never read past its
 * end. They make the capabilities, which .capabilities must declare exactly (plugin.h):
 * list_actions and run_action together FWK_CAP_ACTIONS (one alone is refused), provision
 * FWK_CAP_PROVISION, cost FWK_CAP_COST.
 */
typedef struct fwk_provider_vtable {
    size_t struct_size; /* sizeof(fwk_provider_vtable) as the plugin was compiled */

    /*
     * plan_tasks (required, serial): list the tasks of an inventory. `request` (borrowed) is
     * {"kinds": [..] | null, "regions": [..] | null}: null means all. Store in *tasks a new
     * reference to a JSON array of task objects; each has a unique "name" (shown in errors,
     * e.g. "LON1/compute.instance") and whatever else run_task needs. May call the network
     * (e.g. to list regions).
     */
    fwk_status (*plan_tasks)(fwk_ctx *ctx, void *instance, const json_t *request, json_t **tasks);

    /*
     * run_task (required, concurrent): run one task from the plan (borrowed) and emit its
     * resources with host->emit_resource. Return FWK_OK, or FWK_ERROR / FWK_PARTIAL after
     * host->fail() naming the region, page or request that failed. Check host->cancelled()
     * between pages.
     */
    fwk_status (*run_task)(fwk_ctx *ctx, void *instance, const json_t *task);

    /*
     * list_actions (optional, serial): a new JSON array describing the remediation actions:
     * [{"name": "stop", "kinds": ["compute.instance"], "risk": "low|medium|high",
     *   "description": "...", "params": {JSON Schema}}].
     */
    fwk_status (*list_actions)(fwk_ctx *ctx, void *instance, json_t **actions);

    /*
     * run_action (optional, concurrent): apply `action` with `params` (borrowed, may be NULL)
     * to `resource` (borrowed, a normalized resource). When `dry_run` is nonzero the plugin
     * performs no mutating request and describes what it would send. *result: new reference
     * {"changed": bool, "requests": [{"method", "url", "body"}], ...}, secrets left out.
     */
    fwk_status (*run_action)(fwk_ctx *ctx, void *instance, const json_t *resource,
                             const char *action, const json_t *params, int dry_run,
                             json_t **result);

    /*
     * provision (optional, serial): `what` is "cluster", "database" or "bucket", `op` is
     * "create" or "delete", `spec` (borrowed) the provider-neutral spec. Dry run as above.
     * *result: new reference {"requests": [{"method", "url", "body"}], "responses": [...]
     * (sent only), "targets": [...], "risk"?}: for a delete, "targets" holds the normalized
     * resources it would remove, read (GET) in the dry run too, so the host can refuse a
     * protected one; "risk": "high" makes the host require an approved plan token for any op
     * (a delete always does). The host calls it with dry_run first, then (approved) without.
     */
    fwk_status (*provision)(fwk_ctx *ctx, void *instance, const char *what, const char *op,
                            const json_t *spec, int dry_run, json_t **result);

    /*
     * cost (optional, serial): billed cost over {"from": RFC 3339, "to": RFC 3339}
     * (borrowed). *report: new reference {"currency", "total", "items": [...]}.
     */
    fwk_status (*cost)(fwk_ctx *ctx, void *instance, const json_t *request, json_t **report);
} fwk_provider_vtable;

#ifdef __cplusplus
}
#endif
#endif /* FAWKES_PROVIDER_H */
