/* policy_test.c: PolicyTest documents: load every case (checking references), then run them
   through the same evaluator as runs, and report mismatches and uncovered rules. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

enum {
    RES_PASS,
    RES_FAIL,
    RES_SKIP,
    RES_ERROR
};
static const char *const result_names[] = {"pass", "fail", "skip", "error"};
static const char *const effect_names[] = {"allow", "deny", "warn", "error"};

typedef struct texpect {
    const policy_def *policy;
    size_t rule;
    int result;
    int effect;      /* index in effect_names, or -1 */
    char *exception; /* expected exception id, or NULL: none may apply */
    int line;
} texpect;

typedef struct tcase {
    char *name; /* "file: case" */
    const char *file;
    int line;
    json_t *input;
    int64_t now;
    texpect *expects;
    size_t expect_count;
} tcase;

typedef struct tsuite {
    tcase *cases;
    size_t count;
} tsuite;

static const char *const test_keys[] = {"kind", "name", "policy", "now", "cases", NULL};
static const char *const case_keys[] = {"name", "now", "input", "input_file", "expect", NULL};
static const char *const expect_keys[] = {"policy", "rule", "result", "effect", "exception", NULL};

static int pick(policy_loader *ld, const policy_ynode *node, const char *where,
                const char *const *names, int count, const char *list)
{
    for (int i = 0; node->type == POLICY_Y_SCALAR && i < count; i++)
        if (!strcmp(node->scalar, names[i]))
            return i;
    policy_fail(ld, node, "%s: expected one of %s, got %s%s%s%s", where, list,
                policy_ynode_type_name(node), node->scalar ? " \"" : "",
                node->scalar ? node->scalar : "", node->scalar ? "\"" : "");
    return -1;
}

static int parse_now(policy_loader *ld, const policy_ynode *node, const char *where, int64_t *out)
{
    policy_time t;
    if (node->type != POLICY_Y_SCALAR || policy_time_parse(node->scalar, &t) != 0)
        return policy_fail(ld, node,
                           "%s: expected an RFC 3339 timestamp such as "
                           "2026-01-02T03:04:05Z, got %s%s%s%s",
                           where, policy_ynode_type_name(node), node->scalar ? " \"" : "",
                           node->scalar ? node->scalar : "", node->scalar ? "\"" : "");
    *out = t.epoch;
    return 0;
}

static int compile_expect(policy_loader *ld, const policy_ynode *node, const char *where,
                          const char *default_policy, texpect *e)
{
    e->effect = -1;
    e->line = node->line;
    if (node->type != POLICY_Y_MAP)
        return policy_fail(ld, node, "%s: expected a mapping {rule, result}, got %s", where,
                           policy_ynode_type_name(node));
    const char *policy_name, *rule, *exception;
    if (policy_check_keys(ld, node, where, expect_keys) != 0 ||
        policy_get_string(ld, node, "policy", where, false, &policy_name) != 0 ||
        policy_get_string(ld, node, "rule", where, true, &rule) != 0 ||
        policy_get_string(ld, node, "exception", where, false, &exception) != 0)
        return -1;
    if (!policy_name)
        policy_name = default_policy;
    if (!policy_name)
        return policy_fail(ld, node, "%s: no policy: set 'policy' here or at the top of the test",
                           where);
    e->policy = policy_engine_find(ld->engine, policy_name);
    if (!e->policy) {
        const policy_ynode *at = policy_ynode_get(node, "policy");
        return policy_fail(ld, at ? at : node, "%s: no policy named \"%s\" is loaded", where,
                           policy_name);
    }
    int rule_index = policy_rule_find(e->policy, rule);
    if (rule_index < 0)
        return policy_fail(ld, policy_ynode_get(node, "rule"),
                           "%s.rule: policy \"%s\" has no rule "
                           "\"%s\"",
                           where, e->policy->name, rule);
    e->rule = (size_t)rule_index;
    const policy_ynode *result = policy_ynode_get(node, "result");
    if (!result)
        return policy_fail(ld, node,
                           "%s: missing required key 'result' (pass, fail, skip or error)", where);
    char sub[400];
    snprintf(sub, sizeof sub, "%.300s.result", where);
    if ((e->result = pick(ld, result, sub, result_names, 4, "pass, fail, skip, error")) < 0)
        return -1;
    const policy_ynode *effect = policy_ynode_get(node, "effect");
    snprintf(sub, sizeof sub, "%.300s.effect", where);
    if (effect &&
        (e->effect = pick(ld, effect, sub, effect_names, 4, "allow, deny, warn, error")) < 0)
        return -1;
    if (exception) {
        bool known = false;
        for (size_t i = 0; i < ld->engine->exception_count && !known; i++)
            known = !strcmp(ld->engine->exceptions[i]->id, exception);
        if (!known)
            return policy_fail(ld, policy_ynode_get(node, "exception"),
                               "%s.exception: no exception with id \"%s\" is loaded", where,
                               exception);
        e->exception = strdup(exception);
    }
    return 0;
}

static json_t *load_input_file(policy_loader *ld, const policy_ynode *node, const char *where)
{
    if (!policy_ynode_is_string(node)) {
        policy_fail(ld, node, "%s: expected a file name, got %s", where,
                    policy_ynode_type_name(node));
        return NULL;
    }
    char *copy = strdup(ld->file), *path = NULL;
    if (!copy || asprintf(&path, "%s/%s", dirname(copy), node->scalar) < 0) {
        free(copy);
        return NULL;
    }
    free(copy);
    size_t n = strlen(path);
    json_t *doc = NULL;
    if (n > 5 && !strcmp(path + n - 5, ".json")) {
        json_error_t jerr;
        doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc && jerr.line < 1)
            policy_fail(ld, node, "%s: %s", where, jerr.text);
        else if (!doc)
            policy_fail(ld, node, "%s: %s:%d:%d: invalid JSON: %s", where, path, jerr.line,
                        jerr.column, jerr.text);
    } else {
        size_t length = 0;
        char *text = policy_file_read(path, &length);
        char yerr[1024];
        policy_yfile yf;
        const char *problem = NULL;
        if (!text)
            policy_fail(ld, node, "%s: cannot read %s: %s", where, path, strerror(errno));
        else if (policy_yaml_parse(text, length, path, &yf, yerr, sizeof yerr) != 0)
            policy_fail(ld, node, "%s: %s", where, yerr);
        else {
            if (yf.count != 1)
                policy_fail(ld, node, "%s: %s holds %zu documents; expected one", where, path,
                            yf.count);
            else if (!(doc = policy_ynode_json(yf.docs[0], &problem)))
                policy_fail(ld, node, "%s: %s: %s", where, path,
                            problem ? problem : "out of memory");
            policy_yaml_free(&yf);
        }
        free(text);
    }
    free(path);
    return doc;
}

static int compile_case(policy_loader *ld, const policy_ynode *node, const char *where,
                        const char *suite, const char *default_policy, int64_t now, tcase *c)
{
    c->file = ld->file;
    c->line = node->line;
    c->now = now;
    if (node->type != POLICY_Y_MAP)
        return policy_fail(ld, node, "%s: expected a mapping {name, input, expect}, got %s", where,
                           policy_ynode_type_name(node));
    const char *name;
    if (policy_check_keys(ld, node, where, case_keys) != 0 ||
        policy_get_string(ld, node, "name", where, true, &name) != 0)
        return -1;
    if (asprintf(&c->name, "%s: %s", suite, name) < 0) {
        c->name = NULL;
        return -1;
    }
    char sub[300];
    const policy_ynode *case_now = policy_ynode_get(node, "now");
    snprintf(sub, sizeof sub, "%s.now", where);
    if (case_now && parse_now(ld, case_now, sub, &c->now) != 0)
        return -1;
    const policy_ynode *input = policy_ynode_get(node, "input");
    const policy_ynode *input_file = policy_ynode_get(node, "input_file");
    if (!input == !input_file)
        return policy_fail(ld, input_file ? input_file : node,
                           "%s: give exactly one of 'input' (the "
                           "document) or 'input_file'",
                           where);
    const char *problem = NULL;
    snprintf(sub, sizeof sub, "%s.%s", where, input ? "input" : "input_file");
    c->input = input ? policy_ynode_json(input, &problem) : load_input_file(ld, input_file, sub);
    if (!c->input)
        return input ? policy_fail(ld, input, "%s: %s", sub, problem ? problem : "out of memory")
                     : -1;
    const policy_ynode *expect = policy_ynode_get(node, "expect");
    if (!expect)
        return policy_fail(ld, node, "%s: missing required key 'expect' (a list of {rule, result})",
                           where);
    if (expect->type != POLICY_Y_SEQ || expect->count == 0)
        return policy_fail(
            ld, expect,
            "%s.expect: expected a non-empty list of {rule, result}, "
            "got %s",
            where, expect->type == POLICY_Y_SEQ ? "an empty list" : policy_ynode_type_name(expect));
    c->expects = calloc(expect->count, sizeof *c->expects);
    if (!c->expects)
        return -1;
    for (size_t i = 0; i < expect->count; i++) {
        snprintf(sub, sizeof sub, "%s.expect[%zu]", where, i);
        c->expect_count = i + 1;
        if (compile_expect(ld, expect->items[i], sub, default_policy, &c->expects[i]) != 0)
            return -1;
    }
    return 0;
}

static int compile_suite(policy_loader *ld, const policy_ynode *doc, tsuite *suite)
{
    const char *name, *policy;
    if (policy_check_keys(ld, doc, "", test_keys) != 0 ||
        policy_get_string(ld, doc, "name", "", false, &name) != 0 ||
        policy_get_string(ld, doc, "policy", "", false, &policy) != 0)
        return -1;
    if (policy && !policy_engine_find(ld->engine, policy))
        return policy_fail(ld, policy_ynode_get(doc, "policy"),
                           "policy: no policy named \"%s\" is loaded", policy);
    int64_t now = policy_engine_now(ld->engine);
    const policy_ynode *file_now = policy_ynode_get(doc, "now");
    if (file_now && parse_now(ld, file_now, "now", &now) != 0)
        return -1;
    const policy_ynode *cases = policy_ynode_get(doc, "cases");
    if (!cases)
        return policy_fail(ld, doc, "missing required key 'cases'");
    if (cases->type != POLICY_Y_SEQ || cases->count == 0)
        return policy_fail(ld, cases, "cases: expected a non-empty list of cases, got %s",
                           cases->type == POLICY_Y_SEQ ? "an empty list"
                                                       : policy_ynode_type_name(cases));
    tcase *grown = realloc(suite->cases, (suite->count + cases->count) * sizeof *grown);
    if (!grown)
        return -1;
    suite->cases = grown;
    for (size_t i = 0; i < cases->count; i++) {
        tcase *c = &suite->cases[suite->count++];
        memset(c, 0, sizeof *c);
        char where[64];
        snprintf(where, sizeof where, "cases[%zu]", i);
        if (compile_case(ld, cases->items[i], where, name ? name : ld->file, policy, now, c) != 0)
            return -1;
        for (size_t k = 0; k + 1 < suite->count; k++)
            if (!strcmp(suite->cases[k].name, c->name)) {
                const policy_ynode *dup = policy_ynode_get(cases->items[i], "name");
                return policy_fail(ld, dup,
                                   "%s.name: another case of this test is named \"%s\" "
                                   "(line %d); names must be unique",
                                   where, dup->scalar, suite->cases[k].line);
            }
    }
    return 0;
}

static void suite_free(tsuite *suite)
{
    for (size_t i = 0; i < suite->count; i++) {
        tcase *c = &suite->cases[i];
        free(c->name);
        json_decref(c->input);
        for (size_t k = 0; k < c->expect_count; k++)
            free(c->expects[k].exception);
        free(c->expects);
    }
    free(suite->cases);
}

static int load_suite(policy_engine *engine, const char *path, tsuite *suite, char *err,
                      size_t err_size)
{
    char **files = NULL;
    size_t file_count = 0;
    int rc = policy_files_collect(path, &files, &file_count, err, err_size);
    policy_loader ld = {engine, NULL, policy_engine_now(engine), err, err_size};
    for (size_t i = 0; rc == 0 && i < file_count; i++) {
        size_t length = 0;
        char *text = policy_file_read(files[i], &length);
        policy_yfile yf;
        if (!text) {
            snprintf(err, err_size, "%s: cannot read: %s", files[i], strerror(errno));
            rc = -1;
            break;
        }
        ld.file = policy_engine_file(engine, files[i]);
        rc = ld.file ? policy_yaml_parse(text, length, ld.file, &yf, err, err_size) : -1;
        free(text);
        for (size_t d = 0; rc == 0 && d < yf.count; d++) {
            const policy_ynode *kind = policy_ynode_get(yf.docs[d], "kind");
            if (kind && kind->type == POLICY_Y_SCALAR && !strcmp(kind->scalar, "PolicyTest"))
                rc = compile_suite(&ld, yf.docs[d], suite);
        }
        if (ld.file)
            policy_yaml_free(&yf);
    }
    if (rc == 0 && suite->count == 0) {
        snprintf(err, err_size,
                 "%s: no PolicyTest documents found; add test files (kind: "
                 "PolicyTest, see docs/policy.md)",
                 path);
        rc = -1;
    }
    policy_files_free(files, file_count);
    return rc;
}

static const json_t *find_decision(const json_t *decisions, const texpect *e)
{
    size_t i;
    const json_t *d;
    json_array_foreach (decisions, i, d) {
        if (!strcmp(fwkx_str(d, "policy", ""), e->policy->name) &&
            !strcmp(fwkx_str(d, "rule", ""), e->policy->rules[e->rule].name))
            return d;
    }
    return NULL;
}

/* Append one mismatch line to `message`. */
static void check_expect(const texpect *e, const json_t *decision, char *message, size_t size,
                         size_t *used)
{
    const char *effect = fwkx_str(decision, "effect", NULL);
    int actual = !decision                  ? RES_SKIP
                 : !strcmp(effect, "allow") ? RES_PASS
                 : !strcmp(effect, "error") ? RES_ERROR
                                            : RES_FAIL;
    const char *got_exception = fwkx_str(json_object_get(decision, "exception"), "id", NULL);
    const char *reason = fwkx_str(decision, "reason", NULL);
    char problem[1024] = "";
    if (actual != e->result)
        snprintf(problem, sizeof problem, "expected %s, got %s%s%s%s", result_names[e->result],
                 result_names[actual], reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
    else if (e->effect >= 0 && strcmp(effect_names[e->effect], effect))
        snprintf(problem, sizeof problem, "expected effect %s, got %s", effect_names[e->effect],
                 effect);
    else if (e->exception && (!got_exception || strcmp(got_exception, e->exception)))
        snprintf(problem, sizeof problem, "expected exception %s to apply, %s%s", e->exception,
                 got_exception ? "but it was " : "but none did",
                 got_exception ? got_exception : "");
    else if (!e->exception && got_exception)
        snprintf(problem, sizeof problem,
                 "exception %s applied, but the test expects none "
                 "(add exception: %s if that is intended)",
                 got_exception, got_exception);
    if (problem[0] && *used < size)
        *used += (size_t)snprintf(message + *used, size - *used, "%s%s.%s: %s", *used ? "; " : "",
                                  e->policy->name, e->policy->rules[e->rule].name, problem);
}

static json_t *run_case(const policy_engine *engine, const tcase *c, bool *passed)
{
    json_t *decisions = json_array();
    char message[4096] = "";
    size_t used = 0;
    if (policy_evaluate(engine, c->input, c->now, decisions) != 0)
        used = (size_t)snprintf(message, sizeof message, "out of memory evaluating");
    for (size_t k = 0; k < c->expect_count && !used; k++)
        check_expect(&c->expects[k], find_decision(decisions, &c->expects[k]), message,
                     sizeof message, &used);
    json_decref(decisions);
    *passed = used == 0;
    return json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", c->name, "status",
                     *passed ? "pass" : "fail", "message", message, "file", c->file, "line",
                     c->line);
}

static json_t *uncovered_rules(const policy_engine *engine, const tsuite *suite)
{
    json_t *uncovered = json_array();
    for (size_t p = 0; p < engine->policy_count; p++) {
        const policy_def *policy = engine->policies[p];
        for (size_t r = 0; r < policy->rule_count; r++) {
            bool covered = false;
            for (size_t i = 0; i < suite->count && !covered; i++)
                for (size_t k = 0; k < suite->cases[i].expect_count && !covered; k++) {
                    const texpect *e = &suite->cases[i].expects[k];
                    covered = e->policy == policy && e->rule == r && e->result == RES_FAIL;
                }
            if (!covered) {
                char id[300];
                snprintf(id, sizeof id, "%s.%s", policy->name, policy->rules[r].name);
                json_array_append_new(uncovered, json_string(id));
            }
        }
    }
    return uncovered;
}

int policy_test_run(policy_engine *engine, const char *path, json_t **report, char *err,
                    size_t err_size)
{
    tsuite suite = {0};
    *report = NULL;
    err[0] = '\0';
    if (load_suite(engine, path, &suite, err, err_size) != 0) {
        if (!err[0])
            snprintf(err, err_size, "out of memory loading the tests");
        suite_free(&suite);
        return 1;
    }
    json_t *cases = json_array();
    size_t passed = 0, failed = 0;
    for (size_t i = 0; i < suite.count; i++) {
        bool ok = false;
        json_array_append_new(cases, run_case(engine, &suite.cases[i], &ok));
        ok ? passed++ : failed++;
    }
    *report =
        json_pack("{s:I, s:I, s:o, s:o}", "passed", (json_int_t)passed, "failed",
                  (json_int_t)failed, "cases", cases, "uncovered", uncovered_rules(engine, &suite));
    suite_free(&suite);
    return 0;
}
