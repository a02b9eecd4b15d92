"""test_isolation: `isolation: process` runs a provider's or scanner's plugin calls in child
processes, so a plugin that crashes, aborts or allocates without bound fails only its own
calls: the run goes on with the other instances (their output complete), exits 3, and names
the plugin, the instance, the task and the signal; no child is left running or unreaped."""
import ctypes
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

PR_SET_CHILD_SUBREAPER = 36
GOOD_COUNT = 50


def become_subreaper():
    """Children fawkes leaves behind (orphans) are re-parented to this process, not to init,
    so the tests can see them."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def sanitized_build():
    cache = os.path.join(fwtest.BUILD_DIR, "CMakeCache.txt")
    with open(cache, encoding="utf-8") as f:
        return "FAWKES_SANITIZE:BOOL=ON" in f.read()


def children_of(pid):
    """(pid, state) of each process whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="utf-8") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append((int(entry), fields[0]))
    return found


class IsolationTest(fwtest.TestCase):

    @classmethod
    def setUpClass(cls):
        become_subreaper()

    def assertNoLeftovers(self):
        """Every child fawkes started was reaped by fawkes: none was re-parented to us."""
        time.sleep(0.2)
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        self.assertEqual(pid, 0, "fawkes left a child behind (pid %d, status %d)" % (pid, status))

    def config(self, providers, scanners=None, chains=None):
        doc = {"version": 1, "providers": providers, "state": os.path.join(self.tmp, "state.db")}
        if scanners:
            doc["scanners"] = scanners
        if chains:
            doc["chains"] = chains
        return self.write("fawkes.yaml", json.dumps(doc))

    def good(self, **extra):
        entry = {"name": "good", "plugin": "iso_crashy",
                 "config": {"how": "none", "prefix": "good", "count": GOOD_COUNT}}
        entry.update(extra)
        return entry

    def inventory(self, path, *more):
        return self.fawkes("-c", path, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "inventory",
                           "-o", "jsonl", *more)

    def good_uids(self, result):
        return sorted(r["uid"] for r in result.jsonl() if r["provider"] == "good")

    def expect_isolated_failure(self, how, signal_text, **extra):
        bad = {"name": "bad", "plugin": "iso_crashy", "config": {"how": how, "prefix": "bad"}}
        bad.update(extra)
        result = self.inventory(self.config([bad, self.good()]))
        self.assertExit(result, 3)
        self.assertIn('provider "bad" (plugin iso_crashy): task "list" killed by %s in its '
                      'isolated process' % signal_text, result.stderr)
        self.assertIn("its resources from that task are incomplete", result.stderr)
        self.assertEqual(self.good_uids(result),
                         sorted("good:local:compute.instance:r%d" % i for i in range(GOOD_COUNT)))
        self.assertNoLeftovers()
        return result

    def test_segfault_in_run_task_fails_only_that_instance(self):
        self.expect_isolated_failure("segv", "signal 11 (SIGSEGV)")

    def test_abort_in_run_task_fails_only_that_instance(self):
        self.expect_isolated_failure("abort", "signal 6 (SIGABRT)")

    def test_unbounded_allocation_is_stopped_by_limits_memory(self):
        if sanitized_build():
            self.skipTest("a sanitizer build reserves terabytes of address space: RLIMIT_AS "
                          "cannot apply")
        result = self.expect_isolated_failure("alloc", "signal 11 (SIGSEGV)", limits={"memory": "128MiB"})
        self.assertIn("limits.memory is 128 MiB: it may have run out of memory", result.stderr)

    def test_crashing_scanner_fails_only_that_resource(self):
        self.expect_scanner_crash_on_r2({}, [], [])

    def test_scanner_crash_found_by_a_write_blames_the_resource_it_died_on(self):
        # sc's process sleeps on r0 while the host sends r1 to r3 without reading (nothing has
        # come yet), and an in-process scanner after sc sleeps on r4: meanwhile sc's process
        # answers r0 and r1 and dies on r2, and the host's next write finds it dead. r0 and
        # r1's answers, still in the pipe, are taken; r2 is blamed.
        self.expect_scanner_crash_on_r2(
            {"pause_uid": "good:local:compute.instance:r0", "pause_ms": 200},
            [{"name": "slow", "plugin": "iso_crashy_scan", "isolation": "none",
              "config": {"pause_uid": "good:local:compute.instance:r4", "pause_ms": 1000}}],
            range(5))

    def expect_scanner_crash_on_r2(self, sc_config, more_scanners, more_seen):
        crash_uid = "good:local:compute.instance:r2"
        scanners = [{"name": "sc", "plugin": "iso_crashy_scan",
                     "config": dict(sc_config, crash_uid=crash_uid)}] + more_scanners
        path = self.config([self.good(config={"how": "none", "prefix": "good", "count": 5})],
                           scanners=scanners,
                           chains=[{"name": "c", "providers": ["good"],
                                    "scanners": [s["name"] for s in scanners]}])
        result = self.fawkes("-c", path, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "run", "c",
                             "-o", "jsonl")
        self.assertExit(result, 3)
        self.assertIn('scanner "sc" (plugin iso_crashy_scan): scan_resource of "%s" killed by '
                      'signal 11 (SIGSEGV) in its isolated process' % crash_uid, result.stderr)
        seen = sorted(f["resource"]["uid"] for f in result.jsonl() if f.get("rule") == "crashy.seen")
        self.assertEqual(seen, sorted("good:local:compute.instance:r%d" % i
                                      for i in [0, 1, 3, 4] + list(more_seen)))
        self.assertNoLeftovers()

    def snapshot_config(self, isolation, data):
        path = os.path.join(self.tmp, "snap-%s.yaml" % isolation)
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "providers": [
                {"name": "snap", "plugin": "snapshot", "isolation": isolation,
                 "config": {"paths": [data], "chunk_size": "64KiB"}}]}, f)
        return path

    def test_isolated_output_equals_in_process_output(self):
        data = os.path.join(self.tmp, "estate.jsonl")
        with open(data, "w", encoding="utf-8") as f:
            subprocess.run([sys.executable, os.path.join(fwtest.SOURCE_DIR, "bench",
                                                         "gen_resources.py"), "3000"],
                           stdout=f, check=True)
        outputs = {}
        for isolation in ("none", "process"):
            result = self.fawkes("-c", self.snapshot_config(isolation, data), "--plugin-dir",
                                 fwtest.PLUGIN_DIR, "inventory", "-o", "jsonl")
            self.assertExit(result, 0)
            outputs[isolation] = sorted(result.stdout.splitlines())
        self.assertEqual(len(outputs["none"]), 3000)
        self.assertEqual(outputs["process"], outputs["none"])
        # counters come back from the child too
        for isolation in ("none", "process"):
            result = self.fawkes("-c", self.snapshot_config(isolation, data), "--plugin-dir",
                                 fwtest.PLUGIN_DIR, "inventory", "-o", "json")
            stats = result.json()["stats"]["snap"]
            self.assertEqual(stats["resources"], 3000, isolation)
            self.assertEqual(stats["records_read"], 3000, isolation)
        self.assertNoLeftovers()

    def test_isolated_resources_written_as_sent_are_still_redacted_and_filtered(self):
        # An isolated provider's resources are written as the child encoded them when all the
        # run does is write them: a secret only this process knows (another instance's
        # option), an escaped string, or --kind must still give what the in-process run gives.
        secret = "parent-only-T0ken-4d3c2b"
        lines = subprocess.run([sys.executable, os.path.join(fwtest.SOURCE_DIR, "bench",
                                                             "gen_resources.py"), "40"],
                               capture_output=True, text=True, check=True).stdout.splitlines()
        records = [json.loads(line) for line in lines]
        records[3]["name"] = "db-" + secret
        records[5]["labels"]["note"] = 'quote " back\\slash \u00e9t\u00e9 tab\t'
        records[7]["attributes"]["escaped_secret"] = "PLACEHOLDER"
        data = os.path.join(self.tmp, "secret-estate.jsonl")
        with open(data, "w", encoding="utf-8") as f:
            for i, record in enumerate(records):
                text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
                # the secret spelled with JSON escapes in the file: only a parser sees it
                text = text.replace("PLACEHOLDER", secret.replace("T0", r"\u0054\u0030"))
                f.write(text + "\n")
        kinds = sorted({r["kind"] for r in records})

        def config(isolation):
            path = os.path.join(self.tmp, "mixed-%s.yaml" % isolation)
            with open(path, "w", encoding="utf-8") as f:
                json.dump({"version": 1,
                           "plugin_dirs": [fwtest.TEST_PLUGIN_DIR, fwtest.PLUGIN_DIR],
                           "providers": [
                               {"name": "leak", "plugin": "leaky", "isolation": "none",
                                "config": {"token": "${env:LEAK_TOKEN}", "count": 1}},
                               {"name": "snap", "plugin": "snapshot", "isolation": isolation,
                                "config": {"paths": [data], "chunk_size": "64KiB"}}]}, f)
            return path

        def snap_items(isolation, fmt, *more):
            result = self.fawkes("-c", config(isolation), "inventory", "-o", fmt, *more,
                                 env={"LEAK_TOKEN": secret})
            self.assertIn(result.code, (0, 3), repr(result))  # leaky fails one call on purpose
            self.assertNotIn(secret, result.stdout, (isolation, fmt))
            if fmt == "jsonl":  # the lines as written, byte for byte
                return sorted(line for line in result.stdout.splitlines()
                              if json.loads(line)["provider"] != "test")
            return sorted(json.dumps(r, sort_keys=True) for r in result.json()["resources"]
                          if r["provider"] != "test")

        for fmt in ("jsonl", "json"):
            process = snap_items("process", fmt)
            self.assertEqual(len(process), 40)
            self.assertEqual(process, snap_items("none", fmt), fmt)
            parsed = [json.loads(item) for item in process]
            self.assertIn("db-[REDACTED]", [r["name"] for r in parsed])
            self.assertIn("[REDACTED]", [r["attributes"].get("escaped_secret") for r in parsed])
            self.assertIn('quote " back\\slash \u00e9t\u00e9 tab\t',
                          [r["labels"].get("note") for r in parsed])
        for kind in kinds[:2]:
            filtered = snap_items("process", "jsonl", "--kind", kind)
            self.assertEqual(filtered, snap_items("none", "jsonl", "--kind", kind))
            self.assertEqual(len(filtered), sum(1 for r in records if r["kind"] == kind))
        self.assertNoLeftovers()

    def test_isolated_scanner_finds_what_in_process_finds(self):
        data = os.path.join(self.tmp, "estate.jsonl")
        with open(data, "w", encoding="utf-8") as f:
            subprocess.run([sys.executable, os.path.join(fwtest.SOURCE_DIR, "bench",
                                                         "gen_resources.py"), "2000"],
                           stdout=f, check=True)
        findings = {}
        for isolation in ("none", "process"):
            path = os.path.join(self.tmp, "scan-%s.yaml" % isolation)
            with open(path, "w", encoding="utf-8") as f:
                json.dump({"version": 1, "state": os.path.join(self.tmp, isolation + ".db"),
                           "providers": [{"name": "snap", "plugin": "snapshot",
                                          "config": {"paths": [data]}}],
                           "scanners": [{"name": "mc", "plugin": "misconfig",
                                         "isolation": isolation}],
                           "chains": [{"name": "c", "providers": ["snap"],
                                       "scanners": ["mc"]}]}, f)
            result = self.fawkes("-c", path, "--plugin-dir", fwtest.PLUGIN_DIR, "run", "c",
                                 "-o", "jsonl", "--fail-on", "none")
            self.assertExit(result, 0)
            findings[isolation] = sorted(json.dumps(f, sort_keys=True) for f in result.jsonl())
        self.assertGreater(len(findings["none"]), 100)
        self.assertEqual(findings["process"], findings["none"])
        self.assertNoLeftovers()

    def test_default_is_process_outside_the_install_and_none_inside(self):
        # iso_crashy lives outside the install's plugin directories: isolated by default
        bad = {"name": "bad", "plugin": "iso_crashy", "config": {"how": "segv"}}
        result = self.inventory(self.config([bad, self.good()]))
        self.assertExit(result, 3)
        self.assertIn("in its isolated process", result.stderr)
        # snapshot is the install's own (build/plugins): in-process by default, where
        # limits.memory cannot apply
        path = self.write("own.yaml", "version: 1\n"
                                      "providers:\n"
                                      "  - name: snap\n"
                                      "    plugin: snapshot\n"
                                      "    config: {paths: [x.jsonl]}\n"
                                      "    limits: {memory: 256MiB}\n")
        result = self.fawkes("-c", path, "--plugin-dir", fwtest.PLUGIN_DIR, "inventory")
        self.assertExit(result, 2)
        self.assertIn("own.yaml:6:22: snap: limits.memory applies only to an instance with "
                      "isolation: process, and 'snapshot' runs in-process (an install's own "
                      "plugins run in-process by default)", result.stderr)
        self.assertNoLeftovers()

    def test_bad_isolation_value_is_a_config_error(self):
        path = self.write("fawkes.yaml", "version: 1\n"
                                         "providers:\n"
                                         "  - name: p\n"
                                         "    plugin: iso_crashy\n"
                                         "    isolation: sandbox\n")
        result = self.fawkes("-c", path, "--plugin-dir", fwtest.TEST_PLUGIN_DIR, "config",
                             "validate")
        self.assertExit(result, 2)
        self.assertIn("fawkes.yaml:5:16: providers[0].isolation: expected one of process, none, "
                      "got string \"sandbox\"", result.stderr)
        # only providers and scanners have it
        path = self.write("policy.yaml", "version: 1\n"
                                         "policies:\n"
                                         "  - {name: p, plugin: policy, isolation: process}\n")
        result = self.fawkes("-c", path, "config", "validate")
        self.assertExit(result, 2)
        self.assertIn("policies[0]: unknown key 'isolation'; allowed: name, plugin, config, limits",
                      result.stderr)

    def test_sigterm_stops_an_isolated_run_without_orphans(self):
        stuck = {"name": "stuck", "plugin": "iso_crashy", "config": {"how": "hang"}}
        bad = {"name": "bad", "plugin": "iso_crashy", "config": {"how": "segv", "prefix": "bad"}}
        path = self.config([stuck, bad, self.good()])
        proc = subprocess.Popen([fwtest.FAWKES, "-c", path, "--plugin-dir",
                                 fwtest.TEST_PLUGIN_DIR, "inventory", "-o", "json"], cwd=self.tmp,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # wait until only the hanging instance's process is left: the crashed one is reaped
        # at once (no zombie), the good one is idle
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            kids = children_of(proc.pid)
            if len(kids) == 2:
                break
            time.sleep(0.1)
        time.sleep(0.5)
        kids = children_of(proc.pid)
        self.assertEqual([state for _, state in kids if state == "Z"], [], kids)
        self.assertEqual(len(kids), 2, kids)
        sent_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 3, stderr)
        self.assertLess(time.monotonic() - sent_at, 10)  # the grace is 3 s, then SIGKILL
        out = json.loads(stdout)
        self.assertTrue(out["partial"])
        uids = [r["uid"] for r in out["resources"] if r["provider"] == "good"]
        self.assertEqual(len(uids), GOOD_COUNT)
        self.assertIn("stuck: run_task list: cancelled: its isolated process was stopped", stderr)
        self.assertNoLeftovers()


if __name__ == "__main__":
    fwtest.main()
