/* policy_except.c: PolicyException documents: compiled at load, with the expiry horizon checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const char *const exception_keys[] = {"kind",  "id",     "policy", "rules",   "resources",
                                             "owner", "reason", "ticket", "expires", NULL};
static const char *const resource_keys[] = {"uids", "name_regex", "labels", "kinds", NULL};

static int check_id(policy_loader *ld, const policy_ynode *node)
{
    const char *s = node->scalar;
    bool ok = s && strlen(s) <= 128 &&
              ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
               (s[0] >= '0' && s[0] <= '9'));
    for (const char *p = s; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             *p == '_' || *p == '-' || *p == '.';
    return ok ? 0
              : policy_fail(ld, node,
                            "id: \"%s\" must be 1 to 128 of A-Z, a-z, 0-9, '_', '-', '.' "
                            "and start with a letter or digit",
                            s ? s : "");
}

static int compile_rules(policy_loader *ld, policy_exception *ex, const policy_ynode *node)
{
    if (node->type != POLICY_Y_SEQ || node->count == 0)
        return policy_fail(ld, node,
                           "rules: expected a non-empty list of rule names of policy "
                           "\"%s\", got %s",
                           ex->policy->name,
                           node->type == POLICY_Y_SEQ ? "an empty list"
                                                      : policy_ynode_type_name(node));
    ex->rules = calloc(ex->policy->rule_count, sizeof *ex->rules);
    if (!ex->rules)
        return -1;
    for (size_t i = 0; i < node->count; i++) {
        const policy_ynode *item = node->items[i];
        int rule = policy_ynode_is_string(item) ? policy_rule_find(ex->policy, item->scalar) : -1;
        if (rule < 0) {
            char names[512];
            size_t used = 0;
            for (size_t r = 0; r < ex->policy->rule_count && used < sizeof names; r++)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", r ? ", " : "",
                                         ex->policy->rules[r].name);
            return policy_fail(ld, item,
                               "rules[%zu]: policy \"%s\" has no rule %s%s%s (its rules: "
                               "%s)",
                               i, ex->policy->name, item->scalar ? "\"" : "",
                               item->scalar ? item->scalar : policy_ynode_type_name(item),
                               item->scalar ? "\"" : "", names);
        }
        ex->rules[rule] = true;
    }
    return 0;
}

static int compile_resources(policy_loader *ld, policy_exception *ex, const policy_ynode *node)
{
    if (node->type != POLICY_Y_MAP)
        return policy_fail(ld, node,
                           "resources: expected a mapping with uids, name_regex or labels, "
                           "got %s",
                           policy_ynode_type_name(node));
    if (policy_check_keys(ld, node, "resources", resource_keys) != 0)
        return -1;
    const policy_ynode *uids = policy_ynode_get(node, "uids");
    const policy_ynode *name_regex = policy_ynode_get(node, "name_regex");
    const policy_ynode *labels = policy_ynode_get(node, "labels");
    const policy_ynode *kinds = policy_ynode_get(node, "kinds");
    if (!uids && !name_regex && !labels)
        return policy_fail(ld, node,
                           "resources: give at least one of uids, name_regex, labels, so "
                           "the exception cannot cover every resource by accident");
    if (uids) {
        if (uids->type != POLICY_Y_SEQ || uids->count == 0)
            return policy_fail(
                ld, uids, "resources.uids: expected a non-empty list of uids, got %s",
                uids->type == POLICY_Y_SEQ ? "an empty list" : policy_ynode_type_name(uids));
        ex->uids = calloc(uids->count, sizeof *ex->uids);
        if (!ex->uids)
            return -1;
        for (size_t i = 0; i < uids->count; i++) {
            if (!policy_ynode_is_string(uids->items[i]))
                return policy_fail(ld, uids->items[i],
                                   "resources.uids[%zu]: expected a uid (a "
                                   "string), got %s",
                                   i, policy_ynode_type_name(uids->items[i]));
            ex->uids[ex->uid_count++] = strdup(uids->items[i]->scalar);
        }
    }
    if (name_regex) {
        if (!policy_ynode_is_string(name_regex))
            return policy_fail(ld, name_regex,
                               "resources.name_regex: expected a regex (a string), "
                               "got %s",
                               policy_ynode_type_name(name_regex));
        int rc = regcomp(&ex->name_regex, name_regex->scalar, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char reason[200];
            regerror(rc, &ex->name_regex, reason, sizeof reason);
            return policy_fail(ld, name_regex, "resources.name_regex: invalid regex \"%s\": %s",
                               name_regex->scalar, reason);
        }
        ex->has_name_regex = true;
    }
    if (labels &&
        policy_labels_compile(ld, labels, "resources.labels", &ex->labels, &ex->label_count) != 0)
        return -1;
    if (kinds && policy_globs_compile(ld, kinds, "resources.kinds", &ex->kinds) != 0)
        return -1;
    return 0;
}

static int compile_expires(policy_loader *ld, policy_exception *ex, const policy_ynode *node)
{
    policy_time t;
    if (!node)
        return -1;
    if (node->type != POLICY_Y_SCALAR || policy_time_parse(node->scalar, &t) != 0)
        return policy_fail(ld, node,
                           "expires: expected an RFC 3339 timestamp such as "
                           "2026-12-31T00:00:00Z or a date 2026-12-31, got %s%s%s%s",
                           policy_ynode_type_name(node), node->scalar ? " \"" : "",
                           node->scalar ? node->scalar : "", node->scalar ? "\"" : "");
    ex->expires = t.epoch;
    policy_time_format(t.epoch, ex->expires_text, sizeof ex->expires_text);
    int64_t horizon = ld->now + ld->engine->max_exception_days * 86400;
    if (ex->expires > horizon) {
        char limit[40];
        policy_time_format(horizon, limit, sizeof limit);
        return policy_fail(ld, node,
                           "expires: %s is more than max_exception_days (%lld) away; "
                           "set it to %s or earlier, and renew the exception when it runs out",
                           ex->expires_text, (long long)ld->engine->max_exception_days, limit);
    }
    return 0;
}

int policy_exception_compile(policy_loader *ld, const policy_ynode *doc, policy_exception **out)
{
    policy_exception *ex = calloc(1, sizeof *ex);
    *out = NULL;
    if (!ex)
        return -1;
    ex->src = (policy_src){ld->file, doc->line, doc->column};
    const char *id, *policy, *owner, *reason, *ticket;
    if (policy_check_keys(ld, doc, "", exception_keys) != 0 ||
        policy_get_string(ld, doc, "id", "", true, &id) != 0 ||
        check_id(ld, policy_ynode_get(doc, "id")) != 0 ||
        policy_get_string(ld, doc, "policy", "", true, &policy) != 0 ||
        policy_get_string(ld, doc, "owner", "", true, &owner) != 0 ||
        policy_get_string(ld, doc, "reason", "", true, &reason) != 0 ||
        policy_get_string(ld, doc, "ticket", "", false, &ticket) != 0)
        goto fail;
    ex->id = strdup(id);
    ex->owner = strdup(owner);
    ex->reason = strdup(reason);
    ex->ticket = policy_strdup(ticket);
    ex->policy = policy_engine_find(ld->engine, policy);
    if (!ex->policy) {
        policy_fail(ld, policy_ynode_get(doc, "policy"),
                    "policy: no policy named \"%s\" is loaded; check the name and the paths",
                    policy);
        goto fail;
    }
    const policy_ynode *rules = policy_ynode_get(doc, "rules");
    if (rules && compile_rules(ld, ex, rules) != 0)
        goto fail;
    const policy_ynode *resources = policy_ynode_get(doc, "resources");
    if (!resources) {
        policy_fail(ld, doc,
                    "missing required key 'resources' (uids, name_regex or labels of the "
                    "resources the exception covers)");
        goto fail;
    }
    if (compile_resources(ld, ex, resources) != 0)
        goto fail;
    const policy_ynode *expires = policy_ynode_get(doc, "expires");
    if (!expires) {
        policy_fail(ld, doc,
                    "missing required key 'expires' (exceptions must run out; at most "
                    "max_exception_days = %lld days ahead)",
                    (long long)ld->engine->max_exception_days);
        goto fail;
    }
    if (compile_expires(ld, ex, expires) != 0)
        goto fail;
    *out = ex;
    return 0;
fail:
    policy_exception_free(ex);
    return -1;
}

void policy_exception_free(policy_exception *ex)
{
    if (!ex)
        return;
    free(ex->id);
    free(ex->owner);
    free(ex->reason);
    free(ex->ticket);
    free(ex->rules);
    for (size_t i = 0; i < ex->uid_count; i++)
        free(ex->uids[i]);
    free(ex->uids);
    if (ex->has_name_regex)
        regfree(&ex->name_regex);
    policy_globs_free(&ex->kinds);
    policy_labels_free(ex->labels, ex->label_count);
    free(ex);
}
