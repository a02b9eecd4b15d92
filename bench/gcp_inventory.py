#!/usr/bin/env python3
"""gcp_inventory.py: wall time of a full GCP inventory against the fake Google APIs
(tests/fakes/fake_gcp.py) with a fixed latency per request, at --jobs 1 and --jobs N, the
ratio, and the latency bound: the longest chain of requests one task must make in sequence
(plus the token), times the latency: no schedule can finish sooner. Also the same run without
latency (the CPU floor: the fake is one Python process). Checks both runs wrote the same
resources, every one of the fake's.

usage: bench/gcp_inventory.py [PER_ZONE]   (instances per zone, default 500: with their disks
       about 1,000 resources per zone; 2 projects x 3 zones)
Environment: FAWKES (binary, default build/fawkes), PLUGIN_DIR (default plugins/ next to it),
LATENCY_MS (50), JOBS (16), RUNS (1; the best run counts), PAGE_SIZE (500), BUCKET_TASKS (4).
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "fakes"))
from fake_gcp import FakeGCP  # noqa: E402


def fnv1a(text):
    value = 2166136261
    for byte in text.encode():
        value = ((value ^ byte) * 16777619) & 0xffffffff
    return value


def latency_bound(fake, page_size, bucket_tasks, latency_ms):
    """(requests on the longest chain, its seconds), the token included."""
    longest = 0
    for project in fake.projects.values():
        chains = [math.ceil(len(project.instances) / page_size),
                  math.ceil(len(project.disks) / page_size),
                  math.ceil(len(project.firewalls) / page_size),
                  math.ceil(len(project.networks) / page_size), 1,
                  math.ceil(len(project.sql) / page_size)]
        pages = math.ceil(len(project.buckets) / page_size)
        for share in range(bucket_tasks):
            chains.append(pages + sum(1 for b in project.buckets
                                      if fnv1a(b["name"]) % bucket_tasks == share))
        longest = max(longest, max(chains))
    return longest + 1, (longest + 1) * latency_ms / 1000.0


def measure(fawkes, config, jobs, runs, fake, env):
    best = None
    for _ in range(runs):
        fake.reset()
        start = time.monotonic()
        proc = subprocess.run([fawkes, "-c", config, "inventory", "-o", "jsonl", "--jobs",
                               str(jobs)], capture_output=True, text=True, env=env)
        seconds = time.monotonic() - start
        if proc.returncode != 0:
            sys.exit("gcp_inventory: --jobs %d failed:\n%s" % (jobs, proc.stderr[-3000:]))
        if best is None or seconds < best[0]:
            uids = sorted(json.loads(line)["uid"] for line in proc.stdout.splitlines() if line)
            best = (seconds, len(fake.requests()), uids)
    return best


def main():
    per_zone = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    latency_ms = int(os.environ.get("LATENCY_MS", "50"))
    jobs = int(os.environ.get("JOBS", "16"))
    runs = int(os.environ.get("RUNS", "1"))
    page_size = int(os.environ.get("PAGE_SIZE", "500"))
    bucket_tasks = int(os.environ.get("BUCKET_TASKS", "4"))
    fawkes = os.environ.get("FAWKES", os.path.join(ROOT, "build", "fawkes"))
    plugin_dir = os.environ.get("PLUGIN_DIR", os.path.join(os.path.dirname(fawkes), "plugins"))
    if not os.access(fawkes, os.X_OK) or not os.path.exists(os.path.join(plugin_dir, "gcp.so")):
        sys.exit("gcp_inventory: need %s and %s/gcp.so: build them or set FAWKES / PLUGIN_DIR"
                 % (fawkes, plugin_dir))
    fake = FakeGCP(projects=("acme-prod", "acme-data"), per_zone=per_zone,
                   latency_ms=latency_ms)
    with fake, tempfile.TemporaryDirectory(prefix="fawkes-bench.") as work:
        key = fake.write_key(os.path.join(work, "key.json"))
        config = os.path.join(work, "bench.yaml")
        # limits.concurrency caps tasks and requests in flight: set to the parallel side's
        # --jobs, so --jobs alone decides how many run at once
        with open(config, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "plugin_dirs": [plugin_dir],
                       "providers": [{"name": "bench", "plugin": "gcp",
                                      "config": {"endpoint": fake.base_url,
                                                 "projects": ["acme-prod", "acme-data"],
                                                 "page_size": page_size,
                                                 "bucket_tasks": bucket_tasks},
                                      "limits": {"concurrency": jobs}}],
                       "security": {"egress_allow": ["127.0.0.1"]}}, f)
        env = dict(os.environ, GOOGLE_APPLICATION_CREDENTIALS=key,
                   CLOUDSDK_CONFIG=os.path.join(work, "gcloud"))
        expected = sum(len(p.instances) + len(p.disks) + len(p.firewalls) + len(p.networks) +
                       len(p.buckets) + len(p.clusters) + len(p.sql)
                       for p in fake.projects.values())
        serial = measure(fawkes, config, 1, runs, fake, env)
        parallel = measure(fawkes, config, jobs, runs, fake, env)
        if serial[2] != parallel[2] or len(serial[2]) != expected:
            sys.exit("gcp_inventory: the runs differ or miss resources (%d, %d, expected %d)"
                     % (len(serial[2]), len(parallel[2]), expected))
        chain, bound = latency_bound(fake, page_size, bucket_tasks, latency_ms)
        # the same inventory without latency: the CPU of the fake (one Python process) and of
        # fawkes, which no number of jobs hides on a small machine
        fake.configure(latency_ms=0)
        floor = measure(fawkes, config, jobs, runs, fake, env)
        print("gcp_inventory: 2 projects x 3 zones x %d instances (+ disks): %d resources, "
              "%d ms per request, page_size %d, best of %d, %d cores"
              % (per_zone, expected, latency_ms, page_size, runs, os.cpu_count()))
        print("  --jobs 1:  %7.3f s  %4d requests" % (serial[0], serial[1]))
        print("  --jobs %-2d: %7.3f s  %4d requests" % (jobs, parallel[0], parallel[1]))
        print("  speed-up: %.2fx" % (serial[0] / parallel[0]))
        print("  without latency (--jobs %d): %.3f s: the CPU floor of fake and fawkes"
              % (jobs, floor[0]))
        print("  latency bound: %.3f s (the longest chain: %d requests in sequence, the token "
              "included)%s" % (bound, chain, "; --jobs %d takes %.2fx the bound"
                               % (jobs, parallel[0] / bound) if bound else ""))


if __name__ == "__main__":
    main()
