/* civo_cost.c: billed usage from GET /v2/charges (31 days at most per call), priced with the
   instance's price catalog where it has an entry. */
#include <stdio.h>
#include <string.h>

#include "civo.h"

/* Civo answers at most 31 days per call; longer ranges are asked in windows of this size. */
#define CIVO_CHARGES_WINDOW_MS (31LL * 24 * 3600 * 1000)
/* Hours in a month for turning monthly prices into hourly ones (365 * 24 / 12). */
#define CIVO_HOURS_PER_MONTH 730.0

/* USD for one charge: "instance-SIZE" and other codes by the hour from a monthly price, a
   "volume" per GB-month; null when the catalog has no price for it. New reference. */
static json_t *charge_cost(const civo_instance *inst, const json_t *charge)
{
    const char *code = fwkx_str(charge, "code", NULL);
    double hours = fwkx_num(charge, "num_hours", -1);

    if (!code || hours < 0)
        return json_null();
    if (strncmp(code, "instance-", 9) == 0)
        code += 9;
    return civo_price(inst, code, hours / CIVO_HOURS_PER_MONTH * fwkx_num(charge, "size_gb", 1));
}

typedef struct civo_cost_run {
    const civo_instance *inst;
    json_t *items;
    double total;
    size_t unpriced;
} civo_cost_run;

static fwk_status add_charge(void *arg, const json_t *charge)
{
    civo_cost_run *run = arg;
    json_t *cost = charge_cost(run->inst, charge);
    json_t *item = json_deep_copy(charge);

    if (!item) {
        json_decref(cost);
        return FWK_ERROR;
    }
    if (json_is_null(cost))
        run->unpriced++;
    else
        run->total += json_number_value(cost);
    json_object_set_new(item, "cost", cost);
    json_array_append_new(run->items, item);
    return FWK_OK;
}

fwk_status civo_cost(const civo_instance *inst, fwk_ctx *ctx, const json_t *request,
                     json_t **report)
{
    const char *from_text = fwkx_str(request, "from", NULL);
    const char *to_text = fwkx_str(request, "to", NULL);
    int64_t from = 0, to = 0;
    civo_cost_run run = {inst, json_array(), 0, 0};
    fwk_status rc = FWK_OK;

    *report = NULL;
    if (fwkx_time_parse(from_text, &from) != 0 || fwkx_time_parse(to_text, &to) != 0 ||
        from >= to) {
        inst->host->fail(ctx,
                         "cost: expected {\"from\", \"to\"} as RFC 3339 times "
                         "(YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD) with from before to; got %s .. %s",
                         from_text ? from_text : "?", to_text ? to_text : "?");
        json_decref(run.items);
        return FWK_ERROR;
    }
    for (int64_t start = from; rc == FWK_OK && start < to; start += CIVO_CHARGES_WINDOW_MS) {
        int64_t end = to - start > CIVO_CHARGES_WINDOW_MS ? start + CIVO_CHARGES_WINDOW_MS : to;
        char a[FWKX_TIME_MAX], b[FWKX_TIME_MAX], path[128];
        /* charges are account-wide: no region; the range is the query, in UTC */
        snprintf(path, sizeof path, "/v2/charges?from=%s&to=%s",
                 fwkx_time_format(start, a, sizeof a), fwkx_time_format(end, b, sizeof b));
        rc = civo_list(inst, ctx, path, NULL, false, add_charge, &run);
    }
    if (rc != FWK_OK) {
        json_decref(run.items);
        return rc;
    }
    *report = json_pack("{s:s, s:f, s:I, s:s, s:s, s:o}", "currency", "USD", "total", run.total,
                        "unpriced", (json_int_t)run.unpriced, "from", from_text, "to", to_text,
                        "items", run.items);
    return FWK_OK;
}
