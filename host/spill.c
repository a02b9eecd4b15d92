/* spill.c: a temporary SQLite file of records, written in batches, read through cursors. */
#include "spill.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

struct spill {
    sqlite3 *db;
    pthread_mutex_t lock; /* guards db, insert and pending */
    sqlite3_stmt *insert;
    size_t pending; /* records added in the open transaction */
};

struct spill_cursor {
    spill *sp;
    sqlite3_stmt *stmt;
};

static const char *tmp_dir(void)
{
    const char *dir = getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

static void sql_error(diag *err, spill *sp, const char *what)
{
    diag_set(err,
             "temporary spill file in %s: %s failed: %s; free space there, or point TMPDIR at "
             "a directory with room",
             tmp_dir(), what, sp->db ? sqlite3_errmsg(sp->db) : "cannot open");
}

int spill_open(spill **out, diag *err)
{
    *out = NULL;
    spill *sp = calloc(1, sizeof *sp);
    if (!sp) {
        diag_set(err, "out of memory");
        return -1;
    }
    pthread_mutex_init(&sp->lock, NULL);
    /* An empty name makes a private temporary file that SQLite removes on close; it lives
       in the first of SQLITE_TMPDIR, TMPDIR and /var/tmp, /usr/tmp, /tmp that is writable. */
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
             "PRAGMA cache_size=-%d; PRAGMA temp_store=FILE;",
             SPILL_CACHE_KIB);
    if (sqlite3_open_v2("", &sp->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(sp->db, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(sp->db,
                     "CREATE TABLE spill (grp TEXT NOT NULL, sort TEXT, body BLOB NOT NULL);"
                     "CREATE INDEX spill_grp ON spill (grp);",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(sp->db, "INSERT INTO spill (grp, sort, body) VALUES (?, ?, ?)", -1,
                           &sp->insert, NULL) != SQLITE_OK) {
        sql_error(err, sp, "creating it");
        spill_close(sp);
        return -1;
    }
    *out = sp;
    return 0;
}

/* Commit the open batch. Call with the lock held. */
static int flush_locked(spill *sp, diag *err)
{
    if (sp->pending == 0)
        return 0;
    sp->pending = 0;
    if (sqlite3_exec(sp->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sql_error(err, sp, "writing");
        sqlite3_exec(sp->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

void spill_close(spill *sp)
{
    if (!sp)
        return;
    if (sp->pending)
        sqlite3_exec(sp->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(sp->insert);
    sqlite3_close(sp->db);
    pthread_mutex_destroy(&sp->lock);
    free(sp);
}

int spill_add(spill *sp, const char *group, const char *sort_key, const char *text, size_t len,
              diag *err)
{
    pthread_mutex_lock(&sp->lock);
    int rc = 0;
    if (sp->pending == 0 && sqlite3_exec(sp->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        sql_error(err, sp, "writing");
        rc = -1;
    } else {
        sp->pending++;
        sqlite3_reset(sp->insert);
        sqlite3_bind_text(sp->insert, 1, group, -1, SQLITE_STATIC);
        if (sort_key)
            sqlite3_bind_text(sp->insert, 2, sort_key, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(sp->insert, 2);
        sqlite3_bind_blob64(sp->insert, 3, text, len, SQLITE_STATIC);
        if (sqlite3_step(sp->insert) != SQLITE_DONE) {
            sql_error(err, sp, "writing");
            rc = -1;
        }
        sqlite3_clear_bindings(sp->insert);
        if (rc == 0 && sp->pending >= SPILL_BATCH)
            rc = flush_locked(sp, err);
    }
    pthread_mutex_unlock(&sp->lock);
    return rc;
}

int spill_add_json(spill *sp, const char *group, const char *sort_key, const json_t *record,
                   diag *err)
{
    char *text = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (!text) {
        diag_set(err, "out of memory");
        return -1;
    }
    int rc = spill_add(sp, group, sort_key, text, strlen(text), err);
    free(text);
    return rc;
}

/* Run a one-integer query about `group`. Returns the integer, or -1. */
static int64_t query_group(spill *sp, const char *sql_all, const char *sql_group, const char *group)
{
    pthread_mutex_lock(&sp->lock);
    sqlite3_stmt *stmt = NULL;
    int64_t value = -1;
    if (flush_locked(sp, NULL) == 0 &&
        sqlite3_prepare_v2(sp->db, group ? sql_group : sql_all, -1, &stmt, NULL) == SQLITE_OK) {
        if (group)
            sqlite3_bind_text(stmt, 1, group, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&sp->lock);
    return value;
}

int64_t spill_count(spill *sp, const char *group)
{
    return query_group(sp, "SELECT count(*) FROM spill", "SELECT count(*) FROM spill WHERE grp = ?",
                       group);
}

int spill_has_group(spill *sp, const char *group)
{
    return (int)query_group(sp, "SELECT EXISTS (SELECT 1 FROM spill)",
                            "SELECT EXISTS (SELECT 1 FROM spill WHERE grp = ?)", group);
}

int spill_cursor_open(spill *sp, const char *group, spill_cursor **out, diag *err)
{
    *out = NULL;
    spill_cursor *c = calloc(1, sizeof *c);
    if (!c) {
        diag_set(err, "out of memory");
        return -1;
    }
    c->sp = sp;
    pthread_mutex_lock(&sp->lock);
    int rc = flush_locked(sp, err);
    if (rc == 0 &&
        sqlite3_prepare_v2(sp->db,
                           group ? "SELECT body, sort FROM spill WHERE grp = ? ORDER BY sort, rowid"
                                 : "SELECT body, sort FROM spill ORDER BY sort, rowid",
                           -1, &c->stmt, NULL) != SQLITE_OK) {
        sql_error(err, sp, "reading");
        rc = -1;
    }
    if (rc == 0 && group)
        sqlite3_bind_text(c->stmt, 1, group, -1, SQLITE_TRANSIENT);
    pthread_mutex_unlock(&sp->lock);
    if (rc != 0) {
        spill_cursor_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

const char *spill_cursor_next(spill_cursor *c, size_t *len, const char **sort_key, diag *err)
{
    pthread_mutex_lock(&c->sp->lock);
    int rc = sqlite3_step(c->stmt);
    const char *text = NULL;
    if (rc == SQLITE_ROW) {
        text = sqlite3_column_blob(c->stmt, 0);
        if (len)
            *len = (size_t)sqlite3_column_bytes(c->stmt, 0);
        if (sort_key)
            *sort_key = (const char *)sqlite3_column_text(c->stmt, 1);
        if (!text)
            text = "";
    } else if (rc != SQLITE_DONE) {
        sql_error(err, c->sp, "reading");
    }
    pthread_mutex_unlock(&c->sp->lock);
    return text;
}

json_t *spill_cursor_next_json(spill_cursor *c, diag *err)
{
    size_t len = 0;
    const char *text = spill_cursor_next(c, &len, NULL, err);
    if (!text)
        return NULL;
    json_error_t jerr;
    json_t *value = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (!value)
        diag_set(err, "temporary spill file in %s: a record does not read back: %s", tmp_dir(),
                 jerr.text);
    return value;
}

void spill_cursor_close(spill_cursor *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->stmt);
    free(c);
}
