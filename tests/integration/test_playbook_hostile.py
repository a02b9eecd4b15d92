"""test_playbook_hostile: no playbook can crash the host. Hostile metatable tricks on _G, on
the fawkes module, on strings and on error objects (whose __tostring fails, loops, returns no
string) each end as a playbook error located at its line, exit 2; traps left for the host to
fall into after the script (a _G that raises on every read, a `meta` with raising
metamethods) are not touched: the host reads the script's tables raw. Before, the first trick
aborted `fawkes playbook run` with SIGABRT (exit 134) and no message."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

EXIT_OK, EXIT_USAGE = 0, 2

FAILING_TOSTRING = 'setmetatable({}, {__tostring = function() error("tostring boom") end})'

# (script, what the located error must say)
RAISING = [
    ('setmetatable(_G, {__index = function(t, k) error("boom " .. tostring(k)) end})\n'
     'local x = undefined_global\n',
     "play.lua:1: boom undefined_global"),
    ('setmetatable(_G, {__newindex = function(t, k) error("no globals: " .. k) end})\n'
     'meta = {max_actions = 1}\n',
     "play.lua:1: no globals: meta"),
    ('setmetatable(_G, {__index = function(t, k) error(%s) end})\nprint(nope)\n'
     % FAILING_TOSTRING,
     ("play.lua:1: (error object is a table value whose __tostring failed: ",
      "play.lua:1: tostring boom)")),
    ('error({code = 1})\n', "play.lua:1: (error object is a table value)"),
    ('local e = setmetatable({}, {__tostring = function() return "custom" end})\nerror(e)\n',
     "play.lua:2: custom"),
    ('error(setmetatable({}, {__tostring = function() return {} end}))\n',
     "play.lua:1: (error object is a table value whose __tostring failed: "
     "'__tostring' must return a string)"),
    ('error(setmetatable({}, {__tostring = function() while true do end end}))\n',
     ("play.lua:1: (error object is a table value whose __tostring failed: ",
      "play.lua:1: instruction limit of 1000000 exceeded")),
    ('error(setmetatable({}, {__tostring = function() return string.rep("x", 1 << 30) end}))\n',
     ("play.lua:1: (error object is a table value whose __tostring failed: ",
      "play.lua:1: memory limit of 8 MiB exceeded in string.rep")),
    ('error(setmetatable({}, {__name = {}, __tostring = 42}))\n',
     "play.lua:1: (error object is a table value whose __tostring failed: "),
    ('error(nil)\n', "play.lua:1: (error object is a nil value)"),
    ('local co = coroutine.create(print)\nerror(co)\n',
     "play.lua:2: (error object is a thread value)"),
    ('coroutine.wrap(function()\n  error(%s)\nend)()\n' % FAILING_TOSTRING,
     ("(error object is a table value whose __tostring failed: ", "play.lua:2: tostring boom")),
    ('do\n  local t <close> = setmetatable({}, {__close = function() error(%s) end})\nend\n'
     % FAILING_TOSTRING,
     "play.lua:2: (error object is a table value whose __tostring failed: "),
    ('fawkes.inventory = nil\n', "play.lua:1: fawkes is read-only"),
    ('rawset(fawkes, "report", print)\n', "play.lua:1: rawset: this table is read-only"),
    ('rawset(fawkes.json, "encode", error)\n', "play.lua:1: rawset: this table is read-only"),
    ('rawset(fawkes.log, "info", error)\n', "play.lua:1: rawset: this table is read-only"),
    ('setmetatable(fawkes, {})\n', "play.lua:1: cannot change a protected metatable"),
    ('setmetatable({}, setmetatable({}, {__index = function() return print end}))\n'
     'error("reached")\n', "play.lua:2: reached"),
    ('local f = load("return 1", "=x", "b", setmetatable({}, {__index = error}))\n'
     'assert(f() == 1)\nload()\n', "play.lua:3: bad argument #1 to 'load'"),
    ('getmetatable(fawkes).__index = {}\n', "play.lua:1: attempt to index a string value"),
    ('setmetatable(fawkes.args, nil)\n', "play.lua:1: cannot change a protected metatable"),
    ('getmetatable("").__index = function() end\n', "play.lua:1: attempt to index a string"),
    ('rawset(getmetatable(""), "__index", {})\n', "play.lua:1: bad argument #1 to 'rawset'"),
    ('string.format = nil\nlocal s = ("%d"):format(1)\n',
     "play.lua:2: attempt to call a nil value (method 'format')"),
    ('setmetatable(string, {__index = function() error("s") end})\nlocal n = ("x"):nope()\n',
     "play.lua:1: s"),
    ('setmetatable({}, {__gc = false})\n', "play.lua:1: setmetatable: __gc metamethods are not"),
    ('fawkes.report(setmetatable({}, {__tostring = function() error("r") end, [1] = 2}))\n'
     'fawkes.report(print)\n',
     "play.lua:2: fawkes.report: cannot convert a function to JSON"),
    ('local v = fawkes.json.decode("[1]")\nlocal t = setmetatable({}, {__index = v})\n'
     'error(setmetatable({}, {__tostring = function() return t.x.y end}))\n',
     ("play.lua:3: (error object is a table value whose __tostring failed: ",
      "play.lua:3: attempt to index a nil value (field 'x')")),
]

# Traps the host must not fall into after the script: these run to the end (exit 0).
TRAPS = [
    # the one-liner of issue 15 (it aborted the host with SIGABRT)
    ('setmetatable(_G, {__index = function(t, k) error("boom " .. tostring(k)) end})\n', None),
    # strict mode: `meta` is read raw, not through _G's __index
    ('meta = {max_actions = 1}\n'
     'setmetatable(_G, {__index = function(_, k) error("undeclared " .. k, 2) end,\n'
     '                  __newindex = function(_, k) error("undeclared " .. k, 2) end})\n',
     {"max_actions": 1}),
    ('meta = setmetatable({description = "x"}, {__index = function() error("m") end,\n'
     '  __pairs = function() error("p") end, __len = function() error("l") end,\n'
     '  __metatable = "mine"})\n', {"description": "x"}),
    ('setmetatable(_G, {__index = function() while true do end end})\n', None),
]


class PlaybookHostileTest(fwtest.TestCase):

    def play(self, script):
        config = self.write("fawkes.yaml", json.dumps({
            "version": 1,
            "playbooks": {"instructions": 1000000, "memory": "8MiB"},
            "state": os.path.join(self.tmp, "state.db"),
            "security": {"audit_log": os.path.join(self.tmp, "audit.jsonl")},
        }))
        path = self.write("play.lua", script, dedent=False)
        return self.fawkes("-c", config, "playbook", "run", path, "-o", "json")

    def assertNoCrash(self, result):
        self.assertGreaterEqual(result.code, 0, "killed by a signal: %r" % result)
        self.assertIn(result.code, (EXIT_OK, EXIT_USAGE), repr(result))
        self.assertNotIn("internal error", result.stderr)
        self.assertNotIn("escaped the playbook sandbox", result.stderr)

    def test_hostile_tricks_end_as_located_errors(self):
        self.assertGreaterEqual(len(RAISING), 25)
        for script, expected in RAISING:
            expected = (expected,) if isinstance(expected, str) else expected
            with self.subTest(script=script):
                result = self.play(script)
                self.assertNoCrash(result)
                self.assertExit(result, EXIT_USAGE)
                out = result.json()
                self.assertEqual(out["status"], "error")
                self.assertRegex(out["error"], r"^[^\n]*play\.lua:\d+: ")
                for part in expected:
                    self.assertIn(part, out["error"])
                self.assertIn("stack traceback:", out["error"])
                self.assertEqual(result.stderr.count(expected[0]), 1, result.stderr)

    def test_traps_left_for_the_host_are_not_touched(self):
        for script, meta in TRAPS:
            with self.subTest(script=script):
                result = self.play(script)
                self.assertNoCrash(result)
                self.assertExit(result, EXIT_OK)
                out = result.json()
                self.assertEqual(out["status"], "planned")
                if meta is None:
                    self.assertNotIn("meta", out)
                else:
                    self.assertEqual(out["meta"], meta)
                if meta and "max_actions" in meta:
                    self.assertEqual(out["limits"]["max_actions"], meta["max_actions"])

    def test_errors_are_located_even_without_a_message(self):
        result = self.play("local function f()\n  error()\nend\nf()\n")
        self.assertExit(result, EXIT_USAGE)
        self.assertTrue(re.search(r"play\.lua:2: \(error object is a nil value\)",
                                  result.json()["error"]), result.json()["error"])


if __name__ == "__main__":
    fwtest.main()
