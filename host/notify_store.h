/* notify_store.h: the notifiers' tables in the state file: what was sent (dedup,
   renotify), the delivery queue (retried next run), and each notifier's rate bucket. */
#ifndef HOST_NOTIFY_STORE_H
#define HOST_NOTIFY_STORE_H

#include <stdint.h>

#include <jansson.h>

#include "diag.h"
#include "state.h"

/*
 * Tables: notify_sent (notifier, chain, fingerprint -> last event and when), notify_queue
 * (messages not yet delivered, with a lease so two processes never send the same one), and
 * notify_rate (a token bucket per notifier, so a rate holds across runs). Every function
 * runs its own short transaction; several processes may use one state file at once. A
 * `state_store` is used by one thread at a time. Times are wall-clock ms since the epoch.
 */

/* Create the tables. Returns 0, or -1 with err. */
int notify_store_init(state_store *st, diag *err);

/* What `notifier` was last told about each fingerprint of `chain`:
   {fingerprint: {"event": "new"|"open"|"resolved", "at": ms}}. New reference; NULL on error
   (err set). */
json_t *notify_sent_load(state_store *st, const char *notifier, const char *chain, diag *err);

/* Record that `notifier` was told (or a queued message will tell it) `event` about each
   finding in `findings` (their "fingerprint" and "delta") at `now`. In its own transaction,
   or in the caller's when `in_transaction`. Returns 0, or -1 (its own transaction rolled
   back). */
int notify_sent_record(state_store *st, const char *notifier, const char *chain,
                       const json_t *findings, int64_t now, int in_transaction, diag *err);

/* Queue `message` (serialized; secrets already redacted) for `notifier`, with `reason` why it
   was not delivered (may be NULL: held back by the rate limit). Returns 0, or -1. */
int notify_queue_push(state_store *st, const char *notifier, const char *chain,
                      const json_t *message, const char *reason, diag *err);

/* Claim up to `limit` queued messages of `notifier`, oldest first, that no other process
   holds: [{"id", "message", "attempts"}] (each leased for `lease_ms`). New reference; NULL on
   error. */
json_t *notify_queue_claim(state_store *st, const char *notifier, int limit, int64_t lease_ms,
                           diag *err);

/* A claimed message was delivered: delete it. Returns 0, or -1. */
int notify_queue_done(state_store *st, json_int_t id, diag *err);

/* A claimed message was not delivered: count the attempt (when `reason` is not NULL), keep
   `reason`, and release the lease. Returns 0, or -1. */
int notify_queue_release(state_store *st, json_int_t id, const char *reason, diag *err);

/* How many messages of `notifier` are queued. -1 on error. */
long notify_queue_count(state_store *st, const char *notifier, diag *err);

/* Take one token from `notifier`'s bucket (refilled at `per_s`, holding at most `burst`).
   Returns 1 when taken, 0 when the bucket is empty, -1 on error. per_s <= 0: always 1. */
int notify_rate_take(state_store *st, const char *notifier, double per_s, double burst, diag *err);

#endif
