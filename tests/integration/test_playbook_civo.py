"""test_playbook_civo: a playbook with the civo provider's actions against the fake Civo API
(tests/fakes/fake_civo.py): a dry run sends no mutating request; --apply --approve sends
exactly the documented requests (plugins/civo/README.md, Actions), and nothing else."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_civo import FakeCivo, TOKEN  # noqa: E402

EXIT_OK, EXIT_USAGE = 0, 2

CLOSE_OPEN_SSH = """
meta = { description = "Remove ingress rules that open SSH to the whole internet" }
for fw in fawkes.inventory{provider = "civo-test", kind = "network.firewall"} do
  for _, rule in ipairs(fw.attributes.rules) do
    local open = false
    for _, cidr in ipairs(rule.cidrs) do open = open or cidr == "0.0.0.0/0" end
    if rule.direction == "ingress" and rule.ports == "22" and open then
      fawkes.action(fw, "delete_firewall_rule", {rule_id = rule.id})
    end
  end
end
for vm in fawkes.inventory{provider = "civo-test", kind = "compute.instance",
                           where = {region = "LON1", state = "stopped"}} do
  fawkes.action(vm, "add_tag", {tag = "reviewed=fawkes"})
end
"""


class CivoPlaybookTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeCivo(per_region=40)
        self.fake.start()
        self.audit = os.path.join(self.tmp, "audit.jsonl")
        config = {"version": 1,
                  "providers": [{"name": "civo-test", "plugin": "civo",
                                 "config": {"token": "${env:FAKE_CIVO_TOKEN}",
                                            "endpoint": self.fake.base_url}}],
                  "security": {"egress_allow": ["127.0.0.1"], "audit_log": self.audit},
                  "state": os.path.join(self.tmp, "state.db"),
                  "playbooks": {"max_actions": 100}}
        self.config = self.write("fawkes.yaml", json.dumps(config, indent=2))
        self.play = self.write("close-open-ssh.lua", CLOSE_OPEN_SSH)

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def run_play(self, *args):
        return self.fawkes("-c", self.config, "playbook", "run", self.play, "-o", "json", *args,
                           env={"FAKE_CIVO_TOKEN": TOKEN})

    def expected_requests(self):
        """The documented requests for what the fake holds now: (method, path, region)."""
        expected = []
        for region, kinds in self.fake.dataset().items():
            for fw in kinds.get("network.firewall", []):
                for rule in self.fake.rules(fw["id"]):
                    cidrs = rule["cidr"] if isinstance(rule["cidr"], list) else [rule["cidr"]]
                    if (rule["direction"] == "ingress" and rule["start_port"] == "22"
                            and rule["end_port"] == "22" and "0.0.0.0/0" in cidrs):
                        expected.append(("DELETE", "/v2/firewalls/%s/rules/%s" % (fw["id"],
                                                                                  rule["id"]),
                                         region))
            if region == "LON1":
                for vm in kinds.get("compute.instance", []):
                    if vm["status"] == "SHUTOFF":
                        expected.append(("PUT", "/v2/instances/%s/tags" % vm["id"], region))
        return sorted(expected)

    def test_dry_run_then_approved_apply_sends_exactly_the_plan(self):
        expected = self.expected_requests()
        self.assertGreater(len([e for e in expected if e[0] == "DELETE"]), 0)
        self.assertGreater(len([e for e in expected if e[0] == "PUT"]), 0)

        dry = self.run_play()
        self.assertExit(dry, EXIT_OK)
        out = dry.json()
        self.assertEqual(self.fake.counts()["mutating"], 0)
        self.assertEqual(out["status"], "planned")
        self.assertTrue(out["needs_approval"])  # delete_firewall_rule is high risk
        self.assertEqual(len(out["steps"]), len(expected))
        for step in out["steps"]:
            self.assertEqual(len(step["preview"]["requests"]), 1)
            self.assertTrue(step["preview"]["dry_run"])
        planned = sorted((s["preview"]["requests"][0]["method"],
                          s["preview"]["requests"][0]["url"].split(self.fake.base_url, 1)[1]
                          .split("?", 1)[0], s["resource"].split(":")[2]) for s in out["steps"])
        self.assertEqual(planned, expected)

        refused = self.run_play("--apply")
        self.assertExit(refused, EXIT_USAGE)
        self.assertEqual(self.fake.counts()["mutating"], 0)

        applied = self.run_play("--apply", "--approve", out["token"])
        self.assertExit(applied, EXIT_OK)
        self.assertEqual({s["status"] for s in applied.json()["steps"]}, {"executed"})
        sent = sorted((r["method"], r["path"],
                       r["params"].get("region", [None])[0] if r["method"] == "DELETE"
                       else r["body"]["region"]) for r in self.fake.mutating())
        self.assertEqual(sent, expected)
        for r in self.fake.mutating():
            if r["method"] == "PUT":
                self.assertIn("reviewed=fawkes", r["body"]["tags"].split(" "))

        # Fixed: a new dry run plans no rule deletion.
        again = self.run_play()
        self.assertExit(again, EXIT_OK)
        self.assertEqual([s for s in again.json()["steps"]
                          if s["action"] == "delete_firewall_rule"], [])
        with open(self.audit, encoding="utf-8") as f:
            text = f.read()
        self.assertNotIn(TOKEN, text)
        self.assertIn('"event":"action.executed"', text)
        self.assertExit(self.fawkes("audit", "verify", self.audit), EXIT_OK)

    def test_provision_is_planned_then_sent(self):
        play = self.write("bucket.lua", """
        local planned = assert(fawkes.provision("bucket", {provider = "civo-test", name = "logs",
                                                          region = "LON1", size = 100}))
        fawkes.report{risk = planned.risk, requests = planned.preview.requests}
        """)
        dry = self.fawkes("-c", self.config, "playbook", "run", play, "-o", "json",
                          env={"FAKE_CIVO_TOKEN": TOKEN})
        self.assertExit(dry, EXIT_OK)
        self.assertEqual(self.fake.counts()["mutating"], 0)
        report = dry.json()["report"][0]
        self.assertEqual(report["risk"], "medium")
        body = {"name": "logs", "region": "LON1", "max_size_gb": 100}
        self.assertEqual(report["requests"], [{"method": "POST", "body": body,
                                               "url": self.fake.base_url + "/v2/objectstores"}])
        applied = self.fawkes("-c", self.config, "playbook", "run", play, "-o", "json", "--apply",
                              env={"FAKE_CIVO_TOKEN": TOKEN})
        self.assertExit(applied, EXIT_OK)
        sent = self.fake.mutating()
        self.assertEqual([(r["method"], r["path"], r["body"]) for r in sent],
                         [("POST", "/v2/objectstores", body)])
        entries = [json.loads(line) for line in open(self.audit, encoding="utf-8")]
        self.assertEqual([e["event"] for e in entries],
                         ["provision.planned", "provision.planned", "http.request",
                          "provision.executed"])
        # the request the playbook's provision sent, as it went out (docs/audit.md)
        request = entries[2]
        self.assertEqual((request["method"], request["url"], request["status"]),
                         ("POST", self.fake.base_url + "/v2/objectstores", 200))


if __name__ == "__main__":
    fwtest.main()
