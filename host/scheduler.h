/* scheduler.h: run jobs on worker threads, with a concurrency cap per owner. */
#ifndef HOST_SCHEDULER_H
#define HOST_SCHEDULER_H

#include <stddef.h>

typedef struct sched_job {
    const void *owner;     /* jobs of one owner share its cap (e.g. a provider instance) */
    int owner_limit;       /* max jobs of this owner at once; <= 0 means no cap */
    void (*fn)(void *arg); /* the work; called once, from a worker thread */
    void *arg;
} sched_job;

/*
 * sched_run: run every job on up to `workers` threads and return when all are done. Jobs
 * start in order, skipping a job whose owner is at its cap until a slot frees. With
 * workers <= 1, or when threads cannot be started, jobs run on the calling thread.
 * Returns 0. Thread-safety: jobs must be safe to run concurrently with each other.
 */
int sched_run(sched_job *jobs, size_t count, int workers);

#endif
