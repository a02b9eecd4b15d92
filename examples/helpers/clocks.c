/* examples/helpers/clocks.c: time a step with the monotonic clock, stamp it with the wall. */
#include <stdio.h>

#include <fawkes/fwkx.h>

int main(void)
{
    int64_t started_ms = fwkx_clock_mono_ms();
    char stamp[FWKX_TIME_MAX];
    volatile unsigned long sum = 0;

    for (unsigned long i = 0; i < 1000000; i++)
        sum += i;
    int64_t took_ms = fwkx_clock_mono_ms() - started_ms;
    fwkx_time_format(fwkx_clock_wall_ms(), stamp, sizeof stamp);
    printf("took %s; stamped %s\n", took_ms >= 0 ? "a measurable time" : "negative time?!",
           stamp[0] >= '2' ? "after the year 2000" : "in the past?!");
    return 0;
}
