"""test_civo_cost: `fawkes cost` with the civo plugin against the fake Civo API: the range
asked, Civo's 31-day windows, prices, the table and JSON outputs, and failures.
"""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_civo import FakeCivo, TOKEN  # noqa: E402

EXIT_OK, EXIT_USAGE, EXIT_PARTIAL = 0, 2, 3
CHARGES_PER_CALL = 21  # the fake bills 5 instances and 2 volumes per region


class CostTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeCivo(per_region=60)
        self.fake.start()

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def config(self, prices=None):
        civo = {"token": "${env:FAKE_CIVO_TOKEN}", "endpoint": self.fake.base_url}
        if prices:
            civo["prices"] = prices
        config = {"version": 1,
                  "providers": [{"name": "civo-test", "plugin": "civo", "config": civo},
                                {"name": "saved", "plugin": "snapshot",
                                 "config": {"paths": [self.tmp]}}],
                  "security": {"egress_allow": ["127.0.0.1"]}}
        return self.write("fawkes.yaml", json.dumps(config, indent=2))

    def cost(self, *args, token=TOKEN, prices=None):
        return self.fawkes("-c", self.config(prices), "cost", *args,
                           env={"FAKE_CIVO_TOKEN": token})

    def test_defaults_to_this_month_until_now(self):
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        result = self.cost("-o", "json")
        after = datetime.datetime.now(datetime.timezone.utc)
        self.assertExit(result, EXIT_OK)
        asked = self.fake.requests("GET", "/v2/charges")
        self.assertEqual(len(asked), 1)
        start = before.replace(day=1, hour=0, minute=0, second=0)
        self.assertEqual(asked[0]["params"]["from"], [start.strftime("%Y-%m-%dT%H:%M:%SZ")])
        to = datetime.datetime.strptime(asked[0]["params"]["to"][0], "%Y-%m-%dT%H:%M:%SZ")
        to = to.replace(tzinfo=datetime.timezone.utc)
        self.assertTrue(before - datetime.timedelta(seconds=1) <= to <= after)
        self.assertNotIn("region", asked[0]["params"])
        out = result.json()
        self.assertFalse(out["partial"])
        self.assertEqual([p["provider"] for p in out["providers"]], ["civo-test"])  # not "saved"

    def test_long_range_is_asked_in_31_day_windows_and_priced(self):
        prices = {"g3.small": 73, "g3.medium": 146, "volume": 0.73}
        result = self.cost("--from", "2026-09-01", "--to", "2026-10-15T00:00:00+02:00",
                           "-o", "json", prices=prices)
        self.assertExit(result, EXIT_OK)
        windows = [(r["params"]["from"][0], r["params"]["to"][0])
                   for r in self.fake.requests("GET", "/v2/charges")]
        self.assertEqual(windows, [("2026-09-01T00:00:00Z", "2026-10-02T00:00:00Z"),
                                   ("2026-10-02T00:00:00Z", "2026-10-14T22:00:00Z")])
        out = result.json()
        self.assertEqual((out["from"], out["to"]), ("2026-09-01T00:00:00Z", "2026-10-14T22:00:00Z"))
        report = out["providers"][0]["report"]
        self.assertEqual(report["currency"], "USD")
        self.assertEqual(len(report["items"]), 2 * CHARGES_PER_CALL)
        total, unpriced = 0.0, 0
        for item in report["items"]:
            size = item["code"].replace("instance-", "")
            if item["code"] == "volume":
                expected = 0.73 / 730 * item["num_hours"] * item["size_gb"]
            elif size in prices:
                expected = prices[size] / 730 * item["num_hours"]
            else:
                self.assertIsNone(item["cost"], item)
                unpriced += 1
                continue
            self.assertAlmostEqual(item["cost"], expected)
            total += expected
        self.assertAlmostEqual(report["total"], total)
        self.assertEqual(report["unpriced"], unpriced)

    def test_table(self):
        result = self.cost("--from", "2026-09-01", "--to", "2026-09-02", prices={"volume": 730})
        self.assertExit(result, EXIT_OK)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0], "cost from 2026-09-01T00:00:00Z to 2026-09-02T00:00:00Z")
        self.assertEqual(lines[1], "civo-test (civo)")
        self.assertEqual(lines[2].split(), ["REGION", "CODE", "LABEL", "HOURS", "COST"])
        self.assertEqual(len(lines), 3 + CHARGES_PER_CALL + 1)
        volume_rows = [line for line in lines if " volume " in line]
        self.assertEqual(len(volume_rows), 6)
        self.assertTrue(lines[-1].startswith("  total: "))
        self.assertIn("USD for 21 charges (15 without a price", lines[-1])

    def test_errors(self):
        result = self.cost("--from", "last tuesday")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("--from last tuesday: not a date or time; use YYYY-MM-DD", result.stderr)
        result = self.cost("--from", "2026-09-02", "--to", "2026-09-01")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("is not before --to", result.stderr)
        result = self.cost("--provider", "saved")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("--provider saved: its plugin does not report cost", result.stderr)
        result = self.cost("--provider", "nope")
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("--provider nope: no provider instance of that name", result.stderr)
        self.assertEqual(self.fake.requests(), [])
        result = self.cost("-o", "json", token="bad-key-999999")
        self.assertExit(result, EXIT_PARTIAL)
        self.assertIn("civo-test: cost failed (error): GET", result.stderr)
        self.assertIn("HTTP 401: authentication_invalid_key", result.stderr)
        out = result.json()
        self.assertTrue(out["partial"])
        self.assertEqual(out["providers"], [])
        self.assertEqual(out["failures"][0]["provider"], "civo-test")
        self.assertNotIn("bad-key-999999", result.stdout + result.stderr)


if __name__ == "__main__":
    fwtest.main()
