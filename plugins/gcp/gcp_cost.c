/* gcp_cost.c: billed cost from a Cloud Billing export to BigQuery, saved as JSON lines (bq
   extract --destination_format NEWLINE_DELIMITED_JSON) or CSV (a query's flat columns),
   summed per project, service, SKU and region over the asked window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcp.h"

/* One row of the export, as read from either format. */
typedef struct gcp_cost_row {
    const char *project, *service, *sku, *region, *currency, *start;
    double cost, credits;
    bool has_cost;
} gcp_cost_row;

typedef struct gcp_cost_run {
    const gcp_instance *inst;
    fwk_ctx *ctx;
    const char *path;
    int64_t from, to;
    json_t *items;  /* the report's items, in first-seen order */
    json_t *by_key; /* "project\nservice\nsku\nregion" -> item (borrowed) */
    char currency[8];
    double total;
    size_t rows;
} gcp_cost_run;

/* BigQuery writes timestamps as "2026-01-01 00:00:00 UTC"; RFC 3339 is taken too. */
static int parse_time(const char *text, int64_t *ms)
{
    char buf[64];
    size_t len = text ? strlen(text) : 0;

    if (len > 4 && len < sizeof buf && strcmp(text + len - 4, " UTC") == 0) {
        snprintf(buf, sizeof buf, "%.*sZ", (int)(len - 4), text);
        return fwkx_time_parse(buf, ms);
    }
    return fwkx_time_parse(text, ms);
}

/* Add one row to its item. 0, or -1 after host->fail naming the line. */
static int add_row(gcp_cost_run *run, const gcp_cost_row *row, long line)
{
    int64_t start;
    char key[1024];
    json_t *item;

    if (!row->has_cost || parse_time(row->start, &start) != 0) {
        run->inst->host->fail(run->ctx,
                              "billing_export %s:%ld: expected a number \"cost\" and a "
                              "\"usage_start_time\" (\"2026-01-01 00:00:00 UTC\" or RFC 3339), "
                              "got cost %s and usage_start_time \"%s\"",
                              run->path, line, row->has_cost ? "a number" : "none",
                              row->start ? row->start : "");
        return -1;
    }
    if (start < run->from || start >= run->to)
        return 0;
    if (row->currency && *row->currency) {
        if (!run->currency[0])
            snprintf(run->currency, sizeof run->currency, "%s", row->currency);
        else if (strcmp(run->currency, row->currency) != 0) {
            run->inst->host->fail(run->ctx,
                                  "billing_export %s:%ld: currency %s after %s: one export "
                                  "per billing account and currency",
                                  run->path, line, row->currency, run->currency);
            return -1;
        }
    }
    snprintf(key, sizeof key, "%s\n%s\n%s\n%s", row->project ? row->project : "",
             row->service ? row->service : "", row->sku ? row->sku : "",
             row->region ? row->region : "");
    item = json_object_get(run->by_key, key);
    if (!item) {
        item = json_pack("{s:s?, s:s?, s:s?, s:s?, s:f, s:f, s:i}", "project", row->project,
                         "service", row->service, "name", row->sku, "region", row->region, "cost",
                         0.0, "credits", 0.0, "rows", 0);
        if (!item || json_array_append_new(run->items, item) != 0)
            return -1;
        json_object_set(run->by_key, key, item);
    }
    json_object_set_new(item, "cost",
                        json_real(fwkx_num(item, "cost", 0) + row->cost + row->credits));
    json_object_set_new(item, "credits", json_real(fwkx_num(item, "credits", 0) + row->credits));
    json_object_set_new(item, "rows", json_integer(fwkx_int(item, "rows", 0) + 1));
    run->total += row->cost + row->credits;
    run->rows++;
    return 0;
}

/* ---- JSON lines: the export's nested columns ---- */

static int add_json_line(gcp_cost_run *run, const char *text, long line)
{
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    const json_t *credit, *cost;
    gcp_cost_row row = {0};
    size_t i;
    int rc;

    if (!json_is_object(doc)) {
        run->inst->host->fail(run->ctx, "billing_export %s:%ld: not a JSON object (%s)", run->path,
                              line, doc ? "another JSON value" : err.text);
        json_decref(doc);
        return -1;
    }
    cost = json_object_get(doc, "cost");
    row.has_cost = json_is_number(cost);
    row.cost = json_number_value(cost);
    row.project = fwkx_str(json_object_get(doc, "project"), "id", NULL);
    row.service = fwkx_str(json_object_get(doc, "service"), "description", NULL);
    row.sku = fwkx_str(json_object_get(doc, "sku"), "description", NULL);
    row.region = fwkx_str(json_object_get(doc, "location"), "region", NULL);
    row.currency = fwkx_str(doc, "currency", NULL);
    row.start = fwkx_str(doc, "usage_start_time", NULL);
    json_array_foreach (json_object_get(doc, "credits"), i, credit)
        row.credits += fwkx_num(credit, "amount", 0);
    rc = add_row(run, &row, line);
    json_decref(doc);
    return rc;
}

/* ---- CSV (RFC 4180): a header naming the columns, then rows ---- */

/* The next record's fields (new array of strings), NULL at the end of the file. Quoted
   fields may hold commas, doubled quotes and line breaks. *lines counts the lines read. */
static json_t *csv_record(FILE *f, long *lines)
{
    json_t *fields = json_array();
    fwkx_buf field = FWKX_BUF_INIT;
    bool quoted = false, any = false;
    int c;

    while ((c = fgetc(f)) != EOF) {
        any = true;
        if (quoted) {
            if (c == '"') {
                int next = fgetc(f);
                if (next == '"') {
                    fwkx_buf_add(&field, "\"", 1);
                    continue;
                }
                quoted = false;
                if (next == EOF)
                    break;
                c = next;
            } else {
                if (c == '\n')
                    (*lines)++;
                fwkx_buf_add(&field, (char[]){(char)c}, 1);
                continue;
            }
        }
        if (c == '"' && field.len == 0) {
            quoted = true;
        } else if (c == ',') {
            json_array_append_new(fields, json_string(fwkx_buf_str(&field)));
            fwkx_buf_free(&field);
        } else if (c == '\n') {
            (*lines)++;
            break;
        } else if (c != '\r') {
            fwkx_buf_add(&field, (char[]){(char)c}, 1);
        }
    }
    if (!any) {
        json_decref(fields);
        fwkx_buf_free(&field);
        return NULL;
    }
    json_array_append_new(fields, json_string(fwkx_buf_str(&field)));
    fwkx_buf_free(&field);
    return fields;
}

/* The index of the first header among `names` (NULL-terminated), or -1. */
static long column(const json_t *header, const char *const *names)
{
    const json_t *name;
    size_t i;

    for (size_t n = 0; names[n]; n++) {
        json_array_foreach (header, i, name) {
            if (strcmp(json_string_value(name), names[n]) == 0)
                return (long)i;
        }
    }
    return -1;
}

static const char *cell(const json_t *record, long index)
{
    const char *text = index < 0 ? NULL : json_string_value(json_array_get(record, (size_t)index));

    return text && *text ? text : NULL;
}

static int add_csv(gcp_cost_run *run, FILE *f)
{
    static const char *const cost_names[] = {"cost", NULL};
    static const char *const start_names[] = {"usage_start_time", NULL};
    static const char *const project_names[] = {"project.id", "project_id", "project", NULL};
    static const char *const service_names[] = {"service.description", "service", NULL};
    static const char *const sku_names[] = {"sku.description", "sku", NULL};
    static const char *const region_names[] = {"location.region", "region", NULL};
    static const char *const currency_names[] = {"currency", NULL};
    static const char *const credit_names[] = {"credits", "credits_amount", NULL};
    long lines = 0, at;
    json_t *header = csv_record(f, &lines), *record;
    long idx[8];
    int rc = 0;

    if (!header || column(header, cost_names) < 0 || column(header, start_names) < 0) {
        run->inst->host->fail(run->ctx,
                              "billing_export %s:1: a CSV export needs the columns cost and "
                              "usage_start_time (and may have project.id, service.description, "
                              "sku.description, location.region, currency, credits)",
                              run->path);
        json_decref(header);
        return -1;
    }
    idx[0] = column(header, cost_names);
    idx[1] = column(header, start_names);
    idx[2] = column(header, project_names);
    idx[3] = column(header, service_names);
    idx[4] = column(header, sku_names);
    idx[5] = column(header, region_names);
    idx[6] = column(header, currency_names);
    idx[7] = column(header, credit_names);
    while (rc == 0 && (at = lines + 1, record = csv_record(f, &lines)) != NULL) {
        gcp_cost_row row = {0};
        const char *cost = cell(record, idx[0]), *credits = cell(record, idx[7]);
        char *end = NULL;

        if (json_array_size(record) == 1 && !cell(record, 0)) { /* a blank line */
            json_decref(record);
            continue;
        }
        row.cost = cost ? strtod(cost, &end) : 0;
        row.has_cost = cost && end && *end == '\0';
        row.credits = credits ? strtod(credits, NULL) : 0;
        row.start = cell(record, idx[1]);
        row.project = cell(record, idx[2]);
        row.service = cell(record, idx[3]);
        row.sku = cell(record, idx[4]);
        row.region = cell(record, idx[5]);
        row.currency = cell(record, idx[6]);
        rc = add_row(run, &row, at);
        json_decref(record);
    }
    json_decref(header);
    return rc;
}

static int add_json_lines(gcp_cost_run *run, FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    long number = 0;
    int rc = 0;

    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        const char *p = line;
        number++;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p)
            rc = add_json_line(run, p, number);
    }
    free(line);
    return rc;
}

fwk_status gcp_cost(const gcp_instance *inst, fwk_ctx *ctx, const json_t *request, json_t **report)
{
    const char *from_text = fwkx_str(request, "from", NULL);
    const char *to_text = fwkx_str(request, "to", NULL);
    gcp_cost_run run = {inst, ctx, inst->billing_export, 0, 0, json_array(), json_object(), "",
                        0,    0};
    FILE *f;
    int first, rc;

    *report = NULL;
    if (!inst->billing_export) {
        inst->host->fail(ctx, "cost: GCP reports billed cost only through the Cloud Billing "
                              "export to BigQuery: export it (JSON lines or CSV) and set "
                              "billing_export: PATH in the instance's config");
        rc = -1;
    } else if (fwkx_time_parse(from_text, &run.from) != 0 ||
               fwkx_time_parse(to_text, &run.to) != 0 || run.from >= run.to) {
        inst->host->fail(ctx, "cost: expected {\"from\", \"to\"} as RFC 3339 times with from "
                              "before to");
        rc = -1;
    } else if (!(f = fopen(inst->billing_export, "r"))) {
        inst->host->fail(ctx, "billing_export %s: cannot open it: check the path",
                         inst->billing_export);
        rc = -1;
    } else {
        do
            first = fgetc(f);
        while (first == ' ' || first == '\n' || first == '\r' || first == '\t');
        if (first != EOF)
            ungetc(first, f);
        rc = first == '{' ? add_json_lines(&run, f) : add_csv(&run, f);
        fclose(f);
    }
    json_decref(run.by_key);
    if (rc != 0) {
        json_decref(run.items);
        return FWK_ERROR;
    }
    *report = json_pack("{s:s, s:f, s:i, s:s, s:s, s:s, s:I, s:o}", "currency",
                        run.currency[0] ? run.currency : "USD", "total", run.total, "unpriced", 0,
                        "from", from_text, "to", to_text, "source", inst->billing_export, "rows",
                        (json_int_t)run.rows, "items", run.items);
    return FWK_OK;
}
