/* civo_http.c: Civo API requests through the host: URLs, bearer auth, errors, pagination. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civo.h"

int civo_buf_printf(civo_buf *buf, const char *fmt, ...)
{
    va_list ap;
    int needed;

    va_start(ap, fmt);
    needed = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (needed < 0)
        return -1;
    if (buf->len + (size_t)needed + 1 > buf->cap) {
        size_t cap = (buf->cap ? buf->cap * 2 : 128) + (size_t)needed;
        char *grown = realloc(buf->data, cap);
        if (!grown)
            return -1;
        buf->data = grown;
        buf->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, ap);
    va_end(ap);
    buf->len += (size_t)needed;
    return 0;
}

int civo_buf_escape(civo_buf *buf, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        int ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                 *p == '-' || *p == '_' || *p == '.' || *p == '~';
        if ((ok ? civo_buf_printf(buf, "%c", *p) : civo_buf_printf(buf, "%%%02X", *p)) != 0)
            return -1;
    }
    return 0;
}

void civo_buf_free(civo_buf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

char *civo_url(const civo_instance *inst, const char *path, const char *region, const char *extra)
{
    civo_buf url = {0};

    if (civo_buf_printf(&url, "%s%s", inst->endpoint, path) != 0)
        goto oom;
    if (region && (civo_buf_printf(&url, "?region=") != 0 || civo_buf_escape(&url, region) != 0))
        goto oom;
    if (extra && civo_buf_printf(&url, "%c%s", region ? '&' : '?', extra) != 0)
        goto oom;
    return url.data;
oom:
    civo_buf_free(&url);
    return NULL;
}

/* What to do about an HTTP status, for the message. */
static const char *status_hint(long status)
{
    switch (status) {
    case 401:
        return "; could not evaluate: the API key was refused: set a valid key in the "
               "instance's token (default ${env:CIVO_TOKEN})";
    case 403:
        return "; could not evaluate: the API key may not read or change this: give its team "
               "the permission (see plugins/civo/README.md)";
    case 404:
        return "; it does not exist (any more) in that region";
    case 429:
        return "; still rate limited after the host's retries: lower limits.rate";
    default:
        return status >= 500 ? "; Civo's API failed after the host's retries: try later" : "";
    }
}

/* FWK_ERROR after failing with Civo's {code, reason} for a non-2xx answer. */
static fwk_status fail_status(const civo_instance *inst, fwk_ctx *ctx, const char *method,
                              const char *url, const fwk_http_response *res)
{
    json_t *err = json_loadb(res->body, res->body_len, 0, NULL);
    const char *code = civo_str(err, "code"), *reason = civo_str(err, "reason");
    char attempts[48] = "";

    if (res->attempts > 1)
        snprintf(attempts, sizeof attempts, " (after %d attempts)", res->attempts);
    if (code || reason)
        inst->host->fail(ctx, "%s %s -> HTTP %ld%s: %s: %s%s", method, url, res->status, attempts,
                         code ? code : "(no code)", reason ? reason : "(no reason)",
                         status_hint(res->status));
    else
        inst->host->fail(ctx, "%s %s -> HTTP %ld%s: %.200s%s", method, url, res->status, attempts,
                         res->body_len ? res->body : "(empty body)", status_hint(res->status));
    json_decref(err);
    return FWK_ERROR;
}

fwk_status civo_send(const civo_instance *inst, fwk_ctx *ctx, const char *method, const char *url,
                     const char *body, bool mutating, long *status, json_t **json)
{
    const fwk_host *host = inst->host;
    fwk_http_header headers[3] = {
        {"Authorization", inst->auth_header},
        {"Accept", "application/json"},
        {"Content-Type", "application/json"},
    };
    fwk_http_request req = {
        .struct_size = sizeof(req),
        .method = method,
        .url = url,
        .headers = headers,
        .header_count = body ? 3 : 2,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .flags = mutating ? FWK_HTTP_MUTATING : 0,
    };
    fwk_http_response *res = NULL;
    fwk_status rc;
    json_error_t jerr;

    *json = NULL;
    *status = 0;
    rc = host->http_request(ctx, &req, &res);
    if (rc != FWK_OK)
        return rc;
    *status = res->status;
    if (res->status < 200 || res->status > 299) {
        rc = fail_status(inst, ctx, method, url, res);
    } else if (res->body_len > 0) {
        *json = json_loadb(res->body, res->body_len, 0, &jerr);
        if (!*json) {
            host->fail(ctx,
                       "%s %s -> HTTP %ld: the answer is not valid JSON (%s at byte %d of %zu): "
                       "the response was cut short or is not Civo's API; try again",
                       method, url, res->status, jerr.text, jerr.position, res->body_len);
            rc = FWK_ERROR;
        }
    }
    host->http_response_free(res);
    return rc;
}

/* Hand every element of `items` to on_item. */
static fwk_status each_item(const json_t *items, civo_item_fn on_item, void *arg)
{
    size_t i;
    const json_t *item;

    json_array_foreach(items, i, item)
    {
        fwk_status rc = on_item(arg, item);
        if (rc != FWK_OK)
            return rc;
    }
    return FWK_OK;
}

fwk_status civo_list(const civo_instance *inst, fwk_ctx *ctx, const char *path, const char *region,
                     bool paginated, civo_item_fn on_item, void *arg)
{
    long page = 1, pages = 1, status;
    fwk_status rc = FWK_OK;

    do {
        char extra[64];
        char *url;
        json_t *answer = NULL;

        if (inst->host->cancelled(ctx))
            return FWK_CANCELLED;
        snprintf(extra, sizeof extra, "page=%ld&per_page=%ld", page, inst->per_page);
        url = civo_url(inst, path, region, paginated ? extra : NULL);
        if (!url) {
            inst->host->fail(ctx, "out of memory building the URL of %s", path);
            return FWK_ERROR;
        }
        rc = civo_send(inst, ctx, "GET", url, NULL, false, &status, &answer);
        if (rc == FWK_OK && json_is_array(answer)) {
            rc = each_item(answer, on_item, arg); /* an unpaginated list: all of it */
            pages = page;
        } else if (rc == FWK_OK && json_is_array(json_object_get(answer, "items"))) {
            json_t *total = json_object_get(answer, "pages");
            /* Unasked-for pages are not followed; a server that claims more than 100000
               pages is not believed past that. */
            pages = paginated && json_is_integer(total) ? (long)json_integer_value(total) : page;
            if (pages > 100000)
                pages = 100000;
            rc = each_item(json_object_get(answer, "items"), on_item, arg);
        } else if (rc == FWK_OK) {
            inst->host->fail(ctx,
                             "GET %s -> HTTP %ld: expected a list or a page {page, pages, items}, "
                             "got something else: is the endpoint Civo's API?",
                             url, status);
            rc = FWK_ERROR;
        }
        json_decref(answer);
        free(url);
        page++;
    } while (rc == FWK_OK && page <= pages);
    return rc;
}
