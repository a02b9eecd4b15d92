/* pol_index.c: which policies can match a document of a given kind, worked out once at load
   so that evaluation tries only those instead of every policy's `match`. */
#include <stdlib.h>
#include <string.h>

#include "pol.h"

/* Can a policy match some kind that is not one of the literal kinds indexed? Yes when it
   names no kind or names one by a glob ("compute.*"). */
static bool matches_unlisted_kinds(const pol_policy *policy)
{
    const pol_globs *kinds = &policy->match.kinds;
    if (!policy->match.given || kinds->count == 0)
        return true;
    for (size_t i = 0; i < kinds->count; i++)
        if (!kinds->literal[i])
            return true;
    return false;
}

static bool may_match_kind(const pol_policy *policy, const char *kind)
{
    return !policy->match.given || pol_globs_match(&policy->match.kinds, kind);
}

static int by_kind(const void *a, const void *b)
{
    return strcmp(((const pol_kind_list *)a)->kind, ((const pol_kind_list *)b)->kind);
}

static int fill(const pol_engine *engine, pol_kind_list *list, const char *kind)
{
    list->kind = kind;
    list->policies = calloc(engine->policy_count ? engine->policy_count : 1,
                            sizeof *list->policies);
    if (!list->policies)
        return -1;
    for (size_t p = 0; p < engine->policy_count; p++) {
        const pol_policy *policy = engine->policies[p];
        if (kind ? may_match_kind(policy, kind) : matches_unlisted_kinds(policy))
            list->policies[list->count++] = policy;
    }
    return 0;
}

int pol_index_build(pol_engine *engine)
{
    pol_index_free(engine);
    size_t literal = 0;
    for (size_t p = 0; p < engine->policy_count; p++)
        literal += engine->policies[p]->match.kinds.count;
    engine->by_kind = calloc(literal ? literal : 1, sizeof *engine->by_kind);
    if (!engine->by_kind)
        return -1;
    for (size_t p = 0; p < engine->policy_count; p++) {
        const pol_globs *kinds = &engine->policies[p]->match.kinds;
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

void pol_index_free(pol_engine *engine)
{
    for (size_t k = 0; k < engine->kind_count; k++)
        free(engine->by_kind[k].policies);
    free(engine->by_kind);
    free(engine->unlisted.policies);
    engine->by_kind = NULL;
    engine->kind_count = 0;
    memset(&engine->unlisted, 0, sizeof engine->unlisted);
}

const pol_kind_list *pol_index_lookup(const pol_engine *engine, const char *kind)
{
    if (kind) {
        pol_kind_list key = {.kind = kind};
        const pol_kind_list *hit = bsearch(&key, engine->by_kind, engine->kind_count,
                                           sizeof *engine->by_kind, by_kind);
        if (hit)
            return hit;
    }
    return &engine->unlisted;
}
