/* test_sorter.c: the external merge sort outputs print through (host/sorter.c): key order
   with NULL and prefix keys, insertion order among equal keys, in memory and across many runs
   on disk, records larger than the read and write buffers, threads adding at once, and an
   unusable temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sorter.h"

static sorter *open_sorter(void)
{
    sorter *s = NULL;
    diag err = {{0}};
    if (sorter_open(&s, &err) != 0)
        fail_msg("sorter_open: %s", err.text);
    return s;
}

static void add(sorter *s, const char *key, const char *text)
{
    diag err = {{0}};
    if (sorter_add(s, key, text, strlen(text), &err) != 0)
        fail_msg("sorter_add: %s", err.text);
}

/* Every record, joined by spaces. */
static void read_all(sorter *s, char *buf, size_t size)
{
    size_t used = 0, len = 0;
    const char *data;
    diag err = {{0}};
    buf[0] = '\0';
    while ((data = sorter_next(s, &len, &err)) != NULL)
        used +=
            (size_t)snprintf(buf + used, size - used, "%s%.*s", used ? " " : "", (int)len, data);
    assert_string_equal(err.text, "");
}

static void test_small_sorts_in_memory(void **state)
{
    (void)state;
    sorter *s = open_sorter();
    add(s, "b", "b1");
    add(s, "ab", "ab1");
    add(s, NULL, "null1");
    add(s, "a", "a1");
    add(s, "b", "b2");
    add(s, "", "empty");
    add(s, NULL, "null2");
    add(s, "a", "a2");
    char buf[256];
    read_all(s, buf, sizeof buf);
    assert_string_equal(buf, "null1 null2 empty a1 a2 ab1 b1 b2");
    assert_int_equal(sorter_count(s), 8);
    /* reading began: no more records */
    diag err = {{0}};
    assert_int_equal(sorter_add(s, "z", "z", 1, &err), -1);
    assert_non_null(strstr(err.text, "after reading began"));
    sorter_close(s);
}

static void test_empty_sorter_reads_nothing(void **state)
{
    (void)state;
    sorter *s = open_sorter();
    size_t len = 0;
    diag err = {{0}};
    assert_null(sorter_next(s, &len, &err));
    assert_string_equal(err.text, "");
    assert_null(sorter_next(s, &len, &err));
    sorter_close(s);
}

/* Many more bytes than SORTER_MEMORY: several runs merge back in order, equal keys in the
   order they were added, every record once, byte for byte. */
static void test_many_runs_merge_in_order(void **state)
{
    (void)state;
    sorter *s = open_sorter();
    enum {
        N = 400000
    };
    char key[32], text[128];
    for (int i = 0; i < N; i++) {
        int k = (int)((i * 7919L) % 5000); /* 40 records per key, spread over every run */
        snprintf(key, sizeof key, "k%05d", k);
        snprintf(text, sizeof text, "%s/%07d/%060d", key, i, 0);
        add(s, key, text);
    }
    size_t len = 0, seen = 0;
    char prev[128] = "";
    int prev_i = -1;
    const char *data;
    diag err = {{0}};
    while ((data = sorter_next(s, &len, &err)) != NULL) {
        assert_int_equal(len, strlen("k00000/0000000/") + 60);
        char rec[128];
        memcpy(rec, data, len);
        rec[len] = '\0';
        int cmp = strncmp(prev, rec, 6);
        int i = atoi(rec + 7);
        assert_true(cmp < 0 || (cmp == 0 && i > prev_i));
        memcpy(prev, rec, len + 1);
        prev_i = i;
        seen++;
    }
    assert_string_equal(err.text, "");
    assert_int_equal(seen, N);
    sorter_close(s);
}

/* Records larger than the 64 KiB read buffer and the 1 MiB write buffer come back whole. */
static void test_large_records(void **state)
{
    (void)state;
    sorter *s = open_sorter();
    size_t sizes[] = {3u << 20, 100, 200u << 10, 9u << 20, 5};
    char *big = malloc(9u << 20);
    assert_non_null(big);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        memset(big, 'a' + (int)i, sizes[i]);
        char key[8];
        snprintf(key, sizeof key, "%zu", 4 - i); /* added in reverse key order */
        diag err = {{0}};
        assert_int_equal(sorter_add(s, key, big, sizes[i], &err), 0);
    }
    size_t len = 0;
    diag err = {{0}};
    for (size_t i = 5; i-- > 0;) {
        const char *data = sorter_next(s, &len, &err);
        assert_non_null(data);
        assert_int_equal(len, sizes[i]);
        for (size_t b = 0; b < len; b += 4093)
            assert_int_equal(data[b], 'a' + (int)i);
        assert_int_equal(data[len - 1], 'a' + (int)i);
    }
    assert_null(sorter_next(s, &len, &err));
    free(big);
    sorter_close(s);
}

typedef struct adder {
    sorter *s;
    int id;
} adder;

static void *add_many(void *arg)
{
    adder *a = arg;
    char key[32], text[160];
    for (int i = 0; i < 50000; i++) {
        snprintf(key, sizeof key, "%06d", i);
        snprintf(text, sizeof text, "%06d-%d-%0100d", i, a->id, 0);
        diag err = {{0}};
        if (sorter_add(a->s, key, text, strlen(text), &err) != 0)
            return (void *)1;
    }
    return NULL;
}

/* Four threads adding at once (several batches written while others add): every record,
   in key order. */
static void test_threads_add_at_once(void **state)
{
    (void)state;
    sorter *s = open_sorter();
    pthread_t t[4];
    adder a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (adder){s, i};
        assert_int_equal(pthread_create(&t[i], NULL, add_many, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *rc = NULL;
        pthread_join(t[i], &rc);
        assert_null(rc);
    }
    assert_int_equal(sorter_count(s), 200000);
    size_t len = 0, seen = 0;
    int prev = -1, run = 0;
    const char *data;
    diag err = {{0}};
    while ((data = sorter_next(s, &len, &err)) != NULL) {
        int k = atoi(data);
        assert_true(k >= prev);
        run = k == prev ? run + 1 : 1;
        assert_true(run <= 4);
        prev = k;
        seen++;
    }
    assert_int_equal(seen, 200000);
    sorter_close(s);
}

static void test_unusable_tmpdir_is_refused(void **state)
{
    (void)state;
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", "/nonexistent/fawkes-tmp", 1);
    sorter *s = NULL;
    diag err = {{0}};
    assert_int_equal(sorter_open(&s, &err), -1);
    assert_null(s);
    assert_non_null(strstr(err.text, "TMPDIR=/nonexistent/fawkes-tmp"));
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_sorts_in_memory),
        cmocka_unit_test(test_empty_sorter_reads_nothing),
        cmocka_unit_test(test_many_runs_merge_in_order),
        cmocka_unit_test(test_large_records),
        cmocka_unit_test(test_threads_add_at_once),
        cmocka_unit_test(test_unusable_tmpdir_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
