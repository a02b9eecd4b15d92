"""test_playbook: `fawkes playbook run` end to end: plan, approval, circuit breakers, cooldowns,
audit, exit codes, errors. The actions_fake provider's actions send real HTTP requests through
the host to tests/fakes/fake_http.py, which counts every mutating request."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_http import FakeHTTP  # noqa: E402

EXIT_OK, EXIT_USAGE, EXIT_PARTIAL = 0, 2, 3
TOKEN_SECRET = "sekrit-fake-token-4711"

STOP_RUNNING = """
for r in fawkes.inventory{kind = "compute.instance", where = {state = "running"}} do
  fawkes.action(r, "stop")
end
"""

CLOSE_SSH = """
for fw in fawkes.inventory{kind = "network.firewall"} do
  for _, rule in ipairs(fw.attributes.rules) do
    if rule.ports == "22" and rule.cidrs[1] == "0.0.0.0/0" then
      fawkes.action(fw, "close_port", {port = 22})
    end
  end
end
"""


class PlaybookTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeHTTP(default={"status": 200, "body": {"ok": True}})
        self.fake.start()
        self.audit = os.path.join(self.tmp, "audit.jsonl")

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def config(self, instances=4, firewalls=1, playbooks=None, extra=None):
        config = {
            "version": 1,
            "providers": [{"name": "fake", "plugin": "actions_fake",
                           "config": {"endpoint": self.fake.url(""), "token": "${env:FAKE_TOKEN}",
                                      "instances": instances, "firewalls": firewalls}}],
            "security": {"egress_allow": ["127.0.0.1"], "audit_log": self.audit},
            "state": os.path.join(self.tmp, "state.db"),
        }
        if playbooks is not None:
            config["playbooks"] = playbooks
        if extra:
            config.update(extra)
        return self.write("fawkes.yaml", json.dumps(config, indent=2))

    def play(self, script, *args, config=None, name="play.lua"):
        path = self.write(name, script)
        cfg = config or self.config()
        return self.fawkes("-c", cfg, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "playbook", "run",
                           path, "-o", "json", *args, env={"FAKE_TOKEN": TOKEN_SECRET})

    def mutating(self):
        return [r for r in self.fake.requests() if r["method"] not in ("GET", "HEAD")]

    def audit_entries(self):
        if not os.path.exists(self.audit):
            return []
        with open(self.audit, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    # --- dry run ---

    def test_dry_run_plans_and_sends_nothing(self):
        result = self.play(STOP_RUNNING + CLOSE_SSH)
        self.assertExit(result, EXIT_OK)
        out = result.json()
        self.assertEqual(out["status"], "planned")
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.fake.requests(), [])
        steps = out["steps"]
        self.assertEqual([(s["action"], s["resource"], s["risk"]) for s in steps], [
            ("stop", "fake:acct:r1:compute.instance:i-1", "low"),
            ("stop", "fake:acct:r1:compute.instance:i-3", "low"),
            ("close_port", "fake:acct:r1:network.firewall:fw-1", "high")])
        self.assertEqual(steps[2]["params"], {"port": 22})
        self.assertEqual(steps[2]["preview"]["requests"],
                         [{"method": "DELETE", "url": self.fake.url("/firewalls/fw-1/rules/22")}])
        self.assertTrue(out["needs_approval"])
        self.assertRegex(out["token"], "^[0-9a-f]{64}$")
        self.assertEqual(len(out["plan"]), 3)
        events = [e["event"] for e in self.audit_entries()]
        self.assertEqual(events, ["action.planned"] * 3)
        self.assertTrue(all(e["dry_run"] for e in self.audit_entries()))
        # The same world gives the same token.
        again = self.play(STOP_RUNNING + CLOSE_SSH).json()
        self.assertEqual(again["token"], out["token"])

    def test_table_output_shows_plan_and_token(self):
        path = self.write("play.lua", STOP_RUNNING)
        result = self.fawkes("-c", self.config(), "--plugin-dir", fwtest.TEST_PLUGIN_DIR,
                             "playbook", "run", path, env={"FAKE_TOKEN": TOKEN_SECRET})
        self.assertExit(result, EXIT_OK)
        self.assertIn("playbook play: planned (dry run)", result.stdout)
        self.assertIn("[planned] action stop on fake:acct:r1:compute.instance:i-1 via fake "
                      "(risk low)", result.stdout)
        self.assertRegex(result.stdout, r"plan token: [0-9a-f]{64}")

    # --- apply and approval ---

    def test_apply_low_risk_runs_exactly_the_plan(self):
        result = self.play(STOP_RUNNING, "--apply")
        self.assertExit(result, EXIT_OK)
        out = result.json()
        self.assertEqual(out["status"], "applied")
        self.assertEqual([s["status"] for s in out["steps"]], ["executed", "executed"])
        self.assertEqual([(r["method"], r["path"]) for r in self.mutating()],
                         [("POST", "/instances/i-1/stop"), ("POST", "/instances/i-3/stop")])
        self.assertEqual(self.mutating()[0]["headers"]["authorization"], "Bearer " + TOKEN_SECRET)
        events = [e["event"] for e in self.audit_entries()]
        # each executed action: the mutating request it sent, then its result
        self.assertEqual(events, ["action.planned", "action.planned", "http.request",
                                  "action.executed", "http.request", "action.executed"])
        with open(self.audit, encoding="utf-8") as f:
            self.assertNotIn(TOKEN_SECRET, f.read())
        verify = self.fawkes("audit", "verify", self.audit)
        self.assertExit(verify, EXIT_OK)

    def test_high_risk_needs_approval(self):
        result = self.play(CLOSE_SSH, "--apply")
        self.assertExit(result, EXIT_USAGE)
        out = result.json()
        self.assertEqual(out["status"], "refused")
        self.assertIn("approval needed", out["refusal"])
        self.assertIn(out["token"], result.stderr)
        self.assertEqual(self.mutating(), [])
        self.assertEqual([e["event"] for e in self.audit_entries()],
                         ["action.planned", "action.skipped"])

    def test_approved_token_applies(self):
        token = self.play(CLOSE_SSH).json()["token"]
        self.assertEqual(self.mutating(), [])
        result = self.play(CLOSE_SSH, "--apply", "--approve", token)
        self.assertExit(result, EXIT_OK)
        self.assertEqual(result.json()["status"], "applied")
        self.assertEqual([(r["method"], r["path"]) for r in self.mutating()],
                         [("DELETE", "/firewalls/fw-1/rules/22")])
        events = [e["event"] for e in self.audit_entries()]
        self.assertEqual(events, ["action.planned", "action.planned", "action.approved",
                                  "http.request", "action.executed"])
        self.assertEqual(self.audit_entries()[-1]["token"], token)

    def test_token_of_a_different_plan_is_refused_with_difference(self):
        token = self.play(CLOSE_SSH, config=self.config(firewalls=1)).json()["token"]
        # The world changed: a second firewall now matches.
        result = self.play(CLOSE_SSH, "--apply", "--approve", token,
                           config=self.config(firewalls=2))
        self.assertExit(result, EXIT_USAGE)
        out = result.json()
        self.assertEqual(out["status"], "refused")
        self.assertNotEqual(out["token"], token)
        self.assertIn("not the plan that was approved", out["refusal"])
        self.assertEqual(len(out["difference"]["added"]), 1)
        self.assertIn("fw-2", out["difference"]["added"][0])
        self.assertEqual(out["difference"]["removed"], [])
        self.assertEqual(self.mutating(), [])

    def test_unknown_token_is_refused(self):
        result = self.play(STOP_RUNNING, "--apply", "--approve", "0" * 64)
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("was not produced by a dry run", result.json()["refusal"])
        self.assertEqual(self.mutating(), [])

    def test_approve_without_apply_is_a_usage_error(self):
        result = self.play(STOP_RUNNING, "--approve", "abc")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("--approve TOKEN only makes sense with --apply", result.stderr)

    # --- circuit breakers ---

    def test_max_actions_refuses_the_whole_plan(self):
        cfg = self.config(instances=10, playbooks={"max_actions": 3})
        result = self.play(STOP_RUNNING, "--apply", config=cfg)
        self.assertExit(result, EXIT_USAGE)
        out = result.json()
        self.assertIn("5 actions planned, more than max_actions 3", out["refusal"])
        self.assertEqual(self.mutating(), [])
        self.assertEqual({s["status"] for s in out["steps"]}, {"refused"})
        # The dry run says so too.
        dry = self.play(STOP_RUNNING, config=cfg)
        self.assertExit(dry, EXIT_USAGE)

    def test_meta_may_tighten_but_not_loosen(self):
        cfg = self.config(instances=10, playbooks={"max_actions": 6})
        tighter = self.play("meta = {max_actions = 2}\n" + STOP_RUNNING, config=cfg).json()
        self.assertEqual(tighter["limits"]["max_actions"], 2)
        self.assertEqual(tighter["status"], "refused")
        looser = self.play("meta = {max_actions = 100}\n" + STOP_RUNNING, config=cfg)
        self.assertExit(looser, EXIT_OK)
        self.assertEqual(looser.json()["limits"]["max_actions"], 6)

    def test_max_percent(self):
        cfg = self.config(instances=10, firewalls=0, playbooks={"max_percent": 20})
        script = """
        local n = 0
        for r in fawkes.inventory{kind = "compute.instance"} do
          n = n + 1
          if n <= tonumber(fawkes.args.act) then fawkes.action(r, "stop") end
        end
        """
        ok = self.play(script, "--apply", "--var", "act=2", config=cfg)
        self.assertExit(ok, EXIT_OK)
        self.assertEqual(ok.json()["matched"], 10)
        self.assertEqual(len(self.mutating()), 2)
        too_many = self.play(script, "--apply", "--var", "act=5", config=cfg)
        self.assertExit(too_many, EXIT_USAGE)
        self.assertIn("3 of 10 matched resources", too_many.json()["refusal"])
        self.assertEqual(len(self.mutating()), 2)

    def test_cooldown_across_runs(self):
        cfg = self.config(playbooks={"cooldown": "1h"})
        first = self.play(STOP_RUNNING, "--apply", config=cfg)
        self.assertExit(first, EXIT_OK)
        self.assertEqual(len(self.mutating()), 2)
        second = self.play(STOP_RUNNING, "--apply", config=cfg)
        self.assertExit(second, EXIT_OK)
        out = second.json()
        self.assertEqual([s["status"] for s in out["steps"]], ["skipped", "skipped"])
        self.assertIn("cooldown", out["steps"][0]["reason"])
        self.assertEqual(len(self.mutating()), 2)  # nothing new was sent
        self.assertEqual(out["plan"], [])
        self.assertEqual(self.audit_entries()[-1]["event"], "action.skipped")
        # With no cooldown the same resources may be acted on again.
        again = self.play(STOP_RUNNING, "--apply", config=self.config(playbooks={"cooldown": 0}))
        self.assertExit(again, EXIT_OK)
        self.assertEqual(len(self.mutating()), 4)

    def test_audit_verify_detects_edit_reorder_delete(self):
        self.assertExit(self.play(STOP_RUNNING, "--apply"), EXIT_OK)
        with open(self.audit, encoding="utf-8") as f:
            lines = f.readlines()
        self.assertEqual(len(lines), 6)  # 2 planned; per action its request and its result
        self.assertExit(self.fawkes("audit", "verify", self.audit), EXIT_OK)

        def verify_with(new_lines):
            with open(self.audit, "w", encoding="utf-8") as f:
                f.writelines(new_lines)
            result = self.fawkes("audit", "verify", self.audit)
            with open(self.audit, "w", encoding="utf-8") as f:
                f.writelines(lines)
            return result

        edited = list(lines)
        k = next(i for i, line in enumerate(lines) if '"action.executed"' in line)
        edited[k] = edited[k].replace('"action":"stop"', '"action":"start"')
        self.assertNotEqual(edited[k], lines[k])
        reordered = [lines[0], lines[2], lines[1]] + lines[3:]
        for tampered in (edited, reordered, lines[:1] + lines[2:], lines[:-1]):
            result = verify_with(tampered)
            self.assertExit(result, 1)
            self.assertIn("TAMPERED", result.stdout)

    # --- failures, errors, exit codes ---

    def test_failed_action_is_partial_and_audited(self):
        self.fake.add("POST /instances/i-3/stop", {"status": 500, "body": "boom"}, {"status": 500},
                      {"status": 500}, {"status": 500}, {"status": 500})
        result = self.play(STOP_RUNNING, "--apply")
        self.assertExit(result, EXIT_PARTIAL)
        out = result.json()
        self.assertEqual([s["status"] for s in out["steps"]], ["executed", "failed"])
        self.assertEqual(len(out["failures"]), 1)
        self.assertIn("action.failed", [e["event"] for e in self.audit_entries()])

    def test_runtime_error_has_line_and_traceback(self):
        result = self.play("local x = 1\nlocal y = nil\nprint(y.field)\n")
        self.assertExit(result, EXIT_USAGE)
        out = result.json()
        self.assertEqual(out["status"], "error")
        self.assertIn("play.lua:3: attempt to index a nil value (local 'y')", out["error"])
        self.assertIn("stack traceback:", out["error"])
        self.assertIn("play.lua:3:", result.stderr)

    def test_syntax_error(self):
        result = self.play("for i = 1, do\n")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("play.lua:1:", result.json()["error"])

    def test_error_after_planning_executes_nothing(self):
        result = self.play(STOP_RUNNING + "\nerror('changed my mind')\n", "--apply")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("play.lua:6: changed my mind", result.json()["error"])
        self.assertEqual(self.mutating(), [])

    def test_infinite_loop_and_memory_bomb_stopped(self):
        cfg = self.config(playbooks={"instructions": 100000, "memory": "8MiB"})
        loop = self.play("local n = 0\nwhile true do n = n + 1 end\n", config=cfg)
        self.assertExit(loop, EXIT_USAGE)
        self.assertIn("play.lua:2: instruction limit of 100000 exceeded", loop.json()["error"])
        bomb = self.play("local t = {}\nfor i = 1, 1e9 do t[i] = {i} end\n",
                         config=self.config(playbooks={"memory": "8MiB"}))
        self.assertExit(bomb, EXIT_USAGE)
        self.assertIn("play.lua:2: memory limit of 8 MiB exceeded", bomb.json()["error"])

    def test_unknown_action_and_provider(self):
        result = self.play("""
        for r in fawkes.inventory{kind = "compute.instance"} do fawkes.action(r, "explode") end
        """)
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("provider 'fake' has no action 'explode' (it has: stop, terminate, "
                      "close_port)", result.json()["error"])
        result = self.play("for r in fawkes.inventory{provider = 'nope-prod'} do end")
        self.assertExit(result, EXIT_OK)  # a provider value no resource has: nothing matches
        result = self.play("fawkes.action({uid = 'x'}, 'stop')")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("argument 1 must be a resource from fawkes.inventory", result.json()["error"])

    def test_bad_var_and_missing_file(self):
        result = self.play("return", "--var", "novalue")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("--var novalue: expected NAME=VALUE", result.stderr)
        missing = self.fawkes("playbook", "run", os.path.join(self.tmp, "nope.lua"))
        self.assertExit(missing, EXIT_USAGE)
        self.assertIn("cannot read the playbook", missing.stderr)
        usage = self.fawkes("playbook", "list")
        self.assertExit(usage, EXIT_USAGE)

    # --- state, http, notify ---

    def test_state_is_stored_only_when_applied(self):
        script = """
        local n = (fawkes.state.get("runs") or 0) + 1
        fawkes.state.set("runs", n)
        fawkes.report{runs = n}
        """
        self.assertEqual(self.play(script).json()["report"], [{"runs": 1}])
        self.assertEqual(self.play(script).json()["report"], [{"runs": 1}])
        self.assertEqual(self.play(script, "--apply").json()["report"], [{"runs": 1}])
        self.assertEqual(self.play(script, "--apply").json()["report"], [{"runs": 2}])
        # Another playbook has its own state.
        self.assertEqual(self.play(script, name="other.lua").json()["report"], [{"runs": 1}])

    def test_http_get_now_post_planned(self):
        self.fake.add("GET /status", {"status": 200, "body": {"healthy": True}})
        script = """
        local res = assert(fawkes.http.request{url = fawkes.args.base .. "/status"})
        local doc = fawkes.json.decode(res.body)
        fawkes.report{status = res.status, healthy = doc.healthy,
                      type = res.headers["content-type"]}
        local planned = fawkes.http.request{method = "POST", url = fawkes.args.base .. "/hook",
                                            body = {text = "hi"},
                                            headers = {Authorization = "Bearer s3cr3t-value"}}
        assert(planned.planned)
        """
        base = "--var", "base=" + self.fake.url("")
        dry = self.play(script, *base)
        self.assertExit(dry, EXIT_OK)
        self.assertEqual(dry.json()["report"],
                         [{"status": 200, "healthy": True, "type": "application/json"}])
        self.assertEqual(self.mutating(), [])
        self.assertEqual(dry.json()["steps"][0]["type"], "http")
        self.assertNotIn("s3cr3t-value", dry.stdout)
        applied = self.play(script, *base, "--apply")
        self.assertExit(applied, EXIT_OK)
        posts = self.mutating()
        self.assertEqual(len(posts), 1)
        self.assertEqual(json.loads(posts[0]["body"]), {"text": "hi"})
        self.assertEqual(posts[0]["headers"]["authorization"], "Bearer s3cr3t-value")

    def test_http_refused_by_allowlist(self):
        result = self.play('local r, err = fawkes.http.request{url = "https://evil.example.net/x"}\n'
                           'fawkes.report{err = err}')
        self.assertExit(result, EXIT_OK)
        self.assertIn("not in security.egress_allow", result.json()["report"][0]["err"])
        result = self.play('fawkes.http.request{method = "POST", url = "https://evil.example.net/x"}')
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("not in security.egress_allow", result.json()["error"])

    def test_notify_is_sent_only_when_applied(self):
        record = os.path.join(self.tmp, "notes.jsonl")
        cfg = self.config(extra={"notifiers": [{"name": "rec", "plugin": "recorder",
                                                "config": {"path": record}}]})
        script = 'fawkes.notify("rec", "stopping " .. tostring(#fawkes.args))'
        self.assertExit(self.play(script, config=cfg), EXIT_OK)
        self.assertFalse(os.path.exists(record))
        self.assertExit(self.play(script, "--apply", config=cfg), EXIT_OK)
        with open(record, encoding="utf-8") as f:
            messages = [json.loads(line) for line in f]
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages[0]["text"], "stopping 0")
        self.assertEqual(messages[0]["run"]["chain"], "playbook:play")

    def test_evaluate_with_a_policy(self):
        cfg = self.config(extra={"policies": [{"name": "labels", "plugin": "require_label",
                                               "config": {"label": "owner"}}]})
        script = """
        local effects = {}
        for r in fawkes.inventory{kind = "compute.instance"} do
          local decisions = fawkes.evaluate("labels", r)
          effects[#effects + 1] = decisions[1].effect .. ":" .. decisions[1].policy
        end
        local ok = fawkes.evaluate("labels", {uid = "doc", labels = {owner = "me"}})
        fawkes.report{effects = effects, doc = ok[1].effect}
        """
        result = self.play(script, config=cfg)
        self.assertExit(result, EXIT_OK)
        self.assertEqual(result.json()["report"],
                         [{"effects": ["deny:require-label"] * 4, "doc": "allow"}])
        missing = self.play('fawkes.evaluate("nope", {})', config=cfg)
        self.assertExit(missing, EXIT_USAGE)
        self.assertIn("no policy named 'nope'", missing.json()["error"])

    # --- chains ---

    def test_chain_runs_playbooks_after_notify_with_its_resources(self):
        play = self.write("play.lua", STOP_RUNNING)
        cfg = self.config(extra={"chains": [{"name": "nightly", "providers": ["fake"],
                                             "playbooks": [play]}]})
        dry = self.fawkes("-c", cfg, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "run", "-o", "json",
                          "-v", env={"FAKE_TOKEN": TOKEN_SECRET})
        self.assertExit(dry, EXIT_OK)
        self.assertIn("playbook: %s: planned, 2 step(s)" % play, dry.stderr)
        self.assertNotIn("listing the resources", dry.stderr)  # the chain's listing is reused
        self.assertEqual(self.mutating(), [])
        applied = self.fawkes("-c", cfg, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "run", "--apply",
                              "-o", "json", env={"FAKE_TOKEN": TOKEN_SECRET})
        self.assertExit(applied, EXIT_OK)
        self.assertEqual(len(self.mutating()), 2)

    def test_chain_playbook_refusal_makes_the_run_partial(self):
        play = self.write("play.lua", CLOSE_SSH)
        cfg = self.config(extra={"chains": [{"name": "nightly", "providers": ["fake"],
                                             "playbooks": [play]}]})
        result = self.fawkes("-c", cfg, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "run", "--apply",
                             "-o", "json", env={"FAKE_TOKEN": TOKEN_SECRET})
        self.assertExit(result, EXIT_PARTIAL)
        failures = result.json()["failures"]
        self.assertEqual(failures[0]["operation"], "playbook")
        self.assertIn("approval needed", failures[0]["message"])
        self.assertEqual(self.mutating(), [])
        playbooks = result.json()["playbooks"]
        self.assertEqual(len(playbooks), 1)
        self.assertEqual(playbooks[0]["status"], "refused")
        self.assertIn("approval needed", playbooks[0]["refusal"])
        self.assertEqual(len(playbooks[0]["plan"]), 1)

    def test_chain_playbooks_in_run_output(self):
        play = self.write("play.lua", STOP_RUNNING)
        cfg = self.config(extra={"chains": [{"name": "nightly", "providers": ["fake"],
                                             "playbooks": [play]},
                                            {"name": "quiet", "providers": ["fake"]}]})
        result = self.fawkes("-c", cfg, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "run", "-o",
                             "json", env={"FAKE_TOKEN": TOKEN_SECRET})
        self.assertExit(result, EXIT_OK)
        playbooks = result.json()["playbooks"]
        self.assertEqual(len(playbooks), 1, playbooks)
        entry = playbooks[0]
        self.assertEqual({k: entry[k] for k in ("chain", "playbook", "path", "status")},
                         {"chain": "nightly", "playbook": "play", "path": play,
                          "status": "planned"})
        self.assertRegex(entry["token"], r"^[0-9a-f]{16,}$")
        self.assertEqual(len(entry["plan"]), 2)
        self.assertEqual({step["action"] for step in entry["plan"]}, {"stop"})
        # the same plan, run alone, has the same token
        alone = self.play(STOP_RUNNING, config=cfg)
        self.assertExit(alone, EXIT_OK)
        self.assertEqual(alone.json()["token"], entry["token"])
        # the table: one line a playbook, after the findings' footer
        table = self.fawkes("-c", cfg, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "run",
                            env={"FAKE_TOKEN": TOKEN_SECRET})
        self.assertExit(table, EXIT_OK)
        lines = [line for line in table.stdout.splitlines() if line.startswith("playbook ")]
        self.assertEqual(lines, ["playbook nightly/play: planned, 2 steps planned, token %s"
                                 % entry["token"]])
        # scan and chains without playbooks: an empty list, or no key for scan
        self.assertEqual(self.fawkes("-c", cfg, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "run",
                                     "quiet", "-o", "json",
                                     env={"FAKE_TOKEN": TOKEN_SECRET}).json()["playbooks"], [])
        self.assertNotIn("playbooks", self.fawkes("-c", cfg, "--plugin-dir",
                                                  fwtest.TEST_PLUGIN_DIR, "scan", "-o", "json",
                                                  env={"FAKE_TOKEN": TOKEN_SECRET}).json())


if __name__ == "__main__":
    fwtest.main()
