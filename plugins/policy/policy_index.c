/* policy_index.c: which policies can match a document of a given kind, worked out once at load
   so that evaluation tries only those instead of every policy's `match`. */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* Can a policy match some kind that is not one of the literal kinds indexed? Yes when it
   names no kind or names one by a glob ("compute.*"). */
static bool matches_unlisted_kinds(const policy_def *policy)
{
    const policy_globs *kinds = &policy->match.kinds;
    if (!policy->match.given || kinds->count == 0)
        return true;
    for (size_t i = 0; i < kinds->count; i++)
        if (!kinds->literal[i])
            return true;
    return false;
}

static bool may_match_kind(const policy_def *policy, const char *kind)
{
    return !policy->match.given || policy_globs_match(&policy->match.kinds, kind);
}

static int by_kind(const void *a, const void *b)
{
    return strcmp(((const policy_kind_list *)a)->kind, ((const policy_kind_list *)b)->kind);
}

static int fill(const policy_engine *engine, policy_kind_list *list, const char *kind)
{
    list->kind = kind;
    list->policies =
        calloc(engine->policy_count ? engine->policy_count : 1, sizeof *list->policies);
    if (!list->policies)
        return -1;
    for (size_t p = 0; p < engine->policy_count; p++) {
        const policy_def *policy = engine->policies[p];
        if (kind ? may_match_kind(policy, kind) : matches_unlisted_kinds(policy))
            list->policies[list->count++] = policy;
    }
    return 0;
}

int policy_index_build(policy_engine *engine)
{
    policy_index_free(engine);
    size_t literal = 0;
    for (size_t p = 0; p < engine->policy_count; p++)
        literal += engine->policies[p]->match.kinds.count;
    engine->by_kind = calloc(literal ? literal : 1, sizeof *engine->by_kind);
    if (!engine->by_kind)
        return -1;
    for (size_t p = 0; p < engine->policy_count; p++) {
        const policy_globs *kinds = &engine->policies[p]->match.kinds;
        for (size_t i = 0; i < kinds->count; i++) {
            if (!kinds->literal[i])
                continue;
            bool seen = false;
            for (size_t k = 0; k < engine->kind_count && !seen; k++)
                seen = !strcmp(engine->by_kind[k].kind, kinds->items[i]);
            if (!seen && fill(engine, &engine->by_kind[engine->kind_count++], kinds->items[i]) != 0)
                return -1;
        }
    }
    qsort(engine->by_kind, engine->kind_count, sizeof *engine->by_kind, by_kind);
    return fill(engine, &engine->unlisted, NULL);
}

void policy_index_free(policy_engine *engine)
{
    for (size_t k = 0; k < engine->kind_count; k++)
        free(engine->by_kind[k].policies);
    free(engine->by_kind);
    free(engine->unlisted.policies);
    engine->by_kind = NULL;
    engine->kind_count = 0;
    memset(&engine->unlisted, 0, sizeof engine->unlisted);
}

const policy_kind_list *policy_index_lookup(const policy_engine *engine, const char *kind)
{
    if (kind) {
        policy_kind_list key = {.kind = kind};
        const policy_kind_list *hit =
            bsearch(&key, engine->by_kind, engine->kind_count, sizeof *engine->by_kind, by_kind);
        if (hit)
            return hit;
    }
    return &engine->unlisted;
}
