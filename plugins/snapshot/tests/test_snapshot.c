/* test_snapshot.c: unit tests of the snapshot provider against the fake host
   (tests/support/fawkes_fake_host.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fawkes_fake_host.h"

/* What the fake host's emit_resource refuses: the resource with this uid (NULL: none), after
   removing the file `remove_first` (NULL: none; the reader has it open). */
typedef struct reject_rule {
    const char *uid;
    const char *remove_first;
} reject_rule;

static fwk_status reject_hook(fwk_ctx *ctx, int is_finding, const json_t *value, void *arg)
{
    const reject_rule *rule = arg;
    const char *uid = json_string_value(json_object_get(value, "uid"));

    (void)ctx;
    if (is_finding || !rule->uid || !uid || strcmp(uid, rule->uid) != 0)
        return FWK_OK;
    if (rule->remove_first)
        assert_int_equal(unlink(rule->remove_first), 0);
    return FWK_ERROR;
}

/* From now on the host refuses the resource `uid`, first removing `remove_first` if not NULL. */
static void reject(fwk_ctx *ctx, const char *uid, const char *remove_first)
{
    static reject_rule rule;

    rule.uid = uid;
    rule.remove_first = remove_first;
    fake_host_on_emit(ctx, reject_hook, &rule);
}

static const char *failure(fwk_ctx *ctx)
{
    return fake_host_failure(ctx);
}

static json_t *emitted(fwk_ctx *ctx)
{
    return fake_host_resources(ctx);
}

static json_t *logs(fwk_ctx *ctx)
{
    return fake_host_logs(ctx);
}

/* ---- fixtures: every test runs in a fresh temporary directory ---- */

static char test_dir[64];
static char old_cwd[4096];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(test_dir, sizeof(test_dir), "/tmp/fawkes-snapshot-XXXXXX");
    if (!getcwd(old_cwd, sizeof(old_cwd)) || !mkdtemp(test_dir) || chdir(test_dir) != 0)
        return -1;
    return mkdir("examples", 0755);
}

static int teardown(void **state)
{
    (void)state;
    if (chdir(old_cwd) != 0)
        return -1;
    return nftw(test_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void *make_instance(fwk_ctx *ctx, const char *config_text)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();
    json_t *config = json_loads(config_text, 0, NULL);
    void *instance = NULL;

    assert_non_null(config);
    assert_int_equal(desc->init(fake_host(), ctx, config, &instance), FWK_OK);
    json_decref(config);
    return instance;
}

static fwk_status plan(fwk_ctx *ctx, void *instance, const char *request_text, json_t **tasks)
{
    const fwk_provider_vtable *vt = fawkes_plugin_describe()->vtable;
    json_t *request =
        json_loads(request_text ? request_text : "{\"kinds\": null, \"regions\": null}", 0, NULL);
    fwk_status status;

    assert_non_null(request);
    status = vt->plan_tasks(ctx, instance, request, tasks);
    json_decref(request);
    return status;
}

/* Plan with `config_text` and run every task; the worst status (first non-OK) wins. */
static fwk_status run_all(fwk_ctx *ctx, const char *config_text, const char *request_text)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();
    const fwk_provider_vtable *vt = desc->vtable;
    void *instance = make_instance(ctx, config_text);
    json_t *tasks = NULL, *task;
    fwk_status status, worst = FWK_OK;
    size_t i;

    status = plan(ctx, instance, request_text, &tasks);
    assert_int_equal(status, FWK_OK);
    json_array_foreach (tasks, i, task) {
        status = vt->run_task(ctx, instance, task);
        if (worst == FWK_OK)
            worst = status;
    }
    json_decref(tasks);
    desc->fini(instance);
    return worst;
}

static const char *emitted_uid(fwk_ctx *ctx, size_t i)
{
    return json_string_value(json_object_get(json_array_get(emitted(ctx), i), "uid"));
}

static const char *log_line(fwk_ctx *ctx, size_t i)
{
    return fake_host_log_line(ctx, i);
}

#define RES(uid, kind) "{\"uid\": \"" uid "\", \"provider\": \"aws\", \"kind\": \"" kind "\"}"

/* ---- tests ---- */

static void test_descriptor(void **state)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();
    const fwk_provider_vtable *vt = desc->vtable;

    (void)state;
    assert_int_equal(desc->magic, FWK_PLUGIN_MAGIC);
    assert_int_equal(desc->kind, FWK_KIND_PROVIDER);
    assert_string_equal(desc->name, "snapshot");
    assert_string_equal(desc->options[0].name, "paths");
    assert_true(desc->options[0].flags & FWK_OPT_REQUIRED);
    assert_string_equal(desc->options[1].name, "strict");
    assert_string_equal(desc->options[1].default_json, "false");
    assert_string_equal(desc->options[2].name, "chunk_size");
    assert_int_equal(desc->options[2].type, FWK_OPT_SIZE);
    assert_string_equal(desc->options[2].default_json, "\"8MiB\"");
    assert_true(desc->options[2].flags & FWK_OPT_HAS_RANGE);
    assert_true(desc->options[2].min == 65536.0 && desc->options[2].max == 1073741824.0);
    assert_null(desc->options[3].name);
    assert_non_null(vt->plan_tasks);
    assert_non_null(vt->run_task);
}

static void test_jsonl_with_blank_lines(void **state)
{
    fwk_ctx *ctx;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/a.jsonl",
               "\n" RES("u1", "compute.instance") "\n   \n"
                                                  "\t" RES("u2", "storage.bucket") "\r\n\n" RES(
                                                      "u3", "iam.policy"));
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/a.jsonl\"]}", NULL), FWK_OK);
    assert_int_equal(json_array_size(emitted(ctx)), 3);
    assert_string_equal(emitted_uid(ctx, 0), "u1");
    assert_string_equal(emitted_uid(ctx, 1), "u2");
    assert_string_equal(emitted_uid(ctx, 2), "u3");
    assert_int_equal(json_array_size(logs(ctx)), 0);
    assert_int_equal(fake_host_counter(ctx, "records_read"), 3);
    fake_host_ctx_free(ctx);
}

static void test_jsonl_lines_read_as_jansson_reads_them(void **state)
{
    fwk_ctx *ctx;
    json_t *first, *second;

    (void)state;
    ctx = fake_host_ctx_new();
    /* a repeated key (the fast parser leaves it to jansson: the last one wins, as before) and
       escapes (decoded by the fast parser) */
    write_file("examples/a.jsonl",
               "{\"uid\": \"u1\", \"provider\": \"aws\", \"kind\": \"compute.instance\", "
               "\"name\": \"first\", \"name\": \"second\"}\n"
               "{\"uid\": \"u2\", \"provider\": \"aws\", \"kind\": \"compute.instance\", "
               "\"name\": \"caf\\u00e9 \\\"q\\\" \\ud83d\\ude00\", \"size\": 1e2, \"n\": -0}\n");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/a.jsonl\"]}", NULL), FWK_OK);
    assert_int_equal(json_array_size(emitted(ctx)), 2);
    first = json_array_get(emitted(ctx), 0);
    second = json_array_get(emitted(ctx), 1);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "second");
    assert_string_equal(json_string_value(json_object_get(second, "name")),
                        "caf\xc3\xa9 \"q\" \xf0\x9f\x98\x80");
    assert_true(json_is_real(json_object_get(second, "size")));
    assert_true(json_real_value(json_object_get(second, "size")) == 100.0);
    assert_true(json_is_integer(json_object_get(second, "n")));
    fake_host_ctx_free(ctx);
}

static void test_json_array(void **state)
{
    fwk_ctx *ctx;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/a.json",
               "[\n " RES("u1", "compute.instance") ",\n " RES("u2", "network.firewall") "\n]\n");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/a.json\"]}", NULL), FWK_OK);
    assert_int_equal(json_array_size(emitted(ctx)), 2);
    assert_string_equal(emitted_uid(ctx, 1), "u2");
    fake_host_ctx_free(ctx);
}

static void test_json_inventory_object(void **state)
{
    fwk_ctx *ctx;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/inv.json",
               "{\"command\": \"inventory\", \"partial\": true, "
               "\"resources\": [" RES("u1", "storage.bucket") "], \"failures\": []}");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/inv.json\"]}", NULL), FWK_OK);
    assert_int_equal(json_array_size(emitted(ctx)), 1);
    assert_string_equal(emitted_uid(ctx, 0), "u1");
    assert_int_equal(json_array_size(logs(ctx)), 1);
    assert_string_equal(log_line(ctx, 0),
                        "warn: examples/inv.json: this inventory was saved "
                        "from a partial run (\"partial\": true): some resources may be missing");
    fake_host_ctx_free(ctx);

    ctx = fake_host_ctx_new();
    write_file("examples/empty.json", "{\"resources\": []}");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/empty.json\"]}", NULL), FWK_OK);
    assert_int_equal(json_array_size(emitted(ctx)), 0);
    assert_int_equal(json_array_size(logs(ctx)), 0);
    fake_host_ctx_free(ctx);
}

static void test_json_bad_documents(void **state)
{
    fwk_ctx *ctx;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/broken.json", "[\n" RES("u1", "storage.bucket") ",\n oops]\n");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/broken.json\"]}", NULL), FWK_ERROR);
    assert_int_equal(strncmp(failure(ctx), "examples/broken.json:3:", 23), 0);
    assert_non_null(strstr(failure(ctx), "invalid JSON: "));
    assert_int_equal(json_array_size(emitted(ctx)), 0);
    fake_host_ctx_free(ctx);

    ctx = fake_host_ctx_new();
    write_file("examples/shape.json", "{\"items\": []}");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/shape.json\"]}", NULL), FWK_ERROR);
    assert_string_equal(failure(ctx),
                        "examples/shape.json: expected a JSON array of resources or an "
                        "object with \"resources\": [...] (as `fawkes inventory -o json` writes), "
                        "got an object without a \"resources\" array");
    fake_host_ctx_free(ctx);
}

static void test_json_bad_element(void **state)
{
    fwk_ctx *ctx;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file(
        "examples/inv.json",
        "{\"resources\": [" RES(
            "u1", "storage.bucket") ", "
                                    "{\"uid\": \"u2\", \"provider\": \"gcp\", \"kind\": 7}, " RES(
                                        "u3", "storage.bucket") "]}");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/inv.json\"]}", NULL), FWK_PARTIAL);
    assert_int_equal(json_array_size(emitted(ctx)), 2);
    assert_string_equal(failure(ctx), "examples/inv.json: 1 record skipped (first at resources[1]: "
                                      "\"kind\" is not a string (got a number))");
    assert_string_equal(log_line(ctx, 0), "warn: examples/inv.json: resources[1]: skipped: "
                                          "\"kind\" is not a string (got a number)");
    fake_host_ctx_free(ctx);
}

static void test_bad_lines_partial(void **state)
{
    fwk_ctx *ctx;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file(
        "examples/a.jsonl",
        RES("u1", "compute.instance") "\n"
                                      "{\"provider\": \"aws\", \"kind\": \"compute.instance\"}\n"
                                      "\n"
                                      "  {\"uid\": \"u3\", \"provider\": \"aws\", \n"
                                      "[1, 2]\n"
                                      "{\"uid\": \"u5\", \"provider\": \"aws\", \"kind\": \"x\", "
                                      "\"labels\": {\"a\": 1}}\n" RES("u6", "storage.bucket") "\n");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/a.jsonl\"]}", NULL), FWK_PARTIAL);
    assert_int_equal(json_array_size(emitted(ctx)), 2);
    assert_string_equal(emitted_uid(ctx, 0), "u1");
    assert_string_equal(emitted_uid(ctx, 1), "u6");
    assert_string_equal(failure(ctx),
                        "examples/a.jsonl: 4 records skipped (first at line 2: missing \"uid\")");
    assert_int_equal(json_array_size(logs(ctx)), 4);
    assert_string_equal(log_line(ctx, 0), "warn: examples/a.jsonl:2: skipped: missing \"uid\"");
    assert_int_equal(
        strncmp(log_line(ctx, 1), "warn: examples/a.jsonl:4: skipped: invalid JSON at column ", 57),
        0);
    assert_string_equal(log_line(ctx, 2),
                        "warn: examples/a.jsonl:5: skipped: not a JSON object (got an array)");
    assert_string_equal(log_line(ctx, 3), "warn: examples/a.jsonl:6: skipped: labels.a is not "
                                          "a string (got a number)");
    assert_int_equal(fake_host_counter(ctx, "skipped_records"), 4);
    fake_host_ctx_free(ctx);
}

static void test_warnings_capped(void **state)
{
    fwk_ctx *ctx;
    FILE *f;
    int i;

    (void)state;
    ctx = fake_host_ctx_new();
    f = fopen("examples/many.jsonl", "w");
    assert_non_null(f);
    for (i = 0; i < 13; i++)
        fprintf(f, "{\"uid\": \"u%d\", \"kind\": \"x\"}\n", i);
    fclose(f);
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/many.jsonl\"]}", NULL), FWK_PARTIAL);
    assert_int_equal(json_array_size(logs(ctx)), 11);
    assert_string_equal(log_line(ctx, 9),
                        "warn: examples/many.jsonl:10: skipped: missing \"provider\"");
    assert_string_equal(log_line(ctx, 10), "warn: examples/many.jsonl: 3 more bad records "
                                           "skipped (only the first 10 are logged)");
    assert_string_equal(failure(ctx), "examples/many.jsonl: 13 records skipped (first at line 1: "
                                      "missing \"provider\")");
    fake_host_ctx_free(ctx);
}

static void test_strict(void **state)
{
    fwk_ctx *ctx;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file(
        "examples/a.jsonl",
        RES("u1", "compute.instance") "\n"
                                      "\"just a string\"\n" RES("u3", "compute.instance") "\n");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/a.jsonl\"], \"strict\": true}", NULL),
                     FWK_ERROR);
    assert_int_equal(json_array_size(emitted(ctx)), 1);
    assert_string_equal(failure(ctx), "examples/a.jsonl:2: not a JSON object (got a string) "
                                      "(strict: true stops at the first bad record; fix it, or set "
                                      "strict: false to skip bad records)");
    assert_int_equal(json_array_size(logs(ctx)), 0);
    fake_host_ctx_free(ctx);
}

static void test_kinds_and_regions_filter(void **state)
{
    fwk_ctx *ctx;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/a.jsonl",
               "{\"uid\": \"b1\", \"provider\": \"aws\", \"kind\": \"storage.bucket\", "
               "\"region\": \"eu-west-2\"}\n"
               "{\"uid\": \"i1\", \"provider\": \"aws\", \"kind\": \"compute.instance\", "
               "\"region\": \"eu-west-2\"}\n"
               "{\"uid\": \"b2\", \"provider\": \"aws\", \"kind\": \"storage.bucket\", "
               "\"region\": \"us-east-1\"}\n"
               "{\"uid\": \"p1\", \"provider\": \"aws\", \"kind\": \"iam.policy\", "
               "\"region\": null}\n");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/a.jsonl\"]}",
                             "{\"kinds\": [\"storage.bucket\"], \"regions\": null}"),
                     FWK_OK);
    assert_int_equal(json_array_size(emitted(ctx)), 2);
    assert_string_equal(emitted_uid(ctx, 0), "b1");
    assert_string_equal(emitted_uid(ctx, 1), "b2");
    fake_host_ctx_free(ctx);

    ctx = fake_host_ctx_new();
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/a.jsonl\"]}",
                             "{\"kinds\": [\"storage.bucket\", \"iam.policy\"], "
                             "\"regions\": [\"us-east-1\"]}"),
                     FWK_OK);
    assert_int_equal(json_array_size(emitted(ctx)), 2);
    assert_string_equal(emitted_uid(ctx, 0), "b2");
    assert_string_equal(emitted_uid(ctx, 1), "p1");
    fake_host_ctx_free(ctx);
}

static void test_missing_path(void **state)
{
    fwk_ctx *ctx;
    void *instance;
    json_t *tasks = NULL;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/a.jsonl", RES("u1", "compute.instance") "\n");
    instance = make_instance(ctx, "{\"paths\": [\"examples/a.jsonl\", \"examples/nope.jsonl\"]}");
    assert_int_equal(plan(ctx, instance, NULL, &tasks), FWK_ERROR);
    assert_null(tasks);
    assert_string_equal(failure(ctx), "paths[1]: examples/nope.jsonl: no such file or directory");
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

static void test_directory_listing(void **state)
{
    fwk_ctx *ctx;
    void *instance;
    json_t *tasks = NULL;

    (void)state;
    ctx = fake_host_ctx_new();
    assert_int_equal(mkdir("examples/demo", 0755), 0);
    write_file("examples/demo/b.jsonl", RES("b", "compute.instance") "\n");
    write_file("examples/demo/a.json", "[" RES("a", "compute.instance") "]");
    write_file("examples/demo/c.txt", "not a snapshot");
    write_file("examples/demo/.hidden.json", "[]");
    write_file("examples/demo/d.json.bak", "[]");
    instance = make_instance(ctx, "{\"paths\": [\"examples/demo\", \"examples/demo/a.json\"]}");
    assert_int_equal(
        plan(ctx, instance, "{\"kinds\": [\"compute.instance\"], \"regions\": null}", &tasks),
        FWK_OK);
    assert_int_equal(json_array_size(tasks), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tasks, 0), "name")),
                        "examples/demo/a.json");
    assert_string_equal(json_string_value(json_object_get(json_array_get(tasks, 1), "path")),
                        "examples/demo/b.jsonl");
    assert_true(json_is_array(json_object_get(json_array_get(tasks, 0), "kinds")));
    assert_null(json_object_get(json_array_get(tasks, 0), "regions"));
    json_decref(tasks);
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);

    ctx = fake_host_ctx_new();
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/demo/\"]}", NULL), FWK_OK);
    assert_int_equal(json_array_size(emitted(ctx)), 2);
    assert_string_equal(emitted_uid(ctx, 0), "a");
    assert_string_equal(emitted_uid(ctx, 1), "b");
    fake_host_ctx_free(ctx);
}

static void test_empty_directory_warns(void **state)
{
    fwk_ctx *ctx;

    (void)state;
    ctx = fake_host_ctx_new();
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples\"]}", NULL), FWK_OK);
    assert_int_equal(json_array_size(emitted(ctx)), 0);
    assert_string_equal(log_line(ctx, 0), "warn: paths[0]: examples: no *.json or *.jsonl "
                                          "files in this directory; nothing to read");
    fake_host_ctx_free(ctx);
}

static void test_cancelled(void **state)
{
    fwk_ctx *ctx;
    FILE *f;
    int i;

    (void)state;
    ctx = fake_host_ctx_new();
    f = fopen("examples/big.jsonl", "w");
    assert_non_null(f);
    for (i = 0; i < 2500; i++)
        fprintf(f, "{\"uid\": \"u%d\", \"provider\": \"civo\", \"kind\": \"compute.volume\"}\n", i);
    fclose(f);
    fake_host_cancel_after(ctx, 2);
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/big.jsonl\"]}", NULL), FWK_CANCELLED);
    assert_int_equal(fake_host_cancel_calls(ctx), 2);
    assert_int_equal(json_array_size(emitted(ctx)), 1999);
    assert_string_equal(failure(ctx), "examples/big.jsonl: cancelled after 1999 records");
    fake_host_ctx_free(ctx);
}

static void test_host_rejects_record(void **state)
{
    fwk_ctx *ctx;

    (void)state;
    ctx = fake_host_ctx_new();
    reject(ctx, "u2", NULL);
    write_file("examples/a.jsonl",
               RES("u1", "compute.instance") "\n" RES("u2", "compute.instance") "\n" RES(
                   "u3", "compute.instance") "\n");
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples/a.jsonl\"]}", NULL), FWK_PARTIAL);
    assert_int_equal(json_array_size(emitted(ctx)), 2);
    assert_string_equal(failure(ctx), "examples/a.jsonl: 1 record skipped (first at line 2: "
                                      "rejected by the host (see the run's failures))");
    fake_host_ctx_free(ctx);
}

static void test_init_rejects_bad_config(void **state)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();
    fwk_ctx *ctx;
    void *instance = (void *)1;
    json_t *config = json_pack("{s:[]}", "paths");

    (void)state;
    ctx = fake_host_ctx_new();
    assert_int_equal(desc->init(fake_host(), ctx, config, &instance), FWK_ERROR);
    assert_null(instance);
    assert_string_equal(failure(ctx), "paths: expected a non-empty list of files or directories, "
                                      "e.g. paths: [examples/demo/aws.jsonl]");
    json_decref(config);
    config = json_pack("{s:[s,i]}", "paths", "a.jsonl", 3);
    assert_int_equal(desc->init(fake_host(), ctx, config, &instance), FWK_ERROR);
    assert_string_equal(failure(ctx), "paths[1]: expected a non-empty file or directory name");
    json_decref(config);
    fake_host_ctx_free(ctx);
}

/* ---- byte-range (chunk) tasks ---- */

#define MAX_RECORDS 16

/* The records of a JSONL text: uid and the offset where its line starts. */
typedef struct records {
    size_t count;
    char uid[MAX_RECORDS][16];
    long long start[MAX_RECORDS];
} records;

static void find_records(const char *content, records *recs)
{
    const char *line = content;

    memset(recs, 0, sizeof(*recs));
    while (*line) {
        const char *newline = strchr(line, '\n');
        const char *stop = newline ? newline : line + strlen(line);
        const char *uid = strstr(line, "\"uid\": \"");

        if (uid && uid < stop) {
            uid += strlen("\"uid\": \"");
            assert_true(recs->count < MAX_RECORDS);
            snprintf(recs->uid[recs->count], sizeof(recs->uid[0]), "%.*s",
                     (int)(strchr(uid, '"') - uid), uid);
            recs->start[recs->count++] = line - content;
        }
        line = newline ? newline + 1 : stop;
    }
}

/* Offset of the first byte of 1-based line `line` of `content`. */
static long long line_start(const char *content, int line)
{
    const char *p = content;

    while (--line > 0) {
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    return p - content;
}

static fwk_status run_range(fwk_ctx *ctx, void *instance, const char *path, long long start,
                            long long end)
{
    const fwk_provider_vtable *vt = fawkes_plugin_describe()->vtable;
    json_t *task = json_pack("{s:s, s:s, s:I, s:I}", "name", "chunk", "path", path, "start",
                             (json_int_t)start, "end", (json_int_t)end);
    fwk_status status;

    assert_non_null(task);
    status = vt->run_task(ctx, instance, task);
    json_decref(task);
    return status;
}

/* Read `path` (holding `content`) as the chunks between consecutive `cuts`: every record
   comes out exactly once, from the chunk its line starts in. */
static void check_chunks(void *instance, const char *path, const records *recs,
                         const long long *cuts, size_t ncuts)
{
    int seen[MAX_RECORDS] = {0};
    size_t c, i, k;
    json_t *resource;

    for (c = 0; c + 1 < ncuts; c++) {
        fwk_ctx *ctx;

        ctx = fake_host_ctx_new();
        assert_int_equal(run_range(ctx, instance, path, cuts[c], cuts[c + 1]), FWK_OK);
        json_array_foreach (emitted(ctx), i, resource) {
            const char *uid = json_string_value(json_object_get(resource, "uid"));

            for (k = 0; k < recs->count && strcmp(recs->uid[k], uid) != 0; k++)
                ;
            assert_true(k < recs->count);
            if (recs->start[k] < cuts[c] || recs->start[k] >= cuts[c + 1])
                fail_msg("%s starts at byte %lld, outside the chunk [%lld, %lld)", uid,
                         recs->start[k], cuts[c], cuts[c + 1]);
            seen[k]++;
        }
        fake_host_ctx_free(ctx);
    }
    for (k = 0; k < recs->count; k++)
        if (seen[k] != 1)
            fail_msg("%s came out %d times", recs->uid[k], seen[k]);
}

/* A byte-order mark, blank and indented lines, CRLF endings and no newline at EOF. */
static const char chunk_text[] = "\xEF\xBB\xBF" RES(
    "r1", "a.b") "\n"
                 "\n"
                 "   \n"
                 "  " RES("r2", "a.b") "\r\n"
                                       "\r\n" RES("r3", "a.b") "\n"
                                                               "\t" RES("r4", "a.b") "\r\n" RES(
                                                                   "r5", "a.b") "\n"
                                                                                "\n" RES("r6",
                                                                                         "a.b");

static void test_chunks_every_split_point(void **state)
{
    fwk_ctx *ctx;
    void *instance;
    records recs;
    long long size = (long long)strlen(chunk_text), k;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/c.jsonl", chunk_text);
    find_records(chunk_text, &recs);
    assert_int_equal(recs.count, 6);
    instance = make_instance(ctx, "{\"paths\": [\"examples/c.jsonl\"]}");
    /* Every cut: mid-line, on a '\r', on a '\n', on a blank line, at 0 and at EOF. */
    for (k = 0; k <= size; k++) {
        long long cuts[] = {0, k, size};

        check_chunks(instance, "examples/c.jsonl", &recs, cuts, 3);
    }
    /* An end past EOF (the file grew shorter) reads to EOF. */
    {
        long long cuts[] = {0, 10, size + 100};

        check_chunks(instance, "examples/c.jsonl", &recs, cuts, 3);
    }
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

static void test_chunks_every_width(void **state)
{
    fwk_ctx *ctx;
    void *instance;
    records recs;
    long long size = (long long)strlen(chunk_text), width, cuts[512];
    size_t ncuts;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/c.jsonl", chunk_text);
    find_records(chunk_text, &recs);
    instance = make_instance(ctx, "{\"paths\": [\"examples/c.jsonl\"]}");
    assert_true(size < 500);
    for (width = 1; width <= size; width++) {
        ncuts = 0;
        for (cuts[ncuts] = 0; cuts[ncuts] < size; ncuts++)
            cuts[ncuts + 1] = cuts[ncuts] + width < size ? cuts[ncuts] + width : size;
        check_chunks(instance, "examples/c.jsonl", &recs, cuts, ncuts + 1);
    }
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

/* Bad lines 3, 5 and 7 among good ones, blank lines and CRLF endings. */
static const char bad_text[] =
    RES("g1", "a.b") "\n"
                     "\r\n"
                     "{\"uid\": \"b3\", \"kind\": \"x\"}\n" RES(
                         "g4", "a.b") "\r\n"
                                      "not json\n" RES("g6", "a.b") "\n"
                                                                    "["
                                                                    "1]"
                                                                    "\n" RES("g8", "a.b");

static const int bad_lines[] = {3, 5, 7};

static void test_chunks_bad_line_numbers(void **state)
{
    fwk_ctx *ctx;
    void *instance;
    long long size = (long long)strlen(bad_text), width, start, end;
    const char *expected[] = {
        "warn: examples/bad.jsonl:3: skipped: missing \"provider\"",
        "warn: examples/bad.jsonl:5: skipped: invalid JSON at column ",
        "warn: examples/bad.jsonl:7: skipped: not a JSON object (got an array)",
    };

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/bad.jsonl", bad_text);
    instance = make_instance(ctx, "{\"paths\": [\"examples/bad.jsonl\"]}");
    for (width = 1; width <= size; width++) {
        json_t *all_logs = json_array();
        size_t i;

        for (start = 0; start < size; start = end) {
            fwk_ctx *chunk;
            size_t first = 0, count = 0;
            char prefix[128];
            fwk_status status;

            end = start + width < size ? start + width : size;
            for (i = 0; i < 3; i++) {
                long long at = line_start(bad_text, bad_lines[i]);

                if (at >= start && at < end && count++ == 0)
                    first = i;
            }
            chunk = fake_host_ctx_new();
            status = run_range(chunk, instance, "examples/bad.jsonl", start, end);
            assert_int_equal(status, count ? FWK_PARTIAL : FWK_OK);
            assert_int_equal(json_array_size(logs(chunk)), count);
            if (count) {
                snprintf(prefix, sizeof(prefix),
                         "examples/bad.jsonl: %zu record%s skipped (first at line %d: ", count,
                         count == 1 ? "" : "s", bad_lines[first]);
                assert_int_equal(strncmp(failure(chunk), prefix, strlen(prefix)), 0);
            }
            json_array_extend(all_logs, logs(chunk));
            fake_host_ctx_free(chunk);
        }
        assert_int_equal(json_array_size(all_logs), 3);
        for (i = 0; i < 3; i++)
            assert_int_equal(strncmp(json_string_value(json_array_get(all_logs, i)), expected[i],
                                     strlen(expected[i])),
                             0);
        json_decref(all_logs);
    }
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

static void test_chunks_strict_line_numbers(void **state)
{
    fwk_ctx *ctx;
    void *instance;
    long long size = (long long)strlen(bad_text), k;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/bad.jsonl", bad_text);
    instance = make_instance(ctx, "{\"paths\": [\"examples/bad.jsonl\"], \"strict\": true}");
    for (k = 0; k <= size; k++) {
        long long cuts[] = {0, k, size};
        size_t c, i;

        for (c = 0; c < 2; c++) {
            fwk_ctx *chunk;
            int first_bad = 0;
            char prefix[64];

            for (i = 0; i < 3 && !first_bad; i++) {
                long long at = line_start(bad_text, bad_lines[i]);

                if (at >= cuts[c] && at < cuts[c + 1])
                    first_bad = bad_lines[i];
            }
            chunk = fake_host_ctx_new();
            assert_int_equal(run_range(chunk, instance, "examples/bad.jsonl", cuts[c], cuts[c + 1]),
                             first_bad ? FWK_ERROR : FWK_OK);
            if (first_bad) {
                snprintf(prefix, sizeof(prefix), "examples/bad.jsonl:%d: ", first_bad);
                assert_int_equal(strncmp(failure(chunk), prefix, strlen(prefix)), 0);
                assert_non_null(strstr(failure(chunk), "(strict: true stops at the first bad"));
            }
            fake_host_ctx_free(chunk);
        }
    }
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

/* A record written so that a file of `count` of them is several 64KiB chunks. */
static void write_big(const char *path, int count, int bad_at)
{
    FILE *f = fopen(path, "w");
    int i;

    assert_non_null(f);
    for (i = 1; i <= count; i++)
        fprintf(f, "{\"uid\": \"u%05d\", \"provider\": \"aws\"%s, \"name\": \"%0110d\"}\n", i,
                i == bad_at ? "" : ", \"kind\": \"compute.instance\"", i);
    assert_int_equal(fclose(f), 0);
}

static void test_plan_splits_large_jsonl(void **state)
{
    fwk_ctx *ctx;
    void *instance;
    json_t *tasks = NULL, *task;
    struct stat st;
    long long expect_start = 0;
    size_t i;
    char name[128];

    (void)state;
    ctx = fake_host_ctx_new();
    write_big("examples/big.jsonl", 2000, 1501);
    assert_int_equal(stat("examples/big.jsonl", &st), 0);
    assert_true(st.st_size > 5 * 65536 && st.st_size < 6 * 65536);
    instance = make_instance(ctx, "{\"paths\": [\"examples/big.jsonl\", \"examples/big.jsonl\"], "
                                  "\"chunk_size\": 65536}");
    assert_int_equal(
        plan(ctx, instance, "{\"kinds\": [\"compute.instance\"], \"regions\": null}", &tasks),
        FWK_OK);
    assert_int_equal(json_array_size(tasks), 6);
    json_array_foreach (tasks, i, task) {
        long long start = json_integer_value(json_object_get(task, "start"));
        long long end = json_integer_value(json_object_get(task, "end"));

        assert_int_equal(start, expect_start);
        assert_int_equal(end, i == 5 ? (long long)st.st_size : start + 65536);
        snprintf(name, sizeof(name), "examples/big.jsonl[%lld-%lld]", start, end);
        assert_string_equal(json_string_value(json_object_get(task, "name")), name);
        assert_string_equal(json_string_value(json_object_get(task, "path")), "examples/big.jsonl");
        assert_true(json_is_array(json_object_get(task, "kinds")));
        expect_start = end;
    }
    json_decref(tasks);
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);

    /* Run them all: every good record once, the bad one named by its line in the file. */
    ctx = fake_host_ctx_new();
    assert_int_equal(
        run_all(ctx, "{\"paths\": [\"examples/big.jsonl\"], \"chunk_size\": 65536}", NULL),
        FWK_PARTIAL);
    assert_int_equal(json_array_size(emitted(ctx)), 1999);
    for (i = 0; i < 1999; i++) {
        snprintf(name, sizeof(name), "u%05zu", i < 1500 ? i + 1 : i + 2);
        assert_string_equal(emitted_uid(ctx, i), name);
    }
    assert_int_equal(fake_host_counter(ctx, "records_read"), 2000);
    assert_int_equal(json_array_size(logs(ctx)), 1);
    assert_string_equal(log_line(ctx, 0), "warn: examples/big.jsonl:1501: skipped: "
                                          "missing \"kind\"");
    assert_string_equal(failure(ctx), "examples/big.jsonl: 1 record skipped (first at line 1501: "
                                      "missing \"kind\")");
    fake_host_ctx_free(ctx);
}

static void test_plan_keeps_whole_files(void **state)
{
    fwk_ctx *ctx;
    void *instance;
    json_t *tasks = NULL;
    FILE *f;
    int i;

    (void)state;
    ctx = fake_host_ctx_new();
    write_big("examples/big.jsonl", 2000, 0);
    f = fopen("examples/big.json", "w");
    assert_non_null(f);
    for (i = 0; i < 2000; i++)
        fprintf(
            f,
            "%c{\"uid\": \"j%d\", \"provider\": \"aws\", \"kind\": \"k\", \"pad\": \"%0120d\"}\n",
            i ? ',' : '[', i, i);
    fputs("]\n", f);
    assert_int_equal(fclose(f), 0);
    write_file("examples/small.jsonl", RES("s1", "a.b") "\n");

    /* The default chunk_size (8MiB) keeps a few hundred KB whole; .json is never split. */
    instance = make_instance(ctx, "{\"paths\": [\"examples/big.jsonl\", \"examples/big.json\", "
                                  "\"examples/small.jsonl\"]}");
    assert_int_equal(plan(ctx, instance, NULL, &tasks), FWK_OK);
    assert_int_equal(json_array_size(tasks), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tasks, 0), "name")),
                        "examples/big.jsonl");
    assert_null(json_object_get(json_array_get(tasks, 0), "start"));
    json_decref(tasks);
    fawkes_plugin_describe()->fini(instance);

    instance = make_instance(ctx, "{\"paths\": [\"examples\"], \"chunk_size\": 65536}");
    assert_int_equal(plan(ctx, instance, NULL, &tasks), FWK_OK);
    assert_int_equal(json_array_size(tasks), 1 + 6 + 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tasks, 0), "name")),
                        "examples/big.json");
    assert_string_equal(json_string_value(json_object_get(json_array_get(tasks, 1), "name")),
                        "examples/big.jsonl[0-65536]");
    assert_string_equal(json_string_value(json_object_get(json_array_get(tasks, 7), "name")),
                        "examples/small.jsonl");
    json_decref(tasks);
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);

    ctx = fake_host_ctx_new();
    assert_int_equal(run_all(ctx, "{\"paths\": [\"examples\"], \"chunk_size\": 65536}", NULL),
                     FWK_OK);
    assert_int_equal(json_array_size(emitted(ctx)), 4001);
    fake_host_ctx_free(ctx);
}

static void test_chunk_size_checked(void **state)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();
    fwk_ctx *ctx;
    void *instance = (void *)1;
    json_t *config = json_pack("{s:[s], s:i}", "paths", "a.jsonl", "chunk_size", 65535);

    (void)state;
    ctx = fake_host_ctx_new();
    assert_int_equal(desc->init(fake_host(), ctx, config, &instance), FWK_ERROR);
    assert_null(instance);
    assert_string_equal(failure(ctx), "chunk_size: 65535 bytes is out of range: use a size from "
                                      "64KiB to 1GiB");
    json_decref(config);
    config = json_pack("{s:[s], s:s}", "paths", "a.jsonl", "chunk_size", "8MiB");
    assert_int_equal(desc->init(fake_host(), ctx, config, &instance), FWK_ERROR);
    assert_string_equal(failure(ctx), "chunk_size: expected a size such as 8MiB, got a string");
    json_decref(config);
    config = json_pack("{s:[s], s:I}", "paths", "a.jsonl", "chunk_size", (json_int_t)1073741824);
    assert_int_equal(desc->init(fake_host(), ctx, config, &instance), FWK_OK);
    desc->fini(instance);
    json_decref(config);
    fake_host_ctx_free(ctx);
}

static void test_chunk_task_checked(void **state)
{
    fwk_ctx *ctx;
    void *instance;
    json_t *task;
    const fwk_provider_vtable *vt = fawkes_plugin_describe()->vtable;

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/a.jsonl", RES("u1", "a.b") "\n");
    write_file("examples/a.json", "[" RES("u1", "a.b") "]");
    instance = make_instance(ctx, "{\"paths\": [\"examples/a.jsonl\"]}");
    assert_int_equal(run_range(ctx, instance, "examples/a.jsonl", 5, 4), FWK_ERROR);
    assert_string_equal(failure(ctx), "task chunk: \"start\" and \"end\" must be byte offsets of a "
                                      "JSON Lines file with 0 <= start <= end: plan tasks with "
                                      "this plugin's plan_tasks");
    assert_int_equal(run_range(ctx, instance, "examples/a.json", 0, 4), FWK_ERROR);
    task = json_pack("{s:s, s:s, s:i}", "name", "half", "path", "examples/a.jsonl", "start", 0);
    assert_int_equal(vt->run_task(ctx, instance, task), FWK_ERROR);
    assert_non_null(strstr(failure(ctx), "task half: "));
    json_decref(task);
    assert_int_equal(json_array_size(emitted(ctx)), 0);
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

static void test_chunk_line_falls_back_to_byte_offset(void **state)
{
    fwk_ctx *ctx;
    void *instance;
    const char *text = RES("u1", "a.b") "\n" RES("u2", "a.b") "\n" RES("u3", "a.b") "\n";
    long long second = line_start(text, 2);
    char expect[256];

    (void)state;
    ctx = fake_host_ctx_new();
    write_file("examples/a.jsonl", text);
    instance = make_instance(ctx, "{\"paths\": [\"examples/a.jsonl\"]}");
    /* The file is gone when the line number is needed: the message names the byte. */
    reject(ctx, "u3", "examples/a.jsonl");
    assert_int_equal(run_range(ctx, instance, "examples/a.jsonl", second, 1000), FWK_PARTIAL);
    assert_int_equal(json_array_size(emitted(ctx)), 1);
    snprintf(expect, sizeof(expect),
             "warn: examples/a.jsonl: byte offset %lld: skipped: rejected by the host (see the "
             "run's failures)",
             line_start(text, 3));
    assert_string_equal(log_line(ctx, 0), expect);
    snprintf(expect, sizeof(expect),
             "examples/a.jsonl: 1 record skipped (first at byte offset %lld: rejected by the "
             "host (see the run's failures))",
             line_start(text, 3));
    assert_string_equal(failure(ctx), expect);
    fawkes_plugin_describe()->fini(instance);
    fake_host_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test_setup_teardown(test_jsonl_with_blank_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_lines_read_as_jansson_reads_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_array, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_inventory_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bad_documents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bad_element, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_lines_partial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warnings_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kinds_and_regions_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_listing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_directory_warns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_rejects_record, setup, teardown),
        cmocka_unit_test(test_init_rejects_bad_config),
        cmocka_unit_test_setup_teardown(test_chunks_every_split_point, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunks_every_width, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunks_bad_line_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunks_strict_line_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_splits_large_jsonl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_keeps_whole_files, setup, teardown),
        cmocka_unit_test(test_chunk_size_checked),
        cmocka_unit_test_setup_teardown(test_chunk_task_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunk_line_falls_back_to_byte_offset, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
