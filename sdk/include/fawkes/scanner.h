/* fawkes/scanner.h: the function table of a scanner plugin (resources in, findings out). */
#ifndef FAWKES_SCANNER_H
#define FAWKES_SCANNER_H

#include "fawkes/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fwk_scanner_vtable {
    size_t struct_size; /* sizeof(fwk_scanner_vtable) as the plugin was compiled */

    /*
     * scan_resource (required, concurrent): look at one normalized resource (borrowed) and
     * emit zero or more findings with host->emit_finding. The host fills `source`,
     * `fingerprint` (when absent) and `resource` (when absent) of each finding.
     * A resource that cannot be judged gets a finding with "status": "error", never a pass.
     */
    fwk_status (*scan_resource)(fwk_ctx *ctx, void *instance, const json_t *resource);

    /* finish (optional, serial): called once after the last resource; may emit findings
       that need the whole inventory (e.g. duplicates across accounts). The host tests it with
       FWK_VTABLE_HAS; it makes no capability. */
    fwk_status (*finish)(fwk_ctx *ctx, void *instance);
} fwk_scanner_vtable;

#ifdef __cplusplus
}
#endif
#endif /* FAWKES_SCANNER_H */
