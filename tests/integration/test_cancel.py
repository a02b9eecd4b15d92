"""SIGINT, SIGTERM or SIGHUP (a closed terminal) during a run stops it promptly: the output stays valid, the run is
partial (exit 3) and says it was interrupted; nothing crashes or hangs."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_http import FakeHTTP  # noqa: E402


class CancelTest(fwtest.TestCase):
    def setUp(self):
        super().setUp()
        self.fake = FakeHTTP(default={"status": 200, "body": "slow", "delay_ms": 2000})
        self.fake.start()

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def interrupt(self, signo):
        urls = [self.fake.url("/slow/%d" % i) for i in range(8)]
        config = {"version": 1,
                  "providers": [{"name": "probe", "plugin": "http_probe",
                                 "config": {"urls": urls}, "limits": {"concurrency": 1}}],
                  "security": {"egress_allow": ["127.0.0.1"]}}
        path = self.write("fawkes.yaml", json.dumps(config))
        env = dict(os.environ, NO_COLOR="1")
        proc = subprocess.Popen([fwtest.FAWKES, "-c", path, "--plugin-dir", fwtest.TEST_PLUGIN_DIR,
                                 "inventory", "-o", "json"], cwd=self.tmp, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while not self.fake.requests() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(self.fake.requests(), "fawkes never sent a request")
        sent_at = time.monotonic()
        proc.send_signal(signo)
        stdout, stderr = proc.communicate(timeout=30)
        stopped_in = time.monotonic() - sent_at
        self.assertEqual(proc.returncode, 3, stderr)
        # Eight 2-second requests one at a time would take 16 s: it stopped instead.
        self.assertLess(stopped_in, 8.0)
        self.assertLess(len(self.fake.requests()), 8)
        out = json.loads(stdout)
        self.assertTrue(out["partial"])
        self.assertIn("interrupted by a signal; results are incomplete",
                      [f["message"] for f in out["failures"]])
        self.assertIn("results are incomplete", stderr)

    def test_sigint_stops_the_run(self):
        self.interrupt(signal.SIGINT)

    def test_sigterm_stops_the_run(self):
        self.interrupt(signal.SIGTERM)

    def test_sighup_stops_the_run_cleanly(self):
        self.interrupt(signal.SIGHUP)


if __name__ == "__main__":
    fwtest.main()
