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
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

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

/* The same driver runs in the sandbox and in a plain Lua state: every find, match, gmatch
   and gsub of a list of patterns (hand-picked, then generated) over a list of subjects,
   results and error messages, one line each. The sandbox's string functions must give
   exactly what Lua's give. */
static const char string_driver[] =
    "local subjects = {'', 'a', 'abc', 'aaab', 'hello world', 'x=1, y=22', '(a(b)c) (d)',\n"
    "  'THE (quick) fox', 'a.b-c%d', '\\0a\\0b', '  trim  ', '\\195\\164x', 'key = value',\n"
    "  'abababab', '[[x]]', 'a\\nb\\tc'}\n"
    "local patterns = {'a', 'a*', 'a+', 'a-', 'a?', '^a', 'a$', '^$', '.', '%a+', '%d+', '%s*',\n"
    "  '%w+', '%p', '%u', '%l', '%x+', '%c', '%g+', '%A', '%S+', '[abc]', '[^abc]+', '[a-z]+',\n"
    "  '[%a_][%w_]*', '[]]', '[^]]', '[a-]', '(a)(b)', '()a()', '(a*(.)%w(%s*))', '%b()',\n"
    "  '%f[%w]%w+', '%f[%W]', '%f[%z]', '(%a+)%s*=%s*(%w+)', '(.)%1', '^(%s*)(.-)(%s*)$',\n"
    "  '(h)(e)(l)(l)(o)', '%', '[a', '(()', '%1', '(a)%2', '%f', '%ba', 'a)', '(', '%b',\n"
    "  '[%]', '[a-%%]', '.-b', '.-$', 'x*$', '%.', '%%', '[%-]', '\\0', '%z', 'a.-a', '(a-)b',\n"
    "  '^(a+)', '$a', 'a^', '(.-)%s', '%f[a]', '(%b[])', '()', '(())', '[^%s]+$'}\n"
    "local seed = 12345\n"
    "local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 "
    "end\n"
    "local tokens = {'a', 'b', '.', '%a', '%d', '%s', '[ab]', '[^a]', '*', '+', '-', '?', '(',\n"
    "  ')', '()', '^', '$', '%b()', '%f[%w]', '%1', 'x', '%', '[', ']', '%w'}\n"
    "for _ = 1, 1500 do\n"
    "  local p = {}\n"
    "  for k = 1, rand(6) do p[k] = tokens[rand(#tokens)] end\n"
    "  patterns[#patterns + 1] = table.concat(p)\n"
    "end\n"
    "local out = {}\n"
    "local function show(...)\n"
    "  local t = table.pack(...)\n"
    "  for i = 1, t.n do t[i] = tostring(t[i]) end\n"
    "  out[#out + 1] = table.concat(t, ',', 1, t.n)\n"
    "end\n"
    "local inits = {1, 2, -1, -4, 0, 100}\n"
    "for _, s in ipairs(subjects) do\n"
    "  for _, p in ipairs(patterns) do\n"
    "    local init = inits[rand(#inits)]\n"
    "    out[#out + 1] = '# ' .. s .. ' | ' .. p .. ' | ' .. init\n"
    "    show(pcall(string.find, s, p))\n"
    "    show(pcall(string.find, s, p, init))\n"
    "    show(pcall(string.find, s, p, init, true))\n"
    "    show(pcall(string.match, s, p, init))\n"
    "    local ok, it = pcall(string.gmatch, s, p, init)\n"
    "    if ok then\n"
    "      for _ = 1, 30 do\n"
    "        local r = table.pack(pcall(it))\n"
    "        show(table.unpack(r, 1, r.n))\n"
    "        if not r[1] or r[2] == nil then break end\n"
    "      end\n"
    "    end\n"
    "    show(pcall(string.gsub, s, p, '<%0>'))\n"
    "    show(pcall(string.gsub, s, p, '[%1]', 2))\n"
    "    show(pcall(string.gsub, s, p, function(c) if c == 'a' then return nil end return '{' .. "
    "tostring(c) .. '}' end))\n"
    "    show(pcall(string.gsub, s, p, {a = 'A', b = false, ['1'] = 'one'}))\n"
    "    show(pcall(string.gsub, s, p, 7))\n"
    "  end\n"
    "end\n"
    "show(pcall(string.gsub, 'abc', 'b', '%x'))\n"
    "show(pcall(string.gsub, 'abc', 'b', function() return {} end))\n"
    "show(pcall(function() return string.gsub('abc', 'b', true) end))\n"
    "show(pcall(string.rep, 'ab', 3, ','), pcall(string.rep, 'x', 0), pcall(string.rep, '', 5))\n"
    "show(pcall(string.rep, 'ab', -1), pcall(string.rep, 'ab', 1, 'sep'))\n"
    "return table.concat(out, '\\n')\n";

static void test_string_functions_behave_as_lua(void **state)
{
    (void)state;
    lua_State *plain = luaL_newstate();
    luaL_openlibs(plain);
    assert_int_equal(luaL_loadbuffer(plain, string_driver, strlen(string_driver), "=driver"), 0);
    if (lua_pcall(plain, 0, 1, 0) != LUA_OK)
        fail_msg("driver in plain Lua: %s", lua_tostring(plain, -1));
    size_t want_len, got_len;
    const char *want = lua_tolstring(plain, -1, &want_len);

    sandbox *sb = make(64u * 1024 * 1024, 1000000000, NULL);
    lua_State *L = pb_sandbox_state(sb);
    assert_int_equal(luaL_loadbuffer(L, string_driver, strlen(string_driver), "=driver"), 0);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK)
        fail_msg("driver in the sandbox: %s", lua_tostring(L, -1));
    const char *got = lua_tolstring(L, -1, &got_len);
    if (want_len != got_len || memcmp(want, got, want_len) != 0) {
        size_t line = 1, at = 0, start = 0;
        while (at < want_len && at < got_len && want[at] == got[at]) {
            if (want[at] == '\n') {
                line++;
                start = at + 1;
            }
            at++;
        }
        size_t marker = start;
        while (marker > 0 && !(want[marker] == '#' && want[marker - 1] == '\n'))
            marker--;
        fail_msg("line %zu differs, in the case\n%.100s\nLua:     %.300s\nsandbox: %.300s", line,
                 want + marker, want + start, got + start);
    }
    assert_true(want_len > 100000);
    lua_close(plain);
    pb_sandbox_free(sb);
}

/* Patterns that backtrack for hours in Lua's own matcher, and strings too large for the
   heap: each stopped at once, located, naming the function and the limit. */
static void test_runaway_string_functions_stopped(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"local s = string.rep('a', 20000)\ns:find(string.rep('a*', 10) .. 'b')",
         "@pat.lua:2: instruction limit of 10000000 exceeded in string.find"},
        {"local s = string.rep('a', 20000)\nlocal x = s:match(string.rep('a-', 8) .. 'b')",
         "@pat.lua:2: instruction limit of 10000000 exceeded in string.match"},
        {"local s = string.rep('a', 5000)\nlocal x = s:gsub('a*a*a*a*b', 'x')",
         "@pat.lua:2: instruction limit of 10000000 exceeded in string.gsub"},
        {"local s = string.rep('a', 5000)\nfor w in s:gmatch('a*a*a*a*b') do end",
         "@pat.lua:2: instruction limit of 10000000 exceeded in string.gmatch"},
        {"local s = string.rep('(', 20000)\nwhile true do pcall(string.find, s, '%b()') end",
         "@pat.lua:2: instruction limit of 10000000 exceeded"},
        {"local co = coroutine.wrap(function()\n  local s = string.rep('a', 20000)\n"
         "  return s:find(string.rep('a*', 10) .. 'b')\nend)\nco()",
         "@pat.lua:3: instruction limit of 10000000 exceeded in string.find"},
        {"local s = string.rep('x', 1 << 40)", "@pat.lua:1: memory limit of 8 MiB exceeded in "
                                               "string.rep"},
        {"local s = string.rep('', 1 << 60)\nassert(s == '')\nerror('rep ok')",
         "pat.lua:3: rep ok"},
        {"local s = string.rep('x', 4 << 20)\nlocal t = s:gsub('x', 'yy')",
         "@pat.lua:2: memory limit of 8 MiB exceeded in string.gsub"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sandbox *sb = make(8u * 1024 * 1024, 10000000, NULL);
        diag err = {{0}};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(pb_sandbox_run_string(sb, cases[i][0], "@pat.lua", &err), -1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        const char *expected = cases[i][1][0] == '@' ? cases[i][1] + 1 : cases[i][1];
        if (!strstr(err.text, expected))
            fail_msg("case %zu: expected \"%s\", got: %s", i, expected, err.text);
        double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (seconds > 5)
            fail_msg("case %zu took %.1f s", i, seconds);
        pb_sandbox_free(sb);
    }
}

/* The wall-clock limit stops what the instruction budget would let run. */
static void test_time_limit(void **state)
{
    (void)state;
    static const char *const slow[] = {
        "while true do end",
        "local s = string.rep('a', 30000)\nwhile true do s:find(string.rep('a*', 12) .. 'b') end",
    };
    for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++) {
        sandbox *sb = make(0, 1000000000000LL, NULL);
        pb_sandbox_set_timeout(sb, 300);
        diag err = {{0}};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(pb_sandbox_run_string(sb, slow[i], "@slow.lua", &err), -1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (!strstr(err.text, "time limit of 300ms exceeded") || !strstr(err.text, "slow.lua:") ||
            !strstr(err.text, "playbooks.timeout"))
            fail_msg("case %zu: %s", i, err.text);
        assert_string_equal(pb_sandbox_stopped(sb), "timeout");
        assert_true(seconds >= 0.29 && seconds < 2);
        pb_sandbox_free(sb);
    }
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
        cmocka_unit_test(test_string_functions_behave_as_lua),
        cmocka_unit_test(test_runaway_string_functions_stopped),
        cmocka_unit_test(test_time_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
