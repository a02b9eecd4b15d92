/* isolate_child.c: the isolated worker (`fawkes __isolated-worker`): loads one plugin, runs
   the calls its parent sends and streams back what the plugin emits (see isolate.h). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "audit.h"
#include "finding.h"
#include "http.h"
#include "isolate_internal.h"
#include "log.h"
#include "run.h"
#include "schema.h"

/* The worker: the instance comes first, so a host service finds the worker from ctx->inst. */
typedef struct worker {
    instance inst;
    config_instance conf;
    plugin plug;
    run r;
    strlist allow;
    fwk_host table;       /* the host services the plugin gets */
    const fwk_host *base; /* the in-process table the overrides build on */
    frame_writer out;
    frame_reader in;
    json_t *sent; /* counter totals already reported */
    void *state;
} worker;

#define WORKER(ctx) ((worker *)(ctx)->inst)

/* The parent is gone (our answers cannot be written): nothing left to do. */
static void send_or_exit(worker *w, frame_type type, const json_t *value)
{
    if (frame_put_json(&w->out, type, value) != 0)
        _exit(70);
}

static void on_cancel(int signo)
{
    run_request_cancel(signo);
}

/* A dead parent closes the request pipe: leave, even while the plugin is busy (no orphan). */
static void *watchdog(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd pfd = {.fd = ISOLATE_FD_IN, .events = 0};
        if (poll(&pfd, 1, -1) > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
            _exit(71);
    }
    return NULL;
}

static void child_log(fwk_ctx *ctx, fwk_log_level level, const char *fmt, ...) FWK_PRINTF(3, 4);
static void child_log(fwk_ctx *ctx, fwk_log_level level, const char *fmt, ...)
{
    if (!ctx || !ctx->inst || !log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    char *text = log_vformat_redacted(4000, fmt, ap);
    va_end(ap);
    json_t *line = json_pack("{s:i, s:s}", "level", (int)level, "text", text ? text : "");
    free(text);
    if (line)
        send_or_exit(WORKER(ctx), FRAME_LOG, line);
    json_decref(line);
}

static fwk_status child_emit_resource(fwk_ctx *ctx, json_t *resource)
{
    if (!ctx || !ctx->inst) {
        json_decref(resource);
        return FWK_ERROR;
    }
    /* the plugin learns at once what the parent would say (docs/model.md), as in-process */
    if (ctx_resource_check(ctx, resource) != 0)
        return FWK_ERROR;
    log_redact_json(resource); /* the secrets only this process knows */
    send_or_exit(WORKER(ctx), FRAME_RESOURCE, resource);
    json_decref(resource);
    return run_cancel_requested() ? FWK_CANCELLED : FWK_OK;
}

static fwk_status child_emit_finding(fwk_ctx *ctx, json_t *finding)
{
    if (!ctx || !ctx->inst) {
        json_decref(finding);
        return FWK_ERROR;
    }
    diag err = {{0}};
    /* a bad finding still goes to the parent, whose check records the failure */
    fwk_status status = finding_check(finding, &err) == 0 ? FWK_OK : FWK_ERROR;
    log_redact_json(finding);
    send_or_exit(WORKER(ctx), FRAME_FINDING, finding);
    json_decref(finding);
    return status;
}

static fwk_status child_secret_get(fwk_ctx *ctx, const char *ref, char **value)
{
    fwk_status status = WORKER(ctx)->base->secret_get(ctx, ref, value);
    if (status == FWK_OK && *value) {
        json_t *secret = json_pack("{s:s}", "value", *value);
        if (secret)
            send_or_exit(WORKER(ctx), FRAME_SECRET, secret);
        json_decref(secret);
    }
    return status;
}

/* The counters' increments since the last report: {name: delta}. New reference. */
static json_t *counter_deltas(worker *w)
{
    json_t *now = instance_stats(&w->inst), *deltas = json_object();
    const char *name;
    json_t *value;
    json_object_del(now, "plugin");
    json_object_foreach (now, name, value) {
        json_int_t before = json_integer_value(json_object_get(w->sent, name));
        if (json_is_integer(value) && json_integer_value(value) != before)
            json_object_set_new(deltas, name, json_integer(json_integer_value(value) - before));
    }
    json_decref(w->sent);
    w->sent = now;
    return deltas;
}

/* DONE for a call: status, message, result (reference taken), malformed resources. */
static void send_done(worker *w, fwk_ctx *ctx, fwk_status status, json_t *result)
{
    json_t *done =
        json_pack("{s:i, s:s?, s:o?, s:I, s:s?, s:o}", "status", (int)status, "message",
                  ctx->message, "result", result, "malformed", (json_int_t)ctx->malformed,
                  "first_malformed", ctx->first_malformed, "counters", counter_deltas(w));
    if (!done)
        _exit(72);
    send_or_exit(w, FRAME_DONE, done);
    json_decref(done);
    /* Written at once, not batched: a crash in the next call must not take this call's
       answers with it (the parent would blame the wrong resource). */
    if (frame_flush(&w->out) != 0)
        _exit(70);
}

/* The next request: what is queued is written first (DONE of init, fini's logs). */
static int next_request(worker *w, int *type, const char **payload, size_t *len)
{
    if (frame_flush(&w->out) != 0)
        _exit(70);
    return frame_next(&w->in, -1, type, payload, len);
}

static fwk_status call_provider(worker *w, fwk_ctx *ctx, const char *op, json_t *call,
                                json_t **result)
{
    const fwk_provider_vtable *vt = w->plug.desc->vtable;
    if (strcmp(op, "plan_tasks") == 0)
        return vt->plan_tasks(ctx, w->state, json_object_get(call, "request"), result);
    if (strcmp(op, "run_task") == 0)
        return vt->run_task(ctx, w->state, json_object_get(call, "task"));
    if (strcmp(op, "list_actions") == 0 && FWK_VTABLE_HAS(vt, list_actions))
        return vt->list_actions(ctx, w->state, result);
    if (strcmp(op, "run_action") == 0 && FWK_VTABLE_HAS(vt, run_action))
        return vt->run_action(ctx, w->state, json_object_get(call, "resource"),
                              json_string_value(json_object_get(call, "action")),
                              json_object_get(call, "params"),
                              json_is_true(json_object_get(call, "dry_run")), result);
    if (strcmp(op, "provision") == 0 && FWK_VTABLE_HAS(vt, provision))
        return vt->provision(ctx, w->state, json_string_value(json_object_get(call, "what")),
                             json_string_value(json_object_get(call, "operation")),
                             json_object_get(call, "spec"),
                             json_is_true(json_object_get(call, "dry_run")), result);
    if (strcmp(op, "cost") == 0 && FWK_VTABLE_HAS(vt, cost))
        return vt->cost(ctx, w->state, json_object_get(call, "request"), result);
    return FWK_UNSUPPORTED;
}

static fwk_status call_scanner(worker *w, fwk_ctx *ctx, const char *op, json_t *call)
{
    const fwk_scanner_vtable *vt = w->plug.desc->vtable;
    if (strcmp(op, "scan_resource") == 0) {
        ctx->resource = json_object_get(call, "resource");
        return vt->scan_resource(ctx, w->state, ctx->resource);
    }
    if (strcmp(op, "finish") == 0 && FWK_VTABLE_HAS(vt, finish))
        return vt->finish(ctx, w->state);
    return FWK_UNSUPPORTED;
}

static void serve_call(worker *w, json_t *call)
{
    const char *op = json_string_value(json_object_get(call, "op"));
    const char *task = json_string_value(json_object_get(json_object_get(call, "task"), "name"));
    fwk_ctx ctx;
    ctx_init(&ctx, &w->r, &w->inst, op ? op : "?", task);
    json_t *result = NULL;
    fwk_status status = FWK_UNSUPPORTED;
    audit_set_token_actor(json_string_value(json_object_get(call, "actor_token")));
    if (op && w->plug.desc->kind == FWK_KIND_SCANNER)
        status = call_scanner(w, &ctx, op, call);
    else if (op)
        status = call_provider(w, &ctx, op, call, &result);
    audit_set_token_actor(NULL);
    send_done(w, &ctx, status, result);
    ctx_finish(&ctx);
}

/* ---- set-up from HELLO ---- */

static void register_secrets(const fwk_option *options, const json_t *settings)
{
    size_t count = schema_option_count(options);
    for (size_t i = 0; i < count; i++) {
        const fwk_option *opt = schema_option_at(options, i);
        if (!(opt->flags & FWK_OPT_SECRET))
            continue;
        const json_t *value = json_object_get(settings, opt->name);
        size_t k;
        json_t *item;
        if (json_is_string(value))
            log_add_secret(json_string_value(value));
        json_array_foreach ((json_t *)value, k, item)
            if (json_is_string(item))
                log_add_secret(json_string_value(item));
    }
}

static void read_limits(const json_t *limits, config_limits *out)
{
    config_limits_default(out);
    out->concurrency = (int)json_integer_value(json_object_get(limits, "concurrency"));
    out->rate_per_s = json_number_value(json_object_get(limits, "rate_per_s"));
    out->burst = json_number_value(json_object_get(limits, "burst"));
    out->retries = (int)json_integer_value(json_object_get(limits, "retries"));
    out->timeout_ms = (long)json_integer_value(json_object_get(limits, "timeout_ms"));
    out->backoff_base_ms = (long)json_integer_value(json_object_get(limits, "backoff_base_ms"));
    out->backoff_max_ms = (long)json_integer_value(json_object_get(limits, "backoff_max_ms"));
    out->memory_bytes = json_integer_value(json_object_get(limits, "memory_bytes"));
}

/* The audit trail of the parent's config: appends are safe across processes (flock). */
static void setup_audit(const json_t *audit)
{
    if (!json_is_object(audit))
        return;
    config *cfg = config_empty();
    if (!cfg)
        return;
    const char *key = json_string_value(json_object_get(audit, "key"));
    const char *forward = json_string_value(json_object_get(audit, "forward"));
    cfg->audit_log = strdup(json_string_value(json_object_get(audit, "log")));
    cfg->audit_signing_key = key ? strdup(key) : NULL;
    cfg->audit_forward = forward ? strdup(forward) : NULL;
    diag err = {{0}};
    if (audit_configure(cfg, NULL, &err) != 0)
        log_msg(FWK_LOG_WARN, "isolated", "%s", err.text);
    config_free(cfg);
}

/* Apply HELLO: limits, logging, the plugin, its init. Returns the status for DONE. */
static fwk_status setup(worker *w, json_t *hello, fwk_ctx *ctx)
{
    const json_t *limits = json_object_get(hello, "limits");
    read_limits(limits, &w->conf.limits);
    if (w->conf.limits.memory_bytes > 0) {
        struct rlimit cap = {(rlim_t)w->conf.limits.memory_bytes,
                             (rlim_t)w->conf.limits.memory_bytes};
        setrlimit(RLIMIT_AS, &cap);
    }
    log_setup((fwk_log_level)json_integer_value(json_object_get(hello, "log_level")),
              json_is_true(json_object_get(hello, "log_json")));
    w->conf.name = strdup(json_string_value(json_object_get(hello, "instance")));
    w->conf.plugin = strdup(json_string_value(json_object_get(hello, "plugin")));
    w->conf.section = strcmp(json_string_value(json_object_get(hello, "section")), "scanners") == 0
                          ? CONFIG_SCANNERS
                          : CONFIG_PROVIDERS;
    size_t i;
    json_t *host;
    json_array_foreach (json_object_get(hello, "allow"), i, host)
        strlist_push(&w->allow, json_string_value(host));
    setup_audit(json_object_get(hello, "audit"));
    w->inst.config = json_incref(json_object_get(hello, "config"));
    if (loader_check_file(json_string_value(json_object_get(hello, "plugin_path")), &w->plug) !=
        0) {
        w->base->fail(ctx, "the plugin was refused in its isolated process: %s", w->plug.refusal);
        return FWK_ERROR;
    }
    register_secrets(w->plug.desc->options, w->inst.config);
    w->inst.plug = &w->plug;
    w->inst.http = http_client_new(w->conf.name, &w->conf.limits, &w->allow);
    if (!w->conf.name || !w->conf.plugin || !w->inst.http ||
        run_init(&w->r, "isolated", NULL, OUTPUT_INVENTORY, NULL, &w->allow) != 0) {
        w->base->fail(ctx, "out of memory in its isolated process");
        return FWK_ERROR;
    }
    fwk_status status =
        w->plug.desc->init ? w->plug.desc->init(&w->table, ctx, w->inst.config, &w->state) : FWK_OK;
    w->inst.ready = status == FWK_OK;
    return status;
}

static void worker_init(worker *w)
{
    memset(w, 0, sizeof *w);
    w->inst.conf = &w->conf;
    w->inst.counters = json_object();
    pthread_mutex_init(&w->inst.lock, NULL);
    w->base = host_services();
    w->table = *w->base;
    w->table.log = child_log;
    w->table.emit_resource = child_emit_resource;
    w->table.emit_finding = child_emit_finding;
    w->table.secret_get = child_secret_get;
    frame_writer_init(&w->out, ISOLATE_FD_OUT);
    frame_reader_init(&w->in, ISOLATE_FD_IN);
}

/* Everything the worker holds (the plugin stays loaded: plugins are never unloaded). */
static void worker_free(worker *w)
{
    http_client_free(w->inst.http);
    json_decref(w->inst.config);
    json_decref(w->inst.counters);
    json_decref(w->sent);
    pthread_mutex_destroy(&w->inst.lock);
    if (w->r.failures)
        run_free(&w->r);
    strlist_clear(&w->allow);
    free(w->conf.name);
    free(w->conf.plugin);
    free(w->plug.path);
    free(w->plug.refusal);
    frame_writer_free(&w->out);
    frame_reader_free(&w->in);
    audit_shutdown();
}

static void signals(void)
{
    /* Default dispositions, so a crash ends the process with its signal for the parent to
       name, rather than a sanitizer's handler turning it into an exit status. */
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS, SIGTRAP};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        signal(fatal[i], SIG_DFL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_cancel;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a write to a gone parent fails with EPIPE: we leave then */
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_create(&thread, &attr, watchdog, NULL);
    pthread_attr_destroy(&attr);
}

int isolate_child_main(void)
{
    static worker w;
    worker_init(&w);
    signals();
    http_global_init();
    int type = 0;
    const char *payload = NULL;
    size_t len = 0;
    json_t *hello = frame_next(&w.in, -1, &type, &payload, &len) == 1 && type == FRAME_HELLO
                        ? frame_json(&w.in, payload, len)
                        : NULL;
    if (!hello)
        return 64;
    fwk_ctx ctx;
    ctx_init(&ctx, &w.r, &w.inst, "init", NULL);
    fwk_status status = setup(&w, hello, &ctx);
    json_decref(hello);
    send_done(&w, &ctx, status, NULL);
    ctx_finish(&ctx);
    while (status == FWK_OK && next_request(&w, &type, &payload, &len) == 1 && type == FRAME_CALL) {
        json_t *call = frame_json(&w.in, payload, len);
        if (!call)
            break;
        serve_call(&w, call);
        json_decref(call);
    }
    if (w.inst.ready && w.plug.desc->fini)
        w.plug.desc->fini(w.state);
    frame_flush(&w.out);
    worker_free(&w);
    http_global_cleanup();
    return status == FWK_OK ? 0 : 65;
}
