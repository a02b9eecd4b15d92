/* test_clock.c: the host's one clock (host/clock.c): which clock each reading comes from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <time.h>

#include "clock.h"

static void monotonic_readings_never_go_back_and_the_ceiling_is_not_below(void **state)
{
    (void)state;
    int64_t before = clock_mono_ms();
    int64_t ceiling = clock_mono_ms_ceil();
    int64_t after = clock_mono_ms();
    assert_true(before <= after);
    assert_true(ceiling >= before);
    assert_true(ceiling <= after + 1);
}

static void deadlines_are_on_the_monotonic_clock(void **state)
{
    (void)state;
    int64_t before = clock_mono_ms();
    struct timespec deadline = clock_mono_deadline(1999);
    int64_t after = clock_mono_ms();
    int64_t deadline_ms = (int64_t)deadline.tv_sec * 1000 + deadline.tv_nsec / 1000000;
    assert_true(deadline.tv_nsec >= 0 && deadline.tv_nsec < 1000000000L);
    assert_true(deadline_ms >= before + 1999);
    assert_true(deadline_ms <= after + 1999);
}

static void wall_readings_are_unix_time(void **state)
{
    (void)state;
    int64_t before = (int64_t)time(NULL);
    int64_t wall = clock_wall_ms();
    int64_t after = (int64_t)time(NULL);
    /* time() may read a coarser copy of the same clock: a second either way is the same. */
    assert_true(wall / 1000 >= before - 1);
    assert_true(wall / 1000 <= after + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monotonic_readings_never_go_back_and_the_ceiling_is_not_below),
        cmocka_unit_test(deadlines_are_on_the_monotonic_clock),
        cmocka_unit_test(wall_readings_are_unix_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
