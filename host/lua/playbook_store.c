/* playbook_store.c: the playbook_ tables of the state file: key/value state, cooldowns, plans. */
#include <stdlib.h>
#include <string.h>

#include "playbook_internal.h"
#include "clock.h"

int pb_store_init(state_store *st, diag *err)
{
    return state_exec(st,
                      "CREATE TABLE IF NOT EXISTS playbook_state ("
                      " playbook TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
                      " updated_ms INTEGER NOT NULL, PRIMARY KEY (playbook, key));"
                      "CREATE TABLE IF NOT EXISTS playbook_cooldowns ("
                      " playbook TEXT NOT NULL, resource TEXT NOT NULL,"
                      " last_ms INTEGER NOT NULL, PRIMARY KEY (playbook, resource));"
                      "CREATE TABLE IF NOT EXISTS playbook_plans ("
                      " token TEXT PRIMARY KEY, playbook TEXT NOT NULL, plan TEXT NOT NULL,"
                      " created_ms INTEGER NOT NULL);",
                      err);
}

static sqlite3_stmt *prepare(state_store *st, const char *sql, diag *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(st), sql, -1, &stmt, NULL) != SQLITE_OK) {
        diag_set(err, "%s: %s", state_file(st), sqlite3_errmsg(state_db(st)));
        return NULL;
    }
    return stmt;
}

static int step_done(state_store *st, sqlite3_stmt *stmt, diag *err)
{
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc == SQLITE_DONE)
        return 0;
    diag_set(err, "%s: %s", state_file(st), sqlite3_errmsg(state_db(st)));
    return -1;
}

json_t *pb_state_get(state_store *st, const char *name, const char *key)
{
    sqlite3_stmt *stmt =
        prepare(st, "SELECT value FROM playbook_state WHERE playbook = ?1 AND key = ?2", NULL);
    if (!stmt)
        return NULL;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, key, -1, SQLITE_TRANSIENT);
    json_t *value = NULL;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = json_loads((const char *)sqlite3_column_text(stmt, 0), JSON_DECODE_ANY, NULL);
    sqlite3_finalize(stmt);
    return value;
}

int pb_state_write(state_store *st, const char *name, const json_t *writes, diag *err)
{
    if (json_object_size(writes) == 0)
        return 0;
    if (state_begin(st, err) != 0)
        return -1;
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)writes, key, value) {
        sqlite3_stmt *stmt;
        if (json_is_null(value)) {
            stmt = prepare(st, "DELETE FROM playbook_state WHERE playbook = ?1 AND key = ?2", err);
        } else {
            stmt = prepare(st,
                           "INSERT INTO playbook_state (playbook, key, value, updated_ms) "
                           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (playbook, key) DO UPDATE "
                           "SET value = excluded.value, updated_ms = excluded.updated_ms",
                           err);
        }
        if (!stmt)
            goto fail;
        sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 2, key, -1, SQLITE_TRANSIENT);
        if (!json_is_null(value)) {
            char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            sqlite3_bind_text(stmt, 3, text ? text : "null", -1, SQLITE_TRANSIENT);
            free(text);
            sqlite3_bind_int64(stmt, 4, clock_wall_ms());
        }
        if (step_done(st, stmt, err) != 0)
            goto fail;
    }
    return state_commit(st, err);
fail:
    state_rollback(st);
    return -1;
}

int64_t pb_cooldown_last(state_store *st, const char *name, const char *uid)
{
    sqlite3_stmt *stmt = prepare(
        st, "SELECT last_ms FROM playbook_cooldowns WHERE playbook = ?1 AND resource = ?2", NULL);
    if (!stmt)
        return 0;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, uid, -1, SQLITE_TRANSIENT);
    int64_t last = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        last = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return last;
}

int pb_cooldown_mark(state_store *st, const char *name, const char *uid, int64_t at_ms, diag *err)
{
    sqlite3_stmt *stmt = prepare(st,
                                 "INSERT INTO playbook_cooldowns (playbook, resource, last_ms) "
                                 "VALUES (?1, ?2, ?3) ON CONFLICT (playbook, resource) DO UPDATE "
                                 "SET last_ms = excluded.last_ms",
                                 err);
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, uid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 3, at_ms);
    return step_done(st, stmt, err);
}

int pb_plan_save(state_store *st, const char *name, const char *token, const json_t *plan,
                 diag *err)
{
    sqlite3_stmt *stmt = prepare(st,
                                 "INSERT OR REPLACE INTO playbook_plans (token, playbook, plan, "
                                 "created_ms) VALUES (?1, ?2, ?3, ?4)",
                                 err);
    if (!stmt)
        return -1;
    char *text = json_dumps(plan, JSON_COMPACT | JSON_SORT_KEYS);
    sqlite3_bind_text(stmt, 1, token, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, text ? text : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, clock_wall_ms());
    free(text);
    return step_done(st, stmt, err);
}

json_t *pb_plan_load(state_store *st, const char *token, char **playbook_name)
{
    *playbook_name = NULL;
    sqlite3_stmt *stmt =
        prepare(st, "SELECT plan, playbook FROM playbook_plans WHERE token = ?1", NULL);
    if (!stmt)
        return NULL;
    sqlite3_bind_text(stmt, 1, token, -1, SQLITE_TRANSIENT);
    json_t *plan = NULL;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        plan = json_loads((const char *)sqlite3_column_text(stmt, 0), 0, NULL);
        *playbook_name = strdup((const char *)sqlite3_column_text(stmt, 1));
    }
    sqlite3_finalize(stmt);
    return plan;
}
