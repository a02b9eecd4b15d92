/* notify_store.c: the notifiers' tables in the state file. */
#include "notify_store.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS notify_sent ("
    "  notifier TEXT NOT NULL, chain TEXT NOT NULL, fingerprint TEXT NOT NULL,"
    "  event TEXT NOT NULL, at INTEGER NOT NULL,"
    "  PRIMARY KEY (notifier, chain, fingerprint));"
    "CREATE TABLE IF NOT EXISTS notify_queue ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  notifier TEXT NOT NULL, chain TEXT NOT NULL, queued_at INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    "  lease_until INTEGER NOT NULL DEFAULT 0, message TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS notify_queue_by_notifier ON notify_queue (notifier, id);"
    "CREATE TABLE IF NOT EXISTS notify_rate ("
    "  notifier TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL);";

static int sql_error(state_store *st, diag *err, const char *what)
{
    diag_set(err, "%s: %s: %s", state_file(st), what, sqlite3_errmsg(state_db(st)));
    return -1;
}

int notify_store_init(state_store *st, diag *err)
{
    return state_exec(st, schema_sql, err);
}

static sqlite3_stmt *prepare(state_store *st, const char *sql, diag *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(st), sql, -1, &stmt, NULL) != SQLITE_OK) {
        sql_error(st, err, "preparing a statement");
        return NULL;
    }
    return stmt;
}

struct notify_sent_log {
    state_store *st;
    sqlite3_stmt *get, *put; /* notifier and chain bound once (bindings survive a reset) */
};

int notify_sent_open(state_store *st, const char *notifier, const char *chain,
                     notify_sent_log **out, diag *err)
{
    *out = NULL;
    notify_sent_log *log = calloc(1, sizeof *log);
    if (!log) {
        diag_set(err, "%s: out of memory preparing what was sent", state_file(st));
        return -1;
    }
    log->st = st;
    log->get = prepare(st,
                       "SELECT event, at FROM notify_sent "
                       "WHERE notifier = ?1 AND chain = ?2 AND fingerprint = ?3",
                       err);
    log->put = log->get ? prepare(st,
                                  "INSERT OR REPLACE INTO notify_sent (notifier, chain, "
                                  "fingerprint, event, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                                  err)
                        : NULL;
    if (!log->put) {
        notify_sent_close(log);
        return -1;
    }
    sqlite3_stmt *stmts[] = {log->get, log->put};
    for (size_t i = 0; i < 2; i++) {
        sqlite3_bind_text(stmts[i], 1, notifier, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmts[i], 2, chain, -1, SQLITE_TRANSIENT);
    }
    *out = log;
    return 0;
}

int notify_sent_get(notify_sent_log *log, const char *fingerprint, notify_sent_entry *entry,
                    diag *err)
{
    sqlite3_bind_text(log->get, 3, fingerprint, -1, SQLITE_STATIC);
    int rc = sqlite3_step(log->get);
    int found = 0;
    if (rc == SQLITE_ROW) {
        const char *event = (const char *)sqlite3_column_text(log->get, 0);
        snprintf(entry->event, sizeof entry->event, "%s", event ? event : "");
        entry->at = sqlite3_column_int64(log->get, 1);
        found = 1;
    } else if (rc != SQLITE_DONE) {
        found = sql_error(log->st, err, "reading what was sent");
    }
    /* Reset at once: a statement left stepping would hold a read snapshot open. */
    sqlite3_reset(log->get);
    return found;
}

int notify_sent_put(notify_sent_log *log, const char *fingerprint, const char *event, int64_t at,
                    diag *err)
{
    sqlite3_bind_text(log->put, 3, fingerprint, -1, SQLITE_STATIC);
    sqlite3_bind_text(log->put, 4, event, -1, SQLITE_STATIC);
    sqlite3_bind_int64(log->put, 5, at);
    int rc = sqlite3_step(log->put) == SQLITE_DONE
                 ? 0
                 : sql_error(log->st, err, "recording what was sent");
    sqlite3_reset(log->put);
    return rc;
}

void notify_sent_close(notify_sent_log *log)
{
    if (!log)
        return;
    sqlite3_finalize(log->get);
    sqlite3_finalize(log->put);
    free(log);
}

int notify_queue_push(state_store *st, const char *notifier, const char *chain,
                      const json_t *message, const char *reason, diag *err)
{
    char *text = json_dumps(message, JSON_COMPACT | JSON_SORT_KEYS);
    sqlite3_stmt *stmt = text ? prepare(st,
                                        "INSERT INTO notify_queue (notifier, chain, queued_at, "
                                        "attempts, last_error, message) VALUES (?, ?, ?, ?, ?, ?)",
                                        err)
                              : NULL;
    int rc = -1;
    if (stmt) {
        sqlite3_bind_text(stmt, 1, notifier, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, chain, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, clock_wall_ms());
        sqlite3_bind_int(stmt, 4, reason ? 1 : 0);
        sqlite3_bind_text(stmt, 5, reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 6, text, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : sql_error(st, err, "queueing a message");
    } else if (!text) {
        diag_set(err, "out of memory");
    }
    sqlite3_finalize(stmt);
    free(text);
    return rc;
}

json_t *notify_queue_claim(state_store *st, const char *notifier, int limit, int64_t lease_ms,
                           diag *err)
{
    int64_t now = clock_wall_ms();
    if (state_begin(st, err) != 0)
        return NULL;
    sqlite3_stmt *select = prepare(st,
                                   "SELECT id, attempts, message FROM notify_queue WHERE "
                                   "notifier = ? AND lease_until <= ? ORDER BY id LIMIT ?",
                                   err);
    sqlite3_stmt *lease =
        select ? prepare(st, "UPDATE notify_queue SET lease_until = ? WHERE id = ?", err) : NULL;
    json_t *claimed = json_array();
    int rc = lease ? 0 : -1;
    if (rc == 0) {
        sqlite3_bind_text(select, 1, notifier, -1, SQLITE_STATIC);
        sqlite3_bind_int64(select, 2, now);
        sqlite3_bind_int(select, 3, limit);
        int step;
        while ((step = sqlite3_step(select)) == SQLITE_ROW) {
            json_t *message = json_loads((const char *)sqlite3_column_text(select, 2), 0, NULL);
            if (!message)
                continue; /* unreadable: left in place, visible with sqlite3 */
            json_int_t id = sqlite3_column_int64(select, 0);
            json_array_append_new(claimed,
                                  json_pack("{s:I, s:o, s:i}", "id", id, "message", message,
                                            "attempts", sqlite3_column_int(select, 1)));
        }
        if (step != SQLITE_DONE)
            rc = sql_error(st, err, "reading the queue");
        size_t i;
        const json_t *item;
        json_array_foreach (claimed, i, item) {
            if (rc != 0)
                break;
            sqlite3_reset(lease);
            sqlite3_bind_int64(lease, 1, now + lease_ms);
            sqlite3_bind_int64(lease, 2, json_integer_value(json_object_get(item, "id")));
            if (sqlite3_step(lease) != SQLITE_DONE)
                rc = sql_error(st, err, "leasing a queued message");
        }
    }
    sqlite3_finalize(select);
    sqlite3_finalize(lease);
    if (rc != 0 || state_commit(st, err) != 0) {
        if (rc != 0)
            state_rollback(st);
        json_decref(claimed);
        return NULL;
    }
    return claimed;
}

static int run_on_id(state_store *st, const char *sql, json_int_t id, const char *text, diag *err)
{
    sqlite3_stmt *stmt = prepare(st, sql, err);
    if (!stmt)
        return -1;
    sqlite3_bind_int64(stmt, 1, id);
    if (text)
        sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : sql_error(st, err, "updating the queue");
    sqlite3_finalize(stmt);
    return rc;
}

int notify_queue_done(state_store *st, json_int_t id, diag *err)
{
    return run_on_id(st, "DELETE FROM notify_queue WHERE id = ?", id, NULL, err);
}

int notify_queue_release(state_store *st, json_int_t id, const char *reason, diag *err)
{
    if (!reason)
        return run_on_id(st, "UPDATE notify_queue SET lease_until = 0 WHERE id = ?", id, NULL, err);
    return run_on_id(st,
                     "UPDATE notify_queue SET lease_until = 0, attempts = attempts + 1, "
                     "last_error = ?2 WHERE id = ?1",
                     id, reason, err);
}

long notify_queue_count(state_store *st, const char *notifier, diag *err)
{
    sqlite3_stmt *stmt = prepare(st, "SELECT count(*) FROM notify_queue WHERE notifier = ?", err);
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, notifier, -1, SQLITE_STATIC);
    long n = sqlite3_step(stmt) == SQLITE_ROW ? (long)sqlite3_column_int64(stmt, 0)
                                              : sql_error(st, err, "counting the queue");
    sqlite3_finalize(stmt);
    return n;
}

int notify_rate_take(state_store *st, const char *notifier, double per_s, double burst, diag *err)
{
    if (per_s <= 0)
        return 1;
    int64_t now = clock_wall_ms();
    if (state_begin(st, err) != 0)
        return -1;
    sqlite3_stmt *get = prepare(st, "SELECT tokens, at FROM notify_rate WHERE notifier = ?", err);
    sqlite3_stmt *put = get ? prepare(st,
                                      "INSERT OR REPLACE INTO notify_rate (notifier, tokens, at) "
                                      "VALUES (?, ?, ?)",
                                      err)
                            : NULL;
    int taken = -1;
    if (put) {
        double tokens = burst;
        sqlite3_bind_text(get, 1, notifier, -1, SQLITE_STATIC);
        if (sqlite3_step(get) == SQLITE_ROW) {
            double elapsed_s = (double)(now - sqlite3_column_int64(get, 1)) / 1000.0;
            tokens = sqlite3_column_double(get, 0) + (elapsed_s > 0 ? elapsed_s * per_s : 0);
            if (tokens > burst)
                tokens = burst;
        }
        taken = tokens >= 1 ? 1 : 0;
        if (taken)
            tokens -= 1;
        sqlite3_bind_text(put, 1, notifier, -1, SQLITE_STATIC);
        sqlite3_bind_double(put, 2, tokens);
        sqlite3_bind_int64(put, 3, now);
        if (sqlite3_step(put) != SQLITE_DONE)
            taken = sql_error(st, err, "updating the rate bucket");
    }
    sqlite3_finalize(get);
    sqlite3_finalize(put);
    if (taken < 0) {
        state_rollback(st);
        return -1;
    }
    return state_commit(st, err) == 0 ? taken : -1;
}
