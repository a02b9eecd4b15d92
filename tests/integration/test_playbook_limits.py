"""test_playbook_limits: a playbook cannot run away inside a C function. The backtracking
pattern of issue 15 (23 minutes at 100 % CPU in Lua's own matcher) is stopped by the
instruction budget, or by playbooks.timeout when the budget is huge; SIGINT and SIGTERM stop a
playbook promptly whatever it is doing. Each time: a located error, exit 2, nothing done."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

EXIT_USAGE = 2

BACKTRACK = """
local s, p = string.rep("a", 20000), string.rep("a*", 10) .. "b"
local found = s:find(p)
"""


class PlaybookLimitsTest(fwtest.TestCase):

    def config(self, playbooks):
        return self.write("fawkes.yaml", json.dumps({
            "version": 1,
            "playbooks": playbooks,
            "state": os.path.join(self.tmp, "state.db"),
            "security": {"audit_log": os.path.join(self.tmp, "audit.jsonl")},
        }))

    def play(self, script, playbooks, *args):
        path = self.write("play.lua", script)
        started = time.monotonic()
        result = self.fawkes("-c", self.config(playbooks), "playbook", "run", path, *args)
        return result, time.monotonic() - started

    def test_backtracking_pattern_stopped_by_the_instruction_budget(self):
        result, seconds = self.play(BACKTRACK, {"instructions": 10000000}, "-o", "json")
        self.assertExit(result, EXIT_USAGE)
        self.assertLess(seconds, 10)
        out = result.json()
        self.assertEqual(out["status"], "error")
        self.assertIn("play.lua:3: instruction limit of 10000000 exceeded in string.find",
                      out["error"])
        self.assertIn("playbooks.instructions", out["error"])
        self.assertIn("play.lua:3: in main chunk", out["error"])

    def test_backtracking_pattern_stopped_by_the_time_limit(self):
        for script, where in ((BACKTRACK, "play.lua:3: time limit of 1s exceeded in string.find"),
                              ("local n = 0\nwhile true do n = n + 1 end\n",
                               "play.lua:2: time limit of 1s exceeded (playbooks.timeout"),
                              ("local s = string.rep('ab', 5000)\n"
                               "while true do s:gsub('(a*)*b', '%1') end\n",
                               "play.lua:2: time limit of 1s exceeded")):
            result, seconds = self.play(script, {"instructions": 10 ** 12, "timeout": "1s"},
                                        "-o", "json")
            self.assertExit(result, EXIT_USAGE)
            self.assertGreaterEqual(seconds, 1)
            self.assertLess(seconds, 6)
            self.assertIn(where, result.json()["error"])

    def test_http_get_waiting_is_cut_off_at_the_time_limit(self):
        sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
        from fake_http import FakeHTTP
        fake = FakeHTTP(default={"status": 200, "body": {"ok": True}, "delay_ms": 8000})
        fake.start()
        try:
            script = ('local response, why = fawkes.http.request{url = "%s"}\n'
                      'fawkes.report{why = why}\n' % fake.url("/slow"))
            path = self.write("play.lua", script)
            config = self.write("fawkes.yaml", json.dumps({
                "version": 1,
                "playbooks": {"timeout": "1s"},
                "state": os.path.join(self.tmp, "state.db"),
                "security": {"egress_allow": ["127.0.0.1"],
                             "audit_log": os.path.join(self.tmp, "audit.jsonl")},
            }))
            started = time.monotonic()
            result = self.fawkes("-c", config, "playbook", "run", path, "-o", "json")
            seconds = time.monotonic() - started
        finally:
            fake.stop()
        self.assertExit(result, EXIT_USAGE)
        self.assertLess(seconds, 6)
        self.assertIn("play.lua:1: time limit of 1s exceeded in fawkes.http.request",
                      result.json()["error"])

    def test_default_time_limit_is_documented_as_60s(self):
        with open(os.path.join(fwtest.SOURCE_DIR, "docs", "config.md"), encoding="utf-8") as f:
            self.assertRegex(f.read(), r"\| `timeout` \| duration \| `60s` \|")

    def test_bad_timeout_is_a_config_error(self):
        for value in ("0s", "soon", -1):
            result, _ = self.play("return 1\n", {"timeout": value})
            self.assertExit(result, EXIT_USAGE)
            self.assertIn("playbooks.timeout: expected a duration > 0", result.stderr)

    def signal_stops(self, script, signo):
        path = self.write("play.lua", script)
        config = self.config({"instructions": 10 ** 12, "timeout": "1h"})
        env = dict(os.environ, NO_COLOR="1")
        env.pop("FAWKES_PLUGIN_PATH", None)
        proc = subprocess.Popen([fwtest.FAWKES, "-c", config, "playbook", "run", path, "-o",
                                 "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
        try:
            # the script says when it reaches the long part; then give it time to be in it
            seen = ""
            while "long part" not in seen:
                line = proc.stderr.readline()
                self.assertTrue(line, "the playbook ended before its long part: " + seen)
                seen += line
            time.sleep(0.5)
            self.assertIsNone(proc.poll(), "the playbook ended before the signal")
            sent = time.monotonic()
            proc.send_signal(signo)
            stdout, stderr = proc.communicate(timeout=10)
            stderr = seen + stderr
            waited = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertLess(waited, 2, "the playbook kept running after the signal")
        self.assertEqual(proc.returncode, EXIT_USAGE, stderr)
        out = json.loads(stdout)
        self.assertEqual(out["status"], "error")
        return out["error"], stderr

    def test_sigterm_stops_a_pattern_inside_c(self):
        error, stderr = self.signal_stops(
            BACKTRACK.replace("local found", "fawkes.log.warn('long part')\nlocal found"),
            signal.SIGTERM)
        self.assertIn("play.lua:4: stopped in string.find by SIGINT or SIGTERM", error)
        self.assertIn("play.lua:4: stopped in string.find", stderr)

    def test_sigint_stops_a_loop_even_under_pcall(self):
        error, _ = self.signal_stops("fawkes.log.warn('long part')\nwhile true do\n"
                                     "  pcall(function() while true do end end)\nend\n",
                                     signal.SIGINT)
        self.assertRegex(error, r"play\.lua:3: stopped by SIGINT or SIGTERM")


if __name__ == "__main__":
    fwtest.main()
