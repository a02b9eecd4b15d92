/* serve_timer.h: when each scheduled chain is due next, and which are due now. */
#ifndef HOST_SERVE_TIMER_H
#define HOST_SERVE_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "cron.h"
#include "diag.h"

typedef struct serve_timer_entry {
    char *chain;    /* the chain's name (owned) */
    char *schedule; /* as written (owned) */
    cron_spec spec;
    int64_t next_ms; /* wall clock ms when it is due next */
} serve_timer_entry;

typedef struct serve_timer {
    serve_timer_entry *entries;
    size_t count;
} serve_timer;

/*
 * serve_timer_build: one entry per chain of `cfg` that has a schedule, each due at its next
 * time after `now_ms`. An entry of `old` (may be NULL) for a chain with the same schedule
 * keeps its due time, so a reload does not shift or repeat runs. Returns 0; or -1 with the
 * located error in err (a schedule that does not parse). *out is empty on error.
 */
int serve_timer_build(const config *cfg, const serve_timer *old, int64_t now_ms, serve_timer *out,
                      diag *err);

/* Free the entries; the timer is empty afterwards. */
void serve_timer_clear(serve_timer *t);

/*
 * serve_timer_due: for every entry due at `now_ms` (next_ms <= now_ms): when `is_running`
 * says the chain is still running, call `skipped` (the run is skipped and counted), else
 * `fire`; then move the entry to its next time after now_ms (a due time missed while the
 * process was stopped or the clock jumped fires once, not once per missed time). Returns
 * how many fired. The callbacks run on the caller's thread. Not thread-safe on one timer.
 */
size_t serve_timer_due(serve_timer *t, int64_t now_ms,
                       bool (*is_running)(void *ctx, const char *chain),
                       void (*fire)(void *ctx, const char *chain),
                       void (*skipped)(void *ctx, const char *chain), void *ctx);

/* Milliseconds from now_ms until the next entry is due (0 when one is due; -1: none). */
int64_t serve_timer_wait_ms(const serve_timer *t, int64_t now_ms);

#endif
