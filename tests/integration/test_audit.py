"""test_audit: the signed audit log through the real binary (docs/audit.md).

`fawkes audit keygen` makes the key; a config signs with it; `provision` against the fake
Civo API writes entries that name the actor, and its mutating request as `http.request`. An
attacker who knows the documented format (re-implemented here with Python's hashlib and
`cryptography`) rewrites the log: an edit with the chain and head recomputed, a dropped tail,
reordered lines, an entry re-signed with another key, an unsigned entry inserted; each is
found by `audit verify --public-key` with only the public key, at the right line. The same
forgery made with the real private key verifies, so the re-implementation is faithful and
each failure is the signature's doing. Notifications record their destination host and the
fingerprints they carried; the UDP forward carries each line as written; the private key is
never in any output or file but its own.
"""
import base64
import hashlib
import json
import os
import socket
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402
from fwtest import PLUGIN_DIR, TEST_PLUGIN_DIR  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_civo import FakeCivo, TOKEN  # noqa: E402
from webhook_receiver import WebhookReceiver  # noqa: E402

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

EXIT_OK, EXIT_TAMPERED, EXIT_USAGE = 0, 1, 2
ZERO = "0" * 64

CLOSE_OPEN_SSH = """
for fw in fawkes.inventory{provider = "civo-test", kind = "network.firewall"} do
  for _, rule in ipairs(fw.attributes.rules) do
    local open = false
    for _, cidr in ipairs(rule.cidrs) do open = open or cidr == "0.0.0.0/0" end
    if rule.direction == "ingress" and rule.ports == "22" and open then
      fawkes.action(fw, "delete_firewall_rule", {rule_id = rule.id})
    end
  end
end
"""

CLUSTER_SPEC = """\
name: web-k8s
region: LON1
nodes: 2
size: g4s.kube.small
version: 1.28.7-k3s1
"""


def dumps(entry):
    """The documented serialization: compact, sorted keys, ASCII."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def key_id(private_key):
    der = private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


def forge(log, entries, key=None, label=None):
    """Write `entries` as the log with seq/prev/hash and the head recomputed. With `key` (an
    Ed25519PrivateKey) sign each entry and the head, labelled `label` (default: the key's
    id); without, keep each entry's sig/key_id as they are and the head's last signature."""
    head_path = log + ".head"
    with open(head_path, encoding="utf-8") as f:
        old_head = json.load(f)
    prev, seq, lines = ZERO, 0, []
    for seq, entry in enumerate(entries, 1):
        entry = dict(entry, seq=seq, prev=prev)
        for field in ("hash",) + (("sig", "key_id") if key else ()):
            entry.pop(field, None)
        if key:
            entry["key_id"] = label or key_id(key)
        content = {k: v for k, v in entry.items() if k != "sig"}
        entry["hash"] = hashlib.sha256(dumps(content).encode()).hexdigest()
        if key:
            message = ("fawkes-audit-entry:v1:" + entry["hash"]).encode()
            entry["sig"] = base64.b64encode(key.sign(message)).decode()
        line = dumps(entry)
        lines.append(line + "\n")
        prev = hashlib.sha256(line.encode()).hexdigest()
    with open(log, "w", encoding="utf-8") as f:
        f.writelines(lines)
    head = {"seq": seq, "hash": prev}
    if key:
        head["key_id"] = label or key_id(key)
        message = ("fawkes-audit-head:v1:%d:%s" % (seq, prev)).encode()
        head["sig"] = base64.b64encode(key.sign(message)).decode()
    elif "sig" in old_head:
        head["key_id"], head["sig"] = old_head["key_id"], old_head["sig"]
    with open(head_path, "w", encoding="utf-8") as f:
        json.dump(head, f)


class AuditTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeCivo(per_region=10)
        self.fake.start()
        self.log = os.path.join(self.tmp, "audit.jsonl")
        self.key = os.path.join(self.tmp, "keys", "audit.pem")
        os.makedirs(os.path.dirname(self.key))
        self.outputs = []  # every stdout/stderr, checked for the private key

        keygen = self.cli("audit", "keygen", self.key, config=None)
        self.assertExit(keygen, EXIT_OK)
        self.assertIn("public key:  %s.pub" % self.key, keygen.stdout)
        with open(self.key, encoding="utf-8") as f:
            self.pem = f.read()
        self.private = serialization.load_pem_private_key(self.pem.encode(), password=None)
        self.assertIn("key id:      " + key_id(self.private), keygen.stdout)
        self.config = self.write_config("signed.yaml", signed=True)

    def tearDown(self):
        self.fake.stop()
        secret_lines = [l for l in self.pem.splitlines() if l and not l.startswith("-----")]
        files = [self.log, self.log + ".head"]
        texts = list(self.outputs)
        for path in files:
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    texts.append(f.read())
        for text in texts:
            for line in secret_lines:
                self.assertNotIn(line, text)
        super().tearDown()

    def write_config(self, name, signed, **security):
        config = {"version": 1,
                  "plugin_dirs": [PLUGIN_DIR],
                  "providers": [{"name": "civo-test", "plugin": "civo",
                                 "config": {"token": "${env:FAKE_CIVO_TOKEN}",
                                            "endpoint": self.fake.base_url}}],
                  "state": os.path.join(self.tmp, "state.db"),
                  "security": dict({"egress_allow": ["127.0.0.1"], "audit_log": self.log},
                                   **security)}
        if signed:
            config["security"]["audit_signing_key"] = "${file:keys/audit.pem}"
        return self.write(name, json.dumps(config, indent=2))

    def cli(self, *args, config="default", env=None):
        cfg = self.config if config == "default" else config
        result = self.fawkes(*((("-c", cfg) if cfg else ()) + args),
                             env=dict({"FAKE_CIVO_TOKEN": TOKEN}, **(env or {})))
        self.outputs += [result.stdout, result.stderr]
        return result

    def provision(self, *extra, config="default"):
        spec = self.write("spec.yaml", CLUSTER_SPEC)
        return self.cli("provision", "cluster", "create", "--provider", "civo-test", "--spec",
                        spec, *extra, config=config)

    def entries(self):
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    def verify(self, code):
        result = self.cli("audit", "verify", "--public-key", self.key + ".pub", "-o", "json",
                          self.log, config=None)
        self.assertExit(result, code)
        return result.json()

    def signed_log(self, n=5):
        for _ in range(n):
            self.assertExit(self.provision(), EXIT_OK)
        self.assertEqual(len(self.entries()), n)
        return self.entries()

    def assertFirstBad(self, report, line, words):
        self.assertFalse(report["ok"], report)
        self.assertEqual(report["first_bad_line"], line, report)
        self.assertIn(words, report["problems"][0]["problem"], report)

    def test_keygen_writes_a_private_key_only_its_owner_reads(self):
        self.assertEqual(stat.S_IMODE(os.stat(self.key).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(self.key + ".pub").st_mode), 0o644)
        self.assertTrue(self.pem.startswith("-----BEGIN PRIVATE KEY-----"))
        again = self.cli("audit", "keygen", self.key, config=None)
        self.assertExit(again, EXIT_USAGE)
        self.assertIn("refusing to overwrite a key", again.stderr)
        with open(self.key, encoding="utf-8") as f:
            self.assertEqual(f.read(), self.pem)

    def test_signed_entries_name_the_actor_and_the_request_sent(self):
        self.assertExit(self.provision(), EXIT_OK)
        self.assertExit(self.provision("--apply", "--log-level", "debug"), EXIT_OK)
        planned, request, executed = self.entries()
        self.assertEqual([planned["event"], request["event"], executed["event"]],
                         ["provision.planned", "http.request", "provision.executed"])
        for entry in (planned, request, executed):
            self.assertEqual(entry["actor"]["uid"], os.getuid())
            self.assertEqual(entry["actor"]["via"], "cli")
            self.assertIn("user", entry["actor"])
            self.assertEqual(entry["key_id"], key_id(self.private))
            self.assertEqual(len(base64.b64decode(entry["sig"])), 64)
        self.assertEqual((request["instance"], request["method"], request["url"],
                          request["status"], request["attempts"]),
                         ("civo-test", "POST", self.fake.base_url + "/v2/kubernetes/clusters",
                          200, 1))
        with open(self.log, encoding="utf-8") as f:
            self.assertNotIn(TOKEN, f.read())
        # the auditor's machine: only the public key, no config
        report = self.verify(EXIT_OK)
        self.assertEqual((report["ok"], report["signatures"], report["entries"]),
                         (True, "checked", 3))
        table = self.cli("audit", "verify", "--public-key", self.key + ".pub", self.log,
                         config=None)
        self.assertExit(table, EXIT_OK)
        self.assertIn("3 entries, chain intact; signatures checked with key %s"
                      % key_id(self.private), table.stdout)
        # the operator's machine: the config's own key checks the signatures
        self.assertIn("signatures checked", self.cli("audit", "verify").stdout)
        # no key at all: the chain holds, and the report says the signatures went unchecked
        unchecked = self.cli("audit", "verify", self.log, config=None)
        self.assertExit(unchecked, EXIT_OK)
        self.assertIn("signed, but the signatures were NOT checked", unchecked.stdout)

    def test_approved_steps_name_the_approver(self):
        play = self.write("close-open-ssh.lua", CLOSE_OPEN_SSH)
        dry = self.cli("playbook", "run", play, "-o", "json")
        self.assertExit(dry, EXIT_OK)
        token = dry.json()["token"]
        self.assertTrue(dry.json()["needs_approval"])  # delete_firewall_rule is high risk
        applied = self.cli("playbook", "run", play, "-o", "json", "--apply", "--approve", token)
        self.assertExit(applied, EXIT_OK)
        entries = self.entries()
        planned = [e for e in entries if e["event"] == "action.planned"]
        approved = [e for e in entries if e["event"] == "action.approved"]
        executed = [e for e in entries if e["event"] == "action.executed"]
        requests = [e for e in entries if e["event"] == "http.request"]
        self.assertGreater(len(approved), 0)
        self.assertEqual(len(approved), len(executed))
        self.assertEqual(len(requests), len(executed))  # one DELETE per rule
        for entry in approved + executed:
            self.assertEqual(entry["token"], token)
            self.assertEqual(entry["approver"], entry["actor"])
            self.assertEqual(entry["approver"]["uid"], os.getuid())
        for entry in planned:  # planning approves nothing
            self.assertNotIn("approver", entry)
        for entry in requests:
            self.assertEqual((entry["instance"], entry["method"], entry["status"]),
                             ("civo-test", "DELETE", 200))
            self.assertNotIn("?", entry["url"])  # the region query is cut off
        self.verify(EXIT_OK)

    def test_unsigned_log_says_so(self):
        plain = self.write_config("plain.yaml", signed=False)
        self.assertExit(self.provision(config=plain), EXIT_OK)
        result = self.cli("audit", "verify", config=plain)
        self.assertExit(result, EXIT_OK)
        self.assertIn("1 entries, chain intact; unsigned: only edits by someone unaware of the "
                      "format are detected", result.stdout)
        self.assertNotIn("sig", self.entries()[0])
        self.assertFirstBad(self.verify(EXIT_TAMPERED), 1, "unsigned entry in a signed log")

    def test_faithful_forgery_with_the_real_key_verifies(self):
        entries = self.signed_log(3)
        forge(self.log, entries, self.private)
        self.assertEqual(self.entries(), entries)  # byte-for-byte the same content
        self.verify(EXIT_OK)
        entries[1]["reason"] = "edited by the key holder"
        forge(self.log, entries, self.private)
        self.verify(EXIT_OK)

    def test_edit_with_recomputed_chain_is_detected(self):
        entries = self.signed_log()
        entries[2]["spec"]["nodes"] = 200
        forge(self.log, entries)
        self.assertExit(self.cli("audit", "verify", self.log, config=None), EXIT_OK)  # chain ok
        self.assertFirstBad(self.verify(EXIT_TAMPERED), 3, "signature does not verify")
        table = self.cli("audit", "verify", "--public-key", self.key + ".pub", self.log,
                         config=None)
        self.assertExit(table, EXIT_TAMPERED)
        self.assertIn("%s:3: the signature does not verify" % self.log, table.stdout)
        self.assertIn("%s: first bad line: 3" % self.log, table.stdout)

    def test_dropped_tail_is_detected(self):
        entries = self.signed_log()
        forge(self.log, entries[:-1])
        report = self.verify(EXIT_TAMPERED)
        self.assertFirstBad(report, 0, "the signature does not verify with key")
        self.assertEqual(report["entries"], 4)
        # the head rewritten without a signature: wrong even with no key at hand
        with open(self.log + ".head", encoding="utf-8") as f:
            head = json.load(f)
        with open(self.log + ".head", "w", encoding="utf-8") as f:
            json.dump({"seq": head["seq"], "hash": head["hash"]}, f)
        self.assertExit(self.cli("audit", "verify", self.log, config=None), EXIT_TAMPERED)
        self.assertFirstBad(self.verify(EXIT_TAMPERED), 0, "is not signed in a signed log")

    def test_reordered_lines_are_detected(self):
        entries = self.signed_log()
        entries[1], entries[3] = entries[3], entries[1]
        forge(self.log, entries)
        self.assertFirstBad(self.verify(EXIT_TAMPERED), 2, "signature does not verify")

    def test_entry_resigned_with_another_key_is_detected(self):
        entries = self.signed_log()
        other = Ed25519PrivateKey.generate()
        entries[0]["dry_run"] = False
        forge(self.log, entries, other)
        self.assertFirstBad(self.verify(EXIT_TAMPERED), 1, "signed with another key")
        # the other key's signatures labelled with the right key id
        forge(self.log, entries, other, label=key_id(self.private))
        report = self.verify(EXIT_TAMPERED)
        self.assertFirstBad(report, 1, "the signature does not verify with key")
        self.assertEqual(len(report["problems"]), 6)  # five entries and the head

    def test_inserted_unsigned_entry_is_detected(self):
        entries = self.signed_log()
        fake = {"event": "action.approved", "time": entries[1]["time"],
                "actor": entries[1]["actor"], "token": "x"}
        forge(self.log, entries[:2] + [fake] + entries[2:])
        self.assertFirstBad(self.verify(EXIT_TAMPERED), 3, "unsigned entry in a signed log")
        # appended by a fawkes whose config has no key: the next verify says so
        forge(self.log, entries)
        self.verify(EXIT_OK)
        plain = self.write_config("plain.yaml", signed=False)
        self.assertExit(self.provision(config=plain), EXIT_OK)
        self.assertFirstBad(self.verify(EXIT_TAMPERED), 6, "unsigned entry in a signed log")

    def test_notifications_record_destination_and_fingerprints(self):
        hook = WebhookReceiver().start()
        try:
            snap = self.write("snap.jsonl", "".join(json.dumps(
                {"uid": "aws:1:eu-west-2:compute.instance:%s" % n, "provider": "aws",
                 "account": "1", "region": "eu-west-2", "kind": "compute.instance", "id": n,
                 "name": n, "labels": {"severity": "high", "rule": "x"}, "attributes": {}})
                + "\n" for n in ("web-1", "web-2")), dedent=False)
            self.write("run.yaml", json.dumps({
                "version": 1, "plugin_dirs": [PLUGIN_DIR, TEST_PLUGIN_DIR],
                "state": os.path.join(self.tmp, "state.db"),
                "security": {"egress_allow": ["127.0.0.1"], "audit_log": self.log,
                             "audit_signing_key": "${file:keys/audit.pem}"},
                "providers": [{"name": "snap", "plugin": "snapshot",
                               "config": {"paths": [snap]}}],
                "scanners": [{"name": "flag", "plugin": "flag"}],
                "notifiers": [{"name": "hook", "plugin": "webhook",
                               "config": {"url": "${env:HOOK_URL}",
                                          "format": "generic"}}],
                "chains": [{"name": "nightly", "providers": ["snap"], "scanners": ["flag"],
                            "notify": ["hook"]}]}))
            result = self.cli("run", "-o", "json", "--fail-on", "none",
                              config=os.path.join(self.tmp, "run.yaml"),
                              env={"HOOK_URL": hook.url("/generic/in")})
            self.assertExit(result, EXIT_OK)
            fingerprints = sorted(f["fingerprint"] for f in result.json()["findings"])
            self.assertEqual(len(fingerprints), 2)
            sent = [e for e in self.entries() if e["event"] == "notify.sent"]
            self.assertEqual(len(sent), 2)  # one message per finding
            port = hook.url("/").split(":")[2].split("/")[0]
            for entry in sent:
                self.assertEqual(entry["destinations"], ["127.0.0.1:" + port])
                self.assertEqual((entry["instance"], entry["plugin"], entry["chain"]),
                                 ("hook", "webhook", "nightly"))
                self.assertEqual(entry["actor"]["uid"], os.getuid())
            self.assertEqual(sorted(fp for e in sent for fp in e["fingerprints"]), fingerprints)
            posts = [e for e in self.entries() if e["event"] == "http.request"]
            self.assertEqual([(e["instance"], e["method"], e["status"]) for e in posts],
                             [("hook", "POST", 200)] * 2)
            self.verify(EXIT_OK)
        finally:
            hook.stop()

    def test_each_entry_is_forwarded_as_written(self):
        collector = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        collector.bind(("127.0.0.1", 0))
        collector.settimeout(10)
        try:
            forwarded = self.write_config(
                "fwd.yaml", signed=True,
                audit_forward="udp://127.0.0.1:%d" % collector.getsockname()[1])
            self.assertExit(self.provision(config=forwarded), EXIT_OK)
            self.assertExit(self.provision("--apply", config=forwarded), EXIT_OK)
            with open(self.log, encoding="utf-8") as f:
                lines = [line.rstrip("\n") for line in f]
            got = [collector.recv(65536).decode() for _ in lines]
            for line, datagram in zip(lines, got):
                self.assertTrue(datagram.startswith("<86>1 "), datagram)
                self.assertIn(" fawkes-audit ", datagram)
                self.assertTrue(datagram.endswith(" audit - " + line), datagram)
        finally:
            collector.close()

    def test_syslog_forward_needs_a_syslog_daemon(self):
        forwarded = self.write_config("syslog.yaml", signed=True, audit_forward="syslog")
        result = self.provision(config=forwarded)
        if os.access("/dev/log", os.W_OK):
            self.assertExit(result, EXIT_OK)
        else:  # nothing would reach syslog: refused before anything is done
            self.assertExit(result, EXIT_USAGE)
            self.assertIn("security.audit_forward: syslog: cannot write to /dev/log",
                          result.stderr)
            self.assertFalse(os.path.exists(self.log))

    def test_key_errors(self):
        literal = self.write("literal.yaml", "version: 1\nsecurity:\n  audit_signing_key: |\n"
                             + "".join("    " + l + "\n" for l in self.pem.splitlines()))
        result = self.cli("config", "validate", config=literal)
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("security.audit_signing_key: expected \"${file:PATH}\"", result.stderr)
        wrong = self.write("wrong.yaml", "version: 1\nsecurity:\n  audit_signing_key: "
                           "\"${file:keys/audit.pem.pub}\"\n")
        result = self.cli("config", "validate", config=wrong)
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("security.audit_signing_key: not a PEM private key", result.stderr)
        result = self.cli("audit", "verify", "--public-key", os.path.join(self.tmp, "none.pub"),
                          self.log, config=None)
        self.assertExit(result, EXIT_USAGE)
        self.assertIn("none.pub: cannot read the public key", result.stderr)


if __name__ == "__main__":
    fwtest.main()
