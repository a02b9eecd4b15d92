/* history.c: run history: the baseline's fail keys in memory, the run's keys sorted on disk
   and its findings' JSON in compressed pages of a temporary file, deltas as findings stream
   by, a merge of the keys with the baseline's and one transaction at the end. */
#include "history.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "history_internal.h"
#include "log.h"

/*
 * What one thread marks: its own page of fail records and its own chunk of keys, so that
 * threads marking findings at once never wait for each other (only the writes of a full
 * page or chunk to the temporary file take a lock). The page is numbered when its first
 * record goes in; its buffers are reused page after page.
 */
typedef struct hwriter {
    fwkx_buf page;
    uint32_t page_no;
    bool numbered;    /* page_no is taken */
    hsort_rec *chunk; /* keys not yet written (HSORT_CHUNK records) */
    size_t chunk_len;
    hpage_zip zip;
    hrules_cache rules; /* the templates this thread met */
    struct hwriter *next;
} hwriter;

/* The writer of the calling thread, valid while `gen` is its chain's. */
static _Thread_local struct {
    unsigned long gen;
    hwriter *writer;
} my_writer;
static atomic_ulong writer_gens;

struct history {
    state_store *st;
    char *since; /* full run id of --since, or NULL */
    int keep_runs, keep_days;
    bool tmp_ready; /* history_tmp is attached */

    /* the chain being run (or the last one ended) */
    char *run_id, *key, *started_at;
    bool begun, ended, has_baseline;
    int64_t base_seq; /* baseline run, when has_baseline */
    int64_t seq;      /* this chain's row once recorded */

    hbase base;           /* the baseline's keys (read-only while marking) */
    hrules *rules;        /* this run's rule templates */
    pthread_mutex_t lock; /* guards writers, counts and write_error */
    unsigned long gen;    /* this chain's mark of its writers (unique in the process) */
    hwriter *writers;     /* one per thread that marked a finding of this chain */
    hwriter tail;         /* the chain end's own: resolved and carried records */
    atomic_uint next_page;
    size_t new_count, open_count, resolved_count, error_count;
    char *write_error; /* first failure to keep a finding (owned) */
    atomic_size_t pass_count;

    pthread_mutex_t tmp_lock; /* serialises writes to history_tmp */
    sqlite3_stmt *tmp_insert, *run_insert;
};

struct history_cursor {
    history *h;
    json_t *templates; /* the run's rule templates */
    sqlite3_stmt *stmt;
    char *raw;
    size_t raw_len, pos;
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
    /* fail, error and resolved findings of each run by key; passes are only counted */
    "CREATE TABLE IF NOT EXISTS history_keys ("
    "  seq INTEGER NOT NULL,"      /* history_runs.seq */
    "  fp BLOB NOT NULL,"          /* 16-byte key of the fingerprint */
    "  status INTEGER NOT NULL,"   /* 1 fail, 2 error, 3 resolved */
    "  delta INTEGER NOT NULL,"    /* 0 new, 1 open, 2 resolved */
    "  reported INTEGER NOT NULL," /* 0: carried over from the baseline by a partial run */
    "  page INTEGER NOT NULL,"     /* the page of this run holding its JSON */
    "  PRIMARY KEY (seq, fp)) WITHOUT ROWID;"
    /* the findings' JSON: records (key, length, text) compressed with zlib */
    "CREATE TABLE IF NOT EXISTS history_pages ("
    "  seq INTEGER NOT NULL, page INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL," /* 1 fails, 2 resolved, 3 carried */
    "  raw_size INTEGER NOT NULL, body BLOB NOT NULL,"
    "  PRIMARY KEY (seq, page)) WITHOUT ROWID;"
    /* what every record of a rule repeats, once per run (history_rules.c) */
    "CREATE TABLE IF NOT EXISTS history_rules ("
    "  seq INTEGER NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL,"
    "  PRIMARY KEY (seq, id)) WITHOUT ROWID;";

/* Columns added to history_runs after its first release. */
static const char *const added_columns[] = {"pass_count", "error_count"};

static int sql_fail(history *h, diag *err, const char *what)
{
    diag_set(err, "%s: %s: %s", state_file(h->st), what, sqlite3_errmsg(state_db(h->st)));
    return -1;
}

/* 1 when history_runs has column `name`, 0 when not, -1 when it cannot tell. */
static int column_present(history *h, const char *name)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(h->st),
                           "SELECT 1 FROM pragma_table_info('history_runs') WHERE name = ?", -1,
                           &stmt, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int add_columns(history *h, diag *err)
{
    size_t n = sizeof added_columns / sizeof added_columns[0], i = 0;
    while (i < n && column_present(h, added_columns[i]) == 1)
        i++;
    if (i == n)
        return 0;
    /* another process opening the same older file may be adding them too: look again under
       the write lock */
    if (state_begin(h->st, err) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        int present = column_present(h, added_columns[i]);
        char sql[160];
        snprintf(sql, sizeof sql,
                 "ALTER TABLE history_runs ADD COLUMN %s INTEGER NOT NULL DEFAULT 0",
                 added_columns[i]);
        if (present < 0 ||
            (!present && sqlite3_exec(state_db(h->st), sql, NULL, NULL, NULL) != SQLITE_OK)) {
            sql_fail(h, err, "adding columns to history_runs");
            state_rollback(h->st);
            return -1;
        }
    }
    return state_commit(h->st, err);
}

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
                           -1, &stmt, NULL) != SQLITE_OK)
        return sql_fail(h, err, "reading the run history");
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
                          "runs kept (see `history:` in the config)"
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
    pthread_mutex_init(&h->tmp_lock, NULL);
    h->keep_runs =
        cfg && cfg->history_keep_runs > 0 ? cfg->history_keep_runs : HISTORY_KEEP_RUNS_DEFAULT;
    h->keep_days =
        cfg && cfg->history_keep_days >= 0 ? cfg->history_keep_days : HISTORY_KEEP_DAYS_DEFAULT;
    if (state_open(state_path_for(cfg), &h->st, err) != 0 ||
        state_exec(h->st, schema_sql, err) != 0 || add_columns(h, err) != 0 ||
        history_migrate(h->st, err) != 0 || (since && resolve_since(h, since, err) != 0)) {
        history_close(h);
        return -1;
    }
    *out = h;
    return 0;
}

static void writer_free(hwriter *w)
{
    fwkx_buf_free(&w->page);
    free(w->chunk);
    hpage_zip_free(&w->zip);
    hrules_cache_free(&w->rules);
    memset(w, 0, sizeof *w);
}

static void chain_reset(history *h)
{
    free(h->run_id);
    free(h->key);
    free(h->started_at);
    free(h->write_error);
    h->run_id = h->key = h->started_at = h->write_error = NULL;
    h->begun = h->ended = h->has_baseline = false;
    h->base_seq = h->seq = 0;
    hbase_free(&h->base);
    hrules_free(h->rules);
    h->rules = NULL;
    while (h->writers) {
        hwriter *w = h->writers;
        h->writers = w->next;
        writer_free(w);
        free(w);
    }
    writer_free(&h->tail);
    h->gen = 0;
    atomic_store(&h->next_page, 0);
    h->new_count = h->open_count = h->resolved_count = h->error_count = 0;
    atomic_store(&h->pass_count, 0);
}

void history_close(history *h)
{
    if (!h)
        return;
    chain_reset(h);
    sqlite3_finalize(h->tmp_insert);
    sqlite3_finalize(h->run_insert);
    state_close(h->st);
    free(h->since);
    pthread_mutex_destroy(&h->lock);
    pthread_mutex_destroy(&h->tmp_lock);
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
                           &stmt, NULL) != SQLITE_OK)
        return sql_fail(h, err, "reading the run history");
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

/* The baseline: the newest recorded run of the chain (other than this one), or the --since
   run. Sets h->base_seq and h->has_baseline. */
static int find_baseline(history *h, diag *err)
{
    sqlite3_stmt *stmt = NULL;
    const char *sql = h->since ? "SELECT seq FROM history_runs WHERE chain = ? AND run_id = ?"
                               : "SELECT seq FROM history_runs WHERE chain = ? AND run_id != ? "
                                 "ORDER BY seq DESC LIMIT 1";
    if (sqlite3_prepare_v2(state_db(h->st), sql, -1, &stmt, NULL) != SQLITE_OK)
        return sql_fail(h, err, "reading the run history");
    sqlite3_bind_text(stmt, 1, h->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, h->since ? h->since : h->run_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        h->base_seq = sqlite3_column_int64(stmt, 0);
        h->has_baseline = true;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_fail(h, err, "reading the run history");
    return 0;
}

/* The temporary database (removed when the state file is closed) the chain's pages go to
   until history_chain_end copies them into the state file. */
static int prepare_tmp(history *h, diag *err)
{
    if (!h->tmp_ready) {
        if (state_exec(h->st,
                       "ATTACH DATABASE '' AS history_tmp;"
                       "PRAGMA history_tmp.journal_mode=OFF; PRAGMA history_tmp.synchronous=OFF;"
                       "CREATE TABLE history_tmp.pages (page INTEGER PRIMARY KEY, kind INTEGER "
                       "NOT NULL, raw_size INTEGER NOT NULL, body BLOB NOT NULL);"
                       "CREATE TABLE history_tmp.keyruns (run INTEGER PRIMARY KEY, body BLOB "
                       "NOT NULL);",
                       err) != 0)
            return -1;
        if (sqlite3_prepare_v2(state_db(h->st), "INSERT INTO history_tmp.keyruns (body) VALUES (?)",
                               -1, &h->run_insert, NULL) != SQLITE_OK)
            return sql_fail(h, err, "preparing the temporary keys");
        if (sqlite3_prepare_v2(state_db(h->st),
                               "INSERT INTO history_tmp.pages (page, kind, raw_size, body) "
                               "VALUES (?, ?, ?, ?)",
                               -1, &h->tmp_insert, NULL) != SQLITE_OK)
            return sql_fail(h, err, "preparing the temporary pages");
        h->tmp_ready = true;
    }
    return state_exec(h->st, "DELETE FROM history_tmp.pages; DELETE FROM history_tmp.keyruns", err);
}

int history_chain_begin(history *h, const char *run_id, const char *key, const char *started_at,
                        diag *err)
{
    chain_reset(h);
    h->run_id = strdup(run_id);
    h->key = strdup(key);
    h->started_at = strdup(started_at);
    if (!h->run_id || !h->key || !h->started_at) {
        diag_set(err, "out of memory");
        return -1;
    }
    if (prepare_tmp(h, err) != 0 || find_baseline(h, err) != 0)
        return -1;
    h->gen = atomic_fetch_add(&writer_gens, 1) + 1;
    h->rules = hrules_new();
    if (!h->rules) {
        diag_set(err, "out of memory");
        return -1;
    }
    h->begun = true;
    if (h->has_baseline && hbase_load(&h->base, h->st, h->base_seq, err) != 0) {
        /* deltas are all "new" then, and nothing is resolved */
        h->has_baseline = false;
        return -1;
    }
    return 0;
}

/* Note the first failure to keep a finding. Call with h->lock held. */
static void note_write_error(history *h, const char *what)
{
    if (!h->write_error)
        h->write_error = strdup(what);
}

/* Store a compressed page in history_tmp. Any thread; takes tmp_lock. */
static int store_page(history *h, uint32_t page, int kind, size_t raw_len,
                      const unsigned char *blob, size_t blob_len)
{
    pthread_mutex_lock(&h->tmp_lock);
    sqlite3_reset(h->tmp_insert);
    sqlite3_bind_int64(h->tmp_insert, 1, page);
    sqlite3_bind_int(h->tmp_insert, 2, kind);
    sqlite3_bind_int64(h->tmp_insert, 3, (sqlite3_int64)raw_len);
    sqlite3_bind_blob64(h->tmp_insert, 4, blob, blob_len, SQLITE_STATIC);
    int rc = sqlite3_step(h->tmp_insert) == SQLITE_DONE ? 0 : -1;
    sqlite3_clear_bindings(h->tmp_insert);
    pthread_mutex_unlock(&h->tmp_lock);
    return rc;
}

/* Give an empty page its full size at once, so appends do not move it (when memory is
   short it stays empty and grows as appends need). */
static void page_reserve(fwkx_buf *page)
{
    if (!page->data)
        fwkx_buf_reserve(page, HPAGE_RAW_BYTES + HPAGE_RAW_BYTES / 4);
    page->failed = 0;
}

/* Write the writer's page (when it holds a record) as `kind` and start a new one. The
   writer's thread, or the chain end. */
static int writer_flush(history *h, hwriter *w, int kind)
{
    if (!w->numbered)
        return 0;
    const unsigned char *blob = NULL;
    size_t blob_len = 0;
    int rc = hpage_zip_page(&w->zip, w->page.data, w->page.len, &blob, &blob_len);
    if (rc == 0)
        rc = store_page(h, w->page_no, kind, w->page.len, blob, blob_len);
    w->page.len = 0;
    w->numbered = false;
    return rc;
}

/* Append `finding` to the writer's page as a record, numbering the page when it is new; the
   page's number in *page. 0, or -1 when out of memory (the page as it was). */
static int writer_put(history *h, hwriter *w, const uint8_t *key, const json_t *finding,
                      const char *fingerprint, uint32_t *page)
{
    page_reserve(&w->page);
    size_t before = w->page.len, len_at = 0;
    bool packed = false;
    if (hpage_begin(&w->page, key, fingerprint, &len_at, &packed) != 0)
        return -1;
    hslim slim;
    hslim_of(finding, &slim);
    int id = -1;
    unsigned omit = hrules_match(h->rules, &w->rules, finding, &slim, &id);
    if (hrecord_write(&w->page, finding, packed, &slim, id, omit) != 0 ||
        hpage_end(&w->page, len_at) != 0) {
        w->page.len = before;
        w->page.data[before] = '\0';
        return -1;
    }
    if (!w->numbered) {
        w->page_no = atomic_fetch_add(&h->next_page, 1);
        w->numbered = true;
    }
    *page = w->page_no;
    return 0;
}

/* Sort a chunk of keys and store it as a run. Any thread; takes tmp_lock. */
static int write_run(history *h, hsort_rec *recs, size_t count)
{
    pthread_mutex_lock(&h->tmp_lock);
    int rc = hsort_write_run(h->run_insert, recs, count);
    pthread_mutex_unlock(&h->tmp_lock);
    return rc;
}

/* The calling thread's writer for this chain, made by its first mark; NULL when out of
   memory. */
static hwriter *writer_of(history *h)
{
    if (my_writer.gen == h->gen && my_writer.writer)
        return my_writer.writer;
    hwriter *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    pthread_mutex_lock(&h->lock);
    w->next = h->writers;
    h->writers = w;
    pthread_mutex_unlock(&h->lock);
    my_writer.gen = h->gen;
    my_writer.writer = w;
    return w;
}

static int status_code(const char *status)
{
    return strcmp(status, "fail") == 0 ? HKEY_FAIL : strcmp(status, "error") == 0 ? HKEY_ERROR : 0;
}

const char *history_pass(history *h, size_t n)
{
    if (!h || !h->begun || h->ended)
        return NULL;
    atomic_fetch_add(&h->pass_count, n);
    return h->has_baseline ? "open" : "new";
}

int history_mark(history *h, json_t *finding)
{
    const char *status = fwkx_str(finding, "status", "");
    int code = status_code(status);
    if (!h || !h->begun || h->ended)
        return code == HKEY_FAIL;
    if (code == 0) {
        json_object_set_new(finding, "delta", json_string(history_pass(h, 1)));
        return 0;
    }
    uint8_t key[HISTORY_KEY_BYTES];
    const char *fingerprint = fwkx_str(finding, "fingerprint", "");
    hkey_of(fingerprint, key);
    /* a fingerprint reported twice gets the same delta both times; history_chain_end keeps
       the first report */
    bool open = hbase_has(&h->base, code, key);
    json_object_set_new(finding, "delta", json_string(open ? "open" : "new"));
    hwriter *w = writer_of(h);
    if (w && !w->chunk)
        w->chunk = malloc(HSORT_CHUNK * sizeof *w->chunk);
    uint32_t page = 0;
    const char *failure = NULL;
    if (!w || !w->chunk || writer_put(h, w, key, finding, fingerprint, &page) != 0) {
        failure = "out of memory keeping the run's findings";
    } else {
        hsort_rec *rec = &w->chunk[w->chunk_len++];
        memset(rec, 0, sizeof *rec);
        memcpy(rec->key, key, HISTORY_KEY_BYTES);
        rec->page = page;
        rec->status = (uint8_t)code;
        bool failed = false;
        if (w->chunk_len == HSORT_CHUNK) {
            failed = write_run(h, w->chunk, w->chunk_len) != 0;
            w->chunk_len = 0;
        }
        if (w->page.len >= HPAGE_RAW_BYTES && writer_flush(h, w, HPAGE_FAILS) != 0)
            failed = true;
        if (failed)
            failure = "writing the run's findings to a temporary file failed (is TMPDIR full?)";
    }
    if (failure) {
        pthread_mutex_lock(&h->lock);
        note_write_error(h, failure);
        pthread_mutex_unlock(&h->lock);
        return 0;
    }
    return code == HKEY_FAIL;
}

/* Write the chain end's page (any size) as `kind`. One thread (chain end). */
static int flush_page(history *h, int kind, diag *err)
{
    if (writer_flush(h, &h->tail, kind) != 0) {
        diag_set(err,
                 "%s: writing the run's findings to a temporary file failed: %s; free space "
                 "in TMPDIR",
                 state_file(h->st), sqlite3_errmsg(state_db(h->st)));
        return -1;
    }
    return 0;
}

/* Add a finding to the chain end's page, writing it when full; its page in *page. One
   thread (chain end). */
static int add_record(history *h, const uint8_t *key, int kind, const char *fingerprint,
                      const json_t *finding, uint32_t *page, diag *err)
{
    if (writer_put(h, &h->tail, key, finding, fingerprint, page) != 0) {
        diag_set(err, "out of memory keeping the run's findings");
        return -1;
    }
    if (h->tail.page.len >= HPAGE_RAW_BYTES)
        return flush_page(h, kind, err);
    return 0;
}

static int prepare(history *h, sqlite3_stmt **stmt, const char *sql)
{
    return sqlite3_prepare_v2(state_db(h->st), sql, -1, stmt, NULL) == SQLITE_OK ? 0 : -1;
}

/* Delete the runs named in temp.history_doomed, their keys and pages. */
static int delete_doomed(history *h)
{
    return sqlite3_exec(state_db(h->st),
                        "DELETE FROM history_keys WHERE seq IN (SELECT seq FROM "
                        "temp.history_doomed);"
                        "DELETE FROM history_pages WHERE seq IN (SELECT seq FROM "
                        "temp.history_doomed);"
                        "DELETE FROM history_rules WHERE seq IN (SELECT seq FROM "
                        "temp.history_doomed);"
                        "DELETE FROM history_runs WHERE seq IN (SELECT seq FROM "
                        "temp.history_doomed);"
                        "DELETE FROM temp.history_doomed;",
                        NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : -1;
}

/*
 * Doom and delete runs of the chain: with `retention`, those past the newest keep_runs or
 * older than keep_days (never this one); without, an earlier record of this very run (a
 * chain named twice on one command line: the later record replaces it).
 */
static int prune(history *h, bool retention)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_exec(state_db(h->st),
                     "CREATE TEMP TABLE IF NOT EXISTS history_doomed (seq INTEGER PRIMARY KEY);",
                     NULL, NULL, NULL) != SQLITE_OK ||
        prepare(h, &stmt,
                retention ? "INSERT OR IGNORE INTO temp.history_doomed (seq) SELECT seq FROM "
                            "history_runs WHERE chain = ?1 AND seq != ?2 AND (seq NOT IN (SELECT "
                            "seq FROM history_runs WHERE chain = ?1 ORDER BY seq DESC LIMIT ?3) "
                            "OR (?4 > 0 AND finished_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', "
                            "'-' || ?4 || ' days')))"
                          : "INSERT OR IGNORE INTO temp.history_doomed (seq) SELECT seq FROM "
                            "history_runs WHERE chain = ?1 AND seq != ?2 AND run_id = ?5") != 0)
        return -1;
    sqlite3_bind_text(stmt, 1, h->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, h->seq);
    sqlite3_bind_int(stmt, 3, h->keep_runs);
    sqlite3_bind_int(stmt, 4, h->keep_days);
    sqlite3_bind_text(stmt, 5, h->run_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(stmt);
    return rc == 0 ? delete_doomed(h) : -1;
}

static int insert_run(history *h, bool partial)
{
    sqlite3_stmt *stmt = NULL;
    if (prepare(h, &stmt,
                "INSERT INTO history_runs (run_id, chain, started_at, finished_at, partial, "
                "baseline, new_count, open_count, resolved_count, pass_count, error_count) "
                "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?, ?, ?, ?)") !=
        0)
        return -1;
    sqlite3_bind_text(stmt, 1, h->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, h->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, h->started_at, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 4, partial);
    sqlite3_bind_text(stmt, 5, h->since, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 6, (sqlite3_int64)h->new_count);
    sqlite3_bind_int64(stmt, 7, (sqlite3_int64)h->open_count);
    sqlite3_bind_int64(stmt, 8, (sqlite3_int64)h->resolved_count);
    sqlite3_bind_int64(stmt, 9, (sqlite3_int64)atomic_load(&h->pass_count));
    sqlite3_bind_int64(stmt, 10, (sqlite3_int64)h->error_count);
    int rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(stmt);
    if (rc == 0)
        h->seq = sqlite3_last_insert_rowid(state_db(h->st));
    return rc;
}

/* One history_keys row of this run. */
static int insert_key(sqlite3_stmt *stmt, int64_t seq, const uint8_t *key, int status, int delta,
                      bool reported, uint32_t page)
{
    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, seq);
    sqlite3_bind_blob(stmt, 2, key, HISTORY_KEY_BYTES, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 3, status);
    sqlite3_bind_int(stmt, 4, delta);
    sqlite3_bind_int(stmt, 5, reported);
    sqlite3_bind_int64(stmt, 6, page);
    return sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
}

/* Rows of history_keys inserted KEY_BATCH at a time by one statement (a third of the time
   one row a statement takes, for the million rows of a large run). */
#define KEY_BATCH 64
typedef struct key_batch {
    sqlite3_stmt *multi; /* KEY_BATCH rows */
    size_t n;
    struct {
        uint8_t key[HISTORY_KEY_BYTES];
        int status, delta;
        uint32_t page;
    } rows[KEY_BATCH];
} key_batch;

static int batch_prepare(history *h, key_batch *kb)
{
    fwkx_buf sql = FWKX_BUF_INIT;
    fwkx_buf_adds(&sql,
                  "INSERT INTO history_keys (seq, fp, status, delta, reported, page) VALUES ");
    for (int i = 0; i < KEY_BATCH; i++)
        fwkx_buf_adds(&sql, i ? ", (?, ?, ?, ?, 1, ?)" : "(?, ?, ?, ?, 1, ?)");
    int rc = sql.failed ? -1 : prepare(h, &kb->multi, fwkx_buf_str(&sql));
    fwkx_buf_free(&sql);
    return rc;
}

/* Insert the rows batched (reported ones), the last few one at a time through `single`. */
static int batch_flush(key_batch *kb, sqlite3_stmt *single, int64_t seq)
{
    int rc = 0;
    if (kb->n == KEY_BATCH) {
        sqlite3_reset(kb->multi);
        for (size_t i = 0; i < KEY_BATCH; i++) {
            int at = (int)i * 5;
            sqlite3_bind_int64(kb->multi, at + 1, seq);
            sqlite3_bind_blob(kb->multi, at + 2, kb->rows[i].key, HISTORY_KEY_BYTES, SQLITE_STATIC);
            sqlite3_bind_int(kb->multi, at + 3, kb->rows[i].status);
            sqlite3_bind_int(kb->multi, at + 4, kb->rows[i].delta);
            sqlite3_bind_int64(kb->multi, at + 5, kb->rows[i].page);
        }
        rc = sqlite3_step(kb->multi) == SQLITE_DONE ? 0 : -1;
    } else {
        for (size_t i = 0; rc == 0 && i < kb->n; i++)
            rc = insert_key(single, seq, kb->rows[i].key, kb->rows[i].status, kb->rows[i].delta,
                            true, kb->rows[i].page);
    }
    kb->n = 0;
    return rc;
}

static int batch_key(key_batch *kb, sqlite3_stmt *single, int64_t seq, const uint8_t *key,
                     int status, int delta, uint32_t page)
{
    memcpy(kb->rows[kb->n].key, key, HISTORY_KEY_BYTES);
    kb->rows[kb->n].status = status;
    kb->rows[kb->n].delta = delta;
    kb->rows[kb->n].page = page;
    return ++kb->n == KEY_BATCH ? batch_flush(kb, single, seq) : 0;
}

/* A baseline fail finding this run did not report as fail: resolved, or carried by a partial
   run. What this run said of the key, if anything, is kept in case its record is not found. */
typedef struct gone_key {
    uint8_t key[HISTORY_KEY_BYTES];
    uint32_t base_page;
    uint32_t page;  /* this run's report (status != HKEY_NONE) */
    uint8_t status; /* HKEY_NONE, HKEY_ERROR */
    uint8_t delta;
    uint8_t settled; /* resolved or carried */
} gone_key;

/* A key this run reported more than once: its first report (the one kept) and a later one's
   page (which loses that record). */
typedef struct dup_key {
    uint8_t key[HISTORY_KEY_BYTES];
    uint32_t first_page, page;
    uint32_t kept_on; /* while rewriting pages: the page whose first record was kept, + 1 */
} dup_key;

/* What the merge of this run's keys with the baseline's leaves to do. */
typedef struct key_merge {
    gone_key *gone;
    size_t gone_len, gone_cap;
    dup_key *dups;
    size_t dups_len, dups_cap;
} key_merge;

static void key_merge_free(key_merge *km)
{
    free(km->gone);
    free(km->dups);
}

static int push(void **items, size_t *len, size_t *cap, size_t size, const void *item)
{
    if (*len == *cap) {
        size_t more = *cap ? *cap * 2 : 64;
        void *grown = realloc(*items, more * size);
        if (!grown)
            return -1;
        *items = grown;
        *cap = more;
    }
    memcpy((char *)*items + *len * size, item, size);
    (*len)++;
    return 0;
}

/*
 * Merge this run's keys (sorted runs) with the baseline's (history_keys in key order): insert
 * this run's rows, count new/open/error, and collect the baseline fails now gone and the keys
 * reported twice. Both sides come sorted, so memory holds only what is gone or doubled.
 */
static int merge_keys(history *h, sqlite3_stmt *insert, key_merge *km, diag *err)
{
    sqlite3 *db = state_db(h->st);
    hsort_merge *merge = NULL;
    sqlite3_stmt *base = NULL;
    if (hsort_merge_open(db, &merge) != 0)
        return sql_fail(h, err, "reading the run's keys back");
    if (h->has_baseline &&
        prepare(h, &base,
                "SELECT fp, status, page FROM history_keys WHERE seq = ? AND status IN (1, 2) "
                "ORDER BY fp") != 0) {
        hsort_merge_close(merge);
        return sql_fail(h, err, "reading the baseline run");
    }
    if (base)
        sqlite3_bind_int64(base, 1, h->base_seq);
    key_batch *kb = calloc(1, sizeof *kb);
    if (!kb || batch_prepare(h, kb) != 0) {
        free(kb);
        sqlite3_finalize(base);
        hsort_merge_close(merge);
        return sql_fail(h, err, "recording the run's keys");
    }
    hsort_rec cur, next;
    int have_cur = hsort_merge_next(merge, &cur);
    int have_base = base ? sqlite3_step(base) : SQLITE_DONE;
    int rc = 0;
    while (rc == 0 && (have_cur == 1 || have_base == SQLITE_ROW)) {
        const uint8_t *base_key = NULL;
        if (have_base == SQLITE_ROW) {
            base_key = sqlite3_column_blob(base, 0);
            if (sqlite3_column_bytes(base, 0) != HISTORY_KEY_BYTES) {
                have_base = sqlite3_step(base); /* unreadable: treated as absent */
                continue;
            }
        }
        int cmp = have_cur != 1 ? 1 : !base_key ? -1 : memcmp(cur.key, base_key, HISTORY_KEY_BYTES);
        if (cmp > 0) { /* only the baseline has it */
            if (sqlite3_column_int(base, 1) == HKEY_FAIL) {
                gone_key g = {.base_page = (uint32_t)sqlite3_column_int64(base, 2)};
                memcpy(g.key, base_key, HISTORY_KEY_BYTES);
                rc = push((void **)&km->gone, &km->gone_len, &km->gone_cap, sizeof g, &g);
            }
            have_base = sqlite3_step(base);
            continue;
        }
        int base_status = HKEY_NONE;
        uint32_t base_page = 0;
        if (cmp == 0) {
            base_status = sqlite3_column_int(base, 1);
            base_page = (uint32_t)sqlite3_column_int64(base, 2);
            have_base = sqlite3_step(base);
        }
        /* cur is the first report of its key; later ones lose their records */
        while (rc == 0 && (have_cur = hsort_merge_next(merge, &next)) == 1 &&
               memcmp(next.key, cur.key, HISTORY_KEY_BYTES) == 0) {
            dup_key d = {.first_page = cur.page, .page = next.page};
            memcpy(d.key, cur.key, HISTORY_KEY_BYTES);
            rc = push((void **)&km->dups, &km->dups_len, &km->dups_cap, sizeof d, &d);
        }
        int delta = base_status == cur.status ? HDELTA_OPEN : HDELTA_NEW;
        if (cur.status == HKEY_FAIL)
            delta == HDELTA_OPEN ? h->open_count++ : h->new_count++;
        else
            h->error_count++;
        if (base_status == HKEY_FAIL && cur.status != HKEY_FAIL) {
            gone_key g = {.base_page = base_page,
                          .page = cur.page,
                          .status = cur.status,
                          .delta = (uint8_t)delta};
            memcpy(g.key, cur.key, HISTORY_KEY_BYTES);
            if (rc == 0)
                rc = push((void **)&km->gone, &km->gone_len, &km->gone_cap, sizeof g, &g);
        } else if (rc == 0) {
            rc = batch_key(kb, insert, h->seq, cur.key, cur.status, delta, cur.page);
            if (rc != 0)
                sql_fail(h, err, "recording the run's keys");
        }
        if (have_cur == 1)
            cur = next;
    }
    if (rc == 0 && have_cur < 0)
        rc = sql_fail(h, err, "reading the run's keys back");
    if (rc == 0 && have_base != SQLITE_DONE)
        rc = sql_fail(h, err, "reading the baseline run");
    if (rc == 0 && batch_flush(kb, insert, h->seq) != 0)
        rc = sql_fail(h, err, "recording the run's keys");
    if (rc != 0 && !err->text[0])
        diag_set(err, "out of memory merging the run's keys");
    sqlite3_finalize(base);
    sqlite3_finalize(kb->multi);
    free(kb);
    hsort_merge_close(merge);
    return rc;
}

static int compare_gone(const void *key, const void *item)
{
    return memcmp(key, ((const gone_key *)item)->key, HISTORY_KEY_BYTES);
}

/*
 * Resolve (or, when `partial`, carry) the baseline's fail findings this run did not report as
 * fail (km->gone, in key order): read the baseline's pages that hold them, one at a time, and
 * insert their rows.
 */
static int settle_gone(history *h, key_merge *km, sqlite3_stmt *insert, bool partial,
                       void (*resolved)(void *, const json_t *), void *ud, diag *err)
{
    if (km->gone_len == 0)
        return 0;
    uint32_t max_page = 0;
    for (size_t i = 0; i < km->gone_len; i++)
        if (km->gone[i].base_page > max_page)
            max_page = km->gone[i].base_page;
    unsigned char *pages = calloc((size_t)max_page / 8 + 1, 1);
    if (!pages) {
        diag_set(err, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < km->gone_len; i++)
        pages[km->gone[i].base_page / 8] |= (unsigned char)(1u << (km->gone[i].base_page % 8));
    int kind = partial ? HPAGE_CARRIED : HPAGE_RESOLVED;
    sqlite3_stmt *stmt = NULL;
    int rc = 0;
    if (prepare(h, &stmt,
                "SELECT page, raw_size, body FROM history_pages WHERE seq = ? AND kind IN (1, 3) "
                "ORDER BY page") != 0) {
        free(pages);
        return sql_fail(h, err, "reading the baseline run");
    }
    sqlite3_bind_int64(stmt, 1, h->base_seq);
    json_t *templates = hrules_load(h->st, h->base_seq);
    if (!templates) {
        sqlite3_finalize(stmt);
        free(pages);
        return sql_fail(h, err, "reading the baseline run");
    }
    int step;
    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        sqlite3_int64 page = sqlite3_column_int64(stmt, 0);
        if (page < 0 || page > max_page || !(pages[page / 8] & (1u << (page % 8))))
            continue;
        char *raw = NULL;
        size_t raw_len = (size_t)sqlite3_column_int64(stmt, 1);
        if (hpage_uncompress(sqlite3_column_blob(stmt, 2), (size_t)sqlite3_column_bytes(stmt, 2),
                             raw_len, &raw) != 0) {
            log_msg(FWK_LOG_WARN, "history",
                    "%s: page %lld of the baseline run does not read back; its findings are "
                    "neither resolved nor carried",
                    state_file(h->st), (long long)page);
            continue;
        }
        size_t pos = 0;
        hpage_record rec;
        while (rc == 0 && hpage_next(raw, raw_len, &pos, &rec) == 1) {
            gone_key *g = bsearch(rec.key, km->gone, km->gone_len, sizeof *km->gone, compare_gone);
            if (!g || g->settled || g->base_page != (uint32_t)page)
                continue;
            uint32_t at = 0;
            /* read back whole, then kept against this run's templates */
            json_t *finding = hrecord_read(&rec, templates, NULL);
            if (!finding)
                continue;
            if (!partial) {
                json_object_set_new(finding, "status", json_string("pass"));
                json_object_set_new(finding, "delta", json_string("resolved"));
                if (resolved)
                    resolved(ud, finding);
                h->resolved_count++;
            }
            g->settled = 1;
            rc = add_record(h, g->key, kind, rec.fingerprint, finding, &at, err);
            json_decref(finding);
            if (rc == 0 &&
                (partial ? insert_key(insert, h->seq, g->key, HKEY_FAIL, HDELTA_OPEN, false, at)
                         : insert_key(insert, h->seq, g->key, HKEY_RESOLVED, HDELTA_RESOLVED, true,
                                      at)) != 0)
                rc = sql_fail(h, err, "recording the run's keys");
        }
        free(raw);
    }
    sqlite3_finalize(stmt);
    json_decref(templates);
    free(pages);
    if (rc == 0 && step != SQLITE_DONE)
        return sql_fail(h, err, "reading the baseline run");
    if (rc == 0)
        rc = flush_page(h, kind, err);
    /* a gone finding whose record did not read back keeps what this run said of it */
    for (size_t i = 0; rc == 0 && i < km->gone_len; i++) {
        const gone_key *g = &km->gone[i];
        if (!g->settled && g->status != HKEY_NONE &&
            insert_key(insert, h->seq, g->key, g->status, g->delta, true, g->page) != 0)
            rc = sql_fail(h, err, "recording the run's keys");
    }
    return rc;
}

static int compare_dup(const void *a, const void *b)
{
    const dup_key *x = a, *y = b;
    return x->page < y->page ? -1 : x->page > y->page;
}

static int compare_dup_key_order(const void *a, const void *b)
{
    return memcmp(((const dup_key *)a)->key, ((const dup_key *)b)->key, HISTORY_KEY_BYTES);
}

static int compare_dup_key(const void *key, const void *item)
{
    return memcmp(key, ((const dup_key *)item)->key, HISTORY_KEY_BYTES);
}

/*
 * Drop the records of keys this run reported more than once from every page but the first
 * report's (and there, all but the first record): the pages hold each key once, as the
 * cursors and the next run's resolve expect. Only the pages concerned are rewritten.
 */
static int drop_duplicates(history *h, key_merge *km, diag *err)
{
    if (km->dups_len == 0)
        return 0;
    /* the pages to rewrite, each once */
    uint32_t *pages = malloc(km->dups_len * sizeof *pages);
    if (!pages) {
        diag_set(err, "out of memory");
        return -1;
    }
    qsort(km->dups, km->dups_len, sizeof *km->dups, compare_dup);
    size_t page_count = 0;
    for (size_t i = 0; i < km->dups_len; i++)
        if (page_count == 0 || pages[page_count - 1] != km->dups[i].page)
            pages[page_count++] = km->dups[i].page;
    /* then one entry per key, in key order, for lookups */
    qsort(km->dups, km->dups_len, sizeof *km->dups, compare_dup_key_order);
    size_t keys = 0;
    for (size_t i = 0; i < km->dups_len; i++)
        if (keys == 0 || memcmp(km->dups[keys - 1].key, km->dups[i].key, HISTORY_KEY_BYTES) != 0)
            km->dups[keys++] = km->dups[i];
    km->dups_len = keys;
    sqlite3_stmt *read = NULL, *update = NULL;
    int rc = prepare(h, &read, "SELECT kind, raw_size, body FROM history_tmp.pages WHERE page = ?");
    if (rc == 0)
        rc = prepare(h, &update,
                     "UPDATE history_tmp.pages SET raw_size = ?, body = ? WHERE page = ?");
    if (rc != 0)
        sql_fail(h, err, "rewriting the run's findings");
    for (size_t p = 0; rc == 0 && p < page_count; p++) {
        sqlite3_reset(read);
        sqlite3_bind_int64(read, 1, pages[p]);
        if (sqlite3_step(read) != SQLITE_ROW) {
            rc = sql_fail(h, err, "rewriting the run's findings");
            break;
        }
        char *raw = NULL;
        size_t raw_len = (size_t)sqlite3_column_int64(read, 1);
        if (hpage_uncompress(sqlite3_column_blob(read, 2), (size_t)sqlite3_column_bytes(read, 2),
                             raw_len, &raw) != 0) {
            diag_set(err, "%s: a page of this run's findings does not read back",
                     state_file(h->st));
            rc = -1;
            break;
        }
        fwkx_buf kept = FWKX_BUF_INIT;
        size_t pos = 0, start = 0;
        hpage_record rec;
        int got;
        while ((got = hpage_next(raw, raw_len, &pos, &rec)) == 1) {
            dup_key *d =
                bsearch(rec.key, km->dups, km->dups_len, sizeof *km->dups, compare_dup_key);
            /* a doubled key keeps its first record on its first report's page */
            bool keep = !d || (d->first_page == pages[p] && d->kept_on != pages[p] + 1);
            if (d && keep)
                d->kept_on = pages[p] + 1;
            if (keep && fwkx_buf_add(&kept, raw + start, pos - start) != 0)
                got = -2;
            if (got == -2)
                break;
            start = pos;
        }
        unsigned char *blob = NULL;
        size_t blob_len = 0;
        if (got != 0 ||
            hpage_compress(kept.data ? kept.data : "", kept.len, &blob, &blob_len) != 0) {
            diag_set(err, got == -1 ? "a page of this run's findings is damaged" : "out of memory");
            rc = -1;
        } else {
            sqlite3_reset(update);
            sqlite3_bind_int64(update, 1, (sqlite3_int64)kept.len);
            sqlite3_bind_blob64(update, 2, blob, blob_len, SQLITE_STATIC);
            sqlite3_bind_int64(update, 3, pages[p]);
            if (sqlite3_step(update) != SQLITE_DONE)
                rc = sql_fail(h, err, "rewriting the run's findings");
        }
        free(blob);
        fwkx_buf_free(&kept);
        free(raw);
    }
    sqlite3_finalize(read);
    sqlite3_finalize(update);
    free(pages);
    return rc;
}

static int update_counts(history *h)
{
    sqlite3_stmt *stmt = NULL;
    if (prepare(h, &stmt,
                "UPDATE history_runs SET new_count = ?, open_count = ?, resolved_count = ?, "
                "error_count = ? WHERE seq = ?") != 0)
        return -1;
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)h->new_count);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)h->open_count);
    sqlite3_bind_int64(stmt, 3, (sqlite3_int64)h->resolved_count);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)h->error_count);
    sqlite3_bind_int64(stmt, 5, h->seq);
    int rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(stmt);
    return rc;
}

/* The run's row, keys and pages, the resolved findings, and the pruning, in one
   transaction. */
static int record(history *h, bool partial, void (*resolved)(void *, const json_t *), void *ud,
                  diag *err)
{
    if (state_begin(h->st, err) != 0)
        return -1;
    sqlite3_stmt *insert = NULL, *copy = NULL;
    key_merge km = {0};
    int rc = prune(h, false);
    if (rc == 0)
        rc = insert_run(h, partial);
    if (rc == 0)
        rc = prepare(h, &insert,
                     "INSERT INTO history_keys (seq, fp, status, delta, reported, page) VALUES "
                     "(?, ?, ?, ?, ?, ?)");
    if (rc != 0)
        sql_fail(h, err, "recording the run");
    if (rc == 0)
        rc = merge_keys(h, insert, &km, err);
    if (rc == 0)
        rc = settle_gone(h, &km, insert, partial, resolved, ud, err);
    if (rc == 0)
        rc = drop_duplicates(h, &km, err);
    if (rc == 0 && hrules_store(h->rules, h->st, h->seq) != 0)
        rc = sql_fail(h, err, "recording the run's rule templates");
    key_merge_free(&km);
    sqlite3_finalize(insert);
    if (rc == 0) {
        rc = prepare(h, &copy,
                     "INSERT INTO history_pages (seq, page, kind, raw_size, body) SELECT ?, page, "
                     "kind, raw_size, body FROM history_tmp.pages");
        if (rc == 0) {
            sqlite3_bind_int64(copy, 1, h->seq);
            rc = sqlite3_step(copy) == SQLITE_DONE ? 0 : -1;
        }
        sqlite3_finalize(copy);
        if (rc == 0)
            rc = update_counts(h);
        if (rc == 0)
            rc = prune(h, true);
        if (rc != 0)
            diag_set(err, "%s: recording run %s of chain '%s' failed: %s", state_file(h->st),
                     h->run_id, h->key, sqlite3_errmsg(state_db(h->st)));
    }
    if (rc != 0) {
        state_rollback(h->st);
        return -1;
    }
    return state_commit_big(h->st, err);
}

int history_chain_end(history *h, bool partial, void (*resolved)(void *ud, const json_t *finding),
                      void *ud, diag *err)
{
    if (!h || !h->begun || h->ended)
        return 0;
    h->ended = true; /* no more marks: the workers are done */
    hbase_free(&h->base);
    int rc = 0;
    if (h->write_error) {
        diag_set(err, "%s: %s; this run is not recorded", state_file(h->st), h->write_error);
        rc = -1;
    }
    /* what each marking thread still holds (they are all done) */
    for (hwriter *w = h->writers; rc == 0 && w; w = w->next) {
        if (writer_flush(h, w, HPAGE_FAILS) != 0 ||
            (w->chunk_len && write_run(h, w->chunk, w->chunk_len) != 0))
            rc = sql_fail(h, err,
                          "writing the run's findings to a temporary file (is TMPDIR "
                          "full?)");
        w->chunk_len = 0;
    }
    if (rc == 0)
        rc = record(h, partial, resolved, ud, err);
    /* history_tmp is emptied by the next chain's begin, or goes with the connection (deleting
       a million rows here took a tenth of the chain's end) */
    if (rc != 0)
        h->seq = 0;
    return rc;
}

json_t *history_chain_counts(const history *h)
{
    return json_pack("{s:I, s:I, s:I}", "new", (json_int_t)(h ? h->new_count : 0), "open",
                     (json_int_t)(h ? h->open_count : 0), "resolved",
                     (json_int_t)(h ? h->resolved_count : 0));
}

int history_cursor_open(history *h, unsigned what, history_cursor **out, diag *err)
{
    *out = NULL;
    if (!h || !h->ended || h->seq == 0) {
        diag_set(err, "the chain's findings were not recorded (see the history failure above)");
        return -1;
    }
    history_cursor *c = calloc(1, sizeof *c);
    if (!c) {
        diag_set(err, "out of memory");
        return -1;
    }
    c->h = h;
    c->templates = hrules_load(h->st, h->seq);
    if (!c->templates) {
        free(c);
        return sql_fail(h, err, "reading the run's findings");
    }
    if (prepare(h, &c->stmt,
                "SELECT raw_size, body FROM history_pages WHERE seq = ? AND (kind = ? OR kind = ?) "
                "ORDER BY kind, page") != 0) {
        json_decref(c->templates);
        free(c);
        return sql_fail(h, err, "reading the run's findings");
    }
    sqlite3_bind_int64(c->stmt, 1, h->seq);
    sqlite3_bind_int(c->stmt, 2, (what & HISTORY_FAILS) ? HPAGE_FAILS : -1);
    sqlite3_bind_int(c->stmt, 3, (what & HISTORY_RESOLVED) ? HPAGE_RESOLVED : -1);
    *out = c;
    return 0;
}

json_t *history_cursor_next(history_cursor *c, diag *err)
{
    for (;;) {
        hpage_record rec;
        int got = c->raw ? hpage_next(c->raw, c->raw_len, &c->pos, &rec) : 0;
        if (got == 1) {
            json_error_t jerr;
            json_t *finding = hrecord_read(&rec, c->templates, &jerr);
            if (!finding)
                diag_set(err, "%s: a recorded finding does not read back: %s", state_file(c->h->st),
                         jerr.text);
            else if (strcmp(fwkx_str(finding, "status", ""), "error") == 0) {
                /* error findings share the fail pages; the cursor hands out fails only */
                json_decref(finding);
                continue;
            }
            return finding;
        }
        free(c->raw);
        c->raw = NULL;
        if (got < 0) {
            diag_set(err, "%s: a page of recorded findings is damaged", state_file(c->h->st));
            return NULL;
        }
        int step = sqlite3_step(c->stmt);
        if (step == SQLITE_DONE)
            return NULL;
        if (step != SQLITE_ROW) {
            sql_fail(c->h, err, "reading the run's findings");
            return NULL;
        }
        c->raw_len = (size_t)sqlite3_column_int64(c->stmt, 0);
        c->pos = 0;
        if (hpage_uncompress(sqlite3_column_blob(c->stmt, 1),
                             (size_t)sqlite3_column_bytes(c->stmt, 1), c->raw_len, &c->raw) != 0) {
            diag_set(err, "%s: a page of recorded findings is damaged", state_file(c->h->st));
            return NULL;
        }
    }
}

void history_cursor_close(history_cursor *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->stmt);
    json_decref(c->templates);
    free(c->raw);
    free(c);
}
