/* scheduler.c: a small worker pool for provider tasks, capped per owner. */
#include "scheduler.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "crash.h"

typedef struct owner_slot {
    const void *owner;
    int running;
} owner_slot;

typedef struct pool {
    sched_job *jobs;
    size_t count;
    bool *started;
    size_t first_unstarted; /* every job before it has started */
    owner_slot *slots;      /* one per distinct owner */
    size_t slot_count;
    pthread_mutex_t lock;
    pthread_cond_t changed;
} pool;

static owner_slot *slot_of(pool *p, const void *owner)
{
    for (size_t i = 0; i < p->slot_count; i++)
        if (p->slots[i].owner == owner)
            return &p->slots[i];
    return NULL;
}

/* The next job that may start now, or -1. Caller holds the lock. */
static long pick(pool *p)
{
    while (p->first_unstarted < p->count && p->started[p->first_unstarted])
        p->first_unstarted++;
    for (size_t i = p->first_unstarted; i < p->count; i++) {
        if (p->started[i])
            continue;
        const sched_job *job = &p->jobs[i];
        if (job->owner_limit > 0 && slot_of(p, job->owner)->running >= job->owner_limit)
            continue;
        return (long)i;
    }
    return -1;
}

static void *worker(void *arg)
{
    pool *p = arg;
    crash_thread_enter();
    pthread_mutex_lock(&p->lock);
    for (;;) {
        long i = pick(p);
        if (i < 0) {
            if (p->first_unstarted >= p->count)
                break;
            pthread_cond_wait(&p->changed, &p->lock);
            continue;
        }
        sched_job *job = &p->jobs[i];
        owner_slot *slot = slot_of(p, job->owner);
        p->started[i] = true;
        slot->running++;
        pthread_mutex_unlock(&p->lock);
        job->fn(job->arg);
        pthread_mutex_lock(&p->lock);
        slot->running--;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    crash_thread_leave();
    return NULL;
}

int sched_run(sched_job *jobs, size_t count, int workers)
{
    if (count == 0)
        return 0;
    pool p = {.jobs = jobs, .count = count};
    p.started = calloc(count, sizeof *p.started);
    p.slots = calloc(count, sizeof *p.slots);
    pthread_t *threads = calloc((size_t)(workers > 0 ? workers : 1), sizeof *threads);
    if (!p.started || !p.slots || !threads || workers <= 1)
        goto serial;
    for (size_t i = 0; i < count; i++)
        if (!slot_of(&p, jobs[i].owner))
            p.slots[p.slot_count++].owner = jobs[i].owner;
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.changed, NULL);
    int started = 0;
    for (int w = 0; w < workers && (size_t)w < count; w++)
        if (pthread_create(&threads[started], NULL, worker, &p) == 0)
            started++;
    if (started == 0) {
        pthread_mutex_destroy(&p.lock);
        pthread_cond_destroy(&p.changed);
        goto serial;
    }
    for (int w = 0; w < started; w++)
        pthread_join(threads[w], NULL);
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.changed);
    goto out;
serial:
    for (size_t i = 0; i < count; i++)
        jobs[i].fn(jobs[i].arg);
out:
    free(p.started);
    free(p.slots);
    free(threads);
    return 0;
}
