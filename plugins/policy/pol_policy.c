/* pol_policy.c: compiling Policy documents: metadata, match/exclude selectors, rules and
   message templates. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pol.h"

/* ---- globs and label selectors ---- */

int pol_globs_compile(pol_loader *ld, const pol_ynode *node, const char *where, pol_globs *g)
{
    size_t n = node->type == POL_Y_SEQ ? node->count : 1;
    if (node->type == POL_Y_MAP || n == 0)
        return pol_fail(ld, node, "%s: expected a string or a list of strings, got %s", where,
                        node->type == POL_Y_MAP ? "a mapping" : "an empty list");
    g->items = calloc(n, sizeof *g->items);
    g->literal = calloc(n, sizeof *g->literal);
    if (!g->items || !g->literal)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const pol_ynode *item = node->type == POL_Y_SEQ ? node->items[i] : node;
        if (item->type != POL_Y_SCALAR || (item->plain && !pol_ynode_is_string(item) &&
                                           strspn(item->scalar, "0123456789") != strlen(item->scalar)))
            return pol_fail(ld, item, "%s: expected a string or a list of strings, got %s", where,
                            pol_ynode_type_name(item));
        g->items[i] = strdup(item->scalar);
        if (!g->items[i])
            return -1;
        g->literal[i] = strpbrk(item->scalar, "*?[\\") == NULL;
        g->count++;
    }
    return 0;
}

void pol_globs_free(pol_globs *g)
{
    for (size_t i = 0; i < g->count; i++)
        free(g->items[i]);
    free(g->items);
    free(g->literal);
    memset(g, 0, sizeof *g);
}

bool pol_globs_match(const pol_globs *g, const char *value)
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

int pol_labels_compile(pol_loader *ld, const pol_ynode *node, const char *where,
                       pol_label_sel **labels, size_t *count)
{
    if (node->type != POL_Y_MAP || node->count == 0)
        return pol_fail(ld, node, "%s: expected a mapping of label keys to values (globs), got %s",
                        where, node->type == POL_Y_MAP ? "an empty mapping"
                                                       : pol_ynode_type_name(node));
    *labels = calloc(node->count, sizeof **labels);
    if (!*labels)
        return -1;
    for (size_t i = 0; i < node->count; i++) {
        char key_where[256];
        snprintf(key_where, sizeof key_where, "%s.%s", where, node->keys[i]);
        (*labels)[i].key = strdup(node->keys[i]);
        (*count)++;
        if (!(*labels)[i].key ||
            pol_globs_compile(ld, node->items[i], key_where, &(*labels)[i].values) != 0)
            return -1;
    }
    return 0;
}

bool pol_labels_match(const pol_label_sel *labels, size_t count, const json_t *have)
{
    for (size_t i = 0; i < count; i++) {
        const char *value = fwkx_str(have, labels[i].key, NULL);
        if (!value || !pol_globs_match(&labels[i].values, value))
            return false;
    }
    return true;
}

void pol_labels_free(pol_label_sel *labels, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(labels[i].key);
        pol_globs_free(&labels[i].values);
    }
    free(labels);
}

/* ---- match / exclude ---- */

static const char *const match_keys[] = {"kind", "kinds", "provider", "providers", "region",
                                         "regions", "account", "accounts", "name", "names",
                                         "labels", "when", NULL};

int pol_match_compile(pol_loader *ld, const pol_ynode *node, const char *where, pol_match *m)
{
    if (node->type != POL_Y_MAP)
        return pol_fail(ld, node, "%s: expected a mapping (kinds, providers, regions, accounts, "
                        "names, labels, when), got %s", where, pol_ynode_type_name(node));
    if (pol_check_keys(ld, node, where, match_keys) != 0)
        return -1;
    m->given = true;
    struct { const char *one, *many; pol_globs *globs; } fields[] = {
        {"kind", "kinds", &m->kinds},         {"provider", "providers", &m->providers},
        {"region", "regions", &m->regions},   {"account", "accounts", &m->accounts},
        {"name", "names", &m->names}};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        const pol_ynode *one = pol_ynode_get(node, fields[f].one);
        const pol_ynode *many = pol_ynode_get(node, fields[f].many);
        if (one && many)
            return pol_fail_at(ld, (pol_src){ld->file, many->key_line, many->key_column},
                               "%s: give '%s' or '%s', not both", where, fields[f].one,
                               fields[f].many);
        const pol_ynode *v = one ? one : many;
        if (!v)
            continue;
        char field_where[256];
        snprintf(field_where, sizeof field_where, "%s.%s", where, one ? fields[f].one : fields[f].many);
        if (pol_globs_compile(ld, v, field_where, fields[f].globs) != 0)
            return -1;
    }
    const pol_ynode *labels = pol_ynode_get(node, "labels");
    if (labels) {
        char labels_where[256];
        snprintf(labels_where, sizeof labels_where, "%s.labels", where);
        if (pol_labels_compile(ld, labels, labels_where, &m->labels, &m->label_count) != 0)
            return -1;
    }
    const pol_ynode *when = pol_ynode_get(node, "when");
    if (when) {
        char when_where[256];
        snprintf(when_where, sizeof when_where, "%s.when", where);
        m->when = pol_cond_compile(ld, when, when_where);
        if (!m->when)
            return -1;
    }
    return 0;
}

void pol_match_free(pol_match *m)
{
    pol_globs_free(&m->kinds);
    pol_globs_free(&m->providers);
    pol_globs_free(&m->regions);
    pol_globs_free(&m->accounts);
    pol_globs_free(&m->names);
    pol_labels_free(m->labels, m->label_count);
    pol_cond_free(m->when);
    memset(m, 0, sizeof *m);
}

static const char *const match_keys_by_field[5] = {"kind", "provider", "region", "account",
                                                    "name"};

const char *pol_eval_field(pol_eval *ev, int field)
{
    const char *key = match_keys_by_field[field];
    return json_string_value(pol_eval_root(ev, field, key, strlen(key)));
}

static bool field_matches(const pol_globs *globs, pol_eval *ev, const json_t *doc, int field)
{
    if (globs->count == 0)
        return true;
    const char *value = doc == ev->root
                            ? pol_eval_field(ev, field)
                            : fwkx_str(doc, match_keys_by_field[field], NULL);
    return pol_globs_match(globs, value);
}

bool pol_match_eval(const pol_match *m, pol_eval *ev, const json_t *doc, bool kind_known)
{
    if (!m->given)
        return true;
    return (kind_known || field_matches(&m->kinds, ev, doc, 0)) && field_matches(&m->providers, ev, doc, 1) &&
           field_matches(&m->regions, ev, doc, 2) && field_matches(&m->accounts, ev, doc, 3) &&
           field_matches(&m->names, ev, doc, 4) &&
           (m->label_count == 0 ||
            pol_labels_match(m->labels, m->label_count,
                             doc == ev->root ? pol_eval_root(ev, POL_SLOT_LABELS, "labels", 6)
                                             : json_object_get(doc, "labels"))) &&
           (!m->when || pol_cond_eval(m->when, ev, doc) == POL_TRUE);
}

/* ---- templates ---- */

static int push_part(pol_template *tpl, pol_tpl_part part)
{
    pol_tpl_part *parts = realloc(tpl->parts, (tpl->count + 1) * sizeof *parts);
    if (!parts) {
        free(part.literal);
        pol_path_free(&part.path);
        return -1;
    }
    tpl->parts = parts;
    parts[tpl->count++] = part;
    return 0;
}

int pol_template_compile(pol_loader *ld, const pol_ynode *node, const char *where,
                         pol_template *tpl)
{
    if (node->type != POL_Y_SCALAR)
        return pol_fail(ld, node, "%s: expected a string, got %s", where, pol_ynode_type_name(node));
    const char *p = node->scalar;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (open != p) {
            size_t n = open ? (size_t)(open - p) : strlen(p);
            pol_tpl_part part = {.literal = strndup(p, n), .literal_len = n};
            if (!part.literal || push_part(tpl, part) != 0)
                return -1;
            p += n;
            continue;
        }
        const char *close = strstr(open + 2, "}}");
        if (!close)
            return pol_fail(ld, node, "%s: '{{' at offset %d is not closed with '}}'", where,
                            (int)(open - node->scalar));
        const char *start = open + 2, *end = close;
        while (start < end && *start == ' ')
            start++;
        while (end > start && end[-1] == ' ')
            end--;
        char *text = strndup(start, (size_t)(end - start));
        char problem[256];
        pol_tpl_part part = {0};
        int rc = text ? pol_path_parse(text, &part.path, problem, sizeof problem) : -1;
        if (rc == 0)
            rc = pol_path_intern(ld->engine, &part.path);
        if (rc != 0 && text) {
            pol_fail(ld, node, "%s: invalid path \"%s\" in {{ }}: %s", where, text, problem);
            pol_path_free(&part.path);
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

void pol_template_free(pol_template *tpl)
{
    for (size_t i = 0; i < tpl->count; i++) {
        free(tpl->parts[i].literal);
        pol_path_free(&tpl->parts[i].path);
    }
    free(tpl->parts);
    memset(tpl, 0, sizeof *tpl);
}

size_t pol_template_render(const pol_template *tpl, pol_eval *ev, char *buf, size_t size)
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
            const pol_path *path = &tpl->parts[i].path;
            pol_path_render(path, ev, buf, size, &used);
        }
    }
    return used;
}

/* ---- policies and rules ---- */

static const char *const policy_keys[] = {"kind", "name", "title", "description", "severity",
                                          "compliance", "mode", "remediation", "match",
                                          "exclude", "rules", NULL};
static const char *const rule_keys[] = {"name", "effect", "when", "message", "severity",
                                        "remediation", NULL};

static int compile_rule(pol_loader *ld, pol_policy *policy, const pol_ynode *node, size_t index)
{
    char where[64];
    snprintf(where, sizeof where, "rules[%zu]", index);
    pol_rule *rule = &policy->rules[index];
    rule->severity = policy->severity;
    rule->src = (pol_src){ld->file, node->line, node->column};
    if (node->type != POL_Y_MAP)
        return pol_fail(ld, node, "%s: expected a mapping with name, effect, when, message, got %s",
                        where, pol_ynode_type_name(node));
    if (pol_check_keys(ld, node, where, rule_keys) != 0)
        return -1;
    const char *name = NULL, *effect = NULL, *remediation = NULL;
    if (pol_get_string(ld, node, "name", where, true, &name) != 0)
        return -1;
    char name_where[96];
    snprintf(name_where, sizeof name_where, "%s.name", where);
    if (pol_check_name(ld, pol_ynode_get(node, "name"), name_where, "rule name") != 0)
        return -1;
    for (size_t i = 0; i < index; i++)
        if (!strcmp(policy->rules[i].name, name))
            return pol_fail(ld, pol_ynode_get(node, "name"),
                            "%s: the policy already has a rule named \"%s\" (rules[%zu]); rule "
                            "names must be unique within a policy", name_where, name, i);
    rule->name = strdup(name);
    if (pol_get_string(ld, node, "effect", where, false, &effect) != 0)
        return -1;
    if (effect && strcmp(effect, "deny") && strcmp(effect, "warn"))
        return pol_fail(ld, pol_ynode_get(node, "effect"),
                        "%s.effect: expected deny or warn, got \"%s\"", where, effect);
    rule->warn = effect && !strcmp(effect, "warn");
    const pol_ynode *severity = pol_ynode_get(node, "severity");
    char sub[96];
    snprintf(sub, sizeof sub, "%s.severity", where);
    if (severity && pol_severity_parse(ld, severity, sub, &rule->severity) != 0)
        return -1;
    if (pol_get_string(ld, node, "remediation", where, false, &remediation) != 0)
        return -1;
    rule->remediation = pol_strdup(remediation);
    const pol_ynode *message = pol_ynode_get(node, "message");
    snprintf(sub, sizeof sub, "%s.message", where);
    if (message && pol_template_compile(ld, message, sub, &rule->message) != 0)
        return -1;
    const pol_ynode *when = pol_ynode_get(node, "when");
    if (!when)
        return pol_fail(ld, node, "%s: missing required key 'when' (the condition that makes "
                        "the rule %s)", where, rule->warn ? "warn" : "deny");
    snprintf(sub, sizeof sub, "%s.when", where);
    rule->when = pol_cond_compile(ld, when, sub);
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
    if (!rule->j_fired || !rule->j_allow || !rule->j_error || !rule->j_policy || !rule->j_rule || !rule->j_severity || !rule->j_title ||
        (remediation_text && !rule->j_remediation) || !rule->j_allow_reason)
        return pol_fail(ld, node, "%s: a name, title or remediation is not valid UTF-8", where);
    rule->j_allow_decision =
        pol_decision_new(rule, rule->j_allow, json_incref(rule->j_allow_reason));
    if (!rule->j_allow_decision)
        return pol_fail(ld, node, "%s: out of memory", where);
    return 0;
}

static int compile_compliance(pol_loader *ld, pol_policy *policy, const pol_ynode *node)
{
    policy->compliance = json_array();
    if (!node)
        return policy->compliance ? 0 : -1;
    if (node->type != POL_Y_SEQ)
        return pol_fail(ld, node, "compliance: expected a list of control ids such as "
                        "[CIS-AWS-5.2, SOC2-CC6.1], got %s", pol_ynode_type_name(node));
    for (size_t i = 0; i < node->count; i++) {
        const pol_ynode *item = node->items[i];
        if (item->type != POL_Y_SCALAR || !item->scalar[0] ||
            (item->plain && !pol_ynode_is_string(item)))
            return pol_fail(ld, item, "compliance[%zu]: expected a control id (a string), got %s",
                            i, pol_ynode_type_name(item));
        json_array_append_new(policy->compliance, json_string(item->scalar));
    }
    return 0;
}

static int compile_meta(pol_loader *ld, pol_policy *p, const pol_ynode *doc)
{
    const char *name, *title, *description, *remediation, *mode;
    if (pol_check_keys(ld, doc, "", policy_keys) != 0 ||
        pol_get_string(ld, doc, "name", "", true, &name) != 0 ||
        pol_check_name(ld, pol_ynode_get(doc, "name"), "name", "policy name") != 0 ||
        pol_get_string(ld, doc, "title", "", false, &title) != 0 ||
        pol_get_string(ld, doc, "description", "", false, &description) != 0 ||
        pol_get_string(ld, doc, "remediation", "", false, &remediation) != 0 ||
        pol_get_string(ld, doc, "mode", "", false, &mode) != 0)
        return -1;
    p->name = strdup(name);
    p->title = strdup(title ? title : name);
    p->description = pol_strdup(description);
    p->remediation = pol_strdup(remediation);
    if (mode && strcmp(mode, "enforce") && strcmp(mode, "audit"))
        return pol_fail(ld, pol_ynode_get(doc, "mode"),
                        "mode: expected enforce or audit, got \"%s\"", mode);
    p->audit = mode && !strcmp(mode, "audit");
    p->severity = FWKX_SEV_MEDIUM;
    const pol_ynode *severity = pol_ynode_get(doc, "severity");
    if (severity && pol_severity_parse(ld, severity, "severity", &p->severity) != 0)
        return -1;
    return compile_compliance(ld, p, pol_ynode_get(doc, "compliance"));
}

int pol_policy_compile(pol_loader *ld, const pol_ynode *doc, pol_policy **out)
{
    pol_policy *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        return -1;
    p->src = (pol_src){ld->file, doc->line, doc->column};
    if (compile_meta(ld, p, doc) != 0)
        goto fail;
    const pol_ynode *match = pol_ynode_get(doc, "match");
    const pol_ynode *exclude = pol_ynode_get(doc, "exclude");
    if ((match && pol_match_compile(ld, match, "match", &p->match) != 0) ||
        (exclude && pol_match_compile(ld, exclude, "exclude", &p->exclude) != 0))
        goto fail;
    const pol_ynode *rules = pol_ynode_get(doc, "rules");
    if (!rules) {
        pol_fail(ld, doc, "missing required key 'rules' (a list of rules with name and when)");
        goto fail;
    }
    if (rules->type != POL_Y_SEQ || rules->count == 0) {
        pol_fail(ld, rules, "rules: expected a non-empty list of rules, got %s",
                 rules->type == POL_Y_SEQ ? "an empty list" : pol_ynode_type_name(rules));
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
    pol_policy_free(p);
    return -1;
}

void pol_policy_free(pol_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->rule_count; i++) {
        pol_rule *r = &p->rules[i];
        json_t *shared[] = {r->j_policy, r->j_rule,   r->j_severity, r->j_title,
                            r->j_remediation, r->j_allow_reason, r->j_compliance,
                            r->j_fired, r->j_allow, r->j_error, r->j_allow_decision};
        for (size_t k = 0; k < sizeof shared / sizeof shared[0]; k++)
            json_decref(shared[k]);
        free(r->name);
        free(r->allow_reason);
        free(r->remediation);
        pol_template_free(&r->message);
        pol_cond_free(r->when);
    }
    free(p->rules);
    free(p->name);
    free(p->title);
    free(p->description);
    free(p->remediation);
    json_decref(p->compliance);
    pol_match_free(&p->match);
    pol_match_free(&p->exclude);
    free(p->exceptions);
    free(p);
}
