/* fwkx_http.c: a JSON call through host->http_request, with one standard failure message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"

/* Bytes of a failure message besides the method, URL and hint: status, reason, attempts. */
#define FWKX_MESSAGE_ROOM 768
/* How much of a body without a known error shape goes into a message. */
#define FWKX_EXCERPT_MAX 200

/* The reason an error body gives, from the shapes public APIs use; NULL when none. */
static const char *fwkx_error_reason(const json_t *answer, char *out, size_t size)
{
    const json_t *error = json_object_get(answer, "error");
    const json_t *errors = json_object_get(answer, "errors");
    const char *code = fwkx_str(answer, "code", NULL), *reason = fwkx_str(answer, "reason", NULL);
    const char *message = fwkx_str(answer, "message", NULL);

    if (json_is_object(error)) { /* Google: {"error": {"code", "status", "message"}} */
        const char *status = fwkx_str(error, "status", fwkx_str(error, "code", NULL));
        message = fwkx_str(error, "message", NULL);
        if (status && message)
            snprintf(out, size, "%s: %s", status, message);
        else if (status || message)
            snprintf(out, size, "%s", status ? status : message);
        else
            return NULL;
        return out;
    }
    if (json_is_string(error)) { /* OAuth: {"error", "error_description"} */
        const char *description = fwkx_str(answer, "error_description", NULL);
        snprintf(out, size, "%s%s%s", json_string_value(error), description ? ": " : "",
                 description ? description : "");
        return out;
    }
    if (code || reason) { /* Civo: {"code", "reason"} */
        snprintf(out, size, "%s%s%s", code ? code : "", code && (reason || message) ? ": " : "",
                 reason    ? reason
                 : message ? message
                           : "");
        return out;
    }
    if (message || json_is_array(errors)) { /* {"message"}, PagerDuty {"message", "errors"} */
        char *list = json_is_array(errors) ? json_dumps(errors, JSON_COMPACT) : NULL;
        snprintf(out, size, "%s%s%s", message ? message : "", message && list ? " " : "",
                 list ? list : "");
        free(list);
        return out;
    }
    return NULL;
}

/* The first bytes of a body, printable ASCII (others become spaces). */
static void fwkx_excerpt(const char *body, size_t body_len, char *out, size_t size)
{
    size_t n = 0;

    for (size_t i = 0; i < body_len && n + 1 < size && n < FWKX_EXCERPT_MAX; i++) {
        char c = body[i];
        out[n++] = (c >= 32 && c < 127) ? c : ' ';
    }
    out[n] = '\0';
    if (n == 0)
        snprintf(out, size, "(empty body)");
}

char *fwkx_http_describe(const char *method, const char *url, long http_status, int attempts,
                         const char *body, size_t body_len, const char *hint, char *out,
                         size_t size)
{
    char reason[512], after[48] = "";
    json_t *answer = body_len ? json_loadb(body, body_len, 0, NULL) : NULL;

    if (!fwkx_error_reason(answer, reason, sizeof reason) || reason[0] == '\0')
        fwkx_excerpt(body, body_len, reason, sizeof reason);
    json_decref(answer);
    if (attempts > 1)
        snprintf(after, sizeof after, " (after %d attempts)", attempts);
    snprintf(out, size, "%s %s -> HTTP %ld: %s%s%s", method, url, http_status, reason, after,
             hint ? hint : "");
    return out;
}

/* Whether a status may succeed when sent again later. */
static int fwkx_transient(long http_status)
{
    return http_status == 408 || http_status == 425 || http_status == 429 || http_status >= 500;
}

/* The request's headers: JSON ones first, then the caller's. NULL when out of memory. */
static fwk_http_header *fwkx_headers(const fwkx_http_call *call, size_t *count)
{
    fwk_http_header *headers = calloc(call->header_count + 2, sizeof *headers);

    if (!headers)
        return NULL;
    *count = 0;
    headers[(*count)++] = (fwk_http_header){"Accept", "application/json"};
    if (call->body)
        headers[(*count)++] = (fwk_http_header){"Content-Type", "application/json"};
    for (size_t i = 0; i < call->header_count; i++)
        headers[(*count)++] = call->headers[i];
    return headers;
}

/* Turn a response into the result and a status (message on ctx on failure). */
static fwk_status fwkx_read_answer(const fwk_host *host, fwk_ctx *ctx, const fwkx_http_call *call,
                                   const fwk_http_response *res, fwkx_http_result *result)
{
    const char *hint = call->hint ? call->hint(res->status) : NULL;
    json_error_t jerr;

    result->status = res->status;
    result->attempts = res->attempts;
    if (call->capture_header) {
        const char *value = host->http_header(res, call->capture_header);
        if (value && !(result->header = strdup(value))) {
            host->fail(ctx, "%s %s: out of memory", call->method, call->url);
            return FWK_ERROR;
        }
    }
    if (res->body_len > 0)
        result->answer = json_loadb(res->body, res->body_len, 0, &jerr);
    if (res->status < 200 || res->status > 299) {
        /* Room for the whole URL: a URL cut short would no longer match the secret it may
           hold (webhooks), and the host could not redact it. */
        size_t size = strlen(call->method) + strlen(call->url) + (hint ? strlen(hint) : 0) +
                      FWKX_MESSAGE_ROOM;
        char *message = malloc(size);
        if (!message) {
            host->fail(ctx, "%s: out of memory describing HTTP %ld", call->method, res->status);
            return FWK_ERROR;
        }
        fwkx_http_describe(call->method, call->url, res->status, res->attempts, res->body,
                           res->body_len, hint, message, size);
        host->fail(ctx, "%s", message);
        free(message);
        return fwkx_transient(res->status) ? FWK_RETRY : FWK_ERROR;
    }
    if (res->body_len > 0 && !result->answer && !call->body_optional) {
        host->fail(ctx,
                   "%s %s -> HTTP %ld: the answer is not valid JSON (%s at byte %d of %zu): the "
                   "response was cut short or the endpoint is not the API expected; try again",
                   call->method, call->url, res->status, jerr.text, jerr.position, res->body_len);
        return FWK_ERROR;
    }
    return FWK_OK;
}

fwk_status fwkx_http_json(const fwk_host *host, fwk_ctx *ctx, const fwkx_http_call *call,
                          fwkx_http_result *result)
{
    char *body = call->body ? json_dumps(call->body, JSON_COMPACT) : NULL;
    size_t header_count = 0;
    fwk_http_header *headers = fwkx_headers(call, &header_count);
    fwk_http_response *res = NULL;
    fwk_status rc;

    memset(result, 0, sizeof *result);
    if (!headers || (call->body && !body)) {
        host->fail(ctx, "%s %s: out of memory building the request", call->method, call->url);
        rc = FWK_ERROR;
        goto out;
    }
    fwk_http_request req = {
        .struct_size = sizeof req,
        .method = call->method,
        .url = call->url,
        .headers = headers,
        .header_count = header_count,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .timeout_ms = call->timeout_ms,
        .flags = call->flags,
        .secret_headers = call->secret_headers,
        .retry_check = call->retry_check,
        .retry_arg = call->retry_arg,
    };
    rc = host->http_request(ctx, &req, &res);
    if (rc == FWK_OK)
        rc = fwkx_read_answer(host, ctx, call, res, result);
    host->http_response_free(res);
out:
    free(headers);
    free(body);
    return rc;
}

void fwkx_http_result_free(fwkx_http_result *result)
{
    json_decref(result->answer);
    free(result->header);
    memset(result, 0, sizeof *result);
}
