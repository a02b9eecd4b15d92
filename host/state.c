/* state.c: the SQLite state file. */
#include "state.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a run waits for another run holding the state file. */
#define STATE_BUSY_MS 15000

struct state_store {
    sqlite3 *db;
    char *path;
};

const char *state_path_for(const config *cfg)
{
    return cfg && cfg->state_path ? cfg->state_path : state_default_path();
}

/* Switching a file to WAL takes an exclusive lock, and SQLite does not call
 * the busy handler when a connection already reading the schema would have
 * to upgrade its lock (that could deadlock). Two fawkes runs starting on a
 * fresh state file at the same moment therefore see SQLITE_BUSY at once, not
 * after the timeout: retry here, with a short sleep, for as long as the busy
 * timeout would have waited. */
static int state_exec_when_free(state_store *st, const char *sql, diag *err)
{
    struct timespec pause = {0, 10 * 1000 * 1000};
    for (long waited_ms = 0;; waited_ms += 10) {
        int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
        int primary = rc & 0xff;
        if (rc == SQLITE_OK)
            return 0;
        if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || waited_ms >= STATE_BUSY_MS)
            return state_exec(st, sql, err);
        nanosleep(&pause, NULL);
    }
}

int state_open(const char *path, state_store **out, diag *err)
{
    *out = NULL;
    state_store *st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        free(st);
        diag_set(err, "%s: out of memory", path);
        return -1;
    }
    int rc = sqlite3_open_v2(
        path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        diag_set(err,
                 "%s: cannot open the state file: %s; check that its directory exists "
                 "and is writable, or set `state:` in the config",
                 path, st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        state_close(st);
        return -1;
    }
    sqlite3_busy_timeout(st->db, STATE_BUSY_MS);
    if (state_exec_when_free(st,
                             "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                             "PRAGMA foreign_keys=ON;",
                             err) != 0) {
        state_close(st);
        return -1;
    }
    *out = st;
    return 0;
}

void state_close(state_store *st)
{
    if (!st)
        return;
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}

sqlite3 *state_db(state_store *st)
{
    return st->db;
}

const char *state_file(const state_store *st)
{
    return st->path;
}

int state_exec(state_store *st, const char *sql, diag *err)
{
    char *message = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &message) == SQLITE_OK)
        return 0;
    diag_set(err,
             "%s: %s (in \"%.40s...\"); if the file is not a fawkes state file, point "
             "`state:` elsewhere",
             st->path, message ? message : sqlite3_errmsg(st->db), sql);
    sqlite3_free(message);
    return -1;
}

int state_begin(state_store *st, diag *err)
{
    return state_exec(st, "BEGIN IMMEDIATE", err);
}

int state_commit(state_store *st, diag *err)
{
    if (state_exec(st, "COMMIT", err) == 0)
        return 0;
    state_rollback(st);
    return -1;
}

void state_rollback(state_store *st)
{
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}
