"""test_notify_pagerduty: the pagerduty notifier against a fake Events API v2 endpoint that
checks the schema (tests/fakes/fake_pagerduty.py): trigger, then resolve with the same
dedup_key across runs, severity mapping, retry and queue, the routing key as a secret."""
import json
import os
import sys

import fwtest
from fwtest import PLUGIN_DIR, TEST_PLUGIN_DIR

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_pagerduty import FakePagerDuty  # noqa: E402

KEY = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY42"


def resource(name, severity, **attributes):
    return {"uid": "civo:a:LON1:compute.instance:%s" % name, "provider": "civo", "account": "a",
            "region": "LON1", "kind": "compute.instance", "id": name, "name": name,
            "labels": {"severity": severity}, "attributes": attributes}


class PagerDutyTest(fwtest.TestCase):
    def setUp(self):
        super().setUp()
        self.pd = FakePagerDuty().start()
        self.env = {"PD_KEY": KEY}

    def tearDown(self):
        self.pd.stop()
        super().tearDown()

    def setup_chain(self, extra="", limits=""):
        self.write("fawkes.yaml",
                   "version: 1\nplugin_dirs: [%s, %s]\nstate: state.db\n"
                   "security: {egress_allow: [127.0.0.1]}\n"
                   "providers:\n  - {name: snap, plugin: snapshot, config: {paths: [snap.jsonl]}}\n"
                   "scanners:\n  - {name: flag, plugin: flag}\n"
                   "notifiers:\n  - {name: pager, plugin: pagerduty, config: "
                   "{routing_key: \"${env:PD_KEY}\", url: \"%s\"}%s%s}\n"
                   "chains:\n  - {name: nightly, providers: [snap], scanners: [flag], notify: [pager]}\n"
                   % (PLUGIN_DIR, TEST_PLUGIN_DIR, self.pd.url(), extra, limits))

    def resources(self, *items):
        self.write("snap.jsonl", "".join(json.dumps(r) + "\n" for r in items), dedent=False)

    def run_chain(self, code=0):
        res = self.fawkes("run", "-o", "json", "--fail-on", "none", env=self.env)
        self.assertExit(res, code)
        return res

    def test_trigger_then_resolve_with_the_fingerprint_as_dedup_key(self):
        self.setup_chain()
        self.resources(resource("web", "critical"), resource("db", "medium"), resource("x", "low"))
        first = self.run_chain()
        fingerprints = {f["resource"]["name"]: f["fingerprint"] for f in first.json()["findings"]}
        self.assertEqual(self.pd.problems, [])
        triggers = {e["payload"]["source"].rsplit(":", 1)[1]: e for e in self.pd.events}
        self.assertEqual(set(triggers), {"web", "db", "x"})
        web = triggers["web"]
        self.assertEqual(web["event_action"], "trigger")
        self.assertEqual(web["dedup_key"], fingerprints["web"])
        self.assertEqual(web["routing_key"], KEY)
        self.assertEqual(web["payload"]["severity"], "critical")
        self.assertEqual(triggers["db"]["payload"]["severity"], "warning")
        self.assertEqual(triggers["x"]["payload"]["severity"], "info")
        self.assertEqual(web["payload"]["summary"], "[critical] flagged resource: web (test.flag.x)")
        self.assertEqual(web["payload"]["class"], "test.flag.x")
        self.assertEqual(web["payload"]["custom_details"]["delta"], "new")
        # Second run: nothing changed, nothing sent (PagerDuty already has the alerts).
        self.run_chain()
        self.assertEqual(len(self.pd.events), 3)
        # Third run: web is fixed -> one resolve with the same dedup_key.
        self.resources(resource("db", "medium"), resource("x", "low"))
        self.run_chain()
        self.assertEqual(self.pd.problems, [])
        self.assertEqual(self.pd.events[3], {"routing_key": KEY, "event_action": "resolve",
                                             "dedup_key": fingerprints["web"]})
        self.assertEqual(self.pd.alerts, {fingerprints["web"]: "resolved",
                                          fingerprints["db"]: "triggered",
                                          fingerprints["x"]: "triggered"})

    def test_outage_is_retried_in_run_then_queued(self):
        self.setup_chain(limits=", limits: {retries: 1, backoff_base: 10ms}")
        self.resources(resource("web", "high"))
        self.pd.fail(1, 503)
        self.run_chain()  # the host retries the 503 once: delivered in this run
        self.assertEqual([e["event_action"] for e in self.pd.events], ["trigger"])
        self.resources(resource("web", "high"), resource("db", "high"))
        self.pd.fail(2, 503)
        res = self.run_chain(code=3)
        self.assertIn("POST %s -> HTTP 503: fake outage (after 2 attempts)" % self.pd.url(),
                      res.stderr)
        self.run_chain()
        self.assertEqual([e["payload"]["source"].rsplit(":", 1)[1] for e in self.pd.events],
                         ["web", "db"])
        self.assertEqual(self.pd.problems, [])

    def test_routing_key_is_a_secret(self):
        self.write("fawkes.yaml",
                   "version: 1\nplugin_dirs: [%s]\nnotifiers:\n  - {name: pager, plugin: "
                   "pagerduty, config: {routing_key: %s}}\n" % (PLUGIN_DIR, KEY))
        res = self.fawkes("config", "validate")
        self.assertExit(res, 2)
        self.assertIn("'routing_key' is a secret", res.stderr)
        self.assertNotIn(KEY, res.stderr)
        self.env["PD_KEY"] = "too-short"
        self.setup_chain()
        self.resources(resource("web", "high"))
        res = self.run_chain(code=3)
        self.assertIn("routing_key: expected the 32-character integration key", res.stderr)
        self.assertEqual(self.pd.events, [])


if __name__ == "__main__":
    fwtest.main()
