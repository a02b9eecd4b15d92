/* http_retry.c: retry timing for the HTTP service: Retry-After, backoff, token bucket, clock. */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"

/* Retry-After values longer than this are treated as "very long" (a day, in ms): every caller
   compares them with backoff_max_ms, so the exact figure above it does not matter. */
#define RETRY_AFTER_CEILING_MS (86400L * 1000L)

long retry_after_ms(const char *value, time_t now)
{
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t len = strlen(value);
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t' || value[len - 1] == '\r' ||
                       value[len - 1] == '\n'))
        len--;
    if (len == 0)
        return -1;

    size_t digits = 0;
    while (digits < len && isdigit((unsigned char)value[digits]))
        digits++;
    if (digits == len) {
        /* delta-seconds (RFC 9110 10.2.3): 1*DIGIT, nothing else */
        long seconds = 0;
        for (size_t i = 0; i < len; i++) {
            seconds = seconds * 10 + (value[i] - '0');
            if (seconds > RETRY_AFTER_CEILING_MS / 1000)
                return RETRY_AFTER_CEILING_MS;
        }
        return seconds * 1000;
    }
    if (digits > 0 || value[0] == '-' || value[0] == '+')
        return -1; /* "5s", "-5", "+3", "1.5": not delta-seconds, not a date */

    char date[128];
    if (len >= sizeof date)
        return -1;
    memcpy(date, value, len);
    date[len] = '\0';
    time_t when = curl_getdate(date, NULL);
    if (when == (time_t)-1)
        return -1;
    if (when <= now)
        return 0;
    double delta_ms = difftime(when, now) * 1000.0;
    return delta_ms > (double)RETRY_AFTER_CEILING_MS ? RETRY_AFTER_CEILING_MS : (long)delta_ms;
}

long backoff_delay_ms(int attempt, long base_ms, long max_ms, double jitter01)
{
    if (base_ms <= 0 || max_ms <= 0)
        return 0;
    if (attempt < 1)
        attempt = 1;
    if (!(jitter01 >= 0.0)) /* also catches NaN */
        jitter01 = 0.0;
    if (jitter01 >= 1.0)
        jitter01 = nextafter(1.0, 0.0);
    /* base * 2^(attempt-1), doubling until it reaches max so it can never overflow */
    long cap = base_ms < max_ms ? base_ms : max_ms;
    for (int i = 1; i < attempt && cap < max_ms; i++)
        cap = cap > max_ms / 2 ? max_ms : cap * 2;
    long delay = (long)(jitter01 * (double)cap);
    return delay < cap ? delay : cap - 1;
}

void token_bucket_init(token_bucket *tb, double rate_per_s, double burst, int64_t now_ms)
{
    tb->rate_per_s = rate_per_s > 0 ? rate_per_s : 0;
    tb->burst = burst >= 1.0 ? burst : 1.0;
    tb->tokens = tb->burst;
    tb->last_ms = now_ms;
}

int64_t token_bucket_take(token_bucket *tb, int64_t now_ms)
{
    if (tb->rate_per_s <= 0)
        return 0;
    if (now_ms > tb->last_ms) {
        tb->tokens += (double)(now_ms - tb->last_ms) * tb->rate_per_s / 1000.0;
        if (tb->tokens > tb->burst)
            tb->tokens = tb->burst;
        tb->last_ms = now_ms;
    }
    double before = tb->tokens;
    tb->tokens -= 1.0; /* taken now, or reserved: a negative balance queues later callers */
    if (before >= 1.0)
        return 0;
    return (int64_t)ceil((1.0 - before) * 1000.0 / tb->rate_per_s);
}
