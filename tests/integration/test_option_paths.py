"""test_option_paths: plugin options of type path (FWK_OPT_PATH, FWK_OPT_PATH_LIST) resolve
against the config file's directory, like the host's own paths: a config kept in another
directory, with relative snapshot and policy paths, runs the same from any current directory.
"""
import json
import os

import fwtest

RESOURCE = {"uid": "aws:1:eu-west-2:storage.bucket:logs", "provider": "aws", "account": "1",
            "region": "eu-west-2", "kind": "storage.bucket", "native_type": "s3:bucket",
            "id": "logs", "name": "logs", "state": "available", "labels": {},
            "created_at": None, "public": True, "encrypted": False, "monthly_cost": None,
            "attributes": {}}



class OptionPathsTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.write("conf/data/inventory.jsonl", json.dumps(RESOURCE) + "\n")
        with open(os.path.join(fwtest.SOURCE_DIR, "policies", "storage",
                               "storage-public-bucket.yaml"), encoding="utf-8") as f:
            self.write("conf/policies/buckets.yaml", f.read(), dedent=False)
        self.config = self.write("conf/fawkes.yaml", json.dumps({
            "version": 1,
            "plugin_dirs": [fwtest.PLUGIN_DIR],
            "providers": [{"name": "saved", "plugin": "snapshot",
                           "config": {"paths": ["data/inventory.jsonl"]}}],
            "policies": [{"name": "org", "plugin": "policy", "config": {"paths": "policies"}}],
            "chains": [{"name": "nightly", "providers": ["saved"], "policies": ["org"]}],
        }))
        os.makedirs(os.path.join(self.tmp, "elsewhere"))

    def test_relative_paths_work_from_any_directory(self):
        for cwd in (self.tmp, os.path.join(self.tmp, "elsewhere"), "/",
                    os.path.join(self.tmp, "conf")):
            with self.subTest(cwd=cwd):
                inventory = self.fawkes("-c", self.config, "inventory", "-o", "json", cwd=cwd)
                self.assertExit(inventory, 0)
                self.assertEqual([r["uid"] for r in inventory.json()["resources"]],
                                 [RESOURCE["uid"]])
                run = self.fawkes("-c", self.config, "run", "-o", "json", "--fail-on", "none",
                                  cwd=cwd)
                self.assertExit(run, 0)
                fails = [f for f in run.json()["findings"] if f["status"] == "fail"]
                self.assertGreaterEqual(len(fails), 1, run)
                self.assertEqual({f["resource"]["uid"] for f in fails}, {RESOURCE["uid"]})

    def set_paths(self, paths):
        with open(self.config, encoding="utf-8") as f:
            config = json.load(f)
        config["providers"][0]["config"]["paths"] = paths
        with open(self.config, "w", encoding="utf-8") as f:
            json.dump(config, f)

    def test_the_plugin_gets_the_resolved_path(self):
        # a file that is not there: the failure names the path the plugin was given
        for given, seen in (("data/missing.jsonl",
                             os.path.join(self.tmp, "conf", "data/missing.jsonl")),
                            ("/abs/missing.jsonl", "/abs/missing.jsonl")):
            self.set_paths([given])
            result = self.fawkes("-c", self.config, "inventory", "-o", "json", cwd="/")
            self.assertExit(result, 3)
            messages = [failure["message"] for failure in result.json()["failures"]]
            self.assertEqual(len(messages), 1, messages)
            self.assertIn(seen + ": no such file", messages[0])

    def test_inspect_shows_path_types(self):
        result = self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "plugins", "inspect", "snapshot",
                             "-o", "json")
        self.assertExit(result, 0)
        described = result.json()
        option = [o for o in described["options"] if o["name"] == "paths"][0]
        self.assertEqual(option["type"], "path list")
        schema = described["config_schema"]["properties"]["paths"]
        self.assertEqual(schema["type"], "array")
        self.assertEqual(schema["x-fawkes-type"], "path")
        # path options came with ABI 1.2: snapshot, built with this SDK, declares its ABI
        major, minor = (int(x) for x in described["abi"].split("."))
        self.assertEqual(major, 1)
        self.assertGreaterEqual(minor, 2)

    def test_an_empty_path_is_refused(self):
        self.set_paths([""])
        result = self.fawkes("-c", self.config, "config", "validate")
        self.assertExit(result, 2)
        self.assertIn("providers[0].config.paths: expected a list of 1 to 100000 paths, got",
                      result.stderr)


if __name__ == "__main__":
    fwtest.main()
