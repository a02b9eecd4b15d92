"""test_history: run history in the state file: every finding's delta (new, open, resolved)
against the chain's previous run or --since RUN_ID, resolved findings reported once, partial
runs resolving nothing, every output format carrying the delta, and concurrent runs on one
state file."""
import json
import os
import sqlite3
import subprocess
import xml.etree.ElementTree as ET

import fwtest
from fwtest import PLUGIN_DIR, TEST_PLUGIN_DIR


def resource(name, severity, rule="x", provider="aws", labels=None, **attributes):
    all_labels = {"severity": severity, "rule": rule}
    all_labels.update(labels or {})
    return {"uid": "%s:1:eu-west-2:compute.instance:%s" % (provider, name), "provider": provider,
            "account": "1", "region": "eu-west-2", "kind": "compute.instance", "id": name,
            "name": name, "labels": all_labels, "attributes": attributes}


class HistoryTest(fwtest.TestCase):
    def setUp(self):
        super().setUp()
        self.state = os.path.join(self.tmp, "state.db")

    def resources(self, *items):
        self.write("snap.jsonl", "".join(json.dumps(r) + "\n" for r in items), dedent=False)

    def config(self, chains="chains:\n  - {name: nightly, providers: [snap], scanners: [flag]}\n",
               extra_providers=""):
        self.write("fawkes.yaml",
                   "version: 1\nplugin_dirs: [%s, %s]\nstate: %s\n"
                   "providers:\n  - {name: snap, plugin: snapshot, config: {paths: [snap.jsonl]}}\n"
                   "%sscanners:\n  - {name: flag, plugin: flag}\n%s"
                   % (PLUGIN_DIR, TEST_PLUGIN_DIR, self.state, extra_providers, chains))

    def run_json(self, *args, code=None):
        res = self.fawkes("run", "-o", "json", "--fail-on", "none", *args)
        if code is not None:
            self.assertExit(res, code)
        return res.json() if res.stdout else {}, res

    @staticmethod
    def deltas(out):
        return sorted((f["resource"]["name"], f["delta"], f["status"]) for f in out["findings"])

    def test_new_open_resolved_and_resolved_only_once(self):
        self.config()
        self.resources(resource("a", "high"), resource("b", "medium"))
        first, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(first), [("a", "new", "fail"), ("b", "new", "fail")])
        self.assertEqual(first["delta"], {"new": 2, "open": 0, "resolved": 0})
        second, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(second), [("a", "open", "fail"), ("b", "open", "fail")])
        self.assertEqual(second["delta"], {"new": 0, "open": 2, "resolved": 0})
        self.resources(resource("a", "high"), resource("c", "low"))
        third, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(third), [("a", "open", "fail"), ("b", "resolved", "pass"),
                                              ("c", "new", "fail")])
        self.assertEqual(third["delta"], {"new": 1, "open": 1, "resolved": 1})
        self.assertEqual(third["findings_count"], 3)
        resolved = [f for f in third["findings"] if f["delta"] == "resolved"][0]
        self.assertEqual(resolved["rule"], "test.flag.x")
        self.assertEqual(resolved["severity"], "medium")
        # A resolved finding does not count towards --fail-on.
        self.assertEqual(third["by_severity"]["medium"], 0)
        fourth, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(fourth), [("a", "open", "fail"), ("c", "open", "fail")])
        # A finding that comes back after being resolved is new again.
        self.resources(resource("a", "high"), resource("b", "medium"), resource("c", "low"))
        fifth, _ = self.run_json(code=0)
        self.assertIn(("b", "new", "fail"), self.deltas(fifth))

    def test_changed_evidence_is_a_new_finding(self):
        self.config()
        self.resources(resource("a", "high", port=22))
        self.run_json(code=0)
        self.resources(resource("a", "high", port=3389))
        out, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(out), [("a", "new", "fail"), ("a", "resolved", "pass")])

    def test_since_compares_against_an_older_run(self):
        self.config()
        self.resources(resource("a", "high"))
        first, _ = self.run_json(code=0)
        self.resources(resource("a", "high"), resource("b", "low"))
        self.run_json(code=0)
        self.resources(resource("a", "high"), resource("b", "low"), resource("c", "low"))
        third, _ = self.run_json("--since", first["run_id"], code=0)
        self.assertEqual(self.deltas(third), [("a", "open", "fail"), ("b", "new", "fail"),
                                              ("c", "new", "fail")])
        # A unique prefix is enough.
        again, _ = self.run_json("--since", first["run_id"][:8], code=0)
        self.assertEqual(self.deltas(again), self.deltas(third))
        # Unknown, malformed: usage errors, nothing runs.
        res = self.fawkes("run", "--since", "abcdef123456")
        self.assertExit(res, 2)
        self.assertIn("--since abcdef123456: no run with that id is recorded in", res.stderr)
        self.assertEqual(res.stdout, "")
        res = self.fawkes("run", "--since", "last-tuesday")
        self.assertExit(res, 2)
        self.assertIn("expected a run id", res.stderr)

    def test_since_names_a_run_without_the_chain(self):
        self.config("chains:\n  - {name: nightly, providers: [snap], scanners: [flag]}\n"
                    "  - {name: hourly, providers: [snap], scanners: [flag]}\n")
        self.resources(resource("a", "high"))
        first, _ = self.run_json("nightly", code=0)
        res = self.fawkes("run", "hourly", "--since", first["run_id"])
        self.assertExit(res, 2)
        self.assertIn("that run did not run chain 'hourly' (it ran: nightly)", res.stderr)

    def test_chains_keep_separate_histories(self):
        self.config("chains:\n  - {name: nightly, providers: [snap], scanners: [flag]}\n"
                    "  - {name: hourly, providers: [snap], scanners: [flag]}\n")
        self.resources(resource("a", "high"))
        self.run_json("nightly", code=0)
        hourly, _ = self.run_json("hourly", code=0)
        self.assertEqual(self.deltas(hourly), [("a", "new", "fail")])
        both, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(both), [("a", "open", "fail"), ("a", "open", "fail")])

    def test_partial_run_resolves_nothing(self):
        broken = "  - {name: broken, plugin: init_fails}\n"
        self.config(extra_providers=broken)
        self.resources(resource("a", "high"), resource("b", "low"))
        self.run_json(code=0)
        self.config(extra_providers=broken, chains="chains:\n  - {name: nightly, providers: "
                    "[snap, broken], scanners: [flag]}\n")
        self.resources(resource("a", "high"))
        partial, _ = self.run_json(code=3)
        # b is absent, but a provider failed: it may still be there, so it is not resolved.
        self.assertEqual(self.deltas(partial), [("a", "open", "fail")])
        self.config(extra_providers=broken)
        complete, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(complete), [("a", "open", "fail"), ("b", "resolved", "pass")])

    def test_scan_keeps_history_per_filter(self):
        self.config()
        self.resources(resource("a", "high"), resource("g", "low", provider="gcp"))
        res = self.fawkes("scan", "-o", "json", "--fail-on", "none")
        self.assertEqual(sorted(f["delta"] for f in res.json()["findings"]), ["new", "new"])
        res = self.fawkes("scan", "-o", "json", "--fail-on", "none", "--kind", "compute.instance")
        self.assertEqual(sorted(f["delta"] for f in res.json()["findings"]), ["new", "new"])
        res = self.fawkes("scan", "-o", "json", "--fail-on", "none")
        self.assertEqual(sorted(f["delta"] for f in res.json()["findings"]), ["open", "open"])

    def test_every_output_format_carries_the_delta(self):
        self.config()
        self.resources(resource("a", "high"), resource("b", "medium"))
        self.run_json(code=0)
        self.resources(resource("a", "high"), resource("c", "low"))
        table = self.fawkes("run", "--fail-on", "none")
        self.assertExit(table, 0)
        lines = table.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["SEVERITY", "STATUS", "DELTA", "RULE", "RESOURCE",
                                            "MESSAGE"])
        rows = {line.split()[4]: line.split()[:3] for line in lines[1:4]}
        self.assertEqual(rows, {"a": ["high", "fail", "open"], "c": ["low", "fail", "new"],
                                "b": ["medium", "pass", "resolved"]})
        self.assertIn("(1 new, 1 open, 1 resolved)", table.stdout)
        # The table run was recorded too: compare the rest against the run before it.
        self.resources(resource("a", "high"), resource("b", "medium"))
        jsonl = self.fawkes("run", "-o", "jsonl", "--fail-on", "none")
        self.assertEqual(sorted((f["resource"]["name"], f["delta"]) for f in jsonl.jsonl()),
                         [("a", "open"), ("b", "new"), ("c", "resolved")])
        self.resources(resource("a", "high"))
        sarif = json.loads(self.fawkes("run", "-o", "sarif", "--fail-on", "none").stdout)
        results = sarif["runs"][0]["results"]
        by_name = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in results}
        self.assertEqual(by_name["a"]["baselineState"], "unchanged")
        self.assertEqual(by_name["b"]["baselineState"], "absent")
        self.assertEqual(by_name["b"]["properties"]["delta"], "resolved")
        self.resources(resource("a", "high"), resource("d", "high"))
        junit = ET.fromstring(self.fawkes("run", "-o", "junit", "--fail-on", "none").stdout)
        texts = {case.get("name").rsplit(":", 1)[1]: case.find("failure").text
                 for case in junit.iter("testcase") if case.find("failure") is not None}
        self.assertIn("delta: open\n", texts["a"])
        self.assertIn("delta: new\n", texts["d"])

    def test_state_file_that_cannot_be_opened_is_a_usage_error(self):
        self.state = os.path.join(self.tmp, "no-such-dir", "state.db")
        self.config()
        self.resources(resource("a", "high"))
        res = self.fawkes("run")
        self.assertExit(res, 2)
        self.assertIn("no-such-dir/state.db: cannot open the state file", res.stderr)
        self.assertEqual(res.stdout, "")
        self.state = os.path.join(self.tmp, "not-sqlite.db")
        self.write("not-sqlite.db", "this is not a database\n" * 100)
        self.config()
        res = self.fawkes("run")
        self.assertExit(res, 2)
        self.assertIn("not-sqlite.db", res.stderr)

    def test_concurrent_runs_on_one_state_file(self):
        chains = "".join("  - {name: c%d, providers: [snap], scanners: [flag]}\n" % i
                         for i in range(6))
        self.config("chains:\n" + chains)
        self.resources(*[resource("r%02d" % i, "high") for i in range(40)])
        env = dict(os.environ, NO_COLOR="1")
        for round_ in range(2):
            procs = [subprocess.Popen([fwtest.FAWKES, "run", "c%d" % (i % 6), "-o", "json",
                                       "--fail-on", "none"], cwd=self.tmp, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for i in range(12)]
            outs = [p.communicate(timeout=240) for p in procs]
            for p, (stdout, stderr) in zip(procs, outs):
                self.assertEqual(p.returncode, 0, stderr)
                self.assertEqual(len(json.loads(stdout)["findings"]), 40)
        db = sqlite3.connect(self.state)
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        self.assertEqual(db.execute("SELECT count(*) FROM history_runs").fetchone()[0], 24)
        counts = db.execute("SELECT count(*) FROM history_keys GROUP BY seq").fetchall()
        self.assertEqual([c[0] for c in counts], [40] * 24)
        db.close()
        # After all that, one more run of each chain sees every finding as open.
        out, _ = self.run_json("c3", code=0)
        self.assertEqual({f["delta"] for f in out["findings"]}, {"open"})


if __name__ == "__main__":
    fwtest.main()
