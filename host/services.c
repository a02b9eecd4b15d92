/* services.c: the host services table plugins call, and the per-call context. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "crash.h"
#include "finding.h"
#include "log.h"
#include "secret_ref.h"
#include "run.h"
#include "smtp.h"

void ctx_init(fwk_ctx *ctx, run *r, instance *inst, const char *operation, const char *task)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->run = r;
    ctx->inst = inst;
    ctx->operation = operation;
    ctx->task = task;
    crash_push(ctx);
}

void ctx_finish(fwk_ctx *ctx)
{
    crash_pop(ctx);
    free(ctx->message);
    free(ctx->first_malformed);
    ctx->message = ctx->first_malformed = NULL;
}

int ctx_resource_check(fwk_ctx *ctx, json_t *resource)
{
    diag err = {{0}};
    if (resource_complete(resource, &err) == 0)
        return 0;
    if (ctx->malformed++ == 0)
        ctx->first_malformed = strdup(err.text);
    free(ctx->message);
    ctx->message = log_redact(err.text);
    json_decref(resource);
    return -1;
}

static const char *ctx_component(const fwk_ctx *ctx, char *buf, size_t size)
{
    if (!ctx || !ctx->inst)
        return NULL;
    if (ctx->task)
        snprintf(buf, size, "%s: %s", ctx->inst->conf->name, ctx->task);
    else
        snprintf(buf, size, "%s", ctx->inst->conf->name);
    return buf;
}

static void svc_log(fwk_ctx *ctx, fwk_log_level level, const char *fmt, ...) FWK_PRINTF(3, 4);
static void svc_log(fwk_ctx *ctx, fwk_log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char component[256];
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, ctx_component(ctx, component, sizeof component), fmt, ap);
    va_end(ap);
}

static void svc_fail(fwk_ctx *ctx, const char *fmt, ...) FWK_PRINTF(2, 3);
static void svc_fail(fwk_ctx *ctx, const char *fmt, ...)
{
    if (!ctx)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *message = log_vformat_redacted(DIAG_MAX - 1, fmt, ap);
    va_end(ap);
    free(ctx->message);
    ctx->message = message;
}

static const json_t *svc_config(fwk_ctx *ctx)
{
    return ctx && ctx->inst ? ctx->inst->config : NULL;
}

static fwk_status svc_secret_get(fwk_ctx *ctx, const char *ref, char **value)
{
    char why[1024];

    *value = secret_ref_resolve(ref, why, sizeof why);
    if (!*value) {
        svc_fail(ctx, "%s", why);
        return FWK_ERROR;
    }
    log_add_secret(*value);
    return FWK_OK;
}

static int ctx_cancelled(void *arg)
{
    (void)arg;
    return run_cancel_requested();
}

static fwk_status svc_http_request(fwk_ctx *ctx, const fwk_http_request *request,
                                   fwk_http_response **response)
{
    *response = NULL;
    if (!ctx || !ctx->inst || !ctx->inst->http) {
        svc_fail(ctx, "HTTP is not available in this call");
        return FWK_ERROR;
    }
    diag err = {{0}};
    fwk_status status =
        http_client_send(ctx->inst->http, request, response, &err, ctx_cancelled, ctx);
    if (status != FWK_OK)
        svc_fail(ctx, "%s", err.text);
    return status;
}

static void svc_http_response_free(fwk_http_response *response)
{
    http_response_free(response);
}

static const char *svc_http_header(const fwk_http_response *response, const char *name)
{
    return http_response_header(response, name);
}

static fwk_status svc_emit_resource(fwk_ctx *ctx, json_t *resource)
{
    if (!ctx || !ctx->run) {
        json_decref(resource);
        svc_fail(ctx, "emit_resource is only available while a task runs");
        return FWK_ERROR;
    }
    return run_resource(ctx->run, ctx, resource);
}

static fwk_status svc_emit_finding(fwk_ctx *ctx, json_t *finding)
{
    if (!ctx || !ctx->run) {
        json_decref(finding);
        svc_fail(ctx, "emit_finding is only available during a run");
        return FWK_ERROR;
    }
    return run_finding(ctx->run, ctx, finding);
}

static int svc_cancelled(fwk_ctx *ctx)
{
    (void)ctx;
    return run_cancel_requested();
}

static void svc_counter_add(fwk_ctx *ctx, const char *name, int64_t delta)
{
    if (!ctx || !ctx->inst || !name)
        return;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.')) {
            log_msg(FWK_LOG_WARN, ctx->inst->conf->name,
                    "counter name '%s' ignored: use [a-z0-9_.]", name);
            return;
        }
    instance_count(ctx->inst, name, delta);
}

static fwk_status svc_mail_send(fwk_ctx *ctx, const fwk_mail *mail)
{
    if (!ctx || !ctx->inst || !ctx->run) {
        svc_fail(ctx, "mail_send is only available during a run");
        return FWK_ERROR;
    }
    diag err = {{0}};
    int attempts = 0;
    audit_dest_note(mail && mail->struct_size ? mail->url : NULL);
    fwk_status status = smtp_send(mail, ctx->run->allow, &ctx->inst->conf->limits, ctx_cancelled,
                                  ctx, &attempts, &err);
    if (attempts > 1)
        instance_count(ctx->inst, "mail_retries", attempts - 1);
    if (status == FWK_OK)
        instance_count(ctx->inst, "mails", 1);
    else
        svc_fail(ctx, "%s", err.text);
    return status;
}

static void *svc_alloc(size_t size)
{
    return malloc(size);
}

static void svc_free(void *ptr)
{
    free(ptr);
}

static const fwk_host host_table = {
    .struct_size = sizeof(fwk_host),
    .abi_major = FWK_ABI_MAJOR,
    .abi_minor = FWK_ABI_MINOR,
    .log = svc_log,
    .fail = svc_fail,
    .config = svc_config,
    .secret_get = svc_secret_get,
    .http_request = svc_http_request,
    .http_response_free = svc_http_response_free,
    .http_header = svc_http_header,
    .emit_resource = svc_emit_resource,
    .emit_finding = svc_emit_finding,
    .cancelled = svc_cancelled,
    .counter_add = svc_counter_add,
    .alloc = svc_alloc,
    .free = svc_free,
    .mail_send = svc_mail_send,
};

const fwk_host *host_services(void)
{
    return &host_table;
}
