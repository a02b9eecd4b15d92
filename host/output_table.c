/* output_table.c: the aligned, human-readable table encoder for resources and findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "finding.h"
#include "output_internal.h"

#define ANSI_RESET "\033[0m"
#define ANSI_BOLD "\033[1m"
#define ANSI_DIM "\033[2m"
#define ANSI_RED "\033[31m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_MAGENTA "\033[35m"
#define COLUMN_GAP "  "
#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, one column wide */

typedef struct column {
    const char *title;
    size_t max_width; /* longer cells are cut and end with an ellipsis */
} column;

static const column inventory_columns[] = {
    {"PROVIDER", 12}, {"ACCOUNT", 24}, {"REGION", 20}, {"KIND", 24},
    {"NAME", 40},     {"STATE", 14},   {"PUBLIC", 6},  {"COST/MO", 12},
};
static const column finding_columns[] = {
    {"SEVERITY", 8}, {"STATUS", 6}, {"DELTA", 8}, {"RULE", 40}, {"RESOURCE", 48}, {"MESSAGE", 80},
};
#define INVENTORY_COLUMNS (sizeof inventory_columns / sizeof inventory_columns[0])
#define FINDING_COLUMNS (sizeof finding_columns / sizeof finding_columns[0])

/* Each kept row is a JSON array of cell strings (findings: severity, status, delta, rule,
   resource, message, then the resource uid used for sorting). */
typedef struct table_state {
    json_t *rows;
    json_t *providers; /* provider names seen, as an object used as a set */
} table_state;

typedef struct cell {
    char *text; /* sanitised and cut to the column's width */
    size_t width;
} cell;

/* Terminal columns a code point takes: combining marks 0, East Asian wide 2, else 1. */
static size_t codepoint_width(uint32_t cp)
{
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
        (cp >= 0xfe00 && cp <= 0xfe0f))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

/* Control characters and invalid bytes are shown as one space. */
static bool shown_as_space(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == UINT32_MAX;
}

/* A copy of `text` fit for one cell: control characters become spaces (a newline would
   break the row), and text wider than `max` is cut to max-1 columns plus an ellipsis. */
static int cell_make(cell *c, const char *text, size_t max)
{
    size_t len = strlen(text);
    c->text = malloc(len + sizeof ELLIPSIS);
    if (!c->text)
        return -1;
    size_t total = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += output_utf8_next((const unsigned char *)text + i, &cp);
        total += shown_as_space(cp) ? 1 : codepoint_width(cp);
    }
    size_t limit = total > max ? max - 1 : total;
    size_t out = 0, width = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t step = output_utf8_next((const unsigned char *)text + i, &cp);
        bool control = shown_as_space(cp);
        size_t w = control ? 1 : codepoint_width(cp);
        if (width + w > limit)
            break;
        if (control)
            c->text[out++] = ' ';
        else
            memcpy(c->text + out, text + i, step), out += step;
        width += w;
        i += step;
    }
    if (total > max) {
        memcpy(c->text + out, ELLIPSIS, sizeof ELLIPSIS - 1);
        out += sizeof ELLIPSIS - 1;
        width++;
    }
    c->text[out] = '\0';
    c->width = width;
    return 0;
}

static int table_begin(output *out)
{
    table_state *st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    st->rows = json_array();
    st->providers = json_object();
    out->state = st;
    return st->rows && st->providers ? 0 : -1;
}

static void table_release(output *out)
{
    table_state *st = out->state;
    if (!st)
        return;
    json_decref(st->rows);
    json_decref(st->providers);
    free(st);
    out->state = NULL;
}

static json_t *inventory_row(const json_t *resource)
{
    const char *name = fwkx_str(resource, "name", fwkx_str(resource, "id", "-"));
    const json_t *is_public = json_object_get(resource, "public");
    const json_t *cost = json_object_get(resource, "monthly_cost");
    char cost_text[48] = "-";
    if (json_is_number(cost))
        snprintf(cost_text, sizeof cost_text, "$%.2f", json_number_value(cost));
    return json_pack("[s,s,s,s,s,s,s,s]", fwkx_str(resource, "provider", "-"),
                     fwkx_str(resource, "account", "-"), fwkx_str(resource, "region", "-"),
                     fwkx_str(resource, "kind", "-"), name[0] ? name : "-",
                     fwkx_str(resource, "state", "-"),
                     json_is_true(is_public)    ? "yes"
                     : json_is_false(is_public) ? "no"
                                                : "-",
                     cost_text);
}

static json_t *finding_row(const json_t *finding)
{
    const json_t *resource = json_object_get(finding, "resource");
    const char *uid = fwkx_str(resource, "uid", "-");
    const char *name = fwkx_str(resource, "name", uid);
    const char *message = fwkx_str(finding, "message", fwkx_str(finding, "title", "-"));
    return json_pack("[s,s,s,s,s,s,s]", output_finding_severity(finding),
                     fwkx_str(finding, "status", "fail"), fwkx_str(finding, "delta", "-"),
                     fwkx_str(finding, "rule", "-"), name[0] ? name : uid, message, uid);
}

static int table_item(output *out, const json_t *item)
{
    table_state *st = out->state;
    if (!st)
        return -1;
    json_t *row = out->kind == OUTPUT_INVENTORY ? inventory_row(item) : finding_row(item);
    if (!row || json_array_append_new(st->rows, row) != 0)
        return -1;
    const char *provider = fwkx_str(item, "provider", NULL);
    if (out->kind == OUTPUT_INVENTORY && provider)
        json_object_set_new(st->providers, provider, json_true());
    return 0;
}

static const char *row_cell(const json_t *row, size_t index)
{
    return json_string_value(json_array_get(row, index));
}

static int inventory_cmp(const void *a, const void *b)
{
    const json_t *left = *(const json_t *const *)a, *right = *(const json_t *const *)b;
    for (size_t i = 0; i < INVENTORY_COLUMNS; i++) {
        int by = strcmp(row_cell(left, i), row_cell(right, i));
        if (by)
            return by;
    }
    return 0;
}

/* Severity desc, then rule, then resource uid. */
static int finding_row_cmp(const void *a, const void *b)
{
    const json_t *left = *(const json_t *const *)a, *right = *(const json_t *const *)b;
    int by = severity_rank(row_cell(right, 0)) - severity_rank(row_cell(left, 0));
    if (!by)
        by = strcmp(row_cell(left, 3), row_cell(right, 3));
    if (!by)
        by = strcmp(row_cell(left, 6), row_cell(right, 6));
    return by;
}

static const char *cell_color(const output *out, size_t col, const char *text)
{
    if (!out->color || out->kind != OUTPUT_FINDINGS)
        return NULL;
    if (col == 0) {
        if (!strcmp(text, "critical") || !strcmp(text, "high"))
            return ANSI_RED;
        if (!strcmp(text, "medium"))
            return ANSI_YELLOW;
        return ANSI_DIM;
    }
    if (col == 1 && !strcmp(text, "error"))
        return ANSI_MAGENTA;
    return NULL;
}

/* One line: cells separated by a gap, padded to the column width (not the last one). */
static int print_line(output *out, const cell *cells, const size_t *widths, size_t ncols,
                      bool header)
{
    FILE *f = out->stream;
    for (size_t c = 0; c < ncols; c++) {
        const char *color = header && out->color ? ANSI_BOLD : cell_color(out, c, cells[c].text);
        if (c > 0 && fputs(COLUMN_GAP, f) < 0)
            return -1;
        if (fprintf(f, "%s%s%s", color ? color : "", cells[c].text, color ? ANSI_RESET : "") < 0)
            return -1;
        if (c + 1 < ncols && fprintf(f, "%*s", (int)(widths[c] - cells[c].width), "") < 0)
            return -1;
    }
    return fputc('\n', f) == EOF ? -1 : 0;
}

static void cells_free(cell *cells, size_t count)
{
    for (size_t i = 0; cells && i < count; i++)
        free(cells[i].text);
    free(cells);
}

/* Cut every cell, size the columns, print the header and the rows. */
static int print_rows(output *out, const json_t *rows, const column *cols, size_t ncols)
{
    size_t nrows = json_array_size(rows);
    int rc = -1;
    size_t widths[INVENTORY_COLUMNS] = {0};
    cell *cells = calloc((nrows + 1) * ncols, sizeof *cells);
    if (!cells)
        goto out;
    for (size_t c = 0; c < ncols; c++) {
        if (cell_make(&cells[c], cols[c].title, cols[c].max_width) != 0)
            goto out;
        widths[c] = cells[c].width;
    }
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < ncols; c++) {
            cell *cl = &cells[(r + 1) * ncols + c];
            const char *text = row_cell(json_array_get(rows, r), c);
            if (cell_make(cl, text ? text : "-", cols[c].max_width) != 0)
                goto out;
            if (cl->width > widths[c])
                widths[c] = cl->width;
        }
    for (size_t r = 0; r <= nrows; r++)
        if (print_line(out, &cells[r * ncols], widths, ncols, r == 0) != 0)
            goto out;
    rc = 0;
out:
    cells_free(cells, (nrows + 1) * ncols);
    return rc;
}

static int print_failures(output *out, const json_t *summary, char *head, size_t head_size)
{
    const json_t *failures = json_object_get(summary, "failures");
    size_t nfail = json_array_size(failures);
    size_t used = strlen(head);
    if (json_is_true(json_object_get(summary, "partial")) || nfail > 0)
        snprintf(head + used, head_size - used, " (partial: %zu failure%s)", nfail,
                 nfail == 1 ? "" : "s");
    if (fprintf(out->stream, "%s\n", head) < 0)
        return -1;
    size_t i;
    const json_t *failure;
    json_array_foreach (failures, i, failure) {
        char *text = output_failure_text(failure);
        int n = fprintf(out->stream, "%sfailure: %s%s\n", out->color ? ANSI_MAGENTA : "",
                        text ? text : "(out of memory)", out->color ? ANSI_RESET : "");
        free(text);
        if (n < 0)
            return -1;
    }
    return 0;
}

static void footer_findings(const json_t *rows, char *head, size_t head_size)
{
    static const char *const severities[] = {"critical", "high", "medium", "low", "info"};
    size_t fails[5] = {0}, passed = 0, errors = 0, total = json_array_size(rows);
    size_t deltas[3] = {0}; /* new, open, resolved */
    size_t i;
    const json_t *row;
    json_array_foreach (rows, i, row) {
        const char *status = row_cell(row, 1), *delta = row_cell(row, 2);
        if (!strcmp(delta, "new") || !strcmp(delta, "open") || !strcmp(delta, "resolved"))
            deltas[delta[0] == 'n' ? 0 : delta[0] == 'o' ? 1 : 2]++;
        if (!strcmp(status, "pass"))
            passed++;
        else if (!strcmp(status, "error"))
            errors++;
        else
            fails[4 - severity_rank(row_cell(row, 0))]++; /* rows hold known severities */
    }
    size_t used = (size_t)snprintf(head, head_size, "%zu finding%s", total, total == 1 ? "" : "s");
    const char *sep = ": ";
    for (size_t s = 0; s < 5 && used < head_size; s++)
        if (fails[s]) {
            used += (size_t)snprintf(head + used, head_size - used, "%s%zu %s", sep, fails[s],
                                     severities[s]);
            sep = ", ";
        }
    if (passed && used < head_size) {
        used += (size_t)snprintf(head + used, head_size - used, "%s%zu passed", sep, passed);
        sep = ", ";
    }
    if (errors && used < head_size)
        used += (size_t)snprintf(head + used, head_size - used, "%s%zu error%s", sep, errors,
                                 errors == 1 ? "" : "s");
    static const char *const delta_names[] = {"new", "open", "resolved"};
    sep = " (";
    for (size_t d = 0; d < 3 && used < head_size; d++)
        if (deltas[d]) {
            used += (size_t)snprintf(head + used, head_size - used, "%s%zu %s", sep, deltas[d],
                                     delta_names[d]);
            sep = ", ";
        }
    if (sep[0] == ',' && used < head_size)
        snprintf(head + used, head_size - used, ")");
}

static int table_end(output *out, const json_t *summary)
{
    table_state *st = out->state;
    if (!st)
        return -1;
    size_t nrows = json_array_size(st->rows);
    json_t **sorted = nrows ? malloc(nrows * sizeof *sorted) : NULL;
    json_t *ordered = json_array();
    int rc = -1;
    if ((nrows && !sorted) || !ordered)
        goto out;
    for (size_t i = 0; i < nrows; i++)
        sorted[i] = json_array_get(st->rows, i);
    if (nrows)
        qsort(sorted, nrows, sizeof *sorted,
              out->kind == OUTPUT_INVENTORY ? inventory_cmp : finding_row_cmp);
    bool inventory = out->kind == OUTPUT_INVENTORY;
    /* Passing checks are counted but not listed (a policy pack passes thousands); a pass
       that resolves an earlier failure is listed. */
    json_t *shown = inventory ? json_incref(ordered) : json_array();
    size_t hidden = 0;
    for (size_t i = 0; i < nrows; i++) {
        json_array_append(ordered, sorted[i]);
        if (inventory)
            continue;
        if (!strcmp(row_cell(sorted[i], 1), "pass") && strcmp(row_cell(sorted[i], 2), "resolved"))
            hidden++;
        else
            json_array_append(shown, sorted[i]);
    }
    size_t nshown = json_array_size(shown);
    int printed = nshown ? print_rows(out, shown, inventory ? inventory_columns : finding_columns,
                                      inventory ? INVENTORY_COLUMNS : FINDING_COLUMNS)
                         : 0;
    json_decref(shown);
    if (printed != 0)
        goto out;
    char head[512];
    if (inventory) {
        size_t providers = json_object_size(st->providers);
        snprintf(head, sizeof head, "%zu resource%s, %zu provider%s", nrows, nrows == 1 ? "" : "s",
                 providers, providers == 1 ? "" : "s");
    } else {
        footer_findings(ordered, head, sizeof head);
    }
    if ((nrows && fputc('\n', out->stream) == EOF) ||
        print_failures(out, summary, head, sizeof head) != 0)
        goto out;
    if (hidden && fprintf(out->stream,
                          "%zu passing check%s not listed (-o json or -o jsonl list "
                          "them)\n",
                          hidden, hidden == 1 ? "" : "s") < 0)
        goto out;
    rc = 0;
out:
    free(sorted);
    json_decref(ordered);
    return rc;
}

const output_encoder output_table_encoder = {
    .name = "table",
    .findings_only = false,
    .begin = table_begin,
    .item = table_item,
    .end = table_end,
    .release = table_release,
};
