"""test_aws_cost: `fawkes cost` with the aws plugin against moto's Cost Explorer (signatures
and IAM enforced): GetCostAndUsage daily by service over the range asked, every page
(NextPageToken) summed, the same output shape as the other providers', and a user without
ce:GetCostAndUsage refused with AWS's code.
"""
import json
import os
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
import fake_aws_moto  # noqa: E402

EXIT_OK, EXIT_PARTIAL = 0, 3
ACCOUNT = "123456789012"
AVAILABLE, WHY = fake_aws_moto.available()


def day(date, groups, estimated=False):
    return {"TimePeriod": {"Start": date, "End": date[:-2] + "%02d" % (int(date[-2:]) + 1)},
            "Total": {}, "Estimated": estimated,
            "Groups": [{"Keys": [service], "Metrics": {"UnblendedCost": {
                "Amount": amount, "Unit": "USD"}}} for service, amount in groups]}


@unittest.skipUnless(AVAILABLE, WHY)
class AwsCostTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.moto = fake_aws_moto.Moto(accounts=1)
        try:
            admin = self.moto.bootstrap([ACCOUNT])[ACCOUNT]
            self.allowed = self.moto.user(admin, "billing", {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["ce:GetCostAndUsage", "sts:GetCallerIdentity"],
                 "Resource": "*"}]})
            self.refused = self.moto.user(admin, "nobilling", {"Version": "2012-10-17",
                                                               "Statement": [
                {"Effect": "Allow", "Action": ["sts:GetCallerIdentity"], "Resource": "*"}]})
        except Exception:
            self.moto.stop()
            raise
        pages = [{"ResultsByTime": [day("2026-11-01", [("Amazon EC2", "10.25"),
                                                       ("Amazon S3", "0.75")]),
                                    day("2026-11-02", [("Amazon EC2", "11.5")])],
                  "NextPageToken": "page-2"},
                 {"ResultsByTime": [day("2026-11-03", [("Amazon RDS", "3.125")], True)]}]
        req = urllib.request.Request(self.moto.url + "/moto-api/static/ce/cost-and-usage-results",
                                     data=json.dumps({"results": pages}).encode(), method="POST")
        urllib.request.urlopen(req).read()
        config = {"version": 1, "plugin_dirs": [fwtest.PLUGIN_DIR],
                  "providers": [{"name": "aws-test", "plugin": "aws", "config": {
                      "endpoint": self.moto.url}}],
                  "security": {"egress_allow": ["127.0.0.1"]}}
        self.config = self.write("fawkes.yaml", json.dumps(config))

    def tearDown(self):
        self.moto.stop()
        super().tearDown()

    def cost(self, keys, *args):
        env = {"AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1],
               "HOME": self.tmp, "AWS_PROFILE": "", "AWS_REGION": "us-east-1"}
        return self.fawkes("-c", self.config, "cost", "--from", "2026-11-01",
                           "--to", "2026-11-04T00:00:00Z", *args, env=env)

    def test_daily_by_service_every_page(self):
        r = self.cost(self.allowed, "-o", "json")
        self.assertExit(r, EXIT_OK)
        out = r.json()
        report = out["providers"][0]["report"]
        self.assertEqual(report["currency"], "USD")
        self.assertEqual(report["total"], 25.63)
        self.assertEqual([(i["date"], i["service"], i["cost"], i["estimated"], i["account"])
                          for i in report["items"]],
                         [("2026-11-01", "Amazon EC2", 10.25, False, ACCOUNT),
                          ("2026-11-01", "Amazon S3", 0.75, False, ACCOUNT),
                          ("2026-11-02", "Amazon EC2", 11.5, False, ACCOUNT),
                          ("2026-11-03", "Amazon RDS", 3.125, True, ACCOUNT)])
        table = self.cost(self.allowed)
        self.assertExit(table, EXIT_OK)
        self.assertIn("Amazon RDS", table.stdout)
        self.assertIn("total: 25.63 USD for 4 charges", table.stdout)

    def test_refused_names_the_code(self):
        r = self.cost(self.refused, "-o", "json")
        self.assertNotEqual(r.code, EXIT_OK)
        self.assertIn("ce GetCostAndUsage in us-east-1 (account %s): HTTP 4" % ACCOUNT, r.stderr)
        self.assertRegex(r.stderr, r"AccessDenied")


if __name__ == "__main__":
    fwtest.main()
