/* clock.h: the host's one clock: monotonic milliseconds for durations and deadlines, wall
   milliseconds for timestamps. */
#ifndef HOST_CLOCK_H
#define HOST_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds of CLOCK_MONOTONIC (only moves forward; its zero means nothing): durations,
   deadlines, rates. Thread-safe. */
int64_t clock_mono_ms(void);
/* The same rounded up to the next millisecond: a deadline computed from it is never early. */
int64_t clock_mono_ms_ceil(void);
/* The CLOCK_MONOTONIC time `ms` milliseconds from now, as the struct timespec a deadline of
   pthread_cond_timedwait wants (the condition variable set to CLOCK_MONOTONIC with
   pthread_condattr_setclock). Thread-safe. */
struct timespec clock_mono_deadline(int64_t ms);
/* Milliseconds since 1970-01-01T00:00:00Z (CLOCK_REALTIME; may jump): timestamps, cooldowns
   and expiries kept in the state file. Thread-safe. */
int64_t clock_wall_ms(void);

#endif
