"""Malformed policies, exceptions and tests: each file in tests/data/policies-bad/ starts with
`# expect: LINE:COLUMN: message`, and fawkes must print exactly that (after the file name),
exit 2 and evaluate nothing."""
import glob
import os

import fwtest

BAD = os.path.join("tests", "data", "policies-bad")
INPUT = os.path.join("examples", "policies", "fixtures", "acme-www.json")
NOW = {"FAWKES_NOW": "2026-11-23T12:00:00Z"}


def expected(path):
    with open(os.path.join(fwtest.SOURCE_DIR, path), encoding="utf-8") as f:
        first = f.readline()
    assert first.startswith("# expect: "), path
    return first[len("# expect: "):].rstrip("\n")


class PolicyErrorsTest(fwtest.TestCase):
    def check(self, path, *command):
        res = fwtest.run(["--plugin-dir", fwtest.PLUGIN_DIR, "policy"] + list(command),
                         cwd=fwtest.SOURCE_DIR, env=NOW)
        self.assertExit(res, 2)
        self.assertEqual(res.stdout, "")
        self.assertEqual(res.stderr, "fawkes: error: %s:%s\n" % (path, expected(path)))

    def test_every_malformed_policy_names_file_line_column(self):
        files = sorted(glob.glob(os.path.join(fwtest.SOURCE_DIR, BAD, "*.yaml")))
        self.assertGreaterEqual(len(files), 30)
        for full in files:
            path = os.path.relpath(full, fwtest.SOURCE_DIR)
            with self.subTest(path=path):
                self.check(path, "eval", "--input", INPUT, "--policy", path)

    def test_the_same_errors_stop_policy_test_and_runs(self):
        path = os.path.join(BAD, "unknown-operator.yaml")
        self.check(path, "test", path)
        self.write("fawkes.yaml", """\
            version: 1
            plugin_dirs: [%s]
            providers: [{name: snap, plugin: snapshot, config: {paths: [%s]}}]
            policies: [{name: org, plugin: policy, config: {paths: [%s]}}]
            chains: [{name: c, providers: [snap], policies: [org]}]
            """ % (fwtest.PLUGIN_DIR, os.path.join(fwtest.SOURCE_DIR, INPUT),
                   os.path.join(fwtest.SOURCE_DIR, path)))
        res = self.fawkes("run", "-o", "json")
        self.assertExit(res, 2)
        self.assertEqual(res.stdout, "")
        self.assertTrue(res.stderr.startswith(
            "fawkes: error: policies: org (plugin policy): init failed (error): %s:6:30: "
            "rules[0].when: unknown operator 'equals'"
            % os.path.join(fwtest.SOURCE_DIR, path)), res.stderr)

    def test_every_malformed_test_file_names_file_line_column(self):
        files = sorted(glob.glob(os.path.join(fwtest.SOURCE_DIR, BAD, "test-files", "*.yaml")))
        self.assertGreaterEqual(len(files), 8)
        for full in files:
            path = os.path.relpath(full, fwtest.SOURCE_DIR)
            with self.subTest(path=path):
                self.check(path, "test", path)


if __name__ == "__main__":
    fwtest.main()
