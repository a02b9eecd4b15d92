/* serve_metrics.c: metric families, samples by label set, and the Prometheus text format. */
#include "serve_metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "clock.h"

typedef struct family {
    const char *name, *type, *help;
} family;

static const family families[] = {
    {"fawkes_runs_total", "counter", "Runs finished, by chain (or playbook), trigger and status."},
    {"fawkes_schedule_skipped_total", "counter",
     "Scheduled runs skipped because the chain's previous run was still going."},
    {"fawkes_findings", "gauge", "Fail findings of each chain's last run, by severity."},
    {"fawkes_http_requests_total", "counter",
     "Plugin HTTP requests, by instance and outcome (ok, retried, throttled, error, refused)."},
    {"fawkes_notifications_total", "counter", "Notifier messages, by notifier and outcome."},
    {"fawkes_playbook_actions_total", "counter", "Playbook steps, by playbook and outcome."},
    {"fawkes_last_run_timestamp_seconds", "gauge", "When each chain's last run finished."},
    {"fawkes_config_reloads_total", "counter", "Config reloads, by outcome."},
    {"fawkes_alerts_total", "counter",
     "Alertmanager alerts received, by outcome (started, duplicate, unmatched, resolved)."},
    {"fawkes_approvals_pending", "gauge", "Plans waiting for an approval."},
    {"fawkes_api_requests_total", "counter", "HTTP requests to fawkes serve, by code."},
};
#define FAMILY_COUNT (sizeof families / sizeof families[0])

static const double buckets[] = {0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
#define BUCKET_COUNT (sizeof buckets / sizeof buckets[0])

struct serve_metrics {
    pthread_mutex_t lock;
    json_t *samples[FAMILY_COUNT]; /* {"label=\"v\",...": value} */
    unsigned long long bucket_counts[BUCKET_COUNT];
    unsigned long long duration_count;
    double duration_sum;
    double start_time_s;
};

serve_metrics *serve_metrics_new(void)
{
    serve_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->lock, NULL);
    for (size_t i = 0; i < FAMILY_COUNT; i++)
        m->samples[i] = json_object();
    m->start_time_s = (double)clock_wall_ms() / 1000.0;
    return m;
}

void serve_metrics_free(serve_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < FAMILY_COUNT; i++)
        json_decref(m->samples[i]);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static int family_index(const char *name)
{
    for (size_t i = 0; i < FAMILY_COUNT; i++)
        if (strcmp(families[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* `name="value",...` with the value escaped as the text format wants. */
static void label_key(char *buf, size_t size, va_list ap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const char *name = va_arg(ap, const char *); name && used + 8 < size;
         name = va_arg(ap, const char *)) {
        const char *value = va_arg(ap, const char *);
        used += (size_t)snprintf(buf + used, size - used, "%s%s=\"", used ? "," : "", name);
        for (const char *c = value ? value : ""; *c && used + 4 < size; c++) {
            if (*c == '\\' || *c == '"')
                buf[used++] = '\\', buf[used++] = *c;
            else if (*c == '\n')
                buf[used++] = '\\', buf[used++] = 'n';
            else
                buf[used++] = *c;
        }
        if (used + 2 < size)
            buf[used++] = '"';
        buf[used] = '\0';
    }
}

static void update(serve_metrics *m, const char *name, double v, bool add, va_list ap)
{
    int f = family_index(name);
    if (!m || f < 0)
        return;
    char key[1024];
    label_key(key, sizeof key, ap);
    pthread_mutex_lock(&m->lock);
    json_t *old = json_object_get(m->samples[f], key);
    json_object_set_new(m->samples[f], key, json_real(add ? json_number_value(old) + v : v));
    pthread_mutex_unlock(&m->lock);
}

void serve_metrics_add(serve_metrics *m, const char *name, double delta, ...)
{
    va_list ap;
    va_start(ap, delta);
    update(m, name, delta, true, ap);
    va_end(ap);
}

void serve_metrics_set(serve_metrics *m, const char *name, double value, ...)
{
    va_list ap;
    va_start(ap, value);
    update(m, name, value, false, ap);
    va_end(ap);
}

void serve_metrics_observe_run(serve_metrics *m, double seconds)
{
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < BUCKET_COUNT; i++)
        if (seconds <= buckets[i])
            m->bucket_counts[i]++;
    m->duration_count++;
    m->duration_sum += seconds;
    pthread_mutex_unlock(&m->lock);
}

static double counter(const json_t *counters, const char *key)
{
    json_t *v = json_object_get(counters, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

void serve_metrics_add_chain_stats(serve_metrics *m, const json_t *stats)
{
    const char *name;
    const json_t *c;
    json_object_foreach ((json_t *)stats, name, c) {
        double requests = counter(c, "requests"), retries = counter(c, "retries");
        double errors = counter(c, "errors"), refused = counter(c, "refused");
        double ok = requests - retries - errors;
        if (requests > 0 || refused > 0) {
            serve_metrics_add(m, "fawkes_http_requests_total", ok > 0 ? ok : 0, "instance", name,
                              "outcome", "ok", NULL);
            serve_metrics_add(m, "fawkes_http_requests_total", retries, "instance", name, "outcome",
                              "retried", NULL);
            serve_metrics_add(m, "fawkes_http_requests_total", counter(c, "throttles"), "instance",
                              name, "outcome", "throttled", NULL);
            serve_metrics_add(m, "fawkes_http_requests_total", errors, "instance", name, "outcome",
                              "error", NULL);
            serve_metrics_add(m, "fawkes_http_requests_total", refused, "instance", name, "outcome",
                              "refused", NULL);
        }
        static const char *const outcomes[][2] = {{"messages_sent", "sent"},
                                                  {"messages_queued", "queued"},
                                                  {"messages_deferred", "deferred"},
                                                  {"messages_retried", "retried"}};
        for (size_t i = 0; i < 4; i++)
            if (json_object_get(c, outcomes[i][0]))
                serve_metrics_add(m, "fawkes_notifications_total", counter(c, outcomes[i][0]),
                                  "notifier", name, "outcome", outcomes[i][1], NULL);
    }
}

typedef struct text {
    char *buf;
    size_t used, cap;
    bool failed;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !t->failed; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->used, t->cap - t->used, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < t->cap - t->used) {
            t->used += (size_t)n;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)n;
        char *grown = realloc(t->buf, cap);
        if (!grown) {
            t->failed = true;
            return;
        }
        t->buf = grown;
        t->cap = cap;
    }
}

static void put_number(text *t, double v)
{
    if (v == (double)(long long)v && v < 9e15 && v > -9e15)
        put(t, "%lld\n", (long long)v);
    else
        put(t, "%.17g\n", v);
}

static void render_process(text *t, double start_time_s)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                     ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
        put(t, "# HELP process_cpu_seconds_total Total user and system CPU time spent in "
               "seconds.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ");
        put(t, "%.6f\n", cpu);
    }
    long page = sysconf(_SC_PAGESIZE);
    unsigned long long vm_pages = 0, rss_pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &vm_pages, &rss_pages) == 2 && page > 0) {
            put(t,
                "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes "
                "%llu\n",
                vm_pages * (unsigned long long)page);
            put(t,
                "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes "
                "%llu\n",
                rss_pages * (unsigned long long)page);
        }
        fclose(f);
    }
    put(t,
        "# HELP process_start_time_seconds Start time of the process since unix epoch in "
        "seconds.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.3f\n",
        start_time_s);
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        long fds = 0;
        for (struct dirent *e = readdir(d); e; e = readdir(d))
            fds += e->d_name[0] != '.';
        closedir(d);
        put(t,
            "# HELP process_open_fds Number of open file descriptors.\n"
            "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n",
            fds - 1);
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        put(t,
            "# HELP process_max_fds Maximum number of open file descriptors.\n"
            "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
            (unsigned long long)rl.rlim_cur);
}

char *serve_metrics_render(serve_metrics *m)
{
    text t = {malloc(8192), 0, 8192, false};
    if (!t.buf)
        return NULL;
    t.buf[0] = '\0';
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < FAMILY_COUNT; i++) {
        put(&t, "# HELP %s %s\n# TYPE %s %s\n", families[i].name, families[i].help,
            families[i].name, families[i].type);
        const char *key;
        json_t *value;
        json_object_foreach (m->samples[i], key, value) {
            put(&t, key[0] ? "%s{%s} " : "%s ", families[i].name, key);
            put_number(&t, json_number_value(value));
        }
    }
    put(&t, "# HELP fawkes_run_duration_seconds How long runs took.\n"
            "# TYPE fawkes_run_duration_seconds histogram\n");
    for (size_t i = 0; i < BUCKET_COUNT; i++)
        put(&t, "fawkes_run_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[i],
            m->bucket_counts[i]);
    put(&t, "fawkes_run_duration_seconds_bucket{le=\"+Inf\"} %llu\n", m->duration_count);
    put(&t, "fawkes_run_duration_seconds_sum %.6f\n", m->duration_sum);
    put(&t, "fawkes_run_duration_seconds_count %llu\n", m->duration_count);
    double start = m->start_time_s;
    pthread_mutex_unlock(&m->lock);
    render_process(&t, start);
    if (t.failed) {
        free(t.buf);
        return NULL;
    }
    return t.buf;
}
