/* state.c: the SQLite state file. */
#include "state.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a run waits for another run holding the state file. */
#define STATE_BUSY_MS 15000

struct state_store {
    sqlite3 *db;
    char *path;
    pthread_t checkpointer; /* state_commit_big's, while `checkpointing` */
    bool checkpointing;
};

/* SQLite's default: a commit copies the log into the file once it holds this many pages. */
#define STATE_AUTOCHECKPOINT 1000

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

/* Wait for the checkpoint state_commit_big started, if any. */
static void checkpoint_wait(state_store *st)
{
    if (st->checkpointing) {
        pthread_join(st->checkpointer, NULL);
        st->checkpointing = false;
    }
}

void state_close(state_store *st)
{
    if (!st)
        return;
    checkpoint_wait(st);
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

/* The checkpoint on a connection of its own (PASSIVE: it copies what no reader still needs
   and never waits for anyone; what it leaves, a later commit or the last close copies). */
static void *checkpoint_main(void *arg)
{
    state_store *st = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) ==
        SQLITE_OK) {
        sqlite3_busy_timeout(db, STATE_BUSY_MS);
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    sqlite3_close(db);
    return NULL;
}

int state_commit_big(state_store *st, diag *err)
{
    checkpoint_wait(st);
    sqlite3_wal_autocheckpoint(st->db, 0);
    int rc = state_commit(st, err);
    sqlite3_wal_autocheckpoint(st->db, STATE_AUTOCHECKPOINT);
    if (rc == 0) {
        if (pthread_create(&st->checkpointer, NULL, checkpoint_main, st) == 0)
            st->checkpointing = true;
        else
            sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    return rc;
}
