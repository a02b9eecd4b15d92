"""test_http: the host's HTTP service seen through the real binary and the http_probe plugin.

Each test starts tests/fakes/fake_http.py on 127.0.0.1, points an http_probe provider at it
and runs `fawkes -c cfg --plugin-dir TEST_PLUGIN_DIR inventory -o json`.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_http import FakeHTTP  # noqa: E402

EXIT_OK, EXIT_PARTIAL = 0, 3


def documented_messages():
    """The messages listed under "Error messages" in docs/http.md, without "METHOD URL: "."""
    with open(os.path.join(fwtest.SOURCE_DIR, "docs", "http.md"), encoding="utf-8") as f:
        section = f.read().split("## Error messages", 1)[1]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    return [line.split(": ", 1)[1] for line in block.splitlines() if line.strip()]


class HttpServiceTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeHTTP()
        self.fake.start()

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def inventory(self, urls, egress_allow=("127.0.0.1",), limits=None):
        """Run an inventory with one http_probe instance named "probe" over `urls`."""
        config = {
            "version": 1,
            "providers": [{"name": "probe", "plugin": "http_probe", "config": {"urls": urls}}],
            "security": {"egress_allow": list(egress_allow)},
        }
        if limits:
            config["providers"][0]["limits"] = limits
        path = self.write("fawkes.yaml", json.dumps(config, indent=2))  # JSON is YAML
        return self.fawkes("-c", path, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "inventory",
                           "-o", "json")

    def test_retries_429_after_retry_after(self):
        self.fake.add("GET /things",
                      {"status": 429, "headers": {"Retry-After": "1"}, "body": "slow down"},
                      {"status": 200, "body": "fine"})
        url = self.fake.url("/things")
        result = self.inventory([url])
        self.assertExit(result, EXIT_OK)
        seen = self.fake.requests("/things")
        self.assertEqual(len(seen), 2, seen)
        self.assertGreaterEqual(seen[1]["monotonic"] - seen[0]["monotonic"], 1.0)
        out = result.json()
        self.assertFalse(out["partial"])
        self.assertEqual(out["failures"], [])
        stats = out["stats"]["probe"]
        self.assertEqual(stats["requests"], 2)
        self.assertEqual(stats["retries"], 1)
        self.assertEqual(stats["throttles"], 1)
        self.assertEqual(stats["errors"], 0)
        self.assertEqual(stats["refused"], 0)
        resources = out["resources"]
        self.assertEqual(len(resources), 1)
        self.assertEqual(resources[0]["uid"], "test:probe:" + url)
        self.assertEqual(resources[0]["kind"], "test.probe")
        self.assertEqual(resources[0]["attributes"],
                         {"status": 200, "attempts": 2, "body": "fine"})

    def test_host_not_in_allowlist_is_refused(self):
        self.fake.add("/ok", {"status": 200, "body": "ok"})
        good = self.fake.url("/ok")
        bad = "https://evil.example.net/steal?token=abc123"
        result = self.inventory([good, bad])
        self.assertExit(result, EXIT_PARTIAL)
        message = ("GET https://evil.example.net/steal: egress to evil.example.net refused: not "
                   "in security.egress_allow (allowed: 127.0.0.1); add it there if this host "
                   "is expected")
        self.assertIn(message, result.stderr)
        self.assertNotIn("abc123", result.stderr.replace(bad, ""))
        self.assertIn(message.split(": ", 1)[1], documented_messages())
        out = result.json()
        self.assertTrue(out["partial"])
        self.assertEqual(len(out["failures"]), 1, out["failures"])
        failure = out["failures"][0]
        self.assertEqual(failure["instance"], "probe")
        self.assertEqual(failure["plugin"], "http_probe")
        self.assertEqual(failure["task"], bad)
        self.assertIn(message, failure["message"])
        self.assertEqual([r["id"] for r in out["resources"]], [good])
        self.assertEqual(out["stats"]["probe"]["refused"], 1)
        self.assertEqual(out["stats"]["probe"]["requests"], 1)
        self.assertEqual(len(self.fake.requests()), 1)

    def test_rate_limit_spreads_requests(self):
        self.fake.add("/r*", {"status": 200, "body": "ok", "repeat": True})
        urls = [self.fake.url("/r%d" % i) for i in range(10)]
        result = self.inventory(urls, limits={"rate": "5/s", "burst": 1})
        self.assertExit(result, EXIT_OK)
        seen = self.fake.requests()
        self.assertEqual(len(seen), 10)
        self.assertEqual(sorted(r["path"] for r in seen), sorted("/r%d" % i for i in range(10)))
        times = [r["monotonic"] for r in seen]
        # One token at once, then one every 200 ms: the host sends them >= 1.8 s apart. The
        # fake sees arrivals, which jitter by a few ms (the process's first connection is the
        # slowest to arrive), hence the 20 ms allowance on this lower bound.
        self.assertGreaterEqual(max(times) - min(times), 1.78)
        gaps = sorted(b - a for a, b in zip(sorted(times), sorted(times)[1:]))
        self.assertGreaterEqual(gaps[len(gaps) // 2], 0.19)  # spread, not one long pause
        self.assertEqual(len(result.json()["resources"]), 10)

    def test_loopback_needs_an_allowlist_entry(self):
        self.fake.add("/local", {"status": 200, "body": "ok"})
        url = self.fake.url("/local")
        result = self.inventory([url], egress_allow=["api.civo.com"])
        self.assertExit(result, EXIT_PARTIAL)
        message = ("GET %s: egress to 127.0.0.1 refused: loopback hosts are reached only when "
                   "security.egress_allow lists 127.0.0.1 or localhost; add 127.0.0.1 there for "
                   "local emulators and tests" % url)
        self.assertIn(message, result.stderr)
        self.assertIn(message.split(": ", 1)[1], documented_messages())
        out = result.json()
        self.assertTrue(out["partial"])
        self.assertEqual(out["failures"][0]["instance"], "probe")
        self.assertEqual(out["failures"][0]["task"], url)
        self.assertEqual(out["resources"], [])
        self.assertEqual(self.fake.requests(), [])

    def test_server_errors_after_retries_fail_the_task(self):
        self.fake.add("/broken", {"status": 503, "body": "down for maintenance", "repeat": True})
        url = self.fake.url("/broken")
        result = self.inventory([url], limits={"retries": 2, "backoff_base": "10ms"})
        self.assertExit(result, EXIT_PARTIAL)
        self.assertEqual(len(self.fake.requests("/broken")), 3)
        out = result.json()
        self.assertIn("GET %s: HTTP 503: down for maintenance" % url,
                      out["failures"][0]["message"])
        stats = out["stats"]["probe"]
        self.assertEqual((stats["requests"], stats["retries"], stats["throttles"],
                          stats["errors"]), (3, 2, 3, 1))


if __name__ == "__main__":
    fwtest.main()
