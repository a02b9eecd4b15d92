"""test_aws_demo: scripts/demo-aws.sh (the AWS demo README.md shows) runs in one command
against moto and shows an inventory, a scan with findings and a provisioning dry run."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
import fake_aws_moto  # noqa: E402

AVAILABLE, WHY = fake_aws_moto.available()


@unittest.skipUnless(AVAILABLE, WHY)
class AwsDemoTest(fwtest.TestCase):

    def test_demo_runs_in_one_command(self):
        env = dict(os.environ, FAWKES_BIN=fwtest.FAWKES, NO_COLOR="1")
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE",
                     "AWS_ENDPOINT_URL"):
            env.pop(name, None)
        proc = subprocess.run([os.path.join(fwtest.SOURCE_DIR, "scripts", "demo-aws.sh")],
                              env=env, capture_output=True, text=True, timeout=240)
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr[-3000:])
        out = proc.stdout
        for header in ("== inventory:", "== scan:", "== provision:"):
            self.assertIn(header, out)
        self.assertIn("database.instance", out)
        self.assertIn("acme-eu-west-2-assets", out)
        self.assertRegex(out, r"\d+ findings: \d+ critical")
        self.assertIn("aws-demo: dry run: would send 2 requests (nothing was sent", out)
        self.assertNotIn("demo-secret-not-real", out + proc.stderr)


if __name__ == "__main__":
    fwtest.main()
