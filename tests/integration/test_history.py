"""test_history: run history in the state file: every finding's delta (new, open, resolved)
against the chain's previous run or --since RUN_ID, resolved findings reported once and equal
to the fail finding they resolve, partial runs resolving nothing (and the next complete run
resolving what they carried), filtered scans kept apart, retention (history: keep_runs,
keep_days) and its config errors, the upgrade of state files written before keys and pages
(history_findings), every output format carrying the delta, and concurrent runs on one state
file."""
import hashlib
import json
import os
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
import zlib

import fwtest
from fwtest import PLUGIN_DIR, TEST_PLUGIN_DIR


def resource(name, severity, rule="x", provider="aws", labels=None, **attributes):
    all_labels = {"severity": severity, "rule": rule}
    all_labels.update(labels or {})
    return {"uid": "%s:1:eu-west-2:compute.instance:%s" % (provider, name), "provider": provider,
            "account": "1", "region": "eu-west-2", "kind": "compute.instance", "id": name,
            "name": name, "labels": all_labels, "attributes": attributes}


# A policy for the `policy` plugin: a deny decision (a fail finding with a "decision") for
# every instance labelled severity: high, an allow decision (a pass) for the others.
POLICY = """\
kind: Policy
name: instance-flagged
title: Flagged instances must be fixed
severity: high
compliance: [CIS-1.1, SOC2-CC6.1]
remediation: Unflag it.
match: {kinds: [compute.instance]}
rules:
  - name: flagged
    message: "instance {{name}} is flagged"
    when: {path: labels.severity, eq: high}
"""

# The run history's tables as fawkes wrote them before keys and pages: every finding of every
# run kept, as JSON (history_runs had no pass_count and error_count yet).
OLD_SCHEMA = """
CREATE TABLE history_runs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL, chain TEXT NOT NULL,
  started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
  partial INTEGER NOT NULL, baseline TEXT,
  new_count INTEGER NOT NULL, open_count INTEGER NOT NULL,
  resolved_count INTEGER NOT NULL,
  UNIQUE (run_id, chain));
CREATE TABLE history_findings (
  run_id TEXT NOT NULL, chain TEXT NOT NULL, fingerprint TEXT NOT NULL,
  status TEXT NOT NULL,
  delta TEXT NOT NULL,
  reported INTEGER NOT NULL,
  finding TEXT NOT NULL,
  PRIMARY KEY (run_id, chain, fingerprint));
"""


def without(finding, *keys):
    return {k: v for k, v in finding.items() if k not in keys}


class HistoryTest(fwtest.TestCase):
    def setUp(self):
        super().setUp()
        self.state = os.path.join(self.tmp, "state.db")

    def resources(self, *items):
        self.write("snap.jsonl", "".join(json.dumps(r) + "\n" for r in items), dedent=False)

    def config(self, chains="chains:\n  - {name: nightly, providers: [snap], scanners: [flag]}\n",
               extra_providers="", extra=""):
        self.write("fawkes.yaml",
                   "version: 1\nplugin_dirs: [%s, %s]\nstate: %s\n"
                   "providers:\n  - {name: snap, plugin: snapshot, config: {paths: [snap.jsonl]}}\n"
                   "%sscanners:\n  - {name: flag, plugin: flag}\n%s%s"
                   % (PLUGIN_DIR, TEST_PLUGIN_DIR, self.state, extra_providers, extra, chains))

    def policy_config(self, extra_providers="", providers="snap", extra="",
                      names=("nightly",)):
        """Chains `names`: the flag scanner and the policy plugin with POLICY."""
        self.write("policies/p.yaml", POLICY, dedent=False)
        self.config("chains:\n" + "".join("  - {name: %s, providers: [%s], scanners: [flag], "
                                           "policies: [org]}\n" % (name, providers)
                                           for name in names),
                    extra_providers=extra_providers,
                    extra="policies:\n  - {name: org, plugin: policy, config: {paths: "
                    "[policies]}}\n" + extra)

    def db(self, sql, *args):
        db = sqlite3.connect(self.state)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

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

    def test_resolved_finding_is_the_fail_finding_it_resolves(self):
        self.policy_config()
        self.resources(resource("a", "high", port=22), resource("b", "low"))
        first, _ = self.run_json(code=0)
        fails = {f["fingerprint"]: f for f in first["findings"] if f["status"] == "fail"}
        # a: the flag finding and the policy's deny (with its decision); b: the flag finding
        self.assertEqual(sorted((f["resource"]["name"], f["rule"]) for f in fails.values()),
                         [("a", "instance-flagged.flagged"), ("a", "test.flag.x"),
                          ("b", "test.flag.x")])
        deny = [f for f in fails.values() if "decision" in f][0]
        self.assertEqual(deny["decision"]["reason"], "instance a is flagged")
        self.assertEqual(deny["decision"]["compliance"], ["CIS-1.1", "SOC2-CC6.1"])
        self.resources(resource("b", "low"))
        second, _ = self.run_json(code=0)
        resolved = [f for f in second["findings"] if f["delta"] == "resolved"]
        self.assertEqual(len(resolved), 2)
        for f in resolved:
            before = fails[f["fingerprint"]]
            self.assertEqual(before["resource"]["name"], "a")
            self.assertEqual(f["status"], "pass")
            # everything else as reported, the fingerprint and the decision included
            self.assertEqual(without(f, "status", "delta"), without(before, "status", "delta"))
        self.assertEqual(second["delta"], {"new": 0, "open": 1, "resolved": 2})

    def test_a_finding_reported_twice_counts_once_and_the_first_report_stands(self):
        self.config()
        # the same uid, rule and evidence (one fingerprint) twice, with different severities
        self.resources(resource("a", "high", port=22), resource("a", "low", port=22),
                       resource("b", "low"))
        first, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(first), [("a", "new", "fail"), ("a", "new", "fail"),
                                              ("b", "new", "fail")])
        self.assertEqual(first["delta"], {"new": 2, "open": 0, "resolved": 0})
        self.assertEqual(self.db("SELECT count(*) FROM history_keys k JOIN history_runs r "
                                 "USING (seq) WHERE r.run_id = ?", first["run_id"]), [(2,)])
        second, _ = self.run_json(code=0)
        self.assertEqual(second["delta"], {"new": 0, "open": 2, "resolved": 0})
        self.resources(resource("b", "low"))
        third, _ = self.run_json(code=0)
        resolved = [f for f in third["findings"] if f["delta"] == "resolved"]
        self.assertEqual([(f["resource"]["name"], f["severity"],
                           f["resource"]["labels"]["severity"]) for f in resolved],
                         [("a", "high", "high")])
        self.assertEqual(third["delta"], {"new": 0, "open": 1, "resolved": 1})

    def test_reports_twice_far_apart_keep_one_record_the_first(self):
        # the repeats arrive several pages of records after the first reports (a page holds
        # 256 KiB of findings: 1,500 of these, with long labels, fill several)
        self.config()
        filler = {"note": "x" * 400}
        fillers = [resource("f%04d" % i, "low", labels=filler) for i in range(1500)]
        self.resources(resource("a", "high", port=22), resource("b", "high", port=22),
                       *fillers, resource("a", "low", port=22), resource("b", "low", port=22),
                       resource("b", "medium", port=22))
        first, _ = self.run_json(code=0)
        self.assertEqual(first["delta"], {"new": 1502, "open": 0, "resolved": 0})
        self.assertEqual(self.db("SELECT count(*) FROM history_keys k JOIN history_runs r "
                                 "USING (seq) WHERE r.run_id = ?", first["run_id"]), [(1502,)])
        pages = self.db("SELECT page, raw_size, body FROM history_pages p JOIN history_runs r "
                        "USING (seq) WHERE r.run_id = ? AND kind = 1 ORDER BY page",
                        first["run_id"])
        self.assertGreater(len(pages), 2)
        # the pages hold one record per finding: the repeats' records were dropped
        templates = dict(self.db("SELECT t.id, t.body FROM history_rules t JOIN history_runs r "
                                 "USING (seq) WHERE r.run_id = ?", first["run_id"]))
        members = ["source", "severity", "title", "remediation", "compliance", "decision"]
        names = []
        for _, raw_size, body in pages:
            raw = zlib.decompress(body)
            self.assertEqual(len(raw), raw_size)
            pos = 0
            while pos < len(raw):
                head = {0: 1 + 16 + 4, 1: 1 + 16 + 32 + 4, 2: 1 + 32 + 4}[raw[pos]]
                size = int.from_bytes(raw[pos + head - 4:pos + head], "little")
                record = json.loads(raw[pos + head:pos + head + size])
                if "~rule" in record:  # what the rule's template holds is left out
                    tid, bits = record.pop("~rule")
                    template = json.loads(templates[tid])
                    record.update({m: template[m] for i, m in enumerate(members)
                                   if bits & (1 << i)})
                names.append((record["resource"]["name"], record["severity"]))
                pos += head + size
        self.assertEqual(len(names), 1502)
        self.assertIn(("a", "high"), names)
        self.assertIn(("b", "high"), names)
        # a and b gone: each resolved once, as first reported
        self.resources(*fillers)
        second, _ = self.run_json(code=0)
        resolved = sorted((f["resource"]["name"], f["severity"]) for f in second["findings"]
                          if f["delta"] == "resolved")
        self.assertEqual(resolved, [("a", "high"), ("b", "high")])
        self.assertEqual(second["delta"], {"new": 0, "open": 1500, "resolved": 2})

    def test_a_resource_that_disappears_is_resolved_once(self):
        self.policy_config()
        self.resources(resource("a", "high", port=22), resource("b", "high"))
        self.run_json(code=0)
        self.resources(resource("b", "high"))
        gone, _ = self.run_json(code=0)
        resolved = [f for f in gone["findings"] if f["delta"] == "resolved"]
        self.assertEqual(sorted((f["resource"]["name"], f["rule"], f["status"]) for f in resolved),
                         [("a", "instance-flagged.flagged", "pass"), ("a", "test.flag.x", "pass")])
        self.assertEqual(gone["delta"], {"new": 0, "open": 2, "resolved": 2})
        again, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(again), [("b", "open", "fail"), ("b", "open", "fail")])
        self.assertEqual(again["delta"], {"new": 0, "open": 2, "resolved": 0})
        self.resources(resource("a", "high", port=22), resource("b", "high"))
        back, _ = self.run_json(code=0)
        self.assertEqual(back["delta"], {"new": 2, "open": 2, "resolved": 0})

    def test_since_resolves_against_the_older_run(self):
        self.config()
        self.resources(resource("a", "high"), resource("b", "low"))
        first, _ = self.run_json(code=0)
        self.resources(resource("a", "high"), resource("c", "low"))
        second, _ = self.run_json(code=0)
        self.assertEqual(second["delta"], {"new": 1, "open": 1, "resolved": 1})
        self.resources(resource("a", "high"), resource("c", "low"), resource("d", "low"))
        third, _ = self.run_json("--since", first["run_id"], code=0)
        # against the first run: b (resolved by the second run already) is resolved again
        # here, c is new although the second run had it
        self.assertEqual(self.deltas(third), [("a", "open", "fail"), ("b", "resolved", "pass"),
                                              ("c", "new", "fail"), ("d", "new", "fail")])
        self.assertEqual(third["delta"], {"new": 2, "open": 1, "resolved": 1})
        self.assertEqual(self.db("SELECT baseline FROM history_runs WHERE run_id = ?",
                                 third["run_id"]), [(first["run_id"],)])
        # without --since the next run compares against the newest run (the third)
        fourth, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(fourth), [("a", "open", "fail"), ("c", "open", "fail"),
                                               ("d", "open", "fail")])

    def test_filtered_scans_keep_their_own_history(self):
        self.config(extra_providers="  - {name: snap2, plugin: snapshot, config: {paths: "
                                    "[snap2.jsonl]}}\n")
        self.resources(resource("a", "high"))
        self.write("snap2.jsonl", json.dumps(resource("g", "low", provider="gcp")) + "\n",
                   dedent=False)

        def scan(*args):
            res = self.fawkes("scan", "-o", "json", "--fail-on", "none", *args)
            self.assertExit(res, 0)
            return self.deltas(res.json())

        self.assertEqual(scan(), [("a", "new", "fail"), ("g", "new", "fail")])
        # its own history: no baseline yet, and g (not scanned) is not resolved
        self.assertEqual(scan("--provider", "snap"), [("a", "new", "fail")])
        self.assertEqual(scan("--provider", "snap"), [("a", "open", "fail")])
        self.resources()
        self.assertEqual(scan("--provider", "snap"), [("a", "resolved", "pass")])
        # the unfiltered scan compares against its own previous run: a resolved there too, once
        self.assertEqual(scan(), [("a", "resolved", "pass"), ("g", "open", "fail")])
        self.assertEqual(scan("--kind", "compute.instance"), [("g", "new", "fail")])
        self.assertEqual(scan("--kind", "storage.bucket"), [])
        self.assertEqual(scan(), [("g", "open", "fail")])
        self.assertEqual(scan("--kind", "compute.instance"), [("g", "open", "fail")])
        self.assertEqual(sorted(r[0] for r in self.db("SELECT DISTINCT chain FROM history_runs")),
                         ["scan", "scan kind=compute.instance", "scan kind=storage.bucket",
                          "scan provider=snap"])

    def test_partial_runs_carry_and_the_next_complete_run_resolves(self):
        broken = "  - {name: broken, plugin: init_fails}\n"
        self.policy_config(extra_providers=broken)
        self.resources(resource("a", "high"), resource("b", "high", port=1))
        first, _ = self.run_json(code=0)
        b_fails = {f["fingerprint"]: f for f in first["findings"]
                   if f["status"] == "fail" and f["resource"]["name"] == "b"}
        self.assertEqual(len(b_fails), 2)
        self.policy_config(extra_providers=broken, providers="snap, broken")
        self.resources(resource("a", "high"))
        # b is absent, but a provider failed: b is carried, twice in a row
        for _ in range(2):
            partial, _ = self.run_json(code=3)
            self.assertEqual(self.deltas(partial), [("a", "open", "fail"), ("a", "open", "fail")])
            self.assertEqual(partial["delta"], {"new": 0, "open": 2, "resolved": 0})
            self.assertEqual(self.db("SELECT k.reported, count(*) FROM history_keys k JOIN "
                                     "history_runs r USING (seq) WHERE r.run_id = ? GROUP BY "
                                     "k.reported", partial["run_id"]), [(0, 2), (1, 2)])
        self.policy_config(extra_providers=broken)
        complete, _ = self.run_json(code=0)
        resolved = [f for f in complete["findings"] if f["delta"] == "resolved"]
        self.assertEqual(sorted(f["fingerprint"] for f in resolved), sorted(b_fails))
        for f in resolved:
            self.assertEqual(without(f, "status", "delta"),
                             without(b_fails[f["fingerprint"]], "status", "delta"))
        self.assertEqual(complete["delta"], {"new": 0, "open": 2, "resolved": 2})
        after, _ = self.run_json(code=0)
        self.assertEqual(after["delta"], {"new": 0, "open": 2, "resolved": 0})

    def test_pass_findings_are_counted_new_then_open(self):
        self.policy_config()
        self.resources(resource("a", "low"), resource("b", "low"), resource("c", "high"))
        first, _ = self.run_json(code=0)
        passes = [f["delta"] for f in first["findings"] if f["status"] == "pass"]
        self.assertEqual(passes, ["new", "new"])
        second, _ = self.run_json(code=0)
        passes = [f["delta"] for f in second["findings"] if f["status"] == "pass"]
        self.assertEqual(passes, ["open", "open"])
        self.assertEqual(self.db("SELECT pass_count, new_count, open_count FROM history_runs "
                                 "ORDER BY seq"), [(2, 4, 0), (2, 0, 4)])
        # passes are not stored one by one: only the fail findings have keys
        self.assertEqual(self.db("SELECT DISTINCT status FROM history_keys"), [(1,)])

    def test_error_findings_are_kept_but_not_notified(self):
        # a policy that cannot decide (created_at is not a timestamp): status error
        self.write("policies/p.yaml", "kind: Policy\nname: instance-age\ntitle: Instances must "
                   "be recent\nseverity: high\nmatch: {kinds: [compute.instance]}\nrules:\n"
                   "  - name: old\n    when: {path: created_at, older_than: 30d}\n",
                   dedent=False)
        sent = os.path.join(self.tmp, "sent.jsonl")
        self.config("chains:\n  - {name: nightly, providers: [snap], scanners: [flag], "
                    "policies: [org], notify: [rec]}\n",
                    extra="policies:\n  - {name: org, plugin: policy, config: {paths: "
                    "[policies]}}\nnotifiers:\n  - {name: rec, plugin: recorder, config: "
                    "{path: %s}, on: [new, open, resolved]}\n" % sent)
        self.resources(dict(resource("a", "high"), created_at="oops"))
        for delta in ("new", "open"):
            out, _ = self.run_json(code=0)
            self.assertEqual(sorted((f["status"], f["delta"]) for f in out["findings"]),
                             [("error", delta), ("fail", delta)])
            self.assertEqual(out["delta"], {"new": int(delta == "new"),
                                            "open": int(delta == "open"), "resolved": 0})
        with open(sent, encoding="utf-8") as f:
            messages = [json.loads(line) for line in f]
        told = [(x["status"], x["delta"]) for m in messages for x in m["findings"]]
        self.assertEqual(told, [("fail", "new"), ("fail", "open")])
        self.assertEqual(self.db("SELECT error_count, new_count, open_count FROM history_runs "
                                 "ORDER BY seq"), [(1, 1, 0), (1, 0, 1)])
        # the error is not resolved when it goes away (it was not failing): the policy passes
        self.resources(resource("a", "high"))
        out, _ = self.run_json(code=0)
        self.assertEqual(self.deltas(out), [("a", "open", "fail"), ("a", "open", "pass")])

    def retention_config(self, history):
        self.config("chains:\n  - {name: nightly, providers: [snap], scanners: [flag]}\n"
                    "  - {name: hourly, providers: [snap], scanners: [flag]}\n",
                    extra="history: %s\n" % history)

    def assert_no_orphans(self):
        for table in ("history_keys", "history_pages"):
            self.assertEqual(self.db("SELECT count(*) FROM %s WHERE seq NOT IN (SELECT seq FROM "
                                     "history_runs)" % table), [(0,)], table)

    def test_keep_runs_keeps_the_newest_runs_of_each_chain(self):
        self.retention_config("{keep_runs: 3}")
        ids = []
        for i in range(5):
            self.resources(resource("a", "high"), resource("r%d" % i, "low"))
            out, _ = self.run_json("nightly", code=0)
            self.assertEqual(out["delta"], {"new": 1 + (i == 0), "open": int(i > 0),
                                            "resolved": int(i > 0)})
            ids.append(out["run_id"])
        hourly, _ = self.run_json("hourly", code=0)
        self.assertEqual([r[0] for r in self.db("SELECT run_id FROM history_runs WHERE chain = "
                                                "'nightly' ORDER BY seq")], ids[2:])
        self.assertEqual(self.db("SELECT run_id FROM history_runs WHERE chain = 'hourly'"),
                         [(hourly["run_id"],)])
        # each kept run keeps its keys (a, its r, the r it resolved) and pages
        self.assertEqual(self.db("SELECT count(*) FROM history_keys k JOIN history_runs r USING "
                                 "(seq) WHERE r.chain = 'nightly' GROUP BY seq"), [(3,)] * 3)
        self.assertEqual(self.db("SELECT count(DISTINCT seq) FROM history_pages"), [(4,)])
        self.assert_no_orphans()
        res = self.fawkes("run", "--since", ids[1])
        self.assertExit(res, 2)
        self.assertIn("no run with that id is recorded", res.stderr)
        since, _ = self.run_json("nightly", "--since", ids[2], code=0)
        self.assertEqual(self.deltas(since), [("a", "open", "fail"), ("r2", "resolved", "pass"),
                                              ("r4", "new", "fail")])
        self.assertEqual(len(self.db("SELECT 1 FROM history_runs WHERE chain = 'nightly'")), 3)
        self.assert_no_orphans()

    def test_keep_days_prunes_runs_finished_longer_ago(self):
        self.retention_config("{keep_days: 30}")
        self.resources(resource("a", "high"))
        ids = [self.run_json("nightly", code=0)[0]["run_id"] for _ in range(3)]
        hourly = self.run_json("hourly", code=0)[0]["run_id"]
        db = sqlite3.connect(self.state)
        with db:
            db.execute("UPDATE history_runs SET finished_at = '2020-01-01T00:00:00Z' WHERE "
                       "run_id IN (?, ?, ?)", (ids[0], ids[1], hourly))
            # 29 days ago is kept
            db.execute("UPDATE history_runs SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', "
                       "'now', '-29 days') WHERE run_id = ?", (ids[2],))
        db.close()
        fourth, _ = self.run_json("nightly", code=0)
        self.assertEqual(fourth["delta"], {"new": 0, "open": 1, "resolved": 0})
        self.assertEqual([r[0] for r in self.db("SELECT run_id FROM history_runs ORDER BY seq")],
                         [ids[2], hourly, fourth["run_id"]])
        self.assert_no_orphans()
        # the baseline is used however old, and pruned once this run is recorded; a chain's
        # runs are pruned when that chain runs
        db = sqlite3.connect(self.state)
        with db:
            db.execute("UPDATE history_runs SET finished_at = '2020-01-01T00:00:00Z'")
        db.close()
        fifth, _ = self.run_json("nightly", code=0)
        self.assertEqual(fifth["delta"], {"new": 0, "open": 1, "resolved": 0})
        self.assertEqual([r[0] for r in self.db("SELECT run_id FROM history_runs ORDER BY seq")],
                         [hourly, fifth["run_id"]])
        self.assert_no_orphans()
        # keep_days: 0 keeps runs of any age
        self.retention_config("{keep_days: 0}")
        db = sqlite3.connect(self.state)
        with db:
            db.execute("UPDATE history_runs SET finished_at = '2001-01-01T00:00:00Z'")
        db.close()
        self.run_json("nightly", code=0)
        self.assertEqual(len(self.db("SELECT 1 FROM history_runs")), 3)

    def test_history_config_errors_name_file_line_and_expected_value(self):
        cases = [("keep_runs: 0", "4:14: history.keep_runs: expected an integer from 1 to 100000 "
                                  "(runs kept per chain), got integer 0"),
                 ("keep_days: -1", "4:14: history.keep_days: expected an integer from 0 to 36500 "
                                   "(days; 0 keeps runs of any age), got integer -1"),
                 ('keep_runs: "x"', "4:14: history.keep_runs: expected an integer from 1 to "
                                    "100000 (runs kept per chain), got string \"x\""),
                 ("keep_days: 1.5", "4:14: history.keep_days: expected an integer from 0 to "
                                    "36500 (days; 0 keeps runs of any age), got float 1.5"),
                 ("keep: 3", "4:3: history: unknown key 'keep'; allowed: keep_runs, keep_days")]
        for text, expected in cases:
            path = self.write("fawkes.yaml", "version: 1\nstate: %s\nhistory:\n  %s\n"
                              % (self.state, text))
            res = self.fawkes("-c", path, "run")
            self.assertExit(res, 2)
            self.assertIn("%s:%s" % (path, expected), res.stderr)
            self.assertFalse(os.path.exists(self.state))

    def old_state(self, runs, findings):
        """A state file as fawkes wrote it before keys and pages: `runs` are (run_id, chain,
        partial) in order, `findings` (run_id, chain, finding JSON, status, delta,
        reported)."""
        db = sqlite3.connect(self.state)
        with db:
            db.executescript(OLD_SCHEMA)
            for run_id, chain, partial in runs:
                db.execute("INSERT INTO history_runs (run_id, chain, started_at, finished_at, "
                           "partial, baseline, new_count, open_count, resolved_count) VALUES "
                           "(?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour'), "
                           "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour'), ?, NULL, 0, 0, "
                           "0)", (run_id, chain, partial))
            for run_id, chain, finding, status, delta, reported in findings:
                db.execute("INSERT INTO history_findings VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (run_id, chain, finding["fingerprint"], status, delta, reported,
                            json.dumps(finding, sort_keys=True, separators=(",", ":"))))
        db.close()

    def test_state_files_of_the_old_format_are_upgraded(self):
        self.policy_config()
        self.resources(resource("a", "high", port=22), resource("b", "low"), resource("c", "low"),
                       resource("d", "high"))
        # the findings this version reports for that inventory, from a scratch state file
        real = self.state
        self.state = os.path.join(self.tmp, "scratch.db")
        self.policy_config()
        scratch, _ = self.run_json(code=0)
        self.state = real
        self.policy_config(names=("nightly", "hourly"))
        found = {(f["resource"]["name"], f["rule"], f["status"]): dict(f, delta="open")
                 for f in scratch["findings"]}
        flag = {name: found[(name, "test.flag.x", "fail")] for name in "abc"}
        flag_a, flag_b, flag_c = flag["a"], flag["b"], flag["c"]
        deny_a = found[("a", "instance-flagged.flagged", "fail")]
        deny_d = found[("d", "instance-flagged.flagged", "fail")]
        allow_b = found[("b", "instance-flagged.flagged", "pass")]
        gone_old = dict(flag_a, fingerprint="f" * 64, rule="test.flag.z")      # older run only
        legacy = dict(flag_b, fingerprint="legacy-1", rule="test.flag.legacy")  # not hex
        error = dict(flag_b, fingerprint="e" * 64, rule="test.flag.err", status="error")
        resolved_z = dict(flag_b, fingerprint="d" * 64, rule="test.flag.y", status="pass",
                          delta="resolved")
        old_runs = [("0" * 31 + "1", "nightly", 0), ("0" * 31 + "2", "hourly", 0),
                    ("0" * 31 + "3", "nightly", 1)]
        r1, r2, r3 = (r[0] for r in old_runs)
        self.old_state(old_runs, [
            (r1, "nightly", flag_a, "fail", "new", 1), (r1, "nightly", gone_old, "fail", "new", 1),
            (r2, "hourly", flag_a, "fail", "new", 1),
            (r3, "nightly", flag_a, "fail", "open", 1), (r3, "nightly", deny_a, "fail", "new", 1),
            (r3, "nightly", flag_b, "fail", "new", 1), (r3, "nightly", allow_b, "pass", "new", 1),
            (r3, "nightly", flag_c, "fail", "open", 0), (r3, "nightly", legacy, "fail", "new", 1),
            (r3, "nightly", error, "error", "new", 1), (r3, "nightly", deny_d, "fail", "new", 1),
            (r3, "nightly", resolved_z, "resolved", "resolved", 1)])
        # only a is left: b, c (carried by the partial run r3), legacy and d's deny are
        # resolved
        self.resources(resource("a", "high", port=22))
        out, _ = self.run_json("nightly", code=0)
        self.assertEqual(out["delta"], {"new": 0, "open": 2, "resolved": 4})
        by_fp = {f["fingerprint"]: f for f in out["findings"]}
        self.assertEqual({fp: f["delta"] for fp, f in by_fp.items()},
                         {flag_a["fingerprint"]: "open", deny_a["fingerprint"]: "open",
                          flag_b["fingerprint"]: "resolved", flag_c["fingerprint"]: "resolved",
                          "legacy-1": "resolved", deny_d["fingerprint"]: "resolved"})
        for before in (flag_b, flag_c, legacy, deny_d):
            self.assertEqual(by_fp[before["fingerprint"]], dict(before, status="pass",
                                                                delta="resolved"))
        names = [r[0] for r in self.db("SELECT name FROM sqlite_master WHERE type = 'table'")]
        self.assertNotIn("history_findings", names)
        # every run is kept (the older ones without keys), with the new columns
        self.assertEqual(self.db("SELECT run_id, chain, pass_count, error_count FROM "
                                 "history_runs ORDER BY seq"),
                         [(r1, "nightly", 0, 0), (r2, "hourly", 0, 0), (r3, "nightly", 0, 0),
                          (out["run_id"], "nightly", 0, 0)])
        keys = self.db("SELECT hex(k.fp), k.status, k.delta, k.reported FROM history_keys k JOIN "
                       "history_runs r USING (seq) WHERE r.run_id = ? ORDER BY 1", r3)

        def key(fp):  # the 16-byte key: the fingerprint's first half, or its SHA-256's
            return (fp if len(fp) == 64 else hashlib.sha256(fp.encode()).hexdigest())[:32].upper()

        self.assertEqual(keys, sorted([(key(flag_a["fingerprint"]), 1, 1, 1),
                                       (key(deny_a["fingerprint"]), 1, 0, 1),
                                       (key(flag_b["fingerprint"]), 1, 0, 1),
                                       (key(flag_c["fingerprint"]), 1, 1, 0),
                                       (key("legacy-1"), 1, 0, 1), (key("e" * 64), 2, 0, 1),
                                       (key(deny_d["fingerprint"]), 1, 0, 1)]))
        # hourly's newest run r2 has its key; nightly's older run r1 has none
        self.assertEqual(self.db("SELECT r.run_id, count(k.fp) FROM history_runs r LEFT JOIN "
                                 "history_keys k USING (seq) WHERE r.run_id IN (?, ?) GROUP BY "
                                 "r.run_id ORDER BY 1", r1, r2), [(r1, 0), (r2, 1)])
        self.assertEqual(self.db("PRAGMA integrity_check"), [("ok",)])
        # hourly's baseline is its own newest run
        hourly, _ = self.run_json("hourly", code=0)
        self.assertEqual(sorted((f["rule"], f["delta"]) for f in hourly["findings"]),
                         [("instance-flagged.flagged", "new"), ("test.flag.x", "open")])
        # an older run kept without keys: against it every finding is new, nothing resolved
        since, _ = self.run_json("nightly", "--since", r1, code=0)
        self.assertEqual(since["delta"], {"new": 2, "open": 0, "resolved": 0})

    def test_processes_upgrading_one_old_state_file_at_once(self):
        self.config()
        self.resources(*[resource("r%02d" % i, "high") for i in range(20)])
        scratch_state, self.state = self.state, os.path.join(self.tmp, "scratch.db")
        self.config()
        scratch, _ = self.run_json(code=0)
        self.state = scratch_state
        self.config()
        self.old_state([("0" * 32, "nightly", 0)],
                       [("0" * 32, "nightly", f, "fail", "new", 1) for f in scratch["findings"]])
        env = dict(os.environ, NO_COLOR="1")
        procs = [subprocess.Popen([fwtest.FAWKES, "run", "-o", "json", "--fail-on", "none"],
                                  cwd=self.tmp, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(8)]
        for p in procs:
            stdout, stderr = p.communicate(timeout=240)
            self.assertEqual(p.returncode, 0, stderr)
            self.assertEqual(json.loads(stdout)["delta"], {"new": 0, "open": 20, "resolved": 0})
        self.assertEqual(self.db("SELECT count(*) FROM sqlite_master WHERE name = "
                                 "'history_findings'"), [(0,)])
        self.assertEqual(self.db("SELECT count(*) FROM history_runs"), [(9,)])
        self.assertEqual(self.db("PRAGMA integrity_check"), [("ok",)])


if __name__ == "__main__":
    fwtest.main()
