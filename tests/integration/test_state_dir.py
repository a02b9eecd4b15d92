"""test_state_dir: without `state:` and `security.audit_log` in the config, the state file and
the playbooks' audit log go to $XDG_STATE_HOME/fawkes/ (else ~/.local/state/fawkes/), made
with mode 0700 when missing, never to the current directory; a path in the config wins."""
import json
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_http import FakeHTTP  # noqa: E402

RESOURCE = {"uid": "aws:1:eu-west-2:storage.bucket:logs", "provider": "aws", "account": "1",
            "region": "eu-west-2", "kind": "storage.bucket", "native_type": "s3:bucket",
            "id": "logs", "name": "logs", "state": "available", "labels": {},
            "created_at": None, "public": True, "encrypted": False, "monthly_cost": None,
            "attributes": {}}


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class StateDirTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.write("inventory.jsonl", json.dumps(RESOURCE) + "\n")
        self.work = os.path.join(self.tmp, "work")  # the current directory of the runs
        os.makedirs(self.work)

    def config(self, **extra):
        config = {"version": 1, "plugin_dirs": [fwtest.PLUGIN_DIR],
                  "providers": [{"name": "saved", "plugin": "snapshot",
                                 "config": {"paths": ["inventory.jsonl"]}}],
                  "scanners": [{"name": "base", "plugin": "misconfig"}],
                  "chains": [{"name": "nightly", "providers": ["saved"], "scanners": ["base"]}]}
        config.update(extra)
        return self.write("fawkes.yaml", json.dumps(config))

    def run_chain(self, env, config=None):
        result = self.fawkes("-c", config or self.config(), "run", "--fail-on", "none",
                             "-o", "json", cwd=self.work, env=env)
        self.assertExit(result, 0)
        return result

    def test_xdg_state_home(self):
        xdg = os.path.join(self.tmp, "xdg")  # missing: made, with fawkes/ in it
        self.run_chain({"XDG_STATE_HOME": xdg})
        state = os.path.join(xdg, "fawkes", "state.db")
        self.assertTrue(os.path.isfile(state))
        self.assertEqual(mode(os.path.join(xdg, "fawkes")), 0o700)
        self.assertEqual(mode(xdg), 0o700)
        self.assertEqual(os.listdir(self.work), [])
        # the history is kept there: a second run sees the first one's findings as open
        again = self.run_chain({"XDG_STATE_HOME": xdg})
        self.assertEqual({f["delta"] for f in again.json()["findings"]}, {"open"})

    def test_home_when_xdg_state_home_is_unset_or_relative(self):
        home = os.path.join(self.tmp, "home")
        os.makedirs(home)
        for xdg in ("", "relative/state"):  # the XDG spec: a relative path is ignored
            with self.subTest(xdg=xdg):
                self.run_chain({"XDG_STATE_HOME": xdg, "HOME": home})
                self.assertTrue(os.path.isfile(os.path.join(home, ".local", "state", "fawkes",
                                                            "state.db")))
                for made in (".local", ".local/state", ".local/state/fawkes"):
                    self.assertEqual(mode(os.path.join(home, made)), 0o700, made)
                self.assertEqual(os.listdir(self.work), [])

    def test_an_existing_directory_keeps_its_mode(self):
        xdg = os.path.join(self.tmp, "xdg")
        os.makedirs(os.path.join(xdg, "fawkes"), mode=0o755)
        os.chmod(os.path.join(xdg, "fawkes"), 0o755)
        self.run_chain({"XDG_STATE_HOME": xdg})
        self.assertEqual(mode(os.path.join(xdg, "fawkes")), 0o755)

    def test_the_config_wins(self):
        xdg = os.path.join(self.tmp, "xdg")
        config = self.config(state="kept/state.db")
        os.makedirs(os.path.join(self.tmp, "kept"))
        self.run_chain({"XDG_STATE_HOME": xdg}, config=config)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "kept", "state.db")))
        self.assertFalse(os.path.exists(os.path.join(xdg, "fawkes", "state.db")))

    def test_playbook_audit_log_and_audit_verify(self):
        fake = FakeHTTP(default={"status": 200, "body": {"ok": True}})
        fake.start()
        try:
            config = self.write("fawkes.yaml", json.dumps({
                "version": 1,
                "providers": [{"name": "fake", "plugin": "actions_fake",
                               "config": {"endpoint": fake.url(""), "token": "${env:FAKE_TOKEN}",
                                          "instances": 2, "firewalls": 0}}],
                "security": {"egress_allow": ["127.0.0.1"]}}))
            play = self.write("stop.lua", """
                for r in fawkes.inventory{kind = "compute.instance"} do
                  fawkes.action(r, "stop")
                end
                """)
            xdg = os.path.join(self.tmp, "xdg")
            env = {"XDG_STATE_HOME": xdg, "FAKE_TOKEN": "fake-token-123456"}
            result = self.fawkes("-c", config, "--plugin-dir", fwtest.TEST_PLUGIN_DIR,
                                 "playbook", "run", play, "-o", "json", cwd=self.work, env=env)
            self.assertExit(result, 0)
        finally:
            fake.stop()
        audit = os.path.join(xdg, "fawkes", "audit.jsonl")
        with open(audit, encoding="utf-8") as f:
            events = [json.loads(line)["event"] for line in f if line.strip()]
        self.assertEqual(events.count("action.planned"), 2, events)
        self.assertEqual(os.listdir(self.work), [])
        verify = self.fawkes("-c", config, "audit", "verify", cwd=self.work, env=env)
        self.assertExit(verify, 0)
        self.assertIn(audit, verify.stdout)


if __name__ == "__main__":
    fwtest.main()
