/* history.c: run history: findings by fingerprint per chain, deltas, resolved findings. */
#include "fawkes/fwkx.h"
#include "history.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct history {
    state_store *st;
    char *since;          /* full run id of --since, or NULL */
    pthread_mutex_t lock; /* guards everything below during a chain */
    char *run_id, *key, *started_at;
    json_t *baseline; /* fingerprint -> {"status", "finding"} of the baseline run */
    json_t *seen;     /* fingerprint -> finding reported by this run (fail first) */
    json_t *fails;    /* this chain's fail findings, in arrival order */
    json_t *resolved; /* set by history_chain_end */
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS history_runs ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  run_id TEXT NOT NULL, chain TEXT NOT NULL,"
    "  started_at TEXT NOT NULL, finished_at TEXT NOT NULL,"
    "  partial INTEGER NOT NULL, baseline TEXT,"
    "  new_count INTEGER NOT NULL, open_count INTEGER NOT NULL,"
    "  resolved_count INTEGER NOT NULL,"
    "  UNIQUE (run_id, chain));"
    "CREATE TABLE IF NOT EXISTS history_findings ("
    "  run_id TEXT NOT NULL, chain TEXT NOT NULL, fingerprint TEXT NOT NULL,"
    "  status TEXT NOT NULL,"      /* fail | pass | error | resolved */
    "  delta TEXT NOT NULL,"       /* new | open | resolved */
    "  reported INTEGER NOT NULL," /* 0: carried over from the baseline by a partial run */
    "  finding TEXT NOT NULL,"
    "  PRIMARY KEY (run_id, chain, fingerprint));";

/* Resolve `since` (a run id or a unique prefix) into h->since. */
static int resolve_since(history *h, const char *since, diag *err)
{
    size_t len = strlen(since);
    if (len < 6 || len > 32 || strspn(since, "0123456789abcdef") != len) {
        diag_set(err,
                 "--since %s: expected a run id (the run_id of an earlier run's JSON "
                 "output, or at least its first 6 hex digits)",
                 since);
        return -1;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(h->st),
                           "SELECT DISTINCT run_id FROM history_runs WHERE substr(run_id, 1, ?) = ?"
                           " LIMIT 2",
                           -1, &stmt, NULL) != SQLITE_OK) {
        diag_set(err, "%s: %s", state_file(h->st), sqlite3_errmsg(state_db(h->st)));
        return -1;
    }
    sqlite3_bind_int(stmt, 1, (int)len);
    sqlite3_bind_text(stmt, 2, since, -1, SQLITE_STATIC);
    int found = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        if (found++ == 0)
            h->since = strdup((const char *)sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    if (found == 1)
        return 0;
    diag_set(err,
             found == 0 ? "--since %s: no run with that id is recorded in %s; use the run_id of "
                          "an earlier run (shown in -o json output), which must be one of the "
                          "newest runs kept"
                        : "--since %s: more than one run id in %s starts with that; give more "
                          "digits",
             since, state_file(h->st));
    return -1;
}

int history_open(const config *cfg, const char *since, history **out, diag *err)
{
    *out = NULL;
    history *h = calloc(1, sizeof *h);
    if (!h) {
        diag_set(err, "out of memory");
        return -1;
    }
    pthread_mutex_init(&h->lock, NULL);
    if (state_open(state_path_for(cfg), &h->st, err) != 0 ||
        state_exec(h->st, schema_sql, err) != 0 || (since && resolve_since(h, since, err) != 0)) {
        history_close(h);
        return -1;
    }
    *out = h;
    return 0;
}

static void chain_reset(history *h)
{
    free(h->run_id);
    free(h->key);
    free(h->started_at);
    h->run_id = h->key = h->started_at = NULL;
    json_decref(h->baseline);
    json_decref(h->seen);
    json_decref(h->fails);
    json_decref(h->resolved);
    h->baseline = h->seen = h->fails = h->resolved = NULL;
}

void history_close(history *h)
{
    if (!h)
        return;
    chain_reset(h);
    state_close(h->st);
    free(h->since);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

state_store *history_state(history *h)
{
    return h ? h->st : NULL;
}

static void append_filter(char **key, const char *label, const strlist *values)
{
    if (!*key || !values || values->count == 0)
        return;
    size_t size = strlen(*key) + strlen(label) + 3;
    for (size_t i = 0; i < values->count; i++)
        size += strlen(values->items[i]) + 1;
    char *longer = malloc(size);
    if (longer) {
        size_t used = (size_t)snprintf(longer, size, "%s %s=", *key, label);
        for (size_t i = 0; i < values->count; i++)
            used += (size_t)snprintf(longer + used, size - used, "%s%s", i ? "," : "",
                                     values->items[i]);
    }
    free(*key);
    *key = longer;
}

char *history_chain_key(const char *chain, const strlist *providers, const strlist *kinds)
{
    char *key = strdup(chain);
    append_filter(&key, "provider", providers);
    append_filter(&key, "kind", kinds);
    return key;
}

int history_check_since(history *h, const char *key, diag *err)
{
    if (!h || !h->since)
        return 0;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(h->st),
                           "SELECT chain FROM history_runs WHERE run_id = ? ORDER BY seq", -1,
                           &stmt, NULL) != SQLITE_OK) {
        diag_set(err, "%s: %s", state_file(h->st), sqlite3_errmsg(state_db(h->st)));
        return -1;
    }
    sqlite3_bind_text(stmt, 1, h->since, -1, SQLITE_STATIC);
    char chains[512] = "";
    size_t used = 0;
    bool found = false;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *chain = (const char *)sqlite3_column_text(stmt, 0);
        if (strcmp(chain, key) == 0)
            found = true;
        if (used < sizeof chains)
            used += (size_t)snprintf(chains + used, sizeof chains - used, "%s%s", used ? ", " : "",
                                     chain);
    }
    sqlite3_finalize(stmt);
    if (found)
        return 0;
    diag_set(err,
             "--since %s: that run did not run chain '%s' (it ran: %s); name a run of "
             "this chain, or run the chains that run did",
             h->since, key, chains);
    return -1;
}

/* The newest recorded run of `key` (other than this one), or the --since run. */
static char *baseline_run(history *h, diag *err)
{
    if (h->since)
        return strdup(h->since);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(h->st),
                           "SELECT run_id FROM history_runs WHERE chain = ? AND run_id != ? "
                           "ORDER BY seq DESC LIMIT 1",
                           -1, &stmt, NULL) != SQLITE_OK) {
        diag_set(err, "%s: %s", state_file(h->st), sqlite3_errmsg(state_db(h->st)));
        return NULL;
    }
    sqlite3_bind_text(stmt, 1, h->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, h->run_id, -1, SQLITE_STATIC);
    char *found = NULL;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        found = strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return found;
}

static int load_baseline(history *h, const char *run_id, diag *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(h->st),
                           "SELECT fingerprint, status, finding FROM history_findings "
                           "WHERE run_id = ? AND chain = ? AND status != 'resolved'",
                           -1, &stmt, NULL) != SQLITE_OK) {
        diag_set(err, "%s: %s", state_file(h->st), sqlite3_errmsg(state_db(h->st)));
        return -1;
    }
    sqlite3_bind_text(stmt, 1, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, h->key, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *fingerprint = (const char *)sqlite3_column_text(stmt, 0);
        const char *status = (const char *)sqlite3_column_text(stmt, 1);
        json_t *finding = json_loads((const char *)sqlite3_column_text(stmt, 2), 0, NULL);
        if (!finding)
            continue; /* a row we cannot read is treated as absent */
        json_object_set_new(h->baseline, fingerprint,
                            json_pack("{s:s, s:o}", "status", status, "finding", finding));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        diag_set(err, "%s: reading run %s: %s", state_file(h->st), run_id,
                 sqlite3_errmsg(state_db(h->st)));
        return -1;
    }
    return 0;
}

int history_chain_begin(history *h, const char *run_id, const char *key, const char *started_at,
                        diag *err)
{
    chain_reset(h);
    h->run_id = strdup(run_id);
    h->key = strdup(key);
    h->started_at = strdup(started_at);
    h->baseline = json_object();
    h->seen = json_object();
    h->fails = json_array();
    h->resolved = json_array();
    if (!h->run_id || !h->key || !h->started_at || !h->baseline || !h->seen || !h->fails ||
        !h->resolved) {
        diag_set(err, "out of memory");
        return -1;
    }
    char *base = baseline_run(h, err);
    if (!base)
        return err->text[0] ? -1 : 0;
    int rc = load_baseline(h, base, err);
    free(base);
    return rc;
}

void history_mark(history *h, json_t *finding)
{
    if (!h || !h->seen)
        return;
    const char *fingerprint = fwkx_str(finding, "fingerprint", "");
    const char *status = fwkx_str(finding, "status", "");
    pthread_mutex_lock(&h->lock);
    const json_t *before = json_object_get(h->baseline, fingerprint);
    bool open = before && strcmp(fwkx_str(before, "status", ""), status) == 0;
    json_object_set_new(finding, "delta", json_string(open ? "open" : "new"));
    const json_t *earlier = json_object_get(h->seen, fingerprint);
    bool earlier_fail = earlier && strcmp(fwkx_str(earlier, "status", ""), "fail") == 0;
    bool fail = strcmp(status, "fail") == 0;
    /* A fingerprint reported twice keeps its fail record (that is what resolves later) and
       is notified once. */
    if (!earlier_fail)
        json_object_set(h->seen, fingerprint, finding);
    if (fail && !earlier_fail)
        json_array_append(h->fails, finding);
    pthread_mutex_unlock(&h->lock);
}

static int insert_finding(sqlite3_stmt *stmt, const history *h, const char *fingerprint,
                          const char *status, const char *delta, int reported,
                          const json_t *finding)
{
    char *text = json_dumps(finding, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return -1;
    sqlite3_reset(stmt);
    sqlite3_bind_text(stmt, 1, h->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, h->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, fingerprint, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, delta, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 6, reported);
    sqlite3_bind_text(stmt, 7, text, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
    free(text);
    return rc;
}

/* Write the run row and its findings; carried: baseline fails kept unreported. */
static int record(history *h, bool partial, const json_t *carried, diag *err)
{
    sqlite3 *db = state_db(h->st);
    sqlite3_stmt *run_stmt = NULL, *finding_stmt = NULL, *prune_stmt = NULL,
                 *prune_runs_stmt = NULL;
    if (state_begin(h->st, err) != 0)
        return -1;
    json_t *counts = history_chain_counts(h);
    int rc = -1;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO history_runs (run_id, chain, started_at, "
                           "finished_at, partial, baseline, new_count, open_count, "
                           "resolved_count) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', "
                           "'now'), ?, ?, ?, ?, ?)",
                           -1, &run_stmt, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO history_findings (run_id, chain, fingerprint, "
                           "status, delta, reported, finding) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           -1, &finding_stmt, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "DELETE FROM history_findings WHERE chain = ?1 AND run_id IN (SELECT "
                           "run_id FROM history_runs WHERE chain = ?1 ORDER BY seq DESC LIMIT "
                           "-1 OFFSET ?2)",
                           -1, &prune_stmt, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "DELETE FROM history_runs WHERE chain = ?1 AND seq NOT IN (SELECT "
                           "seq FROM history_runs WHERE chain = ?1 ORDER BY seq DESC LIMIT ?2)",
                           -1, &prune_runs_stmt, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(run_stmt, 1, h->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(run_stmt, 2, h->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(run_stmt, 3, h->started_at, -1, SQLITE_STATIC);
    sqlite3_bind_int(run_stmt, 4, partial);
    sqlite3_bind_text(run_stmt, 5, h->since, -1, SQLITE_STATIC);
    sqlite3_bind_int64(run_stmt, 6, json_integer_value(json_object_get(counts, "new")));
    sqlite3_bind_int64(run_stmt, 7, json_integer_value(json_object_get(counts, "open")));
    sqlite3_bind_int64(run_stmt, 8, json_integer_value(json_object_get(counts, "resolved")));
    if (sqlite3_step(run_stmt) != SQLITE_DONE)
        goto out;
    const char *fingerprint;
    json_t *finding;
    json_object_foreach (h->seen, fingerprint, finding) {
        if (insert_finding(finding_stmt, h, fingerprint, fwkx_str(finding, "status", ""),
                           fwkx_str(finding, "delta", ""), 1, finding) != 0)
            goto out;
    }
    size_t i;
    json_array_foreach (h->resolved, i, finding) {
        if (insert_finding(finding_stmt, h, fwkx_str(finding, "fingerprint", ""), "resolved",
                           "resolved", 1, finding) != 0)
            goto out;
    }
    json_array_foreach (carried, i, finding) {
        if (insert_finding(finding_stmt, h, fwkx_str(finding, "fingerprint", ""), "fail", "open", 0,
                           finding) != 0)
            goto out;
    }
    /* Keep the newest HISTORY_KEEP_RUNS runs of the chain: findings first, then runs. */
    sqlite3_stmt *prunes[] = {prune_stmt, prune_runs_stmt};
    for (size_t p = 0; p < 2; p++) {
        sqlite3_bind_text(prunes[p], 1, h->key, -1, SQLITE_STATIC);
        sqlite3_bind_int(prunes[p], 2, HISTORY_KEEP_RUNS);
        if (sqlite3_step(prunes[p]) != SQLITE_DONE)
            goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        diag_set(err, "%s: recording run %s of chain '%s' failed: %s", state_file(h->st), h->run_id,
                 h->key, sqlite3_errmsg(db));
    sqlite3_finalize(run_stmt);
    sqlite3_finalize(finding_stmt);
    sqlite3_finalize(prune_stmt);
    sqlite3_finalize(prune_runs_stmt);
    json_decref(counts);
    if (rc != 0) {
        state_rollback(h->st);
        return -1;
    }
    return state_commit(h->st, err);
}

json_t *history_chain_end(history *h, bool partial, diag *err)
{
    if (!h || !h->seen)
        return json_array();
    json_t *carried = json_array();
    const char *fingerprint;
    json_t *before;
    json_object_foreach (h->baseline, fingerprint, before) {
        if (strcmp(fwkx_str(before, "status", ""), "fail") != 0)
            continue;
        const json_t *now = json_object_get(h->seen, fingerprint);
        if (now && strcmp(fwkx_str(now, "status", ""), "fail") == 0)
            continue;
        json_t *old = json_object_get(before, "finding");
        if (partial) {
            json_array_append(carried, old);
            continue;
        }
        json_t *gone = json_deep_copy(old);
        json_object_set_new(gone, "status", json_string("pass"));
        json_object_set_new(gone, "delta", json_string("resolved"));
        json_array_append_new(h->resolved, gone);
    }
    if (record(h, partial, carried, err) != 0)
        log_msg(FWK_LOG_ERROR, "history", "%s", err->text);
    json_decref(carried);
    return json_incref(h->resolved);
}

const json_t *history_chain_findings(const history *h)
{
    return h ? h->fails : NULL;
}

json_t *history_chain_counts(const history *h)
{
    json_int_t counts[2] = {0, 0};
    size_t i;
    const json_t *finding;
    if (h && h->fails)
        json_array_foreach (h->fails, i, finding)
            counts[strcmp(fwkx_str(finding, "delta", ""), "open") == 0]++;
    return json_pack("{s:I, s:I, s:I}", "new", counts[0], "open", counts[1], "resolved",
                     (json_int_t)json_array_size(h ? h->resolved : NULL));
}
