/* pagerduty.h: PagerDuty Events API v2 event bodies for findings (pure functions). */
#ifndef PAGERDUTY_H
#define PAGERDUTY_H

#include <jansson.h>

#define PAGERDUTY_SUMMARY_MAX 1024 /* Events API v2: payload.summary */

/* Finding severity -> PagerDuty severity: critical -> critical, high -> error,
   medium -> warning, low and info -> info. */
const char *pagerduty_severity(const char *finding_severity);

/*
 * pagerduty_event: the Events API v2 body for one finding of a notifier message:
 * - delta "resolved": {"routing_key", "event_action": "resolve", "dedup_key"};
 * - otherwise {"routing_key", "event_action": "trigger", "dedup_key", "client": "fawkes",
 *   "payload": {"summary", "source", "severity", "timestamp", "component", "group",
 *   "class", "custom_details"}}.
 * dedup_key is the finding's fingerprint, so PagerDuty folds repeats into one alert and the
 * resolve closes it. `run` is the message's run object (for the timestamp). New reference;
 * NULL when the finding has no fingerprint or on OOM. Thread-safe.
 */
json_t *pagerduty_event(const char *routing_key, const json_t *finding, const json_t *run);

#endif
