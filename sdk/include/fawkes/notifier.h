/* fawkes/notifier.h: the function table of a notifier plugin (findings out to people). */
#ifndef FAWKES_NOTIFIER_H
#define FAWKES_NOTIFIER_H

#include "fawkes/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fwk_notifier_vtable {
    size_t struct_size; /* sizeof(fwk_notifier_vtable) as the plugin was compiled */

    /*
     * notify (required, serial): deliver one message (borrowed):
     *   {"run": {"id", "chain", "started_at"}, "digest": bool,
     *    "findings": [finding, ...], "text": "rendered text",
     *    "summary": {"total", "shown", "by_severity", "by_delta"}   (digests only)}
     * With "digest": false it holds one finding (always so without FWK_CAP_DIGEST). Each
     * finding has "delta": "new" | "open" | "resolved" (resolved ones have status "pass").
     * Secrets are already redacted. Return FWK_RETRY when delivery may succeed later,
     * FWK_ERROR when it never will (bad URL, refused by the allowlist), both after
     * host->fail(): the host keeps the message queued and retries it on the next run.
     *
     * Digests have no entry of their own: the same notify takes them. So FWK_CAP_DIGEST is
     * the one capability a plugin declares rather than derives from its table: declare it
     * when notify handles "digest": true messages (a config asking for digests from a
     * notifier without it is refused).
     */
    fwk_status (*notify)(fwk_ctx *ctx, void *instance, const json_t *message);
} fwk_notifier_vtable;

#ifdef __cplusplus
}
#endif
#endif /* FAWKES_NOTIFIER_H */
