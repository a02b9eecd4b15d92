/* gcp_http.c: Google API requests through fwkx: URLs, the bearer token (fetched again once on a
   401), Google's error envelope with a hint naming the API, and pageToken loops. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"

/* The access token is never logged. */
static const char *const gcp_secret_headers[] = {"Authorization", NULL};

char *gcp_url(const gcp_instance *inst, const char *host, const char *fmt, ...)
{
    fwkx_buf url = FWKX_BUF_INIT;
    va_list ap;

    if (inst->endpoint)
        fwkx_buf_adds(&url, inst->endpoint);
    else
        fwkx_buf_addf(&url, "https://%s", host);
    va_start(ap, fmt);
    fwkx_buf_vaddf(&url, fmt, ap);
    va_end(ap);
    return fwkx_buf_take(&url);
}

const char *gcp_esc(const char *text, char *out, size_t size)
{
    fwkx_buf buf = FWKX_BUF_INIT;

    fwkx_buf_add_escaped(&buf, text ? text : "");
    snprintf(out, size, "%s", fwkx_buf_str(&buf));
    fwkx_buf_free(&buf);
    return out;
}

/* The API a URL belongs to, by its path (one endpoint may serve them all in tests). */
static const char *api_of(const char *url)
{
    if (strstr(url, "/compute/v1/"))
        return "compute.googleapis.com";
    if (strstr(url, "/storage/v1/"))
        return "storage.googleapis.com";
    if (strstr(url, "/sql/v1beta4/"))
        return "sqladmin.googleapis.com";
    if (strstr(url, "/clusters"))
        return "container.googleapis.com";
    if (strstr(url, "/v3/projects"))
        return "cloudresourcemanager.googleapis.com";
    return "the Google API";
}

/* The reason of Google's error details (ErrorInfo), e.g. SERVICE_DISABLED, and its service. */
static const char *error_reason(const json_t *answer, const char **service)
{
    const json_t *details = fwkx_path(answer, "error.details");
    const json_t *detail;
    size_t i;

    json_array_foreach (details, i, detail) {
        const char *reason = fwkx_str(detail, "reason", NULL);
        if (reason) {
            *service = fwkx_str(json_object_get(detail, "metadata"), "service", NULL);
            return reason;
        }
    }
    return NULL;
}

/* The reason of Google's error when it says a rate quota is spent, else NULL: Compute Engine
   answers 403 with the reason rateLimitExceeded (userRateLimitExceeded per user) in its
   `errors` list; newer envelopes carry RATE_LIMIT_EXCEEDED in an ErrorInfo detail. */
static const char *rate_limit_reason(const json_t *answer)
{
    const char *service = NULL;
    const char *reason = error_reason(answer, &service);
    const json_t *errors = fwkx_path(answer, "error.errors");
    const json_t *error;
    size_t i;

    if (reason && strcmp(reason, "RATE_LIMIT_EXCEEDED") == 0)
        return reason;
    json_array_foreach (errors, i, error) {
        const char *why = fwkx_str(error, "reason", "");
        if (strcmp(why, "rateLimitExceeded") == 0 || strcmp(why, "userRateLimitExceeded") == 0)
            return why;
    }
    return NULL;
}

/* The host's retry_check: a 403 that says a rate quota is spent is retried at the start of
   the next minute, when Google refills per-minute quotas (plus up to a second, so that the
   instance's threads do not all come back at once); any other answer is taken as it is. */
static long retry_when_rate_limited(const fwk_http_response *response, void *arg)
{
    long wait = -1;
    json_t *answer;

    (void)arg;
    if (response->status != 403 || !response->body)
        return -1;
    answer = json_loadb(response->body, response->body_len, 0, NULL);
    if (rate_limit_reason(answer)) {
        int64_t now = fwkx_clock_wall_ms();
        wait = (long)(60000 - now % 60000) + (long)(fwkx_clock_mono_ms() % 1000);
    }
    json_decref(answer);
    return wait;
}

/* What to do about a failed call, from its status and Google's error body. */
static void describe_hint(const char *url, long status, const json_t *answer, char *out,
                          size_t size)
{
    const char *service = NULL;
    const char *reason = error_reason(answer, &service);
    const char *api = service ? service : api_of(url);

    if (status == 403 && reason && strcmp(reason, "SERVICE_DISABLED") == 0)
        snprintf(out, size,
                 "; could not evaluate: the API %s is disabled in this project "
                 "(SERVICE_DISABLED): enable it (gcloud services enable %s) or leave it out of "
                 "services:",
                 api, api);
    else if (status == 403 && rate_limit_reason(answer))
        snprintf(out, size,
                 "; still rate limited by %s (%s) after the host's retries: a per-minute rate "
                 "quota of the project is spent; lower limits.rate, raise limits.retries or "
                 "ask Google for more quota",
                 api, rate_limit_reason(answer));
    else if (status == 403)
        snprintf(out, size,
                 "; could not evaluate: the credentials may not call %s here "
                 "(PERMISSION_DENIED): grant roles/viewer or the permissions listed in "
                 "plugins/gcp/README.md",
                 api);
    else if (status == 401)
        snprintf(out, size, "; a fresh access token was refused too: check the credentials");
    else if (status == 404)
        snprintf(out, size, "; not found: check the project id (%s)", api);
    else if (status == 429)
        snprintf(out, size,
                 "; still throttled by %s (RESOURCE_EXHAUSTED) after the host's retries: lower "
                 "limits.rate or raise the quota",
                 api);
    else if (status >= 500)
        snprintf(out, size, "; %s failed after the host's retries: try later", api);
    else
        out[0] = '\0';
}

/* Replace fwkx's message with one carrying Google's error and the hint. */
static void report(const gcp_instance *inst, fwk_ctx *ctx, const char *method, const char *url,
                   const fwkx_http_result *result)
{
    char hint[512], message[2048];
    char *body = json_is_object(result->answer) ? json_dumps(result->answer, JSON_COMPACT) : NULL;

    if (!body)
        return; /* not JSON: fwkx's words stand */
    describe_hint(url, result->status, result->answer, hint, sizeof hint);
    fwkx_http_describe(method, url, result->status, result->attempts, body, strlen(body), hint,
                       message, sizeof message);
    inst->host->fail(ctx, "%s", message);
    free(body);
}

fwk_status gcp_call(const gcp_instance *inst, fwk_ctx *ctx, const char *method, const char *url,
                    const json_t *body, uint32_t flags, fwkx_http_result *result)
{
    fwk_status rc = FWK_ERROR;

    memset(result, 0, sizeof *result);
    for (int attempt = 0; attempt < 2; attempt++) {
        unsigned long generation = 0;
        char *auth = gcp_token_header(inst, ctx, &generation);
        const fwk_http_header header = {"Authorization", auth};
        const fwkx_http_call call = {
            .method = method,
            .url = url,
            .body = body,
            .headers = &header,
            .header_count = 1,
            .secret_headers = gcp_secret_headers,
            .flags = flags,
            .retry_check = retry_when_rate_limited,
        };

        if (!auth)
            return FWK_ERROR;
        rc = fwkx_http_json(inst->host, ctx, &call, result);
        memset(auth, 0, strlen(auth));
        free(auth);
        if (result->status != 401 || attempt > 0)
            break;
        /* the token expired or was revoked early: fetch a new one, once */
        gcp_token_invalidate(inst, generation);
        inst->host->counter_add(ctx, "gcp.token_refreshed_on_401", 1);
        fwkx_http_result_free(result);
    }
    if (rc != FWK_OK && result->status > 0)
        report(inst, ctx, method, url, result);
    /* fwkx says FWK_RETRY for 429 and 5xx; the host has retried those already */
    return rc == FWK_RETRY ? FWK_ERROR : rc;
}

/* The URL of one page: `url` + size_param=N (+ pageToken=T). */
static char *page_url(const gcp_instance *inst, const char *url, const char *size_param,
                      const char *token)
{
    fwkx_buf buf = FWKX_BUF_INIT;

    fwkx_buf_addf(&buf, "%s%c%s=%ld", url, strchr(url, '?') ? '&' : '?', size_param,
                  inst->page_size);
    if (token) {
        fwkx_buf_adds(&buf, "&pageToken=");
        fwkx_buf_add_escaped(&buf, token);
    }
    return fwkx_buf_take(&buf);
}

fwk_status gcp_list(const gcp_instance *inst, fwk_ctx *ctx, const char *url, const char *size_param,
                    gcp_page_fn on_page, void *arg)
{
    char *token = NULL;
    fwk_status rc = FWK_OK;

    for (long page = 1;; page++) {
        char *this_url = page_url(inst, url, size_param, token);
        fwkx_http_result result;
        const char *next;

        if (!this_url) {
            inst->host->fail(ctx, "out of memory building the URL of page %ld of %s", page, url);
            rc = FWK_ERROR;
            break;
        }
        if (inst->host->cancelled(ctx)) {
            free(this_url);
            rc = FWK_CANCELLED;
            break;
        }
        rc = gcp_call(inst, ctx, "GET", this_url, NULL, 0, &result);
        if (rc == FWK_OK && !json_is_object(result.answer)) {
            inst->host->fail(ctx, "GET %s -> HTTP %ld: expected a JSON object, got %s", this_url,
                             result.status, fwkx_type_name(result.answer));
            rc = FWK_ERROR;
        }
        if (rc == FWK_OK)
            rc = on_page(arg, result.answer);
        next = rc == FWK_OK ? fwkx_text(result.answer, "nextPageToken", NULL) : NULL;
        if (next && token && strcmp(next, token) == 0) {
            inst->host->fail(ctx,
                             "GET %s: nextPageToken repeats the page's own token: the "
                             "listing would never end",
                             this_url);
            rc = FWK_ERROR;
            next = NULL;
        }
        free(token);
        token = next ? strdup(next) : NULL;
        if (next && !token) {
            inst->host->fail(ctx, "out of memory after page %ld of %s", page, url);
            rc = FWK_ERROR;
        }
        fwkx_http_result_free(&result);
        free(this_url);
        if (rc != FWK_OK || !token)
            break;
    }
    free(token);
    return rc;
}
