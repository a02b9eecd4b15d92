/* test_history_keys.c: the keys history keeps out of memory: the run's keys sorted in runs on
   disk and merged back (history_sort.c), the baseline's keys looked up by prefix
   (history_keys.c), and rule templates (history_rules.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history_internal.h"

/* A key from a number: its bytes spread over the whole key, as a hash's are. */
static void key_of(uint32_t n, uint8_t key[HISTORY_KEY_BYTES])
{
    uint64_t x = n * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
    for (int i = 0; i < HISTORY_KEY_BYTES; i++) {
        x ^= x >> 29;
        x *= 0xbf58476d1ce4e5b9ull;
        key[i] = (uint8_t)(x >> 56);
    }
}

static sqlite3 *tmp_db(sqlite3_stmt **insert)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "ATTACH DATABASE '' AS history_tmp;"
                                  "CREATE TABLE history_tmp.keyruns (run INTEGER PRIMARY KEY, "
                                  "body BLOB NOT NULL);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO history_tmp.keyruns (body) VALUES (?)", -1,
                                        insert, NULL),
                     SQLITE_OK);
    return db;
}

/* Records of three runs (one empty) come back in (key, page) order, every one of them,
   duplicates included: the first report of a key first. */
static void test_runs_merge_in_key_then_page_order(void **state)
{
    (void)state;
    sqlite3_stmt *insert = NULL;
    sqlite3 *db = tmp_db(&insert);
    enum {
        PER_RUN = 5000,
        RUNS = 3
    };
    hsort_rec *recs = calloc(PER_RUN, sizeof *recs);
    assert_non_null(recs);
    size_t total = 0;
    for (uint32_t run = 0; run < RUNS; run++) {
        size_t n = run == 1 ? 0 : PER_RUN;
        for (size_t i = 0; i < n; i++) {
            /* keys 0..6999: the two runs share 3000 keys, and each run repeats some */
            uint32_t number = (uint32_t)(run == 0 ? i : i + 2000) % 7000;
            if (i % 97 == 0)
                number = (uint32_t)i / 2;
            memset(&recs[i], 0, sizeof recs[i]);
            key_of(number, recs[i].key);
            recs[i].page = run * 100 + (uint32_t)(i / 1000);
            recs[i].status = HKEY_FAIL;
        }
        assert_int_equal(hsort_write_run(insert, recs, n), 0);
        total += n;
    }
    hsort_merge *m = NULL;
    assert_int_equal(hsort_merge_open(db, &m), 0);
    hsort_rec prev, rec;
    size_t seen = 0;
    int got;
    while ((got = hsort_merge_next(m, &rec)) == 1) {
        if (seen > 0) {
            int cmp = memcmp(prev.key, rec.key, HISTORY_KEY_BYTES);
            assert_true(cmp < 0 || (cmp == 0 && prev.page <= rec.page));
        }
        prev = rec;
        seen++;
    }
    assert_int_equal(got, 0);
    assert_int_equal(seen, total);
    assert_int_equal(hsort_merge_next(m, &rec), 0);
    hsort_merge_close(m);
    free(recs);
    sqlite3_finalize(insert);
    sqlite3_close(db);
}

/* No run at all: the merge is empty. */
static void test_no_runs_merge_to_nothing(void **state)
{
    (void)state;
    sqlite3_stmt *insert = NULL;
    sqlite3 *db = tmp_db(&insert);
    hsort_merge *m = NULL;
    assert_int_equal(hsort_merge_open(db, &m), 0);
    hsort_rec rec;
    assert_int_equal(hsort_merge_next(m, &rec), 0);
    hsort_merge_close(m);
    sqlite3_finalize(insert);
    sqlite3_close(db);
}

/* A state file at a fresh name made from `path` (a mkstemp template, rewritten), with
   `schema` run in it. */
static state_store *temp_state(char *path, const char *schema)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    state_store *st = NULL;
    diag err = {{0}};
    assert_int_equal(state_open(path, &st, &err), 0);
    assert_int_equal(state_exec(st, schema, &err), 0);
    return st;
}

/* The baseline set answers by status: a fail key is not an error key, absent keys (also
   ones sharing the first two bytes of a present key) are absent, and rows whose key is not
   16 bytes are ignored. */
static void test_baseline_lookup_by_status(void **state)
{
    (void)state;
    char path[] = "/tmp/fawkes-hbase-XXXXXX";
    state_store *st =
        temp_state(path, "CREATE TABLE history_keys (seq INTEGER NOT NULL, fp BLOB NOT "
                         "NULL, status INTEGER NOT NULL, delta INTEGER NOT NULL, reported "
                         "INTEGER NOT NULL, page INTEGER NOT NULL, PRIMARY KEY (seq, fp)) "
                         "WITHOUT ROWID;");
    diag err = {{0}};
    sqlite3_stmt *ins = NULL;
    assert_int_equal(sqlite3_prepare_v2(state_db(st),
                                        "INSERT INTO history_keys VALUES (?, ?, ?, 0, 1, 0)", -1,
                                        &ins, NULL),
                     SQLITE_OK);
    enum {
        KEYS = 20000
    };
    uint8_t key[HISTORY_KEY_BYTES];
    for (uint32_t i = 0; i < KEYS; i++) {
        key_of(i, key);
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, i % 2 == 0 ? 7 : 8); /* odd keys belong to another run */
        sqlite3_bind_blob(ins, 2, key, HISTORY_KEY_BYTES, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 3, i % 10 == 0 ? HKEY_ERROR : HKEY_FAIL);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
    }
    sqlite3_reset(ins);
    sqlite3_bind_int64(ins, 1, 7);
    sqlite3_bind_blob(ins, 2, "short", 5, SQLITE_STATIC);
    sqlite3_bind_int(ins, 3, HKEY_FAIL);
    assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_finalize(ins);

    hbase b = {0};
    assert_int_equal(hbase_load(&b, st, 7, &err), 0);
    assert_int_equal(b.fail.count + b.error.count, KEYS / 2);
    for (uint32_t i = 0; i < KEYS + 100; i++) {
        key_of(i, key);
        bool mine = i < KEYS && i % 2 == 0;
        bool error = i % 10 == 0;
        assert_int_equal(hbase_has(&b, HKEY_FAIL, key), mine && !error);
        assert_int_equal(hbase_has(&b, HKEY_ERROR, key), mine && error);
        assert_false(hbase_has(&b, HKEY_RESOLVED, key));
        key[HBASE_KEY_BYTES - 1] ^= 1; /* same bucket (first two bytes), another key */
        assert_false(hbase_has(&b, HKEY_FAIL, key));
    }
    hbase_free(&b);
    assert_false(hbase_has(&b, HKEY_FAIL, key));
    /* a run without keys */
    assert_int_equal(hbase_load(&b, st, 99, &err), 0);
    key_of(0, key);
    assert_false(hbase_has(&b, HKEY_FAIL, key));
    hbase_free(&b);
    state_close(st);
    unlink(path);
}

/* A rule's second finding leaves out what its first made the template of, keeps what
   differs, and reads back equal to itself through the stored templates; a record naming a
   template that is not stored does not read back. */
static void test_rule_templates_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/fawkes-hrules-XXXXXX";
    state_store *st =
        temp_state(path, "CREATE TABLE history_rules (seq INTEGER NOT NULL, id INTEGER NOT "
                         "NULL, body TEXT NOT NULL, PRIMARY KEY (seq, id)) WITHOUT ROWID;");
    hrules *r = hrules_new();
    assert_non_null(r);
    json_t *first =
        json_loads("{\"rule\": \"p.r\", \"source\": \"policy\", \"severity\": \"high\", "
                   "\"title\": \"T\", \"remediation\": \"Fix it.\", \"compliance\": "
                   "[\"CIS-1\"], \"message\": \"one\"}",
                   0, NULL);
    json_t *second =
        json_loads("{\"rule\": \"p.r\", \"source\": \"policy\", \"severity\": \"low\", "
                   "\"title\": \"T\", \"remediation\": \"Fix it.\", \"compliance\": "
                   "[\"CIS-1\"], \"message\": \"two\"}",
                   0, NULL);
    json_t *other =
        json_loads("{\"rule\": \"q\", \"source\": \"policy\", \"title\": \"T\"}", 0, NULL);
    json_object_set_new(first, "decision",
                        json_loads("{\"effect\": \"deny\", \"title\": \"T\"}", 0, NULL));
    hslim decision;
    hslim_of(first, &decision);
    assert_int_equal(decision.shared, 1u << 2); /* the title, as the finding's */
    int id = -1, id2 = -1, id3 = -1;
    unsigned omit1 = hrules_match(r, NULL, first, &decision, &id);
    hrules_cache cache = {0};
    unsigned omit2 = hrules_match(r, &cache, second, NULL, &id2);
    hrules_match(r, &cache, other, NULL, &id3);
    /* again, from the cache: the same answers */
    int again = -1;
    assert_int_equal(hrules_match(r, &cache, second, NULL, &again), omit2);
    assert_int_equal(again, id2);
    hrules_cache_free(&cache);
    assert_int_equal(id, 0);
    assert_int_equal(id2, 0);
    assert_int_equal(id3, 1);
    assert_int_equal(omit1, 0x3f); /* all six, the decision too */
    assert_int_equal(omit2, 0x1d); /* all but severity (and no decision) */
    /* the record as a page keeps it, and read back */
    fwkx_buf text = FWKX_BUF_INIT;
    assert_int_equal(hrecord_write(&text, second, false, NULL, id2, omit2), 0);
    json_t *record = json_loads(fwkx_buf_str(&text), 0, NULL);
    assert_non_null(record);
    assert_null(json_object_get(record, "title"));
    assert_string_equal(json_string_value(json_object_get(record, "severity")), "low");
    assert_int_equal(hrules_store(r, st, 5), 0);
    json_t *templates = hrules_load(st, 5);
    assert_int_equal(json_array_size(templates), 2);
    assert_int_equal(hrules_restore(record, templates), 0);
    assert_true(json_equal(record, second));
    /* the first finding: all of it in the template, its decision slim there */
    text.len = 0;
    assert_int_equal(hrecord_write(&text, first, false, &decision, id, omit1), 0);
    hpage_record rec = {.json = text.data, .len = text.len};
    json_t *back = hrecord_read(&rec, templates, NULL);
    assert_non_null(back);
    assert_true(json_equal(back, first));
    assert_null(json_object_get(back, "~rule"));
    json_decref(back);
    fwkx_buf_free(&text);
    /* a template the run did not store */
    json_t *stray = json_pack("{s:s, s:[i, i]}", "rule", "p.r", HRULES_KEY, 7, 4);
    assert_int_equal(hrules_restore(stray, templates), -1);
    json_t *none = hrules_load(st, 6);
    assert_int_equal(json_array_size(none), 0);
    json_decref(none);
    json_decref(stray);
    json_decref(templates);
    json_decref(record);
    json_decref(first);
    json_decref(second);
    json_decref(other);
    hrules_free(r);
    state_close(st);
    unlink(path);
}

/* state_commit_big: what it commits is there at once for another connection; the log is
   copied into the file by a thread, and state_close leaves the file whole, its log gone. */
static void test_big_commit_checkpoints_on_a_thread(void **state)
{
    (void)state;
    char path[] = "/tmp/fawkes-bigcommit-XXXXXX";
    state_store *st = temp_state(path, "CREATE TABLE pages (n INTEGER PRIMARY KEY, body BLOB)");
    diag err = {{0}};
    for (int round = 0; round < 2; round++) {
        assert_int_equal(state_begin(st, &err), 0);
        /* 12 MB: three times what makes a plain COMMIT copy the log */
        assert_int_equal(state_exec(st,
                                    "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM "
                                    "k WHERE i < 3000) INSERT INTO pages (body) SELECT "
                                    "randomblob(4096) FROM k",
                                    &err),
                         0);
        assert_int_equal(state_commit_big(st, &err), 0);
        sqlite3 *other = NULL;
        assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
        sqlite3_stmt *count = NULL;
        assert_int_equal(sqlite3_prepare_v2(other, "SELECT count(*) FROM pages", -1, &count, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(count), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(count, 0), 3000 * (round + 1));
        sqlite3_finalize(count);
        sqlite3_close(other);
    }
    /* a plain commit after it still works (the autocheckpoint is back) */
    assert_int_equal(state_exec(st, "INSERT INTO pages (body) VALUES (x'00')", &err), 0);
    state_close(st);
    char wal[sizeof path + 8];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat info;
    assert_true(stat(wal, &info) != 0 || info.st_size == 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *check = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(check), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(check, 0), "ok");
    sqlite3_finalize(check);
    sqlite3_close(db);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_merge_in_key_then_page_order),
        cmocka_unit_test(test_no_runs_merge_to_nothing),
        cmocka_unit_test(test_baseline_lookup_by_status),
        cmocka_unit_test(test_rule_templates_round_trip),
        cmocka_unit_test(test_big_commit_checkpoints_on_a_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
