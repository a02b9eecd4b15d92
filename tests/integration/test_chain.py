"""The real binary runs chains: providers -> scanners -> policies -> notifiers, with partial
failures, refused plugins, filters, redaction and exit codes as the exit code table in
README.md fixes them."""
import json
import os

import fwtest
from fwtest import PLUGIN_DIR, SOURCE_DIR, TEST_PLUGIN_DIR

RESOURCES = [
    {"uid": "aws:111:eu-west-2:compute.instance:i-1", "provider": "aws", "account": "111",
     "region": "eu-west-2", "kind": "compute.instance", "native_type": "ec2:instance",
     "id": "i-1", "name": "web-1", "state": "running", "labels": {"owner": "ana", "env": "prod"},
     "public": True, "encrypted": None, "monthly_cost": 31.5, "attributes": {}},
    {"uid": "gcp:proj:europe-west1:storage.bucket:logs", "provider": "gcp", "account": "proj",
     "region": "europe-west1", "kind": "storage.bucket", "native_type": "storage:bucket",
     "id": "logs", "name": "logs", "labels": {"env": "prod"}, "public": False,
     "encrypted": True, "monthly_cost": None, "attributes": {}},
    {"uid": "civo:acct:LON1:compute.volume:v-1", "provider": "civo", "account": "acct",
     "region": "LON1", "kind": "compute.volume", "native_type": "volume", "id": "v-1",
     "name": "data", "labels": {}, "public": None, "encrypted": False, "monthly_cost": 2.0,
     "attributes": {}},
]


class ChainTest(fwtest.TestCase):
    def snapshot(self, name="snap.jsonl", resources=RESOURCES):
        return self.write(name, "".join(json.dumps(r) + "\n" for r in resources), dedent=False)

    def config(self, body):
        return self.write("fawkes.yaml", "version: 1\nplugin_dirs: [%s, %s]\n%s" % (
            PLUGIN_DIR, TEST_PLUGIN_DIR, body))

    def test_demo_chain_runs_end_to_end(self):
        demo = os.path.join(SOURCE_DIR, "examples", "demo.yaml")
        res = self.fawkes("-c", demo, "run", "-o", "json", cwd=SOURCE_DIR)
        out = res.json()
        self.assertFalse(out["partial"], repr(res))
        self.assertGreaterEqual(out["resources"], 200)
        self.assertGreater(len(out["findings"]), 0)
        worst = max(["info", "low", "medium", "high", "critical"].index(f["severity"])
                    for f in out["findings"] if f["status"] == "fail")
        # Exit 1 exactly when a fail finding is at or above --fail-on (default high).
        self.assertExit(res, 1 if worst >= 3 else 0)
        self.assertExit(self.fawkes("-c", demo, "run", "--fail-on", "none", "-o", "json",
                                    cwd=SOURCE_DIR), 0)
        for f in out["findings"]:
            self.assertEqual(len(f["fingerprint"]), 64)
            self.assertIn(f["severity"], ["critical", "high", "medium", "low", "info"])
            self.assertIn("uid", f["resource"])
        table = self.fawkes("-c", demo, "run", "--fail-on", "none", cwd=SOURCE_DIR)
        self.assertExit(table, 0)
        self.assertIn("SEVERITY", table.stdout)

    def test_inventory_jsonl_round_trips_through_snapshot(self):
        snap = self.snapshot()
        self.config("providers:\n  - {name: snap, plugin: snapshot, config: {paths: [%s]}}\n"
                    % snap)
        first = self.fawkes("inventory", "-o", "jsonl")
        self.assertExit(first, 0)
        self.write("exported.jsonl", first.stdout, dedent=False)
        self.write("second.yaml", "version: 1\nplugin_dirs: [%s]\nproviders:\n"
                   "  - {name: again, plugin: snapshot, config: {paths: [%s]}}\n"
                   % (PLUGIN_DIR, os.path.join(self.tmp, "exported.jsonl")))
        second = self.fawkes("-c", "second.yaml", "inventory", "-o", "jsonl")
        self.assertExit(second, 0)
        key = lambda r: r["uid"]
        # the host completes every resource (docs/model.md): absent fields come out null
        complete = [dict({"state": None, "created_at": None}, **r) for r in RESOURCES]
        self.assertEqual(sorted(first.jsonl(), key=key), sorted(complete, key=key))
        self.assertEqual(sorted(second.jsonl(), key=key), sorted(complete, key=key))

    def test_failing_task_makes_the_run_partial_and_the_rest_completes(self):
        snap = self.snapshot()
        self.config("providers:\n"
                    "  - {name: flaky, plugin: task_errors}\n"
                    "  - {name: snap, plugin: snapshot, config: {paths: [%s]}}\n" % snap)
        res = self.fawkes("inventory", "-o", "json")
        self.assertExit(res, 3)
        out = res.json()
        self.assertTrue(out["partial"])
        self.assertEqual(len(out["failures"]), 1, out["failures"])
        failure = out["failures"][0]
        self.assertEqual(failure["instance"], "flaky")
        self.assertEqual(failure["plugin"], "task_errors")
        self.assertEqual(failure["task"], "bad-2")
        self.assertIn("region bad-2: page 2: HTTP 500 from the API", failure["message"])
        uids = {r["uid"] for r in out["resources"]}
        for r in RESOURCES:
            self.assertIn(r["uid"], uids)
        self.assertEqual(len([u for u in uids if u.startswith("test:task_errors:")]), 11)
        self.assertEqual(out["stats"]["flaky"]["tasks_failed"], 1)
        self.assertIn("region bad-2: page 2: HTTP 500 from the API", res.stderr)
        self.assertIn("partial", res.stderr)

    def test_failing_init_is_reported_and_others_run(self):
        snap = self.snapshot()
        self.config("providers:\n"
                    "  - {name: broken, plugin: init_fails}\n"
                    "  - {name: snap, plugin: snapshot, config: {paths: [%s]}}\n" % snap)
        res = self.fawkes("inventory", "-o", "json")
        self.assertExit(res, 3)
        out = res.json()
        self.assertEqual([f["operation"] for f in out["failures"]], ["init"])
        self.assertIn("cannot reach the metadata service", out["failures"][0]["message"])
        self.assertEqual(len(out["resources"]), len(RESOURCES))

    def test_refused_plugin_in_a_chain_is_a_failure_not_a_crash(self):
        snap = self.snapshot()
        self.config("providers:\n"
                    "  - {name: future, plugin: abi_newer}\n"
                    "  - {name: snap, plugin: snapshot, config: {paths: [%s]}}\n" % snap)
        res = self.fawkes("inventory", "-o", "json")
        self.assertExit(res, 3)
        out = res.json()
        self.assertEqual(out["failures"][0]["operation"], "load")
        self.assertIn("was refused by the loader: built for SDK ABI 2.0",
                      out["failures"][0]["message"])
        self.assertEqual(len(out["resources"]), len(RESOURCES))

    def test_unknown_plugin_is_a_config_error_and_nothing_runs(self):
        self.config("providers:\n  - {name: c, plugin: civoo}\n")
        res = self.fawkes("inventory", "-o", "json")
        self.assertExit(res, 2)
        self.assertEqual(res.stdout, "")
        self.assertIn("fawkes.yaml:4:", res.stderr)
        self.assertIn("providers[0].plugin: no plugin named 'civoo' is loaded", res.stderr)

    def test_bad_plugin_config_is_a_config_error(self):
        self.config("providers:\n  - {name: s, plugin: snapshot, config: {pathz: [x]}}\n")
        res = self.fawkes("inventory")
        self.assertExit(res, 2)
        self.assertIn("unknown key 'pathz'", res.stderr)
        self.assertEqual(res.stdout, "")

    def test_secrets_never_reach_outputs_or_logs(self):
        secret = "s3cr3t-T0ken-value-9f8e7d"
        self.config("providers:\n  - {name: leak, plugin: leaky, config: {token: \"${env:LEAK_TOKEN}\"}}\n"
                    "scanners:\n  - {name: g, plugin: good}\n"
                    "notifiers:\n  - {name: rec, plugin: recorder, config: {path: %s}}\n"
                    "chains:\n  - {name: c, providers: [leak], scanners: [g], notify: [rec]}\n"
                    % os.path.join(self.tmp, "sent.jsonl"))
        for fmt in ["json", "jsonl", "table", "sarif", "junit"]:
            res = self.fawkes("run", "-o", fmt, "-vv", env={"LEAK_TOKEN": secret})
            self.assertExit(res, 3)
            self.assertNotIn(secret, res.stdout, fmt)
            self.assertNotIn(secret, res.stderr, fmt)
            self.assertIn("[REDACTED]", res.stderr)
        inv = self.fawkes("inventory", "-o", "json", env={"LEAK_TOKEN": secret})
        self.assertNotIn(secret, inv.stdout)
        self.assertIn("[REDACTED]", inv.stdout)
        with open(os.path.join(self.tmp, "sent.jsonl")) as f:
            sent = f.read()
        self.assertTrue(sent)
        self.assertNotIn(secret, sent)

    def test_a_long_secret_is_redacted_before_messages_are_cut(self):
        # Longer than a failure message (2 KiB) and a log line (4 KiB): cutting first would
        # leave a piece of the secret that no longer matches it.
        secret = "".join("%08x" % (i * 2654435761 % 2**32) for i in range(700))
        self.config("providers:\n  - {name: leak, plugin: leaky, config: {token: \"${env:LEAK_TOKEN}\"}}\n")
        res = self.fawkes("inventory", "-o", "json", "-vv", env={"LEAK_TOKEN": secret})
        self.assertExit(res, 3)
        # (leaky cuts the secret itself into a 256-byte resource attribute, which no host can
        # recognise: only the host's own cuts are judged here: the log and the failure.)
        failures = json.dumps(res.json()["failures"])
        for start in range(0, len(secret) - 16, 16):
            piece = secret[start:start + 16]
            self.assertNotIn(piece, res.stderr)
            self.assertNotIn(piece, failures)
        self.assertIn("about to use token [REDACTED]", res.stderr)
        self.assertIn("request with token [REDACTED] failed", failures)

    def test_secret_written_inline_is_refused(self):
        self.config("providers:\n  - {name: leak, plugin: leaky, config: {token: inline-value}}\n")
        res = self.fawkes("inventory")
        self.assertExit(res, 2)
        self.assertIn("is a secret", res.stderr)
        self.assertNotIn("inline-value", res.stderr)

    def test_unset_secret_env_is_a_config_error_naming_the_variable(self):
        self.config("providers:\n  - {name: leak, plugin: leaky, config: {token: \"${env:NOPE_UNSET_42}\"}}\n")
        res = self.fawkes("inventory")
        self.assertExit(res, 2)
        self.assertIn("NOPE_UNSET_42", res.stderr)

    def test_policy_decisions_become_findings_and_notifiers_get_their_share(self):
        snap = self.snapshot()
        sent = os.path.join(self.tmp, "sent.jsonl")
        self.config("providers:\n  - {name: snap, plugin: snapshot, config: {paths: [%s]}}\n"
                    "scanners:\n  - {name: g, plugin: good}\n"
                    "policies:\n  - {name: owners, plugin: require_label}\n"
                    "notifiers:\n  - {name: rec, plugin: recorder, config: {path: %s}, min_severity: high, digest: true}\n"
                    "chains:\n  - {name: nightly, providers: [snap], scanners: [g], policies: [owners], notify: [rec]}\n"
                    % (snap, sent))
        res = self.fawkes("run", "nightly", "-o", "json")
        self.assertExit(res, 1)
        out = res.json()
        decisions = [f for f in out["findings"] if f["rule"] == "require-label.owner"]
        self.assertEqual(sorted((f["resource"]["uid"], f["status"]) for f in decisions), sorted([
            (RESOURCES[0]["uid"], "pass"), (RESOURCES[1]["uid"], "fail"),
            (RESOURCES[2]["uid"], "fail")]))
        for f in decisions:
            self.assertEqual(f["source"], "require_label")
            self.assertEqual(f["compliance"], ["SOC2-CC6.1"])
            self.assertEqual(f["severity"], "high")
        self.assertEqual(len([f for f in out["findings"] if f["rule"] == "test.always"]), 3)
        self.assertEqual(out["by_severity"]["high"], 2)
        with open(sent) as f:
            messages = [json.loads(line) for line in f]
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages[0]["run"]["chain"], "nightly")
        self.assertEqual(sorted(f["resource"]["uid"] for f in messages[0]["findings"]),
                         sorted([RESOURCES[1]["uid"], RESOURCES[2]["uid"]]))
        self.assertExit(self.fawkes("run", "--fail-on", "critical"), 0)
        self.assertExit(self.fawkes("run", "--fail-on", "low"), 1)

    def test_failed_notification_makes_the_run_partial(self):
        snap = self.snapshot()
        self.config("providers:\n  - {name: snap, plugin: snapshot, config: {paths: [%s]}}\n"
                    "scanners:\n  - {name: g, plugin: good}\n"
                    "notifiers:\n  - {name: rec, plugin: recorder, config: {path: /nonexistent/x, fail: true}}\n"
                    "chains:\n  - {name: c, providers: [snap], scanners: [g], notify: [rec]}\n" % snap)
        res = self.fawkes("run", "-o", "json", "--fail-on", "none")
        self.assertExit(res, 3)
        self.assertEqual(res.json()["failures"][0]["operation"], "notify")
        self.assertIn("delivery to /nonexistent/x refused", res.stderr)

    def test_provider_and_kind_filters(self):
        snap = self.snapshot()
        other = self.snapshot("other.jsonl", [dict(RESOURCES[0], uid="aws:222:x:compute.instance:i-9")])
        self.config("providers:\n  - {name: a, plugin: snapshot, config: {paths: [%s]}}\n"
                    "  - {name: b, plugin: snapshot, config: {paths: [%s]}}\n" % (snap, other))
        res = self.fawkes("inventory", "--provider", "b", "-o", "jsonl")
        self.assertExit(res, 0)
        self.assertEqual([r["uid"] for r in res.jsonl()], ["aws:222:x:compute.instance:i-9"])
        res = self.fawkes("inventory", "--kind", "storage.bucket", "-o", "jsonl")
        self.assertEqual([r["kind"] for r in res.jsonl()], ["storage.bucket"])
        res = self.fawkes("inventory", "--provider", "c")
        self.assertExit(res, 2)
        self.assertIn("--provider c: no provider instance of that name", res.stderr)
        self.assertIn("(defined: a, b)", res.stderr)

    def test_unknown_chain_and_usage_errors(self):
        self.config("providers:\n  - {name: a, plugin: snapshot, config: {paths: [%s]}}\n"
                    "chains:\n  - {name: c, providers: [a]}\n" % self.snapshot())
        res = self.fawkes("run", "nightly")
        self.assertExit(res, 2)
        self.assertIn("no chain named 'nightly'", res.stderr)
        self.assertIn("(defined: c)", res.stderr)
        res = self.fawkes("inventory", "-o", "sarif")
        self.assertExit(res, 2)
        self.assertEqual(res.stdout, "")
        self.assertExit(self.fawkes("frobnicate"), 2)
        self.assertExit(self.fawkes("inventory", "--nope"), 2)
        help_ = self.fawkes("run", "--help")
        self.assertExit(help_, 0)
        self.assertIn("usage: fawkes", help_.stdout)

    def test_missing_config_says_what_to_do(self):
        res = self.fawkes("inventory")
        self.assertExit(res, 2)
        self.assertIn("no config: pass -c FILE", res.stderr)

    def test_verbose_prints_counters_and_json_logs_are_json(self):
        snap = self.snapshot()
        self.config("providers:\n"
                    "  - {name: flaky, plugin: task_errors}\n"
                    "  - {name: snap, plugin: snapshot, config: {paths: [%s]}}\n" % snap)
        res = self.fawkes("inventory", "-o", "jsonl", "-v")
        self.assertExit(res, 3)
        self.assertRegex(res.stderr, r"fawkes: info: stats: snap: .*resources=3")
        self.assertRegex(res.stderr, r"fawkes: info: stats: flaky: .*tasks=3")
        self.assertRegex(res.stderr, r"fawkes: info: stats: flaky: .*tasks_failed=1")
        self.assertEqual(len(res.jsonl()), 3 + 11)
        res = self.fawkes("inventory", "-o", "jsonl", "--log-format", "json")
        self.assertExit(res, 3)
        lines = [json.loads(line) for line in res.stderr.splitlines()]
        errors = [l for l in lines if l["level"] == "error"]
        self.assertTrue(any("region bad-2: page 2" in l["msg"] and l["component"] == "flaky"
                            for l in errors), lines)
        for l in lines:
            self.assertRegex(l["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_version(self):
        res = self.fawkes("version")
        self.assertExit(res, 0)
        self.assertRegex(res.stdout, r"^fawkes \d+\.\d+\.\d+ \(plugin SDK ABI 1\.3\)")


if __name__ == "__main__":
    fwtest.main()
