"""test_config_errors: `fawkes config validate` on malformed and good configs.

Each tests/data/configs/bad-*.yaml must exit 2 and print exactly the error lines listed in
BAD below (file:line:column and text); good-*.yaml must exit 0. Runs from the configs
directory so messages carry the bare file name.
"""
import glob
import os
import re
import shutil

import fwtest

CONFIG_DIR = os.path.join(fwtest.SOURCE_DIR, "tests", "data", "configs")
ERR = "fawkes: error: "

BAD = {
    "bad-yaml-syntax.yaml": [
        "bad-yaml-syntax.yaml:3:1: invalid YAML: did not find expected ',' or ']' (while "
        "parsing a flow sequence at line 2, column 14)"],
    "bad-yaml-indent.yaml": [
        "bad-yaml-indent.yaml:2:8: invalid YAML: mapping values are not allowed in this context"],
    "bad-duplicate-key.yaml": [
        "bad-duplicate-key.yaml:5:5: providers[0]: duplicate key 'name' (first at line 3, "
        "column 5); keep only one"],
    "bad-merge-key.yaml": [
        "bad-merge-key.yaml:6:5: invalid YAML: merge keys (<<) are not supported; write the keys "
        "out (an alias *name can still stand for a whole value)"],
    "bad-tag.yaml": [
        "bad-tag.yaml:1:10: invalid YAML: tags are not supported (found '!!int'); remove it, and "
        "quote the value if it must be a string"],
    "bad-two-documents.yaml": [
        "bad-two-documents.yaml:2:1: invalid YAML: a second document (---) is not supported; "
        "keep the whole config in one document"],
    "bad-undefined-alias.yaml": [
        "bad-undefined-alias.yaml:2:14: invalid YAML: alias *dirs refers to no anchor defined "
        "before it (define &name first; an alias cannot refer to its own parent)"],
    "bad-empty.yaml": ["bad-empty.yaml: the config is empty; start it with `version: 1`"],
    "bad-not-mapping.yaml": [
        "bad-not-mapping.yaml:1:1: expected a mapping with version: 1 at the top level, got a "
        "list"],
    "bad-version-missing.yaml": [
        "bad-version-missing.yaml:1:1: missing key 'version'; add `version: 1` at the top"],
    "bad-version-2.yaml": [
        "bad-version-2.yaml:1:10: version: expected 1 (the only config version this fawkes "
        "reads), got integer 2"],
    "bad-unknown-top-key.yaml": [
        "bad-unknown-top-key.yaml:2:1: unknown key 'provider'; allowed: version, plugin_dirs, "
        "providers, scanners, policies, notifiers, chains, security, state, playbooks, history, "
        "server, alerts"],
    "bad-playbooks-max-percent.yaml": [
        "bad-playbooks-max-percent.yaml:3:16: playbooks.max_percent: expected a number above 0 "
        "and at most 100, got integer 150"],
    "bad-playbooks-unknown-key.yaml": [
        "bad-playbooks-unknown-key.yaml:3:3: playbooks: unknown key 'max_action'; allowed: "
        "lib_dirs, max_actions, max_percent, cooldown, memory, instructions, timeout"],
    "bad-plugin-dirs-type.yaml": [
        "bad-plugin-dirs-type.yaml:2:14: plugin_dirs: expected a list of strings, got string "
        "\"./plugins\""],
    "bad-instance-unknown-key.yaml": [
        "bad-instance-unknown-key.yaml:5:5: providers[0]: unknown key 'limts'; allowed: name, "
        "plugin, config, limits, isolation"],
    "bad-instance-no-name.yaml": [
        "bad-instance-no-name.yaml:3:5: providers[0]: missing key 'name'; every instance needs a "
        "unique name"],
    "bad-instance-bad-name.yaml": [
        "bad-instance-bad-name.yaml:3:11: providers[0].name: 'Snap_Prod' is not a valid name: "
        "use lower-case letters, digits, '-' and '_', starting with a letter or digit"],
    "bad-instance-duplicate-name.yaml": [
        "bad-instance-duplicate-name.yaml:6:11: scanners[0].name: the name 'snap' is already "
        "used by providers[0] (line 3); instance names must be unique across providers, "
        "scanners, policies and notifiers"],
    "bad-instance-no-plugin.yaml": [
        "bad-instance-no-plugin.yaml:3:5: providers[0]: missing key 'plugin' (the name of the "
        "plugin 'snap' is an instance of)"],
    "bad-instance-config-list.yaml": [
        "bad-instance-config-list.yaml:6:7: providers[0].config: expected a mapping of the "
        "plugin's options, got a list"],
    "bad-limits-concurrency.yaml": [
        "bad-limits-concurrency.yaml:6:20: providers[0].limits.concurrency: expected an integer "
        ">= 1, got string \"four\""],
    "bad-limits-rate.yaml": [
        "bad-limits-rate.yaml:5:20: providers[0].limits.rate: expected a rate > 0 such as 10/s, "
        "600/m or 36000/h, got string \"10/d\""],
    "bad-limits-retries.yaml": [
        "bad-limits-retries.yaml:5:23: providers[0].limits.retries: expected an integer from 0 "
        "to 20, got integer 50"],
    "bad-limits-timeout.yaml": [
        "bad-limits-timeout.yaml:5:23: providers[0].limits.timeout: expected a duration > 0 such "
        "as 250ms, 30s or 5m, got string \"30 seconds\""],
    "bad-notifier-min-severity.yaml": [
        "bad-notifier-min-severity.yaml:5:19: notifiers[0].min_severity: expected one of "
        "critical, high, medium, low, info, got string \"urgent\""],
    "bad-notifier-on.yaml": [
        "bad-notifier-on.yaml:5:15: notifiers[0].on[1]: expected one of new, open, resolved, got "
        "string \"closed\""],
    "bad-notifier-match.yaml": [
        "bad-notifier-match.yaml:5:12: notifiers[0].match: unknown key 'owner' (allowed: "
        "provider, kind, rule, labels)"],
    "bad-notifier-match-labels.yaml": [
        "bad-notifier-match-labels.yaml:6:7: notifiers[0].match: labels.env: expected a string "
        "or a list of strings, got a list"],
    "bad-notifier-template.yaml": [
        "bad-notifier-template.yaml:5:15: notifiers[0].template: unknown field {{secret}}: use "
        "rule, severity, status, title, message, remediation, fingerprint, delta, source, "
        "compliance, run.id, run.chain, resource.KEY or evidence.KEY"],
    "bad-notifier-digest-top.yaml": [
        "bad-notifier-digest-top.yaml:6:17: notifiers[0].digest_top: expected an integer from 1 "
        "to 100, got integer 0"],
    "bad-chain-unknown-provider.yaml": [
        "bad-chain-unknown-provider.yaml:7:28: chains[0].providers[1]: no provider named "
        "'civo-prd' (defined: civo-prod, snap)"],
    "bad-chain-duplicate.yaml": [
        "bad-chain-duplicate.yaml:4:11: chains[1].name: a chain named 'nightly' is already "
        "defined at line 3; chain names must be unique"],
    "bad-chain-scanner-as-provider.yaml": [
        "bad-chain-scanner-as-provider.yaml:6:17: chains[0].providers[0]: no provider named "
        "'base' (defined: none); 'base' is a scanner, list it under scanners"],
    "bad-interp-unknown-scheme.yaml": [
        "bad-interp-unknown-scheme.yaml:6:15: providers[0].config.paths[0]: unknown reference "
        "scheme 'vault' in ${vault:secret/paths}: use ${env:NAME} or ${file:PATH}"],
    "bad-interp-unterminated.yaml": [
        "bad-interp-unterminated.yaml:6:15: providers[0].config.paths[0]: unterminated ${ in "
        "\"${env:SNAP_DIR\": close it with }, or write $${ for a literal ${"],
    "bad-interp-env-outside.yaml": [
        "bad-interp-env-outside.yaml:2:8: state: ${env:FAWKES_TEST_SURELY_UNSET} is not set: "
        "export FAWKES_TEST_SURELY_UNSET, or write the value in the file"],
    "bad-security-unknown-key.yaml": [
        "bad-security-unknown-key.yaml:4:3: security: unknown key 'audit'; allowed: "
        "egress_allow, audit_log, audit_signing_key, audit_forward"],
    "bad-plugin-wrong-kind.yaml": [
        "bad-plugin-wrong-kind.yaml:4:13: providers[0].plugin: plugin 'misconfig' is a scanner, "
        "not a provider; move this instance to the scanners section"],
    "bad-snapshot-missing-paths.yaml": [
        "bad-snapshot-missing-paths.yaml:6:7: providers[0].config: missing required key 'paths' "
        "(a list of 1 to 100000 paths)"],
    "bad-snapshot-unknown-key.yaml": [
        "bad-snapshot-unknown-key.yaml:7:14: providers[0].config: unknown key 'stict'; allowed: "
        "paths, strict, chunk_size"],
    "bad-snapshot-strict-type.yaml": [
        "bad-snapshot-strict-type.yaml:7:15: providers[0].config.strict: expected true or false, "
        "got string \"yes\""],
    "bad-snapshot-paths-type.yaml": [
        "bad-snapshot-paths-type.yaml:6:14: providers[0].config.paths: expected a list of 1 to "
        "100000 paths, got integer 5"],
    "bad-many-errors.yaml": [
        "bad-many-errors.yaml:5:22: providers[0].config.strict: expected true or false, got "
        "integer 1",
        "bad-many-errors.yaml:6:5: providers[1].config: missing required key 'paths' (a list of "
        "1 to 100000 paths)",
        "bad-many-errors.yaml:11:28: scanners[0].config.stopped_days: expected an integer from 1 "
        "to 3650, got integer 0"],
}


class ConfigErrorsTest(fwtest.TestCase):

    def validate(self, name, env=None):
        return self.fawkes("-c", name, "--plugin-dir", fwtest.PLUGIN_DIR, "config", "validate",
                           cwd=CONFIG_DIR, env=env)

    def error_lines(self, result):
        return [line[len(ERR):] for line in result.stderr.splitlines() if line.startswith(ERR)]

    def test_every_bad_config_is_listed(self):
        on_disk = sorted(os.path.basename(p) for p in glob.glob(os.path.join(CONFIG_DIR,
                                                                             "bad-*.yaml")))
        listed = sorted(list(BAD) + ["bad-plugin-not-loaded.yaml"])
        self.assertEqual(on_disk, listed)
        self.assertGreaterEqual(len(on_disk), 25)

    def test_bad_configs(self):
        for name, expected in sorted(BAD.items()):
            with self.subTest(config=name):
                result = self.validate(name)
                self.assertExit(result, 2)
                self.assertEqual(self.error_lines(result), expected, repr(result))
                self.assertEqual(result.stdout, "")

    def test_plugin_not_loaded_names_dirs_and_loaded_plugins(self):
        result = self.validate("bad-plugin-not-loaded.yaml")
        self.assertExit(result, 2)
        lines = self.error_lines(result)
        self.assertEqual(len(lines), 1, repr(result))
        match = re.fullmatch(r"bad-plugin-not-loaded\.yaml:4:13: providers\[0\]\.plugin: no "
                             r"plugin named 'civo-nonexistent' is loaded \(searched: (.*)\); "
                             r"loaded: (.*)", lines[0])
        self.assertIsNotNone(match, lines[0])
        self.assertIn(os.path.realpath(fwtest.PLUGIN_DIR),
                      [os.path.realpath(d) for d in match.group(1).split(", ")])
        self.assertIn("snapshot", match.group(2).split(", "))
        self.assertIn("misconfig", match.group(2).split(", "))

    def test_good_minimal(self):
        result = self.validate("good-minimal.yaml")
        self.assertExit(result, 0)
        self.assertEqual(result.stdout, "good-minimal.yaml: ok (0 instances, 0 chains)\n")
        self.assertEqual(self.error_lines(result), [])

    def test_good_full_warns_about_unset_references(self):
        result = self.validate("good-full.yaml", env={"FAWKES_TEST_SNAPSHOT_DIR": "/data"})
        self.assertExit(result, 0)
        self.assertEqual(result.stdout, "good-full.yaml: ok (3 instances, 2 chains)\n")
        self.assertNotIn("not set here", result.stderr)
        os.environ.pop("FAWKES_TEST_SNAPSHOT_DIR", None)
        result = self.validate("good-full.yaml")
        self.assertExit(result, 0)
        self.assertEqual(result.stdout, "good-full.yaml: ok (3 instances, 2 chains)\n")
        self.assertIn("fawkes: warn: good-full.yaml:8:15: providers[0].config.paths[0]: "
                      "${env:FAWKES_TEST_SNAPSHOT_DIR} is not set here; it must be set when this "
                      "instance runs", result.stderr.splitlines())
        self.assertEqual(self.error_lines(result), [])

    def test_config_path_elsewhere(self):
        shutil.copy(os.path.join(CONFIG_DIR, "bad-limits-retries.yaml"),
                    os.path.join(self.tmp, "fawkes.yaml"))
        result = self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "config", "validate")
        self.assertExit(result, 2)
        self.assertEqual(self.error_lines(result), [
            "fawkes.yaml:5:23: providers[0].limits.retries: expected an integer from 0 to 20, "
            "got integer 50"])

    def test_secret_file_relative_to_config(self):
        path = self.write("conf/fawkes.yaml", """\
            version: 1
            providers:
              - name: snap
                plugin: snapshot
                config: {paths: "${file:paths.txt}", strict: "${file:strict.txt}"}
            """)
        self.write("conf/paths.txt", "inventory/\n")
        self.write("conf/strict.txt", "maybe\n")
        result = self.fawkes("-c", path, "--plugin-dir", fwtest.PLUGIN_DIR, "config",
                             "validate")
        self.assertExit(result, 2)
        self.assertEqual(self.error_lines(result), [
            path + ":5:50: providers[0].config.strict: expected true or false, got string "
            "\"maybe\""])
        self.write("conf/strict.txt", "true\n")
        result = self.fawkes("-c", path, "--plugin-dir", fwtest.PLUGIN_DIR, "config",
                             "validate")
        self.assertExit(result, 0)
        self.assertEqual(result.stdout, path + ": ok (1 instance, 0 chains)\n")

    def test_docs_examples_validate(self):
        with open(os.path.join(fwtest.SOURCE_DIR, "docs", "config.md"), encoding="utf-8") as f:
            doc = f.read()
        blocks = [b for b in re.findall(r"```yaml\n(.*?)```", doc, re.S)
                  if b.startswith("version: 1")]
        self.assertGreaterEqual(len(blocks), 1)
        warnings = [line for line in doc.splitlines() if line.startswith("fawkes: warn: ")]
        for i, block in enumerate(blocks):
            with self.subTest(block=i):
                self.write("fawkes.yaml", block, dedent=False)
                # its chains name shipped playbooks, relative to the config's directory
                shutil.copytree(os.path.join(fwtest.SOURCE_DIR, "playbooks"),
                                os.path.join(self.tmp, "playbooks"), dirs_exist_ok=True)
                result = self.fawkes("--plugin-dir", fwtest.PLUGIN_DIR, "config", "validate")
                self.assertExit(result, 0)
                self.assertEqual(self.error_lines(result), [])
                got = [line for line in result.stderr.splitlines()
                       if line.startswith("fawkes: warn: fawkes.yaml")]
                self.assertEqual(got, warnings)

    def test_missing_playbook_is_a_config_error(self):
        path = self.write("conf/fawkes.yaml", """\
            version: 1
            chains:
              - name: nightly
                playbooks: [fix.lua, ../gone.lua]
            """)
        self.write("conf/fix.lua", "return 1\n")
        expected = [path + ":4:26: chains[0].playbooks[1]: playbook " +
                    os.path.join(self.tmp, "conf", "../gone.lua") +
                    ": No such file or directory (a relative path is resolved against the "
                    "config file's directory)"]
        for command in (["config", "validate"], ["run"]):
            result = self.fawkes("-c", path, "--plugin-dir", fwtest.PLUGIN_DIR, *command)
            self.assertExit(result, 2)
            self.assertEqual(self.error_lines(result), expected, command)
            self.assertEqual(result.stdout, "")
        self.write("gone.lua", "return 1\n")  # found from any current directory
        result = self.fawkes("-c", path, "--plugin-dir", fwtest.PLUGIN_DIR, "config", "validate",
                             cwd="/")
        self.assertExit(result, 0)

    def test_usage_errors(self):
        result = self.fawkes("-c", "x.yaml", "config")
        self.assertExit(result, 2)
        self.assertIn("fawkes: error: config: expected `fawkes config validate`",
                      result.stderr)
        result = self.fawkes("-c", "x.yaml", "config", "check")
        self.assertExit(result, 2)
        self.assertIn("got subcommand check", result.stderr)
        result = self.fawkes("config", "validate")
        self.assertExit(result, 2)
        self.assertIn("no config: pass -c FILE", result.stderr)
        result = self.fawkes("-c", "missing.yaml", "config", "validate")
        self.assertExit(result, 2)
        self.assertEqual(self.error_lines(result), [
            "missing.yaml: cannot open the config: No such file or directory; check the -c "
            "path"])
        result = self.fawkes("config", "--help")
        self.assertExit(result, 0)
        self.assertIn("config validate", result.stdout)


if __name__ == "__main__":
    fwtest.main()
