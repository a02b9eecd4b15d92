"""test_notify: notifier routing and the webhook plugin, through the real binary, against a
local receiver that answers like Slack, Mattermost or a generic JSON endpoint
(tests/fakes/webhook_receiver.py): exact payload shapes, dedup across runs, resolved once,
queued retry with no loss, min_severity / match / on / renotify_after, digest with top N,
per-notifier rate limit, templates, and secrets kept out of every payload."""
import json
import os
import sqlite3
import subprocess
import sys

import fwtest
from fwtest import PLUGIN_DIR, TEST_PLUGIN_DIR

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from webhook_receiver import WebhookReceiver  # noqa: E402

SECRET = "s3cr3t-hook-token-8472"


def resource(name, severity, rule="x", provider="aws", env="prod", **attributes):
    return {"uid": "%s:1:eu-west-2:compute.instance:%s" % (provider, name), "provider": provider,
            "account": "1", "region": "eu-west-2", "kind": "compute.instance", "id": name,
            "name": name, "labels": {"severity": severity, "rule": rule, "env": env},
            "attributes": attributes}


class NotifyTest(fwtest.TestCase):
    def setUp(self):
        super().setUp()
        self.hook = WebhookReceiver().start()
        self.state = os.path.join(self.tmp, "state.db")
        self.env = {"HOOK_TOKEN": SECRET}

    def tearDown(self):
        self.hook.stop()
        super().tearDown()

    def resources(self, *items):
        self.write("snap.jsonl", "".join(json.dumps(r) + "\n" for r in items), dedent=False)

    def config(self, notifiers):
        """`notifiers`: {name: (path, extra YAML flow keys)}; all in chain nightly."""
        lines = []
        for name, (path, extra) in notifiers.items():
            fmt = path.split("/")[1] if path.split("/")[1] in ("slack", "mattermost") else "generic"
            self.env["URL_" + name.upper()] = self.hook.url(path)
            lines.append("  - {name: %s, plugin: webhook, config: {url: \"${env:URL_%s}\", "
                         "format: %s, token: \"${env:HOOK_TOKEN}\"}%s}\n"
                         % (name, name.upper(), fmt, (", " + extra) if extra else ""))
        self.write("fawkes.yaml",
                   "version: 1\nplugin_dirs: [%s, %s]\nstate: %s\n"
                   "security: {egress_allow: [127.0.0.1]}\n"
                   "providers:\n  - {name: snap, plugin: snapshot, config: {paths: [snap.jsonl]}}\n"
                   "scanners:\n  - {name: flag, plugin: flag}\n"
                   "notifiers:\n%s"
                   "chains:\n  - {name: nightly, providers: [snap], scanners: [flag], notify: [%s]}\n"
                   % (PLUGIN_DIR, TEST_PLUGIN_DIR, self.state, "".join(lines),
                      ", ".join(notifiers)))

    def run_chain(self, code=0):
        res = self.fawkes("run", "-o", "json", "--fail-on", "none", env=self.env)
        self.assertExit(res, code)
        return res

    def queued(self):
        db = sqlite3.connect(self.state)
        try:
            return db.execute("SELECT count(*) FROM notify_queue").fetchone()[0]
        finally:
            db.close()

    def test_slack_payload_shape(self):
        self.resources(resource("web-fw", "high", remediation_hint="x"))
        self.config({"slack": ("/slack/T1/B1/x", "")})
        self.run_chain()
        self.assertEqual(self.hook.problems, [])
        [body] = self.hook.payloads("/slack/T1/B1/x")
        uid = "aws:1:eu-west-2:compute.instance:web-fw"
        self.assertEqual(body, {
            "text": "[high] new: flagged resource on web-fw (test.flag.x): flagged: web-fw",
            "attachments": [{
                "color": "#e8590c",
                "fallback": "[high] flagged resource: web-fw (%s)" % uid,
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn",
                                                 "text": "*flagged resource*\nflagged: web-fw"}},
                    {"type": "section", "fields": [
                        {"type": "mrkdwn", "text": "*Severity*\nhigh"},
                        {"type": "mrkdwn", "text": "*Change*\nnew"},
                        {"type": "mrkdwn", "text": "*Rule*\ntest.flag.x"},
                        {"type": "mrkdwn", "text": "*Resource*\nweb-fw (%s)" % uid}]},
                    {"type": "context", "elements": [
                        {"type": "mrkdwn", "text": "*Remediation:* Unflag it."}]}]}]})
        request = self.hook.requests("/slack/T1/B1/x")[0]
        self.assertEqual(request["headers"]["content-type"], "application/json")

    def test_mattermost_payload_shape_and_resolved_colour(self):
        self.resources(resource("db-1", "critical"))
        self.config({"mm": ("/mattermost/hooks/abc", "")})
        self.run_chain()
        self.resources()
        self.run_chain()
        self.assertEqual(self.hook.problems, [])
        new, resolved = self.hook.payloads("/mattermost/hooks/abc")
        uid = "aws:1:eu-west-2:compute.instance:db-1"
        self.assertEqual(new, {
            "text": "[critical] new: flagged resource on db-1 (test.flag.x): flagged: db-1",
            "attachments": [{
                "fallback": "[critical] flagged resource: db-1 (%s)" % uid,
                "color": "#b00020", "title": "flagged resource", "text": "flagged: db-1",
                "fields": [
                    {"short": True, "title": "Severity", "value": "critical"},
                    {"short": True, "title": "Change", "value": "new"},
                    {"short": True, "title": "Rule", "value": "test.flag.x"},
                    {"short": False, "title": "Resource", "value": "db-1 (%s)" % uid},
                    {"short": False, "title": "Remediation", "value": "Unflag it."}]}]})
        self.assertTrue(resolved["text"].startswith("[critical] resolved: "))
        self.assertEqual(resolved["attachments"][0]["color"], "#2eb67d")
        self.assertEqual(resolved["attachments"][0]["fields"][1]["value"], "resolved")

    def test_generic_payload_and_bearer_token(self):
        self.resources(resource("a", "low"))
        self.config({"gen": ("/generic/in", "")})
        self.run_chain()
        [body] = self.hook.payloads("/generic/in")
        self.assertEqual(body["source"], "fawkes")
        self.assertEqual(body["run"]["chain"], "nightly")
        self.assertFalse(body["digest"])
        self.assertEqual([f["delta"] for f in body["findings"]], ["new"])
        self.assertEqual(body["findings"][0]["resource"]["labels"]["env"], "prod")
        self.assertEqual(self.hook.requests("/generic/in")[0]["headers"]["authorization"],
                         "Bearer " + SECRET)

    def test_dedup_across_three_runs_sends_one_message_per_new_finding(self):
        self.config({"gen": ("/generic/in", "")})
        self.resources(resource("a", "high"), resource("b", "low"))
        self.run_chain()
        self.run_chain()
        self.resources(resource("a", "high"), resource("b", "low"), resource("c", "medium"))
        self.run_chain()
        bodies = self.hook.payloads("/generic/in")
        names = [b["findings"][0]["resource"]["name"] for b in bodies]
        self.assertEqual(sorted(names), ["a", "b", "c"])
        self.assertEqual(len(names), 3)
        # Resolved once, then quiet.
        self.resources(resource("b", "low"), resource("c", "medium"))
        self.run_chain()
        self.run_chain()
        bodies = self.hook.payloads("/generic/in")[3:]
        self.assertEqual([(b["findings"][0]["resource"]["name"], b["findings"][0]["delta"])
                          for b in bodies], [("a", "resolved")])

    def test_receiver_failing_twice_then_succeeding_loses_nothing(self):
        self.config({"gen": ("/generic/in", "digest: true")})
        self.resources(resource("a", "high"), resource("b", "low"))
        self.hook.fail("/generic/in", 2)
        first = self.run_chain(code=3)
        self.assertIn("POST [REDACTED] -> HTTP 500: down for a test", first.stderr)
        self.assertIn("queued and will be retried on the next run", first.stderr)
        self.assertEqual(first.json()["failures"][0]["operation"], "notify")
        self.assertEqual(self.queued(), 1)
        second = self.run_chain(code=3)
        self.assertIn("1 queued message is kept for the next run", second.stderr)
        self.assertEqual(self.queued(), 1)
        self.run_chain(code=0)
        self.assertEqual(self.queued(), 0)
        accepted = self.hook.payloads("/generic/in")
        self.assertEqual(len(accepted), 1)
        self.assertEqual(sorted(f["resource"]["name"] for f in accepted[0]["findings"]),
                         ["a", "b"])
        self.assertEqual(len(self.hook.requests("/generic/in")), 3)
        # Nothing is sent twice afterwards.
        self.run_chain(code=0)
        self.assertEqual(len(self.hook.requests("/generic/in")), 3)

    def test_receiver_down_keeps_messages_queued_in_order(self):
        self.config({"gen": ("/generic/in", "")})
        self.resources(resource("a", "high"), resource("b", "low"))
        live = self.env["URL_GEN"]
        gone = WebhookReceiver().start()
        self.env["URL_GEN"] = gone.url("/generic/in")
        gone.stop()  # nothing listens there any more: connection refused
        res = self.run_chain(code=3)
        self.assertIn("queued", res.stderr)
        self.assertEqual(self.queued(), 2)
        self.env["URL_GEN"] = live
        self.resources(resource("a", "high"), resource("b", "low"), resource("c", "low"))
        self.run_chain(code=0)
        names = [b["findings"][0]["resource"]["name"] for b in self.hook.payloads("/generic/in")]
        self.assertEqual(names, ["a", "b", "c"])  # the queue first, oldest first
        self.assertEqual(self.queued(), 0)

    def test_routing_min_severity_match_and_on(self):
        self.config({
            "high": ("/generic/high", "min_severity: high"),
            "db": ("/generic/db", "match: {rule: \"test.flag.db*\", labels: {env: [prod, stage]}}"),
            "gcp": ("/generic/gcp", "match: {provider: gcp, kind: compute.instance}"),
            "every": ("/generic/every", "on: [new, open]"),
            "quiet": ("/generic/quiet", "on: [resolved]"),
        })
        self.resources(resource("a", "high"), resource("b", "low", rule="db-public"),
                       resource("c", "critical", rule="db-open", env="dev"),
                       resource("g", "medium", provider="gcp"))
        self.run_chain()
        names = lambda path: sorted(b["findings"][0]["resource"]["name"]
                                    for b in self.hook.payloads(path))
        self.assertEqual(names("/generic/high"), ["a", "c"])
        self.assertEqual(names("/generic/db"), ["b"])
        self.assertEqual(names("/generic/gcp"), ["g"])
        self.assertEqual(names("/generic/every"), ["a", "b", "c", "g"])
        self.assertEqual(names("/generic/quiet"), [])
        self.run_chain()
        self.assertEqual(names("/generic/every"), ["a", "a", "b", "b", "c", "c", "g", "g"])
        self.assertEqual(names("/generic/high"), ["a", "c"])
        self.resources(resource("b", "low", rule="db-public"))
        self.run_chain()
        # "quiet" never heard of a: a resolved message about it would make no sense.
        self.assertEqual(names("/generic/quiet"), [])
        resolved = [b["findings"][0]["resource"]["name"] for b in self.hook.payloads("/generic/high")
                    if b["findings"][0]["delta"] == "resolved"]
        self.assertEqual(sorted(resolved), ["a", "c"])

    def age_sent(self, seconds):
        """Pretend every notification was sent `seconds` earlier than it was."""
        db = sqlite3.connect(self.state)
        with db:
            db.execute("UPDATE notify_sent SET at = at - ?", (seconds * 1000,))
        db.close()

    def test_renotify_after(self):
        self.config({"gen": ("/generic/in", "renotify_after: 1h")})
        self.resources(resource("a", "high"))
        self.run_chain()
        self.run_chain()
        self.assertEqual(len(self.hook.payloads("/generic/in")), 1)
        self.age_sent(3500)
        self.run_chain()
        self.assertEqual(len(self.hook.payloads("/generic/in")), 1)  # not an hour yet
        self.age_sent(200)
        self.run_chain()
        bodies = self.hook.payloads("/generic/in")
        self.assertEqual([b["findings"][0]["delta"] for b in bodies], ["new", "open"])
        self.run_chain()
        self.assertEqual(len(self.hook.payloads("/generic/in")), 2)

    def test_digest_lists_the_top_n(self):
        self.config({"dig": ("/slack/T/dig", "digest: true, digest_top: 2"),
                     "gen": ("/generic/dig", "digest: true, digest_top: 2")})
        self.resources(resource("a", "low"), resource("b", "critical"), resource("c", "medium"),
                       resource("d", "high"), resource("e", "info"))
        res = self.run_chain()
        self.assertEqual(self.hook.problems, [])
        [body] = self.hook.payloads("/slack/T/dig")
        lines = body["text"].split("\n")
        run_id = res.json()["run_id"]
        self.assertEqual(lines[0], "fawkes: 5 findings in chain nightly (run %s): 5 new" % run_id)
        self.assertTrue(lines[1].startswith("- [critical] new: flagged resource on b "), lines)
        self.assertTrue(lines[2].startswith("- [high] new: flagged resource on d "), lines)
        self.assertEqual(lines[3], "... and 3 more")
        self.assertEqual(len(body["attachments"]), 2)
        self.assertEqual(body["attachments"][0]["color"], "#b00020")
        # The generic payload carries the summary.
        [generic] = self.hook.payloads("/generic/dig")
        self.assertTrue(generic["digest"])
        self.assertEqual(generic["summary"], {
            "total": 5, "shown": 2,
            "by_severity": {"critical": 1, "high": 1, "medium": 1, "low": 1, "info": 1},
            "by_delta": {"new": 5, "open": 0, "resolved": 0}})
        self.assertEqual([f["resource"]["name"] for f in generic["findings"]], ["b", "d"])
        self.assertEqual(generic["text"], body["text"].replace("&lt;", "<").replace("&gt;", ">"))

    def test_rate_limit_defers_without_failing_and_holds_across_runs(self):
        self.config({"gen": ("/generic/in", "rate: 2/h")})
        self.resources(*[resource("r%d" % i, "high") for i in range(5)])
        res = self.run_chain(code=0)
        self.assertEqual(len(self.hook.payloads("/generic/in")), 2)
        self.assertEqual(self.queued(), 3)
        self.assertEqual(res.json()["stats"]["gen"]["messages_deferred"], 3)
        self.run_chain(code=0)
        self.assertEqual(len(self.hook.payloads("/generic/in")), 2)
        self.assertEqual(self.queued(), 3)

    def test_concurrent_runs_send_each_finding_once(self):
        self.config({"gen": ("/generic/in", "")})
        self.resources(*[resource("r%d" % i, "high") for i in range(5)])
        env = dict(os.environ, NO_COLOR="1", **self.env)
        procs = [subprocess.Popen([fwtest.FAWKES, "run", "--fail-on", "none", "-o", "json"],
                                  cwd=self.tmp, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
        for p in procs:
            _, stderr = p.communicate(timeout=240)
            self.assertEqual(p.returncode, 0, stderr)
        names = [b["findings"][0]["resource"]["name"] for b in self.hook.payloads("/generic/in")]
        self.assertEqual(sorted(names), ["r0", "r1", "r2", "r3", "r4"])

    def test_template(self):
        self.config({"gen": ("/generic/in",
                             "template: \"{{severity}}|{{resource.name}}|{{run.chain}}|"
                             "{{evidence.port}}|{{resource.labels.env}}|{{nope.x}}\"")})
        res = self.fawkes("config", "validate", env=self.env)
        self.assertExit(res, 2)
        self.assertIn("unknown field {{nope.x}}", res.stderr)
        self.config({"gen": ("/generic/in",
                             "template: \"{{severity}}|{{resource.name}}|{{run.chain}}|"
                             "{{evidence.port}}|{{resource.labels.env}}|{{compliance}}\"")})
        self.resources(resource("a", "high", port=22))
        self.run_chain()
        [body] = self.hook.payloads("/generic/in")
        self.assertEqual(body["text"], "high|a|nightly|22|prod|")

    def test_secret_in_evidence_never_reaches_a_payload_or_the_state(self):
        leak = "Authorization: Bearer " + SECRET
        self.config({"gen": ("/generic/in", ""), "slack": ("/slack/T/s", "digest: true"),
                     "mm": ("/mattermost/x", "template: \"{{evidence.note}} {{message}}\""),
                     "down": ("/generic/down", "")})
        self.hook.fail("/generic/down", 1)
        self.resources(resource("a", "critical", note=leak, rule=SECRET))
        res = self.run_chain(code=3)
        bodies = [r["body"] for r in self.hook.requests()]
        self.assertEqual(len(bodies), 4)
        for body in bodies:
            self.assertNotIn(SECRET, body)
        self.assertIn("[REDACTED]", "".join(bodies))
        self.assertNotIn(SECRET, res.stdout + res.stderr)
        for name in os.listdir(self.tmp):
            if name.startswith("state.db"):
                with open(os.path.join(self.tmp, name), "rb") as f:
                    self.assertNotIn(SECRET.encode(), f.read())

    def test_failing_webhook_never_shows_the_token_in_its_url(self):
        token = "xoxb-url-token-5531"  # Slack URLs carry their token: the url is a secret
        path = "/slack/T0001/B0001/" + token
        self.config({"slack": (path, "")})
        self.hook.fail(path, 1, status=404)
        self.resources(resource("a", "high"))
        res = self.run_chain(code=3)
        [failure] = res.json()["failures"]
        self.assertIn("POST [REDACTED] -> HTTP 404: down for a test (is the URL still valid?)",
                      failure["message"])
        self.assertIn("POST [REDACTED] -> HTTP 404", res.stderr)
        self.assertNotIn(token, failure["message"])
        self.assertNotIn(token, res.stdout)
        self.assertNotIn(token, res.stderr)
        for name in os.listdir(self.tmp):  # the queued message keeps the failure's reason
            if name.startswith("state.db"):
                with open(os.path.join(self.tmp, name), "rb") as f:
                    self.assertNotIn(token.encode(), f.read())

    def test_digest_on_a_plugin_that_cannot_is_a_config_error(self):
        self.resources(resource("a", "high"))
        self.write("fawkes.yaml",
                   "version: 1\nplugin_dirs: [%s, %s]\nstate: %s\n"
                   "providers:\n  - {name: snap, plugin: snapshot, config: {paths: [snap.jsonl]}}\n"
                   "notifiers:\n  - {name: rec, plugin: pagerduty, digest: true, config: "
                   "{routing_key: \"${env:HOOK_TOKEN}\"}}\n"
                   "chains:\n  - {name: nightly, providers: [snap], notify: [rec]}\n"
                   % (PLUGIN_DIR, TEST_PLUGIN_DIR, self.state))
        res = self.fawkes("run", env=self.env)
        self.assertExit(res, 2)
        self.assertIn("fawkes.yaml:7:44: notifiers[0].digest: plugin 'pagerduty' sends one "
                      "message per finding and cannot send digests", res.stderr)


if __name__ == "__main__":
    fwtest.main()
