/* pol_eval.c: the evaluator every path shares (runs, policy eval, policy test): documents in,
   decisions out, exceptions applied. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pol.h"

int64_t pol_engine_now(const pol_engine *engine)
{
    return engine->fixed_now ? engine->now : (int64_t)time(NULL);
}

static bool exception_covers(const pol_exception *ex, size_t rule, const json_t *doc)
{
    if (ex->rules && !ex->rules[rule])
        return false;
    if (ex->uid_count) {
        const char *uid = json_string_value(json_object_get(doc, "uid"));
        bool found = false;
        for (size_t i = 0; uid && i < ex->uid_count && !found; i++)
            found = !strcmp(ex->uids[i], uid);
        if (!found)
            return false;
    }
    if (ex->has_name_regex) {
        const char *name = json_string_value(json_object_get(doc, "name"));
        if (!name || regexec(&ex->name_regex, name, 0, NULL, 0) != 0)
            return false;
    }
    if (ex->kinds.count &&
        !pol_globs_match(&ex->kinds, json_string_value(json_object_get(doc, "kind"))))
        return false;
    return pol_labels_match(ex->labels, ex->label_count, doc);
}

static json_t *exception_json(const pol_exception *ex)
{
    json_t *out = json_pack("{s:s, s:s, s:s, s:s}", "id", ex->id, "owner", ex->owner, "reason",
                            ex->reason, "expires", ex->expires_text);
    if (out && ex->ticket)
        json_object_set_new(out, "ticket", json_string(ex->ticket));
    return out;
}

/* The active exception (expiring last) and the expired one (expired last) covering a rule. */
static void find_exceptions(const pol_policy *policy, size_t rule, const json_t *doc, int64_t now,
                            const pol_exception **active, const pol_exception **expired)
{
    *active = *expired = NULL;
    for (size_t i = 0; i < policy->exception_count; i++) {
        const pol_exception *ex = policy->exceptions[i];
        if (!exception_covers(ex, rule, doc))
            continue;
        if (now < ex->expires) {
            if (!*active || ex->expires > (*active)->expires)
                *active = ex;
        } else if (!*expired || ex->expires > (*expired)->expires) {
            *expired = ex;
        }
    }
}

static json_t *decision_new(const pol_policy *policy, const pol_rule *rule, const char *effect,
                            const char *reason)
{
    const char *remediation = rule->remediation ? rule->remediation : policy->remediation;
    json_t *d = json_object();
    if (!d)
        return NULL;
    json_object_set_new(d, "effect", json_string(effect));
    json_object_set_new(d, "policy", json_string(policy->name));
    json_object_set_new(d, "rule", json_string(rule->name));
    json_object_set_new(d, "reason", json_string(reason));
    json_object_set_new(d, "severity", json_string(pol_severity_name(rule->severity)));
    json_object_set_new(d, "compliance", json_deep_copy(policy->compliance));
    json_object_set_new(d, "title", json_string(policy->title));
    if (remediation)
        json_object_set_new(d, "remediation", json_string(remediation));
    json_object_set_new(d, "mode", json_string(policy->audit ? "audit" : "enforce"));
    return d;
}

static json_t *judge_rule(const pol_policy *policy, size_t index, pol_eval *ev)
{
    const pol_rule *rule = &policy->rules[index];
    ev->has_error = false;
    pol_truth t = pol_cond_eval(rule->when, ev, ev->root);
    char reason[1024];
    if (t == POL_ERROR)
        return decision_new(policy, rule, "error", ev->error);
    if (t == POL_FALSE) {
        snprintf(reason, sizeof reason, "ok: %s (rule %s does not apply)", policy->title,
                 rule->name);
        return decision_new(policy, rule, "allow", reason);
    }
    if (rule->message.count)
        pol_template_render(&rule->message, ev->root, reason, sizeof reason);
    else
        snprintf(reason, sizeof reason, "%s", policy->title);
    const char *effect = rule->warn || policy->audit ? "warn" : "deny";
    const pol_exception *active, *expired;
    find_exceptions(policy, index, ev->root, ev->now, &active, &expired);
    if (active) {
        char excepted[1200];
        snprintf(excepted, sizeof excepted, "%s (excepted by %s, owner %s, until %s)", reason,
                 active->id, active->owner, active->expires_text);
        json_t *d = decision_new(policy, rule, "allow", excepted);
        json_object_set_new(d, "excepted_effect", json_string(effect));
        json_object_set_new(d, "exception", exception_json(active));
        return d;
    }
    if (expired) {
        char noted[1200];
        snprintf(noted, sizeof noted, "%s (exception %s expired at %s)", reason, expired->id,
                 expired->expires_text);
        json_t *d = decision_new(policy, rule, effect, noted);
        json_object_set_new(d, "expired_exception", exception_json(expired));
        return d;
    }
    return decision_new(policy, rule, effect, reason);
}

int pol_evaluate(const pol_engine *engine, const json_t *doc, int64_t now, json_t *decisions)
{
    char now_text[40];
    pol_time_format(now, now_text, sizeof now_text);
    json_t *now_value = json_string(now_text);
    pol_eval ev = {.root = doc, .now = now, .now_value = now_value};
    int rc = 0;
    for (size_t p = 0; p < engine->policy_count && rc == 0; p++) {
        const pol_policy *policy = engine->policies[p];
        if (!pol_match_eval(&policy->match, &ev, doc))
            continue;
        if (policy->exclude.given && pol_match_eval(&policy->exclude, &ev, doc))
            continue;
        for (size_t r = 0; r < policy->rule_count; r++) {
            json_t *d = judge_rule(policy, r, &ev);
            if (!d || json_array_append_new(decisions, d) != 0) {
                rc = -1;
                break;
            }
        }
    }
    json_decref(now_value);
    return rc;
}
