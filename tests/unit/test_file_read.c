/* test_file_read.c: the host's one capped file reader (host/file_read.c) and the readers that
   go through it: its failures, its cap, and playbook sources loaded through it as Lua would
   load them itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_read.h"
#include "pb_sandbox.h"

static char dir[] = "/tmp/fawkes-file-read-XXXXXX";
static const char *const names[] = {"small",    "nul",     "big",        "run.lua",
                                    "good.lua", "bom.lua", "lib/mod.lua"};

static const char *path_of(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static const char *write_file(const char *name, const char *bytes, size_t length)
{
    const char *path = path_of(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, length, f), length);
    fclose(f);
    return path;
}

static void whole_files_up_to_the_cap_with_their_length(void **state)
{
    (void)state;
    size_t length = 0;
    file_read_failure failure = 0;
    int error_number = -1;
    char *text = file_read_whole(write_file("small", "abc\n", 4), 4, &length, &failure, NULL);
    assert_string_equal(text, "abc\n");
    assert_int_equal(length, 4);
    free(text);
    text = file_read_whole(write_file("nul", "a\0b", 3), 16, &length, &failure, NULL);
    assert_non_null(text); /* the bytes as they are: callers that refuse NUL compare lengths */
    assert_int_equal(length, 3);
    assert_memory_equal(text, "a\0b", 3);
    free(text);

    assert_null(file_read_whole(path_of("small"), 3, &length, &failure, &error_number));
    assert_int_equal(failure, FILE_READ_TOO_LARGE);
    assert_null(file_read_whole(path_of("absent"), 3, &length, &failure, &error_number));
    assert_int_equal(failure, FILE_READ_CANNOT_OPEN);
    assert_int_equal(error_number, ENOENT);
    assert_null(file_read_whole(dir, 3, &length, &failure, &error_number));
    assert_int_equal(failure, FILE_READ_CANNOT_READ);
    assert_int_equal(error_number, EISDIR);
}

static void capped_reads_say_what_and_where(void **state)
{
    (void)state;
    char *big = malloc((2u << 20) + 1);
    memset(big, 'x', (2u << 20) + 1);
    write_file("big", big, (2u << 20) + 1);
    free(big);
    size_t length = 0;
    diag err = {{0}};
    char expect[512];
    assert_null(file_read_capped(path_of("big"), 2u << 20, "spec", &length, &err));
    snprintf(expect, sizeof expect, "%s/big: the spec is larger than 2 MiB", dir);
    assert_string_equal(err.text, expect);
    assert_null(file_read_capped(path_of("absent"), 16, "spec", &length, &err));
    snprintf(expect, sizeof expect, "%s/absent: cannot open the spec: No such file or directory",
             dir);
    assert_string_equal(err.text, expect);
    assert_null(file_read_capped(dir, 16, "spec", &length, &err));
    snprintf(expect, sizeof expect, "%s: cannot read the spec", dir);
    assert_string_equal(err.text, expect);
}

static sandbox *make(const strlist *lib_dirs)
{
    pb_sandbox_limits limits = {8u * 1024 * 1024, 20000000, lib_dirs};
    sandbox *sb = NULL;
    diag err = {{0}};
    assert_int_equal(pb_sandbox_new(&limits, &sb, &err), 0);
    return sb;
}

static void playbooks_load_as_lua_loads_files(void **state)
{
    (void)state;
    strlist lib_dirs = {0};
    char lib[256], expect[1024];
    snprintf(lib, sizeof lib, "%s/lib", dir);
    assert_int_equal(mkdir(lib, 0700), 0);
    assert_int_equal(strlist_push(&lib_dirs, lib), 0);
    static const char mod[] = "#!/usr/bin/env lua\nreturn {answer = 42}\n";
    write_file("lib/mod.lua", mod, sizeof mod - 1);
    /* a shebang line is skipped but still counts: the error below is on line 3 */
    static const char run[] = "#!fawkes playbook run\n"
                              "assert(require('mod').answer == 42)\n"
                              "error('stop here')\n";
    sandbox *sb = make(&lib_dirs);
    diag err = {{0}};
    assert_int_equal(pb_sandbox_run_file(sb, write_file("run.lua", run, sizeof run - 1), &err), -1);
    snprintf(expect, sizeof expect, "%s/run.lua:3: stop here", dir);
    if (strncmp(err.text, expect, strlen(expect)) != 0)
        fail_msg("expected '%s...', got '%s'", expect, err.text);

    /* a byte order mark is skipped; a syntax error names the file and line */
    static const char bom[] = "\xEF\xBB\xBFlocal x = 1\nlocal = 2\n";
    assert_int_equal(pb_sandbox_run_file(sb, write_file("bom.lua", bom, sizeof bom - 1), &err), -1);
    snprintf(expect, sizeof expect, "%s/bom.lua:2: <name> expected near '='", dir);
    assert_string_equal(err.text, expect);

    static const char good[] = "\xEF\xBB\xBF#!shebang after the mark\nlocal x = 1\n";
    assert_int_equal(pb_sandbox_run_file(sb, write_file("good.lua", good, sizeof good - 1), &err),
                     0);

    assert_int_equal(pb_sandbox_run_file(sb, path_of("absent.lua"), &err), -1);
    snprintf(expect, sizeof expect,
             "%s/absent.lua: cannot open the playbook: No such file or directory", dir);
    assert_string_equal(err.text, expect);
    pb_sandbox_free(sb);
    strlist_clear(&lib_dirs);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(path_of(names[i]));
    rmdir(path_of("lib"));
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_files_up_to_the_cap_with_their_length),
        cmocka_unit_test(capped_reads_say_what_and_where),
        cmocka_unit_test(playbooks_load_as_lua_loads_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
