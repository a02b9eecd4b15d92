/* notify.h: the end of a chain: record its history, report resolved findings, and route
   the findings to the chain's notifiers (dedup, renotify, digest, rate, queue). */
#ifndef HOST_NOTIFY_H
#define HOST_NOTIFY_H

#include "diag.h"
#include "run.h"

/*
 * notify_check: may this notifier instance run as configured? A `digest: true` on a plugin
 * without FWK_CAP_DIGEST is a config error. Returns 0, or -1 with "FILE:L:C: ..." in err.
 * A refused plugin (plug == NULL) passes: the run reports it.
 */
int notify_check(const instance *notifier, const config *cfg, diag *err);

/*
 * notify_chain: called once a chain's findings are in (after scanners finished):
 * 1. history: ends the chain in r->history (when set): the resolved findings go to the
 *    output like other findings (counted in r->finding_count); a state error is a failure.
 * 2. unless the run is being cancelled, for each notifier: first the messages queued by
 *    earlier runs (oldest first), then this chain's findings it wants (notify_route.h: min
 *    severity and match; `on` events; an open finding again after renotify_after; each
 *    finding once, deduplicated against what the notifier was already sent), one message per
 *    finding or one digest, within its rate. A message that could not be delivered (the
 *    plugin said RETRY or ERROR, or the notifier could not start) stays queued for the next
 *    run and the run is partial (exit 3); one held back by the rate limit is queued without
 *    failing the run. Messages are redacted before they leave the host or reach the state.
 * Notifiers are called one at a time from this thread. Thread: the chain's.
 */
void notify_chain(run *r, instance **notifiers, size_t count);

#endif
