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

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"a", "b", "c", "nul", "big", "nul2", "ok"};
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
