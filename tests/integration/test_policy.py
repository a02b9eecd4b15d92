"""fawkes policy eval / policy test, and policy decisions in chains (the real policy plugin)."""
import json
import os
import xml.etree.ElementTree as ET

import fwtest

EXAMPLES = os.path.join(fwtest.SOURCE_DIR, "examples", "policies")

BUCKET_POLICY = """\
kind: Policy
name: storage-public-bucket
title: Storage buckets must not be public
severity: high
compliance: [CIS-AWS-2.1.5, SOC2-CC6.1]
remediation: Make the bucket private.
match: {kinds: [storage.bucket]}
rules:
  - name: public
    message: "bucket {{name}} is public"
    when: {path: public, eq: true}
  - name: created
    effect: warn
    severity: low
    when: {path: created_at, older_than: 30d}
"""

EXCEPTION = """\
kind: PolicyException
id: EXC-1
policy: storage-public-bucket
rules: [public]
resources: {uids: ["aws:1:eu-west-2:storage.bucket:www"]}
owner: web@acme.example
reason: website
ticket: SEC-1
expires: 2026-12-31T00:00:00Z
"""

BUCKETS = [
    {"uid": "aws:1:eu-west-2:storage.bucket:logs", "provider": "aws", "account": "1",
     "region": "eu-west-2", "kind": "storage.bucket", "name": "logs", "public": True,
     "created_at": "2026-11-20T00:00:00Z", "labels": {}},
    {"uid": "aws:1:eu-west-2:storage.bucket:www", "provider": "aws", "account": "1",
     "region": "eu-west-2", "kind": "storage.bucket", "name": "www", "public": True,
     "created_at": "2026-11-20T00:00:00Z", "labels": {}},
    {"uid": "aws:1:eu-west-2:storage.bucket:priv", "provider": "aws", "account": "1",
     "region": "eu-west-2", "kind": "storage.bucket", "name": "priv", "public": False,
     "created_at": "oops", "labels": {}},
]

NOW = {"FAWKES_NOW": "2026-11-23T12:00:00Z"}


class PolicyTest(fwtest.TestCase):
    def policies(self, *docs):
        path = self.write("policies/p.yaml", "---\n".join(docs))
        return os.path.dirname(path)

    def jsonl(self, name, docs):
        return self.write(name, "".join(json.dumps(d) + "\n" for d in docs), dedent=False)

    def chain(self, snap, pdir, now=None):
        """fawkes.yaml: one chain from the snapshot file `snap` through the policies in
        `pdir` (the policy plugin's `now` option when given)."""
        option = ', now: "%s"' % now if now else ""
        self.write("fawkes.yaml", """\
            version: 1
            plugin_dirs: [%s]
            providers: [{name: snap, plugin: snapshot, config: {paths: [%s]}}]
            policies: [{name: org, plugin: policy, config: {paths: [%s]%s}}]
            chains: [{name: c, providers: [snap], policies: [org]}]
            """ % (fwtest.PLUGIN_DIR, snap, pdir, option))

    def eval(self, *args, env=NOW):
        return self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "policy", "eval", *args, env=env)

    def test_examples_pass_their_own_tests(self):
        res = self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "policy", "test", EXAMPLES,
                          "-o", "json")
        self.assertExit(res, 0)
        report = res.json()
        self.assertEqual(report["failed"], 0)
        self.assertGreaterEqual(report["passed"], 15)
        self.assertEqual(report["uncovered"], [])

    def test_eval_decisions_exceptions_and_exit_codes(self):
        pdir = self.policies(BUCKET_POLICY, EXCEPTION)
        inp = self.jsonl("in.jsonl", BUCKETS)
        res = self.eval("--input", inp, "--policy", pdir, "-o", "jsonl")
        self.assertExit(res, 3)  # the "oops" timestamp cannot be judged: error wins over deny
        got = {(d["uid"].rsplit(":", 1)[1], d["rule"]): d for d in res.jsonl()}
        self.assertEqual(len(got), 6)
        logs = got[("logs", "public")]
        self.assertEqual((logs["effect"], logs["reason"], logs["severity"]),
                         ("deny", "bucket logs is public", "high"))
        self.assertEqual(logs["compliance"], ["CIS-AWS-2.1.5", "SOC2-CC6.1"])
        self.assertEqual(logs["input"], inp + ":1")
        www = got[("www", "public")]
        self.assertEqual(www["effect"], "allow")
        self.assertEqual(www["excepted_effect"], "deny")
        self.assertEqual(www["exception"], {"id": "EXC-1", "owner": "web@acme.example",
                                            "reason": "website", "ticket": "SEC-1",
                                            "expires": "2026-12-31T00:00:00Z"})
        self.assertEqual(got[("logs", "created")]["effect"], "allow")
        err = got[("priv", "created")]
        self.assertEqual(err["effect"], "error")
        self.assertIn("created_at older_than: expected an RFC 3339 timestamp, got a string "
                      "\"oops\"", err["reason"])
        self.assertIn("p.yaml:15:11", err["reason"])
        # Without the bad document: exit 1 for the deny at high, 0 when --fail-on is above it.
        inp2 = self.jsonl("in2.jsonl", BUCKETS[:2])
        self.assertExit(self.eval("--input", inp2, "--policy", pdir), 1)
        self.assertExit(self.eval("--input", inp2, "--policy", pdir, "--fail-on", "critical"), 0)
        self.assertExit(self.eval("--input", inp2, "--policy", pdir, "--fail-on", "none"), 0)

    def test_each_decision_names_its_own_input_and_uid(self):
        # The plugin hands out one shared "allow" object per rule: the host must not write one
        # document's input or uid into another document's decision.
        pdir = self.policies(BUCKET_POLICY)
        inp = self.jsonl("in.jsonl", BUCKETS[:2])
        for fmt in ("json", "jsonl"):
            res = self.eval("--input", inp, "--policy", pdir, "-o", fmt)
            decisions = res.json()["decisions"] if fmt == "json" else res.jsonl()
            self.assertEqual(len(decisions), 4)
            allowed = [d for d in decisions if d["effect"] == "allow"]
            self.assertEqual(sorted(d["uid"] for d in allowed),
                             [BUCKETS[0]["uid"], BUCKETS[1]["uid"]])
            for d in decisions:
                line = int(d["input"].rsplit(":", 1)[1])
                self.assertEqual(d["uid"], BUCKETS[line - 1]["uid"])

    def test_exception_stops_at_its_expiry_second_everywhere(self):
        pdir = self.policies(BUCKET_POLICY, EXCEPTION)
        inp = self.jsonl("in.jsonl", [BUCKETS[1]])
        before = self.eval("--input", inp, "--policy", pdir, "-o", "jsonl",
                           env={"FAWKES_NOW": "2026-12-30T23:59:59Z"})
        self.assertExit(before, 0)
        at = self.eval("--input", inp, "--policy", pdir, "-o", "jsonl",
                       env={"FAWKES_NOW": "2026-12-31T00:00:00Z"})
        self.assertExit(at, 1)
        public = [d for d in at.jsonl() if d["rule"] == "public"][0]
        self.assertEqual(public["effect"], "deny")
        self.assertNotIn("exception", public)
        self.assertEqual(public["expired_exception"]["id"], "EXC-1")
        self.assertIn("(exception EXC-1 expired at 2026-12-31T00:00:00Z)", public["reason"])
        # The same clock in a chain: the decision becomes a fail finding.
        snap = self.jsonl("snap.jsonl", [BUCKETS[1]])
        self.chain(snap, pdir, now="2026-12-31T00:00:00Z")
        res = self.fawkes("run", "-o", "json")
        self.assertExit(res, 1)
        finding = [f for f in res.json()["findings"]
                   if f["rule"] == "storage-public-bucket.public"][0]
        self.assertEqual(finding["status"], "fail")

    def test_chain_findings_status_severity_compliance_exception_fingerprint(self):
        pdir = self.policies(BUCKET_POLICY, EXCEPTION)
        snap = self.jsonl("snap.jsonl", BUCKETS)
        self.chain(snap, pdir)
        res = self.fawkes("run", "-o", "json", env=NOW)
        self.assertExit(res, 1)
        out = res.json()
        by = {(f["resource"]["name"], f["rule"]): f for f in out["findings"]}
        logs = by[("logs", "storage-public-bucket.public")]
        self.assertEqual((logs["status"], logs["severity"], logs["source"], logs["message"]),
                         ("fail", "high", "policy", "bucket logs is public"))
        self.assertEqual(logs["compliance"], ["CIS-AWS-2.1.5", "SOC2-CC6.1"])
        self.assertEqual(len(logs["fingerprint"]), 64)
        www = by[("www", "storage-public-bucket.public")]
        self.assertEqual(www["status"], "pass")
        self.assertEqual(www["exception"]["id"], "EXC-1")
        self.assertEqual(by[("priv", "storage-public-bucket.created")]["status"], "error")
        again = self.fawkes("run", "-o", "json", env=NOW).json()
        self.assertEqual(sorted(f["fingerprint"] for f in out["findings"]),
                         sorted(f["fingerprint"] for f in again["findings"]))
        # policy eval with -c and no --policy uses the config's policy instance.
        inp = self.jsonl("in.jsonl", BUCKETS[:1])
        res = self.fawkes("policy", "eval", "--input", inp, "-o", "json", env=NOW)
        self.assertExit(res, 1)
        self.assertEqual(res.json()["summary"]["deny"], 1)

    def test_warn_decisions_are_reported_but_never_fail_a_run(self):
        audit = BUCKET_POLICY.replace("severity: high\n", "severity: critical\nmode: audit\n", 1)
        snap = self.jsonl("snap.jsonl", BUCKETS[:1])
        for policy, code in ((audit, 0), (BUCKET_POLICY, 1)):
            pdir = self.policies(policy)
            self.chain(snap, pdir)
            res = self.fawkes("run", "-o", "json", "--fail-on", "low", env=NOW)
            self.assertExit(res, code)
            public = [f for f in res.json()["findings"]
                      if f["rule"] == "storage-public-bucket.public"][0]
            self.assertEqual(public["status"], "fail")
            self.assertEqual(public["decision"]["effect"], "warn" if code == 0 else "deny")
            # policy eval draws the same line
            inp = self.jsonl("in.jsonl", BUCKETS[:1])
            self.assertExit(self.eval("--input", inp, "--policy", pdir, "--fail-on", "low"), code)

    def test_policy_test_reports_mismatches_uncovered_rules_and_junit(self):
        self.policies(BUCKET_POLICY, EXCEPTION)
        self.write("policies/p_test.yaml", """\
            kind: PolicyTest
            policy: storage-public-bucket
            now: 2026-11-23T12:00:00Z
            cases:
              - name: wrongly expected to pass
                input: {uid: "a:b", kind: storage.bucket, name: x, public: true}
                expect:
                  - {rule: public, result: pass}
              - name: exception expected
                input: {uid: "aws:1:eu-west-2:storage.bucket:www", kind: storage.bucket, public: true}
                expect:
                  - {rule: public, result: pass}
            """)
        pdir = os.path.join(self.tmp, "policies")
        res = self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "policy", "test", pdir)
        self.assertExit(res, 1)
        self.assertIn("storage-public-bucket.public: expected pass, got fail (bucket x is public)",
                      res.stdout)
        self.assertIn("exception EXC-1 applied, but the test expects none", res.stdout)
        self.assertIn("uncovered rules (no case expects them to fail): "
                      "storage-public-bucket.public storage-public-bucket.created", res.stdout)
        self.assertIn("0 passed, 2 failed, 2 rules uncovered", res.stdout)
        junit = self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "policy", "test", pdir,
                            "-o", "junit")
        self.assertExit(junit, 1)
        suite = ET.fromstring(junit.stdout).find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures")), ("2", "2"))
        self.assertEqual(len(suite.findall("testcase/failure")), 2)

    def test_authz_request_from_stdin(self):
        request = {"kind": "request", "action": "deploy", "time": "2026-11-23T09:15:00Z",
                   "resource": {"environment": "production"},
                   "claims": {"sub": "alice", "groups": ["deployers"],
                              "exp_time": "2026-11-23T13:00:00Z"}}
        res = self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "policy", "eval", "--input", "-",
                          "--policy", EXAMPLES, "-o", "json", env=NOW,
                          stdin=json.dumps(request))
        self.assertExit(res, 0)
        effects = {d["rule"]: d["effect"] for d in res.json()["decisions"]}
        self.assertEqual(effects, {"group": "allow", "office-hours": "allow",
                                   "token-expired": "allow"})
        request["claims"]["groups"] = ["dev"]
        res = self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "policy", "eval", "--input", "-",
                          "--policy", EXAMPLES, "-o", "json", env=NOW,
                          stdin=json.dumps(request))
        self.assertExit(res, 1)
        self.assertEqual([d["reason"] for d in res.json()["decisions"] if d["effect"] == "deny"],
                         ["alice is not in the deployers group"])

    def test_usage_and_input_errors_exit_2_before_evaluating(self):
        pdir = self.policies(BUCKET_POLICY)
        res = self.eval("--policy", pdir)
        self.assertExit(res, 2)
        self.assertIn("policy eval needs --input FILE", res.stderr)
        bad = self.write("bad.jsonl", '{"uid": \n{"uid": "a"}\n', dedent=False)
        res = self.eval("--input", bad, "--policy", pdir)
        self.assertExit(res, 2)  # the first document does not parse: nothing is judged
        self.assertIn("bad.jsonl:1:", res.stderr)
        self.assertEqual(res.stdout, "")
        # A later one is named and skipped; the rest is judged and the exit says incomplete.
        later = self.jsonl("later.jsonl", BUCKETS[:1])
        with open(later, "a", encoding="utf-8") as f:
            f.write('{"uid": \n')
        res = self.eval("--input", later, "--policy", pdir, "-o", "jsonl")
        self.assertExit(res, 3)
        self.assertIn("later.jsonl:2:7: invalid JSONL input: unexpected token near end of file; "
                      "the line was skipped", res.stderr)
        self.assertEqual({d["input"] for d in res.jsonl()}, {later + ":1"})
        res = self.eval("--input", self.jsonl("ok.jsonl", BUCKETS), "--policy",
                        os.path.join(self.tmp, "nope"))
        self.assertExit(res, 2)
        self.assertIn("nope: No such file or directory", res.stderr)
        res = self.eval("--input", self.jsonl("ok2.jsonl", BUCKETS), "--policy", pdir,
                        env={"FAWKES_NOW": "yesterday"})
        self.assertExit(res, 2)
        self.assertIn("FAWKES_NOW: expected an RFC 3339 timestamp", res.stderr)
        res = self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "policy", "test", pdir)
        self.assertExit(res, 2)
        self.assertIn("no PolicyTest documents found", res.stderr)
        res = self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "policy", "frobnicate")
        self.assertExit(res, 2)


if __name__ == "__main__":
    fwtest.main()
