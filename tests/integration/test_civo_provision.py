"""test_civo_provision: `fawkes provision` with the civo plugin against the fake Civo API: a dry
run sends nothing and prints the exact request, --apply sends exactly that, spec errors exit 2
with file:line:col, and both are in the audit log without secrets.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_civo import FakeCivo, TOKEN  # noqa: E402

EXIT_OK, EXIT_USAGE, EXIT_PARTIAL = 0, 2, 3

CLUSTER_SPEC = """\
name: web-k8s
region: LON1
nodes: 2
size: g4s.kube.small
version: 1.28.7-k3s1
"""


class ProvisionTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeCivo(per_region=60)
        self.fake.start()
        self.audit_log = os.path.join(self.tmp, "audit.jsonl")
        config = {"version": 1,
                  "providers": [{"name": "civo-test", "plugin": "civo",
                                 "config": {"token": "${env:FAKE_CIVO_TOKEN}",
                                            "endpoint": self.fake.base_url}},
                                {"name": "saved", "plugin": "snapshot",
                                 "config": {"paths": [self.tmp]}}],
                  "state": os.path.join(self.tmp, "state.db"),
                  "security": {"egress_allow": ["127.0.0.1"], "audit_log": self.audit_log}}
        self.config = self.write("fawkes.yaml", json.dumps(config, indent=2))

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def provision(self, what, op, spec_text, *extra, token=TOKEN, spec_name="spec.yaml"):
        spec = self.write(spec_name, spec_text)
        return self.fawkes("-c", self.config, "provision", what, op, "--provider", "civo-test",
                           "--spec", spec, *extra, env={"FAKE_CIVO_TOKEN": token})

    def audit_entries(self):
        if not os.path.exists(self.audit_log):
            return []
        with open(self.audit_log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def test_dry_run_prints_the_request_and_sends_nothing(self):
        result = self.provision("cluster", "create", CLUSTER_SPEC)
        self.assertExit(result, EXIT_OK)
        url = self.fake.base_url + "/v2/kubernetes/clusters"
        body = {"name": "web-k8s", "region": "LON1", "kubernetes_version": "1.28.7-k3s1",
                "pools": [{"id": "web-k8s-pool", "count": 2, "size": "g4s.kube.small"}]}
        self.assertIn("dry run: would send 1 request (nothing was sent; add --apply", result.stdout)
        self.assertIn("POST " + url, result.stdout)
        self.assertIn("body: " + json.dumps(body, separators=(",", ":")), result.stdout)
        self.assertEqual(self.fake.requests(), [])
        # -o json: the same plan, machine-readable
        result = self.provision("cluster", "create", CLUSTER_SPEC, "-o", "json")
        self.assertExit(result, EXIT_OK)
        out = result.json()
        self.assertEqual(out["provider"], "civo-test")
        self.assertEqual(out["result"]["requests"], [{"method": "POST", "url": url, "body": body}])
        self.assertTrue(out["result"]["dry_run"])
        self.assertEqual(self.fake.counts()["mutating"], 0)
        entries = self.audit_entries()
        self.assertEqual([e["event"] for e in entries], ["provision.planned"] * 2)
        self.assertEqual(entries[0]["spec"]["name"], "web-k8s")
        self.assertEqual(entries[0]["result"]["requests"][0]["body"], body)

    def test_apply_sends_exactly_the_documented_request(self):
        result = self.provision("cluster", "create", CLUSTER_SPEC, "--apply", "-o", "json")
        self.assertExit(result, EXIT_OK)
        sent = self.fake.mutating()
        self.assertEqual(len(sent), 1)
        self.assertEqual((sent[0]["method"], sent[0]["path"]), ("POST", "/v2/kubernetes/clusters"))
        self.assertEqual(sent[0]["headers"]["content-type"], "application/json")
        self.assertEqual(sent[0]["headers"]["authorization"], "bearer " + TOKEN)
        self.assertEqual(sent[0]["body"], {"name": "web-k8s", "region": "LON1",
                                           "kubernetes_version": "1.28.7-k3s1",
                                           "pools": [{"id": "web-k8s-pool", "count": 2,
                                                      "size": "g4s.kube.small"}]})
        created = result.json()["result"]["responses"][0]
        self.assertEqual(created["status"], 200)
        names = [c["name"] for c in self.fake.dataset()["LON1"]["kubernetes.cluster"]]
        self.assertIn("web-k8s", names)
        self.assertEqual(self.audit_entries()[-1]["event"], "provision.executed")
        verify = self.fawkes("-c", self.config, "audit", "verify")
        self.assertExit(verify, EXIT_OK)

    def test_database_password_never_shows(self):
        spec = "name: orders\nregion: NYC1\nsize: g3.db.small\nengine: PostgreSQL\nversion: '14'\n"
        result = self.provision("database", "create", spec, "--apply")
        self.assertExit(result, EXIT_OK)
        self.assertEqual(self.fake.mutating()[0]["body"],
                         {"name": "orders", "region": "NYC1", "size": "g3.db.small",
                          "software": "PostgreSQL", "software_version": "14", "nodes": 1})
        self.assertIn("HTTP 200", result.stdout)
        with open(self.audit_log, encoding="utf-8") as f:
            audit = f.read()
        for text in (result.stdout, result.stderr, audit):
            self.assertNotIn("fresh-db-password", text)
            self.assertNotIn(TOKEN, text)

    def token_of(self, result):
        """The plan token a dry run printed (table output)."""
        for line in result.stdout.splitlines():
            if line.startswith("plan token: "):
                return line.split(": ", 1)[1].strip()
        self.fail("no plan token in:\n" + result.stdout + result.stderr)

    def test_delete_by_name_reads_then_deletes(self):
        bucket = self.fake.dataset()["FRA1"]["storage.bucket"][1]
        spec = "name: %s\nregion: FRA1\n" % bucket["name"]
        result = self.provision("bucket", "delete", spec)
        self.assertExit(result, EXIT_OK)
        self.assertEqual(self.fake.counts()["mutating"], 0)
        self.assertTrue(all(r["method"] == "GET" for r in self.fake.requests()))
        url = "%s/v2/objectstores/%s?region=FRA1" % (self.fake.base_url, bucket["id"])
        self.assertIn("DELETE " + url, result.stdout)
        token = self.token_of(result)
        self.assertIn("--apply --approve " + token, result.stdout)
        result = self.provision("bucket", "delete", spec, "--apply", "--approve", token)
        self.assertExit(result, EXIT_OK)
        sent = self.fake.mutating()
        self.assertEqual([(r["method"], r["path"], r["query"]) for r in sent],
                         [("DELETE", "/v2/objectstores/" + bucket["id"], "region=FRA1")])
        self.assertNotIn(bucket["id"], [b["id"] for b in self.fake.dataset()["FRA1"]["storage.bucket"]])
        entries = self.audit_entries()
        events = [(e["event"], e.get("token")) for e in entries]
        # the DELETE itself is audited as it is sent (docs/audit.md), its query cut off
        self.assertEqual(events, [("provision.planned", token), ("http.request", None),
                                  ("provision.executed", token)])
        self.assertEqual((entries[1]["method"], entries[1]["url"], entries[1]["status"]),
                         ("DELETE", "%s/v2/objectstores/%s" % (self.fake.base_url, bucket["id"]),
                          200))
        self.assertEqual(entries[-1]["approved"], token)
        self.assertEqual(entries[-1]["approver"], entries[-1]["actor"])  # who ran --approve
        self.assertEqual(entries[-1]["actor"]["uid"], os.getuid())

    def test_delete_without_the_approved_token_sends_nothing(self):
        database = self.fake.dataset()["LON1"]["database.instance"][0]
        spec = "id: %s\nregion: LON1\n" % database["id"]
        other = self.fake.dataset()["NYC1"]["database.instance"][0]
        other_spec = "id: %s\nregion: NYC1\n" % other["id"]
        token = self.token_of(self.provision("database", "delete", spec))
        other_token = self.token_of(self.provision("database", "delete", other_spec))
        self.assertNotEqual(token, other_token)
        cases = [
            ((), "approval needed: a delete is a high-risk change"),
            (("--approve", "0" * 64), "was not printed by a dry run with this state file"),
            (("--approve", other_token), "the plan computed now (token %s) is not the plan "
             "that was approved (%s)" % (token, other_token)),
        ]
        for extra, message in cases:
            with self.subTest(approve=extra):
                result = self.provision("database", "delete", spec, "--apply", *extra)
                self.assertExit(result, EXIT_USAGE)
                self.assertIn(message, result.stderr)
                self.assertEqual(self.fake.counts()["mutating"], 0)
        # a stale token: the dry run was more than 24 hours ago
        import sqlite3
        db = sqlite3.connect(os.path.join(self.tmp, "state.db"))
        with db:
            db.execute("UPDATE approval_plans SET created_ms = created_ms - 25 * 3600 * 1000 "
                       "WHERE token = ?", (token,))
        db.close()
        result = self.provision("database", "delete", spec, "--apply", "--approve", token)
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("approval refused: token %s expired" % token, result.stderr)
        self.assertEqual(self.fake.counts()["mutating"], 0)
        # -o json carries the token; a fresh dry run renews it and the apply sends exactly one call
        result = self.provision("database", "delete", spec, "-o", "json")
        self.assertExit(result, EXIT_OK)
        planned = json.loads(result.stdout)
        self.assertEqual((planned["token"], planned["needs_approval"], planned["status"]),
                         (token, True, "planned"))
        self.assertEqual(planned["result"]["targets"][0]["id"], database["id"])
        result = self.provision("database", "delete", spec, "--apply", "--approve", token)
        self.assertExit(result, EXIT_OK)
        self.assertEqual([(r["method"], r["path"]) for r in self.fake.mutating()],
                         [("DELETE", "/v2/databases/" + database["id"])])
        # a token applies once
        result = self.provision("database", "delete", other_spec, "--apply", "--approve", token)
        self.assertExit(result, EXIT_USAGE)
        self.assertEqual(len(self.fake.mutating()), 1)
        refused = [e for e in self.audit_entries() if e["event"] == "provision.refused"]
        self.assertEqual(len(refused), 5)
        self.assertTrue(all(not e["ok"] and e["reason"] for e in refused))

    def test_a_protected_target_needs_force_and_the_token_covers_it(self):
        cluster = self.fake.dataset()["LON1"]["kubernetes.cluster"][0]
        self.fake.update_item("LON1", "kubernetes.cluster", cluster["id"],
                              tags=["owner=platform", "fawkes.io/protected"])
        spec = "id: %s\nregion: LON1\n" % cluster["id"]
        result = self.provision("cluster", "delete", spec)
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("is protected from deletion (label fawkes.io/protected", result.stderr)
        self.assertIn("add `force: true` to the spec", result.stderr)
        self.assertNotIn("plan token:", result.stdout)
        forced = self.token_of(self.provision("cluster", "delete", spec + "force: true\n"))
        # the token of the forced plan does not apply the plan without force
        result = self.provision("cluster", "delete", spec, "--apply", "--approve", forced)
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("is protected from deletion", result.stderr)
        result = self.provision("cluster", "delete", spec + "force: true\n", "--apply",
                                "--approve", forced)
        self.assertExit(result, EXIT_OK)
        self.assertEqual([(r["method"], r["path"]) for r in self.fake.mutating()],
                         [("DELETE", "/v2/kubernetes/clusters/" + cluster["id"])])
        result = self.provision("cluster", "delete", "id: nope\nregion: LON1\n")
        self.assertExit(result, EXIT_PARTIAL)
        self.assertIn('no cluster with id "nope" in LON1', result.stderr)

    def test_civo_refusal_is_exit_3_with_its_words(self):
        result = self.provision("bucket", "create", "name: b\nregion: LON1\n", "--apply",
                                token="not-the-key-0000")
        self.assertExit(result, EXIT_PARTIAL)
        self.assertIn("civo-test: provision bucket create failed (error): POST", result.stderr)
        self.assertIn("HTTP 401: authentication_invalid_key", result.stderr)
        self.assertNotIn("not-the-key-0000", result.stderr + result.stdout)
        entry = self.audit_entries()[-1]
        self.assertEqual((entry["event"], entry["ok"]), ("provision.executed", False))
        self.assertIn("HTTP 401", entry["reason"])

    def test_spec_errors_exit_2_with_the_place(self):
        cases = [
            ("name: a\nregion: LON1\ncolour: red\n", "spec.yaml:3:1: unknown key 'colour' for "
             "create cluster; allowed: name, region, size, nodes, version, network_id"),
            ("name: a\nregion: LON1\nnodes: two\n",
             "spec.yaml:3:8: nodes: expected a whole number >= 1, got string \"two\""),
            ("name: a\nregion: LON1\nsize: 5\n",
             "spec.yaml:3:7: size: expected a non-empty string, got integer 5"),
            ("region: LON1\n", "spec.yaml:1:1: name: required to create a cluster; add name: ..."),
            ("name: [a\n", "spec.yaml:2:1:"),
            ("- a\n- b\n", "expected a mapping of name, region, size"),
        ]
        seen = ""
        for text, message in cases:
            with self.subTest(spec=text):
                result = self.provision("cluster", "create", text)
                self.assertExit(result, EXIT_USAGE)
                self.assertIn(message, result.stderr)
                seen += result.stderr
        # the examples docs/provision.md shows are these very messages
        with open(os.path.join(fwtest.SOURCE_DIR, "docs", "provision.md"), encoding="utf-8") as f:
            documented = [line.split("fawkes: error: ", 1)[1] for line in f
                          if line.startswith("fawkes: error: spec.yaml")]
        self.assertEqual(len(documented), 3)
        for line in documented:
            self.assertIn(line.strip(), seen)
        result = self.provision("bucket", "create", "name: b\nregion: LON1\nsize: big\n")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("size: expected a whole number of GB >= 1 (e.g. size: 500), got string "
                      "\"big\"", result.stderr)
        result = self.provision("database", "delete", "region: LON1\n")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("id: required to delete a database", result.stderr)
        result = self.provision("cluster", "create", '{"name": "j", "region": "LON1", "x": 1}',
                                spec_name="spec.json")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("spec.json:1:33: unknown key 'x'", result.stderr)
        self.assertEqual(self.fake.requests(), [])

    def test_usage_errors(self):
        spec = self.write("spec.yaml", CLUSTER_SPEC)
        cases = [
            (["provision", "vm", "create", "--provider", "civo-test", "--spec", spec],
             "provision vm: WHAT is cluster, database or bucket"),
            (["provision", "cluster", "grow", "--provider", "civo-test", "--spec", spec],
             "OP is create or delete"),
            (["provision", "cluster", "create", "--spec", spec],
             "provision needs exactly one --provider NAME"),
            (["provision", "cluster", "create", "--provider", "civo-test"],
             "provision needs --spec FILE"),
            (["provision", "cluster", "create", "--provider", "nope", "--spec", spec],
             "--provider nope: no provider instance of that name"),
            (["provision", "cluster", "create", "--provider", "saved", "--spec", spec],
             "saved: plugin 'snapshot' does not offer provisioning"),
            (["provision", "cluster", "create", "--provider", "civo-test", "--spec",
              os.path.join(self.tmp, "missing.yaml")], "cannot open the spec"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                result = self.fawkes("-c", self.config, *args,
                                     env={"FAKE_CIVO_TOKEN": TOKEN})
                self.assertExit(result, EXIT_USAGE)
                self.assertIn(message, result.stderr)
        self.assertEqual(self.fake.requests(), [])
        self.assertExit(self.fawkes("provision", "--help"), EXIT_OK)


if __name__ == "__main__":
    fwtest.main()
