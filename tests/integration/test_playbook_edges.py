"""test_playbook_edges: the Lua rough edges of issue 15: next() on resource views;
fawkes.action on a provider without actions returns nil, reason; fawkes.inventory iterates in
uid order (so a plan is the same between the dry run and the apply whatever order the
provider lists in); fawkes.report numbers as `-o json` writes them; an error printed once, on
stderr; fawkes.instances."""
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

EXIT_OK, EXIT_USAGE = 0, 2
GEN = os.path.join(fwtest.SOURCE_DIR, "bench", "gen_resources.py")


class PlaybookEdgesTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.data = os.path.join(self.tmp, "resources.jsonl")
        with open(self.data, "w", encoding="utf-8") as out:
            subprocess.run([sys.executable, GEN, "500"], stdout=out, check=True)
        with open(self.data, encoding="utf-8") as f:
            self.resources = [json.loads(line) for line in f]

    def config(self, paths=None, extra=None):
        config = {
            "version": 1,
            "plugin_dirs": [fwtest.PLUGIN_DIR],
            "providers": [{"name": "snap", "plugin": "snapshot",
                           "config": {"paths": paths or [self.data]}}],
            "security": {"audit_log": os.path.join(self.tmp, "audit.jsonl")},
            "state": os.path.join(self.tmp, "state.db"),
        }
        config.update(extra or {})
        return self.write("fawkes.yaml", json.dumps(config))

    def play(self, script, *args, config=None):
        path = self.write("play.lua", script)
        return self.fawkes("-c", config or self.config(), "playbook", "run", path, *args)

    def test_next_works_on_resource_views(self):
        result = self.play("""
            local r = fawkes.inventory{}()
            local key, value = next(r)
            assert(key ~= nil and r[key] == value, "next(r) gives a key and its value")
            local keys = {}
            local k = next(r)
            while k do keys[#keys + 1] = k; k = next(r, k) end
            local n = 0
            for _ in pairs(r) do n = n + 1 end
            assert(#keys == n, "next walks what pairs walks")
            assert(next(fawkes.json.decode("{}")) == nil)
            local empty = nil
            for x in fawkes.inventory{} do
              if next(x.labels) == nil then empty = x.uid end
            end
            local i, first = next(r.attributes.tags or fawkes.json.decode("[]"))
            fawkes.report{first_key = key, keys = n, label_key = next(r.labels),
                          empty_labels = empty ~= nil}
            """, "-o", "json")
        self.assertExit(result, EXIT_OK)
        report = result.json()["report"][0]
        first = self.resources[0]
        self.assertIn(report["first_key"], first)
        self.assertEqual(report["keys"], len([v for v in first.values() if v is not None]))
        self.assertIn(report["label_key"], first["labels"])

    def test_action_on_a_provider_without_actions_returns_nil_and_reason(self):
        result = self.play("""
            local r = fawkes.inventory{}()
            local planned, why = fawkes.action(r, "stop")
            fawkes.report{planned = planned == nil, why = why}
            """, "-o", "json")
        self.assertExit(result, EXIT_OK)
        out = result.json()
        self.assertEqual(out["report"], [{"planned": True,
                                          "why": "provider 'snap' (plugin snapshot) has no "
                                                 "actions"}])
        self.assertEqual(out["steps"], [])
        self.assertEqual(out["failures"], [])

    def test_inventory_iterates_in_uid_order(self):
        shuffled = list(self.resources)
        random.Random(7).shuffle(shuffled)
        halves = []
        for i, part in enumerate((shuffled[:250], shuffled[250:])):
            path = os.path.join(self.tmp, "part%d.jsonl" % i)
            with open(path, "w", encoding="utf-8") as f:
                for r in part:
                    f.write(json.dumps(r) + "\n")
            halves.append(path)
        script = """
            local uids = {}
            for r in fawkes.inventory{} do uids[#uids + 1] = r.uid end
            local again = {}
            for r in fawkes.inventory{kind = "compute.instance"} do again[#again + 1] = r.uid end
            fawkes.report{uids = uids, instances = again}
            """
        want = sorted(r["uid"] for r in self.resources)
        for paths in ([self.data], halves, list(reversed(halves))):
            result = self.play(script, "-o", "json", config=self.config(paths=paths))
            self.assertExit(result, EXIT_OK)
            report = result.json()["report"][0]
            self.assertEqual(report["uids"], want)
            self.assertEqual(report["instances"],
                             [u for u in want if ":compute.instance:" in u])

    def test_report_numbers_as_json_output_writes_them(self):
        script = "fawkes.report{sum = 0.1 + 0.2, third = 1 / 3, big = 2 ^ 60, n = 7}\n"
        as_json = self.play(script, "-o", "json")
        self.assertExit(as_json, EXIT_OK)
        self.assertIn('"sum": 0.3', as_json.stdout)
        self.assertIn('"third": 0.333333333333333', as_json.stdout)
        table = self.play(script)
        self.assertExit(table, EXIT_OK)
        self.assertIn('{"big":1.15292150460685e18,"n":7,"sum":0.3,"third":0.333333333333333}',
                      table.stdout)
        self.assertIn('"big": 1.15292150460685e18', as_json.stdout)

    def test_an_error_is_printed_once_on_stderr(self):
        script = "local t = nil\nlocal x = t.field\n"
        for args in ((), ("-o", "json")):
            result = self.play(script, *args)
            self.assertExit(result, EXIT_USAGE)
            self.assertEqual(result.stderr.count("play.lua:2: attempt to index a nil value"), 1,
                             result.stderr)
            if not args:
                self.assertNotIn("attempt to index", result.stdout)
                self.assertIn("error", result.stdout.splitlines()[0])

    def test_instances_lists_the_config_by_section_and_plugin(self):
        config = self.config(extra={
            "policies": [{"name": "org-rules", "plugin": "policy",
                          "config": {"paths": [self.write("p.yaml", "")]}}]})
        result = self.play("""
            local all, policies = fawkes.instances(), fawkes.instances{plugin = "policy"}
            fawkes.report{all = all, policies = policies,
                          none = fawkes.instances{section = "notifiers"}}
            local ok, err = pcall(fawkes.instances, {section = "nope"})
            assert(not ok and err:find("section must be providers"), err)
            """, "-o", "json", config=config)
        self.assertExit(result, EXIT_OK)
        report = result.json()["report"][0]
        self.assertEqual(report["all"], [
            {"name": "snap", "plugin": "snapshot", "section": "providers"},
            {"name": "org-rules", "plugin": "policy", "section": "policies"}])
        self.assertEqual(report["policies"], [report["all"][1]])
        self.assertEqual(report["none"], {})


if __name__ == "__main__":
    fwtest.main()
