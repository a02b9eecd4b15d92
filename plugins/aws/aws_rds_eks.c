/* aws_rds_eks.c: RDS DB instances (query API, Marker pages) and EKS clusters (REST JSON,
   nextToken pages, one DescribeCluster each). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

static fwk_status on_db_page(aws_task *t, const json_t *result, void *arg)
{
    json_t *owned;
    const json_t *items = aws_as_list(json_object_get(result, "DBInstances"), &owned);
    size_t i;
    const json_t *item;
    fwk_status rc = FWK_OK;

    (void)arg;
    json_array_foreach (items, i, item) {
        rc = aws_emit(t, aws_norm_db(t->account->id, t->region, (json_t *)item));
        if (rc != FWK_OK)
            break;
    }
    json_decref(owned);
    return rc;
}

fwk_status aws_rds_task(aws_task *t)
{
    char params[32];

    snprintf(params, sizeof params, "MaxRecords=%ld", aws_page_size(t, 20, 100));
    return aws_query_pages(t, AWS_RDS, "2014-10-31", "DescribeDBInstances", params, AWS_XML_KEEP,
                           "DescribeDBInstancesResponse.DescribeDBInstancesResult", "Marker",
                           on_db_page, NULL);
}

/* One EKS GET into *answer (parsed JSON). */
static fwk_status eks_get(aws_task *t, const char *action, const char *path, const char *query,
                          json_t **answer)
{
    const aws_request req = {.service = AWS_EKS,
                             .region = t->region,
                             .method = "GET",
                             .path = path,
                             .query = query,
                             .action = action};
    aws_response resp;
    json_error_t err;
    fwk_status rc = aws_call(t->inst, t->ctx, &t->account->creds, t->account->id, &req, &resp);

    *answer = NULL;
    if (rc == FWK_OK) {
        *answer = json_loadb(resp.body, resp.body_len, 0, &err);
        if (!json_is_object(*answer)) {
            t->inst->host->fail(t->ctx,
                                "eks %s in %s (account %s): the answer is not a JSON object "
                                "(%s; %zu bytes): a truncated or garbled body",
                                action, t->region, t->account->id,
                                *answer ? "another JSON value" : err.text, resp.body_len);
            json_decref(*answer);
            *answer = NULL;
            rc = FWK_ERROR;
        }
    }
    aws_response_free(&resp);
    return rc;
}

static fwk_status describe_cluster(aws_task *t, const char *name)
{
    fwkx_buf path = FWKX_BUF_INIT;
    json_t *answer = NULL;
    fwk_status rc;

    fwkx_buf_adds(&path, "/clusters/");
    fwkx_buf_add_escaped(&path, name);
    rc = eks_get(t, "DescribeCluster", fwkx_buf_str(&path), NULL, &answer);
    fwkx_buf_free(&path);
    if (rc == FWK_OK)
        rc = aws_emit(
            t, aws_norm_cluster(t->account->id, t->region, json_object_get(answer, "cluster")));
    json_decref(answer);
    return rc;
}

fwk_status aws_eks_task(aws_task *t)
{
    char *token = NULL;
    fwk_status rc = FWK_OK;

    do {
        fwkx_buf query = FWKX_BUF_INIT;
        json_t *answer = NULL;
        size_t i;
        const json_t *name;
        const char *next;

        if (t->inst->host->cancelled(t->ctx)) {
            rc = FWK_CANCELLED;
            break;
        }
        fwkx_buf_addf(&query, "maxResults=%ld", aws_page_size(t, 1, 100));
        if (token) {
            fwkx_buf_adds(&query, "&nextToken=");
            fwkx_buf_add_escaped(&query, token);
        }
        rc = eks_get(t, "ListClusters", "/clusters", fwkx_buf_str(&query), &answer);
        fwkx_buf_free(&query);
        if (rc != FWK_OK)
            break;
        json_array_foreach (json_object_get(answer, "clusters"), i, name) {
            if (json_is_string(name) &&
                (rc = describe_cluster(t, json_string_value(name))) != FWK_OK)
                break;
        }
        next = fwkx_str(answer, "nextToken", NULL);
        if (rc == FWK_OK && next && *next && token && strcmp(next, token) == 0) {
            t->inst->host->fail(t->ctx, "eks ListClusters in %s: a page repeats its token",
                                t->region);
            rc = FWK_ERROR;
        }
        free(token);
        token = rc == FWK_OK && next && *next ? strdup(next) : NULL;
        json_decref(answer);
    } while (token);
    free(token);
    return rc;
}
