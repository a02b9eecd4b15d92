/* output_sarif.c: the SARIF 2.1.0 encoder (one run: rules, results, invocation). */
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "output_internal.h"

#define SARIF_SCHEMA                                                                               \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
#define FAWKES_URI "https://github.com/fawkes/fawkes"

static int sarif_begin(output *out)
{
    out->state = json_array();
    return out->state ? 0 : -1;
}

static void sarif_release(output *out)
{
    json_decref(out->state);
    out->state = NULL;
}

static int sarif_item(output *out, const json_t *finding)
{
    return output_keep_finding(out->state, finding);
}

static const char *severity_level(const char *severity)
{
    if (!strcmp(severity, "critical") || !strcmp(severity, "high"))
        return "error";
    return !strcmp(severity, "medium") ? "warning" : "note";
}

static const char *security_severity(const char *severity)
{
    static const struct {
        const char *name, *score;
    } scores[] = {{"critical", "9.0"}, {"high", "7.0"}, {"medium", "5.0"}, {"low", "3.0"}};
    for (size_t i = 0; i < sizeof scores / sizeof scores[0]; i++)
        if (!strcmp(severity, scores[i].name))
            return scores[i].score;
    return "0.0";
}

/* A non-empty string member, or NULL. */
/* Add each compliance id of `finding` to `tags` once. */
static int add_tags(json_t *tags, const json_t *finding)
{
    size_t i, j;
    json_t *id, *seen;
    json_array_foreach (json_object_get(finding, "compliance"), i, id) {
        if (!json_is_string(id))
            continue;
        bool found = false;
        json_array_foreach (tags, j, seen) {
            if (json_equal(seen, id)) {
                found = true;
                break;
            }
        }
        if (!found && json_array_append(tags, id) != 0)
            return -1;
    }
    return 0;
}

static json_t *make_rule(const json_t *finding)
{
    const char *id = fwkx_str(finding, "rule", "unknown");
    const char *title = fwkx_text(finding, "title", NULL);
    const char *message = fwkx_text(finding, "message", NULL);
    const char *remediation = fwkx_text(finding, "remediation", NULL);
    const char *severity = output_finding_severity(finding);
    json_t *rule =
        json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:[], s:s}}", "id", id, "shortDescription",
                  "text", title ? title : id, "fullDescription", "text",
                  message ? message
                  : title ? title
                          : id,
                  "defaultConfiguration", "level", severity_level(severity), "properties", "tags",
                  "security-severity", security_severity(severity));
    if (rule && remediation)
        json_object_set_new(rule, "help", json_pack("{s:s}", "text", remediation));
    return rule;
}

static json_t *make_location(const json_t *resource)
{
    const char *uid = fwkx_text(resource, "uid", NULL);
    if (!uid)
        return json_array();
    const char *name = fwkx_text(resource, "name", NULL);
    return json_pack("[{s:[{s:s, s:s, s:s}]}]", "logicalLocations", "fullyQualifiedName", uid,
                     "name", name ? name : uid, "kind", "resource");
}

static json_t *make_properties(const json_t *finding)
{
    const json_t *resource = json_object_get(finding, "resource");
    json_t *props = json_pack("{s:s, s:s}", "severity", output_finding_severity(finding), "status",
                              fwkx_str(finding, "status", "fail"));
    static const char *const from_resource[][2] = {
        {"provider", "provider"}, {"region", "region"}, {"kind", "resourceKind"}};
    for (size_t i = 0; props && i < 3; i++) {
        json_t *value = json_object_get(resource, from_resource[i][0]);
        if (json_is_string(value))
            json_object_set(props, from_resource[i][1], value);
    }
    static const char *const copied[] = {"compliance", "evidence", "delta"};
    for (size_t i = 0; props && i < 3; i++) {
        json_t *value = json_object_get(finding, copied[i]);
        if (value && !json_is_null(value))
            json_object_set(props, copied[i], value);
    }
    return props;
}

static json_t *make_result(const json_t *finding, size_t rule_index)
{
    const char *status = fwkx_str(finding, "status", "fail");
    bool fail = !strcmp(status, "fail");
    const char *kind = fail ? "fail" : !strcmp(status, "pass") ? "pass" : "open";
    const char *rule = fwkx_str(finding, "rule", "unknown");
    const char *message = fwkx_text(finding, "message", NULL);
    const char *title = fwkx_text(finding, "title", NULL);
    json_t *result = json_pack("{s:s, s:I, s:s, s:s, s:{s:s}, s:o, s:o}", "ruleId", rule,
                               "ruleIndex", (json_int_t)rule_index, "kind", kind, "level",
                               fail ? severity_level(output_finding_severity(finding)) : "none",
                               "message", "text",
                               message ? message
                               : title ? title
                                       : rule,
                               "locations", make_location(json_object_get(finding, "resource")),
                               "properties", make_properties(finding));
    const char *fingerprint = fwkx_text(finding, "fingerprint", NULL);
    if (result && fingerprint)
        json_object_set_new(result, "partialFingerprints",
                            json_pack("{s:s}", "fawkesFingerprint/v1", fingerprint));
    /* The run history's delta as SARIF's baselineState. */
    const char *delta = fwkx_text(finding, "delta", NULL);
    const char *baseline = !delta                       ? NULL
                           : !strcmp(delta, "new")      ? "new"
                           : !strcmp(delta, "open")     ? "unchanged"
                           : !strcmp(delta, "resolved") ? "absent"
                                                        : NULL;
    if (result && baseline)
        json_object_set_new(result, "baselineState", json_string(baseline));
    return result;
}

/* Fill `rules` (one per distinct id, in result order) and `results` from `findings`. */
static int add_results(json_t *findings, json_t *rules, json_t *results)
{
    size_t count = json_array_size(findings);
    json_t **sorted = count ? malloc(count * sizeof *sorted) : NULL;
    json_t *index = json_object();
    int rc = -1;
    if ((count && !sorted) || !index)
        goto out;
    for (size_t i = 0; i < count; i++)
        sorted[i] = json_array_get(findings, i);
    if (count)
        qsort(sorted, count, sizeof *sorted, output_finding_cmp);
    for (size_t i = 0; i < count; i++) {
        const char *id = fwkx_str(sorted[i], "rule", "unknown");
        json_t *known = json_object_get(index, id);
        size_t rule_index = known ? (size_t)json_integer_value(known) : json_array_size(rules);
        if (!known) {
            /* Sorted by severity first, so a rule's first finding is its most severe. */
            if (json_array_append_new(rules, make_rule(sorted[i])) != 0 ||
                json_object_set_new(index, id, json_integer((json_int_t)rule_index)) != 0)
                goto out;
        }
        json_t *rule = json_array_get(rules, rule_index);
        if (add_tags(json_object_get(json_object_get(rule, "properties"), "tags"), sorted[i]) ||
            json_array_append_new(results, make_result(sorted[i], rule_index)) != 0)
            goto out;
    }
    rc = 0;
out:
    free(sorted);
    json_decref(index);
    return rc;
}

static json_t *make_invocation(const json_t *summary)
{
    const json_t *failures = json_object_get(summary, "failures");
    json_t *notifications = json_array();
    size_t i;
    const json_t *failure;
    json_array_foreach (failures, i, failure) {
        char *text = output_failure_text(failure);
        json_t *note = text ? json_pack("{s:s, s:{s:s}, s:O}", "level", "error", "message", "text",
                                        text, "properties", failure)
                            : NULL;
        free(text);
        if (json_array_append_new(notifications, note) != 0) {
            json_decref(notifications);
            return NULL;
        }
    }
    bool partial =
        json_is_true(json_object_get(summary, "partial")) || json_array_size(failures) > 0;
    return json_pack("{s:b, s:o}", "executionSuccessful", !partial, "toolExecutionNotifications",
                     notifications);
}

static int sarif_end(output *out, const json_t *summary)
{
    json_t *rules = json_array(), *results = json_array();
    json_t *doc = NULL;
    int rc = -1;
    if (!rules || !results || add_results(out->state, rules, results) != 0)
        goto out;
    doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:O}}, s:[o], s:O}]}", "$schema",
                    SARIF_SCHEMA, "version", "2.1.0", "runs", "tool", "driver", "name", "fawkes",
                    "version", out->tool_version, "informationUri", FAWKES_URI, "rules", rules,
                    "invocations", make_invocation(summary), "results", results);
    if (!doc)
        goto out;
    if (json_dumpf(doc, out->stream, JSON_INDENT(2)) != 0 || fputc('\n', out->stream) == EOF)
        goto out;
    rc = 0;
out:
    json_decref(rules);
    json_decref(results);
    json_decref(doc);
    return rc;
}

const output_encoder output_sarif_encoder = {
    .name = "sarif",
    .findings_only = true,
    .begin = sarif_begin,
    .item = sarif_item,
    .end = sarif_end,
    .release = sarif_release,
};
