"""test_model_schema: real output validates against the model's JSON Schemas
(docs/schema/resource.schema.json, docs/schema/finding.schema.json, docs/model.md): the demo's
inventory and the findings of its runs (-o jsonl and -o json, new, open and resolved), the
civo plugin's inventory of the fake Civo API, and the examples in docs/model.md. Every
resource has every field and labels is always an object; the host fills what a snapshot
record leaves out and refuses a wrong type with a message naming the field.
"""
import json
import os
import re
import sys

import jsonschema

import fwtest
from fwtest import PLUGIN_DIR, SOURCE_DIR

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "fakes"))
from fake_civo import FakeCivo, TOKEN  # noqa: E402

EXIT_OK, EXIT_FINDINGS, EXIT_PARTIAL = 0, 1, 3
DEMO = os.path.join(SOURCE_DIR, "examples", "demo.yaml")
MODEL_FIELDS = ["uid", "provider", "account", "region", "kind", "native_type", "id", "name",
                "state", "labels", "created_at", "public", "encrypted", "monthly_cost",
                "attributes"]


def load_schema(name):
    with open(os.path.join(SOURCE_DIR, "docs", "schema", name), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


RESOURCE_SCHEMA = load_schema("resource.schema.json")
FINDING_SCHEMA = load_schema("finding.schema.json")


class ModelTestCase(fwtest.TestCase):
    resources = jsonschema.Draft202012Validator(RESOURCE_SCHEMA)
    findings = jsonschema.Draft202012Validator(FINDING_SCHEMA)

    def assertValid(self, validator, items, what):
        """Every item validates; the message lists the first few errors with their item."""
        self.assertGreater(len(items), 0, "no %s to validate" % what)
        errors = ["%s at %s: %s" % (item.get("uid") or item.get("rule"), error.json_path,
                                    error.message)
                  for item in items for error in validator.iter_errors(item)]
        self.assertEqual(errors[:10], [], "%d of %d %s do not validate" % (
            len(errors), len(items), what))

    def assertResourcesComplete(self, resources):
        self.assertValid(self.resources, resources, "resources")
        for r in resources:
            self.assertTrue(set(MODEL_FIELDS) <= set(r), r["uid"])
            self.assertIsInstance(r["labels"], dict, r["uid"])
            self.assertIsInstance(r["attributes"], dict, r["uid"])

    def assertFindingsValid(self, findings):
        self.assertValid(self.findings, findings, "findings")
        for f in findings:
            self.assertIsInstance(f["resource"]["labels"], dict, f["rule"])
            self.assertEqual(len(f["fingerprint"]), 64, f["rule"])


class SchemaTest(ModelTestCase):

    def test_the_resource_schema_requires_every_field_of_the_model(self):
        self.assertEqual(RESOURCE_SCHEMA["required"], MODEL_FIELDS)
        self.assertEqual(sorted(RESOURCE_SCHEMA["required"]),
                         sorted(set(RESOURCE_SCHEMA["properties"]) - {"stopped_at"}))
        self.assertEqual(FINDING_SCHEMA["properties"]["severity"]["enum"],
                         ["critical", "high", "medium", "low", "info"])
        self.assertEqual(FINDING_SCHEMA["properties"]["status"]["enum"], ["fail", "pass", "error"])

    def test_the_examples_in_model_md_validate(self):
        with open(os.path.join(SOURCE_DIR, "docs", "model.md"), encoding="utf-8") as f:
            blocks = re.findall(r"```json\n(.*?)```", f.read(), re.S)
        rule = jsonschema.Draft202012Validator({"$defs": RESOURCE_SCHEMA["$defs"],
                                                "$ref": "#/$defs/firewall_rule"})
        seen = {"resource": 0, "finding": 0, "rule": 0}
        for block in blocks:
            try:
                documents = [json.loads(block)]
            except ValueError:  # one document per line
                documents = [json.loads(line) for line in block.splitlines() if line.strip()]
            for doc in documents:
                kind = ("finding" if "fingerprint" in doc else "resource" if "uid" in doc
                        else "rule")
                validator = {"finding": self.findings, "resource": self.resources,
                             "rule": rule}[kind]
                self.assertValid(validator, [doc], "%s examples" % kind)
                seen[kind] += 1
        self.assertEqual(seen, {"resource": 3, "finding": 2, "rule": 3})

    def test_the_resources_and_findings_shown_in_outputs_md_validate(self):
        with open(os.path.join(SOURCE_DIR, "docs", "outputs.md"), encoding="utf-8") as f:
            lines = [line.rstrip(",") for line in f.read().splitlines()]
        resources = [json.loads(line) for line in lines if line.startswith('{"uid":')]
        findings = [json.loads(line) for line in lines if line.startswith('{"rule":')]
        self.assertGreaterEqual(len(resources), 4)
        self.assertGreaterEqual(len(findings), 2)
        self.assertValid(self.resources, resources, "docs/outputs.md resources")
        self.assertValid(self.findings, findings, "docs/outputs.md findings")


class DemoTest(ModelTestCase):

    def demo_config(self, extra_scanner_config=""):
        """examples/demo.yaml with this build's plugins and a state file of our own."""
        with open(DEMO, encoding="utf-8") as f:
            text = f.read()
        text, count = re.subn(r"(?m)^plugin_dirs:.*$", "plugin_dirs: [%s]\nstate: %s" % (
            PLUGIN_DIR, os.path.join(self.tmp, "state.db")), text)
        self.assertEqual(count, 1, "examples/demo.yaml has no plugin_dirs line any more")
        # the copy lives elsewhere: its plugins' paths, relative to examples/, made absolute
        text, count = re.subn(r"paths: \[([^\]]*)\]", lambda m: "paths: [%s]" % ", ".join(
            os.path.join(os.path.dirname(DEMO), p.strip()) for p in m.group(1).split(",")), text)
        self.assertGreaterEqual(count, 4, "examples/demo.yaml has no paths: [...] lists any more")
        if extra_scanner_config:
            text, count = re.subn(r"(?m)^( +)required_labels: .*$",
                                  lambda m: m.group(0) + "\n" + m.group(1) + extra_scanner_config,
                                  text)
            self.assertEqual(count, 1, "examples/demo.yaml has no required_labels line any more")
        return self.write("demo.yaml", text, dedent=False)

    def test_demo_inventory_validates(self):
        res = self.fawkes("-c", DEMO, "--plugin-dir", PLUGIN_DIR, "inventory", "-o", "jsonl",
                          cwd=SOURCE_DIR)
        self.assertExit(res, EXIT_OK)
        resources = res.jsonl()
        self.assertGreaterEqual(len(resources), 200)
        self.assertResourcesComplete(resources)
        # The demo has resources saved without labels (GCP networks, Civo volumes): the host
        # gives them {} like every other resource.
        with open(os.path.join(SOURCE_DIR, "examples", "demo", "civo.jsonl")) as f:
            unlabelled = {json.loads(line)["uid"] for line in f if '"labels"' not in line}
        self.assertGreater(len(unlabelled), 0)
        for r in resources:
            if r["uid"] in unlabelled:
                self.assertEqual(r["labels"], {}, r["uid"])
        self.assertEqual({r["kind"] for r in resources},
                         {"compute.instance", "compute.volume", "kubernetes.cluster",
                          "database.instance", "storage.bucket", "network.network",
                          "network.firewall", "iam.policy"})

    def test_demo_run_findings_validate_in_jsonl_and_json(self):
        config = self.demo_config()
        first = self.fawkes("-c", config, "run", "-o", "jsonl", cwd=SOURCE_DIR)
        self.assertExit(first, EXIT_FINDINGS)
        findings = first.jsonl()
        self.assertFindingsValid(findings)
        self.assertEqual({f["delta"] for f in findings}, {"new"})
        self.assertEqual({f["source"] for f in findings}, {"misconfig", "policy"})
        self.assertTrue(any("exception" in f for f in findings), "no excepted decision")
        self.assertTrue(any(f["resource"]["region"] is None for f in findings))

        second = self.fawkes("-c", config, "run", "-o", "json", cwd=SOURCE_DIR)
        self.assertExit(second, EXIT_FINDINGS)
        out = second.json()
        self.assertFalse(out["partial"], out["failures"])
        self.assertFindingsValid(out["findings"])
        self.assertEqual({f["delta"] for f in out["findings"]}, {"open"})

        # Turning a rule off resolves its findings: the resolved ones validate too.
        quiet = self.demo_config("disabled_rules: [misconfig.labels.missing]")
        third = self.fawkes("-c", quiet, "run", "-o", "jsonl", cwd=SOURCE_DIR)
        self.assertExit(third, EXIT_FINDINGS)
        findings = third.jsonl()
        self.assertFindingsValid(findings)
        resolved = [f for f in findings if f["delta"] == "resolved"]
        self.assertGreater(len(resolved), 0)
        self.assertEqual({(f["rule"], f["status"]) for f in resolved},
                         {("misconfig.labels.missing", "pass")})


class CivoTest(ModelTestCase):

    def test_civo_inventory_validates(self):
        with FakeCivo(per_region=60) as fake:
            config = {"version": 1, "plugin_dirs": [PLUGIN_DIR],
                      "providers": [{"name": "civo-test", "plugin": "civo", "config": {
                          "endpoint": fake.base_url, "account": "acme",
                          "token": "${env:FAKE_CIVO_TOKEN}", "per_page": 50}}],
                      "security": {"egress_allow": ["127.0.0.1"]}}
            path = self.write("civo.yaml", json.dumps(config, indent=2))
            res = self.fawkes("-c", path, "inventory", "-o", "jsonl",
                              env={"FAKE_CIVO_TOKEN": TOKEN})
        self.assertExit(res, EXIT_OK)
        resources = res.jsonl()
        self.assertResourcesComplete(resources)
        for r in resources:
            self.assertEqual(r["uid"], "civo:acme:%s:%s:%s" % (r["region"], r["kind"], r["id"]))
        firewalls = [r for r in resources if r["kind"] == "network.firewall"]
        self.assertGreater(len(firewalls), 0)
        self.assertTrue(all(r["attributes"]["rules"] for r in firewalls))


class HostChecksTest(ModelTestCase):
    """What the host does with snapshot records that are not complete, or not right."""

    def inventory(self, *records):
        snap = self.write("snap.jsonl", "".join(json.dumps(r) + "\n" for r in records),
                          dedent=False)
        self.write("fawkes.yaml", "version: 1\nplugin_dirs: [%s]\nproviders:\n"
                   "  - {name: snap, plugin: snapshot, config: {paths: [%s]}}\n"
                   % (PLUGIN_DIR, snap))
        return self.fawkes("inventory", "-o", "json")

    def test_absent_fields_are_filled_labels_with_an_empty_object(self):
        bare = {"uid": "aws:1:eu-west-2:storage.bucket:bare", "provider": "aws",
                "kind": "storage.bucket", "id": "bare"}
        null_labels = {"uid": "aws:1:eu-west-2:storage.bucket:nulls", "provider": "aws",
                       "kind": "storage.bucket", "id": "nulls", "labels": None,
                       "attributes": None}
        res = self.inventory(bare, null_labels)
        self.assertExit(res, EXIT_OK)
        resources = {r["uid"]: r for r in res.json()["resources"]}
        self.assertResourcesComplete(list(resources.values()))
        self.assertEqual(resources[bare["uid"]], dict(
            bare, account=None, region=None, native_type=None, name=None, state=None,
            labels={}, created_at=None, public=None, encrypted=None, monthly_cost=None,
            attributes={}))
        self.assertEqual(resources[null_labels["uid"]]["labels"], {})
        self.assertEqual(resources[null_labels["uid"]]["attributes"], {})

    def test_a_wrong_type_is_refused_naming_the_field(self):
        good = {"uid": "aws:1:eu-west-2:storage.bucket:good", "provider": "aws",
                "kind": "storage.bucket", "id": "good", "labels": {"env": "prod"}}
        cases = [
            ("public", "yes", "field 'public' of aws:1:eu-west-2:storage.bucket:bad: expected "
             "true, false or null, got the string \"yes\""),
            ("monthly_cost", "12 USD", "field 'monthly_cost' of "
             "aws:1:eu-west-2:storage.bucket:bad: expected a number or null, got the string "
             "\"12 USD\""),
            ("region", 7, "field 'region' of aws:1:eu-west-2:storage.bucket:bad: expected a "
             "string or null, got the number 7"),
            ("attributes", [], "field 'attributes' of aws:1:eu-west-2:storage.bucket:bad: "
             "expected an object, got an array"),
        ]
        for field, value, message in cases:
            with self.subTest(field=field):
                bad = {"uid": "aws:1:eu-west-2:storage.bucket:bad", "provider": "aws",
                       "kind": "storage.bucket", "id": "bad", field: value}
                res = self.inventory(good, bad)
                self.assertExit(res, EXIT_PARTIAL)
                out = res.json()
                self.assertEqual([r["uid"] for r in out["resources"]], [good["uid"]])
                self.assertResourcesComplete(out["resources"])
                self.assertIn("1 malformed resources were dropped (first: %s): plugin "
                              "'snapshot' emitted resources outside the model (docs/model.md); "
                              "fix the data it read (a snapshot file), or report it to the "
                              "plugin's authors" % message,
                              [f["message"] for f in out["failures"]])
                self.assertIn(message, res.stderr)


if __name__ == "__main__":
    fwtest.main()
