"""test_plugins: `fawkes plugins list|inspect|check` against the real test plugins."""
import os
import shutil

import jsonschema

import fwtest
from fwtest import PLUGIN_DIR, TEST_PLUGIN_DIR


def plugin(name):
    return os.path.join(TEST_PLUGIN_DIR, name + ".so")


def host_abi():
    """The ABI this fawkes provides, as `fawkes version -o json` says."""
    result = fwtest.run(["version", "-o", "json"])
    major, minor = result.json()["abi"].split(".")
    return int(major), int(minor)


def refusals():
    """Every refusing test plugin and its exact reason."""
    major, minor = host_abi()
    return {
        plugin("abi_newer"): "built for SDK ABI %d.0, this fawkes provides %d.%d: upgrade "
                             "fawkes, or rebuild the plugin against the fawkes %d.%d SDK"
                             % (major + 1, major, minor, major, minor),
        plugin("no_entry"): "no entry symbol 'fawkes_plugin_describe': not a Fawkes plugin, "
                            "or built without FWK_PLUGIN_EXPORT",
        plugin("bad_magic"): "bad magic 0xDEADBEEF (expected 0x464B5750): not a Fawkes "
                             "descriptor",
        plugin("bad_descriptor"): "provider vtable lacks required entry 'run_task'",
        plugin("half_actions"): "provider vtable has list_actions without run_action (half of "
                                "capability 'actions'): implement run_action, or remove "
                                "list_actions",
        plugin("cap_declared_missing"): "declares capability 'cost' but its provider vtable "
                                        "has no cost function: set .cost, or drop FWK_CAP_COST",
        plugin("cap_undeclared"): "its provider vtable sets provision but the descriptor does "
                                  "not declare capability 'provision': add FWK_CAP_PROVISION to "
                                  ".capabilities, or remove .provision",
        plugin("crash_describe"): "crashed while describing (signal 11)",
        plugin("own_jansson"): "carries its own copy of jansson (linked statically?): link it "
                               "against the system libjansson",
    }


# name -> (kind, path) of the plugins that must load
LOADED = {
    "good": ("scanner", plugin("good")),
    "init_fails": ("provider", plugin("init_fails")),
    "task_errors": ("provider", plugin("task_errors")),
    "snapshot": ("provider", os.path.join(PLUGIN_DIR, "snapshot.so")),
}

USAGE = "usage: fawkes plugins list | plugins inspect NAME | plugins check FILE"


class PluginsList(fwtest.TestCase):
    def list(self, *extra):
        return self.fawkes("--plugin-dir", TEST_PLUGIN_DIR, "--plugin-dir", PLUGIN_DIR,
                           "plugins", "list", *extra)

    def test_table_lists_loaded_and_refused(self):
        result = self.list()
        self.assertExit(result, 0)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["NAME", "KIND", "VERSION", "ABI", "STATUS", "PATH"])
        rows = {}
        for i, line in enumerate(lines[1:], start=1):
            if not line.startswith(" "):
                rows[line.split()[-1]] = (line.split(), lines[i + 1] if i + 1 < len(lines)
                                          else "")
        for name, (kind, path) in LOADED.items():
            cells, _ = rows[path]
            self.assertEqual(cells[0], name, result)
            self.assertEqual(cells[1], kind, result)
            self.assertEqual(cells[4], "loaded", result)
        for path, reason in refusals().items():
            cells, next_line = rows[path]
            self.assertEqual(cells[:5], ["-", "-", "-", "-", "refused"], result)
            self.assertEqual(next_line, "    " + reason, result)

    def test_json_lists_every_file(self):
        result = self.list("-o", "json")
        self.assertExit(result, 0)
        entries = {e["path"]: e for e in result.json()}
        expected_files = [os.path.join(TEST_PLUGIN_DIR, f)
                          for f in sorted(os.listdir(TEST_PLUGIN_DIR)) if f.endswith(".so")]
        for path in expected_files:
            self.assertIn(path, entries)
        for name, (kind, path) in LOADED.items():
            entry = entries[path]
            self.assertEqual((entry["status"], entry["name"], entry["kind"]),
                             ("loaded", name, kind))
            self.assertRegex(entry["abi"], r"^\d+\.\d+$")
            self.assertNotIn("reason", entry)
            jsonschema.Draft202012Validator.check_schema(entry["config_schema"])
        for path, reason in refusals().items():
            self.assertEqual(entries[path], {"path": path, "status": "refused",
                                             "reason": reason})

    def test_jsonl_one_object_per_line(self):
        as_json = self.list("-o", "json").json()
        result = self.list("-o", "jsonl")
        self.assertExit(result, 0)
        self.assertEqual(result.jsonl(), as_json)
        self.assertEqual(len(result.stdout.splitlines()), len(as_json))

    def test_global_option_before_command(self):
        result = self.fawkes("-o", "json", "--plugin-dir", TEST_PLUGIN_DIR, "plugins", "list")
        self.assertExit(result, 0)
        self.assertIn(plugin("good"), [e["path"] for e in result.json()])

    def test_duplicate_name_refused(self):
        other = os.path.join(self.tmp, "more")
        os.makedirs(other)
        shutil.copy(plugin("good"), os.path.join(other, "good.so"))
        result = self.fawkes("--plugin-dir", TEST_PLUGIN_DIR, "--plugin-dir", other,
                             "plugins", "list", "-o", "json")
        self.assertExit(result, 0)
        entries = {e["path"]: e for e in result.json()}
        self.assertEqual(entries[os.path.join(other, "good.so")]["reason"],
                         "plugin name 'good' is already loaded from " + plugin("good"))
        self.assertEqual(entries[plugin("good")]["status"], "loaded")

    def test_plugin_path_environment(self):
        env_dir = os.path.join(self.tmp, "env-plugins")
        os.makedirs(env_dir)
        shutil.copy(plugin("task_errors"), os.path.join(env_dir, "task_errors.so"))
        result = self.fawkes("plugins", "list", "-o", "json",
                             env={"FAWKES_PLUGIN_PATH": "/nonexistent:" + env_dir})
        self.assertExit(result, 0)
        entries = {e["path"]: e for e in result.json()}
        self.assertEqual(entries[os.path.join(env_dir, "task_errors.so")]["name"],
                         "task_errors")
        # --plugin-dir comes first: its copy wins the name.
        result = self.fawkes("--plugin-dir", TEST_PLUGIN_DIR, "plugins", "list", "-o", "json",
                             env={"FAWKES_PLUGIN_PATH": env_dir})
        entries = {e["path"]: e for e in result.json()}
        self.assertEqual(entries[plugin("task_errors")]["status"], "loaded")
        self.assertEqual(entries[os.path.join(env_dir, "task_errors.so")]["status"], "refused")
        inspect = self.fawkes("plugins", "inspect", "task_errors", "-o", "json",
                              env={"FAWKES_PLUGIN_PATH": env_dir})
        self.assertExit(inspect, 0)
        self.assertEqual(inspect.json()["path"], os.path.join(env_dir, "task_errors.so"))

    def test_config_plugin_dirs(self):
        sub = os.path.join(self.tmp, "cfg-plugins")
        os.makedirs(sub)
        shutil.copy(plugin("good"), os.path.join(sub, "good.so"))
        self.write("fawkes.yaml", "version: 1\nplugin_dirs: [cfg-plugins]\n")
        result = self.fawkes("plugins", "list", "-o", "json")
        self.assertExit(result, 0)
        by_name = {e.get("name"): e for e in result.json()}
        self.assertEqual(os.path.realpath(by_name["good"]["path"]),
                         os.path.realpath(os.path.join(sub, "good.so")))
        # --plugin-dir is searched before the config's plugin_dirs.
        result = self.fawkes("--plugin-dir", TEST_PLUGIN_DIR, "plugins", "list", "-o", "json")
        by_name = {e.get("name"): e for e in result.json()}
        self.assertEqual(by_name["good"]["path"], plugin("good"))

    def test_none_found_exits_zero_and_says_where(self):
        # A copy of the binary elsewhere has no <exe dir>/plugins beside it.
        bin_dir = os.path.join(self.tmp, "bin")
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(bin_dir)
        os.makedirs(empty)
        binary = os.path.join(bin_dir, "fawkes")
        shutil.copy(fwtest.FAWKES, binary)
        old, fwtest.FAWKES = fwtest.FAWKES, binary
        try:
            result = self.fawkes("--plugin-dir", empty, "plugins", "list", "-o", "json")
        finally:
            fwtest.FAWKES = old
        self.assertExit(result, 0)
        if result.json():
            self.skipTest("an installed plugin directory exists on this machine")
        self.assertIn("no plugins found (searched: %s" % empty, result.stderr)


class PluginsInspect(fwtest.TestCase):
    dirs = ("--plugin-dir", TEST_PLUGIN_DIR, "--plugin-dir", PLUGIN_DIR)

    def test_snapshot_table(self):
        result = self.fawkes(*self.dirs, "plugins", "inspect", "snapshot")
        self.assertExit(result, 0)
        out = result.stdout
        self.assertTrue(out.startswith("snapshot "), result)
        self.assertIn("(provider, ABI ", out)
        self.assertIn("path:          " + LOADED["snapshot"][1], out)
        rows = {line.split()[0]: line for line in out.splitlines()
                if line.startswith("  ") and not line.startswith("   ")}
        self.assertRegex(rows["paths"], r"^  paths\s+path list\s+required")
        self.assertRegex(rows["strict"], r"^  strict\s+bool\s+default: false")

    def test_snapshot_json(self):
        result = self.fawkes(*self.dirs, "plugins", "inspect", "snapshot", "-o", "json")
        self.assertExit(result, 0)
        desc = result.json()
        self.assertEqual((desc["name"], desc["kind"], desc["status"]),
                         ("snapshot", "provider", "loaded"))
        schema = desc["config_schema"]
        jsonschema.Draft202012Validator.check_schema(schema)
        self.assertEqual(set(schema["properties"]), {"paths", "strict", "chunk_size"})
        options = {o["name"]: o for o in desc["options"]}
        self.assertEqual((options["paths"]["type"], options["paths"]["required"]),
                         ("path list", True))
        self.assertEqual((options["strict"]["type"], options["strict"]["default"]),
                         ("bool", False))
        self.assertTrue(options["strict"]["description"])

    def test_good_json_schema_validates_configs(self):
        result = self.fawkes(*self.dirs, "plugins", "inspect", "good", "-o", "json")
        self.assertExit(result, 0)
        validator = jsonschema.Draft202012Validator(result.json()["config_schema"])
        self.assertTrue(validator.is_valid({"severity": "high", "repeat": 2}))
        self.assertFalse(validator.is_valid({"severity": "dire"}))
        self.assertFalse(validator.is_valid({"repeat": 11}))

    def test_unknown_name(self):
        result = self.fawkes(*self.dirs, "plugins", "inspect", "nope")
        self.assertExit(result, 2)
        self.assertEqual(result.stdout, "")
        self.assertIn("no plugin named 'nope' (loaded: ", result.stderr)
        self.assertIn("good", result.stderr)
        self.assertIn("; searched: %s, %s" % (TEST_PLUGIN_DIR, PLUGIN_DIR), result.stderr)

    def test_refused_name(self):
        result = self.fawkes(*self.dirs, "plugins", "inspect", "bad_magic")
        self.assertExit(result, 2)
        self.assertIn("plugin 'bad_magic' (%s) was refused: bad magic 0xDEADBEEF"
                      % plugin("bad_magic"), result.stderr)


class PluginsCheck(fwtest.TestCase):
    def test_ok(self):
        major, minor = host_abi()
        result = self.fawkes("plugins", "check", plugin("good"))
        self.assertExit(result, 0)
        self.assertEqual(result.stdout, "%s: ok (scanner good 1.2.3, ABI %d.%d)\n"
                         % (plugin("good"), major, minor))

    def test_refused_each(self):
        for path, reason in refusals().items():
            result = self.fawkes("plugins", "check", path)
            self.assertExit(result, 2)
            self.assertEqual(result.stdout, "%s: refused: %s\n" % (path, reason))

    def test_not_a_library(self):
        path = self.write("notes.so", "just text, not a shared object at all, long enough\n" * 4)
        result = self.fawkes("plugins", "check", path)
        self.assertExit(result, 2)
        self.assertTrue(result.stdout.startswith(path + ": refused: cannot be opened: "), result)
        self.assertTrue(result.stdout.endswith(
            "; is it a Fawkes plugin built for this machine?\n"), result)

    def test_relative_path(self):
        shutil.copy(plugin("init_fails"), os.path.join(self.tmp, "init_fails.so"))
        result = self.fawkes("plugins", "check", "init_fails.so")
        self.assertExit(result, 0)
        self.assertTrue(result.stdout.startswith("init_fails.so: ok (provider init_fails "))

    def test_json(self):
        result = self.fawkes("plugins", "check", plugin("bad_descriptor"), "-o", "json")
        self.assertExit(result, 2)
        self.assertEqual(result.json()["status"], "refused")
        result = self.fawkes("plugins", "check", plugin("task_errors"), "-o", "json")
        self.assertExit(result, 0)
        self.assertEqual(result.json()["name"], "task_errors")


class PluginsCapabilities(fwtest.TestCase):
    def test_inspect_shows_the_capabilities_the_functions_give(self):
        result = self.fawkes("--plugin-dir", PLUGIN_DIR, "plugins", "inspect", "civo", "-o",
                             "json")
        self.assertExit(result, 0)
        self.assertEqual(result.json()["capabilities"], ["actions", "provision", "cost"])
        result = self.fawkes("--plugin-dir", PLUGIN_DIR, "plugins", "inspect", "civo")
        self.assertExit(result, 0)
        self.assertIn("\n  capabilities:  actions, provision, cost\n", result.stdout)
        result = self.fawkes("--plugin-dir", PLUGIN_DIR, "plugins", "inspect", "snapshot", "-o",
                             "json")
        self.assertEqual(result.json()["capabilities"], [])
        result = self.fawkes("--plugin-dir", PLUGIN_DIR, "plugins", "inspect", "snapshot")
        self.assertIn("\n  capabilities:  none\n", result.stdout)
        # Digest has no function of its own: a notifier declares it.
        result = self.fawkes("--plugin-dir", TEST_PLUGIN_DIR, "plugins", "inspect", "recorder",
                             "-o", "json")
        self.assertEqual(result.json()["capabilities"], ["digest"])

    def test_list_json_shows_the_derived_set(self):
        result = self.fawkes("--plugin-dir", PLUGIN_DIR, "plugins", "list", "-o", "json")
        self.assertExit(result, 0)
        by_name = {e.get("name"): e for e in result.json()}
        self.assertEqual(by_name["civo"]["capabilities"], ["actions", "provision", "cost"])
        self.assertEqual(by_name["snapshot"]["capabilities"], [])

    def test_check_refuses_a_declared_capability_without_its_function(self):
        path = plugin("cap_declared_missing")
        result = self.fawkes("plugins", "check", path)
        self.assertExit(result, 2)
        self.assertEqual(result.stdout,
                         "%s: refused: declares capability 'cost' but its provider vtable has no "
                         "cost function: set .cost, or drop FWK_CAP_COST\n" % path)
        result = self.fawkes("plugins", "check", plugin("half_actions"))
        self.assertExit(result, 2)
        self.assertEqual(result.stdout,
                         "%s: refused: provider vtable has list_actions without run_action (half "
                         "of capability 'actions'): implement run_action, or remove "
                         "list_actions\n" % plugin("half_actions"))


class PluginsUsage(fwtest.TestCase):
    def test_usage_errors(self):
        for args in (["plugins"], ["plugins", "frob"], ["plugins", "inspect"],
                     ["plugins", "check"], ["plugins", "list", "extra"],
                     ["plugins", "check", "a.so", "b.so"], ["-o", "sarif", "plugins", "list"]):
            result = self.fawkes(*args)
            self.assertExit(result, 2)
            self.assertIn(USAGE, result.stderr)
            self.assertEqual(result.stdout, "")

    def test_help(self):
        result = self.fawkes("plugins", "--help")
        self.assertExit(result, 0)
        self.assertTrue(result.stdout.startswith(USAGE))
        self.assertIn("FAWKES_PLUGIN_PATH", result.stdout)


if __name__ == "__main__":
    fwtest.main()
