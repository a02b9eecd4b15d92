/* cron.h: schedules of `fawkes serve`: 5-field cron expressions and @every/@hourly/... */
#ifndef HOST_SERVE_CRON_H
#define HOST_SERVE_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A parsed schedule. Cron fields are bit sets; times are UTC. */
typedef struct cron_spec {
    uint64_t minutes; /* bit m: minute m (0-59) */
    uint32_t hours;   /* bit h: hour h (0-23) */
    uint32_t days;    /* bit d: day of month d (1-31) */
    uint16_t months;  /* bit m: month m (1-12) */
    uint8_t weekdays; /* bit w: weekday w (0 Sunday .. 6 Saturday) */
    bool days_any;    /* the day-of-month field was `*` (or `*`/n) */
    bool weekdays_any;
    int64_t every_ms; /* @every DURATION: > 0 and the fields above unused; 0 for cron */
} cron_spec;

/*
 * cron_parse: parse `text`: five fields "MIN HOUR DOM MON DOW", each `*`, `*`/N, N, A-B,
 * A-B/N, A/N or a comma list of those; months jan..dec and weekdays sun..sat by name
 * (any case), weekday 7 is Sunday; when both DOM and DOW are restricted either may match
 * (as Vixie cron does). Or a macro: @yearly (@annually), @monthly, @weekly, @daily
 * (@midnight), @hourly, or "@every DURATION" (250ms, 30s, 5m, 2h, 1d; at least 1s).
 * Returns 0; or -1 with what is wrong and what is expected in `why` (never NULL).
 * An expression that can never fire ("0 0 31 2 *") is an error too. Thread-safe.
 */
int cron_parse(const char *text, cron_spec *out, char *why, size_t why_size);

/*
 * cron_next: the first time strictly after `after_ms` (milliseconds since the epoch, UTC)
 * when `spec` fires: for cron, the start of a matching minute; for @every, after_ms plus
 * the interval. Returns -1 only when no time within 8 years matches (cron_parse refuses
 * such specs). Thread-safe.
 */
int64_t cron_next(const cron_spec *spec, int64_t after_ms);

#endif
