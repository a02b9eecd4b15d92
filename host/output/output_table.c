/* output_table.c: the aligned, human-readable table encoder for resources and findings. */
#include <errno.h>
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

/*
 * Rows the table lists go to a spill as they arrive, already cut to their columns, under a
 * sort key that orders them as the table does; output_close reads them back once, in order.
 * A record is the row's cell widths (one byte each: no column is wider than 80), then each
 * cell's text ending in NUL. Column widths and the footer's counts grow as rows arrive, so
 * memory stays flat whatever the number of rows. Passing checks the table does not list are
 * only counted.
 */
typedef struct table_state {
    sorter *sp;
    /* under out->lock */
    size_t widths[INVENTORY_COLUMNS]; /* the widest cell of each column so far (titles too) */
    size_t rows;                      /* rows in the spill */
    json_t *providers;                /* provider names seen, as an object used as a set */
    /* the findings footer; atomics, so output_pass_counted never waits for the lock */
    atomic_size_t total, passed, errors, hidden;
    atomic_size_t fails[5];  /* by severity, critical first */
    atomic_size_t deltas[3]; /* new, open, resolved */
    fwkx_buf line;           /* the line being printed (table_end) */
} table_state;

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

/* Terminal columns `text` takes as a cell shows it. */
static size_t text_width(const char *text)
{
    size_t total = 0;
    for (size_t i = 0; text[i];) {
        uint32_t cp;
        i += output_utf8_next((const unsigned char *)text + i, &cp);
        total += shown_as_space(cp) ? 1 : codepoint_width(cp);
    }
    return total;
}

/* Append to `row` a copy of `text` fit for one cell, with its NUL: control characters
   become spaces (a newline would break the row), and text wider than `max` is cut to max-1
   columns plus an ellipsis. Returns the cell's width (on OOM, row->failed is set). */
static size_t cell_put(fwkx_buf *row, const char *text, size_t max)
{
    /* printable ASCII (most cells): one column a byte, nothing to replace */
    size_t ascii = 0;
    while (text[ascii] >= 0x20 && text[ascii] < 0x7f)
        ascii++;
    if (text[ascii] == '\0') {
        if (ascii <= max) {
            fwkx_buf_add(row, text, ascii + 1);
            return ascii;
        }
        fwkx_buf_add(row, text, max - 1);
        fwkx_buf_add(row, ELLIPSIS, sizeof ELLIPSIS); /* with its NUL */
        return max;
    }
    size_t len = strlen(text), total = text_width(text);
    char small[512];
    char *cell = len + sizeof ELLIPSIS <= sizeof small ? small : malloc(len + sizeof ELLIPSIS);
    if (!cell) {
        row->failed = 1;
        return 0;
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
            cell[out++] = ' ';
        else
            memcpy(cell + out, text + i, step), out += step;
        width += w;
        i += step;
    }
    if (total > max) {
        memcpy(cell + out, ELLIPSIS, sizeof ELLIPSIS - 1);
        out += sizeof ELLIPSIS - 1;
        width++;
    }
    cell[out++] = '\0';
    fwkx_buf_add(row, cell, out);
    if (cell != small)
        free(cell);
    return width;
}

static const column *table_columns(const output *out, size_t *ncols)
{
    bool inventory = out->kind == OUTPUT_INVENTORY;
    *ncols = inventory ? INVENTORY_COLUMNS : FINDING_COLUMNS;
    return inventory ? inventory_columns : finding_columns;
}

static int table_begin(output *out)
{
    table_state *st = calloc(1, sizeof *st);
    if (!st) {
        errno = ENOMEM;
        return -1;
    }
    out->state = st;
    size_t ncols;
    const column *cols = table_columns(out, &ncols);
    for (size_t c = 0; c < ncols; c++)
        st->widths[c] = text_width(cols[c].title); /* titles are never cut */
    st->providers = json_object();
    if (!st->providers) {
        errno = ENOMEM;
        return -1;
    }
    return output_spill_open(&st->sp);
}

static void table_release(output *out)
{
    table_state *st = out->state;
    if (!st)
        return;
    sorter_close(st->sp);
    json_decref(st->providers);
    fwkx_buf_free(&st->line);
    free(st);
    out->state = NULL;
}

static void count_delta(table_state *st, const char *delta, size_t n)
{
    if (!strcmp(delta, "new") || !strcmp(delta, "open") || !strcmp(delta, "resolved"))
        atomic_fetch_add_explicit(&st->deltas[delta[0] == 'n'   ? 0
                                              : delta[0] == 'o' ? 1
                                                                : 2],
                                  n, memory_order_relaxed);
}

/* `n` passes the table does not list: counted only. */
static void count_hidden_pass(table_state *st, const char *delta, size_t n)
{
    atomic_fetch_add_explicit(&st->total, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->passed, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->hidden, n, memory_order_relaxed);
    count_delta(st, delta, n);
}

static void table_pass_counted(output *out, const char *severity, const char *delta, size_t n)
{
    (void)severity; /* the footer counts fail findings per severity, passes in one sum */
    table_state *st = out->state;
    if (st)
        count_hidden_pass(st, delta ? delta : "-", n);
}

/* A listed finding row into the footer's counts. */
static void count_listed(table_state *st, const char *severity, const char *status,
                         const char *delta)
{
    atomic_fetch_add_explicit(&st->total, 1, memory_order_relaxed);
    if (!strcmp(status, "pass"))
        atomic_fetch_add_explicit(&st->passed, 1, memory_order_relaxed);
    else if (!strcmp(status, "error"))
        atomic_fetch_add_explicit(&st->errors, 1, memory_order_relaxed);
    else /* output_finding_severity gives a known severity */
        atomic_fetch_add_explicit(&st->fails[4 - severity_rank(severity)], 1, memory_order_relaxed);
    count_delta(st, delta, 1);
}

/* The cells of an inventory row (uncut), as the table shows and sorts them. */
static void inventory_cells(const json_t *resource, const char **texts, char *cost_text,
                            size_t cost_size)
{
    const char *name = fwkx_str(resource, "name", fwkx_str(resource, "id", "-"));
    const json_t *is_public = json_object_get(resource, "public");
    const json_t *cost = json_object_get(resource, "monthly_cost");
    snprintf(cost_text, cost_size, "-");
    if (json_is_number(cost))
        snprintf(cost_text, cost_size, "$%.2f", json_number_value(cost));
    texts[0] = fwkx_str(resource, "provider", "-");
    texts[1] = fwkx_str(resource, "account", "-");
    texts[2] = fwkx_str(resource, "region", "-");
    texts[3] = fwkx_str(resource, "kind", "-");
    texts[4] = name[0] ? name : "-";
    texts[5] = fwkx_str(resource, "state", "-");
    texts[6] = json_is_true(is_public) ? "yes" : json_is_false(is_public) ? "no" : "-";
    texts[7] = cost_text;
}

/* The cells of a findings row (uncut); texts[6] is the resource uid it sorts by. */
static void finding_cells(const json_t *finding, const char **texts)
{
    const json_t *resource = json_object_get(finding, "resource");
    const char *uid = fwkx_str(resource, "uid", "-");
    const char *name = fwkx_str(resource, "name", uid);
    texts[0] = output_finding_severity(finding);
    texts[1] = fwkx_str(finding, "status", "fail");
    texts[2] = fwkx_str(finding, "delta", "-");
    texts[3] = fwkx_str(finding, "rule", "-");
    texts[4] = name[0] ? name : uid;
    texts[5] = fwkx_str(finding, "message", fwkx_str(finding, "title", "-"));
    texts[6] = uid;
}

/*
 * The sort key: resources by every cell in column order; findings by severity (critical
 * first), then rule, then resource uid. Rows with equal keys keep their order of arrival.
 */
static int row_key(const output *out, const char *const *texts, fwkx_buf *key)
{
    if (out->kind == OUTPUT_INVENTORY) {
        for (size_t c = 0; c < INVENTORY_COLUMNS; c++)
            if (output_key_add(key, texts[c]) != 0)
                return -1;
        return 0;
    }
    char rank = output_key_severity(texts[0]);
    if (fwkx_buf_add(key, &rank, 1) != 0 || output_key_add(key, texts[3]) != 0)
        return -1;
    return output_key_add(key, texts[6]);
}

/* Encode the row and file it (no lock), then merge widths and counts (under the lock). */
static int table_add(output *out, const json_t *item)
{
    table_state *st = out->state;
    if (!st) {
        errno = EINVAL;
        return -1;
    }
    bool inventory = out->kind == OUTPUT_INVENTORY;
    const char *texts[INVENTORY_COLUMNS];
    char cost_text[48];
    if (inventory)
        inventory_cells(item, texts, cost_text, sizeof cost_text);
    else
        finding_cells(item, texts);
    /* Passing checks are counted but not listed (a policy pack passes thousands); a pass
       that resolves an earlier failure is listed. */
    if (!inventory && !strcmp(texts[1], "pass") && strcmp(texts[2], "resolved")) {
        count_hidden_pass(st, texts[2], 1);
        return 0;
    }
    size_t ncols;
    const column *cols = table_columns(out, &ncols);
    unsigned char widths[INVENTORY_COLUMNS] = {0};
    fwkx_buf row = FWKX_BUF_INIT, key = FWKX_BUF_INIT;
    fwkx_buf_add(&row, widths, ncols); /* filled in below */
    for (size_t c = 0; c < ncols; c++)
        widths[c] = (unsigned char)cell_put(&row, texts[c], cols[c].max_width);
    int rc = -1;
    if (row.failed || row_key(out, texts, &key) != 0) {
        errno = ENOMEM;
        goto out;
    }
    memcpy(row.data, widths, ncols);
    if (output_spill_add(out, st->sp, key.data, row.data, row.len) != 0)
        goto out;
    const char *provider = inventory ? fwkx_str(item, "provider", NULL) : NULL;
    pthread_mutex_lock(&out->lock);
    for (size_t c = 0; c < ncols; c++)
        if (widths[c] > st->widths[c])
            st->widths[c] = widths[c];
    st->rows++;
    out->count++;
    rc = provider && !json_object_get(st->providers, provider)
             ? json_object_set_new(st->providers, provider, json_true())
             : 0;
    pthread_mutex_unlock(&out->lock);
    if (!inventory)
        count_listed(st, texts[0], texts[1], texts[2]);
    if (rc != 0)
        errno = ENOMEM;
out:
    fwkx_buf_free(&row);
    fwkx_buf_free(&key);
    return rc;
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
static int print_line(output *out, const char *const *texts, const size_t *cell_widths,
                      const size_t *widths, size_t ncols, bool header)
{
    /* the line is built in a buffer and written at once (a million rows: one stdio call
       each, not a dozen) */
    fwkx_buf *line = &((table_state *)out->state)->line;
    line->len = 0;
    for (size_t c = 0; c < ncols; c++) {
        const char *color = header && out->color ? ANSI_BOLD : cell_color(out, c, texts[c]);
        if (c > 0)
            fwkx_buf_adds(line, COLUMN_GAP);
        if (color)
            fwkx_buf_adds(line, color);
        fwkx_buf_adds(line, texts[c]);
        if (color)
            fwkx_buf_adds(line, ANSI_RESET);
        if (c + 1 < ncols && widths[c] > cell_widths[c] &&
            fwkx_buf_reserve(line, widths[c] - cell_widths[c]) == 0) {
            memset(line->data + line->len, ' ', widths[c] - cell_widths[c]);
            line->len += widths[c] - cell_widths[c];
        }
    }
    fwkx_buf_add(line, "\n", 1);
    if (line->failed) {
        line->failed = 0;
        errno = ENOMEM;
        return -1;
    }
    return fwrite(line->data, 1, line->len, out->stream) == line->len ? 0 : -1;
}

/* Split a spilled row into its cells; -1 when the record is not one. */
static int row_parse(const char *data, size_t len, size_t ncols, const char **texts,
                     size_t *cell_widths)
{
    if (len <= ncols || data[len - 1] != '\0')
        return -1;
    const char *at = data + ncols, *end = data + len;
    for (size_t c = 0; c < ncols; c++) {
        if (at >= end)
            return -1;
        cell_widths[c] = (unsigned char)data[c];
        texts[c] = at;
        at += strlen(at) + 1;
    }
    return 0;
}

/* The header, then every spilled row in order. */
static int print_rows(output *out, table_state *st)
{
    size_t ncols;
    const column *cols = table_columns(out, &ncols);
    const char *texts[INVENTORY_COLUMNS];
    size_t cell_widths[INVENTORY_COLUMNS];
    for (size_t c = 0; c < ncols; c++) {
        texts[c] = cols[c].title;
        cell_widths[c] = text_width(cols[c].title);
    }
    if (print_line(out, texts, cell_widths, st->widths, ncols, true) != 0)
        return -1;
    sorter *cursor = output_spill_cursor(st->sp);
    if (!cursor)
        return -1;
    int rc = 0;
    bool failed = false;
    const char *data;
    size_t len = 0;
    while (rc == 0 && (data = output_spill_next(cursor, &len, &failed)) != NULL) {
        if (row_parse(data, len, ncols, texts, cell_widths) != 0) {
            errno = EIO;
            rc = -1;
        } else {
            rc = print_line(out, texts, cell_widths, st->widths, ncols, false);
        }
    }
    return failed ? -1 : rc;
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

/* One line per playbook a chain ran (summary "playbooks", `fawkes run`): status, plan, token. */
static int print_playbooks(output *out, const json_t *summary)
{
    size_t i;
    const json_t *pb;
    json_array_foreach (json_object_get(summary, "playbooks"), i, pb) {
        const char *name = json_string_value(json_object_get(pb, "playbook"));
        const char *token = json_string_value(json_object_get(pb, "token"));
        const char *why = json_string_value(json_object_get(pb, "error"));
        if (!why)
            why = json_string_value(json_object_get(pb, "refusal"));
        size_t steps = json_array_size(json_object_get(pb, "plan"));
        if (fprintf(out->stream, "playbook %s/%s: %s, %zu step%s planned, token %s%s%s\n",
                    json_string_value(json_object_get(pb, "chain")),
                    name ? name : json_string_value(json_object_get(pb, "path")),
                    json_string_value(json_object_get(pb, "status")), steps, steps == 1 ? "" : "s",
                    token ? token : "-", why ? ": " : "", why ? why : "") < 0)
            return -1;
    }
    return 0;
}

static void footer_findings(table_state *st, char *head, size_t head_size)
{
    static const char *const severities[] = {"critical", "high", "medium", "low", "info"};
    size_t total = atomic_load(&st->total), passed = atomic_load(&st->passed);
    size_t errors = atomic_load(&st->errors);
    size_t used = (size_t)snprintf(head, head_size, "%zu finding%s", total, total == 1 ? "" : "s");
    const char *sep = ": ";
    for (size_t s = 0; s < 5 && used < head_size; s++) {
        size_t fails = atomic_load(&st->fails[s]);
        if (fails) {
            used += (size_t)snprintf(head + used, head_size - used, "%s%zu %s", sep, fails,
                                     severities[s]);
            sep = ", ";
        }
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
    for (size_t d = 0; d < 3 && used < head_size; d++) {
        size_t count = atomic_load(&st->deltas[d]);
        if (count) {
            used += (size_t)snprintf(head + used, head_size - used, "%s%zu %s", sep, count,
                                     delta_names[d]);
            sep = ", ";
        }
    }
    if (sep[0] == ',' && used < head_size)
        snprintf(head + used, head_size - used, ")");
}

static int table_end(output *out, const json_t *summary)
{
    table_state *st = out->state;
    if (!st)
        return -1;
    bool inventory = out->kind == OUTPUT_INVENTORY;
    size_t total = inventory ? st->rows : atomic_load(&st->total);
    if (st->rows && print_rows(out, st) != 0)
        return -1;
    char head[512];
    if (inventory) {
        size_t providers = json_object_size(st->providers);
        snprintf(head, sizeof head, "%zu resource%s, %zu provider%s", total, total == 1 ? "" : "s",
                 providers, providers == 1 ? "" : "s");
    } else {
        footer_findings(st, head, sizeof head);
    }
    if ((total && fputc('\n', out->stream) == EOF) ||
        print_failures(out, summary, head, sizeof head) != 0 || print_playbooks(out, summary) != 0)
        return -1;
    size_t hidden = atomic_load(&st->hidden);
    if (hidden && fprintf(out->stream,
                          "%zu passing check%s not listed (-o json or -o jsonl list "
                          "them)\n",
                          hidden, hidden == 1 ? "" : "s") < 0)
        return -1;
    return 0;
}

const output_encoder output_table_encoder = {
    .name = "table",
    .findings_only = false,
    .lists_passes = false,
    .begin = table_begin,
    .add = table_add,
    .end = table_end,
    .release = table_release,
    .pass_counted = table_pass_counted,
};
