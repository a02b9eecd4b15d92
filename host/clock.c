/* clock.c: the host's one clock (see clock.h). */
#include "clock.h"

#include <time.h>

static int64_t clock_ms(clockid_t id, long round_ns)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + (ts.tv_nsec + round_ns) / 1000000;
}

int64_t clock_mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC, 0);
}

int64_t clock_mono_ms_ceil(void)
{
    return clock_ms(CLOCK_MONOTONIC, 999999);
}

int64_t clock_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME, 0);
}
