/* policy_engine.c: how fast the policy engine judges documents, on one core: rule x resource
   evaluations per second, with and without building the decision objects. As in a run, where
   each resource is judged right after it was parsed, documents are evaluated while in cache:
   a working set of 1,000 generated documents is cycled through N times in total. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "policy.h"

/* CPU time of this thread: the figure means "on one core" even on a loaded machine. */
static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A normalized resource of one of four kinds, varied by i so every rule sees hits and misses. */
static json_t *resource(size_t i)
{
    static const char *const providers[] = {"aws", "gcp", "civo"};
    static const char *const cidrs[] = {"0.0.0.0/0", "10.0.0.0/8", "::/0", "192.168.1.0/24"};
    static const char *const versions[] = {"v1.30.4-eks-a1b2c3", "1.31.2-gke.1200", "1.29.0",
                                           "1.32.1"};
    const char *provider = providers[i % 3];
    char uid[128], name[64], created[32];
    snprintf(name, sizeof name, "res-%zu", i);
    snprintf(created, sizeof created, "202%zu-0%zu-1%zuT10:00:00Z", 3 + i % 4, 1 + i % 9, i % 10);
    json_t *r = NULL;
    switch (i % 4) {
    case 0:
        snprintf(uid, sizeof uid, "%s:1:eu-west-2:storage.bucket:%s", provider, name);
        r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:{s:s, s:s}}", "uid", uid,
                      "provider", provider, "region", "eu-west-2", "kind", "storage.bucket", "name",
                      name, "public", (int)(i % 7 == 0), "encrypted", (int)(i % 5 != 0),
                      "created_at", created, "labels", "env", i % 2 ? "prod" : "dev", "owner",
                      "team-a");
        break;
    case 1:
        snprintf(uid, sizeof uid, "%s:1:eu-west-2:network.firewall:%s", provider, name);
        r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:[{s:s, s:s, s:[s], s:[s, s]}, "
                      "{s:s, s:s, s:[s], s:[s]}]}}",
                      "uid", uid, "provider", provider, "region", "eu-west-2", "kind",
                      "network.firewall", "name", name, "attributes", "rules", "direction",
                      "ingress", "protocol", "tcp", "ports", "443", "cidrs", cidrs[i % 4],
                      "10.0.0.0/8", "direction", "ingress", "protocol", "tcp", "ports",
                      i % 3 ? "22" : "8080", "cidrs", cidrs[(i / 4) % 4]);
        break;
    case 2:
        snprintf(uid, sizeof uid, "%s:1:eu-west-2:kubernetes.cluster:%s", provider, name);
        r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "uid", uid, "provider", provider,
                      "region", "eu-west-2", "kind", "kubernetes.cluster", "name", name,
                      "created_at", created, "attributes", "version", versions[i % 4]);
        break;
    default:
        r = json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:s, s:[s, s], s:s}}", "kind", "request",
                      "action", "deploy", "time",
                      i % 2 ? "2026-11-23T14:30:00Z" : "2026-11-22T03:00:00Z", "resource",
                      "environment", "production", "claims", "sub", name, "groups", "dev",
                      i % 3 ? "deployers" : "ops", "exp_time", "2026-11-23T13:00:00Z");
    }
    return r;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "examples/policies";
    size_t count = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000;
    policy_engine engine;
    memset(&engine, 0, sizeof engine);
    engine.max_exception_days = 3650;
    int64_t now = 1795435200; /* 2026-11-23T12:00:00Z */
    char err[2048];
    const char *paths[] = {dir};
    if (policy_engine_load(&engine, paths, 1, now, err, sizeof err) != 0) {
        fprintf(stderr, "policy_engine: %s\n", err);
        return 2;
    }
    size_t rules = 0;
    for (size_t p = 0; p < engine.policy_count; p++)
        rules += engine.policies[p]->rule_count;
    size_t distinct = count < 1000 ? count : 1000;
    json_t **docs = calloc(distinct, sizeof *docs);
    for (size_t i = 0; i < distinct; i++)
        docs[i] = resource(i);

    /* 1. The full evaluate path: match, conditions, exceptions, decision objects. */
    size_t decisions_made = 0, denies = 0;
    double start = seconds();
    for (size_t i = 0; i < count; i++) {
        json_t *decisions = json_array();
        policy_evaluate(&engine, docs[i % distinct], now, decisions);
        decisions_made += json_array_size(decisions);
        size_t k;
        json_t *d;
        json_array_foreach (decisions, k, d) {
            if (!strcmp(json_string_value(json_object_get(d, "effect")), "deny"))
                denies++;
        }
        json_decref(decisions);
    }
    double full = seconds() - start;

    /* 2. The hot path alone: match + every rule's condition, no allocation. */
    size_t evaluated = 0, held = 0;
    char now_text[40];
    policy_time_format(now, now_text, sizeof now_text);
    json_t *now_value = json_string(now_text);
    start = seconds();
    for (size_t i = 0; i < count; i++) {
        const json_t *doc = docs[i % distinct];
        policy_eval ev = {.root = doc, .now = now, .now_value = now_value};
        const policy_kind_list *candidates =
            policy_index_lookup(&engine, policy_eval_field(&ev, 0));
        for (size_t p = 0; p < candidates->count; p++) {
            const policy_def *policy = candidates->policies[p];
            if (!policy_match_eval(&policy->match, &ev, doc, candidates->kind != NULL))
                continue;
            for (size_t r = 0; r < policy->rule_count; r++) {
                ev.has_error = false;
                held += policy_cond_eval(policy->rules[r].when, &ev, doc) == POLICY_TRUE;
                evaluated++;
            }
        }
    }
    double hot = seconds() - start;
    json_decref(now_value);

    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("policy_engine: %zu policies, %zu rules (%s); %zu documents (4 kinds, %zu distinct); "
           "one core\n",
           engine.policy_count, rules, dir, count, distinct);
    printf("  evaluate (decisions built):   %9zu rule x resource evaluations in %.3f s CPU = "
           "%10.0f /s CPU (%zu deny)\n",
           decisions_made, full, decisions_made / full, denies);
    printf("  conditions only (hot path):   %9zu rule x resource evaluations in %.3f s CPU = "
           "%10.0f /s CPU (%zu hold)\n",
           evaluated, hot, evaluated / hot, held);
    printf("  peak RSS: %.1f MiB\n", usage.ru_maxrss / 1024.0);
    for (size_t i = 0; i < distinct; i++)
        json_decref(docs[i]);
    free(docs);
    policy_engine_free(&engine);
    return decisions_made == evaluated ? 0 : 1;
}
