/* test_scheduler.c: every job runs once, and no owner ever exceeds its cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "scheduler.h"

typedef struct owner_state {
    atomic_int running;
    atomic_int peak;
} owner_state;

typedef struct job_arg {
    owner_state *owner;
    atomic_int runs;
} job_arg;

static void slow_job(void *arg)
{
    job_arg *job = arg;
    int now = atomic_fetch_add(&job->owner->running, 1) + 1;
    int peak = atomic_load(&job->owner->peak);
    while (now > peak && !atomic_compare_exchange_weak(&job->owner->peak, &peak, now))
        ;
    struct timespec pause = {0, 2 * 1000 * 1000};
    nanosleep(&pause, NULL);
    atomic_fetch_add(&job->runs, 1);
    atomic_fetch_sub(&job->owner->running, 1);
}

static void every_job_runs_once_within_owner_caps(void **state)
{
    (void)state;
    enum {
        JOBS = 60
    };
    owner_state capped = {0}, wide = {0};
    job_arg args[JOBS];
    sched_job jobs[JOBS];
    for (int i = 0; i < JOBS; i++) {
        args[i].owner = i % 2 ? &capped : &wide;
        atomic_init(&args[i].runs, 0);
        jobs[i] = (sched_job){args[i].owner, i % 2 ? 2 : 0, slow_job, &args[i]};
    }
    assert_int_equal(sched_run(jobs, JOBS, 8), 0);
    for (int i = 0; i < JOBS; i++)
        assert_int_equal(atomic_load(&args[i].runs), 1);
    assert_true(atomic_load(&capped.peak) <= 2);
    assert_true(atomic_load(&capped.peak) >= 1);
    assert_int_equal(atomic_load(&capped.running), 0);
}

static void single_worker_runs_serially(void **state)
{
    (void)state;
    owner_state owner = {0};
    job_arg args[5];
    sched_job jobs[5];
    for (int i = 0; i < 5; i++) {
        args[i].owner = &owner;
        atomic_init(&args[i].runs, 0);
        jobs[i] = (sched_job){&owner, 0, slow_job, &args[i]};
    }
    assert_int_equal(sched_run(jobs, 5, 1), 0);
    assert_int_equal(atomic_load(&owner.peak), 1);
    for (int i = 0; i < 5; i++)
        assert_int_equal(atomic_load(&args[i].runs), 1);
}

static void no_jobs_is_fine(void **state)
{
    (void)state;
    assert_int_equal(sched_run(NULL, 0, 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_job_runs_once_within_owner_caps),
        cmocka_unit_test(single_worker_runs_serially),
        cmocka_unit_test(no_jobs_is_fine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
