/* progress.c: the one-line progress display: a thread sampling the chains' counters. */
#include "progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

/* Time between two samples: the display changes at most 10 times a second. */
#define PROGRESS_PERIOD_MS 100
/* The line's width when stderr is no terminal (--progress on a pipe). */
#define PROGRESS_PIPE_WIDTH 200

struct progress {
    const chain_exec *execs;
    size_t count;
    int64_t started_ms;
    pthread_t thread;
    pthread_mutex_t lock; /* guards stop */
    pthread_cond_t wake;  /* signalled by progress_stop */
    bool stop;
};

bool progress_wanted(const cli_args *args)
{
    if (args->log_format && strcmp(args->log_format, "json") == 0)
        return false;
    if (args->progress != 0)
        return args->progress > 0;
    bool streams = args->format == OUTPUT_JSON || args->format == OUTPUT_JSONL;
    return isatty(STDERR_FILENO) && !(streams && isatty(STDOUT_FILENO));
}

/* Append printf-style to buf[*used..size); stops quietly when full. */
__attribute__((format(printf, 4, 5))) static void append(char *buf, size_t size, size_t *used,
                                                         const char *fmt, ...)
{
    if (*used >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, size - *used, fmt, ap);
    va_end(ap);
    *used = n < 0 ? size : *used + (size_t)n;
}

static void append_elapsed(char *buf, size_t size, size_t *used, long long elapsed_ms)
{
    long long seconds = elapsed_ms / 1000;
    if (seconds < 60)
        append(buf, size, used, "%llds", seconds);
    else
        append(buf, size, used, "%lldm%02llds", seconds / 60, seconds % 60);
}

/* Cut `buf` to `width` bytes, on a UTF-8 character boundary. */
static void cut_to_width(char *buf, size_t width)
{
    size_t len = strlen(buf);
    if (len <= width)
        return;
    size_t keep = width;
    while (keep > 0 && ((unsigned char)buf[keep] & 0xC0) == 0x80)
        keep--;
    buf[keep] = '\0';
}

void progress_format(char *buf, size_t size, const chain_exec *current, const chain_counts *sum,
                     long long elapsed_ms, size_t width)
{
    size_t used = 0;
    buf[0] = '\0';
    if (current)
        append(buf, size, &used, "%s: ", current->plan->name);
    append(buf, size, &used, "%lld resources, %lld findings", sum->resources, sum->findings);
    size_t providers = current ? current->stage_count[CONFIG_PROVIDERS] : 0;
    for (size_t i = 0; i < providers; i++) {
        long long total = atomic_load(&current->tasks_total[i]);
        long long done = atomic_load(&current->tasks_done[i]);
        const char *name = current->stage[CONFIG_PROVIDERS][i]->conf->name;
        if (total == 0 && done == 0)
            append(buf, size, &used, "%s %s planning", i ? "," : " |", name);
        else
            append(buf, size, &used, "%s %s %lld/%lld tasks", i ? "," : " |", name, done, total);
    }
    append(buf, size, &used, " | %lld requests, %lld throttled | ", sum->requests, sum->throttles);
    append_elapsed(buf, size, &used, elapsed_ms);
    cut_to_width(buf, width < size ? width : size - 1);
}

static size_t line_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
        return (size_t)ws.ws_col - 1; /* the last column would wrap on some terminals */
    return PROGRESS_PIPE_WIDTH;
}

static void draw(const progress *p)
{
    chain_counts sum = {0};
    const chain_exec *current = NULL;
    for (size_t i = 0; i < p->count; i++) {
        if (atomic_load(&p->execs[i].started))
            current = &p->execs[i];
        chain_progress(&p->execs[i], &sum);
    }
    char line[1024];
    progress_format(line, sizeof line, current, &sum, (long long)(clock_mono_ms() - p->started_ms),
                    line_width());
    log_status(line);
}

static void *progress_main(void *arg)
{
    progress *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += PROGRESS_PERIOD_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        /* a full period after each draw, whatever wakes the wait early */
        while (!p->stop && pthread_cond_timedwait(&p->wake, &p->lock, &until) != ETIMEDOUT)
            ;
        if (p->stop)
            break;
        pthread_mutex_unlock(&p->lock);
        draw(p);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

progress *progress_start(const chain_exec *execs, size_t count)
{
    progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->execs = execs;
    p->count = count;
    p->started_ms = clock_mono_ms();
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&p->lock, NULL);
    if (pthread_create(&p->thread, NULL, progress_main, p) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

void progress_stop(progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    log_status(NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
