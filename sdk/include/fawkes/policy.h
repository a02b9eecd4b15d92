/* fawkes/policy.h: the function table of a policy plugin (documents in, decisions out). */
#ifndef FAWKES_POLICY_H
#define FAWKES_POLICY_H

#include "fawkes/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fwk_policy_vtable {
    size_t struct_size; /* sizeof(fwk_policy_vtable) as the plugin was compiled */

    /*
     * evaluate (required, concurrent): judge one JSON document (borrowed; a normalized
     * resource, or any document such as an authorization request). Store in *decisions a
     * new reference to a JSON array of decisions:
     *   {"effect": "deny|warn|allow|error", "policy", "rule", "reason", "severity",
     *    "compliance": [..], "title", "remediation",
     *    "exception": {"id", "owner", "reason", "expires"} | absent}
     * In chains the host turns deny/warn into findings with status "fail", allow into
     * "pass", and error (the policy could not decide, e.g. a field of the wrong type) into
     * "error".
     */
    fwk_status (*evaluate)(fwk_ctx *ctx, void *instance, const json_t *document,
                           json_t **decisions);

    /*
     * test (optional, serial): run the policy tests under `path`; *report: new reference
     * {"passed": n, "failed": n, "cases": [{"name", "status", "message"}], "uncovered": [..]}.
     * The host tests it with FWK_VTABLE_HAS; it makes no capability.
     */
    fwk_status (*test)(fwk_ctx *ctx, void *instance, const char *path, json_t **report);
} fwk_policy_vtable;

#ifdef __cplusplus
}
#endif
#endif /* FAWKES_POLICY_H */
