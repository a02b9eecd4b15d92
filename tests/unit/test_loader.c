/* test_loader.c: the plugin loader on real .so files: refusals with their exact text, loading,
   duplicates, search directory order, descriptions and the crash-proof isolated listing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fawkes/fawkes.h"
#include "loader.h"
#include "loader_internal.h"

#define PLUGIN(name) FAWKES_TEST_PLUGIN_DIR "/" name ".so"

/* ---- helpers ---- */

static char *make_tmpdir(void)
{
    char *dir = strdup("/tmp/fawkes-loader-XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        fail_msg("%s is missing: build the test plugins first (target test_plugins)", from);
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, in);
    fclose(in);
    assert_true(len > 0 && len < sizeof buf);
    write_file(to, buf, len);
}

static char *path_in(const char *dir, const char *name)
{
    char *path = malloc(PATH_MAX);
    assert_non_null(path);
    snprintf(path, PATH_MAX, "%s/%s", dir, name);
    return path;
}

static void free_plugin(plugin *p)
{
    free(p->path);
    free(p->refusal);
}

/* Check the file and expect a refusal with exactly `reason`. */
static void expect_refused(const char *path, const char *reason)
{
    plugin p;
    if (access(path, R_OK) != 0)
        fail_msg("%s is missing: build the test plugins first (target test_plugins)", path);
    assert_int_equal(loader_check_file(path, &p), -1);
    assert_string_equal(p.path, path);
    assert_null(p.desc);
    assert_non_null(p.refusal);
    assert_string_equal(p.refusal, reason);
    assert_null(strchr(p.refusal, '\n'));
    free_plugin(&p);
}

/* ---- refusals of real .so files ---- */

static void test_refuses_newer_major(void **state)
{
    (void)state;
    char want[256];
    snprintf(want, sizeof want,
             "built for SDK ABI %d.0, this fawkes provides %d.%d: upgrade fawkes, or rebuild "
             "the plugin against the fawkes %d.%d SDK",
             FWK_ABI_MAJOR + 1, FWK_ABI_MAJOR, FWK_ABI_MINOR, FWK_ABI_MAJOR, FWK_ABI_MINOR);
    expect_refused(PLUGIN("abi_newer"), want);
}

static void test_refuses_missing_entry(void **state)
{
    (void)state;
    expect_refused(PLUGIN("no_entry"), "no entry symbol 'fawkes_plugin_describe': not a Fawkes "
                                       "plugin, or built without FWK_PLUGIN_EXPORT");
}

static void test_refuses_bad_magic(void **state)
{
    (void)state;
    expect_refused(PLUGIN("bad_magic"),
                   "bad magic 0xDEADBEEF (expected 0x464B5750): not a Fawkes descriptor");
}

static void test_refuses_bad_descriptor(void **state)
{
    (void)state;
    expect_refused(PLUGIN("bad_descriptor"), "provider vtable lacks required entry 'run_task'");
}

static void test_refuses_own_jansson(void **state)
{
    (void)state;
    expect_refused(PLUGIN("own_jansson"), "carries its own copy of jansson (linked statically?): "
                                          "link it against the system libjansson");
}

/* Capabilities follow from the function table: each disagreement is one line naming both. */
static void test_refuses_capability_mismatches(void **state)
{
    (void)state;
    expect_refused(PLUGIN("cap_declared_missing"),
                   "declares capability 'cost' but its provider vtable has no cost function: "
                   "set .cost, or drop FWK_CAP_COST");
    expect_refused(PLUGIN("half_actions"),
                   "provider vtable has list_actions without run_action (half of capability "
                   "'actions'): implement run_action, or remove list_actions");
    expect_refused(PLUGIN("cap_undeclared"),
                   "its provider vtable sets provision but the descriptor does not declare "
                   "capability 'provision': add FWK_CAP_PROVISION to .capabilities, or remove "
                   ".provision");
}

static void test_refuses_non_library(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *path = path_in(dir, "notes.so");
    static const char text[] = "This is a text file with a .so name, long enough to have a "
                               "header that dlopen reads and rejects as not ELF.\n";
    write_file(path, text, sizeof text - 1);
    plugin p;
    assert_int_equal(loader_check_file(path, &p), -1);
    assert_null(p.handle);
    assert_non_null(strstr(p.refusal, "cannot be opened: "));
    assert_non_null(strstr(p.refusal, "invalid ELF header"));
    const char *tail = "; is it a Fawkes plugin built for this machine?";
    size_t len = strlen(p.refusal);
    assert_true(len > strlen(tail));
    assert_string_equal(p.refusal + len - strlen(tail), tail);
    free_plugin(&p);

    /* A missing file is refused the same way, naming dlopen's reason. */
    char *missing = path_in(dir, "missing.so");
    assert_int_equal(loader_check_file(missing, &p), -1);
    assert_non_null(strstr(p.refusal, "No such file or directory"));
    free_plugin(&p);
    free(missing);
    free(path);
    remove_tree(dir);
}

/* ---- loading ---- */

static void test_loads_good_plugins(void **state)
{
    (void)state;
    static const struct {
        const char *file, *name;
        fwk_plugin_kind kind;
    } cases[] = {{PLUGIN("good"), "good", FWK_KIND_SCANNER},
                 {PLUGIN("init_fails"), "init_fails", FWK_KIND_PROVIDER},
                 {PLUGIN("task_errors"), "task_errors", FWK_KIND_PROVIDER}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plugin p;
        assert_int_equal(loader_check_file(cases[i].file, &p), 0);
        assert_non_null(p.handle);
        assert_non_null(p.desc);
        assert_null(p.refusal);
        assert_string_equal(p.desc->name, cases[i].name);
        assert_int_equal(p.desc->kind, cases[i].kind);
        free_plugin(&p);
    }
}

/* A relative path without '/' means the current directory, not the library search path. */
static void test_loads_relative_name(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *path = path_in(dir, "good.so");
    copy_file(PLUGIN("good"), path);
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    plugin p;
    int rc = loader_check_file("good.so", &p);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_string_equal(p.path, "good.so");
    free_plugin(&p);
    free(path);
    remove_tree(dir);
}

static void test_load_dirs_duplicates(void **state)
{
    (void)state;
    char *first = make_tmpdir(), *second = make_tmpdir();
    char *good1 = path_in(first, "good.so"), *magic = path_in(first, "bad_magic.so");
    char *good2 = path_in(second, "a_good_copy.so"), *tasks = path_in(second, "task_errors.so");
    char *ignored = path_in(second, "README.txt"), *crash = path_in(first, "crash.so");
    copy_file(PLUGIN("crash_describe"), crash);
    copy_file(PLUGIN("good"), good1);
    copy_file(PLUGIN("bad_magic"), magic);
    copy_file(PLUGIN("good"), good2);
    copy_file(PLUGIN("task_errors"), tasks);
    write_file(ignored, "not a plugin", 12);

    strlist dirs = {0};
    strlist_push(&dirs, first);
    strlist_push(&dirs, second);
    plugin_set set;
    /* The crashing plugin is screened in a child process: refused, and we are still here. */
    assert_int_equal(loader_load_dirs(&dirs, &set), 3);
    assert_int_equal(set.count, 5);
    assert_string_equal(set.items[0].path, magic);
    assert_string_equal(set.items[0].refusal,
                        "bad magic 0xDEADBEEF (expected 0x464B5750): not a Fawkes descriptor");
    assert_string_equal(set.items[1].path, crash);
    assert_string_equal(set.items[1].refusal, "crashed while describing (signal 11)");
    assert_null(set.items[1].handle);
    assert_null(set.items[1].desc);
    /* Sorted by name within each directory, directories in order. */
    assert_string_equal(set.items[2].path, good1);
    assert_string_equal(set.items[3].path, good2);
    assert_string_equal(set.items[4].path, tasks);
    assert_null(set.items[0].desc);
    assert_non_null(set.items[2].desc);
    assert_null(set.items[3].desc);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "plugin name 'good' is already loaded from %s", good1);
    assert_string_equal(set.items[3].refusal, want);
    assert_non_null(set.items[4].desc);

    assert_ptr_equal(loader_find(&set, "good"), &set.items[2]);
    assert_ptr_equal(loader_find(&set, "task_errors"), &set.items[4]);
    assert_null(loader_find(&set, "bad_magic"));
    assert_null(loader_find(&set, "nothing"));
    loader_free(&set);
    assert_int_equal(set.count, 0);
    strlist_clear(&dirs);
    free(good1), free(magic), free(good2), free(tasks), free(ignored), free(crash);
    remove_tree(first);
    remove_tree(second);
}

/* ---- search directories ---- */

static void test_search_dir_order_and_dedup(void **state)
{
    (void)state;
    char *root = make_tmpdir();
    char *a = path_in(root, "a"), *b = path_in(root, "b"), *c = path_in(root, "c");
    char *d = path_in(root, "d"), *link = path_in(root, "link-to-a");
    char *missing = path_in(root, "missing"), *file = path_in(root, "file");
    assert_int_equal(mkdir(a, 0755), 0);
    assert_int_equal(mkdir(b, 0755), 0);
    assert_int_equal(mkdir(c, 0755), 0);
    assert_int_equal(mkdir(d, 0755), 0);
    assert_int_equal(symlink(a, link), 0);
    write_file(file, "x", 1);

    strlist cli = {0}, cfg = {0}, out = {0};
    strlist_push(&cli, b);
    strlist_push(&cli, missing);
    strlist_push(&cli, a);
    strlist_push(&cfg, link); /* same real path as a */
    strlist_push(&cfg, c);
    strlist_push(&cfg, file); /* not a directory */
    char env[4 * PATH_MAX];
    snprintf(env, sizeof env, "%s::%s:%s:/nonexistent/fawkes", c, d, b);
    setenv("FAWKES_PLUGIN_PATH", env, 1);
    loader_search_dirs(&cli, &cfg, &out);
    unsetenv("FAWKES_PLUGIN_PATH");

    assert_true(out.count >= 4);
    assert_string_equal(out.items[0], b);
    assert_string_equal(out.items[1], a);
    assert_string_equal(out.items[2], c);
    assert_string_equal(out.items[3], d);
    /* What follows can only be the binary's plugins/, the installed directory relative to
       the binary's prefix, and the configured installed directory. */
    char exe[PATH_MAX], beside[PATH_MAX + 16], parent[PATH_MAX + 8], prefix[PATH_MAX];
    char relocated[2 * PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(len > 0);
    exe[len] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(beside, sizeof beside, "%s/plugins", exe);
    snprintf(parent, sizeof parent, "%s/..", exe);
    assert_non_null(realpath(parent, prefix));
    snprintf(relocated, sizeof relocated, "%s/%s", prefix,
             strstr(FAWKES_INSTALLED_PLUGIN_DIR, "/lib") + 1);
    for (size_t i = 4; i < out.count; i++)
        assert_true(strcmp(out.items[i], beside) == 0 || strcmp(out.items[i], relocated) == 0 ||
                    strcmp(out.items[i], FAWKES_INSTALLED_PLUGIN_DIR) == 0);

    /* NULL inputs are allowed; appending keeps what is there and adds nothing twice. */
    size_t before = out.count;
    loader_search_dirs(NULL, NULL, &out);
    assert_int_equal(out.count, before);

    strlist_clear(&cli), strlist_clear(&cfg), strlist_clear(&out);
    free(a), free(b), free(c), free(d), free(link), free(missing), free(file);
    remove_tree(root);
}

/* ---- descriptions ---- */

static fwk_status fake_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            void **instance)
{
    (void)host, (void)ctx, (void)config;
    *instance = NULL;
    return FWK_OK;
}

static fwk_status fake_plan(fwk_ctx *ctx, void *instance, const json_t *request, json_t **tasks)
{
    (void)ctx, (void)instance, (void)request;
    *tasks = NULL;
    return FWK_ERROR;
}

static fwk_status fake_run(fwk_ctx *ctx, void *instance, const json_t *task)
{
    (void)ctx, (void)instance, (void)task;
    return FWK_ERROR;
}

static fwk_status fake_list_actions(fwk_ctx *ctx, void *instance, json_t **actions)
{
    (void)ctx, (void)instance;
    *actions = json_array();
    return FWK_OK;
}

static fwk_status fake_run_action(fwk_ctx *ctx, void *instance, const json_t *resource,
                                  const char *action, const json_t *params, int dry_run,
                                  json_t **result)
{
    (void)ctx, (void)instance, (void)resource, (void)action, (void)params, (void)dry_run;
    *result = NULL;
    return FWK_UNSUPPORTED;
}

static fwk_status fake_cost(fwk_ctx *ctx, void *instance, const json_t *request, json_t **report)
{
    (void)ctx, (void)instance, (void)request;
    *report = NULL;
    return FWK_UNSUPPORTED;
}

/* Actions and cost, so the descriptor may declare those capabilities. */
static const fwk_provider_vtable provider_vt = {.struct_size = sizeof provider_vt,
                                                .plan_tasks = fake_plan,
                                                .run_task = fake_run,
                                                .list_actions = fake_list_actions,
                                                .run_action = fake_run_action,
                                                .cost = fake_cost};

static void test_describe_loaded(void **state)
{
    (void)state;
    static const fwk_option options[] = {
        FWK_OPTION("regions", FWK_OPT_STRING_LIST, 0, "[\"LON1\"]", "Regions to list."),
        FWK_OPTION("token", FWK_OPT_STRING, FWK_OPT_SECRET | FWK_OPT_REQUIRED, NULL, "API token."),
        FWK_OPTION_RANGE("pages", FWK_OPT_INT, 0, "3", 1, 10, "Pages per region."),
        FWK_OPTION_END,
    };
    fwk_plugin_descriptor d = {FWK_DESCRIPTOR_HEADER,
                               .name = "fake",
                               .version = "0.1.0",
                               .kind = FWK_KIND_PROVIDER,
                               .description = "A descriptor built by the test.",
                               .init = fake_init,
                               .vtable = &provider_vt};
    d.license = "MIT";
    d.options = options;
    d.capabilities = FWK_CAP_ACTIONS | FWK_CAP_COST;
    plugin p = {.path = "/x/fake.so", .desc = &d};
    json_t *obj = loader_describe(&p);
    assert_non_null(obj);
    assert_string_equal(json_string_value(json_object_get(obj, "name")), "fake");
    assert_string_equal(json_string_value(json_object_get(obj, "kind")), "provider");
    assert_string_equal(json_string_value(json_object_get(obj, "version")), "0.1.0");
    char abi[16];
    snprintf(abi, sizeof abi, "%d.%d", FWK_ABI_MAJOR, FWK_TARGET_ABI_MINOR);
    assert_string_equal(json_string_value(json_object_get(obj, "abi")), abi);
    assert_string_equal(json_string_value(json_object_get(obj, "path")), "/x/fake.so");
    assert_string_equal(json_string_value(json_object_get(obj, "status")), "loaded");
    assert_null(json_object_get(obj, "reason"));
    assert_string_equal(json_string_value(json_object_get(obj, "description")),
                        "A descriptor built by the test.");
    assert_string_equal(json_string_value(json_object_get(obj, "license")), "MIT");

    json_t *caps = json_object_get(obj, "capabilities");
    assert_int_equal(json_array_size(caps), 2);
    assert_string_equal(json_string_value(json_array_get(caps, 0)), "actions");
    assert_string_equal(json_string_value(json_array_get(caps, 1)), "cost");

    json_t *schema = json_object_get(obj, "config_schema");
    assert_true(json_is_object(schema));
    json_t *props = json_object_get(schema, "properties");
    assert_true(json_is_object(json_object_get(props, "regions")));
    assert_true(json_is_object(json_object_get(props, "token")));

    json_t *opts = json_object_get(obj, "options");
    assert_int_equal(json_array_size(opts), 3);
    json_t *regions = json_array_get(opts, 0), *token = json_array_get(opts, 1);
    json_t *pages = json_array_get(opts, 2);
    assert_string_equal(json_string_value(json_object_get(regions, "type")), "string list");
    assert_true(json_is_false(json_object_get(regions, "required")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(regions, "default"), 0)),
                        "LON1");
    assert_string_equal(json_string_value(json_object_get(regions, "description")),
                        "Regions to list.");
    assert_true(json_is_true(json_object_get(token, "required")));
    assert_true(json_is_true(json_object_get(token, "secret")));
    assert_true(json_is_null(json_object_get(token, "default")));
    assert_true(json_number_value(json_object_get(pages, "min")) == 1.0);
    assert_true(json_number_value(json_object_get(pages, "max")) == 10.0);
    json_decref(obj);
}

static void test_describe_refused(void **state)
{
    (void)state;
    plugin p;
    assert_int_equal(loader_check_file(PLUGIN("bad_magic"), &p), -1);
    json_t *obj = loader_describe(&p);
    assert_string_equal(json_string_value(json_object_get(obj, "path")), PLUGIN("bad_magic"));
    assert_string_equal(json_string_value(json_object_get(obj, "status")), "refused");
    assert_string_equal(json_string_value(json_object_get(obj, "reason")), p.refusal);
    assert_null(json_object_get(obj, "name"));
    assert_null(json_object_get(obj, "config_schema"));
    json_decref(obj);
    free_plugin(&p);
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(loader_kind_name(FWK_KIND_PROVIDER), "provider");
    assert_string_equal(loader_kind_name(FWK_KIND_SCANNER), "scanner");
    assert_string_equal(loader_kind_name(FWK_KIND_POLICY), "policy");
    assert_string_equal(loader_kind_name(FWK_KIND_NOTIFIER), "notifier");
    assert_string_equal(loader_kind_name((fwk_plugin_kind)0), "unknown");
}

/* ---- isolated listing ---- */

static json_t *entry_for(json_t *list, const char *path)
{
    size_t i;
    json_t *entry;
    json_array_foreach (list, i, entry) {
        if (strcmp(json_string_value(json_object_get(entry, "path")), path) == 0)
            return entry;
    }
    fail_msg("no entry for %s in the listing", path);
    return NULL;
}

static void test_list_isolated_survives_crash(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    static const char *const names[] = {"crash_describe", "good", "abi_newer", "no_entry"};
    char *paths[4];
    for (size_t i = 0; i < 4; i++) {
        char file[64], src[PATH_MAX];
        snprintf(file, sizeof file, "%s.so", names[i]);
        snprintf(src, sizeof src, "%s/%s", FAWKES_TEST_PLUGIN_DIR, file);
        paths[i] = path_in(dir, file);
        copy_file(src, paths[i]);
    }
    char *second = make_tmpdir();
    char *dup = path_in(second, "good.so");
    copy_file(PLUGIN("good"), dup);

    strlist dirs = {0};
    strlist_push(&dirs, dir);
    strlist_push(&dirs, second);
    json_t *list = loader_list_isolated(&dirs);
    assert_int_equal(json_array_size(list), 5);

    json_t *crash = entry_for(list, paths[0]);
    assert_string_equal(json_string_value(json_object_get(crash, "status")), "refused");
    assert_string_equal(json_string_value(json_object_get(crash, "reason")),
                        "crashed while describing (signal 11)");
    json_t *good = entry_for(list, paths[1]);
    assert_string_equal(json_string_value(json_object_get(good, "status")), "loaded");
    assert_string_equal(json_string_value(json_object_get(good, "name")), "good");
    assert_string_equal(json_string_value(json_object_get(good, "kind")), "scanner");
    assert_true(json_is_object(json_object_get(good, "config_schema")));
    json_t *newer = entry_for(list, paths[2]);
    assert_non_null(strstr(json_string_value(json_object_get(newer, "reason")),
                           "upgrade fawkes, or rebuild the plugin against"));
    json_t *no_entry = entry_for(list, paths[3]);
    assert_non_null(
        strstr(json_string_value(json_object_get(no_entry, "reason")), "no entry symbol"));
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "plugin name 'good' is already loaded from %s", paths[1]);
    assert_string_equal(json_string_value(json_object_get(entry_for(list, dup), "reason")), want);

    /* The same, file by file. */
    json_t *one = loader_describe_isolated(paths[0]);
    assert_string_equal(json_string_value(json_object_get(one, "reason")),
                        "crashed while describing (signal 11)");
    json_decref(one);
    one = loader_describe_isolated(paths[1]);
    assert_string_equal(json_string_value(json_object_get(one, "status")), "loaded");
    assert_true(json_equal(one, good));
    json_decref(one);

    json_decref(list);
    strlist_clear(&dirs);
    for (size_t i = 0; i < 4; i++)
        free(paths[i]);
    free(dup);
    remove_tree(dir);
    remove_tree(second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_newer_major),
        cmocka_unit_test(test_refuses_missing_entry),
        cmocka_unit_test(test_refuses_bad_magic),
        cmocka_unit_test(test_refuses_bad_descriptor),
        cmocka_unit_test(test_refuses_own_jansson),
        cmocka_unit_test(test_refuses_capability_mismatches),
        cmocka_unit_test(test_refuses_non_library),
        cmocka_unit_test(test_loads_good_plugins),
        cmocka_unit_test(test_loads_relative_name),
        cmocka_unit_test(test_load_dirs_duplicates),
        cmocka_unit_test(test_search_dir_order_and_dedup),
        cmocka_unit_test(test_describe_loaded),
        cmocka_unit_test(test_describe_refused),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_list_isolated_survives_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
