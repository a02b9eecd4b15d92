/* serve_metrics.h: the daemon's counters, gauges and histogram in Prometheus text format. */
#ifndef HOST_SERVE_METRICS_H
#define HOST_SERVE_METRICS_H

#include <jansson.h>

typedef struct serve_metrics serve_metrics;

/* A new, empty set (every family known, no samples). NULL when out of memory. */
serve_metrics *serve_metrics_new(void);
void serve_metrics_free(serve_metrics *m);

/*
 * serve_metrics_add / serve_metrics_set: add `delta` to (counters) or set `value` of
 * (gauges) the sample of family `name` with the labels given as NULL-terminated name,
 * value pairs: serve_metrics_add(m, "fawkes_runs_total", 1, "chain", "x", "trigger",
 * "schedule", "status", "ok", NULL). Label values are escaped. An unknown family is
 * ignored. Thread-safe.
 */
void serve_metrics_add(serve_metrics *m, const char *name, double delta, ...)
    __attribute__((sentinel));
void serve_metrics_set(serve_metrics *m, const char *name, double value, ...)
    __attribute__((sentinel));

/* Observe one run's duration in fawkes_run_duration_seconds. Thread-safe. */
void serve_metrics_observe_run(serve_metrics *m, double seconds);

/*
 * serve_metrics_add_chain_stats: fold a chain run's instance counters (chain_stats output,
 * {instance: {"plugin", "requests", "retries", ...}}; borrowed) into
 * fawkes_http_requests_total{instance,outcome} and fawkes_notifications_total{notifier,
 * outcome}. Thread-safe.
 */
void serve_metrics_add_chain_stats(serve_metrics *m, const json_t *stats);

/* The exposition text (version 0.0.4) with process metrics; new string (free()), or NULL
   when out of memory. Thread-safe. */
char *serve_metrics_render(serve_metrics *m);

#endif
