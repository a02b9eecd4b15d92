/* output_junit.c: the JUnit XML encoder: a testsuite per rule, a testcase per finding. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "output_internal.h"

#define RUN_SUITE "fawkes.run"

/*
 * Each finding's <testcase> is rendered as it arrives (in the calling thread) and filed in a
 * spill under its suite's rule and its resource uid (equal ones keep their order of arrival);
 * output_close writes the suites back in that order. Only counts stay in memory: the totals,
 * and tests/failures/errors per distinct rule (for each <testsuite>'s attributes).
 *
 * A record is: the rule it is grouped by NUL, the suite's name NUL, the testcase's XML.
 */
typedef struct junit_state {
    sorter *sp;
    /* under out->lock */
    json_t *suites; /* rule -> [tests, failures, errors] */
    size_t failures, errors;
} junit_state;

static int junit_begin(output *out)
{
    junit_state *st = calloc(1, sizeof *st);
    if (!st || !(st->suites = json_object())) {
        free(st);
        errno = ENOMEM;
        return -1;
    }
    out->state = st;
    return output_spill_open(&st->sp);
}

static void junit_release(output *out)
{
    junit_state *st = out->state;
    if (!st)
        return;
    json_decref(st->suites);
    sorter_close(st->sp);
    free(st);
    out->state = NULL;
}

/* Characters XML 1.0 allows; anything else (most controls, U+FFFE/FFFF, surrogates,
   invalid UTF-8) is dropped. */
static bool xml_allowed(uint32_t cp)
{
    return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
           (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Append `text` escaped for XML; in an attribute, tab/newline/CR are written as character
   references so attribute-value normalisation keeps them. */
static void xml_put(fwkx_buf *b, const char *text, bool attribute)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    const unsigned char *run = s; /* bytes kept as they are, not appended yet */
    while (*s) {
        uint32_t cp;
        size_t len = output_utf8_next(s, &cp);
        const char *entity = NULL;
        switch (cp) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&apos;";
            break;
        case '\t':
            entity = attribute ? "&#9;" : NULL;
            break;
        case '\n':
            entity = attribute ? "&#10;" : NULL;
            break;
        case '\r':
            entity = "&#13;";
            break;
        default:
            break;
        }
        if (entity || !xml_allowed(cp)) {
            fwkx_buf_add(b, run, (size_t)(s - run));
            if (entity)
                fwkx_buf_adds(b, entity);
            run = s + len;
        }
        s += len;
    }
    fwkx_buf_add(b, run, (size_t)(s - run));
}

/* Appends `before`, the escaped attribute value, then `after`. */
static void xml_attr(fwkx_buf *b, const char *before, const char *value, const char *after)
{
    fwkx_buf_adds(b, before);
    xml_put(b, value, true);
    fwkx_buf_adds(b, after);
}

/* Write what `b` holds and empty it. 0, or -1 (OOM on the way, or a write error). */
static int flush_buf(FILE *f, fwkx_buf *b)
{
    int rc = b->failed || fwrite(b->data ? b->data : "", 1, b->len, f) != b->len ? -1 : 0;
    if (b->failed)
        errno = ENOMEM;
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
    return rc;
}

static const char *finding_uid(const json_t *finding)
{
    return fwkx_str(json_object_get(finding, "resource"), "uid", "");
}
/* The body of a <failure>/<error>: what a CI reader needs to act on the finding. */
static char *finding_details(const json_t *finding)
{
    char *evidence = NULL, *compliance = NULL, *text = NULL;
    const json_t *value = json_object_get(finding, "evidence");
    if (value && !json_is_null(value))
        evidence = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    value = json_object_get(finding, "compliance");
    if (json_array_size(value))
        compliance = json_dumps(value, JSON_COMPACT);
    int n = asprintf(
        &text, "%s\nseverity: %s\nresource: %s\n%s%s%s%s%s%s%s%s%s%s%s%s",
        fwkx_str(finding, "title", fwkx_str(finding, "rule", "")), output_finding_severity(finding),
        finding_uid(finding), fwkx_str(finding, "delta", NULL) ? "delta: " : "",
        fwkx_str(finding, "delta", ""), fwkx_str(finding, "delta", NULL) ? "\n" : "",
        fwkx_str(finding, "remediation", NULL) ? "remediation: " : "",
        fwkx_str(finding, "remediation", ""), fwkx_str(finding, "remediation", NULL) ? "\n" : "",
        evidence ? "evidence: " : "", evidence ? evidence : "", evidence ? "\n" : "",
        compliance ? "compliance: " : "", compliance ? compliance : "", compliance ? "\n" : "");
    free(evidence);
    free(compliance);
    return n < 0 ? NULL : text;
}

static int render_testcase(fwkx_buf *b, const json_t *finding)
{
    const char *rule = fwkx_str(finding, "rule", "unknown");
    const char *uid = finding_uid(finding);
    const char *status = fwkx_str(finding, "status", "fail");
    xml_attr(b, "    <testcase classname=\"", rule, "\"");
    xml_attr(b, " name=\"", uid[0] ? uid : rule, "\"");
    bool fail = !strcmp(status, "fail");
    if (!fail && strcmp(status, "error") != 0) {
        fwkx_buf_adds(b, "/>\n");
        return b->failed ? -1 : 0;
    }
    const char *element = fail ? "failure" : "error";
    const char *message = fwkx_str(finding, "message", fwkx_str(finding, "title", rule));
    char *details = finding_details(finding);
    if (!details)
        return -1;
    fwkx_buf_addf(b, ">\n      <%s", element);
    xml_attr(b, " message=\"", message, "\"");
    xml_attr(b, " type=\"", output_finding_severity(finding), "\">");
    xml_put(b, details, false);
    fwkx_buf_addf(b, "</%s>\n    </testcase>\n", element);
    free(details);
    return b->failed ? -1 : 0;
}

/* Count a testcase into its suite and the totals. Under out->lock. */
static int count_testcase(junit_state *st, const char *rule, bool fail, bool error)
{
    json_t *counts = json_object_get(st->suites, rule);
    if (!counts) {
        counts = json_pack("[i,i,i]", 0, 0, 0);
        if (json_object_set_new(st->suites, rule, counts) != 0)
            return -1;
    }
    const bool add[3] = {true, fail, error};
    for (size_t i = 0; i < 3; i++) {
        json_t *n = json_array_get(counts, i);
        json_integer_set(n, json_integer_value(n) + add[i]);
    }
    st->failures += fail;
    st->errors += error;
    return 0;
}

static int junit_add(output *out, const json_t *finding)
{
    junit_state *st = out->state;
    if (!st) {
        errno = EINVAL;
        return -1;
    }
    /* A rule's findings sit together in one testsuite: by rule, then resource uid. */
    const char *rule = fwkx_str(finding, "rule", "");
    const char *name = fwkx_str(finding, "rule", "unknown");
    const char *status = fwkx_str(finding, "status", "fail");
    fwkx_buf key = FWKX_BUF_INIT, record = FWKX_BUF_INIT;
    output_key_add(&key, rule);
    output_key_add(&key, finding_uid(finding));
    fwkx_buf_add(&record, rule, strlen(rule) + 1);
    fwkx_buf_add(&record, name, strlen(name) + 1);
    int rc = -1;
    if (key.failed || render_testcase(&record, finding) != 0) {
        errno = ENOMEM;
        goto out;
    }
    if (output_spill_add(out, st->sp, key.data, record.data, record.len) != 0)
        goto out;
    pthread_mutex_lock(&out->lock);
    rc = count_testcase(st, rule, !strcmp(status, "fail"), !strcmp(status, "error"));
    out->count++;
    pthread_mutex_unlock(&out->lock);
    if (rc != 0)
        errno = ENOMEM;
out:
    fwkx_buf_free(&key);
    fwkx_buf_free(&record);
    return rc;
}

/* The <testsuite ...> line of the suite grouped by `rule`. */
static void suite_head(fwkx_buf *b, junit_state *st, const char *rule, const char *name)
{
    const json_t *counts = json_object_get(st->suites, rule);
    xml_attr(b, "  <testsuite name=\"", name, "\"");
    fwkx_buf_addf(b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
                  (size_t)json_integer_value(json_array_get(counts, 0)),
                  (size_t)json_integer_value(json_array_get(counts, 1)),
                  (size_t)json_integer_value(json_array_get(counts, 2)));
}

/* The spilled testcases in order, a <testsuite> around each rule's. */
static int write_rule_suites(output *out, junit_state *st)
{
    sorter *cursor = output_spill_cursor(st->sp);
    if (!cursor)
        return -1;
    fwkx_buf text = FWKX_BUF_INIT;
    char *current = NULL; /* the rule of the open suite */
    bool failed = false;
    int rc = 0;
    size_t len = 0;
    const char *data;
    while (rc == 0 && (data = output_spill_next(cursor, &len, &failed)) != NULL) {
        const char *end = data + len;
        const char *name = memchr(data, '\0', len);
        const char *xml = name ? memchr(name + 1, '\0', (size_t)(end - name - 1)) : NULL;
        if (!xml) {
            errno = EIO;
            rc = -1;
            break;
        }
        if (!current || strcmp(current, data) != 0) {
            if (current)
                fwkx_buf_adds(&text, "  </testsuite>\n");
            free(current);
            if (!(current = strdup(data))) {
                errno = ENOMEM;
                rc = -1;
                break;
            }
            suite_head(&text, st, data, name + 1);
        }
        fwkx_buf_add(&text, xml + 1, (size_t)(end - xml - 1));
        if (text.len >= 1 << 16)
            rc = flush_buf(out->stream, &text);
    }
    if (rc == 0 && current)
        fwkx_buf_adds(&text, "  </testsuite>\n");
    if (rc == 0)
        rc = flush_buf(out->stream, &text);
    fwkx_buf_free(&text);
    free(current);
    return failed ? -1 : rc;
}

/* The run's own failures (a provider or plugin that failed) as error testcases. */
static int write_run_suite(FILE *f, const json_t *failures)
{
    size_t count = json_array_size(failures);
    if (count == 0)
        return 0;
    fwkx_buf b = FWKX_BUF_INIT;
    fwkx_buf_addf(&b,
                  "  <testsuite name=\"" RUN_SUITE "\" tests=\"%zu\" failures=\"0\" "
                  "errors=\"%zu\">\n",
                  count, count);
    size_t i;
    const json_t *failure;
    json_array_foreach (failures, i, failure) {
        char *text = output_failure_text(failure);
        char name[512];
        snprintf(name, sizeof name, "%s %s%s%s", fwkx_str(failure, "instance", "fawkes"),
                 fwkx_str(failure, "operation", "run"), fwkx_str(failure, "task", NULL) ? " " : "",
                 fwkx_str(failure, "task", ""));
        if (!text)
            b.failed = 1;
        xml_attr(&b, "    <testcase classname=\"" RUN_SUITE "\" name=\"", name,
                 "\">\n      <error");
        xml_attr(&b, " message=\"", fwkx_str(failure, "message", "failed"), "\"");
        xml_attr(&b, " type=\"", fwkx_str(failure, "plugin", "fawkes"), "\">");
        xml_put(&b, text, false);
        fwkx_buf_adds(&b, "</error>\n    </testcase>\n");
        free(text);
    }
    fwkx_buf_adds(&b, "  </testsuite>\n");
    int rc = flush_buf(f, &b);
    fwkx_buf_free(&b);
    return rc;
}

static int junit_end(output *out, const json_t *summary)
{
    junit_state *st = out->state;
    if (!st)
        return -1;
    FILE *f = out->stream;
    const json_t *failures = json_object_get(summary, "failures");
    size_t run_errors = json_array_size(failures);
    if (fprintf(f,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"fawkes\" "
                "tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
                out->count + run_errors, st->failures, st->errors + run_errors) < 0 ||
        (out->count && write_rule_suites(out, st) != 0) || write_run_suite(f, failures) != 0 ||
        fputs("</testsuites>\n", f) < 0)
        return -1;
    return 0;
}

const output_encoder output_junit_encoder = {
    .name = "junit",
    .findings_only = true,
    .lists_passes = true,
    .begin = junit_begin,
    .add = junit_add,
    .end = junit_end,
    .release = junit_release,
    .pass_counted = NULL,
};
