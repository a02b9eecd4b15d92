/* clock.c: the host's one clock (see clock.h). */
#include "clock.h"

#include "fawkes/fwkx.h"

static int64_t clock_ms(clockid_t id, long round_ns)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + (ts.tv_nsec + round_ns) / 1000000;
}

/* The plain readings are fwkx's (the host links it, as curl's tool links curlx); the host
   adds only what deadlines need. */
int64_t clock_mono_ms(void)
{
    return fwkx_clock_mono_ms();
}

int64_t clock_mono_ms_ceil(void)
{
    return clock_ms(CLOCK_MONOTONIC, 999999);
}

struct timespec clock_mono_deadline(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

int64_t clock_wall_ms(void)
{
    return fwkx_clock_wall_ms();
}
