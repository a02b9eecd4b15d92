/* aws_cost.c: billed cost from Cost Explorer GetCostAndUsage (daily, grouped by service,
   UnblendedCost), every page, for each account the instance reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

typedef struct cost_run {
    json_t *items;
    double total;
    char currency[16];
} cost_run;

/* One page's ResultsByTime into `run`. */
static void add_results(cost_run *run, const char *account, const json_t *answer)
{
    size_t i, j;
    const json_t *day, *group;

    json_array_foreach (json_object_get(answer, "ResultsByTime"), i, day) {
        const char *date = fwkx_str(json_object_get(day, "TimePeriod"), "Start", NULL);
        json_array_foreach (json_object_get(day, "Groups"), j, group) {
            const json_t *metric = fwkx_path(group, "Metrics.UnblendedCost");
            const char *amount = fwkx_str(metric, "Amount", NULL);
            const char *unit = fwkx_str(metric, "Unit", "USD");
            double cost = amount ? strtod(amount, NULL) : 0.0;
            if (!amount)
                continue;
            run->total += cost;
            snprintf(run->currency, sizeof run->currency, "%s", unit);
            json_array_append_new(
                run->items,
                json_pack("{s:s?, s:s?, s:s, s:s?, s:f, s:s, s:b}", "date", date, "label", date,
                          "account", account, "service",
                          json_string_value(json_array_get(json_object_get(group, "Keys"), 0)),
                          "cost", cost, "unit", unit, "estimated",
                          fwkx_bool(day, "Estimated", 0) == 1));
        }
    }
}

/* Every page for one account. */
static fwk_status account_cost(aws_instance *inst, fwk_ctx *ctx, const aws_account *account,
                               const char *start, const char *end, cost_run *run)
{
    const fwk_http_header target = {"X-Amz-Target", "AWSInsightsIndexService.GetCostAndUsage"};
    char *token = NULL;
    fwk_status rc = FWK_OK;

    do {
        json_t *body = json_pack("{s:{s:s, s:s}, s:s, s:[s], s:[{s:s, s:s}]}", "TimePeriod",
                                 "Start", start, "End", end, "Granularity", "DAILY", "Metrics",
                                 "UnblendedCost", "GroupBy", "Type", "DIMENSION", "Key", "SERVICE");
        char *text;
        aws_response resp;
        json_t *answer;
        const char *next;

        if (token)
            json_object_set_new(body, "NextPageToken", json_string(token));
        text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        const aws_request req = {.service = AWS_CE,
                                 .region = "us-east-1",
                                 .method = "POST",
                                 .path = "/",
                                 .body = text,
                                 .content_type = "application/x-amz-json-1.1",
                                 .action = "GetCostAndUsage",
                                 .headers = &target,
                                 .header_count = 1};
        rc = text ? aws_call(inst, ctx, &account->creds, account->id, &req, &resp) : FWK_ERROR;
        free(text);
        if (rc != FWK_OK)
            break;
        answer = json_loadb(resp.body, resp.body_len, 0, NULL);
        aws_response_free(&resp);
        if (!json_is_object(answer)) {
            inst->host->fail(ctx,
                             "ce GetCostAndUsage (account %s): the answer is not a JSON "
                             "object: a truncated or garbled body",
                             account->id);
            json_decref(answer);
            rc = FWK_ERROR;
            break;
        }
        add_results(run, account->id, answer);
        next = fwkx_str(answer, "NextPageToken", NULL);
        if (next && *next && token && strcmp(next, token) == 0) {
            inst->host->fail(ctx, "ce GetCostAndUsage: a page repeats its token");
            rc = FWK_ERROR;
        }
        free(token);
        token = rc == FWK_OK && next && *next ? strdup(next) : NULL;
        json_decref(answer);
    } while (token);
    free(token);
    return rc;
}

fwk_status aws_cost(aws_instance *inst, fwk_ctx *ctx, const json_t *request, json_t **report)
{
    const char *from_text = fwkx_str(request, "from", NULL),
               *to_text = fwkx_str(request, "to", NULL);
    int64_t from = 0, to = 0;
    char start[FWKX_TIME_MAX], end[FWKX_TIME_MAX];
    cost_run run = {json_array(), 0, "USD"};
    fwk_status rc = FWK_OK;

    *report = NULL;
    if (fwkx_time_parse(from_text, &from) != 0 || fwkx_time_parse(to_text, &to) != 0 ||
        from >= to) {
        inst->host->fail(ctx,
                         "cost: expected {\"from\", \"to\"} as RFC 3339 times with from before "
                         "to; got %s .. %s",
                         from_text ? from_text : "?", to_text ? to_text : "?");
        json_decref(run.items);
        return FWK_ERROR;
    }
    /* Cost Explorer counts whole days: [start day, end day), end rounded up */
    fwkx_time_format(from - from % 86400000, start, sizeof start);
    fwkx_time_format(to % 86400000 ? to - to % 86400000 + 86400000 : to, end, sizeof end);
    start[10] = end[10] = '\0';
    if (aws_session_ready(inst, ctx) != 0) {
        json_decref(run.items);
        return FWK_ERROR;
    }
    for (size_t a = 0; rc == FWK_OK && a < inst->account_count; a++)
        rc = account_cost(inst, ctx, &inst->account[a], start, end, &run);
    if (rc != FWK_OK) {
        json_decref(run.items);
        return rc;
    }
    *report = json_pack("{s:s, s:f, s:s, s:s, s:o}", "currency", run.currency, "total",
                        run.total > -1e15 && run.total < 1e15
                            ? (double)(long long)(run.total * 100.0 + 0.5) / 100.0
                            : run.total,
                        "from", from_text, "to", to_text, "items", run.items);
    return FWK_OK;
}
