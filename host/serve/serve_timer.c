/* serve_timer.c: due times of scheduled chains, driven by a clock the caller passes in. */
#include "serve_timer.h"

#include <stdlib.h>
#include <string.h>

static const serve_timer_entry *find_old(const serve_timer *old, const config_chain *chain)
{
    for (size_t i = 0; old && i < old->count; i++)
        if (strcmp(old->entries[i].chain, chain->name) == 0 &&
            strcmp(old->entries[i].schedule, chain->schedule) == 0)
            return &old->entries[i];
    return NULL;
}

int serve_timer_build(const config *cfg, const serve_timer *old, int64_t now_ms, serve_timer *out,
                      diag *err)
{
    memset(out, 0, sizeof *out);
    out->entries = calloc(cfg->chain_count + 1, sizeof *out->entries);
    if (!out->entries) {
        diag_set(err, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < cfg->chain_count; i++) {
        const config_chain *chain = &cfg->chains[i];
        if (!chain->schedule)
            continue;
        serve_timer_entry *e = &out->entries[out->count];
        char why[512];
        if (cron_parse(chain->schedule, &e->spec, why, sizeof why) != 0) {
            diag_at(err, cfg->path, chain->line, chain->column, "chains[%zu].schedule: %s", i, why);
            serve_timer_clear(out);
            return -1;
        }
        e->chain = strdup(chain->name);
        e->schedule = strdup(chain->schedule);
        out->count++;
        if (!e->chain || !e->schedule) {
            diag_set(err, "out of memory");
            serve_timer_clear(out);
            return -1;
        }
        const serve_timer_entry *kept = find_old(old, chain);
        e->next_ms = kept ? kept->next_ms : cron_next(&e->spec, now_ms);
    }
    return 0;
}

void serve_timer_clear(serve_timer *t)
{
    for (size_t i = 0; i < t->count; i++) {
        free(t->entries[i].chain);
        free(t->entries[i].schedule);
    }
    free(t->entries);
    memset(t, 0, sizeof *t);
}

size_t serve_timer_due(serve_timer *t, int64_t now_ms,
                       bool (*is_running)(void *ctx, const char *chain),
                       void (*fire)(void *ctx, const char *chain),
                       void (*skipped)(void *ctx, const char *chain), void *ctx)
{
    size_t fired = 0;
    for (size_t i = 0; i < t->count; i++) {
        serve_timer_entry *e = &t->entries[i];
        if (e->next_ms < 0 || e->next_ms > now_ms)
            continue;
        if (is_running(ctx, e->chain)) {
            skipped(ctx, e->chain);
        } else {
            fire(ctx, e->chain);
            fired++;
        }
        /* @every keeps its rhythm from the due time; a due time far behind restarts it. */
        int64_t next = cron_next(&e->spec, e->next_ms);
        e->next_ms = next > now_ms ? next : cron_next(&e->spec, now_ms);
    }
    return fired;
}

int64_t serve_timer_wait_ms(const serve_timer *t, int64_t now_ms)
{
    int64_t wait = -1;
    for (size_t i = 0; i < t->count; i++) {
        if (t->entries[i].next_ms < 0)
            continue;
        int64_t w = t->entries[i].next_ms - now_ms;
        if (w < 0)
            w = 0;
        if (wait < 0 || w < wait)
            wait = w;
    }
    return wait;
}
