"""test_notify_scale: a few thousand findings through the notifiers, which read a chain's
findings back from the run history one at a time and decide and record them in batches
(host/notify.c): a digest counts all of them and lists the top N in the documented order
(severity desc, new before resolved before open, rule, fingerprint); a rate-limited
single-message notifier sends the first ones in that order and queues the rest in that order;
a second run sends nothing new."""
import json
import os
import sqlite3
import sys

import fwtest
from fwtest import PLUGIN_DIR, TEST_PLUGIN_DIR

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from webhook_receiver import WebhookReceiver  # noqa: E402

COUNT = 3000
SEVERITIES = ["info", "low", "medium", "high", "critical"]
RANK = {s: i for i, s in enumerate(SEVERITIES)}
DELTA_RANK = {"new": 2, "resolved": 1, "open": 0}
RULES = ["bucket", "db", "fw", "key", "vm", "x", "x0", "zone"]  # x before x0: by rule, then fingerprint


def critical(i):
    return i % 500 == 7  # 6 of the 3000, under different rules


def resource(i, severity=None, rule=None):
    """Resource i; severities and rules spread so that every order key matters."""
    severity = severity or ("critical" if critical(i) else SEVERITIES[(i * 7 + i // 13) % 4])
    rule = rule or RULES[(i + i // len(RULES)) % len(RULES)]
    name = "r%05d" % i
    return {"uid": "aws:1:eu-west-2:compute.instance:" + name, "provider": "aws",
            "account": "1", "region": "eu-west-2", "kind": "compute.instance", "id": name,
            "name": name, "labels": {"severity": severity, "rule": rule},
            "attributes": {"n": i}}


def order_key(finding):
    return (-RANK[finding["severity"]], -DELTA_RANK[finding["delta"]], finding["rule"],
            finding["fingerprint"])


class NotifyScaleTest(fwtest.TestCase):
    def setUp(self):
        super().setUp()
        self.hook = WebhookReceiver().start()
        self.state = os.path.join(self.tmp, "state.db")
        self.env = {}

    def tearDown(self):
        self.hook.stop()
        super().tearDown()

    def resources(self, items):
        self.write("snap.jsonl", "".join(json.dumps(r) + "\n" for r in items), dedent=False)

    def config(self, name, path, extra):
        self.env["HOOK_URL"] = self.hook.url(path)
        self.write("fawkes.yaml",
                   "version: 1\nplugin_dirs: [%s, %s]\nstate: %s\n"
                   "security: {egress_allow: [127.0.0.1]}\n"
                   "providers:\n  - {name: snap, plugin: snapshot, config: {paths: [snap.jsonl]}}\n"
                   "scanners:\n  - {name: flag, plugin: flag}\n"
                   "notifiers:\n  - {name: %s, plugin: webhook, config: {url: \"${env:HOOK_URL}\","
                   " format: generic}, %s}\n"
                   "chains:\n  - {name: nightly, providers: [snap], scanners: [flag], notify: [%s]}\n"
                   % (PLUGIN_DIR, TEST_PLUGIN_DIR, self.state, name, extra, name))

    def run_chain(self):
        res = self.fawkes("run", "-o", "json", "--fail-on", "none", env=self.env)
        self.assertExit(res, 0)
        return res.json()

    def db_rows(self, sql):
        db = sqlite3.connect(self.state)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def test_digest_counts_everything_and_lists_the_top_n_in_order(self):
        self.config("dig", "/generic/dig", "digest: true, digest_top: 7")
        items = [resource(i) for i in range(COUNT)]
        self.resources(items)
        first = self.run_chain()
        findings = first["findings"]
        self.assertEqual(len(findings), COUNT)
        [body] = self.hook.payloads("/generic/dig")
        self.assertTrue(body["digest"])
        by_severity = {s: sum(1 for f in findings if f["severity"] == s) for s in SEVERITIES}
        self.assertTrue(all(by_severity.values()), by_severity)
        self.assertEqual(body["summary"], {
            "total": COUNT, "shown": 7,
            "by_severity": {s: by_severity[s] for s in reversed(SEVERITIES)},
            "by_delta": {"new": COUNT, "open": 0, "resolved": 0}})
        top = sorted(findings, key=order_key)[:7]
        self.assertEqual([f["fingerprint"] for f in body["findings"]],
                         [f["fingerprint"] for f in top])
        # The 6 critical ones by rule, then the first high one.
        self.assertEqual([f["severity"] for f in body["findings"]], ["critical"] * 6 + ["high"])
        rules = [f["rule"] for f in body["findings"][:6]]
        self.assertEqual(rules, sorted(rules))
        self.assertGreater(len(set(rules)), 2)
        lines = body["text"].split("\n")
        self.assertEqual(lines[0], "fawkes: %d findings in chain nightly (run %s): %d new"
                         % (COUNT, first["run_id"], COUNT))
        self.assertEqual(lines[1:8], ["- [%s] new: flagged resource on %s (%s): flagged: %s"
                                      % (f["severity"], f["resource"]["name"], f["rule"],
                                         f["resource"]["name"]) for f in top])
        self.assertEqual(lines[8:], ["... and %d more" % (COUNT - 7)])
        self.assertEqual(self.db_rows("SELECT count(*) FROM notify_sent")[0][0], COUNT)

        # The same findings again: nothing new, no message.
        second = self.run_chain()
        self.assertEqual(second["delta"], {"new": 0, "open": COUNT, "resolved": 0})
        self.assertEqual(len(self.hook.payloads("/generic/dig")), 1)

        # 40 fixed (the 6 critical ones among them), 3 new critical: new before resolved at
        # equal severity.
        fixed = {i for i in range(COUNT) if critical(i)} | set(range(0, 170, 5))
        self.assertEqual(len(fixed), 40)
        items = [r for i, r in enumerate(items) if i not in fixed]
        items += [resource(COUNT + i, severity="critical", rule="zone") for i in range(3)]
        self.resources(items)
        third = self.run_chain()
        changed = [f for f in third["findings"] if f["delta"] in ("new", "resolved")]
        self.assertEqual(sorted(f["delta"] for f in changed), ["new"] * 3 + ["resolved"] * 40)
        _, body = self.hook.payloads("/generic/dig")
        self.assertEqual(body["summary"]["total"], 43)
        self.assertEqual(body["summary"]["by_delta"], {"new": 3, "open": 0, "resolved": 40})
        top = sorted(changed, key=order_key)[:7]
        self.assertEqual([f["delta"] for f in top], ["new"] * 3 + ["resolved"] * 4)
        self.assertEqual([(f["fingerprint"], f["delta"]) for f in body["findings"]],
                         [(f["fingerprint"], f["delta"]) for f in top])
        self.assertTrue(body["text"].startswith(
            "fawkes: 43 findings in chain nightly (run %s): 3 new, 40 resolved\n"
            % third["run_id"]))
        self.assertTrue(body["text"].endswith("\n... and 36 more"))

        # And quiet again.
        self.run_chain()
        self.assertEqual(len(self.hook.payloads("/generic/dig")), 2)

    def test_rate_limited_single_messages_go_in_order_and_the_rest_queue_in_order(self):
        self.config("one", "/generic/one", "rate: 50/h")
        self.resources([resource(i) for i in range(COUNT)])
        first = self.run_chain()
        expected = [f["fingerprint"] for f in sorted(first["findings"], key=order_key)]
        self.assertEqual(len(expected), COUNT)
        sent = self.hook.payloads("/generic/one")
        self.assertEqual([len(b["findings"]) for b in sent], [1] * 50)
        self.assertEqual([b["findings"][0]["fingerprint"] for b in sent], expected[:50])
        self.assertFalse(any(b["digest"] for b in sent))
        self.assertEqual(first["stats"]["one"]["messages_sent"], 50)
        self.assertEqual(first["stats"]["one"]["messages_deferred"], COUNT - 50)
        queued = [json.loads(m)["findings"][0]["fingerprint"]
                  for (m,) in self.db_rows("SELECT message FROM notify_queue ORDER BY id")]
        self.assertEqual(queued, expected[50:])
        self.assertEqual(self.db_rows("SELECT count(*), count(DISTINCT fingerprint) FROM "
                                      "notify_sent WHERE event = 'new'")[0], (COUNT, COUNT))

        # A second run: the queue waits for the rate, and nothing new is chosen or queued.
        second = self.run_chain()
        self.assertEqual(len(self.hook.payloads("/generic/one")), 50)
        self.assertEqual(second["stats"]["one"].get("messages_deferred", 0), 0)
        self.assertEqual(self.db_rows("SELECT count(*) FROM notify_queue")[0][0], COUNT - 50)

        # 40 fixed, 3 new critical: queued behind the others, in order (new before resolved).
        fixed = {i for i in range(COUNT) if critical(i)} | set(range(0, 170, 5))
        self.resources([resource(i) for i in range(COUNT) if i not in fixed] +
                       [resource(COUNT + i, severity="critical", rule="zone") for i in range(3)])
        third = self.run_chain()
        changed = sorted((f for f in third["findings"] if f["delta"] in ("new", "resolved")),
                         key=order_key)
        self.assertEqual(len(changed), 43)
        self.assertEqual([f["delta"] for f in changed[:9]], ["new"] * 3 + ["resolved"] * 6)
        queued = [json.loads(m)["findings"][0]
                  for (m,) in self.db_rows("SELECT message FROM notify_queue ORDER BY id")]
        self.assertEqual(len(queued), COUNT - 50 + 43)
        self.assertEqual([(f["fingerprint"], f["delta"]) for f in queued[COUNT - 50:]],
                         [(f["fingerprint"], f["delta"]) for f in changed])
        self.assertEqual(len(self.hook.payloads("/generic/one")), 50)


if __name__ == "__main__":
    fwtest.main()
