/* test_spill.c: the temporary record store (host/spill.c): order, groups, counts, batches
   beyond SPILL_BATCH and beyond the page cache, cursors while records are added, threads
   adding at once, JSON round trips, and the temporary directory's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spill.h"

static spill *open_spill(void)
{
    spill *sp = NULL;
    diag err = {{0}};
    if (spill_open(&sp, &err) != 0)
        fail_msg("spill_open: %s", err.text);
    return sp;
}

static void add(spill *sp, const char *group, const char *key, const char *text)
{
    diag err = {{0}};
    if (spill_add(sp, group, key, text, strlen(text), &err) != 0)
        fail_msg("spill_add: %s", err.text);
}

/* Every record of `group`, joined by spaces, into buf. */
static const char *read_all(spill *sp, const char *group, char *buf, size_t size)
{
    spill_cursor *c = NULL;
    diag err = {{0}};
    if (spill_cursor_open(sp, group, &c, &err) != 0)
        fail_msg("spill_cursor_open: %s", err.text);
    size_t used = 0, len;
    const char *text;
    buf[0] = '\0';
    while ((text = spill_cursor_next(c, &len, NULL, &err)) != NULL)
        used +=
            (size_t)snprintf(buf + used, size - used, "%s%.*s", used ? " " : "", (int)len, text);
    assert_string_equal(err.text, "");
    spill_cursor_close(c);
    return buf;
}

static void unkeyed_records_come_back_in_insertion_order_by_group(void **state)
{
    (void)state;
    spill *sp = open_spill();
    char buf[256];
    assert_string_equal(read_all(sp, NULL, buf, sizeof buf), "");
    assert_int_equal(spill_has_group(sp, "a"), 0);
    add(sp, "a", NULL, "a1");
    add(sp, "b", NULL, "b1");
    add(sp, "a", NULL, "a2");
    add(sp, "c", NULL, "");
    add(sp, "a", NULL, "a3");
    assert_string_equal(read_all(sp, "a", buf, sizeof buf), "a1 a2 a3");
    assert_string_equal(read_all(sp, "b", buf, sizeof buf), "b1");
    assert_string_equal(read_all(sp, NULL, buf, sizeof buf), "a1 b1 a2  a3");
    assert_string_equal(read_all(sp, "absent", buf, sizeof buf), "");
    assert_int_equal(spill_count(sp, "a"), 3);
    assert_int_equal(spill_count(sp, "c"), 1);
    assert_int_equal(spill_count(sp, "absent"), 0);
    assert_int_equal(spill_count(sp, NULL), 5);
    assert_int_equal(spill_has_group(sp, "b"), 1);
    assert_int_equal(spill_has_group(sp, "absent"), 0);
    assert_int_equal(spill_has_group(sp, NULL), 1);
    spill_close(sp);
}

static void keyed_records_sort_by_key_then_insertion(void **state)
{
    (void)state;
    spill *sp = open_spill();
    char buf[256];
    add(sp, "g", "m", "m1");
    add(sp, "g", NULL, "null1");
    add(sp, "g", "b", "b1");
    add(sp, "g", "m", "m2");
    add(sp, "h", "a", "h-a");
    add(sp, "g", NULL, "null2");
    add(sp, "g", "b", "b2");
    assert_string_equal(read_all(sp, "g", buf, sizeof buf), "null1 null2 b1 b2 m1 m2");
    assert_string_equal(read_all(sp, NULL, buf, sizeof buf), "null1 null2 h-a b1 b2 m1 m2");

    spill_cursor *c = NULL;
    diag err = {{0}};
    assert_int_equal(spill_cursor_open(sp, "h", &c, &err), 0);
    const char *key = "unset";
    size_t len = 0;
    const char *text = spill_cursor_next(c, &len, &key, &err);
    assert_non_null(text);
    assert_int_equal(len, 3);
    assert_memory_equal(text, "h-a", 3);
    assert_string_equal(key, "a");
    assert_null(spill_cursor_next(c, &len, &key, &err));
    assert_string_equal(err.text, "");
    assert_null(spill_cursor_next(c, &len, &key, &err)); /* stays at the end */
    spill_cursor_close(c);
    spill_close(sp);
}

/* A record of about 200 bytes whose text says its number. */
static void numbered(char *buf, size_t size, const char *group, size_t i)
{
    snprintf(buf, size, "%s-%08zu-%0180d", group, i, 0);
}

static void many_records_beyond_the_batch_and_the_cache(void **state)
{
    (void)state;
    /* 3 batches and a bit, ~13 MB: more than SPILL_CACHE_KIB, so pages go to the file */
    const size_t n = 3 * SPILL_BATCH + 7;
    spill *sp = open_spill();
    char buf[256];
    for (size_t i = 0; i < n; i++) {
        numbered(buf, sizeof buf, i % 3 == 0 ? "x" : "y", i);
        add(sp, i % 3 == 0 ? "x" : "y", NULL, buf);
    }
    assert_int_equal(spill_count(sp, NULL), (int64_t)n);
    assert_int_equal(spill_count(sp, "x"), (int64_t)(n + 2) / 3);
    spill_cursor *c = NULL;
    diag err = {{0}};
    assert_int_equal(spill_cursor_open(sp, "y", &c, &err), 0);
    size_t seen = 0, len;
    const char *text;
    char want[256];
    for (size_t i = 0; i < n; i++) {
        if (i % 3 == 0)
            continue;
        text = spill_cursor_next(c, &len, NULL, &err);
        if (!text)
            fail_msg("record %zu of group y missing (%s)", i, err.text);
        numbered(want, sizeof want, "y", i);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(text, want, len);
        seen++;
    }
    assert_null(spill_cursor_next(c, &len, NULL, &err));
    assert_string_equal(err.text, "");
    assert_int_equal(seen, n - (n + 2) / 3);
    spill_cursor_close(c);
    spill_close(sp);
}

static void a_cursor_reads_on_while_records_are_added(void **state)
{
    (void)state;
    spill *sp = open_spill();
    char buf[256];
    const size_t before = 100;
    for (size_t i = 0; i < before; i++) {
        numbered(buf, sizeof buf, "g", i);
        add(sp, "g", NULL, buf);
    }
    spill_cursor *c = NULL, *other = NULL;
    diag err = {{0}};
    assert_int_equal(spill_cursor_open(sp, "g", &c, &err), 0);
    size_t len, read = 0;
    char want[256];
    /* read half, then add more than a batch (commits while the cursor is open) to the same
       group and another, and open a second cursor (which commits too) meanwhile */
    for (; read < before / 2; read++) {
        const char *text = spill_cursor_next(c, &len, NULL, &err);
        assert_non_null(text);
        numbered(want, sizeof want, "g", read);
        assert_memory_equal(text, want, len);
    }
    for (size_t i = before; i < before + SPILL_BATCH + 10; i++) {
        numbered(buf, sizeof buf, i % 2 ? "g" : "h", i);
        add(sp, i % 2 ? "g" : "h", NULL, buf);
    }
    assert_int_equal(spill_cursor_open(sp, "h", &other, &err), 0);
    assert_non_null(spill_cursor_next(other, &len, NULL, &err));
    add(sp, "g", NULL, "late");
    /* the rest of what was there before the cursor opened, in order; then maybe more */
    for (; read < before; read++) {
        const char *text = spill_cursor_next(c, &len, NULL, &err);
        if (!text)
            fail_msg("record %zu missing after adds (%s)", read, err.text);
        numbered(want, sizeof want, "g", read);
        assert_memory_equal(text, want, len);
    }
    while (spill_cursor_next(c, &len, NULL, &err))
        read++;
    assert_string_equal(err.text, "");
    assert_true(read >= before);
    assert_true(read <= before + (SPILL_BATCH + 10) / 2 + 1);
    spill_cursor_close(c);
    spill_cursor_close(other);
    /* a new cursor sees everything */
    assert_int_equal(spill_count(sp, "g"), (int64_t)(before + (SPILL_BATCH + 10) / 2 + 1));
    spill_close(sp);
}

#define THREADS 4
#define PER_THREAD 12000

typedef struct adder {
    spill *sp;
    int id;
    int failed;
} adder;

static void *add_many(void *arg)
{
    adder *a = arg;
    char buf[64], group[16];
    snprintf(group, sizeof group, "t%d", a->id);
    for (int i = 0; i < PER_THREAD; i++) {
        diag err = {{0}};
        snprintf(buf, sizeof buf, "%d:%d", a->id, i);
        /* each thread files under its own group and a shared one */
        if (spill_add(a->sp, i % 2 ? "shared" : group, NULL, buf, strlen(buf), &err) != 0)
            a->failed++;
    }
    return NULL;
}

static void threads_add_at_once(void **state)
{
    (void)state;
    spill *sp = open_spill();
    pthread_t threads[THREADS];
    adder adders[THREADS];
    for (int t = 0; t < THREADS; t++) {
        adders[t] = (adder){sp, t, 0};
        assert_int_equal(pthread_create(&threads[t], NULL, add_many, &adders[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        assert_int_equal(adders[t].failed, 0);
    }
    assert_int_equal(spill_count(sp, NULL), THREADS * PER_THREAD);
    assert_int_equal(spill_count(sp, "shared"), THREADS * PER_THREAD / 2);
    /* within the shared group, each thread's records keep their order and none is lost */
    int next[THREADS] = {0};
    for (int t = 0; t < THREADS; t++)
        next[t] = 1;
    spill_cursor *c = NULL;
    diag err = {{0}};
    assert_int_equal(spill_cursor_open(sp, "shared", &c, &err), 0);
    const char *text;
    size_t len;
    while ((text = spill_cursor_next(c, &len, NULL, &err)) != NULL) {
        int id = -1, i = -1;
        char copy[64];
        snprintf(copy, sizeof copy, "%.*s", (int)len, text);
        assert_int_equal(sscanf(copy, "%d:%d", &id, &i), 2);
        assert_true(id >= 0 && id < THREADS);
        assert_int_equal(i, next[id]);
        next[id] += 2;
    }
    assert_string_equal(err.text, "");
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(next[t], PER_THREAD + 1);
    spill_cursor_close(c);
    for (int t = 0; t < THREADS; t++) {
        char group[16];
        snprintf(group, sizeof group, "t%d", t);
        assert_int_equal(spill_count(sp, group), PER_THREAD / 2);
    }
    spill_close(sp);
}

static void json_round_trips(void **state)
{
    (void)state;
    spill *sp = open_spill();
    json_t *record = json_pack("{s:s, s:s%, s:[i,f,b,n], s:{s:s}}", "zeta", "first", "nul", "a\0b",
                               (size_t)3, "list", 1, 2.5, 1, "obj", "k", "\xc3\xa9");
    diag err = {{0}};
    assert_int_equal(spill_add_json(sp, "j", NULL, record, &err), 0);
    assert_int_equal(spill_add(sp, "j", NULL, "{not json", 9, &err), 0);
    spill_cursor *c = NULL;
    assert_int_equal(spill_cursor_open(sp, "j", &c, &err), 0);
    json_t *back = spill_cursor_next_json(c, &err);
    assert_non_null(back);
    assert_true(json_equal(back, record));
    /* keys keep their order */
    assert_string_equal(json_object_iter_key(json_object_iter(back)), "zeta");
    json_decref(back);
    assert_null(spill_cursor_next_json(c, &err));
    assert_non_null(strstr(err.text, "a record does not read back"));
    err.text[0] = '\0';
    assert_null(spill_cursor_next_json(c, &err));
    assert_string_equal(err.text, ""); /* the end */
    spill_cursor_close(c);
    json_decref(record);
    spill_close(sp);
}

static void restore_env(const char *name, char *saved)
{
    if (saved)
        setenv(name, saved, 1);
    else
        unsetenv(name);
    free(saved);
}

static void a_bad_temporary_directory_is_refused_with_what_to_do(void **state)
{
    (void)state;
    char *saved = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    char *saved_sqlite = getenv("SQLITE_TMPDIR") ? strdup(getenv("SQLITE_TMPDIR")) : NULL;
    unsetenv("SQLITE_TMPDIR");
    spill *sp = NULL;
    diag err = {{0}};

    setenv("TMPDIR", "/nonexistent/fawkes-spill-test", 1);
    assert_int_equal(spill_open(&sp, &err), -1);
    assert_null(sp);
    assert_string_equal(err.text,
                        "temporary spill file: TMPDIR=/nonexistent/fawkes-spill-test is not a "
                        "usable directory (No such file or directory); create it, or point "
                        "TMPDIR at a writable directory with room for the run's records");

    char file[] = "/tmp/fawkes-spill-test-XXXXXX";
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    close(fd);
    setenv("TMPDIR", file, 1);
    assert_int_equal(spill_open(&sp, &err), -1);
    assert_non_null(strstr(err.text, "is not a usable directory (not a directory)"));
    /* SQLITE_TMPDIR comes first, as SQLite takes it first */
    setenv("SQLITE_TMPDIR", "/nonexistent/sqlite", 1);
    assert_int_equal(spill_open(&sp, &err), -1);
    assert_non_null(strstr(err.text, "SQLITE_TMPDIR=/nonexistent/sqlite is not a usable"));
    unsetenv("SQLITE_TMPDIR");
    unlink(file);

    char dir[] = "/tmp/fawkes-spill-dir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("TMPDIR", dir, 1);
    char buf[512];
    assert_string_equal(spill_tmp_dir(buf, sizeof buf, NULL), dir);
    assert_int_equal(spill_open(&sp, &err), 0);
    add(sp, "g", NULL, "works");
    spill_close(sp);
    rmdir(dir);

    unsetenv("TMPDIR");
    assert_non_null(spill_tmp_dir(buf, sizeof buf, NULL));
    assert_true(strcmp(buf, "/var/tmp") == 0 || strcmp(buf, "/usr/tmp") == 0 ||
                strcmp(buf, "/tmp") == 0);
    restore_env("TMPDIR", saved);
    restore_env("SQLITE_TMPDIR", saved_sqlite);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unkeyed_records_come_back_in_insertion_order_by_group),
        cmocka_unit_test(keyed_records_sort_by_key_then_insertion),
        cmocka_unit_test(many_records_beyond_the_batch_and_the_cache),
        cmocka_unit_test(a_cursor_reads_on_while_records_are_added),
        cmocka_unit_test(threads_add_at_once),
        cmocka_unit_test(json_round_trips),
        cmocka_unit_test(a_bad_temporary_directory_is_refused_with_what_to_do),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
