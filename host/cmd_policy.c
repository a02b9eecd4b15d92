/* cmd_policy.c: `fawkes policy eval --input FILE` and `fawkes policy test DIR`: load the
   `policy` plugin, make one instance, and call its evaluate/test functions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fawkes/fwkx.h"
#include "app.h"
#include "commands.h"
#include "exitcode.h"
#include "finding.h"
#include "log.h"
#include "output_internal.h"
#include "run.h"
#include "schema.h"

static const char policy_help[] =
    "usage: fawkes policy eval --input FILE [--policy DIR]... [--fail-on SEVERITY]\n"
    "                          [-o table|json|jsonl]\n"
    "       fawkes policy test DIR [-o table|json|junit]\n"
    "\n"
    "eval: judge every document of FILE (a JSON object, a JSON array of objects, or JSONL;\n"
    "      '-' reads stdin) with the policies under --policy DIR (or, without --policy, those\n"
    "      of the config's first `policy` instance) and print one decision per rule.\n"
    "      Exit: 0 ok; 1 a deny at or above --fail-on (default high); 2 an input or policy\n"
    "      did not load (nothing evaluated); 3 a decision could not be made (error).\n"
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
            app_error("%s", err.text);
        return rc;
    }
    for (size_t i = 0; i < a->cfg->instance_count[CONFIG_POLICIES]; i++) {
        const config_instance *conf = &a->cfg->instances[CONFIG_POLICIES][i];
        if (strcmp(conf->plugin, "policy") != 0)
            continue;
        instance *inst = NULL;
        const char *refusal = NULL;
        if (instance_prepare(a, conf, &inst, &refusal, &err) != 0) {
            app_error("%s", err.text);
            return -1;
        }
        *plugin_config = json_incref(inst->config);
        instance_close(inst);
        return 0;
    }
    app_error("no policies: pass --policy DIR, or -c a config with a `policy` instance under "
              "policies:");
    return -1;
}

static int engine_open(app *a, const strlist *dirs, policy_engine *engine)
{
    memset(engine, 0, sizeof *engine);
    engine->plug = loader_find(&a->plugins, "policy");
    if (!engine->plug || engine->plug->desc->kind != FWK_KIND_POLICY) {
        app_error("the 'policy' plugin is not in the plugin search path; pass --plugin-dir DIR "
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
        app_error("%s", ctx.message ? ctx.message : fwk_strerror(status));
        ctx_finish(&ctx);
        return -1;
    }
    ctx_finish(&ctx);
    return 0;
}

static void engine_close(policy_engine *engine)
{
    if (engine->state && engine->plug->desc->fini)
        engine->plug->desc->fini(engine->state);
    json_decref(engine->config); /* the SDK promises init's config lives until fini */
    engine->config = NULL;
}

/* ---- input ---- */

static char *read_stream(FILE *f, size_t *length)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len + 1 < cap || feof(f))
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    if (buf)
        buf[len] = '\0';
    *length = len;
    return buf;
}

/* Push {"doc", "where"} for every document of the input. */
static int read_documents(const char *path, json_t *docs)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        app_error("--input %s: %s", path, strerror(errno));
        return -1;
    }
    size_t length = 0;
    char *text = read_stream(f, &length);
    if (f != stdin)
        fclose(f);
    if (!text) {
        app_error("--input %s: cannot read the file", path);
        return -1;
    }
    int rc = 0;
    const char *first = text + strspn(text, " \t\r\n");
    json_error_t jerr;
    json_t *whole = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (whole && (json_is_object(whole) || json_is_array(whole))) {
        if (json_is_object(whole)) {
            json_array_append_new(docs,
                                  json_pack("{s:O, s:s+}", "doc", whole, "where", path, "[0]"));
        } else {
            size_t i;
            json_t *item;
            json_array_foreach (whole, i, item) {
                if (!json_is_object(item)) {
                    app_error("--input %s: element %zu is not a JSON object", path, i);
                    rc = -1;
                    break;
                }
                char where[64];
                snprintf(where, sizeof where, "[%zu]", i);
                json_array_append_new(docs,
                                      json_pack("{s:O, s:s+}", "doc", item, "where", path, where));
            }
        }
    } else if (*first == '[' || (whole && !json_is_object(whole))) {
        app_error("%s:%d:%d: invalid JSON input: %s", path, jerr.line, jerr.column,
                  whole ? "expected an object or an array of objects" : jerr.text);
        rc = -1;
    } else {
        char *line = text;
        for (int number = 1; rc == 0 && line && *line; number++) {
            char *next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            if (line[strspn(line, " \t\r")] != '\0') {
                json_t *doc = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
                if (!doc || !json_is_object(doc)) {
                    app_error("%s:%d:%d: invalid JSONL input: %s", path, number,
                              doc ? 1 : jerr.column, doc ? "expected a JSON object" : jerr.text);
                    rc = -1;
                } else {
                    char where[32];
                    snprintf(where, sizeof where, ":%d", number);
                    json_array_append_new(
                        docs, json_pack("{s:o, s:s+}", "doc", doc, "where", path, where));
                }
            }
            line = next;
        }
    }
    json_decref(whole);
    free(text);
    return rc;
}

/* ---- eval ---- */

static void print_decision_row(const json_t *d)
{
    const char *uid = json_string_value(json_object_get(d, "uid"));
    const json_t *exception = json_object_get(d, "exception");
    printf("%-6s %-8s %s.%s  %s  %s", json_string_value(json_object_get(d, "effect")),
           json_string_value(json_object_get(d, "severity")),
           json_string_value(json_object_get(d, "policy")),
           json_string_value(json_object_get(d, "rule")),
           uid ? uid : json_string_value(json_object_get(d, "input")),
           json_string_value(json_object_get(d, "reason")));
    if (exception)
        printf(" [exception %s]", json_string_value(json_object_get(exception, "id")));
    putchar('\n');
}

static int eval_documents(const policy_engine *engine, const cli_args *args, const json_t *docs)
{
    json_t *all = json_array();
    json_t *counts =
        json_pack("{s:i, s:i, s:i, s:i}", "deny", 0, "warn", 0, "allow", 0, "error", 0);
    int worst_deny = -1, code = EXIT_CODE_OK;
    size_t i;
    const json_t *entry;
    json_array_foreach (docs, i, entry) {
        const json_t *doc = json_object_get(entry, "doc");
        fwk_ctx ctx;
        ctx_init(&ctx, NULL, NULL, "evaluate", NULL);
        ctx.resource = doc;
        json_t *decisions = NULL;
        fwk_status status = engine->vt->evaluate(&ctx, engine->state, doc, &decisions);
        if (status != FWK_OK) {
            app_error("%s: %s", json_string_value(json_object_get(entry, "where")),
                      ctx.message ? ctx.message : fwk_strerror(status));
            code = EXIT_CODE_INTERNAL;
        }
        ctx_finish(&ctx);
        size_t k;
        json_t *shared;
        json_array_foreach (decisions, k, shared) {
            /* Decisions may be shared, immutable objects (the policy plugin hands out one
               "allow" object per rule): add the input and uid to a shallow copy. */
            json_t *d = json_copy(shared);
            if (!d) {
                code = EXIT_CODE_INTERNAL;
                break;
            }
            const char *effect = json_string_value(json_object_get(d, "effect"));
            json_object_set(d, "input", json_object_get(entry, "where"));
            const json_t *uid = json_object_get(doc, "uid");
            if (json_is_string(uid))
                json_object_set(d, "uid", (json_t *)uid);
            json_t *count = json_object_get(counts, effect ? effect : "error");
            if (count)
                json_integer_set(count, json_integer_value(count) + 1);
            int rank = severity_rank(json_string_value(json_object_get(d, "severity")));
            if (effect && !strcmp(effect, "deny") && rank > worst_deny)
                worst_deny = rank;
            if (args->format == OUTPUT_JSONL) {
                char *line = json_dumps(d, JSON_COMPACT);
                if (line)
                    puts(line);
                free(line);
            } else if (args->format == OUTPUT_TABLE) {
                print_decision_row(d);
            }
            json_array_append_new(all, d);
        }
        json_decref(decisions);
    }
    json_object_set_new(counts, "documents", json_integer((json_int_t)json_array_size(docs)));
    json_object_set_new(counts, "decisions", json_integer((json_int_t)json_array_size(all)));
    if (args->format == OUTPUT_JSON) {
        json_t *out = json_pack("{s:O, s:O}", "decisions", all, "summary", counts);
        json_dumpf(out, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(out);
    } else if (args->format == OUTPUT_TABLE) {
        printf("%lld documents, %lld decisions: %lld deny, %lld warn, %lld allow, %lld error\n",
               (long long)json_integer_value(json_object_get(counts, "documents")),
               (long long)json_integer_value(json_object_get(counts, "decisions")),
               (long long)json_integer_value(json_object_get(counts, "deny")),
               (long long)json_integer_value(json_object_get(counts, "warn")),
               (long long)json_integer_value(json_object_get(counts, "allow")),
               (long long)json_integer_value(json_object_get(counts, "error")));
    }
    if (code == EXIT_CODE_OK && json_integer_value(json_object_get(counts, "error")) > 0) {
        log_msg(FWK_LOG_WARN, "policy",
                "some decisions could not be made (effect error); see "
                "their reasons");
        code = EXIT_CODE_PARTIAL;
    }
    if (code == EXIT_CODE_OK && strcmp(args->fail_on, "none") != 0 &&
        worst_deny >= severity_rank(args->fail_on))
        code = EXIT_CODE_FINDINGS;
    json_decref(all);
    json_decref(counts);
    return code;
}

static int cmd_policy_eval(app *a, const cli_args *args)
{
    if (!args->input) {
        app_error("policy eval needs --input FILE (JSON or JSONL documents)");
        return EXIT_CODE_USAGE;
    }
    if (args->format == OUTPUT_SARIF || args->format == OUTPUT_JUNIT) {
        app_error("policy eval writes table, json or jsonl, not %s",
                  output_format_name(args->format));
        return EXIT_CODE_USAGE;
    }
    json_t *docs = json_array();
    policy_engine engine;
    int code = EXIT_CODE_USAGE;
    if (read_documents(args->input, docs) == 0 &&
        engine_open(a, &args->policy_dirs, &engine) == 0) {
        code = eval_documents(&engine, args, docs);
        engine_close(&engine);
    }
    json_decref(docs);
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
        app_error("policy test needs one directory: fawkes policy test DIR");
        return EXIT_CODE_USAGE;
    }
    if (args->format == OUTPUT_SARIF) {
        app_error("policy test writes table, json, jsonl or junit, not sarif");
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
        app_error("the policy plugin offers no test function");
        engine_close(&engine);
        return EXIT_CODE_USAGE;
    }
    fwk_ctx ctx;
    ctx_init(&ctx, NULL, NULL, "test", NULL);
    json_t *report = NULL;
    fwk_status status = engine.vt->test(&ctx, engine.state, dir, &report);
    int code = EXIT_CODE_USAGE;
    if (status != FWK_OK) {
        app_error("%s", ctx.message ? ctx.message : fwk_strerror(status));
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
        app_error("policy eval takes no positional arguments; pass --input FILE");
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
