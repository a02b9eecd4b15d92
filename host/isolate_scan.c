/* isolate_scan.c: an isolated scanner's scan_resource calls, pipelined: resources go to its
   process without waiting for each answer (one round trip per resource would bound the
   rate), and the findings and failures are handed to the run as they come back, in order. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isolate_internal.h"
#include "log.h"
#include "run.h"

#define ISOLATE_POLL_MS 100

static json_t *oldest(const iso_proxy *px)
{
    return px->window[px->window_head];
}

static void push(iso_proxy *px, const json_t *resource, size_t bytes)
{
    size_t at = (px->window_head + px->window_count) % ISOLATE_SCAN_WINDOW;
    px->window[at] = json_incref((json_t *)resource);
    px->window_sizes[at] = bytes;
    px->window_bytes += bytes;
    px->window_count++;
}

static void pop(iso_proxy *px)
{
    json_decref(px->window[px->window_head]);
    px->window[px->window_head] = NULL;
    px->window_bytes -= px->window_sizes[px->window_head];
    px->window_head = (px->window_head + 1) % ISOLATE_SCAN_WINDOW;
    px->window_count--;
}

/* A failed scan, worded as run.c's scan_with words it: "UID: why". */
static void fail_resource(iso_proxy *px, const json_t *resource, const char *why)
{
    char message[DIAG_MAX];
    snprintf(message, sizeof message, "%s: %s", json_string_value(json_object_get(resource, "uid")),
             why ? why : "no reason given");
    run_fail(px->scan_run, px->inst, "scan_resource", NULL, message);
}

static void ctx_for(iso_proxy *px, fwk_ctx *ctx, const json_t *resource)
{
    ctx_init(ctx, px->scan_run, px->inst, "scan_resource", NULL);
    ctx->resource = resource;
}

/* One frame about the oldest resource in flight. 1 at its DONE, 0 otherwise, -1 corrupt. */
static int take(iso_proxy *px, int type, const char *payload, size_t len)
{
    json_t *value = frame_json(&px->scan_child->in, payload, len);
    if (!value || px->window_count == 0) {
        json_decref(value);
        return -1;
    }
    fwk_ctx ctx;
    ctx_for(px, &ctx, oldest(px));
    int rc = 0;
    if (type == FRAME_FINDING) {
        run_finding(px->scan_run, &ctx, value);
        value = NULL;
    } else if (type == FRAME_LOG) {
        iso_take_log(&ctx, value);
    } else if (type == FRAME_SECRET) {
        const char *secret = json_string_value(json_object_get(value, "value"));
        if (secret)
            log_add_secret(secret);
    } else if (type == FRAME_DONE) {
        fwk_status status = iso_take_done(px, &ctx, value, NULL);
        if (status != FWK_OK)
            fail_resource(px, oldest(px), ctx.message ? ctx.message : fwk_strerror(status));
        pop(px);
        rc = 1;
    } else {
        rc = -1;
    }
    json_decref(value);
    ctx_finish(&ctx);
    return rc;
}

/* Every resource still in flight is dropped, said once. */
static void give_up(iso_proxy *px, const char *why)
{
    if (px->window_count == 0)
        return;
    char message[DIAG_MAX];
    snprintf(message, sizeof message, "%zu resources were not scanned: %s", px->window_count, why);
    run_fail(px->scan_run, px->inst, "scan_resource", NULL, message);
    while (px->window_count > 0)
        pop(px);
}

/* Send what is in flight to a (new) process. */
static void resend(iso_proxy *px)
{
    fwk_ctx ctx;
    fwk_status status;
    ctx_for(px, &ctx, oldest(px));
    px->scan_child = iso_acquire(px, &ctx, &status);
    if (!px->scan_child)
        give_up(px, ctx.message ? ctx.message : "its isolated process could not start");
    for (size_t i = 0; px->scan_child && i < px->window_count; i++) {
        json_t *call = json_pack("{s:s, s:O}", "op", "scan_resource", "resource",
                                 px->window[(px->window_head + i) % ISOLATE_SCAN_WINDOW]);
        frame_put_json(&px->scan_child->out, FRAME_CALL, call); /* a failure shows as EOF */
        json_decref(call);
    }
    ctx_finish(&ctx);
}

/*
 * The process died: the oldest resource's scan is what killed it (reported); the others are
 * scanned again by a new process, unless the run is stopping. `salvage`: what the process
 * answered before it died may still be unread (a write can find it dead before a read does),
 * so those answers are taken first, and the resource blamed is the one it died on. Not after
 * a corrupt frame: nothing after it can be trusted.
 */
static void on_death(iso_proxy *px, bool salvage)
{
    iso_child *child = px->scan_child;
    bool cancelled = child->term_sent_ms != 0;
    int wstatus = 0;
    kill(child->pid, SIGKILL); /* its end of the pipe closes: the reads below end */
    int type = 0;
    const char *payload = NULL;
    size_t len = 0;
    while (salvage && !cancelled && px->window_count > 0 &&
           frame_next(&child->in, ISOLATE_GRACE_MS, &type, &payload, &len) == 1 &&
           take(px, type, payload, len) >= 0)
        ;
    px->scan_child = NULL;
    iso_release(px, child, true);
    iso_reap(child, ISOLATE_GRACE_MS, &wstatus);
    if (px->window_count == 0)
        return;
    fwk_ctx ctx;
    ctx_for(px, &ctx, oldest(px));
    if (cancelled)
        iso_set_message(&ctx, "cancelled: its isolated process was stopped");
    else
        iso_report_death(px, &ctx, wstatus);
    fail_resource(px, oldest(px), ctx.message);
    pop(px);
    if (cancelled || run_cancel_requested())
        give_up(px, ctx.message);
    else if (px->window_count > 0)
        resend(px);
    ctx_finish(&ctx);
}

/* Read answers until at most `keep` resources are in flight; wait_ms 0: only what has come. */
static void drain_to(iso_proxy *px, size_t keep, int wait_ms)
{
    if (wait_ms > 0 && px->scan_child && frame_flush(&px->scan_child->out) != 0) {
        on_death(px, true);
        return drain_to(px, keep, wait_ms);
    }
    while (px->scan_child && px->window_count > keep) {
        int type = 0;
        const char *payload = NULL;
        size_t len = 0;
        int rc = frame_next(&px->scan_child->in, wait_ms, &type, &payload, &len);
        if (rc == -2 && wait_ms == 0)
            return;
        if (rc == -2) {
            iso_pass_on_cancel(px->scan_child);
            continue;
        }
        if (rc != 1 || take(px, type, payload, len) < 0) {
            on_death(px, false); /* the stream ended, or it is corrupt */
            if (wait_ms > 0 && px->scan_child && frame_flush(&px->scan_child->out) != 0)
                on_death(px, true);
        }
    }
}

fwk_status iso_scan_resource(iso_proxy *px, fwk_ctx *ctx, const json_t *resource)
{
    fwk_status status = FWK_OK;
    pthread_mutex_lock(&px->scan_lock);
    px->scan_run = ctx->run;
    if (!px->scan_child) {
        px->scan_child = iso_acquire(px, ctx, &status);
        if (!px->scan_child) {
            /* after its last restart the scanner is said to fail once, not per resource */
            status = px->broken_logged ? FWK_OK : FWK_ERROR;
            px->broken_logged = true;
            pthread_mutex_unlock(&px->scan_lock);
            return status;
        }
    }
    json_t *call = json_pack("{s:s, s:O}", "op", "scan_resource", "resource", resource);
    if (!call) {
        iso_set_message(ctx, "out of memory");
        pthread_mutex_unlock(&px->scan_lock);
        return FWK_ERROR;
    }
    drain_to(px, 0, 0);
    drain_to(px, ISOLATE_SCAN_WINDOW - 1, ISOLATE_POLL_MS);
    /*
     * What is queued (buffered here or unread in the request pipe) stays within what the
     * pipe holds, so a write never blocks: one that blocked while the process blocks writing
     * findings nobody reads would deadlock both. Before a request that would not fit, the
     * answers to older ones are awaited; a request bigger than the pipe is sent only to an
     * idle process, which reads it while we write.
     */
    size_t bytes = json_dumpb(call, NULL, 0, JSON_COMPACT) + 5;
    while (px->scan_child && px->window_count > 0 &&
           px->window_bytes + bytes > px->scan_child->pipe_bytes)
        drain_to(px, px->window_count - 1, ISOLATE_POLL_MS);
    iso_child *child = px->scan_child;
    if (child) {
        child->out.manual = 1;
        push(px, resource, bytes);
        if (frame_put_json(&child->out, FRAME_CALL, call) != 0 ||
            (child->out.len >= 65536 && frame_flush(&child->out) != 0))
            on_death(px, true); /* the process is gone */
    } else {
        fail_resource(px, resource, "its isolated process could not be restarted");
    }
    json_decref(call);
    pthread_mutex_unlock(&px->scan_lock);
    return status;
}

void iso_scan_drain(iso_proxy *px)
{
    pthread_mutex_lock(&px->scan_lock);
    drain_to(px, 0, ISOLATE_POLL_MS);
    pthread_mutex_unlock(&px->scan_lock);
}
