"""test_gcp_demo: scripts/demo-gcp.sh (the GCP demo README.md shows) runs in one command against
the fake Google APIs and shows an inventory, a scan, a cost report and a dry run."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402


class GCPDemoTest(fwtest.TestCase):

    def test_demo_runs_in_one_command(self):
        env = dict(os.environ, FAWKES_BIN=fwtest.FAWKES, NO_COLOR="1")
        env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
        proc = subprocess.run([os.path.join(fwtest.SOURCE_DIR, "scripts", "demo-gcp.sh")],
                              env=env, capture_output=True, text=True, timeout=240)
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr[-3000:])
        out = proc.stdout
        for header in ("== inventory:", "== scan:", "== cost:", "== provision:"):
            self.assertIn(header, out)
        self.assertRegex(out, r"acme-prod\s+europe-west2\s+kubernetes\.cluster\s+gke-0")
        self.assertRegex(out, r"\d+ findings: \d+ critical")
        self.assertIn("misconfig.firewall.ssh_open", out)
        self.assertRegex(out, r"  total: \d+\.\d\d USD for \d+ charges\n")
        self.assertIn("gcp-demo: dry run: would send 1 request (nothing was sent", out)
        self.assertIn('"publicAccessPrevention":"enforced"', out)
        self.assertNotIn("ya29.", out + proc.stderr)
        self.assertNotIn("PRIVATE KEY", out + proc.stderr)


if __name__ == "__main__":
    fwtest.main()
