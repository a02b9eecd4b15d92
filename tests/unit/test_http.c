/* test_http.c: the HTTP service: egress rules, retry timing, token bucket, the send loop. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "http.h"
#include "log.h"
#include "clock.h"

extern char **environ;

/* ---- helpers ---- */

/* A strlist of the NULL-terminated arguments. */
static strlist list_of(const char *first, ...)
{
    strlist list = {0};
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *))
        assert_int_equal(strlist_push(&list, s), 0);
    va_end(ap);
    return list;
}

static void assert_allowed(const strlist *allow, const char *url)
{
    diag err = {{0}};
    int rc = egress_check(allow, url, &err);
    if (rc != 0)
        fail_msg("expected %s to be allowed, got: %s", url, err.text);
}

/* Refused, with `needle` in the message (NULL: any message). Returns nothing; fails loudly. */
static void assert_refused(const strlist *allow, const char *url, const char *needle)
{
    diag err = {{0}};
    int rc = egress_check(allow, url, &err);
    if (rc == 0)
        fail_msg("expected %s to be refused", url ? url : "(null)");
    if (needle && !strstr(err.text, needle))
        fail_msg("refusal of %s: expected '%s' in: %s", url, needle, err.text);
}

static config_limits test_limits(void)
{
    config_limits limits = {
        .concurrency = 4,
        .rate_per_s = 0,
        .burst = 0,
        .retries = 4,
        .timeout_ms = 10000,
        .backoff_base_ms = 10,
        .backoff_max_ms = 60000,
    };
    return limits;
}

static fwk_http_request get_request(const char *url)
{
    fwk_http_request req = {.struct_size = sizeof req, .method = "GET", .url = url};
    return req;
}

static long long counter(const http_client *client, const char *name)
{
    json_t *counters = http_client_counters(client);
    assert_non_null(counters);
    json_t *value = json_object_get(counters, name);
    assert_non_null(value);
    long long n = (long long)json_integer_value(value);
    json_decref(counters);
    return n;
}

/* ---- fake_http.py, run as a child process ---- */

typedef struct fake {
    pid_t pid;
    int port;
    char dir[64];
    char log_path[128];
} fake;

static fake *current_fake;

/* Start tests/fakes/fake_http.py with `script` (a JSON object; reference taken). */
static fake *fake_start(json_t *script)
{
    fake *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/fawkes-test-http-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char script_path[128];
    snprintf(script_path, sizeof script_path, "%s/script.json", f->dir);
    snprintf(f->log_path, sizeof f->log_path, "%s/requests.jsonl", f->dir);
    assert_int_equal(json_dump_file(script, script_path, 0), 0);
    json_decref(script);

    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
    char *argv[] = {"python3",  FAWKES_SOURCE_DIR "/tests/fakes/fake_http.py",
                    "--script", script_path,
                    "--log",    f->log_path,
                    NULL};
    int rc = posix_spawnp(&f->pid, "python3", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    assert_int_equal(rc, 0);
    FILE *out = fdopen(pipe_fds[0], "r");
    assert_non_null(out);
    char line[64] = "";
    char *got = fgets(line, sizeof line, out);
    fclose(out);
    assert_non_null(got);
    f->port = atoi(line);
    assert_true(f->port > 0);
    current_fake = f;
    return f;
}

static void fake_stop(fake *f)
{
    if (!f)
        return;
    kill(f->pid, SIGTERM);
    /* a fake that does not stop within 5 s is killed, so a broken fake cannot hang the test */
    int64_t deadline = clock_mono_ms() + 5000;
    while (waitpid(f->pid, NULL, WNOHANG) == 0) {
        if (clock_mono_ms() > deadline) {
            kill(f->pid, SIGKILL);
            waitpid(f->pid, NULL, 0);
            break;
        }
        usleep(10000);
    }
    char path[160];
    snprintf(path, sizeof path, "%s/script.json", f->dir);
    unlink(path);
    unlink(f->log_path);
    rmdir(f->dir);
    if (current_fake == f)
        current_fake = NULL;
    free(f);
}

/* Stops a fake a failed assertion left running. */
static int fake_teardown(void **state)
{
    (void)state;
    fake_stop(current_fake);
    return 0;
}

static void fake_url(const fake *f, const char *path, char *buf, size_t size)
{
    snprintf(buf, size, "http://127.0.0.1:%d%s", f->port, path);
}

/* The requests the fake recorded: a new JSON array. */
static json_t *fake_requests(const fake *f)
{
    json_t *records = json_array();
    FILE *log = fopen(f->log_path, "r");
    if (!log)
        return records;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, log) > 0) {
        json_t *record = json_loads(line, 0, NULL);
        assert_non_null(record);
        json_array_append_new(records, record);
    }
    free(line);
    fclose(log);
    return records;
}

static size_t fake_request_count(const fake *f)
{
    json_t *records = fake_requests(f);
    size_t n = json_array_size(records);
    json_decref(records);
    return n;
}

/* A script: one route with the given responses (an array; reference taken). */
static json_t *script_route(const char *route, json_t *responses)
{
    return json_pack("{s:{s:o}}", "routes", route, responses);
}

static json_t *ok_forever(void)
{
    return json_pack("[{s:i, s:s, s:b}]", "status", 200, "body", "ok", "repeat", 1);
}

/* ---- egress_check ---- */

static void test_egress_exact_host(void **state)
{
    (void)state;
    strlist allow = list_of("api.civo.com", NULL);
    assert_allowed(&allow, "https://api.civo.com/v2/instances");
    assert_allowed(&allow, "https://api.civo.com");
    assert_allowed(&allow, "https://API.Civo.COM/v2");
    assert_allowed(&allow, "https://api.civo.com:8443/v2");
    assert_allowed(&allow, "https://api.civo.com./v2");
    assert_refused(&allow, "https://x.api.civo.com/", "not in security.egress_allow");
    assert_refused(&allow, "https://api.civo.com.evil.com/", "api.civo.com.evil.com refused");
    assert_refused(&allow, "https://civo.com/", "(allowed: api.civo.com)");
    assert_refused(&allow, "https://evil.example.net/",
                   "egress to evil.example.net refused: not in security.egress_allow (allowed: "
                   "api.civo.com); add it there if this host is expected");
    strlist_clear(&allow);

    /* entries written with a scheme, a port or in capitals still name the host */
    allow = list_of("HTTPS://Api.Example.com:443/", NULL);
    assert_allowed(&allow, "https://api.example.com/x");
    strlist_clear(&allow);
}

static void test_egress_wildcard(void **state)
{
    (void)state;
    strlist allow = list_of("api.civo.com", "*.amazonaws.com", NULL);
    assert_allowed(&allow, "https://ec2.amazonaws.com/");
    assert_allowed(&allow, "https://ec2.eu-west-2.amazonaws.com/");
    assert_allowed(&allow, "https://a.b.c.amazonaws.com/");
    assert_allowed(&allow, "https://STS.AmazonAWS.com/");
    assert_refused(&allow, "https://amazonaws.com/", "amazonaws.com refused");
    assert_refused(&allow, "https://evilamazonaws.com/", "evilamazonaws.com refused");
    assert_refused(&allow, "https://amazonaws.com.evil.com/", NULL);
    assert_refused(&allow, "https://evil.com/", "(allowed: api.civo.com, *.amazonaws.com)");
    strlist_clear(&allow);

    /* a lone "*" is not a wildcard */
    allow = list_of("*", NULL);
    assert_refused(&allow, "https://anything.example.com/", NULL);
    strlist_clear(&allow);
}

static void test_egress_scheme(void **state)
{
    (void)state;
    strlist allow = list_of("api.civo.com", "127.0.0.1", NULL);
    assert_refused(&allow, "http://api.civo.com/v2", "plain http:// is allowed only to loopback");
    assert_refused(&allow, "ftp://api.civo.com/", "scheme 'ftp' is not allowed");
    assert_refused(&allow, "file:///etc/passwd", "scheme 'file' is not allowed");
    assert_allowed(&allow, "http://127.0.0.1:8080/x");
    assert_allowed(&allow, "HTTP://localhost:8080/x");
    strlist_clear(&allow);
}

static void test_egress_loopback(void **state)
{
    (void)state;
    static const char *const loopbacks[] = {"https://127.0.0.1/",
                                            "https://127.1.2.3/",
                                            "https://localhost/",
                                            "https://LOCALHOST./",
                                            "https://[::1]:8443/",
                                            "http://127.0.0.1:9/",
                                            "https://127.1/",
                                            "https://2130706433/",
                                            "https://0x7f000001/",
                                            "https://0.0.0.0/",
                                            "https://[::ffff:127.0.0.1]/",
                                            "https://a.localhost/",
                                            "https://%6c%6fcalhost/",
                                            NULL};
    strlist others = list_of("api.civo.com", NULL);
    strlist empty = {0};
    strlist by_ip = list_of("127.0.0.1", NULL);
    strlist by_name = list_of("localhost", NULL);
    for (size_t i = 0; loopbacks[i]; i++) {
        assert_refused(&others, loopbacks[i], "security.egress_allow lists 127.0.0.1 or localhost");
        assert_refused(&empty, loopbacks[i], "loopback hosts are reached only when");
        assert_allowed(&by_ip, loopbacks[i]);
        assert_allowed(&by_name, loopbacks[i]);
    }
    /* allowing loopback allows nothing else */
    assert_refused(&by_ip, "https://api.civo.com/", "(allowed: 127.0.0.1)");
    /* names that merely contain a loopback address are ordinary hosts */
    assert_refused(&by_ip, "https://127.0.0.1.nip.io/", "not in security.egress_allow");
    strlist_clear(&others);
    strlist_clear(&by_ip);
    strlist_clear(&by_name);
}

static void test_egress_userinfo(void **state)
{
    (void)state;
    strlist allow = list_of("api.civo.com", "evil.com", NULL);
    assert_refused(&allow, "https://api.civo.com@evil.com/", "the host it names is evil.com");
    assert_refused(&allow, "https://user:hunter2@api.civo.com/", "user info");
    assert_refused(&allow, "https://evil.com\\@api.civo.com/", "user info");
    diag err = {{0}};
    assert_int_equal(egress_check(&allow, "https://user:hunter2@api.civo.com/", &err), -1);
    assert_null(strstr(err.text, "hunter2"));
    strlist_clear(&allow);
}

static void test_egress_malformed(void **state)
{
    (void)state;
    strlist allow = list_of("api.civo.com", NULL);
    assert_refused(&allow, NULL, "the URL is empty");
    assert_refused(&allow, "", "the URL is empty");
    assert_refused(&allow, "not a url", "not a valid absolute URL");
    assert_refused(&allow, "https://", "not a valid absolute URL");
    assert_refused(&allow, "https://exa mple.com/", "not a valid absolute URL");
    assert_refused(&allow, "//api.civo.com/v2", "not a valid absolute URL");
    assert_refused(&allow, "api.civo.com/v2", "not a valid absolute URL");
    strlist_clear(&allow);
}

static void test_egress_empty_allowlist_and_query(void **state)
{
    (void)state;
    strlist empty = {0};
    assert_refused(&empty, "https://api.civo.com/", "(allowed: none)");
    assert_refused(NULL, "https://api.civo.com/", "(allowed: none)");
    diag err = {{0}};
    assert_int_equal(egress_check(&empty, "ftp://x.example/p?token=s3cr3t-value", &err), -1);
    assert_null(strstr(err.text, "s3cr3t-value"));
    assert_int_equal(egress_check(&empty, "bad url?token=s3cr3t-value", &err), -1);
    assert_null(strstr(err.text, "s3cr3t-value"));
}

/* ---- retry_after_ms ---- */

static void http_date(time_t when, char *buf, size_t size)
{
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void test_retry_after(void **state)
{
    (void)state;
    time_t now = 1700000000;
    assert_int_equal(retry_after_ms("1", now), 1000);
    assert_int_equal(retry_after_ms("0", now), 0);
    assert_int_equal(retry_after_ms(" 120 ", now), 120000);
    assert_true(retry_after_ms("99999999999999999999999", now) >= 86400L * 1000);

    char date[64];
    http_date(now + 30, date, sizeof date);
    assert_int_equal(retry_after_ms(date, now), 30000);
    http_date(now - 3600, date, sizeof date);
    assert_int_equal(retry_after_ms(date, now), 0);
    http_date(now, date, sizeof date);
    assert_int_equal(retry_after_ms(date, now), 0);
    /* the two obsolete HTTP-date forms */
    assert_int_equal(retry_after_ms("Tuesday, 14-Nov-23 22:13:40 GMT", now), 20000);
    assert_int_equal(retry_after_ms("Tue Nov 14 22:13:40 2023", now), 20000);

    assert_int_equal(retry_after_ms(NULL, now), -1);
    assert_int_equal(retry_after_ms("", now), -1);
    assert_int_equal(retry_after_ms("   ", now), -1);
    assert_int_equal(retry_after_ms("soon", now), -1);
    assert_int_equal(retry_after_ms("-5", now), -1);
    assert_int_equal(retry_after_ms("+5", now), -1);
    assert_int_equal(retry_after_ms("1.5", now), -1);
    assert_int_equal(retry_after_ms("5s", now), -1);
    assert_int_equal(retry_after_ms("12:00:00", now), -1);
}

/* ---- backoff_delay_ms ---- */

static void test_backoff_bounds(void **state)
{
    (void)state;
    static const double jitters[] = {0.0, 0.001, 0.25, 0.5, 0.75, 0.999999};
    static const long bases[] = {1, 200, 1000};
    static const long maxes[] = {1, 500, 60000, 86400000};
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++)
        for (size_t m = 0; m < sizeof maxes / sizeof maxes[0]; m++)
            for (int attempt = 1; attempt <= 200; attempt++)
                for (size_t j = 0; j < sizeof jitters / sizeof jitters[0]; j++) {
                    double cap = fmin((double)maxes[m], bases[b] * pow(2.0, attempt - 1));
                    long delay = backoff_delay_ms(attempt, bases[b], maxes[m], jitters[j]);
                    assert_true(delay >= 0);
                    assert_true((double)delay < cap || (cap < 1 && delay == 0));
                    assert_int_equal(delay, (long)(jitters[j] * cap));
                }
    /* examples: base 200, max 60 s */
    assert_int_equal(backoff_delay_ms(1, 200, 60000, 0.5), 100);
    assert_int_equal(backoff_delay_ms(3, 200, 60000, 0.5), 400);
    assert_int_equal(backoff_delay_ms(10, 200, 60000, 0.5), 30000);
    assert_int_equal(backoff_delay_ms(1000, 200, 60000, 0.5), 30000);
    assert_int_equal(backoff_delay_ms(INT32_MAX, 200, 60000, 0.999), 59940);
    assert_int_equal(backoff_delay_ms(5, 200, 60000, 0.0), 0);
    /* out-of-range inputs are clamped, never negative or above the cap */
    assert_int_equal(backoff_delay_ms(0, 200, 60000, 0.5), 100);
    assert_int_equal(backoff_delay_ms(-3, 200, 60000, 0.5), 100);
    assert_int_equal(backoff_delay_ms(1, 200, 60000, -1.0), 0);
    assert_int_equal(backoff_delay_ms(1, 200, 60000, NAN), 0);
    assert_int_equal(backoff_delay_ms(1, 200, 60000, 1.5), 199);
    assert_int_equal(backoff_delay_ms(3, 0, 60000, 0.5), 0);
}

/* ---- token bucket ---- */

static void test_token_bucket_burst_and_refill(void **state)
{
    (void)state;
    token_bucket tb;
    token_bucket_init(&tb, 5.0, 1.0, 1000);
    assert_int_equal(token_bucket_take(&tb, 1000), 0);
    assert_int_equal(token_bucket_take(&tb, 1000), 200); /* reserved: the next is later */
    assert_int_equal(token_bucket_take(&tb, 1000), 400);
    assert_int_equal(token_bucket_take(&tb, 1100), 500); /* -3 + 0.5 tokens */
    /* a long pause refills up to the burst, no more */
    assert_int_equal(token_bucket_take(&tb, 100000), 0);
    assert_int_equal(token_bucket_take(&tb, 100000), 200);

    token_bucket_init(&tb, 1.0, 3.0, 0);
    assert_int_equal(token_bucket_take(&tb, 0), 0);
    assert_int_equal(token_bucket_take(&tb, 0), 0);
    assert_int_equal(token_bucket_take(&tb, 0), 0);
    assert_int_equal(token_bucket_take(&tb, 0), 1000);
    assert_int_equal(token_bucket_take(&tb, 500), 1500);
    assert_int_equal(token_bucket_take(&tb, 10000), 0);
    assert_int_equal(token_bucket_take(&tb, 10000), 0);
    assert_int_equal(token_bucket_take(&tb, 10000), 0);
    assert_int_equal(token_bucket_take(&tb, 10250), 750);
}

static void test_token_bucket_edges(void **state)
{
    (void)state;
    token_bucket tb;
    token_bucket_init(&tb, 0.0, 0.0, 0); /* unlimited */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(token_bucket_take(&tb, 0), 0);
    token_bucket_init(&tb, -1.0, 5.0, 0);
    assert_int_equal(token_bucket_take(&tb, 0), 0);

    token_bucket_init(&tb, 10.0, 0.0, 5000); /* a burst below 1 still lets one through */
    assert_int_equal(token_bucket_take(&tb, 5000), 0);
    assert_int_equal(token_bucket_take(&tb, 5000), 100);
    /* a clock that steps back neither refills nor breaks the bucket */
    assert_int_equal(token_bucket_take(&tb, 4000), 200);
    assert_int_equal(token_bucket_take(&tb, 5300), 0);

    token_bucket_init(&tb, 3.0, 1.0, 0); /* 333.3 ms a token: waits round up */
    assert_int_equal(token_bucket_take(&tb, 0), 0);
    assert_int_equal(token_bucket_take(&tb, 0), 334);
    int64_t now_ms = clock_mono_ms();
    assert_true(now_ms >= 0);
    assert_true(clock_mono_ms() >= now_ms);
}

/* ---- http_client_send against fake_http.py ---- */

static void test_send_retry_after_then_ok(void **state)
{
    (void)state;
    fake *f = fake_start(
        script_route("GET /a", json_pack("[{s:i, s:{s:s}}, {s:i, s:{s:s}, s:s}]", "status", 429,
                                         "headers", "Retry-After", "1", "status", 200, "headers",
                                         "X-Reply", "yes", "body", "hello")));
    config_limits limits = test_limits();
    strlist allow = list_of("127.0.0.1", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    assert_non_null(client);
    char url[128];
    fake_url(f, "/a", url, sizeof url);
    fwk_http_request req = get_request(url);
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    int64_t started = clock_mono_ms();
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    int64_t elapsed = clock_mono_ms() - started;
    assert_non_null(resp);
    assert_int_equal(resp->status, 200);
    assert_int_equal(resp->attempts, 2);
    assert_int_equal(resp->body_len, 5);
    assert_string_equal(resp->body, "hello");
    assert_string_equal(http_response_header(resp, "x-reply"), "yes");
    assert_null(http_response_header(resp, "Retry-After"));
    assert_true(elapsed >= 1000);
    assert_int_equal(counter(client, "requests"), 2);
    assert_int_equal(counter(client, "retries"), 1);
    assert_int_equal(counter(client, "throttles"), 1);
    assert_int_equal(counter(client, "errors"), 0);
    assert_int_equal(counter(client, "refused"), 0);
    json_t *records = fake_requests(f);
    assert_int_equal(json_array_size(records), 2);
    double gap = json_real_value(json_object_get(json_array_get(records, 1), "monotonic")) -
                 json_real_value(json_object_get(json_array_get(records, 0), "monotonic"));
    assert_true(gap >= 0.99);
    json_decref(records);
    http_response_free(resp);
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

/* A plugin's retry_check: 403 "slow down" is retried after the wait in *arg; the rest taken. */
typedef struct slow_down_check {
    int calls;
    long wait_ms;
} slow_down_check;

static long retry_on_slow_down(const fwk_http_response *response, void *arg)
{
    slow_down_check *check = arg;
    check->calls++;
    if (response->status == 403 && response->body && strcmp(response->body, "slow down") == 0)
        return check->wait_ms;
    return -1;
}

static void test_send_plugin_retry_check(void **state)
{
    (void)state;
    fake *f = fake_start(script_route(
        "/q", json_pack("[{s:i, s:s}, {s:i, s:s}, {s:i, s:s}, {s:i, s:s, s:b}]", "status", 403,
                        "body", "slow down", "status", 403, "body", "slow down", "status", 200,
                        "body", "done", "status", 403, "body", "denied", "repeat", 1)));
    config_limits limits = test_limits();
    limits.backoff_max_ms = 300;
    strlist allow = list_of("localhost", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    fake_url(f, "/q", url, sizeof url);
    slow_down_check check = {.wait_ms = 100000}; /* cut to backoff_max (300 ms) */
    fwk_http_request req = get_request(url);
    req.retry_check = retry_on_slow_down;
    req.retry_arg = &check;
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    int64_t started = clock_mono_ms();
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    int64_t elapsed = clock_mono_ms() - started;
    assert_int_equal(resp->status, 200);
    assert_string_equal(resp->body, "done");
    assert_int_equal(resp->attempts, 3);
    assert_int_equal(check.calls, 3); /* the 200 too: it was not retried by the host */
    assert_true(elapsed >= 2 * 300 - 20);
    assert_true(elapsed < 5000);
    assert_int_equal(counter(client, "retries"), 2);
    assert_int_equal(counter(client, "throttles"), 0);
    http_response_free(resp);

    /* what the check does not ask to retry is taken at once */
    check.calls = 0;
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    assert_int_equal(resp->status, 403);
    assert_string_equal(resp->body, "denied");
    assert_int_equal(resp->attempts, 1);
    assert_int_equal(check.calls, 1);
    http_response_free(resp);

    /* FWK_HTTP_NO_RETRY: the check is not asked */
    check.calls = 0;
    req.flags = FWK_HTTP_NO_RETRY;
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    assert_int_equal(resp->attempts, 1);
    assert_int_equal(check.calls, 0);
    http_response_free(resp);

    /* an older plugin's smaller request: the fields past its struct_size are not read */
    req.flags = 0;
    req.struct_size = offsetof(fwk_http_request, retry_check);
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    assert_int_equal(resp->attempts, 1);
    assert_int_equal(check.calls, 0);
    http_response_free(resp);
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

static void test_send_5xx_exhausts_retries(void **state)
{
    (void)state;
    fake *f = fake_start(script_route(
        "/e", json_pack("[{s:i, s:s, s:b}]", "status", 500, "body", "boom", "repeat", 1)));
    config_limits limits = test_limits();
    limits.retries = 2;
    strlist allow = list_of("localhost", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    fake_url(f, "/e", url, sizeof url);
    fwk_http_request req = get_request(url);
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    assert_int_equal(resp->status, 500);
    assert_int_equal(resp->attempts, 3);
    assert_string_equal(resp->body, "boom");
    assert_int_equal(fake_request_count(f), 3);
    assert_int_equal(counter(client, "requests"), 3);
    assert_int_equal(counter(client, "retries"), 2);
    assert_int_equal(counter(client, "throttles"), 0);
    assert_int_equal(counter(client, "errors"), 1);
    http_response_free(resp);

    /* FWK_HTTP_NO_RETRY: one attempt only */
    req.flags = FWK_HTTP_NO_RETRY;
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    assert_int_equal(resp->status, 500);
    assert_int_equal(resp->attempts, 1);
    assert_int_equal(fake_request_count(f), 4);
    http_response_free(resp);
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

static void test_send_refused_host(void **state)
{
    (void)state;
    fake *f = fake_start(script_route("/x", ok_forever()));
    config_limits limits = test_limits();
    strlist allow = list_of("api.civo.com", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    fake_url(f, "/x?token=abc123", url, sizeof url);
    fwk_http_request req = get_request(url);
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_ERROR);
    assert_null(resp);
    char expected[256];
    snprintf(expected, sizeof expected, "GET http://127.0.0.1:%d/x: egress to 127.0.0.1 refused",
             f->port);
    if (strncmp(err.text, expected, strlen(expected)) != 0)
        fail_msg("unexpected message: %s", err.text);
    assert_null(strstr(err.text, "abc123"));
    assert_int_equal(counter(client, "refused"), 1);
    assert_int_equal(counter(client, "requests"), 0);
    assert_int_equal(fake_request_count(f), 0);
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

static void test_send_mutating(void **state)
{
    (void)state;
    fake *f = fake_start(json_pack("{s:{s:[{s:i}, {s:i}], s:[{s:i}, {s:i, s:s}]}}", "routes",
                                   "POST /m", "status", 500, "status", 200, "POST /t", "status",
                                   503, "status", 201, "body", "made"));
    config_limits limits = test_limits();
    strlist allow = list_of("127.0.0.1", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    fake_url(f, "/m", url, sizeof url);
    fwk_http_header headers[] = {{"Content-Type", "application/json"}, {"X-Test", "1"}};
    fwk_http_request req = {.struct_size = sizeof req,
                            .method = "POST",
                            .url = url,
                            .headers = headers,
                            .header_count = 2,
                            .body = "{\"a\":1}",
                            .body_len = 7,
                            .flags = FWK_HTTP_MUTATING};
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    assert_int_equal(resp->status, 500); /* the server may have acted: not sent again */
    assert_int_equal(resp->attempts, 1);
    http_response_free(resp);
    json_t *records = fake_requests(f);
    assert_int_equal(json_array_size(records), 1);
    json_t *first = json_array_get(records, 0);
    assert_string_equal(json_string_value(json_object_get(first, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(first, "body")), "{\"a\":1}");
    json_t *sent = json_object_get(first, "headers");
    assert_string_equal(json_string_value(json_object_get(sent, "x-test")), "1");
    assert_string_equal(json_string_value(json_object_get(sent, "content-type")),
                        "application/json");
    json_decref(records);

    /* 503 means the server did not act: a mutating request is retried */
    fake_url(f, "/t", url, sizeof url);
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    assert_int_equal(resp->status, 201);
    assert_int_equal(resp->attempts, 2);
    assert_string_equal(resp->body, "made");
    http_response_free(resp);
    assert_int_equal(counter(client, "errors"), 1);
    assert_int_equal(counter(client, "throttles"), 1);
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

static void test_send_rate_limit(void **state)
{
    (void)state;
    fake *f = fake_start(script_route("/r", ok_forever()));
    config_limits limits = test_limits();
    limits.rate_per_s = 5;
    limits.burst = 1;
    strlist allow = list_of("127.0.0.1", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    fake_url(f, "/r", url, sizeof url);
    fwk_http_request req = get_request(url);
    diag err = {{0}};
    int64_t started = clock_mono_ms();
    for (int i = 0; i < 6; i++) {
        fwk_http_response *resp = NULL;
        assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
        assert_int_equal(resp->status, 200);
        http_response_free(resp);
    }
    /* one token at once, then one every 200 ms: five waits */
    assert_true(clock_mono_ms() - started >= 1000);
    assert_int_equal(fake_request_count(f), 6);
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

typedef struct sender {
    pthread_t thread;
    http_client *client;
    const char *url;
    fwk_status status;
    long http_status;
} sender;

static void *send_one(void *arg)
{
    sender *s = arg;
    fwk_http_request req = get_request(s->url);
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    s->status = http_client_send(s->client, &req, &resp, &err, NULL, NULL);
    s->http_status = resp ? resp->status : 0;
    http_response_free(resp);
    return NULL;
}

static void test_send_concurrency_cap(void **state)
{
    (void)state;
    fake *f = fake_start(script_route(
        "/slow", json_pack("[{s:i, s:i, s:b}]", "status", 200, "delay_ms", 300, "repeat", 1)));
    config_limits limits = test_limits();
    limits.concurrency = 2;
    strlist allow = list_of("127.0.0.1", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    fake_url(f, "/slow", url, sizeof url);
    sender senders[6];
    int64_t started = clock_mono_ms();
    for (size_t i = 0; i < 6; i++) {
        senders[i] = (sender){.client = client, .url = url};
        assert_int_equal(pthread_create(&senders[i].thread, NULL, send_one, &senders[i]), 0);
    }
    for (size_t i = 0; i < 6; i++)
        pthread_join(senders[i].thread, NULL);
    int64_t elapsed = clock_mono_ms() - started;
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(senders[i].status, FWK_OK);
        assert_int_equal(senders[i].http_status, 200);
    }
    json_t *records = fake_requests(f);
    assert_int_equal(json_array_size(records), 6);
    json_int_t most = 0;
    size_t i;
    json_t *record;
    json_array_foreach (records, i, record) {
        json_int_t in_flight = json_integer_value(json_object_get(record, "in_flight"));
        most = in_flight > most ? in_flight : most;
    }
    json_decref(records);
    assert_int_equal(most, 2);   /* never more than the cap, and the cap is used */
    assert_true(elapsed >= 900); /* three rounds of two 300 ms requests */
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

static void test_send_truncated_and_reset(void **state)
{
    (void)state;
    fake *f = fake_start(json_pack(
        "{s:{s:[{s:i, s:s, s:b}, {s:i, s:s}], s:[{s:b}, {s:i, s:s}], s:[{s:i, s:s, s:b}]}}",
        "routes", "GET /t", "status", 200, "body", "part", "truncate", 1, "status", 200, "body",
        "complete", "GET /c", "close", 1, "status", 200, "body", "after reset", "POST /t", "status",
        200, "body", "part", "truncate", 1));
    config_limits limits = test_limits();
    strlist allow = list_of("127.0.0.1", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    fake_url(f, "/t", url, sizeof url);
    fwk_http_request req = get_request(url);
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    assert_int_equal(resp->attempts, 2);
    assert_string_equal(resp->body, "complete");
    http_response_free(resp);

    fake_url(f, "/c", url, sizeof url);
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    assert_int_equal(resp->attempts, 2);
    assert_string_equal(resp->body, "after reset");
    http_response_free(resp);
    assert_int_equal(counter(client, "retries"), 2);
    assert_int_equal(counter(client, "errors"), 0);

    /* a mutating request cut short is not sent again: the server may have acted on it */
    fake_url(f, "/t", url, sizeof url);
    fwk_http_request post = {.struct_size = sizeof post,
                             .method = "POST",
                             .url = url,
                             .body = "x",
                             .body_len = 1,
                             .flags = FWK_HTTP_MUTATING};
    assert_int_equal(http_client_send(client, &post, &resp, &err, NULL, NULL), FWK_ERROR);
    assert_null(resp);
    char expected[256];
    snprintf(expected, sizeof expected,
             "POST http://127.0.0.1:%d/t: no response after 1 attempt: the connection was cut "
             "before the response was complete",
             f->port);
    if (strncmp(err.text, expected, strlen(expected)) != 0)
        fail_msg("unexpected message: %s", err.text);
    assert_int_equal(counter(client, "errors"), 1);
    assert_int_equal(fake_request_count(f), 5);
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

static void test_send_retry_after_too_long(void **state)
{
    (void)state;
    fake *f =
        fake_start(script_route("/l", json_pack("[{s:i, s:{s:s}}, {s:i}]", "status", 429, "headers",
                                                "Retry-After", "120", "status", 200)));
    config_limits limits = test_limits();
    limits.backoff_max_ms = 1000;
    strlist allow = list_of("127.0.0.1", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    fake_url(f, "/l", url, sizeof url);
    fwk_http_request req = get_request(url);
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    int64_t started = clock_mono_ms();
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_OK);
    assert_true(clock_mono_ms() - started < 5000);
    assert_int_equal(resp->status, 429);
    assert_int_equal(resp->attempts, 1);
    assert_string_equal(http_response_header(resp, "retry-after"), "120");
    http_response_free(resp);
    assert_int_equal(counter(client, "retries"), 0);
    assert_int_equal(counter(client, "throttles"), 1);
    assert_int_equal(counter(client, "errors"), 0);
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

/* A port nothing listens on: bound, then closed. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    close(fd);
    return ntohs(addr.sin_port);
}

static void test_send_transport_errors(void **state)
{
    (void)state;
    config_limits limits = test_limits();
    limits.retries = 2;
    strlist allow = list_of("127.0.0.1", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/nothing?key=zz-secret", closed_port());
    fwk_http_request req = get_request(url);
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_ERROR);
    assert_null(resp);
    assert_non_null(strstr(err.text, "/nothing: no response after 3 attempts: could not connect"));
    assert_null(strstr(err.text, "zz-secret"));
    assert_int_equal(counter(client, "requests"), 3);
    assert_int_equal(counter(client, "retries"), 2);
    assert_int_equal(counter(client, "errors"), 1);

    /* a per-request timeout cuts a slow answer; the message says how long it waited */
    fake *f = fake_start(script_route(
        "/slow", json_pack("[{s:i, s:i, s:b}]", "status", 200, "delay_ms", 3000, "repeat", 1)));
    fake_url(f, "/slow", url, sizeof url);
    req = get_request(url);
    req.timeout_ms = 200;
    req.flags = FWK_HTTP_NO_RETRY;
    int64_t started = clock_mono_ms();
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_ERROR);
    assert_true(clock_mono_ms() - started < 2000);
    assert_non_null(strstr(err.text, "no response after 1 attempt: timed out after 200 ms"));
    assert_non_null(strstr(err.text, "raise limits.timeout"));
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

static int64_t cancel_at_ms;

static int cancel_after_deadline(void *arg)
{
    (void)arg;
    return clock_mono_ms() >= cancel_at_ms;
}

static void test_send_cancelled(void **state)
{
    (void)state;
    fake *f =
        fake_start(script_route("/w", json_pack("[{s:i, s:{s:s}, s:b}]", "status", 503, "headers",
                                                "Retry-After", "30", "repeat", 1)));
    config_limits limits = test_limits();
    strlist allow = list_of("127.0.0.1", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    fake_url(f, "/w", url, sizeof url);
    fwk_http_request req = get_request(url);
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    int64_t started = clock_mono_ms();
    cancel_at_ms = started + 300;
    assert_int_equal(http_client_send(client, &req, &resp, &err, cancel_after_deadline, NULL),
                     FWK_CANCELLED);
    assert_true(clock_mono_ms() - started < 2000); /* not the 30 s Retry-After */
    assert_null(resp);
    assert_non_null(strstr(err.text, "/w: cancelled"));
    assert_int_equal(fake_request_count(f), 1);
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

static void test_send_bad_requests(void **state)
{
    (void)state;
    config_limits limits = test_limits();
    strlist allow = list_of("127.0.0.1", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    fwk_http_request req = get_request("http://127.0.0.1:9/x");
    req.method = "FETCH";
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_ERROR);
    assert_non_null(strstr(err.text, "method 'FETCH' is not supported"));

    fwk_http_header bad[] = {{"X-Evil", "a\r\nHost: evil.com"}};
    req = get_request("http://127.0.0.1:9/x");
    req.headers = bad;
    req.header_count = 1;
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_ERROR);
    assert_non_null(strstr(err.text, "request header 1 ('X-Evil') is malformed"));

    req = get_request("http://127.0.0.1:9/x");
    req.struct_size = 0;
    assert_int_equal(http_client_send(client, &req, &resp, &err, NULL, NULL), FWK_ERROR);
    assert_non_null(strstr(err.text, "struct_size is 0"));
    assert_int_equal(counter(client, "requests"), 0);
    assert_null(resp);
    assert_null(http_client_new("probe", NULL, &allow));
    http_client_free(client);
    strlist_clear(&allow);
}

/* Debug logs show each attempt, never the query string or a secret header. */
static void test_send_log_lines(void **state)
{
    (void)state;
    fake *f =
        fake_start(script_route("/a", json_pack("[{s:i, s:{s:s}}, {s:i}]", "status", 429, "headers",
                                                "Retry-After", "1", "status", 200)));
    config_limits limits = test_limits();
    strlist allow = list_of("127.0.0.1", NULL);
    http_client *client = http_client_new("probe", &limits, &allow);
    char url[128];
    fake_url(f, "/a?token=query-secret-1", url, sizeof url);
    fwk_http_header headers[] = {{"Authorization", "Bearer header-secret-2"},
                                 {"X-Custom-Key", "header-secret-3"}};
    const char *const secret_names[] = {"x-custom-key", NULL};
    fwk_http_request req = get_request(url);
    req.headers = headers;
    req.header_count = 2;
    req.secret_headers = secret_names;

    char log_path[] = "/tmp/fawkes-test-http-log-XXXXXX";
    int log_fd = mkstemp(log_path);
    assert_true(log_fd >= 0);
    fflush(stderr);
    int saved_stderr = dup(STDERR_FILENO);
    dup2(log_fd, STDERR_FILENO);
    log_setup(FWK_LOG_DEBUG, false);
    fwk_http_response *resp = NULL;
    diag err = {{0}};
    fwk_status status = http_client_send(client, &req, &resp, &err, NULL, NULL);
    log_setup(FWK_LOG_WARN, false);
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    close(log_fd);
    assert_int_equal(status, FWK_OK);
    http_response_free(resp);

    FILE *log = fopen(log_path, "r");
    assert_non_null(log);
    char text[8192] = "";
    size_t n = fread(text, 1, sizeof text - 1, log);
    text[n] = '\0';
    fclose(log);
    unlink(log_path);
    char expected[256];
    snprintf(expected, sizeof expected,
             "GET http://127.0.0.1:%d/a -> 429 (attempt 1/5, retrying in 1000 ms)", f->port);
    if (!strstr(text, expected))
        fail_msg("expected '%s' in the log:\n%s", expected, text);
    snprintf(expected, sizeof expected, "GET http://127.0.0.1:%d/a -> 200 (attempt 2/5)", f->port);
    if (!strstr(text, expected))
        fail_msg("expected '%s' in the log:\n%s", expected, text);
    assert_null(strstr(text, "query-secret-1"));
    assert_null(strstr(text, "header-secret-2"));
    assert_null(strstr(text, "header-secret-3"));
    /* secret header values are redacted from anything logged later, too */
    char *redacted = log_redact("server said: header-secret-3");
    assert_string_equal(redacted, "server said: [REDACTED]");
    free(redacted);
    log_reset_secrets();
    http_client_free(client);
    strlist_clear(&allow);
    fake_stop(f);
}

int main(void)
{
    http_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_egress_exact_host),
        cmocka_unit_test(test_egress_wildcard),
        cmocka_unit_test(test_egress_scheme),
        cmocka_unit_test(test_egress_loopback),
        cmocka_unit_test(test_egress_userinfo),
        cmocka_unit_test(test_egress_malformed),
        cmocka_unit_test(test_egress_empty_allowlist_and_query),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_backoff_bounds),
        cmocka_unit_test(test_token_bucket_burst_and_refill),
        cmocka_unit_test(test_token_bucket_edges),
        cmocka_unit_test_teardown(test_send_retry_after_then_ok, fake_teardown),
        cmocka_unit_test_teardown(test_send_5xx_exhausts_retries, fake_teardown),
        cmocka_unit_test_teardown(test_send_plugin_retry_check, fake_teardown),
        cmocka_unit_test_teardown(test_send_refused_host, fake_teardown),
        cmocka_unit_test_teardown(test_send_mutating, fake_teardown),
        cmocka_unit_test_teardown(test_send_rate_limit, fake_teardown),
        cmocka_unit_test_teardown(test_send_concurrency_cap, fake_teardown),
        cmocka_unit_test_teardown(test_send_truncated_and_reset, fake_teardown),
        cmocka_unit_test_teardown(test_send_retry_after_too_long, fake_teardown),
        cmocka_unit_test_teardown(test_send_transport_errors, fake_teardown),
        cmocka_unit_test_teardown(test_send_cancelled, fake_teardown),
        cmocka_unit_test(test_send_bad_requests),
        cmocka_unit_test_teardown(test_send_log_lines, fake_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    http_global_cleanup();
    return failed;
}
