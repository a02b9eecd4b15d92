"""test_gcp_actions: the gcp provider's actions, provisioning and cost with the real binary
against the fake Google APIs (tests/fakes/fake_gcp.py): the shipped close-open-admin-ports
playbook plans, needs approval, then deletes exactly the open firewalls; a labelling playbook
sends setLabels with the fingerprint; provisioning dry runs send nothing and --apply creates;
`fawkes cost` sums a billing export."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_gcp import FakeGCP  # noqa: E402

EXIT_OK, EXIT_USAGE = 0, 2

LABEL_AND_LOCK = """
meta = { description = "label unowned instances of one zone, lock public buckets" }
for vm in fawkes.inventory{provider = "gcp-test", kind = "compute.instance",
                           where = {region = "europe-west2-a"}} do
  if vm.labels.owner == nil then
    fawkes.action(vm, "set_labels", {labels = {owner = "unassigned"}})
  end
end
for b in fawkes.inventory{provider = "gcp-test", kind = "storage.bucket"} do
  if b.public then fawkes.action(b, "enforce_public_access_prevention", {}) end
end
"""


class GCPActionsTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeGCP(projects=("acme-prod",), per_zone=6)
        self.fake.start()
        self.key = self.fake.write_key(os.path.join(self.tmp, "sa.json"))
        self.audit = os.path.join(self.tmp, "audit.jsonl")
        self.export = os.path.join(self.tmp, "billing.jsonl")
        config = {"version": 1, "plugin_dirs": [fwtest.PLUGIN_DIR],
                  "providers": [{"name": "gcp-test", "plugin": "gcp",
                                 "config": {"endpoint": self.fake.base_url,
                                            "projects": ["acme-prod"],
                                            "billing_export": self.export}}],
                  "security": {"egress_allow": ["127.0.0.1"], "audit_log": self.audit},
                  "state": os.path.join(self.tmp, "state.db"),
                  "playbooks": {"max_actions": 100, "max_percent": 100}}
        self.config = self.write("fawkes.yaml", json.dumps(config, indent=2))

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def fk(self, *args):
        return self.fawkes("-c", self.config, *args,
                           env={"GOOGLE_APPLICATION_CREDENTIALS": self.key,
                                "CLOUDSDK_CONFIG": self.tmp})

    def open_admin_firewalls(self):
        names = []
        for fw in self.fake.dataset()["acme-prod"]["network.firewall"]:
            ranges = fw.get("sourceRanges") or ([] if fw.get("sourceTags") else ["0.0.0.0/0"])
            open_ = fw.get("direction", "INGRESS") == "INGRESS" and \
                ("0.0.0.0/0" in ranges or "::/0" in ranges)
            for entry in fw.get("allowed", []):
                ports = entry.get("ports") or ["all"]
                if open_ and entry["IPProtocol"] in ("tcp", "all") and \
                        any(p in ("22", "3389", "all") for p in ports):
                    names.append(fw["name"])
        return sorted(set(names))

    def test_close_open_admin_ports_plans_then_deletes_exactly(self):
        play = os.path.join(fwtest.SOURCE_DIR, "playbooks", "close-open-admin-ports.lua")
        expected = self.open_admin_firewalls()
        self.assertGreater(len(expected), 0)
        dry = self.fk("playbook", "run", play, "-o", "json")
        self.assertExit(dry, EXIT_OK)
        out = dry.json()
        self.assertEqual(self.fake.mutations(), [])
        self.assertTrue(out["needs_approval"])  # delete_firewall_rule is high risk
        urls = sorted(s["preview"]["requests"][0]["url"] for s in out["steps"])
        self.assertEqual(urls, ["%s/compute/v1/projects/acme-prod/global/firewalls/%s"
                                % (self.fake.base_url, n) for n in expected])
        self.assertExit(self.fk("playbook", "run", play, "--apply"), EXIT_USAGE)
        self.assertEqual(self.fake.mutations(), [])
        applied = self.fk("playbook", "run", play, "-o", "json", "--apply", "--approve",
                           out["token"])
        self.assertExit(applied, EXIT_OK)
        self.assertEqual(sorted((r["method"], r["path"]) for r in self.fake.mutations()),
                         [("DELETE", "/compute/v1/projects/acme-prod/global/firewalls/" + n)
                          for n in expected])
        again = self.fk("playbook", "run", play, "-o", "json")
        self.assertExit(again, EXIT_OK)
        self.assertEqual(again.json()["steps"], [])
        with open(self.audit, encoding="utf-8") as f:
            text = f.read()
        self.assertIn('"event":"action.executed"', text)
        self.assertNotIn("ya29.", text)
        self.assertNotIn("PRIVATE KEY", text)

    def test_labels_and_public_access_prevention(self):
        play = self.write("label.lua", LABEL_AND_LOCK)
        data = self.fake.dataset()["acme-prod"]
        unowned = sorted(i["name"] for i in data["compute.instance"]
                         if i["zone"].endswith("/europe-west2-a")
                         and "owner" not in i.get("labels", {}))
        self.assertGreater(len(unowned), 0)
        applied = self.fk("playbook", "run", play, "-o", "json", "--apply")
        self.assertExit(applied, EXIT_OK)
        calls = self.fake.mutations()
        labelled = sorted(r["path"].split("/")[-2] for r in calls
                          if r["path"].endswith("/setLabels"))
        self.assertEqual(labelled, unowned)
        self.assertTrue(all(r["status"] == 200 for r in calls), calls)
        now = {i["name"]: i for i in self.fake.dataset()["acme-prod"]["compute.instance"]}
        for name in unowned:
            self.assertEqual(now[name]["labels"]["owner"], "unassigned")
        locked = [r for r in calls if r["method"] == "PATCH"]
        self.assertGreater(len(locked), 0)
        inventory = self.fk("inventory", "--kind", "storage.bucket", "-o", "json")
        self.assertEqual([b["uid"] for b in inventory.json()["resources"] if b["public"]], [])

    def test_provision_dry_run_then_apply(self):
        spec = self.write("db.yaml", "name: orders\nregion: europe-west2\nengine: PostgreSQL\n"
                                     "version: '15'\nsize: db-g1-small\n")
        dry = self.fk("provision", "database", "create", "--provider", "gcp-test", "--spec",
                       spec)
        self.assertExit(dry, EXIT_OK)
        self.assertIn("POST %s/sql/v1beta4/projects/acme-prod/instances" % self.fake.base_url,
                      dry.stdout)
        self.assertIn('"databaseVersion":"POSTGRES_15"', dry.stdout)
        self.assertEqual(self.fake.mutations(), [])
        applied = self.fk("provision", "database", "create", "--provider", "gcp-test",
                           "--spec", spec, "--apply", "-o", "json")
        self.assertExit(applied, EXIT_OK)
        self.assertIn("orders", [i["name"] for i in
                                 self.fake.dataset()["acme-prod"]["database.instance"]])
        bucket = self.write("bucket.yaml", "name: acme-new-bucket\nregion: europe-west2\n")
        self.assertExit(self.fk("provision", "bucket", "create", "--provider", "gcp-test",
                                 "--spec", bucket, "--apply"), EXIT_OK)
        inventory = self.fk("inventory", "--kind", "storage.bucket", "-o", "json")
        made = [b for b in inventory.json()["resources"] if b["name"] == "acme-new-bucket"][0]
        self.assertFalse(made["public"])
        self.assertEqual(made["region"], "europe-west2")
        # a delete is high risk: the dry run's plan token approves it
        dry = self.fk("provision", "bucket", "delete", "--provider", "gcp-test", "--spec", bucket)
        self.assertExit(dry, EXIT_OK)
        self.assertIn("DELETE %s/storage/v1/b/acme-new-bucket" % self.fake.base_url, dry.stdout)
        token = [line.split(": ", 1)[1] for line in dry.stdout.splitlines()
                 if line.startswith("plan token: ")][0]
        self.assertExit(self.fk("provision", "bucket", "delete", "--provider", "gcp-test",
                                 "--spec", bucket, "--apply", "--approve", token), EXIT_OK)
        self.assertEqual([r["method"] for r in self.fake.mutations()], ["POST", "POST", "DELETE"])

    def test_cost_from_billing_export(self):
        rows = [("Compute Engine", "E2 Instance Core", 10.0, -1.0, "2026-09-02 00:00:00 UTC"),
                ("Compute Engine", "E2 Instance Core", 5.0, 0.0, "2026-09-03 00:00:00 UTC"),
                ("Cloud Storage", "Standard Storage", 2.5, 0.0, "2026-09-04 00:00:00 UTC"),
                ("Cloud Storage", "Standard Storage", 99.0, 0.0, "2026-08-31 23:00:00 UTC")]
        with open(self.export, "w", encoding="utf-8") as f:
            for service, sku, cost, credit, start in rows:
                f.write(json.dumps({"service": {"description": service},
                                    "sku": {"description": sku},
                                    "project": {"id": "acme-prod"},
                                    "location": {"region": "europe-west2"}, "cost": cost,
                                    "currency": "USD", "usage_start_time": start,
                                    "credits": [{"amount": credit}] if credit else []}) + "\n")
        result = self.fk("cost", "--from", "2026-09-01", "--to", "2026-10-01", "-o", "json")
        self.assertExit(result, EXIT_OK)
        report = result.json()["providers"][0]["report"]
        self.assertEqual(report["total"], 16.5)
        self.assertEqual([(i["service"], i["cost"], i["rows"]) for i in report["items"]],
                         [("Compute Engine", 14.0, 2), ("Cloud Storage", 2.5, 1)])
        table = self.fk("cost", "--from", "2026-09-01", "--to", "2026-10-01")
        self.assertIn("total: 16.50 USD for 2 charges", table.stdout)


if __name__ == "__main__":
    fwtest.main()
