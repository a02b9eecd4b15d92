/* policy_bench.c: evaluate a directory of policies over a JSONL file of documents with the
   real `policy` plugin, on one thread, and print how fast.

   usage: policy_bench PLUGIN.so POLICY_DIR INPUT.jsonl [--per-rule]

   The plugin is opened and initialised as the host does it (the SDK descriptor, the
   host's option schema and services table from fawkes_core). INPUT is read in batches of
   BATCH (32) lines: a batch is parsed with jansson, then each document is handed to the
   plugin's `evaluate`, its decisions counted by effect and freed (the caller owns them).
   A batch is small so that a document is judged while it is still in the CPU cache, as
   the Python baseline judges each line right after `json.loads`; with batches of 4,096
   (~25 MB of parsed documents) every first touch of a document missed the cache and the
   figure measured memory latency rather than the engine.
   Parsing and evaluation are timed apart, per batch, by the wall clock and by this
   process's CPU time (the figure that counts "on one core" on a shared machine).
   With --per-rule the decisions are also counted per POLICY.RULE and effect, so
   bench/policy_eval.sh can check that the Python baseline reached the same decisions;
   that costs time, so measure without it.

   Output, on stdout, one JSON object:
     {"documents", "decisions", "effects": {"deny", "warn", "allow", "error"},
      "rules": {"POLICY.RULE": {"deny": n, ...}} (empty without --per-rule),
      "parse_seconds", "eval_seconds", "eval_cpu_seconds", "wall_seconds", "peak_rss_kib"}
   Exit 0; 2 when the plugin, the policies or an input line does not load, or an evaluation
   fails; 4 when stdout cannot be written. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <fawkes/fawkes.h>

#include "diag.h"
#include "run.h"
#include "schema.h"

enum {
    BATCH = 32
}; /* documents parsed, then evaluated, per timed section (see above) */

/* What the decisions said, in total and (with --per-rule) per POLICY.RULE. */
typedef struct counts {
    size_t documents, decisions, deny, warn, allow, error;
    json_t *rules;
} counts;

static double seconds_since(clockid_t clock, const struct timespec *start)
{
    struct timespec now;
    clock_gettime(clock, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Open PATH and return its policy descriptor, or NULL after printing why. */
static const fwk_plugin_descriptor *open_plugin(const char *path)
{
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        fprintf(stderr, "policy_bench: %s\n", dlerror());
        return NULL;
    }
    fwk_describe_fn describe = (fwk_describe_fn)(uintptr_t)dlsym(handle, FWK_ENTRY_SYMBOL);
    const fwk_plugin_descriptor *desc = describe ? describe() : NULL;
    if (!desc || desc->magic != FWK_PLUGIN_MAGIC || desc->abi_major != FWK_ABI_MAJOR ||
        desc->kind != FWK_KIND_POLICY) {
        fprintf(stderr, "policy_bench: %s is not a policy plugin of SDK ABI %d\n", path,
                FWK_ABI_MAJOR);
        return NULL;
    }
    return desc;
}

/* Make one instance over DIR, as `fawkes policy eval --policy DIR` does. */
static void *open_engine(const fwk_plugin_descriptor *desc, const char *dir)
{
    diag err = {{0}};
    json_t *input = json_pack("{s:[s]}", "paths", dir), *plugin_config = NULL;
    int rc = schema_apply(desc->options, input, NULL, "", &plugin_config, &err);
    json_decref(input);
    if (rc != 0) {
        fprintf(stderr, "policy_bench: %s\n", err.text);
        return NULL;
    }
    void *state = NULL;
    fwk_ctx ctx;
    ctx_init(&ctx, NULL, NULL, "init", NULL);
    fwk_status status = desc->init(host_services(), &ctx, plugin_config, &state);
    if (status != FWK_OK)
        fprintf(stderr, "policy_bench: %s\n", ctx.message ? ctx.message : fwk_strerror(status));
    ctx_finish(&ctx);
    /* init's config must outlive fini (the SDK's promise): keep it until the process ends. */
    if (status != FWK_OK)
        json_decref(plugin_config);
    return status == FWK_OK ? state : NULL;
}

/* Add one decision to rules["POLICY.RULE"][EFFECT]. */
static void tally(json_t *rules, const json_t *decision)
{
    const char *effect = json_string_value(json_object_get(decision, "effect"));
    const char *policy = json_string_value(json_object_get(decision, "policy"));
    const char *rule = json_string_value(json_object_get(decision, "rule"));
    if (!effect || !policy || !rule)
        effect = "malformed";
    char key[512];
    snprintf(key, sizeof key, "%s.%s", policy ? policy : "?", rule ? rule : "?");
    json_t *per_rule = json_object_get(rules, key);
    if (!per_rule) {
        per_rule = json_object();
        json_object_set_new(rules, key, per_rule);
    }
    json_object_set_new(per_rule, effect,
                        json_integer(json_integer_value(json_object_get(per_rule, effect)) + 1));
}

/* The timed part of a batch: judge each document (decisions[d] gets its decisions, which
   the caller frees). Returns 0, or -1 after printing why (and freeing what it made). */
static int judge_batch(const fwk_plugin_descriptor *desc, void *state, json_t **docs, size_t n,
                       size_t first, json_t **decisions)
{
    const fwk_policy_vtable *vt = desc->vtable;
    for (size_t d = 0; d < n; d++) {
        fwk_ctx ctx;
        ctx_init(&ctx, NULL, NULL, "evaluate", NULL);
        ctx.resource = docs[d];
        decisions[d] = NULL;
        fwk_status status = vt->evaluate(&ctx, state, docs[d], &decisions[d]);
        if (status != FWK_OK) {
            fprintf(stderr, "policy_bench: document %zu: %s\n", first + d + 1,
                    ctx.message ? ctx.message : fwk_strerror(status));
            ctx_finish(&ctx);
            for (size_t i = 0; i <= d; i++)
                json_decref(decisions[i]);
            return -1;
        }
        ctx_finish(&ctx);
    }
    return 0;
}

/* Count a batch's decisions by effect (by its first letter), untimed: the baseline counts
   outside its timed section too. */
static void count_batch(json_t **decisions, size_t n, bool per_rule, counts *c)
{
    for (size_t d = 0; d < n; d++) {
        size_t i;
        const json_t *decision;
        json_array_foreach (decisions[d], i, decision) {
            const char *effect = json_string_value(json_object_get(decision, "effect"));
            switch (effect ? effect[0] : '?') {
            case 'a':
                c->allow++;
                break;
            case 'd':
                c->deny++;
                break;
            case 'w':
                c->warn++;
                break;
            default:
                c->error++;
                break;
            }
            if (per_rule)
                tally(c->rules, decision);
        }
        c->decisions += json_array_size(decisions[d]);
    }
}

/* Wall and CPU clocks of one timed section. */
typedef struct stopwatch {
    struct timespec wall, cpu;
} stopwatch;

static void stopwatch_start(stopwatch *w)
{
    clock_gettime(CLOCK_MONOTONIC, &w->wall);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &w->cpu);
}

static void stopwatch_add(const stopwatch *w, double *wall, double *cpu)
{
    *cpu += seconds_since(CLOCK_PROCESS_CPUTIME_ID, &w->cpu);
    *wall += seconds_since(CLOCK_MONOTONIC, &w->wall);
}

int main(int argc, char **argv)
{
    bool per_rule = argc == 5 && !strcmp(argv[4], "--per-rule");
    if (argc != 4 && !per_rule) {
        fprintf(stderr, "usage: policy_bench PLUGIN.so POLICY_DIR INPUT.jsonl [--per-rule]\n");
        return 2;
    }
    const fwk_plugin_descriptor *desc = open_plugin(argv[1]);
    void *state = desc ? open_engine(desc, argv[2]) : NULL;
    FILE *in = state ? fopen(argv[3], "r") : NULL;
    if (!in) {
        if (state) {
            perror(argv[3]);
            if (desc->fini)
                desc->fini(state);
        }
        return 2;
    }
    counts c = {.rules = json_object()};
    json_t *docs[BATCH];
    double parse_wall = 0, eval_wall = 0, eval_cpu = 0;
    size_t line_number = 0, cap = 0, n = 0;
    char *line = NULL;
    ssize_t length = 0;
    int code = 0;
    struct timespec wall, start;
    clock_gettime(CLOCK_MONOTONIC, &wall);
    while (code == 0 && length >= 0) {
        /* parse a batch */
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (n = 0; n < BATCH && (length = getline(&line, &cap, in)) > 0;) {
            line_number++;
            if (length == 1 && line[0] == '\n')
                continue;
            json_error_t jerr;
            json_t *doc = json_loadb(line, (size_t)length, 0, &jerr);
            if (!json_is_object(doc)) {
                fprintf(stderr, "policy_bench: %s:%zu: %s\n", argv[3], line_number,
                        doc ? "not a JSON object" : jerr.text);
                json_decref(doc);
                code = 2;
                break;
            }
            docs[n++] = doc;
        }
        parse_wall += seconds_since(CLOCK_MONOTONIC, &start);
        /* judge it, then free the decisions: timed by the wall clock and this process's CPU
           time (as the baseline's timed section holds its evaluation and, when the next
           evaluation replaces them, the release of the previous decisions); count them
           between the two, untimed */
        json_t *decisions[BATCH];
        stopwatch watch;
        stopwatch_start(&watch);
        if (code == 0 && judge_batch(desc, state, docs, n, c.documents, decisions) != 0)
            code = 2;
        stopwatch_add(&watch, &eval_wall, &eval_cpu);
        if (code == 0) {
            count_batch(decisions, n, per_rule, &c);
            stopwatch_start(&watch);
            for (size_t i = 0; i < n; i++)
                json_decref(decisions[i]);
            stopwatch_add(&watch, &eval_wall, &eval_cpu);
        }
        c.documents += n;
        for (size_t i = 0; i < n; i++)
            json_decref(docs[i]);
        if (length <= 0)
            break;
    }
    double wall_seconds = seconds_since(CLOCK_MONOTONIC, &wall);
    free(line);
    fclose(in);
    if (desc->fini)
        desc->fini(state);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    json_t *report =
        json_pack("{s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:o, s:f, s:f, s:f, s:f, s:I}", "documents",
                  (json_int_t)c.documents, "decisions", (json_int_t)c.decisions, "effects", "deny",
                  (json_int_t)c.deny, "warn", (json_int_t)c.warn, "allow", (json_int_t)c.allow,
                  "error", (json_int_t)c.error, "rules", c.rules, "parse_seconds", parse_wall,
                  "eval_seconds", eval_wall, "eval_cpu_seconds", eval_cpu, "wall_seconds",
                  wall_seconds, "peak_rss_kib", (json_int_t)usage.ru_maxrss);
    char *text = report ? json_dumps(report, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(report);
    if (!text || puts(text) == EOF)
        code = code ? code : 4;
    free(text);
    return code;
}
