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

/*
 * What one notifier was told about the findings of one chain, read and written one
 * fingerprint at a time through prepared statements on notify_sent's primary key: memory
 * stays the same whatever the number of findings. One table row per (notifier, chain,
 * fingerprint) ever sent, replaced in place; rows are not pruned (a renamed notifier or chain
 * leaves its rows behind).
 */
typedef struct notify_sent_log notify_sent_log;

/* The last thing a notifier was told about a fingerprint. */
typedef struct notify_sent_entry {
    char event[16]; /* "new", "open" or "resolved" */
    int64_t at;     /* when, ms since the epoch */
} notify_sent_entry;

/* Prepare the statements for `notifier` and `chain` (both copied). Returns 0, or -1 with
   err. Close with notify_sent_close before the state store. */
int notify_sent_open(state_store *st, const char *notifier, const char *chain,
                     notify_sent_log **out, diag *err);

/* What was sent about `fingerprint`: 1 (and *entry set), 0 when never, -1 on a read error
   (err set). In the caller's transaction, or in none (each read is then its own snapshot:
   nothing is left open that would keep a later state_begin from writing). */
int notify_sent_get(notify_sent_log *log, const char *fingerprint, notify_sent_entry *entry,
                    diag *err);

/* Record that the notifier was told (or a queued message will tell it) `event` about
   `fingerprint` at `at`. Call inside the caller's transaction (state_begin), so a batch of
   decisions is written at once. Returns 0, or -1 with err. */
int notify_sent_put(notify_sent_log *log, const char *fingerprint, const char *event, int64_t at,
                    diag *err);

/* NULL allowed. */
void notify_sent_close(notify_sent_log *log);

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
