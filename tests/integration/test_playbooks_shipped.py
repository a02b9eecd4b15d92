"""test_playbooks_shipped: the playbooks in playbooks/ and `fawkes select`, run with the real
binary against realistic data: the demo snapshot files (examples/demo/*.jsonl) and the civo
plugin against the fake Civo API (tests/fakes/fake_civo.py), in dry run and with --apply,
checking the plan, every mutating request the fake received, and the audit log."""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_civo import FakeCivo, REGIONS, TOKEN  # noqa: E402

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
PLAYBOOKS = os.path.join(fwtest.SOURCE_DIR, "playbooks")
DEMO = os.path.join(fwtest.SOURCE_DIR, "examples", "demo")
SELECT_EXAMPLES = os.path.join(fwtest.SOURCE_DIR, "examples", "select")


def playbook(name):
    return os.path.join(PLAYBOOKS, name + ".lua")


def demo_resources(provider):
    with open(os.path.join(DEMO, provider + ".jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def covers(ports, port):
    """The same port-spec reading as the playbook, written independently."""
    if isinstance(ports, list):
        return any(covers(p, port) for p in ports)
    if ports in ("all", "*"):
        return True
    if "-" in str(ports):
        lo, hi = str(ports).split("-")
        return int(lo) <= port <= int(hi)
    return str(ports) == str(port)


def tag_value(tags, key):
    for tag in tags or []:
        if tag.startswith(key + "="):
            return tag[len(key) + 1:]
    return None


class PlaybookCase(fwtest.TestCase):
    """Helpers: run a shipped playbook, read the audit log."""

    def setUp(self):
        super().setUp()
        self.audit = os.path.join(self.tmp, "audit.jsonl")

    def play(self, config, name, *args, env=None):
        return self.fawkes("-c", config, "playbook", "run", playbook(name), "-o", "json", *args,
                           env=env)

    def audit_entries(self):
        if not os.path.exists(self.audit):
            return []
        with open(self.audit, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]


class SnapshotPlaybooksTest(PlaybookCase):
    """The demo inventory: snapshot providers have no actions, so every playbook reports what
    a person must fix and plans nothing."""

    def config(self, extra=None):
        config = {
            "version": 1,
            "plugin_dirs": [fwtest.PLUGIN_DIR],
            "providers": [{"name": "%s-demo" % p, "plugin": "snapshot",
                           "config": {"paths": [os.path.join(DEMO, p + ".jsonl")]}}
                          for p in ("aws", "gcp", "civo")],
            "security": {"audit_log": self.audit},
            "state": os.path.join(self.tmp, "state.db"),
        }
        config.update(extra or {})
        return self.write("fawkes.yaml", json.dumps(config, indent=2))

    def test_close_open_admin_ports_reports_every_open_rule(self):
        expected = []
        for provider in ("aws", "gcp", "civo"):
            for r in demo_resources(provider):
                if r["kind"] != "network.firewall":
                    continue
                for rule in r["attributes"].get("rules", []):
                    world = set(rule["cidrs"]) & {"0.0.0.0/0", "::/0"}
                    if (rule["direction"] == "ingress" and rule["action"] == "allow" and world
                            and rule["protocol"] in ("tcp", "all", "-1")
                            and (covers(rule["ports"], 22) or covers(rule["ports"], 3389))):
                        expected.append(r["uid"])
        self.assertGreaterEqual(len(expected), 3)  # the demo has open bastions and RDP
        result = self.play(self.config(), "close-open-admin-ports")
        self.assertExit(result, EXIT_OK)
        out = result.json()
        self.assertEqual(out["status"], "planned")
        self.assertEqual(out["steps"], [])
        report = out["report"][0]
        self.assertEqual(report["open_admin_rules"], len(expected))
        self.assertEqual(sorted(e["firewall"] for e in report["fix_by_hand"]), sorted(expected))
        self.assertEqual(self.audit_entries(), [])
        # Only RDP: fewer rules, each covering 3389.
        rdp = self.play(self.config(), "close-open-admin-ports", "--var", "ports=3389").json()
        self.assertTrue(all(e["admin_ports"] == [3389] for e in rdp["report"][0]["fix_by_hand"]))
        self.assertLess(rdp["report"][0]["open_admin_rules"], len(expected))

    def test_bad_ports_var_is_a_playbook_error(self):
        result = self.play(self.config(), "close-open-admin-ports", "--var", "ports=22,ssh")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("--var ports=22,ssh: expected port numbers 1-65535", result.stderr)

    def test_stop_idle_instances_lists_idle_non_production(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        expected = []
        for provider in ("aws", "gcp", "civo"):
            for r in demo_resources(provider):
                labels = r.get("labels") or {}
                if r["kind"] != "compute.instance" or r["state"] != "running":
                    continue
                created = r.get("created_at")
                if not created or labels.get("keep-running") == "true":
                    continue
                age = now - datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
                if age.days >= 7 and labels.get("env") in ("dev", "staging"):
                    expected.append(r["uid"])
        self.assertTrue(expected)
        out = self.play(self.config(), "stop-idle-instances").json()
        self.assertEqual(out["status"], "planned")
        report = out["report"][0]
        self.assertEqual([e["uid"] for e in report["fix_by_hand"]], sorted(expected))
        self.assertIn("has no actions", report["fix_by_hand"][0]["fix"])
        only_dev = self.play(self.config(), "stop-idle-instances", "--var", "envs=dev").json()
        self.assertLess(only_dev["report"][0]["idle"], len(expected))

    def test_label_missing_owner_finds_unowned(self):
        expected = sorted(r["uid"] for p in ("aws", "gcp", "civo") for r in demo_resources(p)
                          if r["kind"] == "compute.instance"
                          and not (r.get("labels") or {}).get("owner"))
        self.assertTrue(expected)
        out = self.play(self.config(), "label-missing-owner", "--var", "owner=platform").json()
        report = out["report"][0]
        self.assertEqual(report["owner"], "platform")
        self.assertEqual([e["uid"] for e in report["fix_by_hand"]], expected)
        bad = self.play(self.config(), "label-missing-owner", "--var", "owner=two words")
        self.assertExit(bad, EXIT_USAGE)
        self.assertIn("expected letters, digits", bad.stderr)

    def test_expire_old_exceptions_reports_expired_and_expiring(self):
        today = datetime.datetime.now(datetime.timezone.utc).date()
        soon = (today + datetime.timedelta(days=10)).isoformat()
        later = (today + datetime.timedelta(days=200)).isoformat()
        buckets = [{"uid": "aws:1:eu-west-2:storage.bucket:%s" % n, "provider": "aws",
                    "account": "1", "region": "eu-west-2", "kind": "storage.bucket",
                    "native_type": "s3:bucket", "id": n, "name": n, "state": "available",
                    "labels": {"team": t}, "created_at": "2025-01-01T00:00:00Z",
                    "public": True, "encrypted": True, "monthly_cost": 1.0, "attributes": {}}
                   for n, t in (("www", "web"), ("assets", "web"), ("dumps", "data"),
                                ("media", "media"))]
        snap = self.write("buckets.jsonl", "\n".join(json.dumps(b) for b in buckets) + "\n")
        self.write("policies/bucket.yaml", """\
            kind: Policy
            name: public-bucket
            severity: high
            match: {kinds: [storage.bucket]}
            rules:
              - name: public
                message: "bucket {{name}} is public"
                when: {path: public, eq: true}
            ---
            kind: PolicyException
            id: EXC-OLD
            policy: public-bucket
            resources: {labels: {team: data}}
            owner: data@acme.example
            reason: one-off export
            ticket: SEC-1
            expires: 2025-06-30T00:00:00Z
            ---
            kind: PolicyException
            id: EXC-SOON
            policy: public-bucket
            resources: {labels: {team: web}}
            owner: web@acme.example
            reason: website
            expires: %s
            ---
            kind: PolicyException
            id: EXC-LATER
            policy: public-bucket
            resources: {name_regex: "^media$"}
            owner: media@acme.example
            reason: CDN origin
            expires: %s
            """ % (soon, later))
        config = {
            "version": 1, "plugin_dirs": [fwtest.PLUGIN_DIR],
            "providers": [{"name": "snap", "plugin": "snapshot", "config": {"paths": [snap]}}],
            "policies": [{"name": "org", "plugin": "policy",
                          "config": {"paths": [os.path.join(self.tmp, "policies")]}}],
            "security": {"audit_log": self.audit},
            "state": os.path.join(self.tmp, "state.db"),
        }
        path = self.write("fawkes.yaml", json.dumps(config))
        result = self.play(path, "expire-old-exceptions", "--var", "policies=org")
        self.assertExit(result, EXIT_OK)
        out = result.json()
        self.assertEqual(out["steps"], [])
        report = out["report"][0]
        self.assertEqual(report["days"], 30)
        self.assertEqual([(e["id"], e["owner"], e["ticket"], e["resources"])
                          for e in report["expired"]],
                         [("EXC-OLD", "data@acme.example", "SEC-1",
                           ["aws:1:eu-west-2:storage.bucket:dumps"])])
        self.assertEqual([(e["id"], e["resources"]) for e in report["expiring"]],
                         [("EXC-SOON", ["aws:1:eu-west-2:storage.bucket:assets",
                                        "aws:1:eu-west-2:storage.bucket:www"])])
        # Expires at midnight ten days from today: 9 whole days left (10 exactly at 00:00).
        self.assertIn(report["expiring"][0]["days_left"], (9, 10))
        self.assertIn("exception EXC-OLD expired", result.stderr)
        # A wider horizon takes in the later one too.
        wide = self.play(path, "expire-old-exceptions", "--var", "policies=org",
                         "--var", "days=365").json()["report"][0]
        self.assertEqual([e["id"] for e in wide["expiring"]], ["EXC-SOON", "EXC-LATER"])
        # Without --var policies it finds the instance by its plugin, whatever its name.
        found = self.play(path, "expire-old-exceptions")
        self.assertExit(found, EXIT_OK)
        self.assertEqual(found.json()["report"], out["report"])
        # A policy instance that does not exist is a playbook error.
        missing = self.play(path, "expire-old-exceptions", "--var", "policies=nope")
        self.assertExit(missing, EXIT_USAGE)
        self.assertIn("nope", missing.stderr)


class CivoPlaybooksTest(PlaybookCase):
    """The civo plugin against the fake Civo API: the playbooks plan real actions, send none
    in a dry run, and send exactly the planned requests with --apply."""

    def setUp(self):
        super().setUp()
        self.fake = FakeCivo(per_region=10)
        self.fake.start()
        self.env = {"FAKE_CIVO_TOKEN": TOKEN}

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def config(self):
        config = {
            "version": 1,
            "plugin_dirs": [fwtest.PLUGIN_DIR],
            "providers": [{"name": "civo-test", "plugin": "civo",
                           "config": {"endpoint": self.fake.base_url, "account": "acme",
                                      "token": "${env:FAKE_CIVO_TOKEN}",
                                      "regions": list(REGIONS)}}],
            "security": {"egress_allow": ["127.0.0.1"], "audit_log": self.audit},
            "state": os.path.join(self.tmp, "state.db"),
        }
        return self.write("fawkes.yaml", json.dumps(config, indent=2))

    def run_playbook(self, name, *args):
        return self.play(self.config(), name, *args, env=self.env)

    def instances(self):
        data = self.fake.dataset()
        return [i for region in REGIONS for i in data[region]["compute.instance"]]

    def mutations(self):
        return [(r["method"], r["path"]) for r in self.fake.mutating()]

    def assert_audit_clean(self):
        with open(self.audit, encoding="utf-8") as f:
            self.assertNotIn(TOKEN, f.read())
        self.assertExit(self.fawkes("audit", "verify", self.audit), EXIT_OK)

    def test_close_open_admin_ports_dry_run_then_approved_apply(self):
        data = self.fake.dataset()
        expected = {}
        for region in REGIONS:
            for fw in data[region]["network.firewall"]:
                for rule in self.fake.rules(fw["id"]):
                    if (rule["protocol"] == "tcp" and "0.0.0.0/0" in rule["cidr"]
                            and int(rule["start_port"]) <= 22 <= int(rule["end_port"])):
                        expected[rule["id"]] = (fw["id"], region)
        self.assertTrue(expected, "the fake's data should have SSH open to the world")

        dry = self.run_playbook("close-open-admin-ports")
        self.assertExit(dry, EXIT_OK)
        out = dry.json()
        self.assertEqual(out["status"], "planned")
        self.assertEqual(self.mutations(), [])
        self.assertEqual(sorted(s["params"]["rule_id"] for s in out["steps"]), sorted(expected))
        self.assertTrue(all(s["action"] == "delete_firewall_rule" and s["risk"] == "high"
                            for s in out["steps"]))
        self.assertTrue(out["needs_approval"])
        for step in out["steps"]:
            fw_id, region = expected[step["params"]["rule_id"]]
            self.assertEqual(step["preview"]["requests"][0]["method"], "DELETE")
            self.assertIn("/v2/firewalls/%s/rules/%s?region=%s" % (
                fw_id, step["params"]["rule_id"], region), step["preview"]["requests"][0]["url"])
        self.assertEqual([e["event"] for e in self.audit_entries()],
                         ["action.planned"] * len(expected))

        # --apply alone is refused: deleting rules is high risk.
        refused = self.run_playbook("close-open-admin-ports", "--apply")
        self.assertExit(refused, EXIT_USAGE)
        self.assertEqual(self.mutations(), [])

        applied = self.run_playbook("close-open-admin-ports", "--apply", "--approve", out["token"])
        self.assertExit(applied, EXIT_OK)
        self.assertEqual(applied.json()["status"], "applied")
        self.assertEqual(sorted(self.mutations()), sorted(
            ("DELETE", "/v2/firewalls/%s/rules/%s" % (fw, rule))
            for rule, (fw, _) in expected.items()))
        events = [e["event"] for e in self.audit_entries()]
        self.assertEqual(events.count("action.executed"), len(expected))
        self.assertEqual(events.count("action.approved"), len(expected))
        self.assert_audit_clean()
        # The rules are gone: a new dry run finds nothing to do.
        again = self.run_playbook("close-open-admin-ports").json()
        self.assertEqual(again["steps"], [])
        self.assertEqual(again["report"][0]["open_admin_rules"], 0)

    def test_stop_idle_instances_stops_idle_non_production(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        expected = sorted(
            i["id"] for i in self.instances()
            if i["status"] == "ACTIVE" and i.get("created_at")
            and tag_value(i["tags"], "env") in ("dev", "staging")
            and (now - datetime.datetime.fromisoformat(
                i["created_at"].replace("Z", "+00:00"))).days >= 7)
        self.assertTrue(expected)
        dry = self.run_playbook("stop-idle-instances")
        self.assertExit(dry, EXIT_OK)
        steps = dry.json()["steps"]
        self.assertEqual(sorted(s["resource"].split(":")[-1] for s in steps), expected)
        self.assertTrue(all(s["action"] == "stop" and s["risk"] == "medium" for s in steps))
        self.assertEqual(self.mutations(), [])

        applied = self.run_playbook("stop-idle-instances", "--apply")
        self.assertExit(applied, EXIT_OK)
        self.assertEqual(sorted(self.mutations()),
                         sorted(("PUT", "/v2/instances/%s/stop" % i) for i in expected))
        stopped = {i["id"] for i in self.instances() if i["status"] == "SHUTOFF"}
        self.assertTrue(set(expected) <= stopped)
        events = [e["event"] for e in self.audit_entries()]
        self.assertEqual(events.count("action.executed"), len(expected))
        self.assert_audit_clean()
        # Stopped instances are no longer running: nothing more to do.
        self.fake.reset()
        again = self.run_playbook("stop-idle-instances", "--apply")
        self.assertExit(again, EXIT_OK)
        self.assertEqual(again.json()["steps"], [])
        self.assertEqual(self.mutations(), [])

    def test_label_missing_owner_tags_them(self):
        expected = {i["id"]: i["tags"] or [] for i in self.instances()
                    if tag_value(i["tags"], "owner") is None}
        self.assertTrue(expected)
        dry = self.run_playbook("label-missing-owner", "--var", "owner=sre")
        self.assertExit(dry, EXIT_OK)
        steps = dry.json()["steps"]
        self.assertEqual(sorted(s["resource"].split(":")[-1] for s in steps), sorted(expected))
        self.assertTrue(all(s["params"] == {"tag": "owner=sre"} and s["risk"] == "low"
                            for s in steps))
        self.assertEqual(self.mutations(), [])

        applied = self.run_playbook("label-missing-owner", "--var", "owner=sre", "--apply")
        self.assertExit(applied, EXIT_OK)
        puts = {r["path"]: r["body"] for r in self.fake.mutating()}
        self.assertEqual(sorted(puts), sorted("/v2/instances/%s/tags" % i for i in expected))
        for instance_id, tags in expected.items():
            body = puts["/v2/instances/%s/tags" % instance_id]
            self.assertEqual(body["tags"].split(" "), tags + ["owner=sre"])
        self.assert_audit_clean()
        self.fake.reset()
        again = self.run_playbook("label-missing-owner", "--var", "owner=sre")
        self.assertEqual(again.json()["steps"], [])


class SelectTest(fwtest.TestCase):
    """`fawkes select --requirements FILE` and the select-provider playbook."""

    def select(self, path, *args):
        return self.fawkes("select", "--requirements", path, "-o", "json", *args)

    def test_web_eu_on_a_budget_picks_civo(self):
        result = self.select(os.path.join(SELECT_EXAMPLES, "web-eu.yaml"))
        self.assertExit(result, EXIT_OK)
        out = result.json()
        self.assertEqual(out["winner"], "civo")
        self.assertEqual(out["weights"], {"cost": 0.6, "features": 0.2, "regions": 0.1,
                                          "compliance": 0.1})
        ranking = out["ranking"]
        self.assertEqual([c["provider"] for c in ranking], ["civo", "gcp", "aws"])
        civo = ranking[0]
        self.assertEqual(civo["choice"], {"size": "g3.medium", "cpu": 2, "memory_gb": 4,
                                          "monthly": 25.0})
        for c in ranking:
            total = sum(c["breakdown"][d]["points"] for d in c["breakdown"])
            self.assertAlmostEqual(c["score"], total, places=2)
        self.assertEqual(civo["breakdown"]["cost"]["score"], 1)
        # gcp: e2-medium 24.46 + 50 GB x 0.10 = 29.46; cost score 25 / 29.46
        self.assertEqual(ranking[1]["choice"]["monthly"], 29.46)
        self.assertAlmostEqual(ranking[1]["breakdown"]["cost"]["score"], 25 / 29.46, places=3)
        self.assertEqual(len(ranking[1]["why_not"]), 1)
        self.assertTrue(ranking[1]["why_not"][0].startswith("cost: 0.509 vs 0.600 points"))

    def test_compliance_priority_rules_out_civo(self):
        out = self.select(os.path.join(SELECT_EXAMPLES, "health-us.yaml")).json()
        self.assertEqual(out["weights"]["compliance"], 0.5)
        self.assertEqual(out["winner"], "aws")
        civo = [c for c in out["ranking"] if c["provider"] == "civo"][0]
        self.assertFalse(civo["eligible"])
        self.assertEqual(civo["rank"], 3)
        self.assertIn("not certified for hipaa, soc2", civo["why_not"])
        gcp = out["ranking"][1]
        self.assertEqual(gcp["provider"], "gcp")
        self.assertTrue(any(w.startswith("regions:") and "us-east-1" in w
                            for w in gcp["why_not"]))

    def test_default_weights_and_table_output(self):
        path = self.write("req.yaml", "cpu: 4\nmemory_gb: 8\n")
        out = self.select(path).json()
        self.assertEqual(out["priority"], "balanced")
        self.assertEqual(out["weights"], {"cost": 0.4, "features": 0.3, "regions": 0.2,
                                          "compliance": 0.1})
        table = self.fawkes("select", "--requirements", path)
        self.assertExit(table, EXIT_OK)
        self.assertIn("RANK PROVIDER", table.stdout)
        self.assertIn("why not ", table.stdout)
        self.assertIn("select: %s" % out["winner"], table.stdout)

    def test_priorities_shift_the_weights(self):
        for priority, heaviest in (("cost", "cost"), ("performance", "features"),
                                   ("compliance", "compliance"), ("latency", "regions")):
            path = self.write("req-%s.yaml" % priority,
                              "cpu: 2\nmemory_gb: 4\npriority: %s\n" % priority)
            weights = self.select(path).json()["weights"]
            self.assertEqual(max(weights, key=weights.get), heaviest, priority)
            self.assertAlmostEqual(sum(weights.values()), 1.0)

    def test_nothing_fits_exits_1(self):
        path = self.write("req.yaml", "cpu: 2\nmemory_gb: 4\nmax_monthly_cost: 5\n")
        result = self.select(path)
        self.assertExit(result, EXIT_FINDINGS)
        out = result.json()
        self.assertNotIn("winner", out)
        self.assertTrue(all(not c["eligible"] for c in out["ranking"]))
        self.assertTrue(all(any(w.startswith("over budget") for w in c.get("why_not", []))
                            for c in out["ranking"][1:]))
        self.assertIn("no provider meets the requirements", result.stderr)

    def test_bad_requirement_files(self):
        cases = [
            ("cpu: two\nmemory_gb: 4\n",
             "bad.yaml:1:6: cpu: expected a whole number of vCPUs from 1 to 1024, "
             "got string \"two\""),
            ("cpu: 2\nmemory_gb: -1\n", "bad.yaml:2:12: memory_gb: expected a number > 0, "
                                        "got integer -1"),
            ("cpu: 2\nmemory_gb: 4\nprio: cost\n", "bad.yaml:3:1: unknown key 'prio'; allowed:"),
            ("memory_gb: 4\n", "bad.yaml:1:1: cpu: required; add cpu: ..."),
            ("cpu: 2\nmemory_gb: 4\ncompliance: [gdpr, 7]\n",
             "bad.yaml:3:20: compliance[2]: expected a non-empty string, got integer 7"),
            ("cpu: 2\nmemory_gb: 4\nregions: eu\n",
             "bad.yaml:3:10: regions: expected a list of names, got string \"eu\""),
            ("cpu: 2\nmemory_gb: 4\npriority: fast\n",
             "bad.yaml:3:11: priority: expected cost, performance, compliance, latency or "
             "balanced, got string \"fast\""),
            ("cpu: 2\nmemory_gb: 4\nfeatures:\n  - kubernetes\n  - quantum\n",
             "bad.yaml:5:5: features[2]: expected one of gpu, ipv6, kubernetes,"),
            ("cpu: 2\nmemory_gb: 4\ncompliance: [sox]\n",
             "bad.yaml:3:14: compliance[1]: expected one of c5, fedramp, g-cloud,"),
            ("cpu: [2\n", "bad.yaml:2:1: invalid YAML"),
            ("- cpu\n", "bad.yaml:1:1: expected a mapping of cpu, memory_gb"),
        ]
        for text, message in cases:
            self.write("bad.yaml", text, dedent=False)
            result = self.fawkes("select", "--requirements", "bad.yaml")
            self.assertExit(result, EXIT_USAGE)
            self.assertIn("fawkes: error: " + message, result.stderr, text)
            self.assertEqual(result.stdout, "")
        missing = self.fawkes("select", "--requirements", "nope.yaml")
        self.assertExit(missing, EXIT_USAGE)
        self.assertIn("nope.yaml: cannot open the requirements file", missing.stderr)
        self.assertExit(self.fawkes("select"), EXIT_USAGE)

    def test_playbook_run_directly_with_requirements_var(self):
        req = json.dumps({"cpu": 8, "memory_gb": 32, "features": ["spot_instances"]})
        result = self.fawkes("playbook", "run", playbook("select-provider"), "--var",
                             "requirements=" + req, "-o", "json")
        self.assertExit(result, EXIT_OK)
        report = result.json()["report"][0]
        self.assertEqual(report["winner"], "gcp")
        civo = [c for c in report["ranking"] if c["provider"] == "civo"][0]
        self.assertEqual(civo["breakdown"]["features"]["detail"], "lacks spot_instances")
        none = self.fawkes("playbook", "run", playbook("select-provider"), "-o", "json")
        self.assertExit(none, EXIT_USAGE)
        self.assertIn("requirements: none given", none.stderr)


if __name__ == "__main__":
    fwtest.main()
