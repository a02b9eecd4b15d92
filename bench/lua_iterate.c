/* lua_iterate.c: overhead per resource of filtering an inventory through a Lua callback
   (fawkes.inventory{where = function(r) ... end}, the real playbook runtime) versus the same
   filter written in C over the same in-memory resources.

   Usage: build/bench/lua_iterate [N] [RUNS]   (N resources, default 1000000; best of RUNS=3) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "app.h"
#include "chain.h"
#include "playbook.h"
#include "run.h"

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A normalized resource shaped like a real one (docs/model.md), kinds and labels mixed. */
static json_t *make_resource(size_t i)
{
    static const char *const kinds[] = {"compute.instance", "compute.volume",   "storage.bucket",
                                        "network.firewall", "compute.instance", "iam.policy"};
    static const char *const providers[] = {"aws", "gcp", "civo"};
    static const char *const envs[] = {"prod", "dev", "staging"};
    const char *kind = kinds[i % 6];
    const char *provider = providers[i % 3];
    char id[32], uid[128], name[48];
    snprintf(id, sizeof id, "r-%08zx", i);
    snprintf(uid, sizeof uid, "%s:123456789012:eu-west-2:%s:%s", provider, kind, id);
    snprintf(name, sizeof name, "app-%zu", i % 977);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s, "
                     "s:b, s:b, s:f, s:{s:i, s:s, s:b}}",
                     "uid", uid, "provider", provider, "account", "123456789012", "region",
                     "eu-west-2", "kind", kind, "native_type", "ec2:instance", "id", id, "name",
                     name, "state", i % 4 ? "running" : "stopped", "labels", "env", envs[i % 3],
                     "owner", "team-a", "app", "checkout", "created_at", "2026-01-02T03:04:05Z",
                     "public", (int)(i % 7 == 0), "encrypted", (int)(i % 2), "monthly_cost",
                     (double)(i % 100) * 1.5, "attributes", "cpu_percent", (int)(i % 100),
                     "instance_type", "t3.micro", "ebs_optimized", 1);
}

/* The same filter as the Lua callback, in C. */
static size_t filter_in_c(const json_t *resources)
{
    size_t n = 0, i;
    json_t *r;
    json_array_foreach (resources, i, r) {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const char *state = json_string_value(json_object_get(r, "state"));
        const char *env = json_string_value(json_object_get(json_object_get(r, "labels"), "env"));
        if (kind && strcmp(kind, "compute.instance") == 0 && state &&
            strcmp(state, "running") == 0 && env && strcmp(env, "prod") == 0)
            n++;
    }
    return n;
}

int main(int argc, char **argv)
{
    size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    const char *script = FAWKES_SOURCE_DIR "/bench/lua_iterate.lua";
    json_t *resources = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(resources, make_resource(i));

    double c_best = 1e30;
    size_t c_matched = 0;
    for (int k = 0; k < runs; k++) {
        double start = cpu_seconds();
        c_matched = filter_in_c(resources);
        double seconds = cpu_seconds() - start;
        if (seconds < c_best)
            c_best = seconds;
    }

    /* The real runtime, as a chain runs it: the resources are the chain's, named "bench". */
    config *cfg = NULL;
    diag err = {{0}};
    if (config_from_string("version: 1\n"
                           "providers: [{name: bench, plugin: snapshot, config: {paths: [x]}}]\n"
                           "playbooks: {instructions: 100000000000, memory: 256MiB}\n",
                           "bench.yaml", &cfg, &err) != 0) {
        fprintf(stderr, "lua_iterate: %s\n", err.text);
        return 1;
    }
    cli_args args;
    memset(&args, 0, sizeof args);
    app a = {.args = &args, .cfg = cfg};
    run r;
    run_init(&r, "bench", NULL, OUTPUT_FINDINGS, NULL, &cfg->egress_allow);
    r.kept_resources = json_pack("{s:O}", "bench", resources);
    chain_exec exec;
    memset(&exec, 0, sizeof exec);
    strlist vars = {0};
    char runs_var[32];
    snprintf(runs_var, sizeof runs_var, "runs=%d", runs);
    strlist_push(&vars, runs_var);
    playbook_options opts = {.path = script, .vars = &vars};
    json_t *result = NULL;
    int code = playbook_run(&a, &r, &exec, &opts, &result, &err);
    if (code != 0) {
        fprintf(stderr, "lua_iterate: playbook failed (exit %d): %s\n", code, err.text);
        return 1;
    }
    const json_t *report = json_array_get(json_object_get(result, "report"), 0);
    double bare = json_number_value(json_object_get(json_object_get(report, "bare"), "seconds"));
    const json_t *cb = json_object_get(report, "callback");
    double callback = json_number_value(json_object_get(cb, "seconds"));
    size_t lua_matched = (size_t)json_integer_value(json_object_get(cb, "matched"));
    const json_t *tf = json_object_get(report, "table_filter");
    double table = json_number_value(json_object_get(tf, "seconds"));

    double n = (double)count;
    printf("lua_iterate: %zu resources, best of %d, CPU time\n", count, runs);
    printf("%-48s %10s %14s %9s\n", "", "seconds", "ns/resource", "matched");
    printf("%-48s %10.3f %14.1f %9zu\n", "C filter (json_object_get + strcmp)", c_best,
           c_best / n * 1e9, c_matched);
    printf("%-48s %10.3f %14.1f %9zu\n", "Lua: fawkes.inventory, no filter", bare, bare / n * 1e9,
           (size_t)json_integer_value(json_object_get(json_object_get(report, "bare"), "matched")));
    printf("%-48s %10.3f %14.1f %9zu\n", "Lua: where = function(r) ... end (callback)", callback,
           callback / n * 1e9, lua_matched);
    printf("%-48s %10.3f %14.1f %9zu\n", "Lua: kind = ..., where = {field = value}", table,
           table / n * 1e9, (size_t)json_integer_value(json_object_get(tf, "matched")));
    printf("overhead of the Lua callback over C: %.1f ns/resource (target < 1000); "
           "ratio %.1fx\n",
           (callback - c_best) / n * 1e9, callback / c_best);
    int same = lua_matched == c_matched &&
               (size_t)json_integer_value(json_object_get(tf, "matched")) == c_matched;
    printf("matches agree: %s\n", same ? "yes" : "NO");
    json_decref(result);
    strlist_clear(&vars);
    run_free(&r);
    config_free(cfg);
    json_decref(resources);
    return same ? 0 : 1;
}
