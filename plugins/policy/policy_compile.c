/* policy_compile.c: compiling Policy documents: metadata, match/exclude selectors, rules and
   message templates. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* ---- globs and label selectors ---- */

int policy_globs_compile(policy_loader *ld, const policy_ynode *node, const char *where,
                         policy_globs *g)
{
    size_t n = node->type == POLICY_Y_SEQ ? node->count : 1;
    if (node->type == POLICY_Y_MAP || n == 0)
        return policy_fail(ld, node, "%s: expected a string or a list of strings, got %s", where,
                           node->type == POLICY_Y_MAP ? "a mapping" : "an empty list");
    g->items = calloc(n, sizeof *g->items);
    g->literal = calloc(n, sizeof *g->literal);
    if (!g->items || !g->literal)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const policy_ynode *item = node->type == POLICY_Y_SEQ ? node->items[i] : node;
        if (item->type != POLICY_Y_SCALAR ||
            (item->plain && !policy_ynode_is_string(item) &&
             strspn(item->scalar, "0123456789") != strlen(item->scalar)))
            return policy_fail(ld, item, "%s: expected a string or a list of strings, got %s",
                               where, policy_ynode_type_name(item));
        g->items[i] = strdup(item->scalar);
        if (!g->items[i])
            return -1;
        g->literal[i] = strpbrk(item->scalar, "*?[\\") == NULL;
        g->count++;
    }
    return 0;
}

void policy_globs_free(policy_globs *g)
{
    for (size_t i = 0; i < g->count; i++)
        free(g->items[i]);
    free(g->items);
    free(g->literal);
    memset(g, 0, sizeof *g);
}

bool policy_globs_match(const policy_globs *g, const char *value)
{
    if (g->count == 0)
        return true;
    if (!value)
        return false;
    for (size_t i = 0; i < g->count; i++)
        if (g->literal[i] ? strcmp(g->items[i], value) == 0 : fnmatch(g->items[i], value, 0) == 0)
            return true;
    return false;
}

int policy_labels_compile(policy_loader *ld, const policy_ynode *node, const char *where,
                          policy_label_sel **labels, size_t *count)
{
    if (node->type != POLICY_Y_MAP || node->count == 0)
        return policy_fail(
            ld, node, "%s: expected a mapping of label keys to values (globs), got %s", where,
            node->type == POLICY_Y_MAP ? "an empty mapping" : policy_ynode_type_name(node));
    *labels = calloc(node->count, sizeof **labels);
    if (!*labels)
        return -1;
    for (size_t i = 0; i < node->count; i++) {
        char key_where[256];
        snprintf(key_where, sizeof key_where, "%s.%s", where, node->keys[i]);
        (*labels)[i].key = strdup(node->keys[i]);
        (*count)++;
        if (!(*labels)[i].key ||
            policy_globs_compile(ld, node->items[i], key_where, &(*labels)[i].values) != 0)
            return -1;
    }
    return 0;
}

bool policy_labels_match(const policy_label_sel *labels, size_t count, const json_t *have)
{
    for (size_t i = 0; i < count; i++) {
        const char *value = fwkx_str(have, labels[i].key, NULL);
        if (!value || !policy_globs_match(&labels[i].values, value))
            return false;
    }
    return true;
}

void policy_labels_free(policy_label_sel *labels, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(labels[i].key);
        policy_globs_free(&labels[i].values);
    }
    free(labels);
}

/* ---- match / exclude ---- */

static const char *const match_keys[] = {"kind",    "kinds",   "provider", "providers", "region",
                                         "regions", "account", "accounts", "name",      "names",
                                         "labels",  "when",    NULL};

int policy_match_compile(policy_loader *ld, const policy_ynode *node, const char *where,
                         policy_match *m)
{
    if (node->type != POLICY_Y_MAP)
        return policy_fail(ld, node,
                           "%s: expected a mapping (kinds, providers, regions, accounts, "
                           "names, labels, when), got %s",
                           where, policy_ynode_type_name(node));
    if (policy_check_keys(ld, node, where, match_keys) != 0)
        return -1;
    m->given = true;
    struct {
        const char *one, *many;
        policy_globs *globs;
    } fields[] = {{"kind", "kinds", &m->kinds},
                  {"provider", "providers", &m->providers},
                  {"region", "regions", &m->regions},
                  {"account", "accounts", &m->accounts},
                  {"name", "names", &m->names}};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        const policy_ynode *one = policy_ynode_get(node, fields[f].one);
        const policy_ynode *many = policy_ynode_get(node, fields[f].many);
        if (one && many)
            return policy_fail_at(ld, (policy_src){ld->file, many->key_line, many->key_column},
                                  "%s: give '%s' or '%s', not both", where, fields[f].one,
                                  fields[f].many);
        const policy_ynode *v = one ? one : many;
        if (!v)
            continue;
        char field_where[256];
        snprintf(field_where, sizeof field_where, "%s.%s", where,
                 one ? fields[f].one : fields[f].many);
        if (policy_globs_compile(ld, v, field_where, fields[f].globs) != 0)
            return -1;
    }
    const policy_ynode *labels = policy_ynode_get(node, "labels");
    if (labels) {
        char labels_where[256];
        snprintf(labels_where, sizeof labels_where, "%s.labels", where);
        if (policy_labels_compile(ld, labels, labels_where, &m->labels, &m->label_count) != 0)
            return -1;
    }
    const policy_ynode *when = policy_ynode_get(node, "when");
    if (when) {
        char when_where[256];
        snprintf(when_where, sizeof when_where, "%s.when", where);
        m->when = policy_cond_compile(ld, when, when_where);
        if (!m->when)
            return -1;
    }
    return 0;
}

void policy_match_free(policy_match *m)
{
    policy_globs_free(&m->kinds);
    policy_globs_free(&m->providers);
    policy_globs_free(&m->regions);
    policy_globs_free(&m->accounts);
    policy_globs_free(&m->names);
    policy_labels_free(m->labels, m->label_count);
    policy_cond_free(m->when);
    memset(m, 0, sizeof *m);
}

static const char *const match_keys_by_field[5] = {"kind", "provider", "region", "account", "name"};

const char *policy_eval_field(policy_eval *ev, int field)
{
    const char *key = match_keys_by_field[field];
    return json_string_value(policy_eval_root(ev, field, key, strlen(key)));
}

static bool field_matches(const policy_globs *globs, policy_eval *ev, const json_t *doc, int field)
{
    if (globs->count == 0)
        return true;
    const char *value = doc == ev->root ? policy_eval_field(ev, field)
                                        : fwkx_str(doc, match_keys_by_field[field], NULL);
    return policy_globs_match(globs, value);
}

bool policy_match_eval(const policy_match *m, policy_eval *ev, const json_t *doc, bool kind_known)
{
    if (!m->given)
        return true;
    return (kind_known || field_matches(&m->kinds, ev, doc, 0)) &&
           field_matches(&m->providers, ev, doc, 1) && field_matches(&m->regions, ev, doc, 2) &&
           field_matches(&m->accounts, ev, doc, 3) && field_matches(&m->names, ev, doc, 4) &&
           (m->label_count == 0 ||
            policy_labels_match(m->labels, m->label_count,
                                doc == ev->root
                                    ? policy_eval_root(ev, POLICY_SLOT_LABELS, "labels", 6)
                                    : json_object_get(doc, "labels"))) &&
           (!m->when || policy_cond_eval(m->when, ev, doc) == POLICY_TRUE);
}

/* ---- templates ---- */

static int push_part(policy_template *tpl, policy_tpl_part part)
{
    policy_tpl_part *parts = realloc(tpl->parts, (tpl->count + 1) * sizeof *parts);
    if (!parts) {
        free(part.literal);
        policy_path_free(&part.path);
        return -1;
    }
    tpl->parts = parts;
    parts[tpl->count++] = part;
    return 0;
}

int policy_template_compile(policy_loader *ld, const policy_ynode *node, const char *where,
                            policy_template *tpl)
{
    if (node->type != POLICY_Y_SCALAR)
        return policy_fail(ld, node, "%s: expected a string, got %s", where,
                           policy_ynode_type_name(node));
    const char *p = node->scalar;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (open != p) {
            size_t n = open ? (size_t)(open - p) : strlen(p);
            policy_tpl_part part = {.literal = strndup(p, n), .literal_len = n};
            if (!part.literal || push_part(tpl, part) != 0)
                return -1;
            p += n;
            continue;
        }
        const char *close = strstr(open + 2, "}}");
        if (!close)
            return policy_fail(ld, node, "%s: '{{' at offset %d is not closed with '}}'", where,
                               (int)(open - node->scalar));
        const char *start = open + 2, *end = close;
        while (start < end && *start == ' ')
            start++;
        while (end > start && end[-1] == ' ')
            end--;
        char *text = strndup(start, (size_t)(end - start));
        char problem[256];
        policy_tpl_part part = {0};
        int rc = text ? policy_path_parse(text, &part.path, problem, sizeof problem) : -1;
        if (rc == 0)
            rc = policy_path_intern(ld->engine, &part.path);
        if (rc != 0 && text) {
            policy_fail(ld, node, "%s: invalid path \"%s\" in {{ }}: %s", where, text, problem);
            policy_path_free(&part.path);
            free(text);
            return -1;
        }
        free(text);
        if (rc != 0 || push_part(tpl, part) != 0)
            return -1;
        p = close + 2;
    }
    return 0;
}

void policy_template_free(policy_template *tpl)
{
    for (size_t i = 0; i < tpl->count; i++) {
        free(tpl->parts[i].literal);
        policy_path_free(&tpl->parts[i].path);
    }
    free(tpl->parts);
    memset(tpl, 0, sizeof *tpl);
}

size_t policy_template_render(const policy_template *tpl, policy_eval *ev, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < tpl->count && used + 1 < size; i++) {
        if (tpl->parts[i].literal) {
            size_t n = tpl->parts[i].literal_len;
            if (n > size - used - 1)
                n = size - used - 1;
            memcpy(buf + used, tpl->parts[i].literal, n);
            used += n;
            buf[used] = '\0';
        } else {
            const policy_path *path = &tpl->parts[i].path;
            policy_path_render(path, ev, buf, size, &used);
        }
    }
    return used;
}

/* ---- policies and rules ---- */

static const char *const policy_keys[] = {"kind",     "name",       "title", "description",
                                          "severity", "compliance", "mode",  "remediation",
                                          "match",    "exclude",    "rules", NULL};
static const char *const rule_keys[] = {"name",     "effect",      "when", "message",
                                        "severity", "remediation", NULL};

static int compile_rule(policy_loader *ld, policy_def *policy, const policy_ynode *node,
                        size_t index)
{
    char where[64];
    snprintf(where, sizeof where, "rules[%zu]", index);
    policy_rule *rule = &policy->rules[index];
    rule->severity = policy->severity;
    rule->src = (policy_src){ld->file, node->line, node->column};
    if (node->type != POLICY_Y_MAP)
        return policy_fail(ld, node,
                           "%s: expected a mapping with name, effect, when, message, got %s", where,
                           policy_ynode_type_name(node));
    if (policy_check_keys(ld, node, where, rule_keys) != 0)
        return -1;
    const char *name = NULL, *effect = NULL, *remediation = NULL;
    if (policy_get_string(ld, node, "name", where, true, &name) != 0)
        return -1;
    char name_where[96];
    snprintf(name_where, sizeof name_where, "%s.name", where);
    if (policy_check_name(ld, policy_ynode_get(node, "name"), name_where, "rule name") != 0)
        return -1;
    for (size_t i = 0; i < index; i++)
        if (!strcmp(policy->rules[i].name, name))
            return policy_fail(ld, policy_ynode_get(node, "name"),
                               "%s: the policy already has a rule named \"%s\" (rules[%zu]); rule "
                               "names must be unique within a policy",
                               name_where, name, i);
    rule->name = strdup(name);
    if (policy_get_string(ld, node, "effect", where, false, &effect) != 0)
        return -1;
    if (effect && strcmp(effect, "deny") && strcmp(effect, "warn"))
        return policy_fail(ld, policy_ynode_get(node, "effect"),
                           "%s.effect: expected deny or warn, got \"%s\"", where, effect);
    rule->warn = effect && !strcmp(effect, "warn");
    const policy_ynode *severity = policy_ynode_get(node, "severity");
    char sub[96];
    snprintf(sub, sizeof sub, "%s.severity", where);
    if (severity && policy_severity_parse(ld, severity, sub, &rule->severity) != 0)
        return -1;
    if (policy_get_string(ld, node, "remediation", where, false, &remediation) != 0)
        return -1;
    rule->remediation = policy_strdup(remediation);
    const policy_ynode *message = policy_ynode_get(node, "message");
    snprintf(sub, sizeof sub, "%s.message", where);
    if (message && policy_template_compile(ld, message, sub, &rule->message) != 0)
        return -1;
    const policy_ynode *when = policy_ynode_get(node, "when");
    if (!when)
        return policy_fail(ld, node,
                           "%s: missing required key 'when' (the condition that makes "
                           "the rule %s)",
                           where, rule->warn ? "warn" : "deny");
    snprintf(sub, sizeof sub, "%s.when", where);
    rule->when = policy_cond_compile(ld, when, sub);
    if (!rule->when)
        return -1;
    if (asprintf(&rule->allow_reason, "ok: %s (rule %s does not apply)", policy->title,
                 rule->name) < 0) {
        rule->allow_reason = NULL;
        return -1;
    }
    const char *remediation_text = rule->remediation ? rule->remediation : policy->remediation;
    rule->j_policy = json_string(policy->name);
    rule->j_rule = json_string(rule->name);
    rule->j_severity = json_string(fwkx_severity_name(rule->severity));
    rule->j_title = json_string(policy->title);
    rule->j_remediation = remediation_text ? json_string(remediation_text) : NULL;
    rule->j_allow_reason = json_string(rule->allow_reason);
    rule->j_compliance = json_incref(policy->compliance);
    rule->j_fired = json_string(rule->warn || policy->audit ? "warn" : "deny");
    rule->j_allow = json_string("allow");
    rule->j_error = json_string("error");
    if (!rule->j_fired || !rule->j_allow || !rule->j_error || !rule->j_policy || !rule->j_rule ||
        !rule->j_severity || !rule->j_title || (remediation_text && !rule->j_remediation) ||
        !rule->j_allow_reason)
        return policy_fail(ld, node, "%s: a name, title or remediation is not valid UTF-8", where);
    rule->j_allow_decision =
        policy_decision_new(rule, rule->j_allow, json_incref(rule->j_allow_reason));
    if (!rule->j_allow_decision)
        return policy_fail(ld, node, "%s: out of memory", where);
    return 0;
}

static int compile_compliance(policy_loader *ld, policy_def *policy, const policy_ynode *node)
{
    policy->compliance = json_array();
    if (!node)
        return policy->compliance ? 0 : -1;
    if (node->type != POLICY_Y_SEQ)
        return policy_fail(ld, node,
                           "compliance: expected a list of control ids such as "
                           "[CIS-AWS-5.2, SOC2-CC6.1], got %s",
                           policy_ynode_type_name(node));
    for (size_t i = 0; i < node->count; i++) {
        const policy_ynode *item = node->items[i];
        if (item->type != POLICY_Y_SCALAR || !item->scalar[0] ||
            (item->plain && !policy_ynode_is_string(item)))
            return policy_fail(ld, item,
                               "compliance[%zu]: expected a control id (a string), got %s", i,
                               policy_ynode_type_name(item));
        json_array_append_new(policy->compliance, json_string(item->scalar));
    }
    return 0;
}

static int compile_meta(policy_loader *ld, policy_def *p, const policy_ynode *doc)
{
    const char *name, *title, *description, *remediation, *mode;
    if (policy_check_keys(ld, doc, "", policy_keys) != 0 ||
        policy_get_string(ld, doc, "name", "", true, &name) != 0 ||
        policy_check_name(ld, policy_ynode_get(doc, "name"), "name", "policy name") != 0 ||
        policy_get_string(ld, doc, "title", "", false, &title) != 0 ||
        policy_get_string(ld, doc, "description", "", false, &description) != 0 ||
        policy_get_string(ld, doc, "remediation", "", false, &remediation) != 0 ||
        policy_get_string(ld, doc, "mode", "", false, &mode) != 0)
        return -1;
    p->name = strdup(name);
    p->title = strdup(title ? title : name);
    p->description = policy_strdup(description);
    p->remediation = policy_strdup(remediation);
    if (mode && strcmp(mode, "enforce") && strcmp(mode, "audit"))
        return policy_fail(ld, policy_ynode_get(doc, "mode"),
                           "mode: expected enforce or audit, got \"%s\"", mode);
    p->audit = mode && !strcmp(mode, "audit");
    p->severity = FWKX_SEV_MEDIUM;
    const policy_ynode *severity = policy_ynode_get(doc, "severity");
    if (severity && policy_severity_parse(ld, severity, "severity", &p->severity) != 0)
        return -1;
    return compile_compliance(ld, p, policy_ynode_get(doc, "compliance"));
}

int policy_compile(policy_loader *ld, const policy_ynode *doc, policy_def **out)
{
    policy_def *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        return -1;
    p->src = (policy_src){ld->file, doc->line, doc->column};
    if (compile_meta(ld, p, doc) != 0)
        goto fail;
    const policy_ynode *match = policy_ynode_get(doc, "match");
    const policy_ynode *exclude = policy_ynode_get(doc, "exclude");
    if ((match && policy_match_compile(ld, match, "match", &p->match) != 0) ||
        (exclude && policy_match_compile(ld, exclude, "exclude", &p->exclude) != 0))
        goto fail;
    const policy_ynode *rules = policy_ynode_get(doc, "rules");
    if (!rules) {
        policy_fail(ld, doc, "missing required key 'rules' (a list of rules with name and when)");
        goto fail;
    }
    if (rules->type != POLICY_Y_SEQ || rules->count == 0) {
        policy_fail(ld, rules, "rules: expected a non-empty list of rules, got %s",
                    rules->type == POLICY_Y_SEQ ? "an empty list" : policy_ynode_type_name(rules));
        goto fail;
    }
    p->rules = calloc(rules->count, sizeof *p->rules);
    if (!p->rules)
        goto fail;
    for (size_t i = 0; i < rules->count; i++) {
        p->rule_count = i + 1;
        if (compile_rule(ld, p, rules->items[i], i) != 0)
            goto fail;
    }
    *out = p;
    return 0;
fail:
    policy_def_free(p);
    return -1;
}

void policy_def_free(policy_def *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->rule_count; i++) {
        policy_rule *r = &p->rules[i];
        json_t *shared[] = {r->j_policy,      r->j_rule,         r->j_severity,      r->j_title,
                            r->j_remediation, r->j_allow_reason, r->j_compliance,    r->j_fired,
                            r->j_allow,       r->j_error,        r->j_allow_decision};
        for (size_t k = 0; k < sizeof shared / sizeof shared[0]; k++)
            json_decref(shared[k]);
        free(r->name);
        free(r->allow_reason);
        free(r->remediation);
        policy_template_free(&r->message);
        policy_cond_free(r->when);
    }
    free(p->rules);
    free(p->name);
    free(p->title);
    free(p->description);
    free(p->remediation);
    json_decref(p->compliance);
    policy_match_free(&p->match);
    policy_match_free(&p->exclude);
    free(p->exceptions);
    free(p);
}
