"""test_lua_docs: every ```lua block in docs/lua.md that starts with `-- example: demo` or
`-- example: fake` runs as a playbook and exits 0 (demo: against the demo inventory; fake:
against the actions_fake provider and a local fake API, where it must send nothing)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_http import FakeHTTP  # noqa: E402


def examples():
    with open(os.path.join(fwtest.SOURCE_DIR, "docs", "lua.md"), encoding="utf-8") as f:
        text = f.read()
    found = []
    for block in re.findall(r"```lua\n(.*?)```", text, re.S):
        match = re.match(r"-- example: (\w+)\n", block)
        if match:
            found.append((match.group(1), block))
    return found


class LuaDocsTest(fwtest.TestCase):

    def demo_config(self):
        demo = os.path.join(fwtest.SOURCE_DIR, "examples", "demo")
        config = {
            "version": 1,
            "plugin_dirs": [fwtest.PLUGIN_DIR],
            "providers": [{"name": name + "-demo", "plugin": "snapshot",
                           "config": {"paths": [os.path.join(demo, name + ".jsonl")]}}
                          for name in ("aws", "gcp", "civo")],
            "scanners": [{"name": "baseline", "plugin": "misconfig",
                          "config": {"required_labels": ["owner", "env"]}}],
            "security": {"audit_log": os.path.join(self.tmp, "audit.jsonl")},
            "state": os.path.join(self.tmp, "state.db"),
        }
        return self.write("demo.yaml", json.dumps(config))

    def test_examples_run(self):
        found = examples()
        self.assertGreaterEqual(len(found), 6)
        with FakeHTTP() as fake:
            fake_config = self.write("fake.yaml", json.dumps({
                "version": 1,
                "providers": [{"name": "fake", "plugin": "actions_fake",
                               "config": {"endpoint": fake.url("")}}],
                "security": {"egress_allow": ["127.0.0.1"],
                             "audit_log": os.path.join(self.tmp, "audit.jsonl")},
                "state": os.path.join(self.tmp, "state.db"),
            }))
            configs = {"demo": self.demo_config(), "fake": fake_config}
            for i, (kind, code) in enumerate(found):
                with self.subTest(example=i, kind=kind):
                    path = self.write("example%d.lua" % i, code, dedent=False)
                    result = self.fawkes("-c", configs[kind], "--plugin-dir",
                                         fwtest.TEST_PLUGIN_DIR, "playbook", "run", path,
                                         "-o", "json")
                    self.assertExit(result, 0)
                    self.assertEqual(result.json()["status"], "planned")
            self.assertEqual([r for r in fake.requests() if r["method"] != "GET"], [])

    def test_example_playbook_in_examples(self):
        state = self.default_state()  # no state: in examples/demo.yaml
        result = self.fawkes("-c", "examples/demo.yaml", "playbook", "run",
                             "examples/playbooks/count-public-buckets.lua", "-o", "json",
                             cwd=fwtest.SOURCE_DIR)
        self.assertExit(result, 0)
        report = result.json()["report"]
        self.assertEqual(sorted(r["provider"] for r in report), ["aws", "civo", "gcp"])
        self.assertEqual(sum(r["public_buckets"] for r in report), 7)
        # A report-only dry run writes no state.
        self.assertFalse(os.path.exists(state))


if __name__ == "__main__":
    fwtest.main()
