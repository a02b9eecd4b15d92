/* test_instance.c: plugin instances on a real .so (tests/plugins/borrow_config.c): the config
   init was given stays valid, unchanged and the same object host->config returns until fini
   has returned, and a failed init is not followed by fini. Run it under AddressSanitizer
   (FAWKES_SANITIZE=ON) too: there a config freed before fini is a heap-use-after-free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fawkes/fawkes.h"
#include "config.h"
#include "loader.h"
#include "run.h"

#define PLUGIN(name) FAWKES_TEST_PLUGIN_DIR "/" name ".so"
/* borrow_config's default marker: a string only the validated config holds (what the user
   wrote is shared with the parsed file, which outlives every instance). */
#define MARKER "the config outlives fini"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* The file's text (at most 4 KiB), or "" when it does not exist. New string. */
static char *read_text(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "rb");
    size_t len = 0;
    if (f) {
        len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
    }
    buf[len] = '\0';
    return strdup(buf);
}

typedef struct fixture {
    char dir[64], cwd[PATH_MAX], record[PATH_MAX];
    config *cfg;
    plugin plug;
    plugin_set plugins;
    strlist dirs;
    engine_env eng;
    run r;
} fixture;

/* Two borrow_config notifiers writing to one file: "keeper", and "failer" whose init fails. */
static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/fawkes-instance-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    /* Longer than a malloc chunk's header, so freed memory would not still read as the path. */
    snprintf(fx->record, sizeof fx->record, "%s/what-the-borrowed-config-saw.txt", fx->dir);
    assert_non_null(getcwd(fx->cwd, sizeof fx->cwd));
    assert_int_equal(chdir(fx->dir), 0); /* where a dangling relative path would land */

    char text[3 * PATH_MAX];
    snprintf(text, sizeof text,
             "version: 1\n"
             "notifiers:\n"
             "  - name: keeper\n"
             "    plugin: borrow_config\n"
             "    config: {path: \"%s\"}\n"
             "  - name: failer\n"
             "    plugin: borrow_config\n"
             "    config: {path: \"%s\", fail_init: true}\n",
             fx->record, fx->record);
    diag err = {{0}};
    if (config_from_string(text, "borrow.yaml", &fx->cfg, &err) != 0)
        fail_msg("config: %s", err.text);
    if (access(PLUGIN("borrow_config"), R_OK) != 0)
        fail_msg("%s is missing: build the test plugins first (target test_plugins)",
                 PLUGIN("borrow_config"));
    if (loader_check_file(PLUGIN("borrow_config"), &fx->plug) != 0)
        fail_msg("borrow_config refused: %s", fx->plug.refusal);
    fx->plugins.items = &fx->plug;
    fx->plugins.count = 1;
    fx->eng = (engine_env){.cfg = fx->cfg, .plugins = &fx->plugins, .plugin_dirs = &fx->dirs};
    assert_int_equal(run_init(&fx->r, "test", NULL, OUTPUT_FINDINGS, NULL, &fx->cfg->egress_allow),
                     0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    run_free(&fx->r);
    config_free(fx->cfg);
    free(fx->plug.path); /* never dlclosed: the loader's rule */
    if (chdir(fx->cwd) != 0)
        return -1;
    nftw(fx->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

/* The prepared (not yet initialised) instance of notifier number `index`. */
static instance *open_instance(fixture *fx, size_t index)
{
    instance *inst = NULL;
    const char *refusal = NULL;
    diag err = {{0}};
    if (instance_prepare(&fx->eng, &fx->cfg->instances[CONFIG_NOTIFIERS][index], &inst, &refusal,
                         &err) != 0)
        fail_msg("prepare: %s", err.text);
    assert_non_null(inst->plug);
    return inst;
}

/* notify and fini read strings borrowed from the config in init: both must still see them. */
static void config_outlives_fini(void **state)
{
    fixture *fx = *state;
    instance *inst = open_instance(fx, 0);
    diag err = {{0}};
    if (instance_init(inst, &fx->r, &err) != 0)
        fail_msg("init: %s", err.text);

    const fwk_notifier_vtable *vt = fx->plug.desc->vtable;
    json_t *message = json_pack("{s:b, s:[]}", "digest", 0, "findings");
    fwk_ctx ctx;
    ctx_init(&ctx, &fx->r, inst, "notify", NULL);
    fwk_status status = vt->notify(&ctx, inst->state, message);
    if (status != FWK_OK)
        fail_msg("notify: %s", ctx.message ? ctx.message : fwk_strerror(status));
    ctx_finish(&ctx);
    json_decref(message);
    instance_close(inst);

    char *seen = read_text(fx->record);
    assert_string_equal(seen, "notify " MARKER "\nfini " MARKER "\n");
    free(seen);
}

/* A failed init has freed what it made: the host reports it and never calls fini. */
static void failed_init_is_not_followed_by_fini(void **state)
{
    fixture *fx = *state;
    instance *inst = open_instance(fx, 1);
    diag err = {{0}};
    assert_int_equal(instance_init(inst, &fx->r, &err), -1);
    assert_string_equal(err.text, "init failed (error): init fails on purpose (fail_init)");
    assert_false(inst->ready);
    instance_close(inst);

    char *seen = read_text(fx->record);
    assert_string_equal(seen, "");
    free(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(config_outlives_fini, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_init_is_not_followed_by_fini, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
