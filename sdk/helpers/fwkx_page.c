/* fwkx_page.c: the pagination loop: page numbers, next-page tokens or Link headers. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fawkes/fwkx.h"

#define FWKX_DEFAULT_PER_PAGE 100
#define FWKX_DEFAULT_MAX_PAGES 100000

/* One loop's state. */
typedef struct fwkx_walk {
    const fwk_host *host;
    fwk_ctx *ctx;
    const fwkx_pager *pager;
    long page;      /* 1-based number of the page being fetched */
    char *next_url; /* FWKX_PAGE_LINK: the next page's URL, or NULL at the end */
    char *token;    /* FWKX_PAGE_TOKEN: the token for the next page, or NULL */
    int last;       /* the page just handled was the last */
} fwkx_walk;

/* The page's URL: the first URL with this style's parameters. New string or NULL. */
static char *fwkx_page_url(const fwkx_walk *walk)
{
    const fwkx_pager *pager = walk->pager;
    fwkx_buf url = FWKX_BUF_INIT;
    char sep = strchr(pager->url, '?') ? '&' : '?';

    if (pager->style == FWKX_PAGE_LINK && walk->next_url)
        return strdup(walk->next_url);
    fwkx_buf_adds(&url, pager->url);
    if (pager->style == FWKX_PAGE_NUMBER) {
        fwkx_buf_addf(&url, "%c%s=%ld&%s=%ld", sep, pager->page_param ? pager->page_param : "page",
                      walk->page, pager->per_page_param ? pager->per_page_param : "per_page",
                      pager->per_page > 0 ? pager->per_page : FWKX_DEFAULT_PER_PAGE);
    } else if (pager->style == FWKX_PAGE_TOKEN && walk->token) {
        fwkx_buf_addf(&url, "%c%s=", sep, pager->token_param ? pager->token_param : "pageToken");
        fwkx_buf_add_escaped(&url, walk->token);
    }
    return fwkx_buf_take(&url);
}

/* The URL of rel="next" in a Link header value (RFC 8288), new string, or NULL. */
static char *fwkx_link_next(const char *link)
{
    while (link && *link) {
        const char *open = strchr(link, '<'), *close = open ? strchr(open, '>') : NULL;
        if (!close)
            return NULL;
        const char *end = strchr(close, ',');
        size_t params_len = end ? (size_t)(end - close) : strlen(close);
        /* rel="next" or rel=next among the parameters, possibly in a list ("next last"). */
        for (const char *rel = close; (rel = strcasestr(rel, "rel=")) && rel < close + params_len;
             rel += 4) {
            const char *value = rel + 4 + (rel[4] == '"');
            if (strncasecmp(value, "next", 4) == 0 && strchr("\" ;,", value[4] ? value[4] : ' '))
                return strndup(open + 1, (size_t)(close - open - 1));
        }
        link = end ? end + 1 : NULL;
    }
    return NULL;
}

/* Hand a page to the callbacks. */
static fwk_status fwkx_deliver(const fwkx_walk *walk, const json_t *answer, size_t *count,
                               const char *url, long http_status)
{
    const fwkx_pager *pager = walk->pager;
    const json_t *items = answer;
    size_t i;
    const json_t *item;

    *count = 0;
    if (pager->items_key && !json_is_array(answer))
        items = json_object_get(answer, pager->items_key);
    if (pager->on_page)
        return pager->on_page(pager->arg, answer);
    if (pager->items_key && !items && pager->items_required) {
        walk->host->fail(walk->ctx,
                         "GET %s -> HTTP %ld: expected a list, or a page with the member \"%s\"; "
                         "got %s without it: is the endpoint the API expected?",
                         url, http_status, pager->items_key, fwkx_type_name(answer));
        return FWK_ERROR;
    }
    if (pager->items_key && (!items || json_is_null(items)))
        return FWK_OK; /* APIs leave the list out of an empty page */
    if (!json_is_array(items)) {
        walk->host->fail(walk->ctx,
                         "GET %s -> HTTP %ld: expected %s%s%s to be a list, got %s: is the "
                         "endpoint the API expected?",
                         url, http_status, pager->items_key ? "the member \"" : "the answer",
                         pager->items_key ? pager->items_key : "", pager->items_key ? "\"" : "",
                         fwkx_type_name(items));
        return FWK_ERROR;
    }
    *count = json_array_size(items);
    json_array_foreach (items, i, item) {
        fwk_status rc = pager->on_item(pager->arg, item);
        if (rc != FWK_OK)
            return rc;
    }
    return FWK_OK;
}

/* Read where the next page is from this page's answer; sets walk->last at the end. */
static fwk_status fwkx_advance(fwkx_walk *walk, const json_t *answer, const char *link,
                               size_t count, const char *url)
{
    const fwkx_pager *pager = walk->pager;

    if (pager->items_key && json_is_array(answer)) {
        walk->last = 1; /* a bare list where a page was expected is the whole listing */
    } else if (pager->style == FWKX_PAGE_NUMBER) {
        long per_page = pager->per_page > 0 ? pager->per_page : FWKX_DEFAULT_PER_PAGE;
        const json_t *pages = pager->pages_key ? json_object_get(answer, pager->pages_key) : NULL;
        if (json_is_integer(pages))
            walk->last = walk->page >= json_integer_value(pages);
        else
            walk->last = pager->on_page ? 1 : count < (size_t)per_page;
    } else if (pager->style == FWKX_PAGE_NONE) {
        walk->last = 1;
    } else if (pager->style == FWKX_PAGE_TOKEN) {
        const char *next =
            fwkx_str(answer, pager->next_key ? pager->next_key : "nextPageToken", NULL);
        if (next && walk->token && strcmp(next, walk->token) == 0) {
            walk->host->fail(walk->ctx,
                             "GET %s: the API returned the same page token again: it would "
                             "loop; stopping (the listing is incomplete)",
                             url);
            return FWK_ERROR;
        }
        free(walk->token);
        walk->token = next && *next ? strdup(next) : NULL;
        walk->last = walk->token == NULL;
    } else {
        free(walk->next_url);
        walk->next_url = fwkx_link_next(link);
        walk->last = walk->next_url == NULL;
    }
    return FWK_OK;
}

/* Fetch and deliver one page. */
static fwk_status fwkx_page_once(fwkx_walk *walk)
{
    const fwkx_pager *pager = walk->pager;
    char *url = fwkx_page_url(walk);
    fwkx_http_result result = {0};
    fwk_status rc;
    size_t count = 0;

    if (!url) {
        walk->host->fail(walk->ctx, "GET %s: out of memory building page %ld's URL", pager->url,
                         walk->page);
        return FWK_ERROR;
    }
    fwkx_http_call call = {
        .method = "GET",
        .url = url,
        .headers = pager->headers,
        .header_count = pager->header_count,
        .secret_headers = pager->secret_headers,
        .hint = pager->hint,
        .capture_header = pager->style == FWKX_PAGE_LINK ? "Link" : NULL,
    };
    rc = fwkx_http_json(walk->host, walk->ctx, &call, &result);
    if (rc == FWK_OK)
        rc = fwkx_deliver(walk, result.answer, &count, url, result.status);
    if (rc == FWK_OK)
        rc = fwkx_advance(walk, result.answer, result.header, count, url);
    fwkx_http_result_free(&result);
    free(url);
    return rc;
}

fwk_status fwkx_paginate(const fwk_host *host, fwk_ctx *ctx, const fwkx_pager *pager)
{
    long max_pages = pager->max_pages > 0 ? pager->max_pages : FWKX_DEFAULT_MAX_PAGES;
    fwkx_walk walk = {.host = host, .ctx = ctx, .pager = pager, .page = 1};
    fwk_status rc = FWK_OK;

    if (!pager->url || (!pager->on_page && !pager->on_item) || pager->style < FWKX_PAGE_NUMBER ||
        pager->style > FWKX_PAGE_NONE) {
        host->fail(ctx, "fwkx_paginate: the pager needs a url, a style and on_page or on_item "
                        "(a bug in the plugin)");
        return FWK_ERROR;
    }
    while (rc == FWK_OK && !walk.last) {
        if (host->cancelled(ctx)) {
            rc = FWK_CANCELLED;
            break;
        }
        if (walk.page > max_pages) {
            host->fail(ctx,
                       "GET %s: more than %ld pages; stopping (the listing is incomplete): "
                       "narrow the listing or raise the plugin's page limit",
                       pager->url, max_pages);
            rc = FWK_ERROR;
            break;
        }
        rc = fwkx_page_once(&walk);
        walk.page++;
    }
    free(walk.token);
    free(walk.next_url);
    return rc;
}
