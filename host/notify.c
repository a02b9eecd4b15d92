/* notify.c: the end of a chain: history, resolved findings, routing, delivery, queue. */
#include "fawkes/fwkx.h"
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "history.h"
#include "log.h"
#include "notify_route.h"
#include "notify_store.h"
#include "clock.h"

#define QUEUE_BATCH 500
#define QUEUE_LEASE_MS (10 * 60 * 1000)

int notify_check(const instance *notifier, const config *cfg, diag *err)
{
    if (!notifier->plug)
        return 0;
    const json_t *digest = json_object_get(notifier->conf->settings, "digest");
    if (json_is_true(digest) && !(notifier->plug->desc->capabilities & FWK_CAP_DIGEST)) {
        char pointer[512], shown[512];
        int line = 0, column = 0;
        snprintf(pointer, sizeof pointer, "%s/digest", notifier->conf->pointer);
        config_mark(cfg, pointer, &line, &column);
        config_pointer_display(pointer, shown, sizeof shown);
        diag_set(err,
                 "%s:%d:%d: %s: plugin '%s' sends one message per finding and cannot send "
                 "digests; remove `digest: true` or use a plugin that can (webhook, email)",
                 cfg->path, line, column, shown, notifier->conf->plugin);
        return -1;
    }
    return 0;
}

/* Severity desc, then new before resolved before open, then rule, then fingerprint. */
static int delta_rank(const json_t *finding)
{
    const char *delta = fwkx_str(finding, "delta", "");
    return !strcmp(delta, "new") ? 2 : !strcmp(delta, "resolved") ? 1 : 0;
}

static int finding_cmp(const void *a, const void *b)
{
    const json_t *left = *(const json_t *const *)a, *right = *(const json_t *const *)b;
    int by = severity_rank(fwkx_str(right, "severity", "")) -
             severity_rank(fwkx_str(left, "severity", ""));
    if (!by)
        by = delta_rank(right) - delta_rank(left);
    if (!by)
        by = strcmp(fwkx_str(left, "rule", ""), fwkx_str(right, "rule", ""));
    if (!by)
        by = strcmp(fwkx_str(left, "fingerprint", ""), fwkx_str(right, "fingerprint", ""));
    return by;
}

static void sort_findings(json_t *findings)
{
    size_t n = json_array_size(findings);
    json_t **items = n ? malloc(n * sizeof *items) : NULL;
    if (!items)
        return;
    for (size_t i = 0; i < n; i++)
        items[i] = json_incref(json_array_get(findings, i));
    qsort(items, n, sizeof *items, finding_cmp);
    json_array_clear(findings);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(findings, items[i]);
    free(items);
}

/*
 * The findings `route` wants from this chain, given what was sent before: each a copy with
 * its delta (an open finding sent again after renotify_after keeps "open").
 */
static json_t *select_findings(const notify_route *route, const json_t *fails,
                               const json_t *resolved, const json_t *sent, int64_t now)
{
    json_t *selected = json_array();
    const json_t *lists[] = {fails, resolved};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        const json_t *finding;
        json_array_foreach (lists[l], i, finding) {
            if (!notify_route_wants(route, finding))
                continue;
            const char *delta = fwkx_str(finding, "delta", "");
            const json_t *before = json_object_get(sent, fwkx_str(finding, "fingerprint", ""));
            const char *told = before ? fwkx_str(before, "event", "") : NULL;
            bool known = told && strcmp(told, "resolved") != 0; /* it was told it is open */
            bool want;
            if (strcmp(delta, "resolved") == 0) {
                want = (route->on & NOTIFY_ON_RESOLVED) && known;
            } else if (!known) {
                /* New to this notifier (also an open finding it never heard of). */
                want = (route->on & NOTIFY_ON_NEW) ||
                       (strcmp(delta, "open") == 0 && (route->on & NOTIFY_ON_OPEN));
            } else if (route->on & NOTIFY_ON_OPEN) {
                want = true;
            } else {
                int64_t at = json_integer_value(json_object_get(before, "at"));
                want = route->renotify_after_ms > 0 && now - at >= route->renotify_after_ms;
            }
            if (want)
                json_array_append_new(selected, json_deep_copy(finding));
        }
    }
    sort_findings(selected);
    return selected;
}

static char *render_line(const notify_route *route, const json_t *finding, const run *r)
{
    return notify_template_render(route->template_text ? route->template_text
                                                       : NOTIFY_DEFAULT_TEMPLATE,
                                  finding, r->id, r->chain);
}

static json_t *message_base(const run *r, bool digest)
{
    return json_pack("{s:{s:s, s:s, s:s}, s:b}", "run", "id", r->id, "chain", r->chain,
                     "started_at", r->started_at, "digest", digest);
}

/* One message per finding. */
static json_t *single_message(const notify_route *route, const run *r, json_t *finding)
{
    json_t *message = message_base(r, false);
    char *text = render_line(route, finding, r);
    json_object_set_new(message, "text", json_string(text ? text : ""));
    free(text);
    json_object_set_new(message, "findings", json_pack("[O]", finding));
    return message;
}

/* One digest of all `findings` (sorted), listing the first digest_top. */
static json_t *digest_message(const notify_route *route, const run *r, const json_t *findings)
{
    size_t total = json_array_size(findings), shown = 0;
    json_t *listed = json_array();
    json_t *by_severity = json_pack("{s:i, s:i, s:i, s:i, s:i}", "critical", 0, "high", 0, "medium",
                                    0, "low", 0, "info", 0);
    json_t *by_delta = json_pack("{s:i, s:i, s:i}", "new", 0, "open", 0, "resolved", 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *text = open_memstream(&buf, &len);
    size_t i;
    const json_t *finding;
    json_array_foreach (findings, i, finding) {
        json_t *count = json_object_get(by_severity, fwkx_str(finding, "severity", ""));
        json_integer_set(count, json_integer_value(count) + 1);
        count = json_object_get(by_delta, fwkx_str(finding, "delta", ""));
        json_integer_set(count, json_integer_value(count) + 1);
    }
    if (text) {
        fprintf(text, "fawkes: %zu finding%s in chain %s (run %s):", total, total == 1 ? "" : "s",
                r->chain, r->id);
        const char *sep = " ";
        static const char *const deltas[] = {"new", "open", "resolved"};
        for (size_t d = 0; d < 3; d++) {
            json_int_t n = json_integer_value(json_object_get(by_delta, deltas[d]));
            if (n) {
                fprintf(text, "%s%lld %s", sep, (long long)n, deltas[d]);
                sep = ", ";
            }
        }
    }
    json_array_foreach (findings, i, finding) {
        if ((int)shown >= route->digest_top)
            break;
        json_array_append(listed, (json_t *)finding);
        shown++;
        char *line = render_line(route, finding, r);
        if (text)
            fprintf(text, "\n- %s", line ? line : "");
        free(line);
    }
    if (text && total > shown)
        fprintf(text, "\n... and %zu more", total - shown);
    if (text)
        fclose(text);
    json_t *message = message_base(r, true);
    json_object_set_new(message, "text", json_string(text && buf ? buf : ""));
    free(buf);
    json_object_set_new(message, "findings", listed);
    json_object_set_new(message, "summary",
                        json_pack("{s:I, s:I, s:o, s:o}", "total", (json_int_t)total, "shown",
                                  (json_int_t)shown, "by_severity", by_severity, "by_delta",
                                  by_delta));
    return message;
}

/* Hand one message to the plugin. Returns FWK_OK, or the plugin's status with the reason in
 *why (owned). */
static fwk_status deliver(run *r, instance *notifier, const json_t *message, char **why)
{
    *why = NULL;
    if (!notifier->ready) {
        *why = strdup("the notifier did not start (see the failure above)");
        return FWK_ERROR;
    }
    const fwk_notifier_vtable *vt = notifier->plug->desc->vtable;
    fwk_ctx ctx;
    ctx_init(&ctx, r, notifier, "notify", NULL);
    fwk_status status = vt->notify(&ctx, notifier->state, message);
    if (status != FWK_OK)
        *why = strdup(ctx.message ? ctx.message : fwk_strerror(status));
    ctx_finish(&ctx);
    return status;
}

static void state_failure(run *r, instance *notifier, const diag *err)
{
    run_fail(r, notifier, "notify", NULL, err->text);
}

/* Send `message` (borrowed; redacted in place) now, or queue it (rate-limited: quietly;
   undeliverable: as a failure). */
static void send_or_queue(run *r, instance *notifier, const notify_route *route, state_store *st,
                          json_t *message)
{
    if (!message)
        return;
    log_redact_json(message);
    diag err = {{0}};
    int token =
        st ? notify_rate_take(st, notifier->conf->name, route->rate_per_s, route->rate_burst, &err)
           : 1;
    if (token < 0)
        state_failure(r, notifier, &err);
    if (st && (token == 0 || run_cancel_requested())) {
        if (notify_queue_push(st, notifier->conf->name, r->chain, message, NULL, &err) != 0)
            state_failure(r, notifier, &err);
        instance_count(notifier, "messages_deferred", 1);
        return;
    }
    char *why = NULL;
    if (deliver(r, notifier, message, &why) == FWK_OK) {
        instance_count(notifier, "messages_sent", 1);
        return;
    }
    char reason[DIAG_MAX];
    if (st && notify_queue_push(st, notifier->conf->name, r->chain, message, why, &err) == 0) {
        instance_count(notifier, "messages_queued", 1);
        snprintf(reason, sizeof reason,
                 "%s; the message is queued and will be retried on the "
                 "next run",
                 why ? why : "not delivered");
    } else {
        snprintf(reason, sizeof reason, "%.1000s; queueing it failed too: %.900s",
                 why ? why : "not delivered", st ? err.text : "no state file");
    }
    run_fail(r, notifier, "notify", NULL, reason);
    free(why);
}

/* Deliver what earlier runs queued for `notifier`. */
static void retry_queue(run *r, instance *notifier, const notify_route *route, state_store *st)
{
    diag err = {{0}};
    json_t *claimed =
        notify_queue_claim(st, notifier->conf->name, QUEUE_BATCH, QUEUE_LEASE_MS, &err);
    if (!claimed) {
        state_failure(r, notifier, &err);
        return;
    }
    size_t i, failed = 0;
    const json_t *item;
    char *first_why = NULL;
    json_array_foreach (claimed, i, item) {
        json_int_t id = json_integer_value(json_object_get(item, "id"));
        int token = failed || run_cancel_requested()
                        ? 0
                        : notify_rate_take(st, notifier->conf->name, route->rate_per_s,
                                           route->rate_burst, &err);
        char *why = NULL;
        int rc;
        if (token <= 0) {
            rc = notify_queue_release(st, id, NULL, &err); /* its turn comes later */
        } else if (deliver(r, notifier, json_object_get(item, "message"), &why) == FWK_OK) {
            instance_count(notifier, "messages_sent", 1);
            instance_count(notifier, "messages_retried", 1);
            rc = notify_queue_done(st, id, &err);
        } else {
            /* The receiver is still down: keep the rest for later, in order. */
            failed++;
            rc = notify_queue_release(st, id, why ? why : "not delivered", &err);
            if (!first_why)
                first_why = why, why = NULL;
        }
        free(why);
        if (rc != 0)
            state_failure(r, notifier, &err);
    }
    if (failed) {
        long left = notify_queue_count(st, notifier->conf->name, &err);
        char reason[DIAG_MAX];
        snprintf(reason, sizeof reason, "%.1800s; %ld queued message%s kept for the next run",
                 first_why ? first_why : "", left, left == 1 ? " is" : "s are");
        run_fail(r, notifier, "notify", NULL, reason);
    }
    free(first_why);
    json_decref(claimed);
}

static void notify_one(run *r, instance *notifier, state_store *st, const json_t *fails,
                       const json_t *resolved)
{
    notify_route route;
    notify_route_read(notifier->conf->settings, &route);
    diag err = {{0}};
    if (st && notifier->ready)
        retry_queue(r, notifier, &route, st);
    /* Choose and record in one transaction, before delivery: a run that overlaps this one
       waits and then sees these as sent, and what fails to go out is queued, so nothing is
       sent twice. */
    int64_t now = clock_wall_ms();
    if (st && state_begin(st, &err) != 0) {
        state_failure(r, notifier, &err);
        return;
    }
    json_t *sent = st ? notify_sent_load(st, notifier->conf->name, r->chain, &err) : json_object();
    json_t *selected = sent ? select_findings(&route, fails, resolved, sent, now) : NULL;
    json_decref(sent);
    if (st &&
        (!selected ||
         notify_sent_record(st, notifier->conf->name, r->chain, selected, now, 1, &err) != 0 ||
         state_commit(st, &err) != 0)) {
        state_rollback(st);
        state_failure(r, notifier, &err);
        json_decref(selected);
        return;
    }
    if (json_array_size(selected) == 0) {
        json_decref(selected);
        return;
    }
    if (route.digest) {
        json_t *message = digest_message(&route, r, selected);
        send_or_queue(r, notifier, &route, st, message);
        json_decref(message);
    } else {
        size_t i;
        json_t *finding;
        json_array_foreach (selected, i, finding) {
            json_t *message = single_message(&route, r, finding);
            send_or_queue(r, notifier, &route, st, message);
            json_decref(message);
        }
    }
    json_decref(selected);
}

void notify_chain(run *r, instance **notifiers, size_t count)
{
    diag err = {{0}};
    json_t *fails = json_array(), *resolved = json_array();
    history_cursor *cursor = NULL;
    if (r->history && count > 0 &&
        history_cursor_open(r->history, HISTORY_FAILS | HISTORY_RESOLVED, &cursor, &err) == 0) {
        json_t *finding;
        while ((finding = history_cursor_next(cursor, &err)) != NULL)
            json_array_append_new(
                strcmp(fwkx_str(finding, "delta", ""), "resolved") ? fails : resolved, finding);
        history_cursor_close(cursor);
    }
    state_store *st = history_state(r->history);
    if (st && count > 0 && notify_store_init(st, &err) != 0) {
        run_fail(r, NULL, "notify", NULL, err.text);
        st = NULL;
    }
    for (size_t i = 0; i < count && !run_cancel_requested(); i++) {
        if (!notifiers[i]->plug)
            continue; /* refused by the loader: reported; nothing can be queued for it */
        notify_one(r, notifiers[i], st, fails, resolved);
    }
    json_decref(fails);
    json_decref(resolved);
}
