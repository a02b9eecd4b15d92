/* aws_query.c: AWS query-protocol actions (EC2, RDS, IAM) and their pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

fwk_status aws_query(aws_task *t, aws_service service, const char *version, const char *action,
                     const char *params, aws_xml_names names, json_t **doc)
{
    char *body = NULL;
    aws_response resp;
    fwk_status rc;
    char what[160];

    *doc = NULL;
    if (asprintf(&body, "Action=%s&Version=%s%s%s", action, version, params ? "&" : "",
                 params ? params : "") < 0) {
        t->inst->host->fail(t->ctx, "out of memory");
        return FWK_ERROR;
    }
    const aws_request req = {.service = service,
                             .region = t->region ? t->region : t->inst->default_region,
                             .method = "POST",
                             .path = "/",
                             .body = body,
                             .content_type = "application/x-www-form-urlencoded; charset=utf-8",
                             .action = action};
    rc = aws_call(t->inst, t->ctx, &t->account->creds, t->account->id, &req, &resp);
    if (rc == FWK_OK) {
        snprintf(what, sizeof what, "%s %s in %s (account %s)", aws_service_names[service], action,
                 service == AWS_IAM ? "global" : req.region, t->account->id);
        *doc = aws_xml_parse(t->inst, t->ctx, what, resp.body, resp.body_len, names);
        if (!*doc)
            rc = FWK_ERROR;
    }
    aws_response_free(&resp);
    free(body);
    return rc;
}

fwk_status aws_query_pages(aws_task *t, aws_service service, const char *version,
                           const char *action, const char *params, aws_xml_names names,
                           const char *result_path, const char *token_key, aws_page_fn on_page,
                           void *arg)
{
    char *token = NULL;
    fwk_status rc = FWK_OK;

    for (long page = 1;; page++) {
        fwkx_buf query = FWKX_BUF_INIT;
        json_t *doc = NULL;
        const json_t *result;
        const char *next;

        if (t->inst->host->cancelled(t->ctx)) {
            rc = FWK_CANCELLED;
            break;
        }
        if (params)
            fwkx_buf_adds(&query, params);
        if (token) {
            fwkx_buf_addf(&query, "%s%s=", query.len ? "&" : "", token_key);
            fwkx_buf_add_escaped(&query, token);
        }
        rc = aws_query(t, service, version, action, query.len ? fwkx_buf_str(&query) : NULL, names,
                       &doc);
        fwkx_buf_free(&query);
        if (rc != FWK_OK)
            break;
        result = aws_json_at(doc, result_path);
        rc = on_page(t, result, arg);
        next = fwkx_str(result, token_key, NULL);
        if (rc != FWK_OK || !next || !*next || fwkx_bool(result, "IsTruncated", 1) == 0) {
            json_decref(doc);
            break;
        }
        if (token && strcmp(token, next) == 0) {
            t->inst->host->fail(t->ctx,
                                "%s %s in %s (account %s): page %ld repeats the token of the "
                                "page before: stopped so the listing cannot loop",
                                aws_service_names[service], action,
                                t->region ? t->region : "global", t->account->id, page);
            json_decref(doc);
            rc = FWK_ERROR;
            break;
        }
        free(token);
        token = strdup(next);
        json_decref(doc);
        t->inst->host->counter_add(t->ctx, "aws.pages", 1);
    }
    free(token);
    return rc;
}
