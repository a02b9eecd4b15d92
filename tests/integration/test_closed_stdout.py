"""test_closed_stdout: `fawkes ... | head` ends quietly: a reader that stops early is not an
internal error (no message, the command's own exit code), while a stdout that cannot be
written (a full disk) still is (exit 4, said on stderr)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402



class ClosedStdoutTest(fwtest.TestCase):

    def config(self, resources):
        return self.write("fawkes.yaml",
                          "version: 1\n"
                          "plugin_dirs: [%s]\n"
                          "providers:\n"
                          "  - {name: saved, plugin: snapshot, config: {paths: [%s]}}\n"
                          "scanners:\n"
                          "  - {name: baseline, plugin: misconfig}\n"
                          "chains:\n"
                          "  - {name: estate, providers: [saved], scanners: [baseline]}\n"
                          "state: %s\n" % (fwtest.PLUGIN_DIR, resources,
                                            os.path.join(self.tmp, "state.db")))

    def head(self, *args):
        """Run fawkes with its stdout read for one line, then closed; (exit, stderr)."""
        proc = subprocess.Popen([fwtest.FAWKES] + list(args), cwd=self.tmp,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.readline()
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        return proc.wait(timeout=120), stderr

    def test_a_reader_that_stops_early(self):
        resources = self.write("r.jsonl", "".join(
            '{"uid": "u%d", "provider": "aws", "account": "1", "region": "eu-west-1", '
            '"kind": "storage.bucket", "native_type": "s3:bucket", "id": "b%d", '
            '"name": "b%d", "state": null, "labels": {}, "created_at": null, '
            '"public": true, "encrypted": false, "monthly_cost": null, "attributes": {}}\n'
            % (i, i, i) for i in range(20000)))
        config = self.config(resources)
        for args, code in ((["-c", config, "inventory", "-o", "jsonl"], 0),
                           (["-c", config, "run", "-o", "jsonl", "--fail-on", "none"], 0),
                           (["--plugin-dir", fwtest.PLUGIN_DIR, "policy", "eval", "--policy",
                             os.path.join(fwtest.SOURCE_DIR, "policies"), "--input", resources,
                             "-o", "jsonl", "--fail-on", "none"], 0)):
            with self.subTest(args=args):
                status, stderr = self.head(*args)
                self.assertEqual(status, code, stderr)
                self.assertNotIn("fawkes: error", stderr)

    def test_a_full_disk_is_still_an_error(self):
        config = self.config(self.write("r.jsonl", ""))
        with open("/dev/full", "w") as full:
            proc = subprocess.run([fwtest.FAWKES, "-c", config, "inventory", "-o", "json"],
                                  cwd=self.tmp, stdout=full, stderr=subprocess.PIPE, text=True)
        self.assertEqual(proc.returncode, 4)
        self.assertIn("writing the results to stdout failed: No space left on device",
                      proc.stderr)


if __name__ == "__main__":
    fwtest.main()
