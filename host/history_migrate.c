/* history_migrate.c: upgrade a state file written before the run history kept keys and
   pages. Such a file holds history_findings, one JSON row per finding of every run kept; each
   chain's newest run becomes its baseline in history_keys and history_pages, the older runs
   stay in history_runs without keys, and history_findings is dropped, in one transaction. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "history_internal.h"
#include "log.h"

/* The run being converted: its seq, the page being filled and the statements. */
typedef struct migration {
    state_store *st;
    sqlite3_int64 seq;
    fwkx_buf page;
    uint32_t next_page;
    size_t findings, chains;
    bool out_of_memory;
    sqlite3_stmt *rows, *key, *page_insert;
} migration;

/* 1 when the state file has the old table, 0 when not, -1 (err set) when it cannot tell. */
static int old_table_present(state_store *st, diag *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(st),
                           "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = "
                           "'history_findings'",
                           -1, &stmt, NULL) != SQLITE_OK) {
        diag_set(err, "%s: reading the history tables: %s", state_file(st),
                 sqlite3_errmsg(state_db(st)));
        return -1;
    }
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    diag_set(err, "%s: reading the history tables: %s", state_file(st),
             sqlite3_errmsg(state_db(st)));
    return -1;
}

/* Compress the page being filled (when not empty) and store it as page `next_page` of `kind`. */
static int flush_page(migration *m, int kind)
{
    if (m->page.len == 0)
        return 0;
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    if (hpage_compress(m->page.data, m->page.len, &blob, &blob_len) != 0) {
        m->out_of_memory = true;
        return -1;
    }
    sqlite3_reset(m->page_insert);
    sqlite3_bind_int64(m->page_insert, 1, m->seq);
    sqlite3_bind_int64(m->page_insert, 2, m->next_page);
    sqlite3_bind_int(m->page_insert, 3, kind);
    sqlite3_bind_int64(m->page_insert, 4, (sqlite3_int64)m->page.len);
    sqlite3_bind_blob64(m->page_insert, 5, blob, blob_len, SQLITE_STATIC);
    int rc = sqlite3_step(m->page_insert) == SQLITE_DONE ? 0 : -1;
    sqlite3_clear_bindings(m->page_insert);
    free(blob);
    m->next_page++;
    m->page.len = 0;
    return rc;
}

/* The finding's JSON as a page keeps it: the fingerprint in the record's header when it
   packs there (and left out of the JSON), else in the JSON. New string, or NULL when the
   row does not read (it is left out, as the old reader treated it as absent). */
static char *record_text(const char *fingerprint, const char *json)
{
    json_t *finding = json_loads(json, 0, NULL);
    if (!json_is_object(finding)) {
        json_decref(finding);
        return NULL;
    }
    if (hpage_packs_fingerprint(fingerprint))
        json_object_del(finding, "fingerprint");
    else
        json_object_set_new(finding, "fingerprint", json_string(fingerprint));
    char *text = json_dumps(finding, JSON_COMPACT);
    json_decref(finding);
    return text;
}

/* Convert the run's fail and error rows that were reported (or, when !reported, carried
   over from an earlier run by a partial run) into keys and pages of `kind`. */
static int convert_rows(migration *m, const char *run_id, const char *chain, int reported, int kind)
{
    sqlite3_reset(m->rows);
    sqlite3_bind_text(m->rows, 1, run_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(m->rows, 2, chain, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(m->rows, 3, reported);
    int step;
    while ((step = sqlite3_step(m->rows)) == SQLITE_ROW) {
        const char *fingerprint = (const char *)sqlite3_column_text(m->rows, 0);
        const char *status = (const char *)sqlite3_column_text(m->rows, 1);
        const char *delta = (const char *)sqlite3_column_text(m->rows, 2);
        const char *json = (const char *)sqlite3_column_text(m->rows, 3);
        if (!fingerprint || !status || !delta || !json)
            continue;
        char *text = record_text(fingerprint, json);
        if (!text)
            continue;
        uint8_t key[HISTORY_KEY_BYTES];
        hkey_of(fingerprint, key);
        int rc = hpage_add(&m->page, key, fingerprint, text, strlen(text));
        free(text);
        if (rc != 0) {
            m->out_of_memory = true;
            return -1;
        }
        sqlite3_reset(m->key);
        sqlite3_bind_int64(m->key, 1, m->seq);
        sqlite3_bind_blob(m->key, 2, key, HISTORY_KEY_BYTES, SQLITE_TRANSIENT);
        sqlite3_bind_int(m->key, 3, strcmp(status, "fail") == 0 ? HKEY_FAIL : HKEY_ERROR);
        sqlite3_bind_int(m->key, 4, strcmp(delta, "open") == 0 ? HDELTA_OPEN : HDELTA_NEW);
        sqlite3_bind_int(m->key, 5, reported);
        sqlite3_bind_int64(m->key, 6, m->next_page);
        if (sqlite3_step(m->key) != SQLITE_DONE)
            return -1;
        m->findings++;
        if (m->page.len >= HPAGE_RAW_BYTES && flush_page(m, kind) != 0)
            return -1;
    }
    if (step != SQLITE_DONE)
        return -1;
    return flush_page(m, kind);
}

/* Does run `seq` have keys or pages already (written by this version)? 1, 0, or -1. */
static int run_converted(migration *m)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(m->st),
                           "SELECT 1 FROM history_keys WHERE seq = ?1 UNION ALL SELECT 1 FROM "
                           "history_pages WHERE seq = ?1 LIMIT 1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(stmt, 1, m->seq);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Every chain's newest run: its fail and error findings as keys and pages. */
static int convert(migration *m)
{
    sqlite3 *db = state_db(m->st);
    sqlite3_stmt *runs = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, run_id, chain FROM history_runs r WHERE seq = (SELECT "
                           "max(seq) FROM history_runs WHERE chain = r.chain) ORDER BY seq",
                           -1, &runs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT fingerprint, status, delta, finding FROM history_findings WHERE "
                           "run_id = ? AND chain = ? AND reported = ? AND status IN ('fail', "
                           "'error')",
                           -1, &m->rows, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO history_keys (seq, fp, status, delta, reported, "
                           "page) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &m->key, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO history_pages (seq, page, kind, raw_size, body) VALUES "
                           "(?, ?, ?, ?, ?)",
                           -1, &m->page_insert, NULL) != SQLITE_OK) {
        sqlite3_finalize(runs);
        return -1;
    }
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(runs)) == SQLITE_ROW) {
        m->seq = sqlite3_column_int64(runs, 0);
        const char *run_id = (const char *)sqlite3_column_text(runs, 1);
        const char *chain = (const char *)sqlite3_column_text(runs, 2);
        int done = run_converted(m);
        if (done != 0) {
            rc = done < 0 ? -1 : 0;
            continue;
        }
        m->next_page = 0;
        m->chains++;
        /* as history_chain_end writes them: the reported findings' pages, then the carried */
        rc = convert_rows(m, run_id, chain, 1, HPAGE_FAILS);
        if (rc == 0)
            rc = convert_rows(m, run_id, chain, 0, HPAGE_CARRIED);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(runs);
    return rc;
}

int history_migrate(state_store *st, diag *err)
{
    int present = old_table_present(st, err);
    if (present <= 0)
        return present;
    /* Another process may be upgrading the file at this moment: take the write lock, then
       look again (it finds the file upgraded once the other has committed). */
    if (state_begin(st, err) != 0)
        return -1;
    present = old_table_present(st, err);
    if (present <= 0) {
        state_rollback(st);
        return present;
    }
    migration m = {.st = st, .page = FWKX_BUF_INIT};
    int rc = convert(&m);
    sqlite3_finalize(m.rows);
    sqlite3_finalize(m.key);
    sqlite3_finalize(m.page_insert);
    fwkx_buf_free(&m.page);
    if (rc == 0 &&
        sqlite3_exec(state_db(st), "DROP TABLE history_findings", NULL, NULL, NULL) != SQLITE_OK)
        rc = -1;
    if (rc != 0) {
        diag_set(err,
                 "%s: upgrading the run history to this version's format failed: %s; the file "
                 "is left as it was (free disk space, or restore it from a backup)",
                 state_file(st), m.out_of_memory ? "out of memory" : sqlite3_errmsg(state_db(st)));
        state_rollback(st);
        return -1;
    }
    if (state_commit(st, err) != 0)
        return -1;
    log_msg(FWK_LOG_INFO, "history",
            "%s: upgraded the run history: the newest run of %zu chain(s) is the baseline, with "
            "%zu fail or error finding(s); older runs are kept without their findings",
            state_file(st), m.chains, m.findings);
    return 0;
}
