/* test_serve_metrics.c: the Prometheus text the daemon serves: families with HELP and TYPE,
   escaped label values, counters adding up, gauges set, the run histogram, chain stats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "serve_metrics.h"

static void expect_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return;
    fail_msg("no line '%s' in:\n%s", line, text);
}

static void test_render(void **state)
{
    (void)state;
    serve_metrics *m = serve_metrics_new();
    assert_non_null(m);
    serve_metrics_add(m, "fawkes_runs_total", 1, "chain", "a", "trigger", "schedule", "status",
                      "ok", NULL);
    serve_metrics_add(m, "fawkes_runs_total", 2, "chain", "a", "trigger", "schedule", "status",
                      "ok", NULL);
    serve_metrics_add(m, "fawkes_runs_total", 1, "chain", "q\"x\\y\nz", "trigger", "api", "status",
                      "error", NULL);
    serve_metrics_set(m, "fawkes_findings", 5, "chain", "a", "severity", "high", "status", "fail",
                      NULL);
    serve_metrics_set(m, "fawkes_findings", 3, "chain", "a", "severity", "high", "status", "fail",
                      NULL);
    serve_metrics_set(m, "fawkes_last_run_timestamp_seconds", 1767225600.25, "chain", "a", NULL);
    serve_metrics_add(m, "no_such_family", 1, NULL);
    serve_metrics_observe_run(m, 0.05);
    serve_metrics_observe_run(m, 7);
    json_t *stats =
        json_pack("{s:{s:s, s:i, s:i, s:i, s:i, s:i}, s:{s:s, s:i, s:i}}", "civo", "plugin", "civo",
                  "requests", 10, "retries", 2, "throttles", 1, "errors", 1, "refused", 0, "team",
                  "plugin", "webhook", "messages_sent", 4, "messages_queued", 1);
    serve_metrics_add_chain_stats(m, stats);
    json_decref(stats);
    char *text = serve_metrics_render(m);
    assert_non_null(text);
    expect_line(text, "# TYPE fawkes_runs_total counter");
    expect_line(text, "fawkes_runs_total{chain=\"a\",trigger=\"schedule\",status=\"ok\"} 3");
    expect_line(text,
                "fawkes_runs_total{chain=\"q\\\"x\\\\y\\nz\",trigger=\"api\",status=\"error\"} 1");
    expect_line(text, "fawkes_findings{chain=\"a\",severity=\"high\",status=\"fail\"} 3");
    expect_line(text, "fawkes_last_run_timestamp_seconds{chain=\"a\"} 1767225600.25");
    expect_line(text, "# TYPE fawkes_run_duration_seconds histogram");
    expect_line(text, "fawkes_run_duration_seconds_bucket{le=\"0.1\"} 1");
    expect_line(text, "fawkes_run_duration_seconds_bucket{le=\"5\"} 1");
    expect_line(text, "fawkes_run_duration_seconds_bucket{le=\"10\"} 2");
    expect_line(text, "fawkes_run_duration_seconds_bucket{le=\"+Inf\"} 2");
    expect_line(text, "fawkes_run_duration_seconds_count 2");
    expect_line(text, "fawkes_http_requests_total{instance=\"civo\",outcome=\"ok\"} 7");
    expect_line(text, "fawkes_http_requests_total{instance=\"civo\",outcome=\"retried\"} 2");
    expect_line(text, "fawkes_http_requests_total{instance=\"civo\",outcome=\"throttled\"} 1");
    expect_line(text, "fawkes_http_requests_total{instance=\"civo\",outcome=\"error\"} 1");
    expect_line(text, "fawkes_notifications_total{notifier=\"team\",outcome=\"sent\"} 4");
    expect_line(text, "fawkes_notifications_total{notifier=\"team\",outcome=\"queued\"} 1");
    expect_line(text, "# TYPE process_cpu_seconds_total counter");
    assert_null(strstr(text, "no_such_family"));
    assert_null(strstr(text, "instance=\"team\"")); /* no HTTP traffic: no samples */
    free(text);
    serve_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_render)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
