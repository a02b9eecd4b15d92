/* test_output.c: the output encoders (table, json, jsonl, sarif, junit) on 0, 1 and many
   items with awkward text, plus write errors and concurrent writers. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pthread.h>

#include <cmocka.h>

#include "output.h"

#define MANY 40
#define VERSION "9.8.7"

static const char *const tricky_names[] = {
    "web-1",
    "na\xc3\xafve \"quoted\" 'single'", /* naïve */
    "line1\nline2\ttab\rcr",
    "\xe6\x97\xa5\xe6\x9c\xac-server", /* 日本-server: two wide characters */
    "<&> \x01 control & \xef\xbf\xbd", /* U+0001 and U+FFFD */
    "very-long-name-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-end",
};
#define NAME_COUNT (sizeof tricky_names / sizeof tricky_names[0])
static const char *const providers[] = {"aws", "gcp", "civo"};
static const char *const severities[] = {"critical", "high", "medium", "low", "info"};
static const char *const rule_ids[] = {"ssh-open", "bucket-public", "disk-unencrypted"};

static json_t *make_resource(size_t i)
{
    char uid[128], id[32];
    snprintf(id, sizeof id, "i-%03zu", i);
    snprintf(uid, sizeof uid, "%s:123456789012:eu-west-2:compute.instance:%s", providers[i % 3],
             id);
    json_t *resource =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:{s:[i, f, s]}}", "uid",
                  uid, "provider", providers[i % 3], "account", "123456789012", "region",
                  "eu-west-2", "kind", "compute.instance", "native_type", "ec2:instance", "id", id,
                  "name", tricky_names[i % NAME_COUNT], "state", "running", "labels", "env",
                  "prod \"x\"", "attributes", "nested", 1, 2.25, "\xe2\x9c\x93");
    json_object_set_new(resource, "public",
                        i % 3 == 0   ? json_true()
                        : i % 3 == 1 ? json_false()
                                     : json_null());
    json_object_set_new(resource, "monthly_cost", i % 2 ? json_real(31.5) : json_null());
    return resource;
}

static const char *const deltas[] = {"new", "open", "resolved"};

static json_t *make_finding(size_t i)
{
    char uid[128], title[64], fingerprint[65];
    snprintf(uid, sizeof uid, "aws:123456789012:eu-west-2:compute.instance:i-%03zu", i);
    snprintf(title, sizeof title, "Title \"%zu\" <b>", i);
    snprintf(fingerprint, sizeof fingerprint, "%064zx", i + 1);
    const char *status = i % 7 == 6 ? "error" : i % 5 == 4 ? "pass" : "fail";
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:{s:i, s:s}, "
                     "s:s, s:[s, s], s:s, s:s, s:s}",
                     "rule", rule_ids[i % 3], "severity", severities[i % 5], "status", status,
                     "title", title, "message", tricky_names[i % NAME_COUNT], "resource", "uid",
                     uid, "kind", "compute.instance", "provider", "aws", "region", "eu-west-2",
                     "name", tricky_names[(i + 1) % NAME_COUNT], "evidence", "port", 22, "cidr",
                     "0.0.0.0/0", "remediation", "Close port 22 & <retry>", "compliance",
                     "CIS-AWS-5.2", "CIS \"5.3\"", "fingerprint", fingerprint, "source",
                     "misconfig", "delta", deltas[i % 3]);
}

static json_t *make_items(output_kind kind, size_t count)
{
    json_t *items = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(items, kind == OUTPUT_INVENTORY ? make_resource(i) : make_finding(i));
    return items;
}

static json_t *make_summary(const char *command, size_t failures, size_t resources, size_t findings)
{
    json_t *list = json_array();
    for (size_t i = 0; i < failures; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "instance", "civo-prod",
                                              "plugin", "civo", "operation", "run_task", "task",
                                              "LON1/instances", "message",
                                              "HTTP 503 from https://api.civo.com: \"busy\" <x>"));
    return json_pack("{s:s, s:b, s:o, s:{s:{s:i}}, s:i, s:i, s:{s:i}, s:i}", "command", command,
                     "partial", failures > 0, "failures", list, "stats", "civo-prod", "resources",
                     (int)resources, "resources", (int)resources, "findings", (int)findings,
                     "by_severity", "high", 1, "duration_ms", 12);
}

/* Run one encoder over `items` into memory; *rc gets output_close's result. */
static char *render(output_format format, output_kind kind, bool color, const json_t *items,
                    const json_t *summary, int *rc)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    assert_non_null(stream);
    const char *why = NULL;
    output *out = output_open(format, kind, stream, color, VERSION, &why);
    assert_non_null(out);
    assert_null(why);
    size_t i;
    const json_t *item;
    json_array_foreach (items, i, item) {
        if (kind == OUTPUT_INVENTORY)
            output_resource(out, item);
        else
            output_finding(out, item);
    }
    *rc = output_close(out, summary);
    fclose(stream);
    return text;
}

static size_t count_lines(const char *text)
{
    size_t lines = 0;
    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}

static size_t count_substr(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_format_names(void **state)
{
    (void)state;
    static const char *const names[] = {"table", "json", "jsonl", "sarif", "junit"};
    for (int i = 0; i < 5; i++) {
        output_format format = OUTPUT_TABLE;
        assert_int_equal(output_format_parse(names[i], &format), 0);
        assert_int_equal(format, (output_format)i);
        assert_string_equal(output_format_name(format), names[i]);
    }
    output_format format = OUTPUT_JSON;
    assert_int_equal(output_format_parse("xml", &format), -1);
    assert_int_equal(output_format_parse("JSON", &format), -1);
    assert_int_equal(output_format_parse(NULL, &format), -1);
    assert_int_equal(format, OUTPUT_JSON);
}

static void test_findings_only_formats(void **state)
{
    (void)state;
    output_format formats[] = {OUTPUT_SARIF, OUTPUT_JUNIT};
    for (int i = 0; i < 2; i++) {
        const char *why = NULL;
        assert_null(output_open(formats[i], OUTPUT_INVENTORY, stdout, false, VERSION, &why));
        assert_non_null(why);
        assert_non_null(strstr(why, "findings only"));
        assert_non_null(strstr(why, output_format_name(formats[i])));
        assert_null(output_open(formats[i], OUTPUT_INVENTORY, stdout, false, VERSION, NULL));
    }
}

/* json: parses back to exactly the items, then every summary key (the clashing one renamed),
   one item per line. */
static void check_json(output_kind kind, size_t count)
{
    const char *key = kind == OUTPUT_INVENTORY ? "resources" : "findings";
    const char *count_key = kind == OUTPUT_INVENTORY ? "resources_count" : "findings_count";
    json_t *items = make_items(kind, count);
    json_t *summary = make_summary(kind == OUTPUT_INVENTORY ? "inventory" : "run", 1, count, count);
    int rc = -1;
    char *text = render(OUTPUT_JSON, kind, true, items, summary, &rc);
    assert_int_equal(rc, 0);
    json_error_t error;
    json_t *doc = json_loads(text, 0, &error);
    if (!doc)
        fail_msg("json output does not parse: %s at %d:%d\n%s", error.text, error.line,
                 error.column, text);
    assert_true(json_equal(json_object_get(doc, key), items));
    assert_int_equal(json_integer_value(json_object_get(doc, count_key)), count);
    assert_int_equal(json_object_size(doc), json_object_size(summary) + 1);
    const char *skey;
    json_t *value;
    json_object_foreach (summary, skey, value) {
        if (strcmp(skey, key) != 0)
            assert_true(json_equal(json_object_get(doc, skey), value));
    }
    /* The array comes first, then one line per item, then one per summary key. */
    char first[64];
    snprintf(first, sizeof first, "{\"%s\": [", key);
    assert_memory_equal(text, first, strlen(first));
    assert_int_equal(count_lines(text), count + json_object_size(summary) + 2 + (count > 0));
    assert_null(strstr(text, "\033["));
    json_decref(doc);
    json_decref(items);
    json_decref(summary);
    free(text);
}

static void test_json(void **state)
{
    (void)state;
    size_t sizes[] = {0, 1, MANY};
    for (int i = 0; i < 3; i++) {
        check_json(OUTPUT_INVENTORY, sizes[i]);
        check_json(OUTPUT_FINDINGS, sizes[i]);
    }
}

static void test_json_streams(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    output *out = output_open(OUTPUT_JSON, OUTPUT_INVENTORY, stream, false, VERSION, NULL);
    assert_non_null(out);
    json_t *resource = make_resource(2);
    output_resource(out, resource);
    output_finding(out, resource); /* not a findings output: ignored */
    fflush(stream);
    assert_non_null(strstr(text, "{\"resources\": [\n{\"uid\":"));
    assert_int_equal(count_substr(text, "\"uid\""), 1);
    json_t *summary = make_summary("inventory", 0, 1, 0);
    assert_int_equal(output_close(out, summary), 0);
    fclose(stream);
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "resources")), 1);
    assert_false(json_is_true(json_object_get(doc, "partial")));
    json_decref(doc);
    json_decref(summary);
    json_decref(resource);
    free(text);
}

static void check_jsonl(output_kind kind, size_t count)
{
    json_t *items = make_items(kind, count);
    json_t *summary = make_summary("inventory", 2, count, 0);
    int rc = -1;
    char *text = render(OUTPUT_JSONL, kind, true, items, summary, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(count_lines(text), count);
    char *save = NULL;
    size_t index = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *record = json_loads(line, 0, NULL);
        assert_non_null(record);
        assert_true(json_equal(record, json_array_get(items, index)));
        json_decref(record);
        index++;
    }
    assert_int_equal(index, count);
    json_decref(items);
    json_decref(summary);
    free(text);
}

static void test_jsonl(void **state)
{
    (void)state;
    size_t sizes[] = {0, 1, MANY};
    for (int i = 0; i < 3; i++) {
        check_jsonl(OUTPUT_INVENTORY, sizes[i]);
        check_jsonl(OUTPUT_FINDINGS, sizes[i]);
    }
}

/* A table line as terminal columns: cols[p] is the character shown at column p (0 for the
   right half of a wide character). ANSI escapes take no column. */
static size_t line_columns(const char *line, size_t len, uint32_t *cols, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 2 < max;) {
        unsigned char c = (unsigned char)line[i];
        if (c == 0x1b) {
            while (i < len && line[i] != 'm')
                i++;
            i++;
            continue;
        }
        size_t step = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        uint32_t cp = step == 1 ? c : c & (0x7f >> step);
        for (size_t k = 1; k < step; k++)
            cp = (cp << 6) | ((unsigned char)line[i + k] & 0x3f);
        cols[n++] = cp;
        if (cp >= 0x2e80 && cp <= 0xa4cf) /* the only wide characters the data has */
            cols[n++] = 0;
        i += step;
    }
    return n;
}

/* Every body line has each column start where the header's does, after a two-space gap. */
static void check_alignment(const char *text, size_t columns, size_t rows, size_t max_width)
{
    uint32_t header[512], line[512];
    const char *end = strchr(text, '\n');
    assert_non_null(end);
    size_t header_len = line_columns(text, (size_t)(end - text), header, 512);
    size_t starts[16], nstarts = 1;
    starts[0] = 0;
    for (size_t p = 2; p < header_len; p++)
        if (header[p] != ' ' && header[p - 1] == ' ' && header[p - 2] == ' ')
            starts[nstarts++] = p;
    assert_int_equal(nstarts, columns);
    for (size_t r = 0; r < rows; r++) {
        const char *begin = end + 1;
        end = strchr(begin, '\n');
        assert_non_null(end);
        size_t len = line_columns(begin, (size_t)(end - begin), line, 512);
        assert_true(len <= max_width);
        for (size_t c = 1; c < columns; c++) {
            size_t p = starts[c];
            if (p >= len || line[p] == ' ' || line[p - 1] != ' ' || line[p - 2] != ' ')
                fail_msg("row %zu column %zu does not start at column %zu: %.*s", r, c, p,
                         (int)(end - begin), begin);
        }
    }
    assert_true(end[1] == '\n'); /* a blank line before the footer */
}

static void test_table_inventory(void **state)
{
    (void)state;
    json_t *items = make_items(OUTPUT_INVENTORY, MANY);
    json_t *summary = make_summary("inventory", 1, MANY, 0);
    int rc = -1;
    char *text = render(OUTPUT_TABLE, OUTPUT_INVENTORY, false, items, summary, &rc);
    assert_int_equal(rc, 0);
    assert_null(strstr(text, "\033"));
    assert_memory_equal(text, "PROVIDER  ACCOUNT", 17);
    /* header + rows + blank + footer + one failure line: newlines in names stay inside */
    assert_int_equal(count_lines(text), 1 + MANY + 1 + 1 + 1);
    check_alignment(text, 8, MANY, 12 + 24 + 20 + 24 + 40 + 14 + 6 + 12 + 7 * 2);
    /* the long name is cut to 40 columns ending in an ellipsis */
    assert_non_null(strstr(text, "very-long-name-0123456789-0123456789-01\xe2\x80\xa6"));
    assert_null(strstr(text, "-end"));
    assert_non_null(strstr(text, "$31.50"));
    assert_non_null(strstr(text, "\xe6\x97\xa5\xe6\x9c\xac-server"));
    assert_non_null(strstr(text, "\n40 resources, 3 providers (partial: 1 failure)\n"
                                 "failure: civo-prod (civo) run_task LON1/instances: HTTP 503"));
    json_decref(items);
    json_decref(summary);
    free(text);
}

static void test_table_findings(void **state)
{
    (void)state;
    json_t *items = make_items(OUTPUT_FINDINGS, MANY);
    json_t *summary = make_summary("run", 0, MANY, MANY);
    int rc = -1;
    char *text = render(OUTPUT_TABLE, OUTPUT_FINDINGS, false, items, summary, &rc);
    assert_int_equal(rc, 0);
    assert_null(strstr(text, "\033"));
    /* passing checks are counted, not listed, unless they resolve an earlier failure:
       i % 5 == 4, not an error (i % 7 != 6), delta not "resolved" (i % 3 != 2) hides 5 */
    const size_t shown = MANY - 5;
    check_alignment(text, 6, shown, 8 + 6 + 8 + 40 + 48 + 80 + 5 * 2);
    assert_non_null(
        strstr(text, "\n5 passing checks not listed (-o json or -o jsonl list them)\n"));
    assert_non_null(strstr(text, "  pass    resolved  "));
    /* sorted by severity desc, then rule, then uid */
    const char *row = strchr(text, '\n') + 1;
    int last_rank = 5;
    char last_key[256] = "";
    for (size_t r = 0; r < shown; r++) {
        int rank = 0;
        while (rank < 5 && strncmp(row, severities[rank], strlen(severities[rank])) != 0)
            rank++;
        assert_true(rank < 5);
        assert_true(4 - rank <= last_rank);
        char key[256];
        const char *delta_start = row + 8 + 2 + 6 + 2;
        assert_true(strncmp(delta_start, "new ", 4) == 0 || strncmp(delta_start, "open ", 5) == 0 ||
                    strncmp(delta_start, "resolved ", 9) == 0);
        const char *rule_start = delta_start + 8 + 2;
        snprintf(key, sizeof key, "%.*s", (int)strcspn(rule_start, " "), rule_start);
        if (4 - rank == last_rank)
            assert_true(strcmp(last_key, key) <= 0);
        snprintf(last_key, sizeof last_key, "%s", key);
        last_rank = 4 - rank;
        row = strchr(row, '\n') + 1;
    }
    /* 40 findings: error every 7th (i%7==6), pass where i%5==4 and not an error */
    assert_non_null(strstr(text, "\n40 findings: 7 critical, 7 high, 7 medium, 7 low, 7 passed, "
                                 "5 errors (14 new, 13 open, 13 resolved)\n"));
    json_decref(items);
    free(text);

    items = make_items(OUTPUT_FINDINGS, 8);
    text = render(OUTPUT_TABLE, OUTPUT_FINDINGS, true, items, summary, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(text, "\033[31mcritical\033[0m"));
    assert_non_null(strstr(text, "\033[31mhigh\033[0m"));
    assert_non_null(strstr(text, "\033[33mmedium\033[0m"));
    assert_non_null(strstr(text, "\033[2mlow\033[0m"));
    assert_non_null(strstr(text, "\033[35merror\033[0m"));
    check_alignment(text, 6, 7, /* item 4 passes: not listed */ 8 + 6 + 8 + 40 + 48 + 80 + 5 * 2);
    json_decref(items);
    json_decref(summary);
    free(text);
}

static void test_table_small(void **state)
{
    (void)state;
    json_t *summary = make_summary("inventory", 0, 0, 0);
    json_t *none = json_array();
    int rc = -1;
    char *text = render(OUTPUT_TABLE, OUTPUT_INVENTORY, true, none, summary, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(text, "0 resources, 0 providers\n");
    free(text);
    text = render(OUTPUT_TABLE, OUTPUT_FINDINGS, false, none, summary, &rc);
    assert_string_equal(text, "0 findings\n");
    free(text);
    json_t *one = make_items(OUTPUT_INVENTORY, 1);
    text = render(OUTPUT_TABLE, OUTPUT_INVENTORY, false, one, summary, &rc);
    assert_string_equal(text, "PROVIDER  ACCOUNT       REGION     KIND              NAME   STATE"
                              "    PUBLIC  COST/MO\n"
                              "aws       123456789012  eu-west-2  compute.instance  web-1  running"
                              "  yes     -\n\n1 resource, 1 provider\n");
    free(text);
    json_decref(one);
    json_decref(none);
    json_decref(summary);
}

static const char *level_for(const char *severity)
{
    if (!strcmp(severity, "critical") || !strcmp(severity, "high"))
        return "error";
    return !strcmp(severity, "medium") ? "warning" : "note";
}

static void check_sarif_result(const json_t *result, const json_t *rules, const json_t *finding)
{
    const char *rule_id = json_string_value(json_object_get(result, "ruleId"));
    size_t index = (size_t)json_integer_value(json_object_get(result, "ruleIndex"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules, index), "id")),
                        rule_id);
    const char *status = json_string_value(json_object_get(finding, "status"));
    const char *severity = json_string_value(json_object_get(finding, "severity"));
    const char *kind = json_string_value(json_object_get(result, "kind"));
    const char *level = json_string_value(json_object_get(result, "level"));
    if (!strcmp(status, "fail")) {
        assert_string_equal(kind, "fail");
        assert_string_equal(level, level_for(severity));
    } else {
        assert_string_equal(kind, !strcmp(status, "pass") ? "pass" : "open");
        assert_string_equal(level, "none");
    }
    assert_true(json_equal(json_object_get(json_object_get(result, "message"), "text"),
                           json_object_get(finding, "message")));
    json_t *logical =
        json_array_get(json_object_get(json_array_get(json_object_get(result, "locations"), 0),
                                       "logicalLocations"),
                       0);
    const json_t *resource = json_object_get(finding, "resource");
    assert_true(json_equal(json_object_get(logical, "fullyQualifiedName"),
                           json_object_get(resource, "uid")));
    assert_true(json_equal(json_object_get(logical, "name"), json_object_get(resource, "name")));
    assert_string_equal(json_string_value(json_object_get(logical, "kind")), "resource");
    assert_true(json_equal(
        json_object_get(json_object_get(result, "partialFingerprints"), "fawkesFingerprint/v1"),
        json_object_get(finding, "fingerprint")));
    json_t *props = json_object_get(result, "properties");
    assert_string_equal(json_string_value(json_object_get(props, "severity")), severity);
    assert_string_equal(json_string_value(json_object_get(props, "status")), status);
    assert_string_equal(json_string_value(json_object_get(props, "resourceKind")),
                        "compute.instance");
    assert_true(
        json_equal(json_object_get(props, "evidence"), json_object_get(finding, "evidence")));
    /* the run history's delta: in properties, and as SARIF's baselineState */
    const char *delta = json_string_value(json_object_get(finding, "delta"));
    assert_non_null(delta);
    assert_string_equal(json_string_value(json_object_get(props, "delta")), delta);
    assert_string_equal(json_string_value(json_object_get(result, "baselineState")),
                        !strcmp(delta, "new")    ? "new"
                        : !strcmp(delta, "open") ? "unchanged"
                                                 : "absent");
}

static json_t *finding_by_fingerprint(const json_t *items, const json_t *result)
{
    const json_t *fp =
        json_object_get(json_object_get(result, "partialFingerprints"), "fawkesFingerprint/v1");
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item) {
        if (json_equal(json_object_get(item, "fingerprint"), fp))
            return item;
    }
    fail_msg("a SARIF result matches no finding");
    return NULL;
}

static void write_dump(const char *variable, const char *text)
{
    const char *path = getenv(variable);
    if (!path || !path[0])
        return;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void check_sarif(size_t count, size_t failures)
{
    json_t *items = make_items(OUTPUT_FINDINGS, count);
    json_t *summary = make_summary("run", failures, count, count);
    int rc = -1;
    char *text = render(OUTPUT_SARIF, OUTPUT_FINDINGS, true, items, summary, &rc);
    assert_int_equal(rc, 0);
    assert_null(strstr(text, "\033["));
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "version")), "2.1.0");
    assert_non_null(
        strstr(json_string_value(json_object_get(doc, "$schema")), "sarif-schema-2.1.0.json"));
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    assert_string_equal(json_string_value(json_object_get(driver, "name")), "fawkes");
    assert_string_equal(json_string_value(json_object_get(driver, "version")), VERSION);
    assert_string_equal(json_string_value(json_object_get(driver, "informationUri")),
                        "https://github.com/fawkes/fawkes");
    json_t *rules_out = json_object_get(driver, "rules");
    assert_int_equal(json_array_size(rules_out), count < 3 ? count : 3);
    size_t i;
    json_t *rule;
    json_array_foreach (rules_out, i, rule) {
        json_t *props = json_object_get(rule, "properties");
        assert_int_equal(json_array_size(json_object_get(props, "tags")), 2);
        assert_non_null(json_object_get(rule, "shortDescription"));
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(rule, "help"), "text")),
            "Close port 22 & <retry>");
        const char *score = json_string_value(json_object_get(props, "security-severity"));
        const char *level = json_string_value(
            json_object_get(json_object_get(rule, "defaultConfiguration"), "level"));
        assert_true((!strcmp(score, "9.0") || !strcmp(score, "7.0")) == !strcmp(level, "error"));
    }
    json_t *results = json_object_get(run, "results");
    assert_int_equal(json_array_size(results), count);
    json_t *result;
    json_array_foreach (results, i, result)
        check_sarif_result(result, rules_out, finding_by_fingerprint(items, result));
    json_t *invocation = json_array_get(json_object_get(run, "invocations"), 0);
    assert_true(json_is_boolean(json_object_get(invocation, "executionSuccessful")));
    assert_int_equal(json_is_true(json_object_get(invocation, "executionSuccessful")),
                     failures == 0);
    json_t *notes = json_object_get(invocation, "toolExecutionNotifications");
    assert_int_equal(json_array_size(notes), failures);
    json_array_foreach (notes, i, result) {
        assert_string_equal(json_string_value(json_object_get(result, "level")), "error");
        assert_non_null(
            strstr(json_string_value(json_object_get(json_object_get(result, "message"), "text")),
                   "HTTP 503 from https://api.civo.com"));
    }
    if (count == MANY)
        write_dump("FAWKES_SARIF_DUMP", text);
    json_decref(doc);
    json_decref(items);
    json_decref(summary);
    free(text);
}

static void test_sarif(void **state)
{
    (void)state;
    check_sarif(0, 0);
    check_sarif(1, 0);
    check_sarif(MANY, 2);
}

/* The number in ` NAME="N"` of the first element `tag` in `text`. */
static long attr_number(const char *text, const char *tag, const char *name)
{
    const char *element = strstr(text, tag);
    assert_non_null(element);
    char pattern[64];
    snprintf(pattern, sizeof pattern, " %s=\"", name);
    const char *at = strstr(element, pattern);
    assert_non_null(at);
    assert_true(at < strchr(element, '>'));
    return strtol(at + strlen(pattern), NULL, 10);
}

static void check_junit(size_t count, size_t failures)
{
    json_t *items = make_items(OUTPUT_FINDINGS, count);
    json_t *summary = make_summary("run", failures, count, count);
    int rc = -1;
    char *text = render(OUTPUT_JUNIT, OUTPUT_FINDINGS, false, items, summary, &rc);
    assert_int_equal(rc, 0);
    size_t fails = 0, errors = 0;
    for (size_t i = 0; i < count; i++) {
        fails += i % 7 != 6 && i % 5 != 4;
        errors += i % 7 == 6;
    }
    assert_memory_equal(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39);
    assert_int_equal(attr_number(text, "<testsuites", "tests"), count + failures);
    assert_int_equal(attr_number(text, "<testsuites", "failures"), fails);
    assert_int_equal(attr_number(text, "<testsuites", "errors"), errors + failures);
    assert_int_equal(count_substr(text, "<testcase "), count + failures);
    assert_int_equal(count_substr(text, "<failure "), fails);
    assert_int_equal(count_substr(text, "<error "), errors + failures);
    assert_int_equal(count_substr(text, "<testsuite "), (count < 3 ? count : 3) + !!failures);
    assert_int_equal(count_substr(text, "<testsuite name=\"fawkes.run\""), !!failures);
    /* escaped text: no raw quote inside attributes, no control characters */
    if (count > 4) {
        assert_non_null(strstr(text, "message=\"na\xc3\xafve &quot;quoted&quot; &apos;single"
                                     "&apos;\""));
        assert_non_null(strstr(text, "message=\"line1&#10;line2&#9;tab&#13;cr\""));
        assert_non_null(strstr(text, "message=\"&lt;&amp;&gt;  control &amp; \xef\xbf\xbd\""));
        assert_non_null(strstr(text, "Close port 22 &amp; &lt;retry&gt;"));
    }
    assert_null(strchr(text, '\x01'));
    if (count == MANY)
        write_dump("FAWKES_JUNIT_DUMP", text);
    json_decref(items);
    json_decref(summary);
    free(text);
}

static void test_junit(void **state)
{
    (void)state;
    check_junit(0, 0);
    check_junit(1, 0);
    check_junit(0, 1);
    check_junit(MANY, 2);
}

static void test_closed_pipe(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    json_t *finding = make_finding(1);
    json_t *summary = make_summary("run", 0, 1, 1);
    for (int format = OUTPUT_TABLE; format <= OUTPUT_JUNIT; format++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        close(fds[0]);
        FILE *stream = fdopen(fds[1], "w");
        assert_non_null(stream);
        output *out =
            output_open((output_format)format, OUTPUT_FINDINGS, stream, false, VERSION, NULL);
        assert_non_null(out);
        for (int i = 0; i < 200; i++) /* more than a stdio buffer: fails mid-stream too */
            output_finding(out, finding);
        assert_int_equal(output_close(out, summary), -1);
        assert_int_equal(errno, EPIPE); /* kept for the caller's %m */
        fclose(stream);
    }
    json_decref(finding);
    json_decref(summary);
}

typedef struct writer_job {
    output *out;
    size_t first;
} writer_job;

static void *writer(void *arg)
{
    writer_job *job = arg;
    for (size_t i = job->first; i < job->first + 100; i++) {
        json_t *resource = make_resource(i);
        output_resource(job->out, resource);
        json_decref(resource);
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    output *out = output_open(OUTPUT_JSONL, OUTPUT_INVENTORY, stream, false, VERSION, NULL);
    pthread_t threads[4];
    writer_job jobs[4];
    for (size_t t = 0; t < 4; t++) {
        jobs[t] = (writer_job){out, t * 100};
        assert_int_equal(pthread_create(&threads[t], NULL, writer, &jobs[t]), 0);
    }
    for (size_t t = 0; t < 4; t++)
        pthread_join(threads[t], NULL);
    assert_int_equal(output_close(out, NULL), 0);
    fclose(stream);
    assert_int_equal(count_lines(text), 400);
    char *save = NULL;
    json_t *seen = json_object();
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *record = json_loads(line, 0, NULL);
        assert_non_null(record);
        json_object_set(seen, json_string_value(json_object_get(record, "id")), record);
        json_decref(record);
    }
    assert_int_equal(json_object_size(seen), 400);
    json_decref(seen);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),   cmocka_unit_test(test_findings_only_formats),
        cmocka_unit_test(test_json),           cmocka_unit_test(test_json_streams),
        cmocka_unit_test(test_jsonl),          cmocka_unit_test(test_table_inventory),
        cmocka_unit_test(test_table_findings), cmocka_unit_test(test_table_small),
        cmocka_unit_test(test_sarif),          cmocka_unit_test(test_junit),
        cmocka_unit_test(test_closed_pipe),    cmocka_unit_test(test_concurrent_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
