/* isolate.c: the proxy plugin of an isolated instance: its calls go to child processes and
   what the children stream back becomes the in-process calls (see isolate.h). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "isolate_internal.h"
#include "log.h"
#include "run.h"

#define ISOLATE_POLL_MS 100 /* how often a waiting call looks at the run's cancellation */
#define ISOLATE_QUIT_MS 5000

static fwk_log_level child_level = FWK_LOG_WARN;
static bool child_json;

void isolate_set_log(fwk_log_level level, bool json_format)
{
    child_level = level;
    child_json = json_format;
}

/* ---- which instances ---- */

static bool same_dir(const char *dir, const char *real_dir)
{
    char resolved[PATH_MAX];
    return realpath(dir, resolved) && strcmp(resolved, real_dir) == 0;
}

/* Is `path` in <binary dir>/plugins, <binary dir>/../lib.../fawkes/plugins (a relocated
   install) or the installed plugin directory? */
static bool own_plugin(const char *path)
{
    char file[PATH_MAX], exe[PATH_MAX], dir[PATH_MAX + 32];
    if (!realpath(path, file))
        return false;
    char *slash = strrchr(file, '/');
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!slash || len <= 0)
        return false;
    *slash = '\0';
    exe[len] = '\0';
    slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(dir, sizeof dir, "%s/plugins", exe);
    if (same_dir(dir, file))
        return true;
#ifdef FAWKES_INSTALLED_PLUGIN_DIR
    const char *installed = FAWKES_INSTALLED_PLUGIN_DIR;
    if (same_dir(installed, file))
        return true;
    for (const char *at = strchr(installed, '/'); at; at = strchr(at + 1, '/'))
        if (strncmp(at + 1, "lib", 3) == 0) {
            snprintf(dir, sizeof dir, "%s/../%s", exe, at + 1);
            return same_dir(dir, file);
        }
#endif
    return false;
}

bool isolate_wanted(const config_instance *conf, const plugin *real)
{
    if (conf->section != CONFIG_PROVIDERS && conf->section != CONFIG_SCANNERS)
        return false;
    if (conf->isolation != CONFIG_ISOLATION_DEFAULT)
        return conf->isolation == CONFIG_ISOLATION_PROCESS;
    return !own_plugin(real->path);
}

/* ---- talking to a child ---- */

static const char *kind_word(const iso_proxy *px)
{
    return px->conf->section == CONFIG_SCANNERS ? "scanner" : "provider";
}

void iso_set_message(fwk_ctx *ctx, const char *text)
{
    free(ctx->message);
    ctx->message = log_redact(text);
}

/* What the call was, for messages: `task "x"`, `scan_resource of "uid"`, `init`. */
static void call_name(const fwk_ctx *ctx, char *buf, size_t size)
{
    const char *uid = json_string_value(json_object_get(ctx->resource, "uid"));
    if (ctx->task)
        snprintf(buf, size, "task \"%s\"", ctx->task);
    else if (uid)
        snprintf(buf, size, "%s of \"%s\"", ctx->operation, uid);
    else
        snprintf(buf, size, "%s", ctx->operation);
}

static const char *consequence(const fwk_ctx *ctx)
{
    if (strcmp(ctx->operation, "run_task") == 0)
        return "its resources from that task are incomplete";
    if (strcmp(ctx->operation, "scan_resource") == 0)
        return "its findings for that resource are missing";
    if (strcmp(ctx->operation, "finish") == 0)
        return "its findings from finish are missing";
    return "the call did not finish";
}

/* The message of a child that ended in a call: plugin, instance, call, signal. */
void iso_report_death(iso_proxy *px, fwk_ctx *ctx, int wstatus)
{
    char how[96], what[512], hint[160] = "", text[DIAG_MAX];
    iso_describe_end(wstatus, how, sizeof how);
    call_name(ctx, what, sizeof what);
    if (px->conf->limits.memory_bytes > 0 && WIFSIGNALED(wstatus) &&
        (WTERMSIG(wstatus) == SIGSEGV || WTERMSIG(wstatus) == SIGABRT ||
         WTERMSIG(wstatus) == SIGKILL || WTERMSIG(wstatus) == SIGBUS))
        snprintf(hint, sizeof hint, " (limits.memory is %lld MiB: it may have run out of memory)",
                 px->conf->limits.memory_bytes / (1024 * 1024));
    snprintf(text, sizeof text, "%s \"%s\" (plugin %s): %s %s in its isolated process%s; %s",
             kind_word(px), px->conf->name, px->conf->plugin, what, how, hint, consequence(ctx));
    iso_set_message(ctx, text);
}

/* The DONE frame: status, message, result, malformed resources, counter increments. */
fwk_status iso_take_done(iso_proxy *px, fwk_ctx *ctx, json_t *done, json_t **result)
{
    json_int_t status = json_integer_value(json_object_get(done, "status"));
    const char *message = json_string_value(json_object_get(done, "message"));
    if (message)
        iso_set_message(ctx, message);
    json_int_t malformed = json_integer_value(json_object_get(done, "malformed"));
    const char *first = json_string_value(json_object_get(done, "first_malformed"));
    if (malformed > 0) {
        if (ctx->malformed == 0 && first)
            ctx->first_malformed = strdup(first);
        ctx->malformed += (size_t)malformed;
    }
    const char *name;
    json_t *delta;
    json_object_foreach (json_object_get(done, "counters"), name, delta)
        if (json_is_integer(delta) && px->inst)
            instance_count(px->inst, name, json_integer_value(delta));
    if (result) {
        json_t *value = json_object_get(done, "result");
        *result = value && !json_is_null(value) ? json_incref(value) : NULL;
        if (*result)
            log_redact_json(*result);
    }
    return status >= FWK_OK && status <= FWK_CANCELLED ? (fwk_status)status : FWK_ERROR;
}

void iso_take_log(fwk_ctx *ctx, json_t *line)
{
    const char *text = json_string_value(json_object_get(line, "text"));
    json_int_t level = json_integer_value(json_object_get(line, "level"));
    char component[256];
    if (!text || level < FWK_LOG_DEBUG || level > FWK_LOG_ERROR)
        return;
    if (ctx->task)
        snprintf(component, sizeof component, "%s: %s", ctx->inst->conf->name, ctx->task);
    else
        snprintf(component, sizeof component, "%s", ctx->inst->conf->name);
    log_msg((fwk_log_level)level, component, "%s", text);
}

/* Does the payload look like one compact JSON object: braces at both ends, no newline or NUL
   inside (jansson escapes both)? */
static bool one_object_line(const char *payload, size_t len)
{
    return len >= 2 && payload[0] == '{' && payload[len - 1] == '}' &&
           !memchr(payload, '\n', len) && !memchr(payload, '\0', len);
}

/* One frame of a call. Returns 1 when it was DONE (*status set), 0 to read on, -1 when the
   stream is corrupt. */
static int take_frame(iso_proxy *px, iso_child *ch, fwk_ctx *ctx, int type, const char *payload,
                      size_t len, json_t **result, fwk_status *status)
{
    /* a resource the run only writes out is written as the child encoded it: one compact
       JSON object (a payload that is not one line of an object is parsed, and a corrupt one
       ends the call, as any other frame) */
    if (type == FRAME_RESOURCE && ctx->run && one_object_line(payload, len) &&
        run_resource_text(ctx->run, ctx, payload, len))
        return 0;
    json_t *value = frame_json(&ch->in, payload, len);
    if (!value)
        return -1;
    switch (type) {
    case FRAME_RESOURCE:
        if (ctx->run)
            run_resource(ctx->run, ctx, value);
        else
            json_decref(value);
        return 0;
    case FRAME_FINDING:
        if (ctx->run)
            run_finding(ctx->run, ctx, value);
        else
            json_decref(value);
        return 0;
    case FRAME_LOG:
        iso_take_log(ctx, value);
        break;
    case FRAME_SECRET:
        if (json_is_string(json_object_get(value, "value")))
            log_add_secret(json_string_value(json_object_get(value, "value")));
        break;
    case FRAME_DONE:
        *status = iso_take_done(px, ctx, value, result);
        json_decref(value);
        return 1;
    default:
        json_decref(value);
        return -1;
    }
    json_decref(value);
    return 0;
}

/* Cancellation reaches a child in a call as SIGTERM, then SIGKILL after the grace. */
void iso_pass_on_cancel(iso_child *ch)
{
    if (!run_cancel_requested())
        return;
    int64_t now = clock_mono_ms();
    if (ch->term_sent_ms == 0) {
        kill(ch->pid, SIGTERM);
        ch->term_sent_ms = now;
    } else if (now - ch->term_sent_ms > ISOLATE_GRACE_MS) {
        kill(ch->pid, SIGKILL);
    }
}

/*
 * converse: send `call` (NULL: none, the HELLO was sent) and read until DONE. Returns the
 * call's status; on a child that ended or broke the stream, reaps it, sets *died and says
 * why on ctx.
 */
fwk_status iso_converse(iso_proxy *px, iso_child *ch, fwk_ctx *ctx, const json_t *call,
                        json_t **result, bool *died)
{
    fwk_status status = FWK_ERROR;
    *died = false;
    if (call && (frame_put_json(&ch->out, FRAME_CALL, call) != 0 || frame_flush(&ch->out) != 0))
        goto dead;
    for (;;) {
        int type = 0;
        const char *payload = NULL;
        size_t len = 0;
        int rc = frame_next(&ch->in, ISOLATE_POLL_MS, &type, &payload, &len);
        if (rc == -2) {
            iso_pass_on_cancel(ch);
            continue;
        }
        if (rc != 1)
            goto dead;
        rc = take_frame(px, ch, ctx, type, payload, len, result, &status);
        if (rc == 1)
            return status;
        if (rc < 0)
            goto dead;
    }
dead:
    *died = true;
    int wstatus = 0;
    bool cancelled = ch->term_sent_ms != 0;
    kill(ch->pid, SIGKILL); /* it broke the stream, or is ending anyway */
    iso_reap(ch, ISOLATE_GRACE_MS, &wstatus);
    if (cancelled) {
        iso_set_message(ctx, "cancelled: its isolated process was stopped");
        return FWK_CANCELLED;
    }
    iso_report_death(px, ctx, wstatus);
    return FWK_ERROR;
}

/* A new child with the plugin loaded and its init done, or NULL with why on ctx. */
static iso_child *start_child(iso_proxy *px, fwk_ctx *ctx)
{
    diag err = {{0}};
    iso_child *ch = iso_spawn(px->exe, &err);
    if (!ch) {
        iso_set_message(ctx, err.text);
        return NULL;
    }
    bool died = false;
    if (frame_put_json(&ch->out, FRAME_HELLO, px->hello) != 0 || frame_flush(&ch->out) != 0) {
        kill(ch->pid, SIGKILL);
        iso_reap(ch, ISOLATE_GRACE_MS, NULL);
        iso_set_message(ctx, "cannot send the plugin's settings to its isolated process");
        return NULL;
    }
    const char *operation = ctx->operation;
    const char *task = ctx->task;
    ctx->operation = "init";
    ctx->task = NULL;
    fwk_status status = iso_converse(px, ch, ctx, NULL, NULL, &died);
    ctx->operation = operation;
    ctx->task = task;
    if (status == FWK_OK)
        return ch;
    if (!died)
        iso_reap(ch, ISOLATE_QUIT_MS, NULL);
    return NULL;
}

/* A child for one call: an idle one, a new one, or (all busy) the next one freed. */
iso_child *iso_acquire(iso_proxy *px, fwk_ctx *ctx, fwk_status *status)
{
    pthread_mutex_lock(&px->lock);
    for (;;) {
        if (px->deaths >= ISOLATE_MAX_RESTARTS) {
            pthread_mutex_unlock(&px->lock);
            char text[512];
            snprintf(text, sizeof text,
                     "not called: the isolated processes of %s \"%s\" (plugin %s) died %d "
                     "times; fix the plugin, or report it to its authors",
                     kind_word(px), px->conf->name, px->conf->plugin, px->deaths);
            iso_set_message(ctx, text);
            *status = FWK_ERROR;
            return NULL;
        }
        size_t live = px->starting;
        for (size_t i = 0; i < px->max; i++) {
            iso_child *ch = px->slots[i];
            if (ch && !ch->busy) {
                ch->busy = true;
                pthread_mutex_unlock(&px->lock);
                return ch;
            }
            live += ch != NULL;
        }
        if (live < px->max)
            break;
        pthread_cond_wait(&px->changed, &px->lock);
    }
    px->starting++;
    pthread_mutex_unlock(&px->lock);
    iso_child *ch = start_child(px, ctx);
    pthread_mutex_lock(&px->lock);
    px->starting--;
    for (size_t i = 0; ch && i < px->max; i++)
        if (!px->slots[i]) {
            px->slots[i] = ch;
            ch->busy = true;
            break;
        }
    pthread_cond_broadcast(&px->changed);
    pthread_mutex_unlock(&px->lock);
    *status = FWK_ERROR;
    return ch;
}

void iso_release(iso_proxy *px, iso_child *ch, bool died)
{
    pthread_mutex_lock(&px->lock);
    for (size_t i = 0; i < px->max; i++)
        if (px->slots[i] == ch) {
            if (died)
                px->slots[i] = NULL;
            else
                ch->busy = false;
        }
    if (died)
        px->deaths++;
    pthread_cond_broadcast(&px->changed);
    pthread_mutex_unlock(&px->lock);
}

/* One call of the plugin's table in a child: `call` (reference taken). */
static fwk_status call_child(iso_proxy *px, fwk_ctx *ctx, json_t *call, json_t **result)
{
    fwk_status status = FWK_ERROR;
    if (result)
        *result = NULL;
    /* who acts (fawkes serve: the API token's name) goes with the call, so what the child
       audits (its mutating requests) names the same actor as in-process */
    const char *token_actor = audit_token_actor();
    if (call && token_actor &&
        json_object_set_new(call, "actor_token", json_string(token_actor)) != 0) {
        json_decref(call);
        call = NULL;
    }
    iso_child *ch = call ? iso_acquire(px, ctx, &status) : NULL;
    if (!call)
        iso_set_message(ctx, "out of memory");
    if (ch) {
        bool died = false;
        ch->term_sent_ms = 0;
        status = iso_converse(px, ch, ctx, call, result, &died);
        iso_release(px, ch, died);
    }
    json_decref(call);
    return status;
}

/* ---- the proxy's descriptor and function tables ---- */

#define PROXY(self) ((iso_proxy *)(self))

static fwk_status proxy_plan_tasks(fwk_ctx *ctx, void *self, const json_t *request, json_t **tasks)
{
    json_t *call = json_pack("{s:s, s:O}", "op", "plan_tasks", "request", request);
    return call_child(PROXY(self), ctx, call, tasks);
}

static fwk_status proxy_run_task(fwk_ctx *ctx, void *self, const json_t *task)
{
    json_t *call = json_pack("{s:s, s:O}", "op", "run_task", "task", task);
    return call_child(PROXY(self), ctx, call, NULL);
}

static fwk_status proxy_list_actions(fwk_ctx *ctx, void *self, json_t **actions)
{
    return call_child(PROXY(self), ctx, json_pack("{s:s}", "op", "list_actions"), actions);
}

static fwk_status proxy_run_action(fwk_ctx *ctx, void *self, const json_t *resource,
                                   const char *action, const json_t *params, int dry_run,
                                   json_t **result)
{
    json_t *call = json_pack("{s:s, s:O, s:s, s:O?, s:b}", "op", "run_action", "resource", resource,
                             "action", action, "params", params, "dry_run", dry_run);
    return call_child(PROXY(self), ctx, call, result);
}

static fwk_status proxy_provision(fwk_ctx *ctx, void *self, const char *what, const char *op,
                                  const json_t *spec, int dry_run, json_t **result)
{
    json_t *call = json_pack("{s:s, s:s, s:s, s:O?, s:b}", "op", "provision", "what", what,
                             "operation", op, "spec", spec, "dry_run", dry_run);
    return call_child(PROXY(self), ctx, call, result);
}

static fwk_status proxy_cost(fwk_ctx *ctx, void *self, const json_t *request, json_t **report)
{
    json_t *call = json_pack("{s:s, s:O?}", "op", "cost", "request", request);
    return call_child(PROXY(self), ctx, call, report);
}

static fwk_status proxy_scan_resource(fwk_ctx *ctx, void *self, const json_t *resource)
{
    return iso_scan_resource(PROXY(self), ctx, resource);
}

/* Always in a scanner's proxy table: the findings of resources still in flight are read here
   (the run ends after finish); then the plugin's own finish, when it has one. */
static fwk_status proxy_finish(fwk_ctx *ctx, void *self)
{
    iso_proxy *px = PROXY(self);
    iso_scan_drain(px);
    if (!FWK_VTABLE_HAS((const fwk_scanner_vtable *)px->real->desc->vtable, finish))
        return FWK_OK;
    pthread_mutex_lock(&px->scan_lock);
    fwk_status status = FWK_ERROR;
    iso_child *child = px->scan_child ? px->scan_child : iso_acquire(px, ctx, &status);
    px->scan_child = child;
    if (child) {
        bool died = false;
        json_t *call = json_pack("{s:s}", "op", "finish");
        status = iso_converse(px, child, ctx, call, NULL, &died);
        json_decref(call);
        if (died) {
            px->scan_child = NULL;
            iso_release(px, child, true);
        }
    }
    pthread_mutex_unlock(&px->scan_lock);
    return status;
}

static json_t *limits_json(const config_limits *limits)
{
    return json_pack("{s:i, s:f, s:f, s:i, s:I, s:I, s:I, s:I}", "concurrency", limits->concurrency,
                     "rate_per_s", limits->rate_per_s, "burst", limits->burst, "retries",
                     limits->retries, "timeout_ms", (json_int_t)limits->timeout_ms,
                     "backoff_base_ms", (json_int_t)limits->backoff_base_ms, "backoff_max_ms",
                     (json_int_t)limits->backoff_max_ms, "memory_bytes",
                     (json_int_t)limits->memory_bytes);
}

static json_t *allow_json(const strlist *allow)
{
    json_t *list = json_array();
    for (size_t i = 0; list && allow && i < allow->count; i++)
        json_array_append_new(list, json_string(allow->items[i]));
    return list;
}

static fwk_status proxy_init(const fwk_host *host, fwk_ctx *ctx, const json_t *settings,
                             void **state)
{
    (void)host;
    iso_proxy *px = (iso_proxy *)ctx->inst->plug;
    px->inst = ctx->inst;
    json_decref(px->hello);
    px->hello = json_pack("{s:s, s:s, s:s, s:s, s:O, s:o, s:o, s:i, s:b, s:O?}", "plugin_path",
                          px->real->path, "plugin", px->conf->plugin, "instance", px->conf->name,
                          "section", config_section_name(px->conf->section), "config", settings,
                          "limits", limits_json(&px->conf->limits), "allow",
                          allow_json(ctx->run ? ctx->run->allow : NULL), "log_level",
                          (int)child_level, "log_json", child_json, "audit", px->audit);
    if (!px->hello) {
        iso_set_message(ctx, "out of memory");
        return FWK_ERROR;
    }
    /* The first child starts now, so a failing init is reported as init's failure. */
    fwk_status status = FWK_ERROR;
    iso_child *ch = iso_acquire(px, ctx, &status);
    if (!ch)
        return FWK_ERROR;
    iso_release(px, ch, false);
    *state = px;
    return FWK_OK;
}

/* Stop every child: QUIT (the plugin's fini runs there), then reap. */
static void proxy_fini(void *self)
{
    iso_proxy *px = PROXY(self);
    if (!px)
        return;
    for (size_t i = 0; i < px->max; i++) {
        iso_child *ch = px->slots[i];
        if (!ch)
            continue;
        px->slots[i] = NULL;
        if (frame_put_json(&ch->out, FRAME_QUIT, NULL) == 0)
            frame_flush(&ch->out);
        /* wait for it to close its end, forwarding what fini logs */
        int64_t deadline = clock_mono_ms() + ISOLATE_QUIT_MS;
        int type;
        const char *payload;
        size_t len;
        int rc;
        while ((rc = frame_next(&ch->in, ISOLATE_POLL_MS, &type, &payload, &len)) != 0 &&
               rc != -1 && clock_mono_ms() < deadline) {
            json_t *value = rc == 1 && type == FRAME_LOG ? frame_json(&ch->in, payload, len) : NULL;
            const char *text = json_string_value(json_object_get(value, "text"));
            if (text)
                log_msg((fwk_log_level)json_integer_value(json_object_get(value, "level")),
                        px->conf->name, "%s", text);
            json_decref(value);
        }
        iso_reap(ch, ISOLATE_QUIT_MS, NULL);
    }
}

static void set_tables(iso_proxy *px)
{
    px->desc.init = proxy_init;
    px->desc.fini = proxy_fini;
    if (px->real->desc->kind == FWK_KIND_SCANNER) {
        const fwk_scanner_vtable *real = px->real->desc->vtable;
        px->vt.scanner.struct_size = sizeof px->vt.scanner;
        (void)real;
        px->vt.scanner.scan_resource = proxy_scan_resource;
        px->vt.scanner.finish = proxy_finish;
        px->desc.vtable = &px->vt.scanner;
        return;
    }
    const fwk_provider_vtable *real = px->real->desc->vtable;
    px->vt.provider.struct_size = sizeof px->vt.provider;
    px->vt.provider.plan_tasks = proxy_plan_tasks;
    px->vt.provider.run_task = proxy_run_task;
    if (FWK_VTABLE_HAS(real, list_actions))
        px->vt.provider.list_actions = proxy_list_actions;
    if (FWK_VTABLE_HAS(real, run_action))
        px->vt.provider.run_action = proxy_run_action;
    if (FWK_VTABLE_HAS(real, provision))
        px->vt.provider.provision = proxy_provision;
    if (FWK_VTABLE_HAS(real, cost))
        px->vt.provider.cost = proxy_cost;
    px->desc.vtable = &px->vt.provider;
}

static char *self_exe(void)
{
    char path[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", path, sizeof path - 1);
    if (len <= 0)
        return NULL;
    path[len] = '\0';
    return strdup(path);
}

plugin *isolate_plugin_new(const engine_env *eng, const config_instance *conf, const plugin *real,
                           diag *err)
{
    iso_proxy *px = calloc(1, sizeof *px);
    if (!px) {
        diag_set(err, "out of memory");
        return NULL;
    }
    px->real = real;
    px->conf = conf;
    px->exe = self_exe();
    /* A provider runs a process per task in flight; a scanner one (its finish must see every
       resource), and so does an instance with limits.rate: its token bucket lives in the
       process, and one bucket is what keeps the rate (and the burst) exact. */
    px->max = conf->section == CONFIG_PROVIDERS && conf->limits.rate_per_s <= 0 &&
                      conf->limits.concurrency > 1
                  ? (size_t)conf->limits.concurrency
                  : 1;
    px->slots = calloc(px->max, sizeof *px->slots);
    px->window = calloc(ISOLATE_SCAN_WINDOW, sizeof *px->window);
    px->window_sizes = calloc(ISOLATE_SCAN_WINDOW, sizeof *px->window_sizes);
    const config *cfg = eng->cfg;
    if (cfg->audit_log)
        px->audit = json_pack("{s:s, s:s?, s:s?}", "log", cfg->audit_log, "key",
                              cfg->audit_signing_key, "forward", cfg->audit_forward);
    pthread_mutex_init(&px->lock, NULL);
    pthread_mutex_init(&px->scan_lock, NULL);
    pthread_cond_init(&px->changed, NULL);
    px->desc = *real->desc; /* name, kind, options, capabilities: the real plugin's */
    set_tables(px);
    px->pub.path = real->path;
    px->pub.handle = NULL;
    px->pub.desc = &px->desc;
    if (!px->exe || !px->slots || !px->window || !px->window_sizes) {
        diag_set(err, "%s: cannot run plugin '%s' isolated: %s", conf->name, conf->plugin,
                 px->exe ? "out of memory" : "the fawkes binary (/proc/self/exe) is unknown");
        isolate_plugin_free(&px->pub);
        return NULL;
    }
    return &px->pub;
}

void isolate_plugin_free(plugin *proxy)
{
    iso_proxy *px = (iso_proxy *)proxy;
    if (!px)
        return;
    proxy_fini(px); /* children a failed init left behind, if any */
    for (size_t i = 0; i < px->window_count; i++)
        json_decref(px->window[(px->window_head + i) % ISOLATE_SCAN_WINDOW]);
    free(px->exe);
    free(px->slots);
    free(px->window);
    free(px->window_sizes);
    pthread_mutex_destroy(&px->scan_lock);
    json_decref(px->audit);
    json_decref(px->hello);
    pthread_mutex_destroy(&px->lock);
    pthread_cond_destroy(&px->changed);
    free(px);
}
