/* test_audit_state.c: the hash-chained audit log detects edits, reorders and deletions;
   the state file opens in WAL mode and refuses a non-SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"
#include "state.h"

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/fawkes-audit-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/audit.jsonl", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void append_n(const char *path, int n)
{
    diag err = {{0}};
    for (int i = 0; i < n; i++)
        assert_int_equal(
            audit_append(path, json_pack("{s:s, s:i}", "event", "action.planned", "n", i), &err),
            0);
}

static char **read_lines(const char *path, size_t *count)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char **lines = calloc(64, sizeof *lines);
    size_t cap = 0, n = 0;
    char *line = NULL;
    while (getline(&line, &cap, fp) > 0 && n < 64)
        lines[n++] = strdup(line);
    free(line);
    fclose(fp);
    *count = n;
    return lines;
}

static void write_lines(const char *path, char **lines, size_t count)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (size_t i = 0; i < count; i++)
        fputs(lines[i], fp);
    fclose(fp);
}

static void free_lines(char **lines, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(lines[i]);
    free(lines);
}

static const char *first_problem(json_t *report)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(report, "problems"), 0), "problem"));
}

static json_int_t first_line(json_t *report)
{
    return json_integer_value(
        json_object_get(json_array_get(json_object_get(report, "problems"), 0), "line"));
}

/* audit_verify finds the log tampered with; the first problem is at `line` (0: any) and
   says `problem` (NULL: anything). */
static void expect_tampered(const char *path, json_int_t line, const char *problem)
{
    json_t *report;
    diag err = {{0}};
    assert_int_equal(audit_verify(path, NULL, &report, &err), 1);
    if (line)
        assert_int_equal(first_line(report), line);
    if (problem)
        assert_non_null(strstr(first_problem(report), problem));
    json_decref(report);
}

static void intact_chain_verifies(void **state)
{
    fixture *f = *state;
    append_n(f->path, 5);
    json_t *report;
    diag err = {{0}};
    assert_int_equal(audit_verify(f->path, NULL, &report, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(report, "entries")), 5);
    assert_true(json_is_true(json_object_get(report, "ok")));
    json_decref(report);
    size_t n;
    char **lines = read_lines(f->path, &n);
    assert_non_null(strstr(lines[0], "\"prev\":\"0000000000"));
    assert_non_null(strstr(lines[4], "\"seq\":5"));
    free_lines(lines, n);
}

static void edited_entry_is_detected(void **state)
{
    fixture *f = *state;
    append_n(f->path, 4);
    size_t n;
    char **lines = read_lines(f->path, &n);
    char *at = strstr(lines[1], "\"n\":1");
    assert_non_null(at);
    at[4] = '7';
    write_lines(f->path, lines, n);
    free_lines(lines, n);
    expect_tampered(f->path, 2, "this line was edited");
}

static void reordered_entries_are_detected(void **state)
{
    fixture *f = *state;
    append_n(f->path, 4);
    size_t n;
    char **lines = read_lines(f->path, &n);
    char *tmp = lines[1];
    lines[1] = lines[2];
    lines[2] = tmp;
    write_lines(f->path, lines, n);
    free_lines(lines, n);
    expect_tampered(f->path, 2, "deleted or reordered");
}

static void deleted_entries_are_detected(void **state)
{
    fixture *f = *state;
    append_n(f->path, 4);
    size_t n;
    char **lines = read_lines(f->path, &n);
    /* one from the middle */
    free(lines[1]);
    memmove(&lines[1], &lines[2], (n - 2) * sizeof *lines);
    write_lines(f->path, lines, n - 1);
    expect_tampered(f->path, 2, NULL);
    /* only the last one: the chain holds, the head does not */
    free_lines(lines, n - 1);
    unlink(f->path);
    append_n(f->path, 3);
    lines = read_lines(f->path, &n);
    write_lines(f->path, lines, n - 1);
    free_lines(lines, n);
    expect_tampered(f->path, 0, "lines at the end were deleted");
}

static void secrets_never_reach_the_log(void **state)
{
    fixture *f = *state;
    log_add_secret("s3cr3t-token-value");
    diag err = {{0}};
    assert_int_equal(
        audit_append(f->path,
                     json_pack("{s:s, s:{s:s}}", "event", "provision.planned", "request",
                               "authorization", "bearer s3cr3t-token-value"),
                     &err),
        0);
    log_reset_secrets();
    size_t n;
    char **lines = read_lines(f->path, &n);
    assert_int_equal(n, 1);
    assert_null(strstr(lines[0], "s3cr3t"));
    free_lines(lines, n);
    json_t *report;
    assert_int_equal(audit_verify(f->path, NULL, &report, &err), 0);
    json_decref(report);
}

static void redaction_leaves_shared_strings_intact(void **state)
{
    (void)state;
    log_add_secret("hunter2-secret");
    json_t *shared = json_string("title mentions hunter2-secret");
    json_t *doc = json_pack("{s:O, s:[O]}", "title", shared, "list", shared);
    log_redact_json(doc);
    assert_string_equal(json_string_value(shared), "title mentions hunter2-secret");
    assert_null(strstr(json_string_value(json_object_get(doc, "title")), "hunter2"));
    assert_null(
        strstr(json_string_value(json_array_get(json_object_get(doc, "list"), 0)), "hunter2"));
    json_t *bare = json_string("hunter2-secret alone");
    log_redact_json(bare);
    assert_null(strstr(json_string_value(bare), "hunter2"));
    log_reset_secrets();
    json_decref(doc);
    json_decref(shared);
    json_decref(bare);
}

static void missing_log_is_an_error(void **state)
{
    fixture *f = *state;
    json_t *report;
    diag err = {{0}};
    assert_int_equal(audit_verify(f->path, NULL, &report, &err), -1);
    assert_non_null(strstr(err.text, "cannot read the audit log"));
}

static void state_opens_in_wal_mode(void **state)
{
    fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/state.db", f->dir);
    state_store *st;
    diag err = {{0}};
    assert_int_equal(state_open(path, &st, &err), 0);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(state_db(st), "PRAGMA journal_mode", -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
    sqlite3_finalize(stmt);
    assert_int_equal(state_exec(st, "CREATE TABLE IF NOT EXISTS t_x (a INTEGER)", &err), 0);
    assert_int_equal(state_begin(st, &err), 0);
    assert_int_equal(state_exec(st, "INSERT INTO t_x VALUES (1)", &err), 0);
    assert_int_equal(state_commit(st, &err), 0);
    assert_int_equal(state_exec(st, "SELEC nonsense", &err), -1);
    assert_non_null(strstr(err.text, path));
    state_close(st);
}

/* Many runs starting on the same fresh state file at once: every one opens
 * it (switching a new file to WAL races) and writes its row. */
static int open_and_write_in_child(const char *path, int start_fd)
{
    char go;
    if (read(start_fd, &go, 1) != 1)
        return 10;
    state_store *st;
    diag err = {{0}};
    if (state_open(path, &st, &err) != 0) {
        fprintf(stderr, "child %d: %s\n", (int)getpid(), err.text);
        return 11;
    }
    int rc = state_exec(st, "CREATE TABLE IF NOT EXISTS runs (pid INTEGER)", &err) != 0 ||
             state_begin(st, &err) != 0 ||
             state_exec(st, "INSERT INTO runs VALUES (1)", &err) != 0 ||
             state_commit(st, &err) != 0;
    if (rc)
        fprintf(stderr, "child %d: %s\n", (int)getpid(), err.text);
    state_close(st);
    return rc ? 12 : 0;
}

static void concurrent_first_opens_all_succeed(void **state)
{
    fixture *f = *state;
    enum {
        ROUNDS = 12,
        CHILDREN = 12
    };
    for (int round = 0; round < ROUNDS; round++) {
        char path[160];
        snprintf(path, sizeof path, "%s/race%d.db", f->dir, round);
        int start[2];
        assert_int_equal(pipe(start), 0);
        pid_t pids[CHILDREN];
        for (int i = 0; i < CHILDREN; i++) {
            pids[i] = fork();
            assert_true(pids[i] >= 0);
            if (pids[i] == 0) {
                close(start[1]);
                _exit(open_and_write_in_child(path, start[0]));
            }
        }
        close(start[0]);
        char go[CHILDREN] = {0};
        assert_int_equal(write(start[1], go, sizeof go), (ssize_t)sizeof go);
        close(start[1]);
        for (int i = 0; i < CHILDREN; i++) {
            int status = 0;
            assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
            assert_true(WIFEXITED(status));
            assert_int_equal(WEXITSTATUS(status), 0);
        }
        state_store *st;
        diag err = {{0}};
        assert_int_equal(state_open(path, &st, &err), 0);
        sqlite3_stmt *stmt;
        assert_int_equal(
            sqlite3_prepare_v2(state_db(st), "SELECT count(*) FROM runs", -1, &stmt, NULL),
            SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(stmt, 0), CHILDREN);
        sqlite3_finalize(stmt);
        state_close(st);
    }
}

static void state_refuses_a_non_sqlite_file(void **state)
{
    fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/notes.txt", f->dir);
    FILE *fp = fopen(path, "w");
    fputs("these are my notes, not a database\n", fp);
    fclose(fp);
    state_store *st;
    diag err = {{0}};
    assert_int_equal(state_open(path, &st, &err), -1);
    assert_null(st);
    assert_non_null(strstr(err.text, "notes.txt"));
    assert_non_null(strstr(err.text, "state"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(intact_chain_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(edited_entry_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(reordered_entries_are_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(deleted_entries_are_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(secrets_never_reach_the_log, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_log_is_an_error, setup, teardown),
        cmocka_unit_test(redaction_leaves_shared_strings_intact),
        cmocka_unit_test_setup_teardown(state_opens_in_wal_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_first_opens_all_succeed, setup, teardown),
        cmocka_unit_test_setup_teardown(state_refuses_a_non_sqlite_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
