/* policy_eval.c: the evaluator every path shares (runs, policy eval, policy test): documents in,
   decisions out, exceptions applied. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy.h"

int64_t policy_engine_now(const policy_engine *engine)
{
    /* Read for every document: time() (~1 ns) rather than fwkx_clock_wall_ms (~25 ns, a
       full clock_gettime), since only whole seconds are needed. */
    return engine->fixed_now ? engine->now : (int64_t)time(NULL);
}

static bool exception_covers(const policy_exception *ex, size_t rule, const json_t *doc)
{
    if (ex->rules && !ex->rules[rule])
        return false;
    if (ex->uid_count) {
        const char *uid = fwkx_str(doc, "uid", NULL);
        bool found = false;
        for (size_t i = 0; uid && i < ex->uid_count && !found; i++)
            found = !strcmp(ex->uids[i], uid);
        if (!found)
            return false;
    }
    if (ex->has_name_regex) {
        const char *name = fwkx_str(doc, "name", NULL);
        if (!name || regexec(&ex->name_regex, name, 0, NULL, 0) != 0)
            return false;
    }
    if (ex->kinds.count && !policy_globs_match(&ex->kinds, fwkx_str(doc, "kind", NULL)))
        return false;
    return policy_labels_match(ex->labels, ex->label_count, json_object_get(doc, "labels"));
}

static json_t *exception_json(const policy_exception *ex)
{
    json_t *out = json_pack("{s:s, s:s, s:s, s:s}", "id", ex->id, "owner", ex->owner, "reason",
                            ex->reason, "expires", ex->expires_text);
    if (out && ex->ticket)
        json_object_set_new(out, "ticket", json_string(ex->ticket));
    return out;
}

/* The active exception (expiring last) and the expired one (expired last) covering a rule. */
static void find_exceptions(const policy_def *policy, size_t rule, const json_t *doc, int64_t now,
                            const policy_exception **active, const policy_exception **expired)
{
    *active = *expired = NULL;
    for (size_t i = 0; i < policy->exception_count; i++) {
        const policy_exception *ex = policy->exceptions[i];
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

/* A reason keeps at most POLICY_REASON_MAX bytes, an excepted or expired one POLICY_NOTE_MAX: a
   longer one is cut where a character starts (fwkx_utf8_prefix). Their buffers hold one byte
   more than that (and the NUL), so that the cut sees the first byte it leaves out. */
enum {
    POLICY_REASON_MAX = 1023,
    POLICY_NOTE_MAX = 1199
};

/* The bytes snprintf wrote into a buffer of `size` bytes, given what it returned. */
static size_t written(int n, size_t size)
{
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* `text` (`len` bytes) cut to at most `max` bytes on a character boundary, as a JSON string
   (checked: file names in messages need not be UTF-8). */
static json_t *reason_string(const char *text, size_t len, size_t max)
{
    json_t *s = json_stringn(text, fwkx_utf8_prefix(text, len, max));
    return s ? s : json_string_nocheck("(the message is not valid UTF-8)");
}

static void share(json_t *d, const char *key, json_t *value)
{
    json_object_set_nocheck(d, key, value);
}

/* One decision: the rule's constant members are shared (see policy_rule), the rest is new. At
   most 8 members, so jansson's initial 8-bucket table never rehashes. */
json_t *policy_decision_new(const policy_rule *rule, json_t *effect, json_t *reason)
{
    json_t *d = json_object();
    if (!d) {
        json_decref(reason);
        return NULL;
    }
    share(d, "effect", effect);
    share(d, "policy", rule->j_policy);
    share(d, "rule", rule->j_rule);
    json_object_set_new_nocheck(d, "reason", reason);
    share(d, "severity", rule->j_severity);
    share(d, "compliance", rule->j_compliance);
    share(d, "title", rule->j_title);
    if (rule->j_remediation)
        share(d, "remediation", rule->j_remediation);
    return d;
}

static void set_text(json_t *d, const char *key, const char *text)
{
    json_object_set_new_nocheck(d, key, json_string_nocheck(text));
}

static json_t *judge_rule(const policy_def *policy, size_t index, policy_eval *ev)
{
    const policy_rule *rule = &policy->rules[index];
    ev->has_error = false;
    policy_truth t = policy_cond_eval(rule->when, ev, ev->root);
    if (t == POLICY_ERROR) {
        if (!ev->has_error)
            snprintf(ev->error, sizeof ev->error, "%s: the condition could not be decided",
                     rule->name);
        return policy_decision_new(rule, rule->j_error,
                                   reason_string(ev->error, strlen(ev->error), POLICY_ERROR_MAX));
    }
    if (t == POLICY_FALSE)
        return json_incref(rule->j_allow_decision);
    char reason[POLICY_REASON_MAX + 2];
    size_t length;
    if (rule->message.count)
        length = policy_template_render(&rule->message, ev, reason, sizeof reason);
    else
        length = written(snprintf(reason, sizeof reason, "%s", policy->title), sizeof reason);
    if (length > POLICY_REASON_MAX) {
        length = fwkx_utf8_prefix(reason, length, POLICY_REASON_MAX);
        reason[length] = '\0';
    }
    const char *effect = rule->warn || policy->audit ? "warn" : "deny";
    const policy_exception *active, *expired;
    find_exceptions(policy, index, ev->root, ev->now, &active, &expired);
    if (active) {
        char excepted[POLICY_NOTE_MAX + 2];
        int n = snprintf(excepted, sizeof excepted, "%s (excepted by %s, owner %s, until %s)",
                         reason, active->id, active->owner, active->expires_text);
        json_t *d = policy_decision_new(
            rule, rule->j_allow,
            reason_string(excepted, written(n, sizeof excepted), POLICY_NOTE_MAX));
        set_text(d, "excepted_effect", effect);
        json_object_set_new_nocheck(d, "exception", exception_json(active));
        return d;
    }
    if (expired) {
        char noted[POLICY_NOTE_MAX + 2];
        int n = snprintf(noted, sizeof noted, "%s (exception %s expired at %s)", reason,
                         expired->id, expired->expires_text);
        json_t *d = policy_decision_new(
            rule, rule->j_fired, reason_string(noted, written(n, sizeof noted), POLICY_NOTE_MAX));
        json_object_set_new_nocheck(d, "expired_exception", exception_json(expired));
        return d;
    }
    /* Every piece of the reason is valid UTF-8 (the policy's text was checked by the YAML
       reader, a document's strings by jansson, numbers are ASCII), and a long one was cut on
       a character boundary above: no need to check it again. */
    return policy_decision_new(rule, rule->j_fired, json_stringn_nocheck(reason, length));
}

const json_t *policy_eval_now(policy_eval *ev)
{
    if (!ev->now_value) {
        char text[40];
        policy_time_format(ev->now, text, sizeof text);
        ev->now_value = json_string_nocheck(text);
        ev->owns_now = true;
    }
    return ev->now_value;
}

const json_t *policy_eval_root(policy_eval *ev, int slot, const char *key, size_t len)
{
    uint64_t bit = (uint64_t)1 << slot;
    if (!(ev->root_fetched & bit)) {
        ev->root_values[slot] = json_object_getn(ev->root, key, len);
        ev->root_fetched |= bit;
    }
    return ev->root_values[slot];
}

void policy_eval_done(policy_eval *ev)
{
    if (ev->owns_now)
        json_decref(ev->now_value);
    ev->now_value = NULL;
    ev->owns_now = false;
}

int policy_evaluate(const policy_engine *engine, const json_t *doc, int64_t now, json_t *decisions)
{
    /* not an initializer: that would clear the error buffer and the value cache (1 KiB)
       for every document; only the flags that guard them must start cleared */
    policy_eval ev;
    ev.root = doc;
    ev.now = now;
    ev.now_value = NULL;
    ev.owns_now = false;
    ev.has_error = false;
    ev.error[0] = '\0';
    ev.root_fetched = 0;
    /* only the policies that may match this kind (policy_index.c), in load order */
    const policy_kind_list *candidates = policy_index_lookup(engine, policy_eval_field(&ev, 0));
    bool kind_known = candidates->kind != NULL;
    int rc = 0;
    for (size_t p = 0; p < candidates->count && rc == 0; p++) {
        const policy_def *policy = candidates->policies[p];
        if (!policy_match_eval(&policy->match, &ev, doc, kind_known))
            continue;
        if (policy->exclude.given && policy_match_eval(&policy->exclude, &ev, doc, false))
            continue;
        for (size_t r = 0; r < policy->rule_count; r++) {
            json_t *d = judge_rule(policy, r, &ev);
            if (!d || json_array_append_new(decisions, d) != 0) {
                rc = -1;
                break;
            }
        }
    }
    policy_eval_done(&ev);
    return rc;
}
