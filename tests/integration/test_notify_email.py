"""test_notify_email: the email notifier and the host's mail service against a real SMTP server
(the smtp-server npm package, pinned in tests/fakes/package.json, run by
tests/fakes/smtp_receiver.js on 127.0.0.1): the digest arrives as one multipart e-mail that
Python's email parser reads, with AUTH; 4xx answers are retried; STARTTLS with a certificate
that cannot be verified, a refused host and bad credentials are failures that keep the
message queued; the password never appears anywhere."""
import email
import email.policy
import json
import os
import subprocess
import sys

import fwtest
from fwtest import PLUGIN_DIR, TEST_PLUGIN_DIR

FAKES = os.path.join(fwtest.SOURCE_DIR, "tests", "fakes")
PASSWORD = "smtp-pa55word-7731"


def resource(name, severity):
    return {"uid": "aws:1:eu-west-2:storage.bucket:%s" % name, "provider": "aws", "account": "1",
            "region": "eu-west-2", "kind": "storage.bucket", "id": name, "name": name,
            "labels": {"severity": severity}, "attributes": {"note": "café <b>"}}


class SmtpReceiver:
    """node smtp_receiver.js on an ephemeral port; `mails()` reads what it accepted."""

    def __init__(self, tmp, *args):
        if not os.path.isdir(os.path.join(FAKES, "node_modules", "smtp-server")):
            raise RuntimeError("tests/fakes/node_modules/smtp-server is missing: run "
                               "scripts/npm-deps.sh (scripts/setup.sh does)")
        self.log = os.path.join(tmp, "mails-%d.jsonl" % id(self))
        self.proc = subprocess.Popen(["node", os.path.join(FAKES, "smtp_receiver.js"),
                                      "--log", self.log] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())

    def url(self, scheme="smtp"):
        return "%s://127.0.0.1:%d" % (scheme, self.port)

    def mails(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


class EmailTest(fwtest.TestCase):
    def setUp(self):
        super().setUp()
        self.servers = []
        self.env = {"SMTP_PASSWORD": PASSWORD}

    def tearDown(self):
        for server in self.servers:
            server.stop()
        super().tearDown()

    def server(self, *args):
        server = SmtpReceiver(self.tmp, *args)
        self.servers.append(server)
        return server

    def setup_chain(self, url, extra="", allow="127.0.0.1"):
        self.write("snap.jsonl", "".join(json.dumps(r) + "\n" for r in [
            resource("logs", "critical"), resource("backups", "high"), resource("tmp", "low")]),
            dedent=False)
        self.write("fawkes.yaml",
                   "version: 1\nplugin_dirs: [%s, %s]\nstate: state.db\n"
                   "security: {egress_allow: [%s]}\n"
                   "providers:\n  - {name: snap, plugin: snapshot, config: {paths: [snap.jsonl]}}\n"
                   "scanners:\n  - {name: flag, plugin: flag}\n"
                   "notifiers:\n  - {name: mail, plugin: email, digest: true, digest_top: 2, "
                   "limits: {retries: 2, backoff_base: 10ms}, config: {url: \"%s\", "
                   "from: fawkes@example.com, to: [ops@example.com, sec@example.com], "
                   "username: fawkes, password: \"${env:SMTP_PASSWORD}\"%s}}\n"
                   "chains:\n  - {name: nightly, providers: [snap], scanners: [flag], notify: [mail]}\n"
                   % (PLUGIN_DIR, TEST_PLUGIN_DIR, allow, url, extra))

    def run_chain(self, code):
        res = self.fawkes("run", "-o", "json", "--fail-on", "none", env=self.env)
        self.assertExit(res, code)
        self.assertNotIn(PASSWORD, res.stdout + res.stderr)
        return res

    def test_digest_arrives_as_one_multipart_mail(self):
        smtp = self.server("--user", "fawkes", "--password", PASSWORD)
        self.setup_chain(smtp.url())
        res = self.run_chain(0)
        [mail] = smtp.mails()
        self.assertEqual(mail["from"], "fawkes@example.com")
        self.assertEqual(mail["to"], ["ops@example.com", "sec@example.com"])
        self.assertEqual(mail["user"], "fawkes")
        self.assertNotIn(PASSWORD, mail["raw"])
        msg = email.message_from_string(mail["raw"], policy=email.policy.default)
        run_id = res.json()["run_id"]
        self.assertEqual(msg["Subject"],
                         "[fawkes] 3 findings in chain nightly (run %s): 3 new" % run_id)
        self.assertEqual(msg["From"], "fawkes@example.com")
        self.assertEqual(msg["To"], "ops@example.com, sec@example.com")
        self.assertTrue(msg["Date"].datetime)
        self.assertRegex(msg["Message-ID"], r"^<[0-9a-f]{24}\.fawkes@example\.com>$")
        self.assertEqual(msg.get_content_type(), "multipart/alternative")
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        self.assertIn("- [critical] new: flagged resource on logs", text)
        self.assertIn("... and 1 more", text)
        self.assertIn("[high] new: flagged resource\n  rule:        test.flag.x\n"
                      "  resource:    backups (aws:1:eu-west-2:storage.bucket:backups)", text)
        self.assertNotIn("resource:    tmp", text)  # top 2 only
        self.assertIn("<b>flagged resource</b>", html)
        self.assertIn("border-left: 6px solid #b00020", html)
        self.assertEqual(res.json()["stats"]["mail"]["mails"], 1)
        # A second run sends nothing new.
        self.run_chain(0)
        self.assertEqual(len(smtp.mails()), 1)

    def test_transient_4xx_is_retried_within_the_run(self):
        smtp = self.server("--fail-first", "1", "--user", "fawkes", "--password", PASSWORD)
        self.setup_chain(smtp.url())
        res = self.run_chain(0)
        self.assertEqual(len(smtp.mails()), 1)
        self.assertEqual(res.json()["stats"]["mail"]["mail_retries"], 1)

    def test_unverifiable_starttls_is_refused_and_queued(self):
        smtp = self.server("--starttls", "--user", "fawkes", "--password", PASSWORD)
        self.setup_chain(smtp.url())
        res = self.run_chain(3)
        self.assertIn("the server's TLS certificate could not be verified", res.stderr)
        self.assertIn("queued and will be retried on the next run", res.stderr)
        self.assertEqual(smtp.mails(), [])

    def test_host_not_in_the_allowlist_is_refused(self):
        self.setup_chain("smtp://mail.example.org:587", allow="smtp.example.com")
        res = self.run_chain(3)
        self.assertIn("mail to mail.example.org refused: not in security.egress_allow", res.stderr)

    def test_bad_credentials_fail_and_the_mail_waits(self):
        smtp = self.server("--user", "fawkes", "--password", "another-password")
        self.setup_chain(smtp.url())
        res = self.run_chain(3)
        self.assertIn("check username and password", res.stderr)
        self.assertEqual(smtp.mails(), [])
        # Fixed credentials: the queued digest goes out on the next run.
        good = self.server("--user", "fawkes", "--password", PASSWORD)
        self.setup_chain(good.url())
        self.run_chain(0)
        [mail] = good.mails()
        msg = email.message_from_string(mail["raw"], policy=email.policy.default)
        self.assertIn("3 findings in chain nightly", msg["Subject"])

    def test_bad_addresses_are_refused(self):
        smtp = self.server()
        self.setup_chain(smtp.url())
        with open(os.path.join(self.tmp, "fawkes.yaml"), encoding="utf-8") as f:
            text = f.read()
        self.write("fawkes.yaml", text.replace("to: [ops@example.com, sec@example.com]",
                                               "to: [\"Ops <ops@example.com>\"]"))
        res = self.run_chain(3)
        self.assertIn("recipient 'Ops <ops@example.com>' is not a bare address", res.stderr)
        self.assertEqual(smtp.mails(), [])


if __name__ == "__main__":
    fwtest.main()
