"""SARIF output validates against the OASIS SARIF 2.1.0 schema: from the real binary running
the demo chain, from the encoder's unit test (so the schema check does not depend on the
chain), and the examples in docs/outputs.md. JUnit output is checked to be well-formed XML
with consistent counts."""
import json
import tempfile
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import jsonschema

import fwtest
from fwtest import BUILD_DIR, PLUGIN_DIR, SOURCE_DIR

SCHEMA_PATH = os.path.join(SOURCE_DIR, "tests", "data", "sarif-schema-2.1.0.json")
DEMO = os.path.join(SOURCE_DIR, "examples", "demo.yaml")
DOCS = os.path.join(SOURCE_DIR, "docs", "outputs.md")


def load_schema():
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        return json.load(f)


def unit_test_binary():
    for path in (os.path.join(BUILD_DIR, "tests", "test_output"),
                 os.path.join(BUILD_DIR, "test_output")):
        if os.access(path, os.X_OK):
            return path
    raise AssertionError("test_output is not built in %s: build the test_output target"
                         % BUILD_DIR)


class SarifTest(fwtest.TestCase):
    def assertValidSarif(self, doc, where):
        schema = load_schema()
        # The schema declares draft-07; let jsonschema pick the matching validator.
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        errors = sorted(validator_class(schema).iter_errors(doc), key=lambda e: list(e.path))
        self.assertEqual([], ["%s: at %s: %s" % (where, "/".join(map(str, e.path)), e.message)
                              for e in errors[:10]])
        self.assertEqual(doc["version"], "2.1.0")
        run = doc["runs"][0]
        rules = run["tool"]["driver"]["rules"]
        for result in run.get("results", []):
            self.assertEqual(rules[result["ruleIndex"]]["id"], result["ruleId"], where)
            if result["kind"] != "fail":
                self.assertEqual(result["level"], "none", where)

    def test_encoder_output_validates(self):
        sarif_path = os.path.join(self.tmp, "unit.sarif")
        junit_path = os.path.join(self.tmp, "unit.xml")
        env = dict(os.environ, FAWKES_SARIF_DUMP=sarif_path, FAWKES_JUNIT_DUMP=junit_path)
        proc = subprocess.run([unit_test_binary()], env=env, capture_output=True, text=True,
                              timeout=240)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        with open(sarif_path, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertValidSarif(doc, "test_output's SARIF")
        run = doc["runs"][0]
        self.assertEqual(len(run["results"]), 40)
        self.assertFalse(run["invocations"][0]["executionSuccessful"])
        self.assertEqual(len(run["invocations"][0]["toolExecutionNotifications"]), 2)

        root = ET.parse(junit_path).getroot()
        self.assertEqual(root.tag, "testsuites")
        cases = root.findall("./testsuite/testcase")
        self.assertEqual(int(root.get("tests")), len(cases))
        self.assertEqual(int(root.get("failures")), len(root.findall("./*/testcase/failure")))
        self.assertEqual(int(root.get("errors")), len(root.findall("./*/testcase/error")))
        for suite in root.findall("testsuite"):
            self.assertEqual(int(suite.get("tests")), len(suite.findall("testcase")))
        names = [c.get("name") for c in cases]
        self.assertIn("aws:123456789012:eu-west-2:compute.instance:i-001", names)
        messages = [e.get("message") for e in root.iter() if e.tag in ("failure", "error")]
        self.assertIn("line1\nline2\ttab\rcr", messages)  # attribute newlines survive
        self.assertIn('na\u00efve "quoted" \'single\'', messages)

    def assertSarifMatchesJson(self, config, cwd, *options):
        """`run -o sarif` validates and carries the same findings as `run -o json`."""
        sarif = self.fawkes("-c", config, *options, "run", "--fail-on", "none", "-o", "sarif",
                            cwd=cwd)
        self.assertExit(sarif, 0)
        doc = json.loads(sarif.stdout)
        self.assertValidSarif(doc, "fawkes -c %s run -o sarif" % config)
        as_json = self.fawkes("-c", config, *options, "run", "--fail-on", "none", "-o", "json",
                              cwd=cwd)
        self.assertExit(as_json, 0)
        findings = as_json.json()["findings"]
        fails = [f for f in findings if f["status"] == "fail"]
        results = doc["runs"][0]["results"]
        self.assertGreater(len(fails), 0, "the chain should find something")
        self.assertEqual(len([r for r in results if r["kind"] == "fail"]), len(fails))
        self.assertEqual(len(results), len(findings))
        self.assertEqual(sorted(r["partialFingerprints"]["fawkesFingerprint/v1"] for r in results),
                         sorted(f["fingerprint"] for f in findings))
        self.assertTrue(doc["runs"][0]["invocations"][0]["executionSuccessful"])
        return doc

    def test_demo_chain_sarif_validates_and_matches_json(self):
        self.assertTrue(os.path.exists(DEMO), "%s is missing" % DEMO)
        # --plugin-dir: the plugins of the build under test, whatever the demo's plugin_dirs.
        # The demo with a state file of its own, so the other tests' runs of the demo (and an
        # older build's) cannot add resolved findings to one of the two compared runs. Its
        # paths resolve against its directory: in the copy, they are made absolute.
        with tempfile.TemporaryDirectory() as tmp:
            config = os.path.join(tmp, "demo.yaml")
            with open(DEMO) as f:
                text = f.read().replace("plugin_dirs: [../build/plugins]", "plugin_dirs: []")
            text, count = re.subn(r"paths: \[([^\]]*)\]", lambda m: "paths: [%s]" % ", ".join(
                os.path.join(os.path.dirname(DEMO), p.strip()) for p in m.group(1).split(",")),
                text)
            self.assertGreaterEqual(count, 4)
            with open(config, "w") as f:
                f.write(text + "state: %s\n" % json.dumps(os.path.join(tmp, "state.db")))
            doc = self.assertSarifMatchesJson(config, SOURCE_DIR, "--plugin-dir", PLUGIN_DIR)
        self.assertEqual(doc["runs"][0]["tool"]["driver"]["name"], "fawkes")

    def test_snapshot_and_misconfig_chain(self):
        resources = [
            {"uid": "aws:111:eu-west-2:compute.instance:i-1", "provider": "aws",
             "account": "111", "region": "eu-west-2", "kind": "compute.instance",
             "id": "i-1", "name": 'web "1"\n<x> \u00e9', "state": "running",
             "labels": {"env": "prod"}, "public": True, "encrypted": False,
             "monthly_cost": 31.5, "attributes": {}},
            {"uid": "gcp:proj:europe-west1:storage.bucket:logs", "provider": "gcp",
             "account": "proj", "region": "europe-west1", "kind": "storage.bucket",
             "id": "logs", "name": "logs", "labels": {}, "public": True, "encrypted": False,
             "monthly_cost": None, "attributes": {}},
        ]
        self.write("snap.jsonl", "".join(json.dumps(r) + "\n" for r in resources),
                   dedent=False)
        config = self.write("fawkes.yaml", """\
            version: 1
            plugin_dirs: [%s]
            providers: [{name: snap, plugin: snapshot, config: {paths: [snap.jsonl]}}]
            scanners: [{name: checks, plugin: misconfig}]
            chains: [{name: nightly, providers: [snap], scanners: [checks]}]
            """ % PLUGIN_DIR)
        doc = self.assertSarifMatchesJson(config, self.tmp)
        names = {loc["name"] for r in doc["runs"][0]["results"]
                 for loc in r["locations"][0]["logicalLocations"]}
        self.assertIn('web "1"\n<x> \u00e9', names)
        junit = self.fawkes("-c", config, "run", "--fail-on", "none", "-o", "junit")
        self.assertExit(junit, 0)
        root = ET.fromstring(junit.stdout.encode("utf-8"))
        self.assertEqual(int(root.get("tests")), len(doc["runs"][0]["results"]))
        refused = self.fawkes("-c", config, "inventory", "-o", "sarif")
        self.assertExit(refused, 2)
        self.assertIn("findings only", refused.stderr)

    def test_docs_examples(self):
        with open(DOCS, encoding="utf-8") as f:
            text = f.read()
        blocks = re.findall(r"```(json|xml)\n(.*?)```", text, re.S)
        kinds = [kind for kind, _ in blocks]
        self.assertIn("xml", kinds)
        sarif_seen = False
        for kind, body in blocks:
            if kind == "xml":
                ET.fromstring(body.encode("utf-8"))
                continue
            try:
                docs = [json.loads(body)]
            except json.JSONDecodeError:  # a jsonl example: one object per line
                docs = [json.loads(line) for line in body.splitlines() if line.strip()]
            for doc in docs:
                if doc.get("version") == "2.1.0" and "runs" in doc:
                    self.assertValidSarif(doc, "the SARIF example in docs/outputs.md")
                    sarif_seen = True
        self.assertTrue(sarif_seen, "docs/outputs.md has no SARIF example")


if __name__ == "__main__":
    fwtest.main()
