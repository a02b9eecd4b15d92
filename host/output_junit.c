/* output_junit.c: the JUnit XML encoder: a testsuite per rule, a testcase per finding. */
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "output_internal.h"

#define RUN_SUITE "fawkes.run"

static int junit_begin(output *out)
{
    out->state = json_array();
    return out->state ? 0 : -1;
}

static void junit_release(output *out)
{
    json_decref(out->state);
    out->state = NULL;
}

static int junit_item(output *out, const json_t *finding)
{
    return output_keep_finding(out->state, finding);
}

/* Characters XML 1.0 allows; anything else (most controls, U+FFFE/FFFF, surrogates,
   invalid UTF-8) is dropped. */
static bool xml_allowed(uint32_t cp)
{
    return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
           (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Write `text` escaped for XML; in an attribute, tab/newline/CR are written as character
   references so attribute-value normalisation keeps them. */
static int xml_put(FILE *f, const char *text, bool attribute)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
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
        if (entity) {
            if (fputs(entity, f) < 0)
                return -1;
        } else if (xml_allowed(cp) && fwrite(s, 1, len, f) != len) {
            return -1;
        }
        s += len;
    }
    return 0;
}

/* Writes `before`, the escaped attribute value, then `after`. */
static int xml_attr(FILE *f, const char *before, const char *value, const char *after)
{
    if (fputs(before, f) < 0 || xml_put(f, value, true) != 0 || fputs(after, f) < 0)
        return -1;
    return 0;
}

static const char *finding_uid(const json_t *finding)
{
    return fwkx_str(json_object_get(finding, "resource"), "uid", "");
}

/* Rule, then resource uid: a rule's findings sit together in one testsuite. */
static int by_rule_then_uid(const void *a, const void *b)
{
    const json_t *left = *(const json_t *const *)a, *right = *(const json_t *const *)b;
    int by = strcmp(fwkx_str(left, "rule", ""), fwkx_str(right, "rule", ""));
    return by ? by : strcmp(finding_uid(left), finding_uid(right));
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

static int write_testcase(FILE *f, const json_t *finding)
{
    const char *rule = fwkx_str(finding, "rule", "unknown");
    const char *uid = finding_uid(finding);
    const char *status = fwkx_str(finding, "status", "fail");
    if (xml_attr(f, "    <testcase classname=\"", rule, "\"") != 0 ||
        xml_attr(f, " name=\"", uid[0] ? uid : rule, "\"") != 0)
        return -1;
    bool fail = !strcmp(status, "fail");
    if (!fail && strcmp(status, "error") != 0)
        return fputs("/>\n", f) < 0 ? -1 : 0;
    const char *element = fail ? "failure" : "error";
    const char *message = fwkx_str(finding, "message", fwkx_str(finding, "title", rule));
    char *details = finding_details(finding);
    int rc = -1;
    if (!details || fprintf(f, ">\n      <%s", element) < 0 ||
        xml_attr(f, " message=\"", message, "\"") != 0 ||
        xml_attr(f, " type=\"", output_finding_severity(finding), "\">") != 0 ||
        xml_put(f, details, false) != 0 || fprintf(f, "</%s>\n    </testcase>\n", element) < 0)
        goto out;
    rc = 0;
out:
    free(details);
    return rc;
}

static void count_suite(json_t **sorted, size_t count, size_t *end, size_t *failures,
                        size_t *errors)
{
    const char *rule = fwkx_str(sorted[*end], "rule", "");
    *failures = *errors = 0;
    for (; *end < count && !strcmp(fwkx_str(sorted[*end], "rule", ""), rule); (*end)++) {
        const char *status = fwkx_str(sorted[*end], "status", "fail");
        *failures += !strcmp(status, "fail");
        *errors += !strcmp(status, "error");
    }
}

static int write_rule_suites(FILE *f, json_t **sorted, size_t count)
{
    for (size_t start = 0; start < count;) {
        size_t end = start, failures, errors;
        count_suite(sorted, count, &end, &failures, &errors);
        if (xml_attr(f, "  <testsuite name=\"", fwkx_str(sorted[start], "rule", "unknown"), "\"") !=
                0 ||
            fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n", end - start, failures,
                    errors) < 0)
            return -1;
        for (size_t i = start; i < end; i++)
            if (write_testcase(f, sorted[i]) != 0)
                return -1;
        if (fputs("  </testsuite>\n", f) < 0)
            return -1;
        start = end;
    }
    return 0;
}

/* The run's own failures (a provider or plugin that failed) as error testcases. */
static int write_run_suite(FILE *f, const json_t *failures)
{
    size_t count = json_array_size(failures);
    if (count == 0)
        return 0;
    if (fprintf(f,
                "  <testsuite name=\"" RUN_SUITE "\" tests=\"%zu\" failures=\"0\" "
                "errors=\"%zu\">\n",
                count, count) < 0)
        return -1;
    size_t i;
    const json_t *failure;
    json_array_foreach (failures, i, failure) {
        char *text = output_failure_text(failure);
        char name[512];
        snprintf(name, sizeof name, "%s %s%s%s", fwkx_str(failure, "instance", "fawkes"),
                 fwkx_str(failure, "operation", "run"), fwkx_str(failure, "task", NULL) ? " " : "",
                 fwkx_str(failure, "task", ""));
        int rc = !text ||
                 xml_attr(f, "    <testcase classname=\"" RUN_SUITE "\" name=\"", name,
                          "\">\n      <error") != 0 ||
                 xml_attr(f, " message=\"", fwkx_str(failure, "message", "failed"), "\"") != 0 ||
                 xml_attr(f, " type=\"", fwkx_str(failure, "plugin", "fawkes"), "\">") != 0 ||
                 xml_put(f, text, false) != 0 || fputs("</error>\n    </testcase>\n", f) < 0;
        free(text);
        if (rc)
            return -1;
    }
    return fputs("  </testsuite>\n", f) < 0 ? -1 : 0;
}

static int junit_end(output *out, const json_t *summary)
{
    FILE *f = out->stream;
    const json_t *failures = json_object_get(summary, "failures");
    size_t count = json_array_size(out->state), run_errors = json_array_size(failures);
    json_t **sorted = count ? malloc(count * sizeof *sorted) : NULL;
    int rc = -1;
    if (count && !sorted)
        goto out;
    size_t failed = 0, errors = 0;
    for (size_t i = 0; i < count; i++) {
        sorted[i] = json_array_get(out->state, i);
        const char *status = fwkx_str(sorted[i], "status", "fail");
        failed += !strcmp(status, "fail");
        errors += !strcmp(status, "error");
    }
    if (count)
        qsort(sorted, count, sizeof *sorted, by_rule_then_uid);
    if (fprintf(f,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"fawkes\" "
                "tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
                count + run_errors, failed, errors + run_errors) < 0 ||
        write_rule_suites(f, sorted, count) != 0 || write_run_suite(f, failures) != 0 ||
        fputs("</testsuites>\n", f) < 0)
        goto out;
    rc = 0;
out:
    free(sorted);
    return rc;
}

const output_encoder output_junit_encoder = {
    .name = "junit",
    .findings_only = true,
    .begin = junit_begin,
    .item = junit_item,
    .end = junit_end,
    .release = junit_release,
};
