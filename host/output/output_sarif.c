/* output_sarif.c: the SARIF 2.1.0 encoder (one run: rules, results, invocation). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "output_internal.h"

#define SARIF_SCHEMA                                                                               \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
#define FAWKES_URI "https://github.com/fawkes/fawkes"

/*
 * Results are rendered as findings arrive (in the calling thread) and filed in a spill under
 * the key the results are sorted by (severity, critical first, then rule, then resource uid,
 * then order of arrival); output_close writes them back in that order. Only what the rules
 * need stays in memory, per distinct rule (not per finding): the finding that comes first in
 * that order (its rule entry) and, per compliance id, where it first appears.
 *
 * A record is: rule id NUL, the result's text before its ruleIndex value NUL, the text after
 * it; indented for its place in the document.
 */
typedef struct sarif_rule {
    char *key;    /* sort key of the rule's first result */
    json_t *rule; /* the rules[] entry, made from that result's finding; tags set at the end */
    json_t *tags; /* compliance id -> [key, position in that finding's compliance list] */
    size_t index; /* ruleIndex, set at the end */
} sarif_rule;

typedef struct sarif_state {
    sorter *sp;
    atomic_uint_fast64_t arrivals; /* breaks ties between equal keys */
    /* under out->lock */
    json_t *index; /* rule id -> position in rules */
    sarif_rule *rules;
    size_t nrules, cap;
} sarif_state;

/* In the document, a result starts this deep (runs[0].results[i]). */
#define RESULT_INDENT "        "
/* What a rendered result has before its ruleIndex value. */
#define RULE_INDEX_AT "\n  \"ruleIndex\": "

static int sarif_begin(output *out)
{
    sarif_state *st = calloc(1, sizeof *st);
    if (!st || !(st->index = json_object())) {
        free(st);
        errno = ENOMEM;
        return -1;
    }
    out->state = st;
    return output_spill_open(&st->sp);
}

static void sarif_release(output *out)
{
    sarif_state *st = out->state;
    if (!st)
        return;
    for (size_t i = 0; i < st->nrules; i++) {
        free(st->rules[i].key);
        json_decref(st->rules[i].rule);
        json_decref(st->rules[i].tags);
    }
    free(st->rules);
    json_decref(st->index);
    sorter_close(st->sp);
    free(st);
    out->state = NULL;
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

/* The sort key of a result: severity (critical first), rule, resource uid, arrival. */
static int result_key(fwkx_buf *key, const json_t *finding, uint64_t arrival)
{
    char rank = output_key_severity(output_finding_severity(finding));
    if (fwkx_buf_add(key, &rank, 1) != 0 || output_key_add(key, fwkx_str(finding, "rule", "")) ||
        output_key_add(key, fwkx_str(json_object_get(finding, "resource"), "uid", "")))
        return -1;
    return fwkx_buf_addf(key, "%016" PRIx64, arrival);
}

/* Render the result of `finding` as a spill record (see sarif_state). */
static int result_record(fwkx_buf *record, const json_t *finding)
{
    json_t *result = make_result(finding, 0);
    char *text = result ? json_dumps(result, JSON_INDENT(2)) : NULL;
    json_decref(result);
    char *at = text ? strstr(text, RULE_INDEX_AT) : NULL;
    if (!at || at[strlen(RULE_INDEX_AT)] != '0') {
        free(text);
        return -1;
    }
    at += strlen(RULE_INDEX_AT);
    fwkx_buf_adds(record, fwkx_str(finding, "rule", "unknown"));
    fwkx_buf_add(record, "", 1);
    for (char *p = text; *p; p++) {
        if (p == at) {
            fwkx_buf_add(record, "", 1);
            continue; /* the 0 standing in for the index */
        }
        fwkx_buf_add(record, p, 1);
        if (*p == '\n') /* JSON text has no raw newline inside strings */
            fwkx_buf_adds(record, RESULT_INDENT);
    }
    free(text);
    return record->failed ? -1 : 0;
}

/* Keep (key, position) for `tag` when it comes before what is kept. Under out->lock. */
static int note_tag(json_t *tags, const json_t *tag, const char *key, size_t position)
{
    const char *id = json_string_value(tag);
    json_t *seen = json_object_get(tags, id);
    if (seen) {
        int by = strcmp(key, json_string_value(json_array_get(seen, 0)));
        if (by > 0 || (by == 0 && position >= (size_t)json_integer_value(json_array_get(seen, 1))))
            return 0;
    }
    return json_object_set_new(tags, id, json_pack("[s,I]", key, (json_int_t)position));
}

/* Merge a result into its rule. Under out->lock. */
static int note_rule(sarif_state *st, const json_t *finding, const char *key)
{
    const char *id = fwkx_str(finding, "rule", "unknown");
    json_t *known = json_object_get(st->index, id);
    sarif_rule *rule;
    if (!known) {
        if (st->nrules == st->cap) {
            size_t cap = st->cap ? st->cap * 2 : 16;
            sarif_rule *grown = realloc(st->rules, cap * sizeof *grown);
            if (!grown)
                return -1;
            st->rules = grown;
            st->cap = cap;
        }
        rule = &st->rules[st->nrules];
        *rule = (sarif_rule){strdup(key), make_rule(finding), json_object(), 0};
        if (!rule->key || !rule->rule || !rule->tags ||
            json_object_set_new(st->index, id, json_integer((json_int_t)st->nrules)) != 0) {
            free(rule->key);
            json_decref(rule->rule);
            json_decref(rule->tags);
            return -1;
        }
        st->nrules++;
    } else {
        rule = &st->rules[json_integer_value(known)];
        if (strcmp(key, rule->key) < 0) { /* this finding comes first: the rule is made of it */
            char *first = strdup(key);
            json_t *made = make_rule(finding);
            if (!first || !made) {
                free(first);
                json_decref(made);
                return -1;
            }
            free(rule->key);
            json_decref(rule->rule);
            rule->key = first;
            rule->rule = made;
        }
    }
    size_t i;
    json_t *tag;
    json_array_foreach (json_object_get(finding, "compliance"), i, tag) {
        if (json_is_string(tag) && note_tag(rule->tags, tag, key, i) != 0)
            return -1;
    }
    return 0;
}

static int sarif_add(output *out, const json_t *finding)
{
    sarif_state *st = out->state;
    if (!st) {
        errno = EINVAL;
        return -1;
    }
    uint64_t arrival = atomic_fetch_add_explicit(&st->arrivals, 1, memory_order_relaxed);
    fwkx_buf key = FWKX_BUF_INIT, record = FWKX_BUF_INIT;
    int rc = -1;
    if (result_key(&key, finding, arrival) != 0 || result_record(&record, finding) != 0) {
        errno = ENOMEM;
        goto out;
    }
    if (output_spill_add(out, st->sp, key.data, record.data, record.len) != 0)
        goto out;
    pthread_mutex_lock(&out->lock);
    rc = note_rule(st, finding, key.data);
    out->count++;
    pthread_mutex_unlock(&out->lock);
    if (rc != 0)
        errno = ENOMEM;
out:
    fwkx_buf_free(&key);
    fwkx_buf_free(&record);
    return rc;
}

static int by_key(const void *a, const void *b)
{
    const sarif_rule *left = *(const sarif_rule *const *)a;
    const sarif_rule *right = *(const sarif_rule *const *)b;
    return strcmp(left->key, right->key);
}

typedef struct tag_seen {
    const char *id, *key;
    size_t position;
} tag_seen;

static int by_first_seen(const void *a, const void *b)
{
    const tag_seen *left = a, *right = b;
    int by = strcmp(left->key, right->key);
    return by ? by : left->position < right->position ? -1 : left->position > right->position;
}

/* A rule's compliance ids in the order its results show them first. */
static int fill_tags(sarif_rule *rule)
{
    json_t *tags = json_object_get(json_object_get(rule->rule, "properties"), "tags");
    size_t count = json_object_size(rule->tags), n = 0;
    tag_seen *seen = count ? malloc(count * sizeof *seen) : NULL;
    if (count && !seen)
        return -1;
    const char *id;
    json_t *where;
    json_object_foreach (rule->tags, id, where)
        seen[n++] = (tag_seen){id, json_string_value(json_array_get(where, 0)),
                               (size_t)json_integer_value(json_array_get(where, 1))};
    if (n > 1)
        qsort(seen, n, sizeof *seen, by_first_seen);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = json_array_append_new(tags, json_string(seen[i].id));
    free(seen);
    return rc;
}

/* rules[], one per distinct id in the order of their first result; sets each ruleIndex. */
static json_t *make_rules(sarif_state *st)
{
    json_t *rules = json_array();
    sarif_rule **order = st->nrules ? malloc(st->nrules * sizeof *order) : NULL;
    if (!rules || (st->nrules && !order)) {
        json_decref(rules);
        free(order);
        return NULL;
    }
    for (size_t i = 0; i < st->nrules; i++)
        order[i] = &st->rules[i];
    if (st->nrules)
        qsort(order, st->nrules, sizeof *order, by_key);
    for (size_t i = 0; i < st->nrules; i++) {
        order[i]->index = i;
        if (fill_tags(order[i]) != 0 || json_array_append(rules, order[i]->rule) != 0) {
            json_decref(rules);
            rules = NULL;
            break;
        }
    }
    free(order);
    return rules;
}

/* Write the spilled results in order, each with its ruleIndex. */
static int write_results(output *out, sarif_state *st)
{
    sorter *cursor = output_spill_cursor(st->sp);
    if (!cursor)
        return -1;
    FILE *f = out->stream;
    bool failed = false;
    int rc = 0;
    size_t written = 0, len = 0;
    const char *data;
    while (rc == 0 && (data = output_spill_next(cursor, &len, &failed)) != NULL) {
        const char *end = data + len;
        const char *before = memchr(data, '\0', len);
        const char *after = before ? memchr(before + 1, '\0', (size_t)(end - before - 1)) : NULL;
        json_t *known = before ? json_object_get(st->index, data) : NULL;
        if (!after || !known) {
            errno = EIO;
            rc = -1;
            break;
        }
        after++;
        size_t index = st->rules[json_integer_value(known)].index;
        if (fputs(written++ ? ",\n" RESULT_INDENT : "\n" RESULT_INDENT, f) < 0 ||
            fputs(before + 1, f) < 0 || fprintf(f, "%zu", index) < 0 ||
            fwrite(after, 1, (size_t)(end - after), f) != (size_t)(end - after))
            rc = -1;
    }
    if (failed)
        return -1;
    if (rc == 0 && written && fputs("\n      ", f) < 0)
        return -1;
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

/* The document is written as json_dumpf(doc, JSON_INDENT(2)) would write it, with the
   results streamed from the spill in between. */
static int sarif_end(output *out, const json_t *summary)
{
    sarif_state *st = out->state;
    if (!st)
        return -1;
    json_t *rules = make_rules(st);
    json_t *doc = NULL;
    char *text = NULL;
    int rc = -1;
    if (!rules)
        goto out;
    doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:O}}, s:[o], s:[]}]}", "$schema",
                    SARIF_SCHEMA, "version", "2.1.0", "runs", "tool", "driver", "name", "fawkes",
                    "version", out->tool_version, "informationUri", FAWKES_URI, "rules", rules,
                    "invocations", make_invocation(summary), "results");
    text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    /* "results" is the run's last key: its empty array is the last "[]" of the text. */
    static const char tail[] = "[]\n    }\n  ]\n}";
    size_t len = text ? strlen(text) : 0;
    if (len < sizeof tail - 1 || strcmp(text + len - (sizeof tail - 1), tail) != 0)
        goto out;
    char *split = text + len - (sizeof tail - 1) + 1; /* after the [ */
    if (fwrite(text, 1, (size_t)(split - text), out->stream) != (size_t)(split - text) ||
        write_results(out, st) != 0 || fputs(split, out->stream) < 0 ||
        fputc('\n', out->stream) == EOF)
        goto out;
    rc = 0;
out:
    free(text);
    json_decref(rules);
    json_decref(doc);
    return rc;
}

const output_encoder output_sarif_encoder = {
    .name = "sarif",
    .findings_only = true,
    .lists_passes = true,
    .begin = sarif_begin,
    .add = sarif_add,
    .end = sarif_end,
    .release = sarif_release,
    .pass_counted = NULL,
};
