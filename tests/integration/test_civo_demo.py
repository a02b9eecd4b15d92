"""test_civo_demo: scripts/demo-civo.sh (the Civo demo README.md shows) runs in one command
against the fake Civo API and shows an inventory, a scan, a cost report and a dry run."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402


class CivoDemoTest(fwtest.TestCase):

    def test_demo_runs_in_one_command(self):
        env = dict(os.environ, FAWKES_BIN=fwtest.FAWKES, NO_COLOR="1")
        env.pop("CIVO_TOKEN", None)
        proc = subprocess.run([os.path.join(fwtest.SOURCE_DIR, "scripts", "demo-civo.sh")],
                              env=env, capture_output=True, text=True, timeout=240)
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr[-3000:])
        out = proc.stdout
        for header in ("== inventory:", "== scan:", "== cost:", "== provision:"):
            self.assertIn(header, out)
        self.assertIn("kubernetes.cluster  k3s-lon1-0", out)
        self.assertRegex(out, r"\d+ findings: \d+ critical")
        self.assertRegex(out, r"  total: \d+\.\d\d USD for 21 charges\n")
        self.assertIn("civo-demo: dry run: would send 1 request (nothing was sent", out)
        self.assertIn('"pools":[{"id":"demo-k8s-pool","count":2,"size":"g4s.kube.small"}]', out)
        self.assertNotIn("fake-civo-token", out + proc.stderr)


if __name__ == "__main__":
    fwtest.main()
