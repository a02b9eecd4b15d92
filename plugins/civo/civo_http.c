/* civo_http.c: Civo API requests through fwkx: URLs, bearer auth, status hints, listings. */
#include <stdlib.h>
#include <string.h>

#include "civo.h"

/* The bearer key is never logged. */
static const char *const civo_secret_headers[] = {"Authorization", NULL};

char *civo_url(const civo_instance *inst, const char *path, const char *id, const char *sub,
               const char *sub_id, const char *region)
{
    fwkx_buf url = FWKX_BUF_INIT;

    fwkx_buf_addf(&url, "%s%s", inst->endpoint, path);
    if (id) {
        fwkx_buf_adds(&url, "/");
        fwkx_buf_add_escaped(&url, id);
    }
    if (sub)
        fwkx_buf_addf(&url, "/%s", sub);
    if (sub_id) {
        fwkx_buf_adds(&url, "/");
        fwkx_buf_add_escaped(&url, sub_id);
    }
    if (region) {
        fwkx_buf_adds(&url, "?region=");
        fwkx_buf_add_escaped(&url, region);
    }
    return fwkx_buf_take(&url);
}

/* What to do about an HTTP status, appended to fwkx's failure message. */
static const char *civo_hint(long status)
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

/* fwkx says FWK_RETRY for 429 and 5xx; the host has retried those already, so for Civo's
   callers (tasks, actions, provisioning, cost) they are failures like any other. */
static fwk_status civo_status(fwk_status rc)
{
    return rc == FWK_RETRY ? FWK_ERROR : rc;
}

fwk_status civo_call(const civo_instance *inst, fwk_ctx *ctx, const char *method, const char *url,
                     const json_t *body, uint32_t flags, fwkx_http_result *result)
{
    const fwk_http_header auth = {"Authorization", inst->auth_header};
    const fwkx_http_call call = {
        .method = method,
        .url = url,
        .body = body,
        .headers = &auth,
        .header_count = 1,
        .secret_headers = civo_secret_headers,
        .flags = flags,
        .hint = civo_hint,
    };

    return civo_status(fwkx_http_json(inst->host, ctx, &call, result));
}

fwk_status civo_list(const civo_instance *inst, fwk_ctx *ctx, const char *path, const char *region,
                     bool paginated, civo_item_fn on_item, void *arg)
{
    const fwk_http_header auth = {"Authorization", inst->auth_header};
    char *url = civo_url(inst, path, NULL, NULL, NULL, region);
    /* fwkx_paginate checks host->cancelled before each page. */
    const fwkx_pager pager = {
        .style = paginated ? FWKX_PAGE_NUMBER : FWKX_PAGE_NONE,
        .url = url,
        .headers = &auth,
        .header_count = 1,
        .secret_headers = civo_secret_headers,
        .hint = civo_hint,
        .items_key = "items",
        .items_required = 1,
        .page_param = "page",
        .per_page_param = "per_page",
        .per_page = inst->per_page,
        .pages_key = "pages",
        .on_item = on_item,
        .arg = arg,
    };
    fwk_status rc;

    if (!url) {
        inst->host->fail(ctx, "out of memory building the URL of %s", path);
        return FWK_ERROR;
    }
    rc = civo_status(fwkx_paginate(inst->host, ctx, &pager));
    free(url);
    return rc;
}
