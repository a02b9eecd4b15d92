/* cmd_policy.c: `fawkes policy eval --input FILE` and `fawkes policy test DIR`: load the
   `policy` plugin, make an instance (one per thread for eval, which streams the input
   through policy_eval_*.c), and call its evaluate/test functions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fawkes/fwkx.h"
#include "app.h"
#include "commands.h"
#include "exitcode.h"
#include "finding.h"
#include "log.h"
#include "output_internal.h"
#include "policy_eval.h"
#include "run.h"
#include "schema.h"

static const char policy_help[] =
    "usage: fawkes policy eval --input FILE [--policy DIR]... [--fail-on SEVERITY]\n"
    "                          [-o table|json|jsonl] [--jobs N]\n"
    "       fawkes policy test DIR [-o table|json|junit]\n"
    "\n"
    "eval: judge every document of FILE (JSONL: one object per line; a JSON array of\n"
    "      objects; or one JSON object; '-' reads stdin) with the policies under --policy\n"
    "      DIR (or, without --policy, those of the config's first `policy` instance) and\n"
    "      print one decision per rule as each document is judged (memory stays flat).\n"
    "      A regular JSONL file is judged in byte ranges on --jobs threads (default 8, at\n"
    "      most one per CPU): decisions then come in a different order from run to run;\n"
    "      the counts and the exit code do not change. Nothing is printed unless FILE\n"
    "      opens and its first document parses. A later document that does not parse (or\n"
    "      is no object) is named on stderr as FILE:LINE:COLUMN, counted as invalid and\n"
    "      skipped, and the rest is judged (in an array, a syntax error ends the input).\n"
    "      Exit: 0 ok; 1 a deny at or above --fail-on (default high); 2 FILE did not open,\n"
    "      is empty or its first document did not parse, or a policy did not load (nothing\n"
    "      evaluated); 3 a decision could not be made (error) or a document was invalid\n"
    "      (wins over 1); 4 stdout could not be written.\n"
    "test: load the policies, exceptions and PolicyTest files under DIR, run every case and\n"
    "      list the rules no case expects to fail. Exit: 0 all passed; 1 a case failed;\n"
    "      2 a policy or test did not load, or DIR holds no tests.\n"
    "The language: docs/policy.md.\n";

/* One loaded plugin instance. */
typedef struct policy_engine {
    const plugin *plug;
    const fwk_policy_vtable *vt;
    void *state;
    json_t *config; /* what init was given: kept until fini has returned (owned) */
} policy_engine;

/* Build the plugin config: {paths: dirs} from --policy/DIR, else the config's instance. */
static int engine_config(app *a, const strlist *dirs, json_t **plugin_config)
{
    diag err = {{0}};
    const plugin *plug = loader_find(&a->plugins, "policy");
    if (dirs->count) {
        json_t *input = json_object(), *paths = json_array();
        for (size_t i = 0; i < dirs->count; i++)
            json_array_append_new(paths, json_string(dirs->items[i]));
        json_object_set_new(input, "paths", paths);
        int rc = schema_apply(plug->desc->options, input, NULL, "", plugin_config, &err);
        json_decref(input);
        if (rc != 0)
            log_user_error("%s", err.text);
        return rc;
    }
    for (size_t i = 0; i < a->cfg->instance_count[CONFIG_POLICIES]; i++) {
        const config_instance *conf = &a->cfg->instances[CONFIG_POLICIES][i];
        if (strcmp(conf->plugin, "policy") != 0)
            continue;
        instance *inst = NULL;
        const char *refusal = NULL;
        if (instance_prepare(&a->engine, conf, &inst, &refusal, &err) != 0) {
            log_user_error("%s", err.text);
            return -1;
        }
        *plugin_config = json_incref(inst->config);
        instance_close(inst);
        return 0;
    }
    log_user_error("no policies: pass --policy DIR, or -c a config with a `policy` instance under "
                   "policies:");
    return -1;
}

static int engine_open(app *a, const strlist *dirs, policy_engine *engine)
{
    memset(engine, 0, sizeof *engine);
    engine->plug = loader_find(&a->plugins, "policy");
    if (!engine->plug || engine->plug->desc->kind != FWK_KIND_POLICY) {
        log_user_error(
            "the 'policy' plugin is not in the plugin search path; pass --plugin-dir DIR "
            "(build/plugins in a build tree)");
        return -1;
    }
    engine->vt = engine->plug->desc->vtable;
    if (engine_config(a, dirs, &engine->config) != 0)
        return -1;
    fwk_ctx ctx;
    ctx_init(&ctx, NULL, NULL, "init", NULL);
    fwk_status status =
        engine->plug->desc->init(host_services(), &ctx, engine->config, &engine->state);
    if (status != FWK_OK) {
        json_decref(engine->config);
        engine->config = NULL;
        log_user_error("%s", ctx.message ? ctx.message : fwk_strerror(status));
        ctx_finish(&ctx);
        return -1;
    }
    ctx_finish(&ctx);
    return 0;
}

/* One more instance of an open engine, with the same config (one per thread of `policy
   eval`). Returns 0, or -1 (said on stderr). Free with fini. */
static int engine_instance(const policy_engine *engine, void **state)
{
    fwk_ctx ctx;
    ctx_init(&ctx, NULL, NULL, "init", NULL);
    fwk_status status = engine->plug->desc->init(host_services(), &ctx, engine->config, state);
    if (status != FWK_OK)
        log_msg(FWK_LOG_WARN, "policy",
                "a second instance of the policy plugin did not start (%s); judging on fewer "
                "threads",
                ctx.message ? ctx.message : fwk_strerror(status));
    ctx_finish(&ctx);
    return status == FWK_OK ? 0 : -1;
}

static void engine_close(policy_engine *engine)
{
    if (engine->state && engine->plug->desc->fini)
        engine->plug->desc->fini(engine->state);
    json_decref(engine->config); /* the SDK promises init's config lives until fini */
    engine->config = NULL;
}

/* ---- eval ---- */

/* Worker threads for one file: --jobs (default 8), never more than the CPUs online, since
   judging is CPU-bound. */
static int eval_workers(const cli_args *args)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int jobs = args->jobs > 0 ? args->jobs : 1;
    return cpus > 0 && cpus < jobs ? (int)cpus : jobs;
}

static int cmd_policy_eval(app *a, const cli_args *args)
{
    if (!args->input) {
        log_user_error("policy eval needs --input FILE (JSON or JSONL documents)");
        return EXIT_CODE_USAGE;
    }
    if (args->format == OUTPUT_SARIF || args->format == OUTPUT_JUNIT) {
        log_user_error("policy eval writes table, json or jsonl, not %s",
                       output_format_name(args->format));
        return EXIT_CODE_USAGE;
    }
    /* Nothing is written before the input's first document parsed and the policies
       loaded: either failing is exit 2 with an empty stdout. */
    peval_input *in = NULL;
    if (peval_input_open(args->input, &in) != 0)
        return EXIT_CODE_USAGE;
    policy_engine engine;
    if (engine_open(a, &args->policy_dirs, &engine) != 0) {
        peval_input_close(in);
        return EXIT_CODE_USAGE;
    }
    /* one plugin instance per thread (see peval_input_run) */
    int threads = peval_input_threads(in, eval_workers(args));
    peval_engine engines[256] = {{.vt = engine.vt, .state = engine.state}};
    size_t engine_count = 1;
    while (engine_count < (size_t)threads &&
           engine_instance(&engine, &engines[engine_count].state) == 0)
        engines[engine_count++].vt = engine.vt;
    peval_sink sink;
    int run_rc = -1;
    if (peval_sink_open(&sink, stdout, args->format) == 0)
        run_rc = peval_input_run(in, engines, engine_count, &sink);
    int write_rc = peval_sink_close(&sink);
    peval_input_close(in);
    for (size_t i = 1; i < engine_count; i++)
        if (engine.plug->desc->fini)
            engine.plug->desc->fini(engines[i].state);
    engine_close(&engine);

    const peval_counts *t = &sink.totals;
    if (write_rc != 0 && !app_reader_gone(sink.write_errno)) {
        log_user_error("cannot write the decisions to stdout: %s; they are incomplete",
                       strerror(sink.write_errno));
        return EXIT_CODE_INTERNAL;
    }
    if (t->internal)
        return EXIT_CODE_INTERNAL;
    int code = EXIT_CODE_OK;
    if (t->invalid) {
        char named[64] = "named above";
        if (t->invalid > PEVAL_REPORT_MAX)
            snprintf(named, sizeof named, "the first %d are named above", PEVAL_REPORT_MAX);
        log_user_error("%llu document%s of %s could not be read and %s not judged (%s): fix or "
                       "remove %s; the other %llu %s judged",
                       (unsigned long long)t->invalid, t->invalid == 1 ? "" : "s", args->input,
                       t->invalid == 1 ? "was" : "were", named, t->invalid == 1 ? "it" : "them",
                       (unsigned long long)t->documents, t->documents == 1 ? "was" : "were");
        code = EXIT_CODE_PARTIAL;
    }
    if (run_rc != 0)
        code = EXIT_CODE_PARTIAL;
    if (t->error) {
        log_msg(FWK_LOG_WARN, "policy",
                "some decisions could not be made (effect error); see their reasons");
        code = EXIT_CODE_PARTIAL;
    }
    if (code == EXIT_CODE_OK && strcmp(args->fail_on, "none") != 0 &&
        t->worst_deny >= severity_rank(args->fail_on))
        code = EXIT_CODE_FINDINGS;
    return code;
}

/* ---- test ---- */

static void xml_put(FILE *f, const char *text)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    while (*s) {
        uint32_t cp;
        size_t len = output_utf8_next(s, &cp);
        if (cp == '&')
            fputs("&amp;", f);
        else if (cp == '<')
            fputs("&lt;", f);
        else if (cp == '>')
            fputs("&gt;", f);
        else if (cp == '"')
            fputs("&quot;", f);
        else if (cp == '\n')
            fputs("&#10;", f);
        else if (cp == 0x9 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
                 (cp >= 0x10000 && cp <= 0x10ffff))
            fwrite(s, 1, len, f);
        s += len;
    }
}

static void print_junit(const json_t *report)
{
    const json_t *cases = json_object_get(report, "cases");
    printf(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites>\n<testsuite name=\"fawkes policy test\" tests=\"%zu\" failures=\"%lld\">\n",
        json_array_size(cases), (long long)json_integer_value(json_object_get(report, "failed")));
    size_t i;
    const json_t *c;
    json_array_foreach (cases, i, c) {
        fputs("  <testcase classname=\"", stdout);
        xml_put(stdout, json_string_value(json_object_get(c, "file")));
        fputs("\" name=\"", stdout);
        xml_put(stdout, json_string_value(json_object_get(c, "name")));
        if (!strcmp(json_string_value(json_object_get(c, "status")), "pass")) {
            fputs("\"/>\n", stdout);
            continue;
        }
        fputs("\">\n    <failure message=\"", stdout);
        xml_put(stdout, json_string_value(json_object_get(c, "message")));
        fputs("\"/>\n  </testcase>\n", stdout);
    }
    const json_t *uncovered = json_object_get(report, "uncovered");
    if (json_array_size(uncovered)) {
        fputs("  <system-out>uncovered rules:", stdout);
        json_array_foreach (uncovered, i, c) {
            putchar(' ');
            xml_put(stdout, json_string_value(c));
        }
        fputs("</system-out>\n", stdout);
    }
    fputs("</testsuite>\n</testsuites>\n", stdout);
}

static void print_test_table(const json_t *report)
{
    size_t i;
    const json_t *c;
    json_array_foreach (json_object_get(report, "cases"), i, c) {
        bool pass = !strcmp(json_string_value(json_object_get(c, "status")), "pass");
        printf("%s  %s", pass ? "PASS" : "FAIL", json_string_value(json_object_get(c, "name")));
        if (!pass)
            printf("\n      %s:%lld: %s", json_string_value(json_object_get(c, "file")),
                   (long long)json_integer_value(json_object_get(c, "line")),
                   json_string_value(json_object_get(c, "message")));
        putchar('\n');
    }
    const json_t *uncovered = json_object_get(report, "uncovered");
    if (json_array_size(uncovered)) {
        printf("uncovered rules (no case expects them to fail):");
        json_array_foreach (uncovered, i, c)
            printf(" %s", json_string_value(c));
        putchar('\n');
    }
    printf("%lld passed, %lld failed, %zu rules uncovered\n",
           (long long)json_integer_value(json_object_get(report, "passed")),
           (long long)json_integer_value(json_object_get(report, "failed")),
           json_array_size(uncovered));
}

static int cmd_policy_test(app *a, const cli_args *args)
{
    if (args->words.count != 2) {
        log_user_error("policy test needs one directory: fawkes policy test DIR");
        return EXIT_CODE_USAGE;
    }
    if (args->format == OUTPUT_SARIF) {
        log_user_error("policy test writes table, json, jsonl or junit, not sarif");
        return EXIT_CODE_USAGE;
    }
    const char *dir = args->words.items[1];
    strlist dirs = {0};
    strlist_push(&dirs, dir);
    for (size_t i = 0; i < args->policy_dirs.count; i++)
        strlist_push(&dirs, args->policy_dirs.items[i]);
    policy_engine engine;
    int rc = engine_open(a, &dirs, &engine);
    strlist_clear(&dirs);
    if (rc != 0)
        return EXIT_CODE_USAGE;
    if (!FWK_VTABLE_HAS(engine.vt, test)) {
        log_user_error("the policy plugin offers no test function");
        engine_close(&engine);
        return EXIT_CODE_USAGE;
    }
    fwk_ctx ctx;
    ctx_init(&ctx, NULL, NULL, "test", NULL);
    json_t *report = NULL;
    fwk_status status = engine.vt->test(&ctx, engine.state, dir, &report);
    int code = EXIT_CODE_USAGE;
    if (status != FWK_OK) {
        log_user_error("%s", ctx.message ? ctx.message : fwk_strerror(status));
    } else {
        if (args->format == OUTPUT_JUNIT)
            print_junit(report);
        else if (args->format == OUTPUT_JSON || args->format == OUTPUT_JSONL) {
            json_dumpf(report, stdout, args->format == OUTPUT_JSON ? JSON_INDENT(2) : JSON_COMPACT);
            putchar('\n');
        } else
            print_test_table(report);
        code = json_integer_value(json_object_get(report, "failed")) ? EXIT_CODE_FINDINGS
                                                                     : EXIT_CODE_OK;
    }
    ctx_finish(&ctx);
    json_decref(report);
    engine_close(&engine);
    return code;
}

int cmd_policy(const cli_args *args)
{
    if (args->help) {
        fputs(policy_help, stdout);
        return EXIT_CODE_OK;
    }
    const char *sub = args->words.count ? args->words.items[0] : NULL;
    if (!sub || (strcmp(sub, "eval") && strcmp(sub, "test"))) {
        fputs(policy_help, stderr);
        return EXIT_CODE_USAGE;
    }
    if (!strcmp(sub, "eval") && args->words.count != 1) {
        log_user_error("policy eval takes no positional arguments; pass --input FILE");
        return EXIT_CODE_USAGE;
    }
    app a;
    int code = app_open(&a, args, APP_LOAD_PLUGINS);
    if (code != EXIT_CODE_OK)
        return code;
    code = !strcmp(sub, "eval") ? cmd_policy_eval(&a, args) : cmd_policy_test(&a, args);
    fflush(stdout);
    app_close(&a);
    return code;
}
