"""The starter policy pack (policies/) passes its own tests with the real binary and plugin:
every case passes, every rule has a failing case, every policy has a test file and a line in
policies/README.md, and the pack judges the demo inventory without an undecidable rule."""
import glob
import json
import os
import re
import shutil

import fwtest
from fwtest import PLUGIN_DIR, SOURCE_DIR

PACK = os.path.join(SOURCE_DIR, "policies")
DEMO = os.path.join(SOURCE_DIR, "examples", "demo")
NOW = "2026-11-23T12:00:00Z"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def policy_files():
    return sorted(p for p in glob.glob(os.path.join(PACK, "**", "*.yaml"), recursive=True)
                  if not p.endswith("_test.yaml"))


def policy_names():
    """name -> file for every `kind: Policy` document in the pack (top-level keys only)."""
    names = {}
    for path in policy_files():
        for doc in read(path).split("\n---\n"):
            if re.search(r"^kind: Policy$", doc, re.M):
                names[re.search(r"^name: (\S+)$", doc, re.M).group(1)] = path
    return names


class PolicyPackTest(fwtest.TestCase):
    def policy(self, *args, **kw):
        return self.fawkes("--plugin-dir", PLUGIN_DIR, "policy", *args, **kw)

    def test_every_case_passes_and_every_rule_is_covered(self):
        res = self.policy("test", PACK, "-o", "json")
        self.assertExit(res, 0)
        report = res.json()
        self.assertEqual(report["failed"], 0, repr(res))
        self.assertEqual(report["uncovered"], [])
        self.assertEqual([c["name"] for c in report["cases"] if c["status"] != "pass"], [])
        self.assertGreaterEqual(report["passed"], 150)
        self.assertEqual(report["passed"], len(report["cases"]))

    def test_junit_report_for_ci(self):
        res = self.policy("test", PACK, "-o", "junit")
        self.assertExit(res, 0)
        self.assertRegex(res.stdout, r'<testsuites?[^>]*tests="(1[5-9]\d|[2-9]\d\d)"')
        self.assertRegex(res.stdout, r'failures="0"')

    def test_thirty_policies_each_with_a_test_file_and_a_readme_line(self):
        names = policy_names()
        self.assertGreaterEqual(len(names), 30, sorted(names))
        tested = set()
        for path in glob.glob(os.path.join(PACK, "**", "*_test.yaml"), recursive=True):
            text = read(path)
            tested.update(re.findall(r"^policy: (\S+)$", text, re.M))
            # each test file holds a passing and a failing expectation
            self.assertRegex(text, r"result: pass", path)
            self.assertRegex(text, r"result: fail", path)
        self.assertEqual(sorted(set(names) - tested), [])
        readme = read(os.path.join(PACK, "README.md"))
        for name in names:
            self.assertIn("`%s`" % name, readme)
        kinds_request = [n for n, p in names.items() if "kind: request" in read(p)]
        self.assertGreaterEqual(len(kinds_request), 1)

    def test_a_weakened_policy_fails_its_tests(self):
        pack = os.path.join(self.tmp, "policies")
        shutil.copytree(PACK, pack)
        ssh = os.path.join(pack, "network", "firewall-open-ssh.yaml")
        text = read(ssh)
        self.assertIn("ports_include: 22}", text)
        with open(ssh, "w", encoding="utf-8") as f:
            f.write(text.replace("ports_include: 22}", "ports_include: 2222}"))
        os.remove(os.path.join(pack, "iam", "iam-unused-policy_test.yaml"))
        res = self.policy("test", pack, "-o", "json")
        self.assertExit(res, 1)
        report = res.json()
        failed = [c["name"] for c in report["cases"] if c["status"] != "pass"]
        self.assertIn("network/firewall-open-ssh_test.yaml: an AWS bastion group open to "
                      "0.0.0.0/0 on 22 is denied", " ".join(failed))
        self.assertTrue(all("firewall-open-ssh_test.yaml" in name for name in failed), failed)
        self.assertEqual(report["uncovered"], ["iam-unused-policy.unattached"])

    def test_the_pack_judges_the_demo_inventory(self):
        inputs = sorted(glob.glob(os.path.join(DEMO, "*.jsonl")))
        merged = self.write("demo.jsonl", "".join(read(p) for p in inputs), dedent=False)
        res = self.policy("eval", "--policy", PACK, "--input", merged, "-o", "json",
                          env={"FAWKES_NOW": NOW})
        self.assertExit(res, 1)  # critical and high denies, --fail-on high by default
        out = res.json()
        self.assertEqual(out["summary"]["documents"], sum(len(read(p).splitlines()) for p in inputs))
        self.assertEqual([d for d in out["decisions"] if d["effect"] == "error"], [])
        denied = {(d["policy"] + "." + d["rule"], d["uid"].split(":")[-1])
                  for d in out["decisions"] if d["effect"] == "deny"}
        self.assertIn(("firewall-open-ssh.ssh-open", "sg-0e8fea571a5a6f075"), denied)
        self.assertIn(("kubernetes-version-support.extended-support", "prod-west"), denied)
        ruled = {d["policy"] for d in out["decisions"]}
        self.assertGreaterEqual(len(ruled), 25)
        for d in out["decisions"]:
            self.assertIn(d["effect"], ("deny", "warn", "allow"))
            self.assertNotIn("(missing)", d["reason"], d)
        clean = self.policy("eval", "--policy", PACK, "--input", merged, "--fail-on", "none",
                            env={"FAWKES_NOW": NOW})
        self.assertExit(clean, 0)

    def test_the_authz_policies_decide_a_request(self):
        request = {"kind": "request", "action": "deploy",
                   "resource": {"environment": "production", "service": "payments"},
                   "claims": {"sub": "bob", "groups": ["dev"], "amr": ["pwd"],
                              "exp": 1795438800}}  # 2026-11-23T13:00:00Z
        res = self.policy("eval", "--policy", PACK, "--input", "-", "-o", "json",
                          stdin=json.dumps(request), env={"FAWKES_NOW": NOW})
        self.assertExit(res, 1)
        effects = {d["rule"]: d["effect"] for d in res.json()["decisions"]}
        self.assertEqual(effects, {"deployers-group": "deny", "mfa": "deny",
                                   "token-expired": "allow", "office-hours": "allow"})

    def test_the_demo_chain_shows_decisions_and_the_demo_exception(self):
        res = self.fawkes("-c", os.path.join(SOURCE_DIR, "examples", "demo.yaml"), "run",
                          "-o", "json", cwd=SOURCE_DIR, env={"FAWKES_NOW": NOW})
        self.assertExit(res, 1)
        findings = res.json()["findings"]
        rules = {f["rule"] for f in findings}
        self.assertIn("firewall-open-ssh.ssh-open", rules)
        self.assertIn("misconfig.firewall.ssh_open", rules)
        media = [f for f in findings if f["rule"] == "storage-public-bucket.public"
                 and f["resource"]["name"] == "media-lon1"]
        self.assertEqual(len(media), 1)
        self.assertEqual(media[0]["exception"]["id"], "EXC-DEMO-001")


if __name__ == "__main__":
    fwtest.main()
