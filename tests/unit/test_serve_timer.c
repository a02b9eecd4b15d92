/* test_serve_timer.c: scheduled chains on an injected clock: due times, one run per chain at
   once (a due run while one is going is skipped and counted), reloads keeping due times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "serve_timer.h"

#define MINUTE 60000LL

typedef struct fake_runs {
    char running[4][32]; /* chains running now */
    char fired[32][32];
    size_t fired_count;
    size_t skipped;
} fake_runs;

static bool is_running(void *ctx, const char *chain)
{
    fake_runs *f = ctx;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(f->running[i], chain) == 0)
            return true;
    return false;
}

static void fire(void *ctx, const char *chain)
{
    fake_runs *f = ctx;
    snprintf(f->fired[f->fired_count++], 32, "%s", chain);
}

static void skipped(void *ctx, const char *chain)
{
    (void)chain;
    ((fake_runs *)ctx)->skipped++;
}

static config *load(const char *yaml)
{
    config *cfg = NULL;
    diag err = {{0}};
    if (config_from_string(yaml, "fawkes.yaml", &cfg, &err) != 0)
        fail_msg("%s", err.text);
    return cfg;
}

static const char two_chains[] = "version: 1\n"
                                 "chains:\n"
                                 "  - { name: quarter, schedule: \"*/15 * * * *\" }\n"
                                 "  - { name: fast, schedule: \"@every 10s\" }\n"
                                 "  - { name: manual }\n";

static void test_due_times_on_injected_clock(void **state)
{
    (void)state;
    config *cfg = load(two_chains);
    serve_timer t;
    diag err = {{0}};
    int64_t start = 1767225600000LL + 7 * MINUTE; /* 2026-01-01 00:07 UTC */
    assert_int_equal(serve_timer_build(cfg, NULL, start, &t, &err), 0);
    assert_int_equal(t.count, 2); /* the chain without a schedule is not timed */
    assert_int_equal(serve_timer_wait_ms(&t, start), 10000);
    fake_runs f = {0};
    /* nothing is due before its time */
    assert_int_equal(serve_timer_due(&t, start + 9999, is_running, fire, skipped, &f), 0);
    assert_int_equal(serve_timer_due(&t, start + 10000, is_running, fire, skipped, &f), 1);
    assert_string_equal(f.fired[0], "fast");
    /* 00:15: both due */
    assert_int_equal(serve_timer_due(&t, start + 8 * MINUTE, is_running, fire, skipped, &f), 2);
    assert_int_equal(f.fired_count, 3);
    assert_string_equal(f.fired[1], "quarter");
    assert_int_equal(serve_timer_wait_ms(&t, start + 8 * MINUTE), 10000);
    serve_timer_clear(&t);
    config_free(cfg);
}

static void test_running_chain_is_skipped_and_counted(void **state)
{
    (void)state;
    config *cfg = load(two_chains);
    serve_timer t;
    diag err = {{0}};
    int64_t now = 1767225600000LL;
    assert_int_equal(serve_timer_build(cfg, NULL, now, &t, &err), 0);
    fake_runs f = {0};
    snprintf(f.running[0], 32, "fast");
    for (int i = 1; i <= 5; i++)
        serve_timer_due(&t, now + i * 10000, is_running, fire, skipped, &f);
    assert_int_equal(f.fired_count, 0);
    assert_int_equal(f.skipped, 5);
    f.running[0][0] = '\0';
    assert_int_equal(serve_timer_due(&t, now + 60000, is_running, fire, skipped, &f), 1);
    /* a clock jump of an hour fires once, not 360 times */
    f.fired_count = 0;
    assert_int_equal(serve_timer_due(&t, now + 3660000, is_running, fire, skipped, &f), 2);
    assert_int_equal(serve_timer_wait_ms(&t, now + 3660000), 10000);
    serve_timer_clear(&t);
    config_free(cfg);
}

static void test_reload_keeps_due_times_and_adds_chains(void **state)
{
    (void)state;
    config *cfg = load(two_chains);
    serve_timer t, t2;
    diag err = {{0}};
    int64_t now = 1767225600000LL;
    assert_int_equal(serve_timer_build(cfg, NULL, now, &t, &err), 0);
    config *cfg2 = load("version: 1\n"
                        "chains:\n"
                        "  - { name: quarter, schedule: \"*/15 * * * *\" }\n"
                        "  - { name: fast, schedule: \"@every 10s\" }\n"
                        "  - { name: added, schedule: \"@every 1s\" }\n");
    assert_int_equal(serve_timer_build(cfg2, &t, now + 4000, &t2, &err), 0);
    assert_int_equal(t2.count, 3);
    fake_runs f = {0};
    assert_int_equal(serve_timer_due(&t2, now + 5000, is_running, fire, skipped, &f), 1);
    assert_string_equal(f.fired[0], "added");
    assert_int_equal(serve_timer_due(&t2, now + 10000, is_running, fire, skipped, &f), 2);
    serve_timer_clear(&t);
    serve_timer_clear(&t2);
    config_free(cfg);
    config_free(cfg2);
}

static void test_bad_schedule_is_a_located_config_error(void **state)
{
    (void)state;
    config *cfg = NULL;
    diag err = {{0}};
    assert_int_equal(config_from_string("version: 1\n"
                                        "chains:\n"
                                        "  - { name: ok, schedule: \"@hourly\" }\n"
                                        "  - name: bad\n"
                                        "    schedule: \"61 * * * *\"\n",
                                        "fawkes.yaml", &cfg, &err),
                     -1);
    assert_null(cfg);
    if (!strstr(err.text, "fawkes.yaml:5:15: chains[1].schedule: ") ||
        !strstr(err.text, "minute field '61'"))
        fail_msg("%s", err.text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_due_times_on_injected_clock),
        cmocka_unit_test(test_running_chain_is_skipped_and_counted),
        cmocka_unit_test(test_reload_keeps_due_times_and_adds_chains),
        cmocka_unit_test(test_bad_schedule_is_a_located_config_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
