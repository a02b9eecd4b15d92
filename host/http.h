/* http.h: the HTTP service plugins use: egress allowlist, retries, rate limits, counters. */
#ifndef HOST_HTTP_H
#define HOST_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "fawkes/host.h"
#include "config.h"
#include "diag.h"
#include "strlist.h"

/* Call once at start (curl_global_init) and at exit. Not thread-safe. */
void http_global_init(void);
void http_global_cleanup(void);

/*
 * egress_check: may the host send a request to `url`? Rules:
 * - the scheme is https; http:// only to loopback hosts when loopback is allowed;
 * - loopback (localhost, 127.0.0.0/8, ::1) only when `allow` lists "127.0.0.1" or
 *   "localhost";
 * - otherwise the host name (case-insensitive, port ignored) equals an entry, or matches a
 *   "*.example.com" entry (which matches a.example.com and a.b.example.com, not
 *   example.com itself). An empty allowlist refuses every non-loopback host.
 * Returns 0 when allowed; -1 with the reason and the fix in `err`, e.g.
 * "egress to evil.example.net refused: not in security.egress_allow (allowed: api.civo.com,
 * *.amazonaws.com); add it there if this host is expected".
 */
int egress_check(const strlist *allow, const char *url, diag *err);

/* Retry-After value (delta-seconds or an HTTP-date) in ms from `now`; -1 when absent or
   unparseable; 0 for dates in the past. */
long retry_after_ms(const char *value, time_t now);

/* Backoff before retry number `attempt` (1-based): full jitter,
   jitter01 * min(max_ms, base_ms * 2^(attempt-1)). jitter01 in [0,1). */
long backoff_delay_ms(int attempt, long base_ms, long max_ms, double jitter01);

/* A token bucket. `rate_per_s` <= 0 means unlimited. Not thread-safe by itself. */
typedef struct token_bucket {
    double rate_per_s;
    double burst;
    double tokens;
    int64_t last_ms;
} token_bucket;
void token_bucket_init(token_bucket *tb, double rate_per_s, double burst, int64_t now_ms);
/* Take one token at `now_ms`. Returns 0 when one was available, else the ms to wait until it
   is (the token is then reserved: the caller sleeps that long and goes on). */
int64_t token_bucket_take(token_bucket *tb, int64_t now_ms);

/* One client per plugin instance: its limits, its counters. */
typedef struct http_client http_client;

/* `owner` (the instance name) is copied; `limits` and `allow` are copied. NULL on OOM. */
http_client *http_client_new(const char *owner, const config_limits *limits, const strlist *allow);
void http_client_free(http_client *client);

/*
 * http_client_send: the implementation of host->http_request for one instance.
 * Waits for a concurrency slot and a token, checks egress (refusal: FWK_ERROR, logged at
 * warn, counted as "refused"), sends with libcurl (TLS peer and host verification on,
 * redirects not followed), retries 429, 500, 502, 503, 504 and timeouts/connection failures
 * up to limits.retries times with backoff_delay_ms, or after Retry-After when given (a
 * Retry-After above backoff_max_ms ends the retries). Requests flagged FWK_HTTP_MUTATING are
 * retried only on 429 and 503 (the server did not act on them). `cancelled(cancel_arg)`,
 * when non-NULL, is polled while waiting. On FWK_OK *response is the last response.
 * On failure `err` names the method, URL (query string dropped), attempts and cause.
 * Thread-safe: many threads may send through one client.
 */
fwk_status http_client_send(http_client *client, const fwk_http_request *request,
                            fwk_http_response **response, diag *err,
                            int (*cancelled)(void *cancel_arg), void *cancel_arg);

/* Free a response from http_client_send. NULL allowed. */
void http_response_free(fwk_http_response *response);
/* First header named `name` (case-insensitive) or NULL; borrowed from the response. */
const char *http_response_header(const fwk_http_response *response, const char *name);

/* Counters so far: a new object {"requests","retries","throttles","errors","refused"}.
   requests = attempts sent; throttles = 429/503 answers; errors = requests that finally
   failed (transport error or 5xx after retries). Thread-safe. */
json_t *http_client_counters(const http_client *client);

#endif
