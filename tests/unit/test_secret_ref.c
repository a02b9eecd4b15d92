/* test_secret_ref.c: one set of rules for secret references, whether the config reads them
   (${env:}, ${file:}) or a plugin does (host->secret_get). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "run.h"
#include "secret_ref.h"

static char dir[] = "/tmp/fawkes-secret-XXXXXX";

static const char *write_file(const char *name, const char *bytes, size_t length)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, length, f), length);
    fclose(f);
    return path;
}

static void files_drop_one_trailing_newline(void **state)
{
    (void)state;
    char why[256] = "";
    char *value = secret_ref_read_file(write_file("a", "s3cret\r\n", 8), why, sizeof why);
    assert_string_equal(value, "s3cret");
    free(value);
    value = secret_ref_read_file(write_file("b", "two\n\n", 5), why, sizeof why);
    assert_string_equal(value, "two\n");
    free(value);
    value = secret_ref_read_file(write_file("c", "", 0), why, sizeof why);
    assert_string_equal(value, "");
    free(value);
}

static void files_refuse_nul_bytes_size_and_absence_without_quoting_them(void **state)
{
    (void)state;
    char why[512] = "", expect[512];
    const char *path = write_file("nul", "abc\0def", 7);
    assert_null(secret_ref_read_file(path, why, sizeof why));
    snprintf(expect, sizeof expect, "%s: contains a NUL byte", path);
    assert_string_equal(why, expect);

    char *big = malloc(SECRET_REF_MAX_FILE_BYTES + 1);
    memset(big, 'k', SECRET_REF_MAX_FILE_BYTES + 1);
    path = write_file("big", big, SECRET_REF_MAX_FILE_BYTES + 1);
    free(big);
    assert_null(secret_ref_read_file(path, why, sizeof why));
    snprintf(expect, sizeof expect, "%s: larger than 1 MiB", path);
    assert_string_equal(why, expect);

    assert_null(secret_ref_read_file("/nonexistent/fawkes/secret", why, sizeof why));
    assert_string_equal(why, "/nonexistent/fawkes/secret: No such file or directory");
}

static void references_of_both_kinds_follow_the_file_rules(void **state)
{
    (void)state;
    char why[1024] = "", ref[300], expect[1024];
    setenv("FAWKES_TEST_SECRET", "from-env", 1);
    char *value = secret_ref_resolve("env:FAWKES_TEST_SECRET", why, sizeof why);
    assert_string_equal(value, "from-env");
    free(value);
    setenv("FAWKES_TEST_SECRET", "", 1);
    value = secret_ref_resolve("env:FAWKES_TEST_SECRET", why, sizeof why); /* empty is a value */
    assert_string_equal(value, "");
    free(value);
    unsetenv("FAWKES_TEST_SECRET");
    assert_null(secret_ref_resolve("env:FAWKES_TEST_SECRET", why, sizeof why));
    assert_string_equal(why, "secret env:FAWKES_TEST_SECRET: environment variable "
                             "FAWKES_TEST_SECRET is not set; export it");

    /* host->secret_get once read any file whole: now the config's stricter rules apply. */
    const char *path = write_file("nul2", "abc\0def", 7);
    snprintf(ref, sizeof ref, "file:%s", path);
    assert_null(secret_ref_resolve(ref, why, sizeof why));
    snprintf(expect, sizeof expect,
             "secret %s: cannot use %s: contains a NUL byte; check the "
             "path and its permissions",
             ref, path);
    assert_string_equal(why, expect);
    path = write_file("ok", "token\n", 6);
    snprintf(ref, sizeof ref, "file:%s", path);
    value = secret_ref_resolve(ref, why, sizeof why);
    assert_string_equal(value, "token");
    free(value);

    assert_null(secret_ref_resolve("vault:x", why, sizeof why));
    assert_string_equal(why, "secret reference 'vault:x' is not understood: use env:NAME or "
                             "file:PATH");
}

/* What the config makes of `ref` (as ${ref} inside an instance's config, where an
   unresolvable reference is recorded): the value; or NULL with the reason the config gives
   for the same reference at the top level, where it is an error (in parentheses, or the
   variable after "export"), in `why`. */
static char *config_verdict(const char *ref, char *why, size_t why_size)
{
    char text[4096];
    config *cfg = NULL;
    diag err = {{0}};
    snprintf(text, sizeof text,
             "version: 1\nnotifiers:\n  - name: n\n    plugin: webhook\n"
             "    config: {v: \"${%s}\"}\n",
             ref);
    if (config_from_string(text, "t.yaml", &cfg, &err) != 0)
        fail_msg("%s", err.text);
    const config_instance *inst = &cfg->instances[CONFIG_NOTIFIERS][0];
    char *value = NULL;
    if (json_array_size(inst->unresolved) == 0)
        value = strdup(json_string_value(json_object_get(inst->config, "v")));
    config_free(cfg);

    if (value)
        return value;

    /* At the top level the same reference is an error, with the same reason. */
    snprintf(text, sizeof text, "version: 1\nstate: \"${%s}\"\n", ref);
    cfg = NULL;
    if (config_from_string(text, "t.yaml", &cfg, &err) == 0)
        fail_msg("%s: the config took it at the top level", ref);
    const char *open = strchr(err.text, '(');
    const char *close = open ? strrchr(err.text, ')') : NULL;
    const char *export = strstr(err.text, "is not set: export ");
    if (open && close)
        snprintf(why, why_size, "%.*s", (int)(close - open - 1), open + 1);
    else if (export)
        snprintf(why, why_size, "%.*s", (int)strcspn(export + 19, ","), export + 19);
    else
        fail_msg("unexpected config error: %s", err.text);
    return NULL;
}

/* What host->secret_get makes of `ref`: the value, or NULL with its message in `why`. */
static char *secret_get_verdict(const char *ref, char *why, size_t why_size)
{
    fwk_ctx ctx;
    char *value = NULL;
    ctx_init(&ctx, NULL, NULL, "test", NULL);
    fwk_status status = host_services()->secret_get(&ctx, ref, &value);
    if (status != FWK_OK) {
        assert_null(value);
        assert_non_null(ctx.message);
        snprintf(why, why_size, "%s", ctx.message);
    }
    ctx_finish(&ctx);
    return value;
}

static void config_and_secret_get_give_the_same_verdicts(void **state)
{
    (void)state;
    char *big = malloc(SECRET_REF_MAX_FILE_BYTES + 1);
    memset(big, 'k', SECRET_REF_MAX_FILE_BYTES + 1);
    char ok[300], nul[300], over[300], max[300];
    snprintf(ok, sizeof ok, "%s", write_file("ok", "token\r\n", 7));
    snprintf(nul, sizeof nul, "%s", write_file("nul", "a\0b", 3));
    snprintf(over, sizeof over, "%s", write_file("big", big, SECRET_REF_MAX_FILE_BYTES + 1));
    memcpy(big + SECRET_REF_MAX_FILE_BYTES - 4, "end\n", 4);
    snprintf(max, sizeof max, "%s", write_file("max", big, SECRET_REF_MAX_FILE_BYTES));
    free(big);
    setenv("FAWKES_TEST_SET", "from-env\n", 1);
    setenv("FAWKES_TEST_EMPTY", "", 1);
    unsetenv("FAWKES_TEST_UNSET");

    const struct {
        const char *scheme, *arg;
        const char *value;  /* the value's last bytes (all of it when short), or NULL */
        const char *reason; /* for a refusal: in both messages, after the file's path */
    } cases[] = {
        {"env", "FAWKES_TEST_SET", "from-env\n", NULL}, /* a variable is taken as it is */
        {"env", "FAWKES_TEST_EMPTY", "", NULL},         /* empty is a value, unset is not */
        {"env", "FAWKES_TEST_UNSET", NULL, "FAWKES_TEST_UNSET"},
        {"file", ok, "token", NULL},
        {"file", max, "kkkend", NULL}, /* exactly 1 MiB is read, its newline dropped */
        {"file", nul, NULL, ": contains a NUL byte"},
        {"file", over, NULL, ": larger than 1 MiB"},
        {"file", "/nonexistent/fawkes/s", NULL, ": No such file or directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char ref[400], config_why[4096] = "", get_why[4096] = "", reason[600] = "";
        snprintf(ref, sizeof ref, "%s:%s", cases[i].scheme, cases[i].arg);
        char *from_config = config_verdict(ref, config_why, sizeof config_why);
        char *from_get = secret_get_verdict(ref, get_why, sizeof get_why);
        if (cases[i].value) {
            assert_non_null(from_config);
            assert_non_null(from_get);
            assert_string_equal(from_config, from_get);
            size_t length = strlen(from_config), tail = strlen(cases[i].value);
            assert_true(length >= tail);
            assert_string_equal(from_config + length - tail, cases[i].value);
        } else {
            snprintf(reason, sizeof reason, "%s%s",
                     strcmp(cases[i].scheme, "file") == 0 ? cases[i].arg : "", cases[i].reason);
            assert_null(from_config);
            assert_null(from_get);
            assert_string_equal(config_why, reason);
            if (!strstr(get_why, reason))
                fail_msg("secret_get said '%s', not '%s'", get_why, reason);
        }
        free(from_config);
        free(from_get);
    }
    unsetenv("FAWKES_TEST_SET");
    unsetenv("FAWKES_TEST_EMPTY");
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"a", "b", "c", "nul", "big", "nul2", "ok", "max"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(files_drop_one_trailing_newline),
        cmocka_unit_test(files_refuse_nul_bytes_size_and_absence_without_quoting_them),
        cmocka_unit_test(references_of_both_kinds_follow_the_file_rules),
        cmocka_unit_test(config_and_secret_get_give_the_same_verdicts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
