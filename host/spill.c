/* spill.c: a temporary SQLite file of records, written in batches, read through cursors. */
#include "spill.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

struct spill {
    sqlite3 *db;
    pthread_mutex_t lock; /* guards db, insert, pending and keyed */
    sqlite3_stmt *insert;
    size_t pending; /* records added in the open transaction */
    bool keyed;     /* some record has a sort key: cursors must sort */
    bool indexed;   /* the (grp, sort) index exists: a group reads in key order unsorted */
    char dir[512];  /* where SQLite keeps the file (for messages) */
};

struct spill_cursor {
    spill *sp;
    sqlite3_stmt *stmt;
    bool done; /* stepped past the end or failed: a further step would start over */
};

/* NULL when `dir` is a writable directory, else why not. */
static const char *unusable_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return strerror(errno);
    if (!S_ISDIR(st.st_mode))
        return "not a directory";
    if (access(dir, W_OK | X_OK) != 0)
        return "not writable";
    return NULL;
}

const char *spill_tmp_dir(char *buf, size_t size, diag *why)
{
    /* SQLite's unix VFS takes the first writable directory of these; a variable that names
       a missing or read-only directory is skipped silently, which would put gigabytes
       somewhere the user did not say. Refuse instead. */
    static const char *const vars[] = {"SQLITE_TMPDIR", "TMPDIR"};
    for (size_t i = 0; i < 2; i++) {
        const char *dir = getenv(vars[i]);
        if (!dir || !*dir)
            continue;
        const char *problem = unusable_dir(dir);
        if (problem) {
            diag_set(why,
                     "temporary spill file: %s=%s is not a usable directory (%s); create it, "
                     "or point %s at a writable directory with room for the run's records",
                     vars[i], dir, problem, vars[i]);
            return NULL;
        }
        snprintf(buf, size, "%s", dir);
        return buf;
    }
    static const char *const fallback[] = {"/var/tmp", "/usr/tmp", "/tmp"};
    for (size_t i = 0; i < 3; i++) {
        if (!unusable_dir(fallback[i])) {
            snprintf(buf, size, "%s", fallback[i]);
            return buf;
        }
    }
    diag_set(why, "temporary spill file: none of /var/tmp, /usr/tmp and /tmp is a writable "
                  "directory; point TMPDIR at a directory with room for the run's records");
    return NULL;
}

static void sql_error(diag *err, spill *sp, const char *what)
{
    diag_set(err,
             "temporary spill file in %s: %s failed: %s; free space there, or point TMPDIR (or "
             "SQLITE_TMPDIR) at a directory with room",
             sp->dir, what, sp->db ? sqlite3_errmsg(sp->db) : "cannot open");
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
    if (!spill_tmp_dir(sp->dir, sizeof sp->dir, err)) {
        spill_close(sp);
        return -1;
    }
    /* An empty name makes a private temporary file that SQLite unlinks as soon as it has
       made it (on the first cache overflow), in the directory spill_tmp_dir names. */
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
        if (!sqlite3_get_autocommit(sp->db))
            sqlite3_exec(sp->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

void spill_close(spill *sp)
{
    if (!sp)
        return;
    if (sp->db && !sqlite3_get_autocommit(sp->db))
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
        if (sort_key) {
            sqlite3_bind_text(sp->insert, 2, sort_key, -1, SQLITE_STATIC);
            sp->keyed = true;
        } else {
            sqlite3_bind_null(sp->insert, 2);
        }
        /* a zero-length blob needs a pointer: NULL would bind SQL NULL */
        sqlite3_bind_blob64(sp->insert, 3, text ? text : "", len, SQLITE_STATIC);
        if (sqlite3_step(sp->insert) != SQLITE_DONE) {
            sql_error(err, sp, "writing");
            rc = -1;
            /* SQLite rolls the whole transaction back on some errors (disk full) */
            if (sqlite3_get_autocommit(sp->db))
                sp->pending = 0;
        }
        sqlite3_reset(sp->insert);
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
    /* Keyed: index (grp, sort) once, on the first read, so that every cursor over a group
       walks the index instead of sorting the group again. Should that fail (a cursor still
       reading), cursors sort. */
    if (rc == 0 && sp->keyed && !sp->indexed)
        sp->indexed = sqlite3_exec(sp->db, "CREATE INDEX spill_sort ON spill (grp, sort)", NULL,
                                   NULL, NULL) == SQLITE_OK;
    /* Without sort keys, insertion order is rowid order, which the group index (grp, rowid)
       gives without sorting; ORDER BY sort, rowid would sort the whole group each time. */
    const char *sql = sp->keyed ? (group ? "SELECT body, sort FROM spill WHERE grp = ? "
                                           "ORDER BY sort, rowid"
                                         : "SELECT body, sort FROM spill ORDER BY sort, rowid")
                                : (group ? "SELECT body, sort FROM spill WHERE grp = ? "
                                           "ORDER BY rowid"
                                         : "SELECT body, sort FROM spill ORDER BY rowid");
    if (rc == 0 && sqlite3_prepare_v2(sp->db, sql, -1, &c->stmt, NULL) != SQLITE_OK) {
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
    if (c->done)
        return NULL;
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
    } else {
        c->done = true;
        if (rc != SQLITE_DONE)
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
    json_t *value = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!value)
        diag_set(err, "temporary spill file in %s: a record does not read back: %s", c->sp->dir,
                 jerr.text);
    return value;
}

void spill_cursor_close(spill_cursor *c)
{
    if (!c)
        return;
    if (c->stmt) {
        pthread_mutex_lock(&c->sp->lock);
        sqlite3_finalize(c->stmt);
        pthread_mutex_unlock(&c->sp->lock);
    }
    free(c);
}
