"""test_serve_alerts: a real Alertmanager (Debian's prometheus-alertmanager, started here on
127.0.0.1, its webhook receiver pointing at `fawkes serve` with bearer credentials) delivers an
alert posted to its API; the mapped playbook runs with the alert's labels as vars, visible in
/api/v1/runs; its high-risk step waits for approval (the token goes to the rule's notifier)
and is applied after POST /api/v1/approvals: exactly one mutation at the Civo fake. Duplicate
alerts start no second run; resolved alerts are recorded."""
import json
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402
import serveutil  # noqa: E402
from serveutil import TOKEN  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_civo import FakeCivo, TOKEN as CIVO_TOKEN  # noqa: E402
from webhook_receiver import WebhookReceiver  # noqa: E402

CLOSE_SSH = """
meta = { description = "Remove the firewall's ingress rules that open SSH to everyone" }
for fw in fawkes.inventory{provider = "civo-test", kind = "network.firewall"} do
  if fw.id == fawkes.args.firewall then
    for _, rule in ipairs(fw.attributes.rules) do
      local open = false
      for _, cidr in ipairs(rule.cidrs) do open = open or cidr == "0.0.0.0/0" end
      if rule.direction == "ingress" and rule.ports == "22" and open then
        fawkes.action(fw, "delete_firewall_rule", {rule_id = rule.id})
      end
    end
  end
end
"""

TAG_VM = """
for vm in fawkes.inventory{provider = "civo-test", kind = "compute.instance"} do
  if vm.id == fawkes.args.instance then
    fawkes.action(vm, "add_tag", {tag = "alerted=fawkes"})
  end
end
"""


def open_ssh_firewall(fake):
    """(region, firewall id) of a firewall with exactly one ingress rule opening port 22."""
    for region, kinds in sorted(fake.dataset().items()):
        for fw in kinds.get("network.firewall", []):
            found = []
            for rule in fake.rules(fw["id"]):
                cidrs = rule["cidr"] if isinstance(rule["cidr"], list) else [rule["cidr"]]
                if (rule["direction"] == "ingress" and rule["start_port"] == "22"
                        and rule["end_port"] == "22" and "0.0.0.0/0" in cidrs):
                    found.append(rule)
            if len(found) == 1:
                return region, fw["id"]
    raise AssertionError("the fake's data set has no firewall with one open SSH rule")


class AlertmanagerTest(fwtest.TestCase):
    ISOLATION = "none"  # the civo provider's isolation

    def setUp(self):
        super().setUp()
        self.alertmanager = serveutil.need_tool(self, "prometheus-alertmanager",
                                                "prometheus-alertmanager")
        self.fake = FakeCivo(per_region=20)
        self.fake.start()
        self.hook = WebhookReceiver()
        self.hook.start()
        self.port = serveutil.free_port()
        self.am_port = serveutil.free_port()
        self.region, self.firewall = open_ssh_firewall(self.fake)
        self.write("close-ssh.lua", CLOSE_SSH)
        self.write("tag-vm.lua", TAG_VM)
        config = {
            "version": 1,
            "plugin_dirs": [fwtest.PLUGIN_DIR],
            "providers": [{"name": "civo-test", "plugin": "civo", "isolation": self.ISOLATION,
                           "config": {"token": "${env:FAKE_CIVO_TOKEN}",
                                      "endpoint": self.fake.base_url}}],
            "notifiers": [{"name": "team", "plugin": "webhook",
                           "config": {"url": "${env:HOOK_URL}"}}],
            "security": {"egress_allow": ["127.0.0.1"],
                         "audit_log": os.path.join(self.tmp, "audit.jsonl")},
            "state": os.path.join(self.tmp, "state.db"),
            "server": {"listen": "127.0.0.1:%d" % self.port, "token": "${env:SERVE_TOKEN}"},
            "alerts": [{"match": {"alertname": "OpenSSH", "severity": "critical"},
                        "playbook": "close-ssh.lua",
                        "vars": {"firewall": "{{ labels.firewall }}",
                                 "why": "{{ annotations.summary }}"},
                        "notify": ["team"], "cooldown": "10m"},
                       {"match": {"alertname": "VMStopped"}, "playbook": "tag-vm.lua",
                        "vars": {"instance": "{{ labels.instance }}"}, "apply": True}],
        }
        self.config = self.write("fawkes.yaml", json.dumps(config, indent=2))
        self.server = serveutil.Server(self.config, self.tmp, self.port,
                                       env={"FAKE_CIVO_TOKEN": CIVO_TOKEN,
                                            "HOOK_URL": self.hook.url("/team")})
        self.am = self.start_alertmanager()

    def tearDown(self):
        if self.am:
            self.am.terminate()
            self.am.wait(timeout=30)
            self.am_log.close()
        if self.server:
            self.server.stop()
        self.hook.stop()
        self.fake.stop()
        super().tearDown()

    def start_alertmanager(self):
        am_config = self.write("alertmanager.yml", """
            route:
              receiver: fawkes
              group_by: [alertname, firewall]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: fawkes
                webhook_configs:
                  - url: http://127.0.0.1:%d/alertmanager
                    send_resolved: true
                    http_config:
                      authorization: { type: Bearer, credentials: %s }
            """ % (self.port, TOKEN))
        self.am_log = open(os.path.join(self.tmp, "alertmanager.log"), "w", encoding="utf-8")
        proc = subprocess.Popen(
            [self.alertmanager, "--config.file=" + am_config,
             "--storage.path=" + os.path.join(self.tmp, "am-data"),
             "--web.listen-address=127.0.0.1:%d" % self.am_port,
             "--cluster.listen-address="], stdout=self.am_log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.am_port,
                                            timeout=2) as r:
                    if r.status == 200:
                        return proc
            except OSError:
                time.sleep(0.2)
        proc.kill()
        raise AssertionError("alertmanager did not become ready")

    def post_alert(self, ends_at=None):
        alert = {"labels": {"alertname": "OpenSSH", "severity": "critical",
                            "firewall": self.firewall, "region": self.region},
                 "annotations": {"summary": "SSH open to the world"}}
        if ends_at:
            alert["endsAt"] = ends_at
        req = urllib.request.Request("http://127.0.0.1:%d/api/v2/alerts" % self.am_port,
                                     data=json.dumps([alert]).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.status, 200)

    def test_alert_plans_waits_for_approval_then_applies_exactly_once(self):
        srv = self.server
        self.post_alert()
        runs = srv.wait_runs(lambda rs: any(r["status"] == "waiting_approval" for r in rs),
                             timeout=60, what="the alert's playbook waiting for approval")
        waiting = [r for r in runs if r["status"] == "waiting_approval"]
        self.assertEqual(len(waiting), 1, runs)
        run = waiting[0]
        self.assertEqual(run["trigger"], "alert")
        self.assertTrue(run["playbook"].endswith("close-ssh.lua"))
        self.assertEqual(run["vars"], {"firewall": self.firewall,
                                       "why": "SSH open to the world"})
        token = run["plan_token"]
        self.assertRegex(token, "^[0-9a-f]{64}$")
        self.assertEqual(run["summary"]["status"], "planned")
        self.assertEqual(len(run["summary"]["plan"]), 1)
        self.assertEqual(self.fake.counts()["mutating"], 0)
        # the plan and its token went to the rule's notifier
        deadline = time.time() + 10
        while time.time() < deadline and not self.hook.payloads("/team"):
            time.sleep(0.1)
        sent = self.hook.payloads("/team")
        self.assertEqual(len(sent), 1)
        self.assertIn(token, json.dumps(sent[0]))
        # Alertmanager repeats the group: no second run while the first waits
        self.post_alert()
        code, text, _ = srv.post("/alertmanager", {
            "version": "4", "status": "firing", "receiver": "fawkes", "groupLabels": {},
            "commonLabels": {}, "commonAnnotations": {}, "externalURL": "", "groupKey": "x",
            "alerts": [{"status": "firing", "fingerprint": "",
                        "labels": {"alertname": "OpenSSH", "severity": "critical",
                                   "firewall": self.firewall, "region": self.region},
                        "annotations": {}, "startsAt": "2026-01-01T00:00:00Z"}]})
        self.assertEqual(code, 200, text)
        time.sleep(2.5)
        self.assertEqual(len([r for r in srv.runs() if r["trigger"] == "alert"
                              and r["status"] != "resolved"]), 1)
        # a wrong token applies nothing
        code, text, _ = srv.post("/api/v1/approvals", {"token": "0" * 64})
        self.assertEqual(code, 404, text)
        # `fawkes approve TOKEN` posts it to /api/v1/approvals and follows the run
        approve = fwtest.run(["-c", self.config, "approve", token, "-o", "json"], cwd=self.tmp,
                             env={"SERVE_TOKEN": TOKEN, "FAKE_CIVO_TOKEN": CIVO_TOKEN,
                                  "HOOK_URL": self.hook.url("/team")})
        self.assertExit(approve, 0)
        applied = approve.json()
        self.assertIn(applied["id"], [r["id"] for r in srv.runs()])
        self.assertEqual(applied["status"], "applied", applied)
        self.assertEqual(applied["trigger"], "api")
        self.assertEqual(applied["plan_token"], token)
        mutations = self.fake.mutating()
        self.assertEqual(len(mutations), 1, mutations)
        self.assertEqual(mutations[0]["method"], "DELETE")
        self.assertIn("/v2/firewalls/%s/rules/" % self.firewall, mutations[0]["path"])
        # the token applies once
        code, text, _ = srv.post("/api/v1/approvals", {"token": token})
        self.assertEqual(code, 404, text)
        again = fwtest.run(["-c", self.config, "approve", token], cwd=self.tmp,
                           env={"SERVE_TOKEN": TOKEN, "FAKE_CIVO_TOKEN": CIVO_TOKEN,
                                "HOOK_URL": self.hook.url("/team")})
        self.assertExit(again, 2)
        self.assertIn("the server refused the approval (HTTP 404): no plan waits", again.stderr)
        self.assertEqual(len(self.fake.mutating()), 1)
        code, metrics, _ = srv.get("/metrics", token=None)
        self.assertIn('fawkes_playbook_actions_total{playbook="close-ssh.lua",outcome="executed"} 1',
                      metrics)
        self.assertIn('fawkes_notifications_total{notifier="team",outcome="sent"} 1', metrics)
        self.assertIn('fawkes_alerts_total{outcome="duplicate"}', metrics)
        # resolved: recorded, nothing run
        self.post_alert(ends_at="2020-01-01T00:00:00Z")
        srv.wait_runs(lambda rs: any(r["status"] == "resolved" for r in rs), timeout=30,
                      what="the resolved alert")
        self.assertEqual(len(self.fake.mutating()), 1)
        with open(os.path.join(self.tmp, "audit.jsonl"), encoding="utf-8") as f:
            audit = f.read()
        self.assertIn('"event":"action.executed"', audit)
        executed = [json.loads(line) for line in audit.splitlines()
                    if '"event":"action.executed"' in line]
        self.assertEqual(len(executed), 1)
        self.assertEqual(executed[0]["actor"].get("via"), "api", executed[0])
        self.assertEqual(executed[0]["actor"].get("token"), "server.token", executed[0])
        # the DELETE the plugin sent names the same actor, in-process or from its own process
        deletes = [json.loads(line) for line in audit.splitlines()
                   if '"event":"http.request"' in line and '"method":"DELETE"' in line]
        self.assertEqual(len(deletes), 1, audit)
        self.assertEqual(deletes[0]["actor"].get("via"), "api", deletes[0])
        self.assertEqual(deletes[0]["actor"].get("token"), "server.token", deletes[0])
        verify = fwtest.run(["-c", self.config, "audit", "verify"], cwd=self.tmp,
                            env={"SERVE_TOKEN": TOKEN, "FAKE_CIVO_TOKEN": CIVO_TOKEN,
                                 "HOOK_URL": self.hook.url("/team")})
        self.assertExit(verify, 0)
        self.assertNotIn(CIVO_TOKEN, audit)
        self.assertEqual(self.server.stop(), 0)
        log = self.server.log()
        self.server = None
        self.assertNotIn(TOKEN, log)
        self.assertNotIn(CIVO_TOKEN, log)


    def test_apply_true_applies_low_risk_steps_at_once(self):
        srv = self.server
        vm = self.fake.dataset()[self.region]["compute.instance"][0]["id"]
        payload = {"version": "4", "status": "firing", "receiver": "fawkes", "groupKey": "k",
                   "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                   "externalURL": "",
                   "alerts": [{"status": "firing", "labels": {"alertname": "VMStopped",
                                                              "instance": vm},
                               "annotations": {}, "fingerprint": "f1",
                               "startsAt": "2026-01-01T00:00:00Z"},
                              {"status": "firing", "labels": {"alertname": "Unrelated"},
                               "annotations": {}, "startsAt": "2026-01-01T00:00:00Z"}]}
        code, text, _ = srv.post("/alertmanager", payload)
        self.assertEqual(code, 200, text)
        reply = json.loads(text)
        self.assertEqual((reply["started"], reply["unmatched"]), (1, 1))
        runs = srv.wait_runs(lambda rs: any(r["id"] == reply["runs"][0] and
                                            r["status"] != "running" for r in rs),
                             timeout=60, what="the applied run")
        run = [r for r in runs if r["id"] == reply["runs"][0]][0]
        self.assertEqual(run["status"], "applied", run)
        self.assertEqual(run["vars"], {"instance": vm})
        self.assertRegex(run["plan_token"], "^[0-9a-f]{64}$")  # the plan that was applied
        mutations = self.fake.mutating()
        self.assertEqual([(m["method"], m["path"]) for m in mutations],
                         [("PUT", "/v2/instances/%s/tags" % vm)])
        # the same alert again within the cooldown: a duplicate, nothing sent
        code, text, _ = srv.post("/alertmanager", payload)
        self.assertEqual(json.loads(text)["duplicate"], 1)
        time.sleep(1)
        self.assertEqual(len(self.fake.mutating()), 1)


class AlertmanagerIsolatedTest(AlertmanagerTest):
    """The same with the civo provider in its own processes: the approval's DELETE is sent
    from a child, whose audit entry must still name the API token that acted."""
    ISOLATION = "process"
    test_apply_true_applies_low_risk_steps_at_once = None


if __name__ == "__main__":
    fwtest.main()
