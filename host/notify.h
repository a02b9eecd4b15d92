/* notify.h: the end of a chain: route its recorded findings to the chain's notifiers (dedup,
   renotify, digest, rate, queue). */
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
 * notify_chain: called once a chain has ended in r->history (history_chain_end has recorded
 * it and reported its resolved findings): unless the run is being cancelled, for each
 * notifier: first the messages queued by earlier runs (oldest first), then this chain's
 * findings it wants (notify_route.h: min severity and match; `on` events; an open finding
 * again after renotify_after; each finding once, deduplicated against what the notifier
 * was already sent), one message per finding (most severe first; new before resolved
 * before open; then by rule and fingerprint) or one digest (counts of all, the first
 * digest_top in that order), within its rate. The findings are read back from the history
 * with a cursor, once per notifier, and decided and recorded in batches: memory does not
 * grow with their number. A message that could not be delivered (the plugin said RETRY or
 * ERROR, or the notifier could not start) stays queued for the next run and the run is
 * partial (exit 3); one held back by the rate limit is queued without failing the run.
 * Messages are redacted before they leave the host or reach the state. With no history
 * (r->history NULL) there is nothing to notify from: nothing is sent.
 * Notifiers are called one at a time from this thread. Thread: the chain's.
 */
void notify_chain(run *r, instance **notifiers, size_t count);

#endif
