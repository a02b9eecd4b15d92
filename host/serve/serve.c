/* serve.c: the daemon: load and check the config, the main loop (timer, signals), reload,
   and the graceful stop. */
#include "serve.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "chain.h"
#include "clock.h"
#include "exitcode.h"
#include "instance.h"
#include "log.h"
#include "run.h"
#include "serve_internal.h"
#include "state.h"

serve_gen *serve_gen_acquire(serve *s)
{
    pthread_mutex_lock(&s->lock);
    serve_gen *gen = s->gen;
    gen->refs++;
    pthread_mutex_unlock(&s->lock);
    return gen;
}

static void gen_free(serve_gen *gen)
{
    config_free(gen->cfg);
    free(gen);
}

void serve_gen_release(serve *s, serve_gen *gen)
{
    pthread_mutex_lock(&s->lock);
    bool last = --gen->refs == 0;
    pthread_mutex_unlock(&s->lock);
    if (last)
        gen_free(gen);
}

/* A playbook's Lua must compile (text only; nothing runs). */
static int check_playbook(const char *path, const char *where, diag *err)
{
    lua_State *L = luaL_newstate();
    if (!L) {
        diag_set(err, "out of memory");
        return -1;
    }
    int rc = luaL_loadfilex(L, path, "t");
    if (rc != LUA_OK)
        diag_set(err, "%s: playbook %s: %s", where, path, lua_tostring(L, -1));
    lua_close(L);
    return rc == LUA_OK ? 0 : -1;
}

static void copy_list(strlist *to, const strlist *from)
{
    for (size_t i = 0; i < from->count; i++)
        strlist_push(to, from->items[i]);
}

/* Every chain's instances and policies, and every playbook. */
static int check_gen(const serve_gen *gen, diag *err)
{
    const config *cfg = gen->cfg;
    for (size_t i = 0; i < cfg->chain_count; i++) {
        const config_chain *c = &cfg->chains[i];
        chain_plan plan = {.name = strdup(c->name)};
        copy_list(&plan.providers, &c->providers);
        copy_list(&plan.scanners, &c->scanners);
        copy_list(&plan.policies, &c->policies);
        copy_list(&plan.notifiers, &c->notify);
        chain_exec exec = {0};
        int rc = chain_prepare(&gen->eng, &plan, &exec, err);
        if (rc == 0)
            rc = chain_init_policies(&exec, &cfg->egress_allow, err);
        chain_close(&exec);
        chain_plan_clear(&plan);
        for (size_t p = 0; rc == 0 && p < c->playbooks.count; p++) {
            char where[300];
            snprintf(where, sizeof where, "%s:%d:%d: chains[%zu].playbooks[%zu]", cfg->path,
                     c->line, c->column, i, p);
            rc = check_playbook(c->playbooks.items[p], where, err);
        }
        if (rc != 0)
            return -1;
    }
    const serve_config *sc = cfg->serve;
    for (size_t i = 0; sc && i < sc->alert_count; i++) {
        char where[300];
        snprintf(where, sizeof where, "%s:%d:%d: alerts[%zu].playbook", cfg->path,
                 sc->alerts[i].line, sc->alerts[i].column, i);
        if (check_playbook(sc->alerts[i].playbook, where, err) != 0)
            return -1;
        for (size_t n = 0; n < sc->alerts[i].notify.count; n++) {
            instance *inst = NULL;
            const char *refusal = NULL;
            const config_instance *conf =
                config_find_instance(cfg, sc->alerts[i].notify.items[n], NULL);
            int rc = instance_prepare(&gen->eng, conf, &inst, &refusal, err);
            instance_close(inst);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

static bool same_list(const strlist *a, const strlist *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            return false;
    return true;
}

/* Load and check a config into a new generation. */
static serve_gen *load_gen(serve *s, diag *err)
{
    serve_gen *gen = calloc(1, sizeof *gen);
    if (!gen) {
        diag_set(err, "out of memory");
        return NULL;
    }
    if (config_load(s->opts.config_path, &gen->cfg, err) != 0) {
        free(gen);
        return NULL;
    }
    gen->refs = 1;
    gen->eng = (engine_env){.cfg = gen->cfg,
                            .plugins = &s->plugins,
                            .plugin_dirs = &s->plugin_dirs,
                            .apply = s->opts.apply};
    if (s->gen && !same_list(&gen->cfg->plugin_dirs, &s->config_plugin_dirs)) {
        diag_set(err,
                 "%s: plugin_dirs changed; plugins are loaded once, at start: restart fawkes "
                 "serve to load plugins from other directories",
                 gen->cfg->path);
        gen_free(gen);
        return NULL;
    }
    if (check_gen(gen, err) != 0) {
        gen_free(gen);
        return NULL;
    }
    return gen;
}

int serve_reload(serve *s, diag *err)
{
    pthread_mutex_lock(&s->reload_lock);
    serve_gen *gen = load_gen(s, err);
    serve_timer timer = {0};
    int rc = -1;
    if (gen) {
        pthread_mutex_lock(&s->timer_lock);
        rc = serve_timer_build(gen->cfg, &s->timer, clock_wall_ms(), &timer, err);
        pthread_mutex_unlock(&s->timer_lock);
    }
    if (rc == 0)
        rc = audit_configure(gen->cfg, NULL, err); /* keeps the old settings on error */
    if (rc == 0) {
        pthread_mutex_lock(&s->timer_lock);
        pthread_mutex_lock(&s->lock);
        serve_gen *old = s->gen;
        s->gen = gen;
        serve_timer_clear(&s->timer);
        s->timer = timer;
        free(s->reload_error);
        s->reload_error = NULL;
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&s->timer_lock);
        serve_gen_release(s, old);
        serve_metrics_add(s->metrics, "fawkes_config_reloads_total", 1, "outcome", "success", NULL);
        log_msg(FWK_LOG_INFO, "serve", "reloaded %s: %zu scheduled chain%s, %zu alert rule%s",
                s->opts.config_path, timer.count, timer.count == 1 ? "" : "s",
                gen->cfg->serve ? gen->cfg->serve->alert_count : 0,
                gen->cfg->serve && gen->cfg->serve->alert_count == 1 ? "" : "s");
    } else {
        if (gen)
            gen_free(gen);
        pthread_mutex_lock(&s->lock);
        free(s->reload_error);
        s->reload_error = strdup(err->text);
        pthread_mutex_unlock(&s->lock);
        serve_metrics_add(s->metrics, "fawkes_config_reloads_total", 1, "outcome", "failure", NULL);
        log_msg(FWK_LOG_ERROR, "serve", "reload refused, still serving the previous config: %s",
                err->text);
    }
    pthread_mutex_unlock(&s->reload_lock);
    return rc;
}

char *serve_not_ready(serve *s)
{
    char why[DIAG_MAX + 128];
    why[0] = '\0';
    pthread_mutex_lock(&s->lock);
    if (s->stopping)
        snprintf(why, sizeof why, "stopping");
    else if (s->reload_error)
        snprintf(why, sizeof why, "the last reload failed (still serving the previous config): %s",
                 s->reload_error);
    const char *state = state_path_for(s->gen->cfg);
    char *state_path = strdup(state);
    pthread_mutex_unlock(&s->lock);
    if (!why[0] && s->plugins.count == 0)
        snprintf(why, sizeof why, "no plugins loaded (searched: --plugin-dir, plugin_dirs:)");
    if (!why[0] && state_path && access(state_path, F_OK) == 0 && access(state_path, W_OK) != 0)
        snprintf(why, sizeof why, "the state file %s is not writable: %s", state_path,
                 strerror(errno));
    if (!why[0] && state_path && access(state_path, F_OK) != 0) {
        char *dir = strdup(state_path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        const char *where = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
        if (dir && access(where, W_OK | X_OK) != 0)
            snprintf(why, sizeof why, "the state file %s cannot be created in %s: %s", state_path,
                     where, strerror(errno));
        free(dir);
    }
    free(state_path);
    return why[0] ? strdup(why) : NULL;
}

static bool chain_running(void *ctx, const char *chain)
{
    serve *s = ctx;
    pthread_mutex_lock(&s->lock);
    bool running = json_object_get(s->active, chain) != NULL;
    pthread_mutex_unlock(&s->lock);
    return running;
}

static void chain_due(void *ctx, const char *chain)
{
    serve *s = ctx;
    char id[33];
    diag err = {{0}};
    if (serve_start_chain(s, chain, "schedule", id, &err) < 0)
        log_msg(FWK_LOG_ERROR, "serve", "chain %s: cannot start its scheduled run: %s", chain,
                err.text);
}

static void chain_skipped(void *ctx, const char *chain)
{
    serve *s = ctx;
    serve_metrics_add(s->metrics, "fawkes_schedule_skipped_total", 1, "chain", chain, NULL);
    log_msg(FWK_LOG_WARN, "serve",
            "chain %s: scheduled run skipped: the previous run is still going", chain);
}

/* Run the timer and take signals until SIGTERM or SIGINT. */
static void main_loop(serve *s, const sigset_t *signals)
{
    for (;;) {
        int64_t now = clock_wall_ms();
        pthread_mutex_lock(&s->timer_lock);
        serve_timer_due(&s->timer, now, chain_running, chain_due, chain_skipped, s);
        int64_t wait = serve_timer_wait_ms(&s->timer, clock_wall_ms());
        pthread_mutex_unlock(&s->timer_lock);
        if (wait < 0 || wait > 1000)
            wait = 1000; /* wake up at least each second: the wall clock may jump */
        struct timespec ts = {.tv_sec = wait / 1000, .tv_nsec = (wait % 1000) * 1000000};
        siginfo_t info;
        int signo = sigtimedwait(signals, &info, &ts);
        if (signo == SIGHUP) {
            diag err = {{0}};
            log_msg(FWK_LOG_INFO, "serve", "SIGHUP: reloading %s", s->opts.config_path);
            serve_reload(s, &err);
        } else if (signo == SIGTERM || signo == SIGINT) {
            log_msg(FWK_LOG_INFO, "serve", "%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
            return;
        }
    }
}

/* Wait for running runs up to `ms`; true when none is left. */
static bool wait_idle(serve *s, int64_t ms)
{
    int64_t deadline = clock_mono_ms() + ms;
    pthread_mutex_lock(&s->lock);
    while (s->running > 0 && clock_mono_ms() < deadline) {
        struct timespec ts = clock_mono_deadline(deadline - clock_mono_ms());
        pthread_cond_timedwait(&s->idle, &s->lock, &ts);
    }
    bool idle = s->running == 0;
    pthread_mutex_unlock(&s->lock);
    return idle;
}

/* Returns false when runs are still going after the cancel (their memory must stay). */
static bool stop(serve *s)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    long grace = s->gen->cfg->serve ? s->gen->cfg->serve->grace_ms : SERVE_DEFAULT_GRACE_MS;
    size_t running = s->running;
    pthread_mutex_unlock(&s->lock);
    serve_http_stop(s);
    if (running > 0)
        log_msg(FWK_LOG_INFO, "serve", "waiting up to %ld ms for %zu run%s to finish", grace,
                running, running == 1 ? "" : "s");
    if (!wait_idle(s, grace)) {
        log_msg(FWK_LOG_WARN, "serve", "grace period over: cancelling the runs still going");
        run_request_cancel(SIGTERM);
        if (!wait_idle(s, 60000)) {
            log_msg(FWK_LOG_ERROR, "serve", "runs did not stop within 60 s after cancelling");
            return false;
        }
    }
    return true;
}

static int init(serve *s, const serve_options *opts)
{
    memset(s, 0, sizeof *s);
    s->opts = *opts;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->reload_lock, NULL);
    pthread_mutex_init(&s->timer_lock, NULL);
    pthread_mutex_init(&s->playbook_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->idle, &attr);
    pthread_condattr_destroy(&attr);
    s->metrics = serve_metrics_new();
    s->runs = json_array();
    s->active = json_object();
    s->alerts = json_object();
    s->approvals = json_object();
    return s->metrics && s->runs && s->active && s->alerts && s->approvals ? 0 : -1;
}

static void fini(serve *s)
{
    serve_timer_clear(&s->timer);
    if (s->gen)
        serve_gen_release(s, s->gen);
    loader_free(&s->plugins);
    strlist_clear(&s->plugin_dirs);
    strlist_clear(&s->config_plugin_dirs);
    serve_metrics_free(s->metrics);
    json_decref(s->runs);
    json_decref(s->active);
    json_decref(s->alerts);
    json_decref(s->approvals);
    free(s->reload_error);
}

int serve_main(const serve_options *opts)
{
    serve s;
    diag err = {{0}};
    int code = EXIT_CODE_USAGE;
    if (init(&s, opts) != 0) {
        log_user_error("out of memory");
        fini(&s);
        return EXIT_CODE_INTERNAL;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    config *first = NULL;
    if (config_load(opts->config_path, &first, &err) != 0) {
        log_user_error("%s", err.text);
        goto out;
    }
    loader_search_dirs(opts->plugin_dirs, &first->plugin_dirs, &s.plugin_dirs);
    copy_list(&s.config_plugin_dirs, &first->plugin_dirs);
    config_free(first);
    loader_load_dirs(&s.plugin_dirs, &s.plugins);
    s.gen = load_gen(&s, &err);
    if (!s.gen || serve_timer_build(s.gen->cfg, NULL, clock_wall_ms(), &s.timer, &err) != 0 ||
        audit_configure(s.gen->cfg, NULL, &err) != 0) {
        log_user_error("%s", err.text);
        goto out;
    }
    if (serve_http_start(&s, &err) != 0) {
        log_user_error("%s", err.text);
        goto out;
    }
    log_msg(FWK_LOG_INFO, "serve", "listening on %s; %zu scheduled chain%s",
            s.gen->cfg->serve ? s.gen->cfg->serve->listen : SERVE_DEFAULT_LISTEN, s.timer.count,
            s.timer.count == 1 ? "" : "s");
    main_loop(&s, &signals);
    if (!stop(&s))
        return EXIT_CODE_INTERNAL; /* threads still use the state: leave it to the exit */
    code = EXIT_CODE_OK;
    log_msg(FWK_LOG_INFO, "serve", "stopped");
out:
    fini(&s);
    audit_shutdown();
    return code;
}
