/* civo_cost.c: billed usage from GET /v2/charges (31 days at most per call), priced with the
   instance's price catalog where it has an entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civo.h"

/* Civo answers at most 31 days per call; longer ranges are asked in windows of this size. */
#define CIVO_CHARGES_WINDOW_S (31L * 24 * 3600)
/* Hours in a month for turning monthly prices into hourly ones (365 * 24 / 12). */
#define CIVO_HOURS_PER_MONTH 730.0

/* "YYYY-MM-DDTHH:MM:SSZ" to a UTC time. -1 when not that form. */
static time_t parse_utc(const char *text)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof tm);
    end = text ? strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (!end || *end)
        return (time_t)-1;
    return timegm(&tm);
}

static void format_utc(time_t t, char *buf, size_t size)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* USD for one charge: "instance-SIZE" and other codes by the hour from a monthly price, a
   "volume" per GB-month; null when the catalog has no price for it. New reference. */
static json_t *charge_cost(const civo_instance *inst, const json_t *charge)
{
    const char *code = civo_str(charge, "code");
    const json_t *hours = json_object_get(charge, "num_hours");
    const json_t *size_gb = json_object_get(charge, "size_gb");
    const char *priced = code;
    double units;

    if (!code || !json_is_number(hours))
        return json_null();
    if (strncmp(code, "instance-", 9) == 0)
        priced = code + 9;
    units = json_number_value(hours) / CIVO_HOURS_PER_MONTH;
    if (json_is_number(size_gb))
        units *= json_number_value(size_gb);
    return civo_price(inst, priced, units);
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
    const char *from_text = civo_str(request, "from"), *to_text = civo_str(request, "to");
    time_t from = parse_utc(from_text), to = parse_utc(to_text);
    civo_cost_run run = {inst, json_array(), 0, 0};
    fwk_status rc = FWK_OK;

    *report = NULL;
    if (from == (time_t)-1 || to == (time_t)-1 || from >= to) {
        inst->host->fail(ctx,
                         "cost: expected {\"from\", \"to\"} as YYYY-MM-DDTHH:MM:SSZ with "
                         "from before to; got %s .. %s",
                         from_text ? from_text : "?", to_text ? to_text : "?");
        json_decref(run.items);
        return FWK_ERROR;
    }
    for (time_t start = from; rc == FWK_OK && start < to; start += CIVO_CHARGES_WINDOW_S) {
        time_t end = to - start > CIVO_CHARGES_WINDOW_S ? start + CIVO_CHARGES_WINDOW_S : to;
        char a[32], b[32], path[128];
        format_utc(start, a, sizeof a);
        format_utc(end, b, sizeof b);
        /* charges are account-wide: no region; the range is the query */
        snprintf(path, sizeof path, "/v2/charges?from=%s&to=%s", a, b);
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
