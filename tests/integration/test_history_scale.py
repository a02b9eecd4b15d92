"""test_history_scale: the run history at the scale users have. SLOW (minutes; CTest label
`slow`, `ctest -LE slow` leaves it out) because both checks need runs of tens of thousands of
resources to mean anything:

- crash safety: a `fawkes run` of 50,000 generated resources (bench/gen_resources.py, the
  misconfig scanner and the shipped policies/) killed with SIGKILL after about 1 s and at
  several later points leaves a state file that passes `PRAGMA integrity_check`, holding
  either nothing of the killed run or all of it; the next run's deltas are exactly those
  against the last complete run (a run of the same data on a copy of the state file taken
  before the killed run, with or without the killed run's data recorded completely);
- memory: the peak RSS of `fawkes run -o jsonl` over 200,000 resources is within a fixed
  margin of the one over 20,000 (the history keeps 16-byte keys of fail findings in memory,
  and their JSON in compressed pages on disk). Each peak is measured in a fresh Python
  process that runs only that command (RUSAGE_CHILDREN.ru_maxrss of one child)."""
import collections
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import fwtest

GEN = os.path.join(fwtest.SOURCE_DIR, "bench", "gen_resources.py")
POLICIES = os.path.join(fwtest.SOURCE_DIR, "policies")
ENV = {"FAWKES_NOW": "2026-11-23T12:00:00Z"}
MEMORY_MARGIN_MIB = 48


def generate(n, path, seed=None):
    args = [sys.executable, GEN, str(n)] + (["--seed", str(seed)] if seed is not None else [])
    with open(path, "w", encoding="utf-8") as out:
        subprocess.run(args, stdout=out, check=True)


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.readlines()


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)


def deltas(stdout):
    """What a run's JSON Lines output says of each finding: (fingerprint, status, delta) of
    the fail, error and resolved ones, and the pass findings' deltas counted."""
    findings, passes = set(), collections.Counter()
    for line in stdout.splitlines():
        f = json.loads(line)
        if f["status"] == "pass" and f["delta"] != "resolved":
            passes[f["delta"]] += 1
        else:
            findings.add((f["fingerprint"], f["status"], f["delta"]))
    return findings, passes


class HistoryScaleTest(fwtest.TestCase):
    def setUp(self):
        super().setUp()
        self.state = os.path.join(self.tmp, "state.db")

    def config(self, snapshot):
        self.write("fawkes.yaml",
                   "version: 1\nplugin_dirs: [%s]\nstate: %s\n"
                   "providers:\n  - {name: estate, plugin: snapshot, config: {paths: [%s]}}\n"
                   "scanners:\n  - {name: baseline, plugin: misconfig}\n"
                   "policies:\n  - {name: starter, plugin: policy, config: {paths: [%s]}}\n"
                   "chains:\n  - {name: estate, providers: [estate], scanners: [baseline], "
                   "policies: [starter]}\n" % (fwtest.PLUGIN_DIR, self.state, snapshot, POLICIES))

    def command(self):
        return [fwtest.FAWKES, "-c", os.path.join(self.tmp, "fawkes.yaml"), "run", "-o", "jsonl",
                "--fail-on", "none"]

    def run_deltas(self):
        started = time.monotonic()
        res = self.fawkes("run", "-o", "jsonl", "--fail-on", "none", env=ENV, timeout=600)
        self.last_duration = time.monotonic() - started
        self.assertExit(res, 0)
        return deltas(res.stdout)

    def remove_state(self):
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(self.state + suffix):
                os.remove(self.state + suffix)

    def save_state(self, path):
        src, dst = sqlite3.connect(self.state), sqlite3.connect(path)
        src.backup(dst)
        src.close()
        dst.close()

    def restore_state(self, path):
        self.remove_state()
        shutil.copyfile(path, self.state)

    def db(self, sql):
        db = sqlite3.connect(self.state)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def test_a_run_killed_at_any_point_leaves_the_last_complete_run_as_baseline(self):
        # data1: the baseline; data2: the killed run's (10% gone, 10% new); data3: the run
        # after (5% of data1 gone, none of data2's new ones), so that its deltas differ
        # depending on whether data2 was recorded.
        base, other = os.path.join(self.tmp, "base.jsonl"), os.path.join(self.tmp, "other.jsonl")
        generate(50000, base)
        generate(5000, other, seed=2)
        lines, extra = read_lines(base), read_lines(other)
        data = {name: os.path.join(self.tmp, name + ".jsonl") for name in ("d1", "d2", "d3")}
        write_lines(data["d1"], lines)
        write_lines(data["d2"], lines[:45000] + extra)
        write_lines(data["d3"], lines[2500:])

        self.config(data["d1"])
        self.run_deltas()
        before = os.path.join(self.tmp, "before.db")
        self.save_state(before)
        runs_before = self.db("SELECT seq, run_id FROM history_runs ORDER BY seq")

        # the references: d3 against d1 (the killed run left nothing), and against d2 (it
        # had committed its record)
        self.config(data["d3"])
        unrecorded = self.run_deltas()
        self.restore_state(before)
        self.config(data["d2"])
        self.run_deltas()
        duration = self.last_duration
        complete_keys = self.db("SELECT count(*) FROM history_keys WHERE seq = (SELECT max(seq) "
                                "FROM history_runs)")[0][0]
        self.config(data["d3"])
        recorded = self.run_deltas()
        self.assertNotEqual(unrecorded, recorded)
        self.assertTrue(any(d == "resolved" for _, _, d in unrecorded[0]))

        # kill after about 1 s, half-way, and while the run is being recorded: once the
        # state file's write-ahead log starts to grow (the record's transaction spills pages
        # there before it commits), then 0.1 s and 0.3 s into it
        outcomes = []
        for when, delay in (("start", 1.0), ("start", duration / 2), ("record", 0.0),
                            ("record", 0.1), ("record", 0.3)):
            with self.subTest(when=when, delay=round(delay, 2)):
                self.restore_state(before)
                self.config(data["d2"])
                proc = subprocess.Popen(self.command(), cwd=self.tmp,
                                        env=dict(os.environ, NO_COLOR="1", **ENV),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if when == "record":
                    self.wait_for_wal(proc)
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
                code = proc.wait(timeout=60)
                self.assertEqual(self.db("PRAGMA integrity_check"), [("ok",)])
                runs = self.db("SELECT seq, run_id FROM history_runs ORDER BY seq")
                was_recorded = runs != runs_before
                if was_recorded:
                    # all of the killed run or nothing: one more run, with every key
                    self.assertEqual(runs[:-1], runs_before, runs)
                    self.assertEqual(self.db("SELECT count(*) FROM history_keys WHERE seq = "
                                             "(SELECT max(seq) FROM history_runs)"),
                                     [(complete_keys,)])
                else:
                    self.assertEqual(code, -signal.SIGKILL)
                for table in ("history_keys", "history_pages"):
                    self.assertEqual(self.db("SELECT count(*) FROM %s WHERE seq NOT IN (SELECT "
                                             "seq FROM history_runs)" % table), [(0,)])
                self.config(data["d3"])
                self.assertEqual(self.run_deltas(), recorded if was_recorded else unrecorded)
                outcomes.append((when, round(delay, 2), code, was_recorded))
        print("kills (when, delay s, exit code, recorded): %s; a complete run took %.1f s"
              % (outcomes, duration), file=sys.stderr)
        # the kill after 1 s comes long before the record, and at least one came in the
        # middle of it (its pages in the log, not committed)
        self.assertFalse(outcomes[0][3], outcomes)
        self.assertIn(("record", False), [(o[0], o[3]) for o in outcomes], outcomes)

    def wait_for_wal(self, proc):
        """Return once the state file's write-ahead log holds something (or proc ended)."""
        wal = self.state + "-wal"
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            if os.path.exists(wal) and os.path.getsize(wal) > 0:
                return
            time.sleep(0.002)

    def peak_rss_kib(self, snapshot):
        """Peak RSS of one `fawkes run -o jsonl > /dev/null` over `snapshot`, fresh state."""
        self.remove_state()
        self.config(snapshot)
        probe = ("import resource, subprocess, sys\n"
                 "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
                 "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
        res = subprocess.run([sys.executable, "-c", probe] + self.command(), cwd=self.tmp,
                             env=dict(os.environ, NO_COLOR="1", **ENV), capture_output=True,
                             text=True, timeout=900)
        self.assertEqual(res.returncode, 0, res.stderr[-4000:])
        code, kib = (int(x) for x in res.stdout.split())
        self.assertEqual(code, 0, res.stderr[-4000:])
        return kib

    def test_peak_memory_does_not_grow_with_the_findings(self):
        small, large = (os.path.join(self.tmp, "r%d.jsonl" % n) for n in (20000, 200000))
        generate(20000, small)
        generate(200000, large)
        small_kib = self.peak_rss_kib(small)
        large_kib = self.peak_rss_kib(large)
        # the large run's history: its fail keys, and pages on disk
        fails = self.db("SELECT count(*) FROM history_keys")[0][0]
        growth_mib = (large_kib - small_kib) / 1024
        print("peak RSS: 20,000 resources %.1f MiB, 200,000 resources %.1f MiB (%d fail "
              "findings): +%.1f MiB" % (small_kib / 1024, large_kib / 1024, fails, growth_mib),
              file=sys.stderr)
        self.assertGreater(fails, 100000)
        self.assertLess(growth_mib, MEMORY_MARGIN_MIB)


if __name__ == "__main__":
    fwtest.main()
