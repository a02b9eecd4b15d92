/* http.c: the HTTP client plugins use: concurrency cap, rate limit, libcurl sends, retries. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "audit.h"
#include "http.h"
#include "http_internal.h"
#include "log.h"
#include "clock.h"

#define POLL_MS 100
#define DEFAULT_TIMEOUT_MS 30000L

struct http_client {
    char *owner;
    config_limits limits;
    strlist allow;
    pthread_mutex_t slot_lock; /* guards in_flight */
    pthread_cond_t slot_free;
    int in_flight;
    pthread_mutex_t bucket_lock; /* guards bucket */
    token_bucket bucket;
    atomic_llong requests, retries, throttles, errors, refused;
};

void http_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_global_cleanup(void)
{
    curl_global_cleanup();
}

/* ---- responses ---- */

/* ---- the client ---- */

http_client *http_client_new(const char *owner, const config_limits *limits, const strlist *allow)
{
    if (!limits)
        return NULL; /* the caller passes the instance's limits (config_limits_default) */
    http_client *client = calloc(1, sizeof *client);
    if (!client)
        return NULL;
    client->owner = strdup(owner ? owner : "http");
    if (!client->owner)
        goto fail;
    client->limits = *limits;
    if (client->limits.concurrency < 1)
        client->limits.concurrency = 1;
    if (client->limits.retries < 0)
        client->limits.retries = 0;
    for (size_t i = 0; allow && i < allow->count; i++)
        if (strlist_push(&client->allow, allow->items[i]) != 0)
            goto fail;
    double burst = client->limits.burst > 0        ? client->limits.burst
                   : client->limits.rate_per_s > 1 ? client->limits.rate_per_s
                                                   : 1.0;
    token_bucket_init(&client->bucket, client->limits.rate_per_s, burst, clock_mono_ms_ceil());
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&client->slot_free, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&client->slot_lock, NULL);
    pthread_mutex_init(&client->bucket_lock, NULL);
    return client;
fail:
    strlist_clear(&client->allow);
    free(client->owner);
    free(client);
    return NULL;
}

void http_client_free(http_client *client)
{
    if (!client)
        return;
    pthread_cond_destroy(&client->slot_free);
    pthread_mutex_destroy(&client->slot_lock);
    pthread_mutex_destroy(&client->bucket_lock);
    strlist_clear(&client->allow);
    free(client->owner);
    free(client);
}

json_t *http_client_counters(const http_client *client)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I}", "requests",
                     (json_int_t)atomic_load(&client->requests), "retries",
                     (json_int_t)atomic_load(&client->retries), "throttles",
                     (json_int_t)atomic_load(&client->throttles), "errors",
                     (json_int_t)atomic_load(&client->errors), "refused",
                     (json_int_t)atomic_load(&client->refused));
}

/* ---- waiting ---- */

static bool is_cancelled(int (*cancelled)(void *), void *arg)
{
    return cancelled && cancelled(arg);
}

/* Sleep until clock_mono_ms() reaches `until_ms`, waking every POLL_MS to poll for
   cancellation. Returns -1 when cancelled. */
static int sleep_until(int64_t until_ms, int (*cancelled)(void *), void *arg)
{
    for (;;) {
        if (is_cancelled(cancelled, arg))
            return -1;
        int64_t left = until_ms - clock_mono_ms();
        if (left <= 0)
            return 0;
        if (left > POLL_MS)
            left = POLL_MS;
        struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
}

static int sleep_ms(int64_t ms, int (*cancelled)(void *), void *arg)
{
    return sleep_until(clock_mono_ms_ceil() + ms, cancelled, arg);
}

static int slot_acquire(http_client *client, int (*cancelled)(void *), void *arg)
{
    int rc = 0;
    pthread_mutex_lock(&client->slot_lock);
    while (client->in_flight >= client->limits.concurrency) {
        if (is_cancelled(cancelled, arg)) {
            rc = -1;
            goto out;
        }
        struct timespec deadline = clock_mono_deadline(POLL_MS);
        pthread_cond_timedwait(&client->slot_free, &client->slot_lock, &deadline);
    }
    client->in_flight++;
out:
    pthread_mutex_unlock(&client->slot_lock);
    return rc;
}

static void slot_release(http_client *client)
{
    pthread_mutex_lock(&client->slot_lock);
    client->in_flight--;
    pthread_cond_signal(&client->slot_free);
    pthread_mutex_unlock(&client->slot_lock);
}

static int token_wait(http_client *client, int (*cancelled)(void *), void *arg)
{
    /* The bucket's clock is rounded up and the sleep ends on the plain clock, so the spacing
       it asks for is never shortened by the ms rounding. */
    pthread_mutex_lock(&client->bucket_lock);
    int64_t now_ms = clock_mono_ms_ceil();
    int64_t wait_ms = token_bucket_take(&client->bucket, now_ms);
    pthread_mutex_unlock(&client->bucket_lock);
    return wait_ms > 0 ? sleep_until(now_ms + wait_ms, cancelled, arg) : 0;
}

/* A number in [0, 1) for backoff jitter; per-thread state, so no lock is needed. */
static double jitter01(void)
{
    static _Thread_local uint64_t state;
    if (state == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&state;
    }
    state += 0x9E3779B97F4A7C15ull; /* splitmix64 */
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0; /* 2^53 */
}

/* ---- one request ---- */

static const char *const supported_methods[] = {"GET",   "POST", "PUT", "DELETE",
                                                "PATCH", "HEAD", NULL};
static const char *const always_secret[] = {"Authorization", "Proxy-Authorization", "Cookie",
                                            "X-Api-Key", NULL};

/* The caller's request, as much of it as its struct_size covers (older plugins send less). */
static void request_copy(const fwk_http_request *in, fwk_http_request *out)
{
    memset(out, 0, sizeof *out);
    size_t size = in->struct_size < sizeof *out ? in->struct_size : sizeof *out;
    memcpy(out, in, size);
}

/* The URL without query string or fragment: what logs and messages may show. */
static void url_shown(const char *url, char *buf, size_t size)
{
    size_t len = strcspn(url, "?#");
    if (len >= size)
        len = size - 1;
    memcpy(buf, url, len);
    buf[len] = '\0';
}

static bool method_supported(const char *method)
{
    for (size_t i = 0; supported_methods[i]; i++)
        if (strcmp(method, supported_methods[i]) == 0)
            return true;
    return false;
}

static bool header_is_secret(const fwk_http_request *req, const char *name)
{
    for (size_t i = 0; always_secret[i]; i++)
        if (strcasecmp(name, always_secret[i]) == 0)
            return true;
    for (size_t i = 0; req->secret_headers && req->secret_headers[i]; i++)
        if (strcasecmp(name, req->secret_headers[i]) == 0)
            return true;
    return false;
}

/* Secret header values are registered with the logger, so a server echoing one back into an
   error body that a plugin reports is still redacted. "Bearer X" registers X as well. */
static void register_secret_value(const char *value)
{
    log_add_secret(value);
    const char *space = strchr(value, ' ');
    if (space)
        log_add_secret(space + 1);
}

static int build_headers(const fwk_http_request *req, struct curl_slist **list, diag *why)
{
    for (size_t i = 0; i < req->header_count; i++) {
        const fwk_http_header *h = &req->headers[i];
        if (!h->name || !h->name[0] || strpbrk(h->name, ":\r\n \t") || !h->value ||
            strpbrk(h->value, "\r\n")) {
            diag_set(why,
                     "request header %zu ('%s') is malformed: names need no colon, space "
                     "or line break and values no line break",
                     i + 1, h->name ? h->name : "");
            return -1;
        }
        if (header_is_secret(req, h->name))
            register_secret_value(h->value);
        char *line = NULL;
        int n = h->value[0] ? asprintf(&line, "%s: %s", h->name, h->value)
                            : asprintf(&line, "%s;", h->name); /* curl's form for "empty" */
        if (n < 0)
            goto oom;
        struct curl_slist *grown = curl_slist_append(*list, line);
        free(line);
        if (!grown)
            goto oom;
        *list = grown;
    }
    struct curl_slist *grown = curl_slist_append(*list, "Expect:"); /* no 100-continue wait */
    if (!grown)
        goto oom;
    *list = grown;
    return 0;
oom:
    diag_set(why, "out of memory while building request headers");
    return -1;
}

static void easy_setup(CURL *easy, const fwk_http_request *req, CURLU *url,
                       struct curl_slist *headers, long timeout_ms, transfer *t, char *errbuf)
{
    curl_easy_setopt(easy, CURLOPT_CURLU, url);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "fawkes/" FAWKES_VERSION);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, http_on_progress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);

    const char *method = req->method;
    bool has_body = req->body != NULL;
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") == 0 && !has_body) {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (has_body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
               strcmp(method, "PATCH") == 0) {
        /* a body, or an empty one so that Content-Length: 0 is sent */
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(has_body ? req->body_len : 0));
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, has_body ? req->body : "");
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 && strcmp(method, "HEAD") != 0)
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    else if (strcmp(method, "GET") == 0 && has_body)
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "GET");
}

/* Transport failures worth another attempt: the server may answer next time. */
static bool transport_retryable(CURLcode code)
{
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return true;
    default:
        return false;
    }
}

static bool status_retryable(long status, bool mutating)
{
    if (status == 429 || status == 503)
        return true;
    return !mutating && (status == 500 || status == 502 || status == 504);
}

/* "what went wrong; what to do" for a transfer that got no usable response. */
static void transport_cause(CURLcode code, const char *errbuf, long timeout_ms,
                            const response_buf *resp, char *buf, size_t size)
{
    const char *detail = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(code);
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(buf, size,
                 "timed out after %ld ms (%s); raise limits.timeout or check that "
                 "the endpoint answers",
                 timeout_ms, detail);
        break;
    case CURLE_COULDNT_CONNECT:
        snprintf(buf, size,
                 "could not connect (%s); check the endpoint URL and that the "
                 "service is up",
                 detail);
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(buf, size, "could not resolve the host (%s); check the host name and DNS", detail);
        break;
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        snprintf(buf, size,
                 "the connection was cut before the response was complete (%s); "
                 "the server or a proxy closed it, try again later",
                 detail);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        snprintf(buf, size,
                 "TLS failed (%s); the server's certificate must be valid for its "
                 "host name and trusted by the system CA store (fawkes always verifies TLS)",
                 detail);
        break;
    case CURLE_WRITE_ERROR:
        if (resp && resp->body_too_large) {
            snprintf(buf, size,
                     "the response body is larger than %zu MiB; ask for smaller "
                     "pages",
                     BODY_LIMIT_BYTES / (1024 * 1024));
            break;
        }
        /* fall through */
    default:
        snprintf(buf, size, "%s (curl error %d)", detail, (int)code);
        break;
    }
}

/* Why one attempt failed, for a log line ("429", "timed out"): status or transport error. */
static void attempt_result(CURLcode code, long status, char *buf, size_t size)
{
    if (code == CURLE_OK)
        snprintf(buf, size, "%ld", status);
    else
        snprintf(buf, size, "%s", curl_easy_strerror(code));
}

/* The wait before the next attempt, or -1 when no retry should happen (Retry-After too long). */
static long retry_delay(const http_client *client, const response_buf *resp, int attempt,
                        long *retry_after)
{
    *retry_after = -1;
    const char *value = resp ? http_response_header(&resp->pub, "Retry-After") : NULL;
    if (value) {
        *retry_after = retry_after_ms(value, time(NULL));
        if (*retry_after > client->limits.backoff_max_ms)
            return -1;
        if (*retry_after >= 0)
            return *retry_after;
    }
    return backoff_delay_ms(attempt, client->limits.backoff_base_ms, client->limits.backoff_max_ms,
                            jitter01());
}

/* The wait before retrying a response the plugin's retry_check asks to retry, or -1. */
static long plugin_retry_delay(const http_client *client, const fwk_http_request *req,
                               const response_buf *resp, int attempt)
{
    if (!req->retry_check)
        return -1;
    long wait = req->retry_check(&resp->pub, req->retry_arg);
    if (wait < 0)
        return -1;
    if (wait == 0)
        return backoff_delay_ms(attempt, client->limits.backoff_base_ms,
                                client->limits.backoff_max_ms, jitter01());
    return wait < client->limits.backoff_max_ms ? wait : client->limits.backoff_max_ms;
}

typedef struct send_state {
    http_client *client;
    const fwk_http_request *req;
    const char *shown; /* the URL without query */
    long timeout_ms;
    int max_attempts;
    int (*cancelled)(void *cancel_arg);
    void *cancel_arg;
} send_state;

/* Run the attempts. On FWK_OK *out is the final response. */
static fwk_status send_attempts(const send_state *s, CURL *easy, transfer *t, char *errbuf,
                                response_buf **out, diag *err)
{
    http_client *client = s->client;
    const char *method = s->req->method;
    bool mutating = (s->req->flags & FWK_HTTP_MUTATING) != 0;
    for (int attempt = 1;; attempt++) {
        if (slot_acquire(client, s->cancelled, s->cancel_arg) != 0)
            return FWK_CANCELLED;
        if (token_wait(client, s->cancelled, s->cancel_arg) != 0) {
            slot_release(client);
            return FWK_CANCELLED;
        }
        http_response_free(&t->resp->pub);
        t->resp = http_response_new();
        if (!t->resp) {
            slot_release(client);
            diag_set(err, "%s %s: out of memory", method, s->shown);
            return FWK_ERROR;
        }
        errbuf[0] = '\0';
        CURLcode code = curl_easy_perform(easy);
        slot_release(client);
        atomic_fetch_add(&client->requests, 1);
        if (t->was_cancelled)
            return FWK_CANCELLED;
        long status = 0;
        if (code == CURLE_OK)
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        http_response_publish(t->resp, status, attempt);
        if (status == 429 || status == 503)
            atomic_fetch_add(&client->throttles, 1);

        bool retryable = code == CURLE_OK ? status_retryable(status, mutating)
                                          : !mutating && transport_retryable(code);
        long retry_after = -1;
        long delay = retryable && attempt < s->max_attempts
                         ? retry_delay(client, t->resp, attempt, &retry_after)
                         : -1;
        if (!retryable && code == CURLE_OK && attempt < s->max_attempts)
            delay = plugin_retry_delay(client, s->req, t->resp, attempt);
        char result[128];
        attempt_result(code, status, result, sizeof result);
        if (delay >= 0) {
            log_msg(FWK_LOG_DEBUG, client->owner, "%s %s -> %s (attempt %d/%d, retrying in %ld ms)",
                    method, s->shown, result, attempt, s->max_attempts, delay);
            atomic_fetch_add(&client->retries, 1);
            if (sleep_ms(delay, s->cancelled, s->cancel_arg) != 0)
                return FWK_CANCELLED;
            continue;
        }
        log_msg(FWK_LOG_DEBUG, client->owner, "%s %s -> %s (attempt %d/%d)", method, s->shown,
                result, attempt, s->max_attempts);
        if (retry_after > client->limits.backoff_max_ms)
            log_msg(FWK_LOG_INFO, client->owner,
                    "%s %s: Retry-After asks for %ld ms, more than limits.backoff_max (%ld ms): "
                    "not retrying",
                    method, s->shown, retry_after, client->limits.backoff_max_ms);
        if (code != CURLE_OK) {
            atomic_fetch_add(&client->errors, 1);
            char cause[1024];
            transport_cause(code, errbuf, s->timeout_ms, t->resp, cause, sizeof cause);
            diag_set(err, "%s %s: no response after %d attempt%s: %s", method, s->shown, attempt,
                     attempt == 1 ? "" : "s", cause);
            return FWK_ERROR;
        }
        if (status >= 500)
            atomic_fetch_add(&client->errors, 1);
        *out = t->resp;
        t->resp = NULL;
        return FWK_OK;
    }
}

fwk_status http_client_send(http_client *client, const fwk_http_request *request,
                            fwk_http_response **response, diag *err,
                            int (*cancelled)(void *cancel_arg), void *cancel_arg)
{
    fwk_status status = FWK_ERROR;
    CURLU *url = NULL;
    CURL *easy = NULL;
    struct curl_slist *headers = NULL;
    transfer t = {.cancelled = cancelled, .cancel_arg = cancel_arg};
    char errbuf[CURL_ERROR_SIZE] = "";
    char shown[1024];
    diag why = {{0}};
    *response = NULL;

    fwk_http_request req;
    if (!request || request->struct_size == 0) {
        diag_set(err, "HTTP request refused: struct_size is 0; set it to "
                      "sizeof(fwk_http_request)");
        goto out;
    }
    request_copy(request, &req);
    if (!req.url || !req.method) {
        diag_set(err, "HTTP request refused: %s is NULL", req.url ? "method" : "url");
        goto out;
    }
    url_shown(req.url, shown, sizeof shown);
    if (!method_supported(req.method)) {
        diag_set(err,
                 "%s %s: method '%s' is not supported; use GET, POST, PUT, PATCH, DELETE "
                 "or HEAD",
                 req.method, shown, req.method);
        goto out;
    }
    if (egress_check(&client->allow, req.url, &why) != 0) {
        atomic_fetch_add(&client->refused, 1);
        log_msg(FWK_LOG_WARN, client->owner, "%s %s: %s", req.method, shown, why.text);
        diag_set(err, "%s %s: %s", req.method, shown, why.text);
        goto out;
    }
    if (build_headers(&req, &headers, &why) != 0) {
        diag_set(err, "%s %s: %s", req.method, shown, why.text);
        goto out;
    }
    url = curl_url();
    easy = curl_easy_init();
    t.resp = http_response_new();
    if (!url || !easy || !t.resp || curl_url_set(url, CURLUPART_URL, req.url, 0) != CURLUE_OK) {
        diag_set(err, "%s %s: out of memory", req.method, shown);
        goto out;
    }
    send_state s = {
        .client = client,
        .req = &req,
        .shown = shown,
        .timeout_ms = req.timeout_ms > 0              ? req.timeout_ms
                      : client->limits.timeout_ms > 0 ? client->limits.timeout_ms
                                                      : DEFAULT_TIMEOUT_MS,
        .max_attempts = (req.flags & FWK_HTTP_NO_RETRY) ? 1 : 1 + client->limits.retries,
        .cancelled = cancelled,
        .cancel_arg = cancel_arg,
    };
    easy_setup(easy, &req, url, headers, s.timeout_ms, &t, errbuf);
    audit_dest_note(req.url);
    response_buf *final = NULL;
    status = send_attempts(&s, easy, &t, errbuf, &final, err);
    if (status == FWK_CANCELLED)
        diag_set(err, "%s %s: cancelled: the run is stopping", req.method, shown);
    else if (status == FWK_OK)
        *response = &final->pub;
    if (req.flags & FWK_HTTP_MUTATING)
        audit_http(client->owner, req.method, req.url, *response ? (*response)->status : 0,
                   *response ? (*response)->attempts : 0, status == FWK_OK ? NULL : err->text);
out:
    http_response_free(t.resp ? &t.resp->pub : NULL);
    curl_easy_cleanup(easy);
    curl_url_cleanup(url);
    curl_slist_free_all(headers);
    return status;
}
