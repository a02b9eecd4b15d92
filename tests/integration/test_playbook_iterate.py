"""test_playbook_iterate: fawkes.inventory and fawkes.findings over thousands of resources
read back from the run's spill file: where filters against the same filters in Python,
loops left early and run again, nested iteration, views kept past their loop, distinct
matched resources by uid, a chain's kept resources and findings, and peak memory that stays
flat as the inventory grows (20,000 vs 200,000 resources, the real command)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

EXIT_OK = 0
GEN = os.path.join(fwtest.SOURCE_DIR, "bench", "gen_resources.py")
COUNT = 3000

COUNT_ALL = """
local n = 0
for r in fawkes.inventory{} do n = n + 1 end
fawkes.report{n = n}
"""


def generate(path, count):
    with open(path, "w", encoding="utf-8") as out:
        subprocess.run([sys.executable, GEN, str(count)], stdout=out, check=True)
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f] if count <= 10000 else None


class IterateTest(fwtest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.data_dir = tempfile.mkdtemp(prefix="fawkes-iterate-")
        cls.data = os.path.join(cls.data_dir, "resources.jsonl")
        # fawkes.inventory yields a provider's resources by uid (byte order)
        cls.resources = sorted(generate(cls.data, COUNT), key=lambda r: r["uid"].encode())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.data_dir, ignore_errors=True)

    def config(self, providers=None, scanners=False, chains=None, paths=None):
        config = {
            "version": 1,
            "plugin_dirs": [fwtest.PLUGIN_DIR],
            "providers": [{"name": name, "plugin": "snapshot",
                           "config": {"paths": [paths or self.data]}}
                          for name in (providers or ["snap"])],
            "playbooks": {"instructions": 10000000000},
            "security": {"audit_log": os.path.join(self.tmp, "audit.jsonl")},
            "state": os.path.join(self.tmp, "state.db"),
        }
        if scanners:
            config["scanners"] = [{"name": "mc", "plugin": "misconfig",
                                   "config": {"required_labels": ["owner"]}}]
        if chains:
            config["chains"] = chains
        return self.write("fawkes.yaml", json.dumps(config, indent=2))

    def play(self, script, config=None, name="play.lua"):
        path = self.write(name, script)
        result = self.fawkes("-c", config or self.config(), "playbook", "run", path, "-o", "json")
        self.assertExit(result, EXIT_OK)
        return result.json()

    def test_where_filters_match_the_same_filters_in_python(self):
        out = self.play("""
            local function count(opts)
              local n = 0
              for _ in fawkes.inventory(opts) do n = n + 1 end
              return n
            end
            local first = {}
            for r in fawkes.inventory{} do
              if #first == 5 then break end
              first[#first + 1] = r.uid
            end
            fawkes.report{
              all = count{},
              callback = count{where = function(r)
                return r.kind == "compute.instance" and r.state == "running"
                  and r.labels.env == "prod"
              end},
              table = count{kind = "compute.instance",
                            where = {state = "running", ["labels.env"] = "prod"}},
              kinds = count{kind = {"storage.bucket", "compute.volume"}},
              gcp = count{provider = "gcp"},
              instance = count{provider = "snap", kind = "iam.policy"},
              public = count{where = {public = true}},
              nested_path = count{where = {["attributes.State.Name"] = "running"}},
              absent = count{where = {["labels.owner"] = fawkes.json.null}},
              none = count{where = {kind = "no.such.kind"}},
              first = first,
            }
        """)
        report = out["report"][0]
        rs = self.resources
        self.assertEqual(report["all"], COUNT)
        prod_running = sum(1 for r in rs if r["kind"] == "compute.instance"
                           and r["state"] == "running" and r["labels"].get("env") == "prod")
        self.assertGreater(prod_running, 10)
        self.assertEqual(report["callback"], prod_running)
        self.assertEqual(report["table"], prod_running)
        self.assertEqual(report["kinds"], sum(1 for r in rs
                                              if r["kind"] in ("storage.bucket", "compute.volume")))
        self.assertEqual(report["gcp"], sum(1 for r in rs if r["provider"] == "gcp"))
        self.assertEqual(report["instance"], sum(1 for r in rs if r["kind"] == "iam.policy"))
        self.assertEqual(report["public"], sum(1 for r in rs if r["public"] is True))
        self.assertEqual(report["nested_path"],
                         sum(1 for r in rs if isinstance(r["attributes"].get("State"), dict)
                             and r["attributes"]["State"].get("Name") == "running"))
        self.assertEqual(report["absent"], sum(1 for r in rs if "owner" not in r["labels"]))
        self.assertEqual(report["none"], 0)
        # A provider's resources come back by uid, not in the file's order.
        self.assertEqual(report["first"], [r["uid"] for r in rs[:5]])
        self.assertEqual(out["matched"], COUNT)

    def test_a_loop_left_early_and_the_next_one(self):
        out = self.play("""
            local firsts = {}
            for round = 1, 200 do
              for r in fawkes.inventory{} do
                firsts[round] = r.uid
                break
              end
            end
            local seen, uids = 0, {}
            for r in fawkes.inventory{} do
              seen = seen + 1
              uids[r.uid] = true
              if seen == 10 then break end
            end
            local again = 0
            for r in fawkes.inventory{} do again = again + 1 end
            -- the step function called by hand, past the end too
            local step = fawkes.inventory{kind = "kubernetes.cluster"}
            local by_hand = 0
            while step() do by_hand = by_hand + 1 end
            fawkes.report{first = firsts[1], same = firsts[1] == firsts[200], seen = seen,
                          again = again, by_hand = by_hand, after_end = step() == nil}
        """)
        report = out["report"][0]
        self.assertEqual(report["first"], self.resources[0]["uid"])
        self.assertTrue(report["same"])
        self.assertEqual(report["seen"], 10)
        self.assertEqual(report["again"], COUNT)
        self.assertEqual(report["by_hand"],
                         sum(1 for r in self.resources if r["kind"] == "kubernetes.cluster"))
        self.assertTrue(report["after_end"])
        self.assertEqual(out["matched"], COUNT)

    def test_nested_iteration_inventory_inside_findings(self):
        chain = [{"name": "c", "providers": ["snap"], "scanners": ["mc"]}]
        cfg = self.config(scanners=True, chains=chain)
        run = self.fawkes("-c", cfg, "run", "-o", "json", "--fail-on", "none")
        self.assertExit(run, EXIT_OK)
        fails = [f for f in run.json()["findings"] if f["status"] == "fail"]
        self.assertGreater(len(fails), 100)
        out = self.play("""
            local total, high, owner, checked, found = 0, 0, 0, 0, 0
            for f in fawkes.findings{} do total = total + 1 end
            for f in fawkes.findings{severity = "high"} do high = high + 1 end
            for f in fawkes.findings{rule = "%s*"} do owner = owner + 1 end
            for f in fawkes.findings{} do
              checked = checked + 1
              for r in fawkes.inventory{kind = f.resource.kind, where = {uid = f.resource.uid}} do
                assert(r.uid == f.resource.uid)
                found = found + 1
              end
              if checked == 12 then break end
            end
            -- and inventory inside inventory, both over the same provider
            local outer, inner = 0, 0
            for a in fawkes.inventory{kind = "database.instance"} do
              outer = outer + 1
              for b in fawkes.inventory{} do inner = inner + 1 end
              if outer == 3 then break end
            end
            fawkes.report{total = total, high = high, owner = owner, checked = checked,
                          found = found, outer = outer, inner = inner}
        """ % fails[0]["rule"].split(".")[0], config=cfg)
        report = out["report"][0]
        self.assertEqual(report["total"], len(fails))
        self.assertEqual(report["high"],
                         sum(1 for f in fails if f["severity"] in ("high", "critical")))
        prefix = fails[0]["rule"].split(".")[0]
        self.assertEqual(report["owner"], sum(1 for f in fails if f["rule"].startswith(prefix)))
        self.assertEqual((report["checked"], report["found"]), (12, 12))
        self.assertEqual((report["outer"], report["inner"]), (3, 3 * COUNT))

    def test_views_outlive_their_loop(self):
        out = self.play("""
            local kept, labels, attrs = {}, {}, {}
            local i = 0
            for r in fawkes.inventory{} do
              i = i + 1
              if i % 100 == 1 then
                kept[#kept + 1] = r
                labels[#labels + 1] = r.labels            -- a member view, its root dropped
                attrs[#attrs + 1] = r.attributes
              end
            end
            collectgarbage("collect")
            collectgarbage("collect")
            local uids, envs, copied = {}, {}, fawkes.json.copy(kept[2])
            for k, r in ipairs(kept) do
              uids[k] = r.uid
              envs[k] = labels[k].env
              assert(attrs[k] == r.attributes)
            end
            local ok, err = pcall(function() kept[1].uid = "x" end)
            copied.uid = "changed"
            fawkes.report{uids = uids, envs = envs, read_only = not ok and tostring(err),
                          copied = copied.uid, original = kept[2].uid}
        """)
        report = out["report"][0]
        picked = self.resources[::100]
        self.assertEqual(report["uids"], [r["uid"] for r in picked])
        self.assertEqual(report["envs"], [r["labels"]["env"] for r in picked])
        self.assertIn("read-only", report["read_only"])
        self.assertEqual(report["copied"], "changed")
        self.assertEqual(report["original"], picked[1]["uid"])

    def test_matched_counts_distinct_uids(self):
        # Two instances list the same file: twice the views, the same resources.
        cfg = self.config(providers=["snap", "again"])
        out = self.play("""
            local n = 0
            for r in fawkes.inventory{} do n = n + 1 end
            for r in fawkes.inventory{provider = "snap"} do end
            fawkes.report{n = n}
        """, config=cfg)
        self.assertEqual(out["report"][0]["n"], 2 * COUNT)
        self.assertEqual(out["matched"], COUNT)
        # Only what the loops yielded counts, however often.
        out = self.play("""
            for round = 1, 3 do
              local n = 0
              for r in fawkes.inventory{kind = "compute.instance"} do
                n = n + 1
                if n == 7 then break end
              end
            end
            for r in fawkes.inventory{where = function(r) return r.kind == "iam.policy" end} do end
        """)
        self.assertEqual(out["matched"],
                         7 + sum(1 for r in self.resources if r["kind"] == "iam.policy"))

    def test_chain_playbook_reads_the_chains_kept_resources_and_findings(self):
        play = self.write("chain.lua", """
            local n, fails, new = 0, 0, 0
            for r in fawkes.inventory{} do n = n + 1 end
            for f in fawkes.findings{} do
              fails = fails + 1
              if f.delta == "new" then new = new + 1 end
            end
            fawkes.log.warn("counted", n, fails, new)
        """)
        chain = [{"name": "c", "providers": ["snap"], "scanners": ["mc"], "playbooks": [play]}]
        cfg = self.config(scanners=True, chains=chain)
        first = self.fawkes("-c", cfg, "run", "-o", "json", "--fail-on", "none")
        self.assertExit(first, EXIT_OK)
        fails = sum(1 for f in first.json()["findings"] if f["status"] == "fail")
        self.assertIn("playbook chain: counted %d %d %d" % (COUNT, fails, fails), first.stderr)
        self.assertNotIn("listing the resources", first.stderr)
        again = self.fawkes("-c", cfg, "run", "-o", "json", "--fail-on", "none")
        self.assertExit(again, EXIT_OK)
        self.assertIn("playbook chain: counted %d %d 0" % (COUNT, fails), again.stderr)

    def test_a_bad_temporary_directory_is_a_playbook_error(self):
        out = self.fawkes("-c", self.config(), "playbook", "run", self.write("p.lua", COUNT_ALL),
                          "-o", "json", env={"TMPDIR": os.path.join(self.tmp, "missing"),
                                             "SQLITE_TMPDIR": ""})
        self.assertExit(out, 2)
        self.assertIn("p.lua:3: fawkes.inventory: temporary spill file: TMPDIR=%s is not a "
                      "usable directory (No such file or directory); create it, or point TMPDIR "
                      "at a writable directory" % os.path.join(self.tmp, "missing"),
                      out.json()["error"])


def peak_rss_kib(args, cwd):
    """Peak RSS of `fawkes ARGS`, from process start to exit: /usr/bin/time -v, else the
    rusage of a fresh Python child that only waits for it. Returns (kib, stdout)."""
    env = dict(os.environ, NO_COLOR="1")
    if os.path.exists("/usr/bin/time"):
        timing = os.path.join(cwd, "time.txt")
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", timing, fwtest.FAWKES] + args,
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=280)
        if proc.returncode != 0:
            raise AssertionError("fawkes failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
        with open(timing, encoding="utf-8") as f:
            for line in f:
                if "Maximum resident set size" in line:
                    return int(line.rsplit(":", 1)[1]), proc.stdout
        raise AssertionError("no peak RSS in /usr/bin/time's output")
    wrapper = ("import resource, subprocess, sys\n"
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
               "sys.stderr.write(p.stderr)\n"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
               "print(p.stdout, end='')\n"
               "sys.exit(p.returncode)\n")
    proc = subprocess.run([sys.executable, "-c", wrapper, fwtest.FAWKES] + args, cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=280)
    if proc.returncode != 0:
        raise AssertionError("fawkes failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
    kib, _, stdout = proc.stdout.partition("\n")
    return int(kib), stdout


class MemoryTest(fwtest.TestCase):
    """Iterating ten times the resources must not take more memory: nothing holds the whole
    set. The margin is wide (the inventory alone would take ~5 KiB per resource in memory,
    ~900 MiB more at 200,000) and the figures come from separate processes."""

    MARGIN_MIB = 32

    def test_peak_memory_does_not_grow_with_the_inventory(self):
        peaks = {}
        script = self.write("count.lua", COUNT_ALL)
        for count in (20000, 200000):
            data = os.path.join(self.tmp, "r%d.jsonl" % count)
            generate(data, count)
            config = self.write("m%d.yaml" % count, json.dumps({
                "version": 1,
                "plugin_dirs": [fwtest.PLUGIN_DIR],
                "providers": [{"name": "snap", "plugin": "snapshot", "config": {"paths": [data]}}],
                "playbooks": {"instructions": 10000000000},
                "security": {"audit_log": os.path.join(self.tmp, "audit.jsonl")},
                "state": os.path.join(self.tmp, "state.db"),
            }))
            kib, stdout = peak_rss_kib(["-c", config, "--log-level", "error", "playbook", "run",
                                        script, "-o", "json"], self.tmp)
            out = json.loads(stdout)
            self.assertEqual(out["report"][0]["n"], count)
            self.assertEqual(out["matched"], count)
            peaks[count] = kib / 1024.0
            os.unlink(data)
        self.assertLess(peaks[200000] - peaks[20000], self.MARGIN_MIB,
                        "peak RSS %.1f MiB at 20,000 resources, %.1f MiB at 200,000"
                        % (peaks[20000], peaks[200000]))


if __name__ == "__main__":
    fwtest.main()
