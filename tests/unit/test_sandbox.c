/* test_sandbox.c: the playbook sandbox refuses escapes, stops runaway scripts, and reports
   errors with script:line and a traceback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pb_sandbox.h"

static sandbox *make(size_t memory, long long instructions, const strlist *dirs)
{
    pb_sandbox_limits limits = {memory, instructions, dirs};
    sandbox *sb = NULL;
    diag err = {{0}};
    assert_int_equal(pb_sandbox_new(&limits, &sb, &err), 0);
    return sb;
}

/* Run `code`; it must fail with a message containing `expected`. */
static void refused(const char *code, const char *expected)
{
    sandbox *sb = make(8u * 1024 * 1024, 20000000, NULL);
    diag err = {{0}};
    int rc = pb_sandbox_run_string(sb, code, "=escape", &err);
    if (rc == 0 || !strstr(err.text, expected))
        fail_msg("script:\n%s\nexpected failure containing \"%s\", got rc=%d: %s", code, expected,
                 rc, err.text);
    pb_sandbox_free(sb);
}

static void test_escapes_refused(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"os.execute('id')", "field 'execute'"},
        {"io.open('/etc/passwd')", "global 'io'"},
        {"io.popen('id')", "global 'io'"},
        {"os.exit(1)", "field 'exit'"},
        {"return os.getenv('HOME') .. ''", "field 'getenv'"},
        {"os.remove('/tmp/x')", "field 'remove'"},
        {"os.rename('/tmp/a', '/tmp/b')", "field 'rename'"},
        {"local os2 = require('os') os2.execute('id')", "require 'os'"},
        {"require('io')", "require 'io'"},
        {"package.loadlib('libc.so.6', 'system')", "global 'package'"},
        {"assert(load(string.char(27) .. 'LuaT\\0\\25\\147\\r\\n\\26\\n'))()", "binary chunk"},
        {"assert(load(string.char(27) .. 'Lua', 'x', 'b'))()", "binary chunk"},
        {"string.dump(print)", "field 'dump'"},
        {"debug.getregistry()", "global 'debug'"},
        {"debug.sethook()", "global 'debug'"},
        {"dofile('/etc/passwd')", "global 'dofile'"},
        {"loadfile('/etc/passwd')()", "global 'loadfile'"},
        {"require('../../../etc/passwd')", "not a module name"},
        {"require('evil_c_module')", "only pure-Lua modules"},
        {"getmetatable('').__index = {}", "attempt to index a string value"},
        {"setmetatable(getmetatable(''), {})", "bad argument"},
        {"collectgarbage('stop')", "invalid option 'stop'"},
        {"setfenv(1, {})", "global 'setfenv'"},
        {"rawget(_G, 'io').open('/etc/passwd')", "attempt to index a nil value"},
        {"local f = load('return io') ; f().open('/etc/passwd')", "attempt to index a nil"},
        {"return require('fawkes').x", "require 'fawkes'"}, /* no host module in a bare sandbox */
        {"setmetatable({}, {__gc = function() while true do end end})", "__gc"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        refused(cases[i][0], cases[i][1]);
    assert_true(sizeof cases / sizeof cases[0] >= 15);
}

static void test_allowed_libraries_work(void **state)
{
    (void)state;
    sandbox *sb = make(0, 0, NULL);
    diag err = {{0}};
    int rc = pb_sandbox_run_string(
        sb,
        "assert(string.format('%d', 42) == '42')\n"
        "assert(table.concat({1, 2}, ',') == '1,2')\n"
        "assert(math.max(1, 3) == 3 and utf8.char(72) == 'H')\n"
        "assert(type(os.time()) == 'number' and os.date('!%Y', 0) == '1970')\n"
        "local co = coroutine.wrap(function() coroutine.yield(7) end)\n"
        "assert(co() == 7)\n"
        "assert(load('return 1 + 1')() == 2)\n"
        "assert(pcall(error, 'x') == false)\n"
        "assert(collectgarbage('count') > 0)\n",
        "=ok", &err);
    if (rc != 0)
        fail_msg("%s", err.text);
    pb_sandbox_free(sb);
}

static void test_infinite_loops_stopped(void **state)
{
    (void)state;
    static const char *const loops[] = {
        "while true do end",
        "local n = 0\nwhile true do\n  n = n + 1\nend",
        "while true do pcall(function() while true do end end) end",
        "local co = coroutine.wrap(function() while true do end end) co()",
        "local function f() return f() end f()",
        "while true do xpcall(function() while true do end end, function() while true do end end) "
        "end",
        "local t <close> = setmetatable({}, {__close = function() while true do end end})\n"
        "while true do end",
    };
    for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
        sandbox *sb = make(0, 1000000, NULL);
        diag err = {{0}};
        assert_int_equal(pb_sandbox_run_string(sb, loops[i], "@loop.lua", &err), -1);
        if (!strstr(err.text, "instruction limit of 1000000 exceeded") ||
            !strstr(err.text, "loop.lua:"))
            fail_msg("loop %zu: %s", i, err.text);
        assert_true(pb_sandbox_instructions(sb) >= 1000000);
        assert_true(pb_sandbox_instructions(sb) < 1000000 + 100000);
        pb_sandbox_free(sb);
    }
}

static void test_memory_bombs_stopped(void **state)
{
    (void)state;
    static const char *const bombs[] = {
        "local t = {}\nwhile true do\n  t[#t + 1] = string.rep('x', 1000) .. #t\nend",
        "local s = string.rep('x', 1 << 30)",
        "local t = {} while true do pcall(function() t[#t + 1] = {1, 2, 3, 4} end) end",
        "local s = 'x' while true do s = s .. s end",
    };
    for (size_t i = 0; i < sizeof bombs / sizeof bombs[0]; i++) {
        sandbox *sb = make(4u * 1024 * 1024, 0, NULL);
        diag err = {{0}};
        assert_int_equal(pb_sandbox_run_string(sb, bombs[i], "@bomb.lua", &err), -1);
        if (!strstr(err.text, "memory limit of 4 MiB exceeded") || !strstr(err.text, "bomb.lua:"))
            fail_msg("bomb %zu: %s", i, err.text);
        assert_true(pb_sandbox_memory_peak(sb) <= 4u * 1024 * 1024 + 2u * 1024 * 1024);
        pb_sandbox_free(sb);
    }
}

static void test_errors_have_line_and_traceback(void **state)
{
    (void)state;
    sandbox *sb = make(0, 0, NULL);
    diag err = {{0}};
    assert_int_equal(pb_sandbox_run_string(sb,
                                           "local function inner(t)\n"
                                           "  return t.missing.field\n"
                                           "end\n"
                                           "inner({})\n",
                                           "@play.lua", &err),
                     -1);
    assert_non_null(strstr(err.text, "play.lua:2: attempt to index a nil value"));
    assert_non_null(strstr(err.text, "stack traceback:"));
    assert_non_null(strstr(err.text, "play.lua:4: in main chunk"));
    assert_int_equal(pb_sandbox_run_string(sb, "local x = = 1", "@syntax.lua", &err), -1);
    assert_non_null(strstr(err.text, "syntax.lua:1:"));
    assert_int_equal(pb_sandbox_run_string(sb, "error({code = 1})", "@obj.lua", &err), -1);
    assert_non_null(strstr(err.text, "error object is a table value"));
    pb_sandbox_free(sb);
}

static void test_require_from_lib_dirs(void **state)
{
    (void)state;
    char dir[] = "/tmp/fawkes-sandbox-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/util", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/util/strings.lua", dir);
    FILE *f = fopen(path, "w");
    fputs("local M = {}\nfunction M.shout(s) return s:upper() end\nreturn M\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/binary.lua", dir);
    f = fopen(path, "w");
    fputs("\x1bLuaT", f);
    fclose(f);
    strlist dirs = {0};
    strlist_push(&dirs, dir);
    sandbox *sb = make(0, 0, &dirs);
    diag err = {{0}};
    int rc = pb_sandbox_run_string(sb,
                                   "local s = require('util.strings')\n"
                                   "assert(s.shout('hi') == 'HI')\n"
                                   "assert(require('util.strings') == s)\n",
                                   "=req", &err);
    if (rc != 0)
        fail_msg("%s", err.text);
    assert_int_equal(pb_sandbox_run_string(sb, "require('binary')", "=req", &err), -1);
    assert_non_null(strstr(err.text, "binary chunk"));
    pb_sandbox_free(sb);
    strlist_clear(&dirs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_refused),
        cmocka_unit_test(test_allowed_libraries_work),
        cmocka_unit_test(test_infinite_loops_stopped),
        cmocka_unit_test(test_memory_bombs_stopped),
        cmocka_unit_test(test_errors_have_line_and_traceback),
        cmocka_unit_test(test_require_from_lib_dirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
