/* notify.c: the end of a chain: route its recorded findings to the notifiers, deliver, queue.

   A chain's findings are read back from the run history (history_cursor), one at a time,
   once per notifier; nothing holds the list in memory. Per notifier:
   1. its queued messages from earlier runs go first (retry_queue);
   2. walk: each finding it wants (route, `on`, and what it was told before: one indexed
      lookup in notify_sent) is a candidate, filed in a temporary spill file (spill.h)
      under a sort key: the send order for single messages, the fingerprint for a digest;
   3. confirm: the candidates are read back in that order, decided again and recorded as
      sent in batches of SELECT_BATCH, each in one transaction (state_begin waits for other
      writers), before any of them is delivered: a run that overlaps this one sees them as
      sent, what fails to go out is queued, and nothing is sent twice;
   4. single messages go out after each batch is recorded, in compare_findings' order; a
      digest gathers counts and the first digest_top in a bounded heap, and goes out once
      every batch is recorded.
   The notifier tables are read and written through a connection of their own to the state
   file: its transactions never touch the history cursor's open statement. */
#include "fawkes/fwkx.h"
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "finding.h"
#include "history.h"
#include "log.h"
#include "notify_route.h"
#include "notify_store.h"
#include "spill.h"

#define QUEUE_BATCH 500
#define QUEUE_LEASE_MS (10 * 60 * 1000)
/* Decisions written per transaction; also the most findings held between deciding and
   delivering. */
#define SELECT_BATCH 1000
/* Lookups of what was sent per read transaction (one snapshot instead of one per lookup). */
#define READ_BATCH 10000
/* Page cache of the notifier tables' connection (KiB): lookups are by fingerprint, in no
   order, across a table that grows with the findings. */
#define NOTIFY_CACHE_KIB 16384

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

/* Severity desc, then new before resolved before open, then rule, then fingerprint: the
   order of single messages and of a digest's list. */
static int delta_rank(const json_t *finding)
{
    const char *delta = fwkx_str(finding, "delta", "");
    return !strcmp(delta, "new") ? 2 : !strcmp(delta, "resolved") ? 1 : 0;
}

static int compare_findings(const json_t *left, const json_t *right)
{
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

static int finding_cmp(const void *a, const void *b)
{
    return compare_findings(*(const json_t *const *)a, *(const json_t *const *)b);
}

/*
 * The spill sort key of `finding`. For single messages its byte order is compare_findings'
 * order (SQLite compares text bytewise, as strcmp does): a letter for the severity
 * (critical 'a' .. info 'e', unknown 'f'), one for the delta (new 'a', resolved 'b', open
 * 'c'), the rule, byte 1 (below any character of a rule, so a shorter rule sorts first),
 * the fingerprint. For a digest it is the fingerprint: the order of notify_sent's key, so
 * that a first run's thousands of rows are appended to the table's B-tree instead of
 * landing on a different page each. New string (free()), or NULL when out of memory.
 */
static char *sort_key(const json_t *finding, bool digest)
{
    if (digest)
        return strdup(fwkx_str(finding, "fingerprint", ""));
    const char *rule = fwkx_str(finding, "rule", "");
    const char *fingerprint = fwkx_str(finding, "fingerprint", "");
    int severity = severity_rank(fwkx_str(finding, "severity", ""));
    size_t size = strlen(rule) + strlen(fingerprint) + 4;
    char *key = malloc(size);
    if (key)
        snprintf(key, size, "%c%c%s\x01%s", 'a' + (4 - (severity < 0 ? -1 : severity)),
                 'a' + (2 - delta_rank(finding)), rule, fingerprint);
    return key;
}

/* Could `route` want a finding with `delta`, whatever it was told before? (When not, the
   lookup is saved.) */
static bool may_want(const notify_route *route, const char *delta)
{
    if (!strcmp(delta, "resolved"))
        return route->on & NOTIFY_ON_RESOLVED;
    return (route->on & (NOTIFY_ON_NEW | NOTIFY_ON_OPEN)) || route->renotify_after_ms > 0;
}

/*
 * Is a finding with `delta` to be sent, given what the notifier was last told about it
 * (`told`; NULL: never)? An open finding sent again after renotify_after keeps "open".
 */
static bool wanted(const notify_route *route, const char *delta, const notify_sent_entry *told,
                   int64_t now)
{
    bool known = told && strcmp(told->event, "resolved") != 0; /* it was told it is open */
    if (!strcmp(delta, "resolved"))
        return (route->on & NOTIFY_ON_RESOLVED) && known;
    if (!known) /* new to this notifier (also an open finding it never heard of) */
        return (route->on & NOTIFY_ON_NEW) ||
               (!strcmp(delta, "open") && (route->on & NOTIFY_ON_OPEN));
    if (route->on & NOTIFY_ON_OPEN)
        return true;
    return route->renotify_after_ms > 0 && now - told->at >= route->renotify_after_ms;
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

/*
 * A digest being gathered: counts of every chosen finding, and the first `cap` of them in
 * compare_findings' order, kept in a max-heap (top[0] is the last of the kept ones), so
 * memory holds `cap` findings whatever the total.
 */
typedef struct digest_acc {
    size_t total;
    size_t by_severity[5]; /* by severity_rank */
    size_t by_delta[3];    /* new, open, resolved */
    json_t **top;
    size_t shown, cap;
} digest_acc;

static void heap_swap(json_t **heap, size_t a, size_t b)
{
    json_t *t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
}

static void heap_up(json_t **heap, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (compare_findings(heap[i], heap[parent]) <= 0)
            return;
        heap_swap(heap, i, parent);
        i = parent;
    }
}

static void heap_down(json_t **heap, size_t n, size_t i)
{
    for (;;) {
        size_t last = i, left = 2 * i + 1, right = left + 1;
        if (left < n && compare_findings(heap[left], heap[last]) > 0)
            last = left;
        if (right < n && compare_findings(heap[right], heap[last]) > 0)
            last = right;
        if (last == i)
            return;
        heap_swap(heap, i, last);
        i = last;
    }
}

static int digest_init(digest_acc *d, int top)
{
    memset(d, 0, sizeof *d);
    d->cap = top < 0 ? 0 : top > NOTIFY_DIGEST_TOP_MAX ? NOTIFY_DIGEST_TOP_MAX : (size_t)top;
    d->top = calloc(d->cap ? d->cap : 1, sizeof *d->top);
    return d->top ? 0 : -1;
}

static void digest_free(digest_acc *d)
{
    for (size_t i = 0; i < d->shown; i++)
        json_decref(d->top[i]);
    free(d->top);
}

static void digest_add(digest_acc *d, json_t *finding)
{
    d->total++;
    int severity = severity_rank(fwkx_str(finding, "severity", ""));
    if (severity >= 0 && severity < 5)
        d->by_severity[severity]++;
    const char *delta = fwkx_str(finding, "delta", "");
    static const char *const deltas[] = {"new", "open", "resolved"};
    for (size_t i = 0; i < 3; i++)
        if (!strcmp(delta, deltas[i]))
            d->by_delta[i]++;
    if (d->shown < d->cap) {
        d->top[d->shown] = json_incref(finding);
        heap_up(d->top, d->shown++);
    } else if (d->cap > 0 && compare_findings(finding, d->top[0]) < 0) {
        json_decref(d->top[0]);
        d->top[0] = json_incref(finding);
        heap_down(d->top, d->shown, 0);
    }
}

/* The digest of everything `d` gathered, listing its kept findings in order. */
static json_t *digest_message(const notify_route *route, const run *r, digest_acc *d)
{
    qsort(d->top, d->shown, sizeof *d->top, finding_cmp);
    json_t *listed = json_array();
    json_t *by_severity =
        json_pack("{s:I, s:I, s:I, s:I, s:I}", "critical", (json_int_t)d->by_severity[4], "high",
                  (json_int_t)d->by_severity[3], "medium", (json_int_t)d->by_severity[2], "low",
                  (json_int_t)d->by_severity[1], "info", (json_int_t)d->by_severity[0]);
    json_t *by_delta =
        json_pack("{s:I, s:I, s:I}", "new", (json_int_t)d->by_delta[0], "open",
                  (json_int_t)d->by_delta[1], "resolved", (json_int_t)d->by_delta[2]);
    char *buf = NULL;
    size_t len = 0;
    FILE *text = open_memstream(&buf, &len);
    if (text) {
        fprintf(text, "fawkes: %zu finding%s in chain %s (run %s):", d->total,
                d->total == 1 ? "" : "s", r->chain, r->id);
        const char *sep = " ";
        static const char *const deltas[] = {"new", "open", "resolved"};
        for (size_t i = 0; i < 3; i++) {
            if (d->by_delta[i]) {
                fprintf(text, "%s%zu %s", sep, d->by_delta[i], deltas[i]);
                sep = ", ";
            }
        }
    }
    for (size_t i = 0; i < d->shown; i++) {
        json_array_append(listed, d->top[i]);
        char *line = render_line(route, d->top[i], r);
        if (text)
            fprintf(text, "\n- %s", line ? line : "");
        free(line);
    }
    if (text && d->total > d->shown)
        fprintf(text, "\n... and %zu more", d->total - d->shown);
    if (text)
        fclose(text);
    json_t *message = message_base(r, true);
    json_object_set_new(message, "text", json_string(text && buf ? buf : ""));
    free(buf);
    json_object_set_new(message, "findings", listed);
    json_object_set_new(message, "summary",
                        json_pack("{s:I, s:I, s:o, s:o}", "total", (json_int_t)d->total, "shown",
                                  (json_int_t)d->shown, "by_severity", by_severity, "by_delta",
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
    audit_dest_begin(); /* the hosts its requests and mails go to */
    fwk_status status = vt->notify(&ctx, notifier->state, message);
    if (status != FWK_OK)
        *why = strdup(ctx.message ? ctx.message : fwk_strerror(status));
    audit_notification(r->id, r->chain, notifier->conf->name, notifier->conf->plugin, message,
                       audit_dest_end(), status == FWK_OK, *why);
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
        notify_rate_take(st, notifier->conf->name, route->rate_per_s, route->rate_burst, &err);
    if (token < 0)
        state_failure(r, notifier, &err);
    if (token == 0 || run_cancel_requested()) {
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
    if (notify_queue_push(st, notifier->conf->name, r->chain, message, why, &err) == 0) {
        instance_count(notifier, "messages_queued", 1);
        snprintf(reason, sizeof reason,
                 "%s; the message is queued and will be retried on the "
                 "next run",
                 why ? why : "not delivered");
    } else {
        snprintf(reason, sizeof reason, "%.1000s; queueing it failed too: %.900s",
                 why ? why : "not delivered", err.text);
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

/* One notifier's turn at one chain's findings. */
typedef struct notify_pass {
    run *r;
    instance *notifier;
    const notify_route *route;
    state_store *st;
    notify_sent_log *sent;
    int64_t now;
    json_t *pending; /* candidates awaiting a recorded decision (at most SELECT_BATCH) */
    spill *sorted;   /* the candidates, in send order or by fingerprint (made on first use) */
    digest_acc digest;
    size_t read, wanted, chosen; /* findings read back, candidates, recorded as sent */
    unsigned reads;              /* lookups in the open read transaction (0: none open) */
    bool stopped;                /* a state or spill failure (reported): decide nothing more */
} notify_pass;

/* End the read transaction candidate() opened, if any: before a write, and at the end. */
static void end_read(notify_pass *p)
{
    if (p->reads > 0)
        state_rollback(p->st); /* it only read */
    p->reads = 0;
}

/* Report a failure of the notifier's turn: what failed, and that the findings it did not
   get to are offered again on the next run. */
static void pass_failed(notify_pass *p, const char *what, const diag *err)
{
    char message[DIAG_MAX];
    snprintf(message, sizeof message,
             "%s: %.1500s; notifier '%s' was not told about the rest of chain %s's findings: "
             "they are offered to it again on the next run",
             what, err->text, p->notifier->conf->name, p->r->chain);
    run_fail(p->r, p->notifier, "notify", NULL, message);
    p->stopped = true;
}

/* Is `finding` (wanted by the route) worth a recorded decision, by what the notifier was told
   so far? (Read outside any transaction; confirm decides again inside one.) 1 yes, 0 no,
   -1 on a state error (reported). */
static int candidate(notify_pass *p, const json_t *finding)
{
    const char *delta = fwkx_str(finding, "delta", "");
    if (!may_want(p->route, delta))
        return 0;
    diag err = {{0}};
    if (p->reads == 0 && state_exec(p->st, "BEGIN", &err) != 0) {
        pass_failed(p, "reading what was sent", &err);
        return -1;
    }
    notify_sent_entry told;
    int got = notify_sent_get(p->sent, fwkx_str(finding, "fingerprint", ""), &told, &err);
    if (++p->reads >= READ_BATCH || got < 0)
        end_read(p);
    if (got < 0) {
        pass_failed(p, "reading what was sent", &err);
        return -1;
    }
    return wanted(p->route, delta, got ? &told : NULL, p->now) ? 1 : 0;
}

/* A chosen finding, recorded as sent: into the digest, or out as a message of its own. */
static void take(notify_pass *p, json_t *finding)
{
    if (p->route->digest) {
        digest_add(&p->digest, finding);
        return;
    }
    json_t *message = single_message(p->route, p->r, finding);
    send_or_queue(p->r, p->notifier, p->route, p->st, message);
    json_decref(message);
}

/*
 * Decide the pending candidates again and record the chosen ones as sent, in one
 * transaction (an overlapping run waits, then sees them as sent); then take them, in
 * pending order. On a state failure nothing of the batch is recorded nor taken.
 */
static void confirm(notify_pass *p)
{
    end_read(p);
    if (json_array_size(p->pending) == 0 || p->stopped)
        return;
    diag err = {{0}};
    json_t *chosen = json_array();
    int rc = chosen ? state_begin(p->st, &err) : -1;
    if (!chosen)
        diag_set(&err, "out of memory");
    size_t i;
    json_t *finding;
    json_array_foreach (p->pending, i, finding) {
        if (rc != 0)
            break;
        const char *fingerprint = fwkx_str(finding, "fingerprint", "");
        const char *delta = fwkx_str(finding, "delta", "");
        notify_sent_entry told;
        int got = notify_sent_get(p->sent, fingerprint, &told, &err);
        if (got < 0)
            rc = -1;
        else if (wanted(p->route, delta, got ? &told : NULL, p->now) &&
                 (rc = notify_sent_put(p->sent, fingerprint, *delta ? delta : "new", p->now,
                                       &err)) == 0)
            json_array_append(chosen, finding);
    }
    if (rc == 0)
        rc = state_commit(p->st, &err); /* rolls back when it fails */
    else if (chosen)
        state_rollback(p->st);
    json_array_clear(p->pending);
    if (rc != 0) {
        pass_failed(p, "recording what is sent", &err);
        json_decref(chosen);
        return;
    }
    p->chosen += json_array_size(chosen);
    json_array_foreach (chosen, i, finding)
        take(p, finding);
    json_decref(chosen);
}

static void offer(notify_pass *p, json_t *finding)
{
    json_array_append(p->pending, finding);
    if (json_array_size(p->pending) >= SELECT_BATCH)
        confirm(p);
}

/* File a candidate under its sort key. */
static void file_sorted(notify_pass *p, const json_t *finding)
{
    diag err = {{0}};
    char *key = sort_key(finding, p->route->digest);
    int rc = key ? 0 : -1;
    if (!key)
        diag_set(&err, "out of memory");
    if (rc == 0 && !p->sorted)
        rc = spill_open(&p->sorted, &err); /* made on first use */
    if (rc == 0)
        rc = spill_add_json(p->sorted, "candidates", key, finding, &err);
    free(key);
    if (rc != 0)
        pass_failed(p, "sorting the messages to send", &err);
}

/*
 * Walk the chain's recorded findings (fails, then resolved) and file the candidates in the
 * sort file. Nothing is written to the state file meanwhile: the history cursor's read
 * stays open until the end, and while it is, SQLite cannot copy later writes back from the
 * write-ahead log, which would grow with every batch. Returns 0, or -1 when the findings
 * could not be read at all (reported once per chain, through *reported).
 */
static int walk_chain(notify_pass *p, bool *reported)
{
    diag err = {{0}};
    history_cursor *cursor = NULL;
    if (history_cursor_open(p->r->history, HISTORY_FAILS | HISTORY_RESOLVED, &cursor, &err) != 0) {
        if (!*reported) {
            char message[DIAG_MAX];
            snprintf(message, sizeof message,
                     "%.1500s: the notifiers of chain %s were not told about its findings; "
                     "they are offered to them again on the next run",
                     err.text, p->r->chain);
            run_fail(p->r, NULL, "notify", NULL, message);
            *reported = true;
        }
        return -1;
    }
    while (!p->stopped && !run_cancel_requested()) {
        json_t *finding = history_cursor_next(cursor, &err);
        if (!finding) {
            if (err.text[0])
                pass_failed(p, "reading the chain's findings", &err);
            break;
        }
        p->read++;
        if (notify_route_wants(p->route, finding) && candidate(p, finding) > 0) {
            p->wanted++;
            file_sorted(p, finding);
        }
        json_decref(finding);
    }
    end_read(p);
    history_cursor_close(cursor);
    return 0;
}

/* Decide, record and take the sorted candidates, batch by batch: single messages go out
   after each batch is recorded, a digest gathers them. */
static void confirm_sorted(notify_pass *p)
{
    diag err = {{0}};
    spill_cursor *cursor = NULL;
    if (!p->sorted || p->stopped)
        return;
    if (spill_cursor_open(p->sorted, "candidates", &cursor, &err) != 0) {
        pass_failed(p, "reading the sorted messages", &err);
        return;
    }
    while (!p->stopped && !run_cancel_requested()) {
        json_t *finding = spill_cursor_next_json(cursor, &err);
        if (!finding) {
            if (err.text[0])
                pass_failed(p, "reading the sorted messages", &err);
            break;
        }
        offer(p, finding);
        json_decref(finding);
    }
    confirm(p);
    spill_cursor_close(cursor);
}

static void notify_one(run *r, instance *notifier, state_store *st, bool *reported)
{
    notify_route route;
    notify_route_read(notifier->conf->settings, &route);
    if (notifier->ready)
        retry_queue(r, notifier, &route, st);
    notify_pass p = {.r = r, .notifier = notifier, .route = &route, .st = st};
    diag err = {{0}};
    int64_t started = clock_mono_ms();
    p.now = clock_wall_ms();
    p.pending = json_array();
    if (!p.pending || digest_init(&p.digest, route.digest_top) != 0) {
        diag_set(&err, "out of memory");
        pass_failed(&p, "starting", &err);
    } else if (notify_sent_open(st, notifier->conf->name, r->chain, &p.sent, &err) != 0) {
        pass_failed(&p, "reading what was sent", &err);
    } else if (walk_chain(&p, reported) == 0) {
        confirm_sorted(&p);
        if (route.digest && p.digest.total > 0) {
            json_t *message = digest_message(&route, r, &p.digest);
            send_or_queue(r, notifier, &route, st, message);
            json_decref(message);
        }
        log_msg(FWK_LOG_DEBUG, notifier->conf->name,
                "chain %s: %zu findings read back, %zu candidates, %zu chosen and recorded as "
                "sent, in %lld ms",
                r->chain, p.read, p.wanted, p.chosen, (long long)(clock_mono_ms() - started));
    }
    spill_close(p.sorted);
    notify_sent_close(p.sent);
    digest_free(&p.digest);
    json_decref(p.pending);
}

void notify_chain(run *r, instance **notifiers, size_t count)
{
    if (!r->history || count == 0)
        return; /* nothing recorded, nothing to notify from */
    diag err = {{0}};
    /* A connection of its own: the history cursor keeps a read open on the history's. */
    state_store *st = NULL;
    char cache[64];
    snprintf(cache, sizeof cache, "PRAGMA cache_size = -%d", NOTIFY_CACHE_KIB);
    if (state_open(state_file(history_state(r->history)), &st, &err) != 0 ||
        state_exec(st, cache, &err) != 0 || notify_store_init(st, &err) != 0) {
        char message[DIAG_MAX];
        snprintf(message, sizeof message,
                 "%.1500s; the notifiers of chain %s were not told about its findings: they "
                 "are offered to them again on the next run",
                 err.text, r->chain);
        run_fail(r, NULL, "notify", NULL, message);
        state_close(st);
        return;
    }
    bool reported = false; /* the chain's findings could not be read (said once) */
    for (size_t i = 0; i < count && !run_cancel_requested(); i++) {
        if (!notifiers[i]->plug)
            continue; /* refused by the loader: reported; nothing can be queued for it */
        notify_one(r, notifiers[i], st, &reported);
    }
    state_close(st);
}
