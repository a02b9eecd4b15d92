#!/usr/bin/env python3
"""aws_inventory.py: wall time of an AWS inventory (3 regions x ~2,000 resources, plus S3
buckets and IAM policies) against moto behind the fault proxy (tests/fakes/fake_aws_proxy.py)
adding a fixed latency to every request, at --jobs 1 and --jobs N; the requests per
resource, and the ratio to the latency bound (requests x latency / concurrency). Also the
same run without latency (the CPU floor: moto is one Python process). Checks both runs
listed the same resources.

usage: bench/aws_inventory.py [INSTANCES_PER_REGION]   (default 1000: with their root
       volumes about 2,000 resources per region)
Environment: FAWKES (binary, default build/fawkes), PLUGIN_DIR (default plugins/ next to it),
LATENCY_MS (50), JOBS (16), BUCKETS (30), POLICIES (30), PAGE_SIZE (1000).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "fakes"))
import fake_aws_moto  # noqa: E402
from fake_aws_proxy import AwsProxy  # noqa: E402

REGIONS = ["eu-west-2", "us-east-1", "ap-southeast-2"]
KEYS = ("AKIABENCH000000000", "bench-secret")


def seed(moto, per_region, buckets, policies):
    for region in REGIONS:
        ec2 = moto.client("ec2", region, KEYS)
        left = per_region
        while left > 0:
            n = min(left, 100)
            ec2.run_instances(ImageId="ami-12c6146b", MinCount=n, MaxCount=n,
                              InstanceType="t3.micro")
            left -= n
    s3 = moto.client("s3", "us-east-1", KEYS)
    for i in range(buckets):
        region = REGIONS[i % 3]
        cfg = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket="bench-%03d" % i, **cfg)
    iam = moto.client("iam", "us-east-1", KEYS)
    for i in range(policies):
        iam.create_policy(PolicyName="bench-%03d" % i, PolicyDocument=json.dumps(
            fake_aws_moto.ADMIN_POLICY))


def run(fawkes, plugin_dir, endpoint, jobs, page_size, tmp):
    config = {"version": 1, "plugin_dirs": [plugin_dir],
              "providers": [{"name": "aws-bench", "plugin": "aws", "config": {
                  "endpoint": endpoint, "regions": REGIONS, "page_size": page_size,
                  "services": ["ec2", "s3", "iam"]}, "limits": {"concurrency": 64}}],
              "security": {"egress_allow": ["127.0.0.1"]}}
    path = os.path.join(tmp, "aws-bench.yaml")
    with open(path, "w") as f:
        json.dump(config, f)
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEYS[0], AWS_SECRET_ACCESS_KEY=KEYS[1],
               AWS_REGION="us-east-1", AWS_PROFILE="", HOME=tmp)
    start = time.monotonic()
    proc = subprocess.run([fawkes, "-c", path, "--jobs", str(jobs), "inventory", "-o", "jsonl"],
                          env=env, capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit("fawkes exited %d: %s" % (proc.returncode, proc.stderr[-2000:]))
    return wall, sorted(json.loads(line)["uid"] for line in proc.stdout.splitlines())


def main():
    per_region = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    fawkes = os.environ.get("FAWKES", os.path.join(ROOT, "build", "fawkes"))
    plugin_dir = os.environ.get("PLUGIN_DIR", os.path.join(os.path.dirname(fawkes), "plugins"))
    latency = int(os.environ.get("LATENCY_MS", "50"))
    jobs = int(os.environ.get("JOBS", "16"))
    page_size = int(os.environ.get("PAGE_SIZE", "1000"))
    moto = fake_aws_moto.Moto(accounts=0, enforce_auth=False)
    tmp = tempfile.mkdtemp(prefix="aws-bench-")
    try:
        seed(moto, per_region, int(os.environ.get("BUCKETS", "30")),
             int(os.environ.get("POLICIES", "30")))
        floor, uids = run(fawkes, plugin_dir, moto.url, jobs, page_size, tmp)
        results = {}
        for j in (1, jobs):
            proxy = AwsProxy(moto.url, {"latency_ms": latency})
            try:
                wall, got = run(fawkes, plugin_dir, proxy.url, j, page_size, tmp)
            finally:
                proxy.stop()
            if got != uids:
                sys.exit("--jobs %d listed other resources than the run without latency" % j)
            results[j] = (wall, proxy.counts["requests"])
    finally:
        moto.stop()
    print("resources: %d (3 regions x %d instances with their root volumes, + buckets, "
          "policies, default VPCs and security groups)" % (len(uids), per_region))
    print("no latency, --jobs %d: %.1f s (the CPU floor: moto is one Python process)"
          % (jobs, floor))
    for j, (wall, requests) in results.items():
        bound = requests * latency / 1000.0 / j
        print("latency %d ms, --jobs %d: %.1f s, %d requests (%.3f per resource), latency "
              "bound %d x %d ms / %d = %.1f s, ratio %.2f"
              % (latency, j, wall, requests, requests / len(uids), requests, latency, j, bound,
                 wall / bound))
    print("speed-up --jobs 1 -> --jobs %d: %.1fx" % (jobs, results[1][0] / results[jobs][0]))


if __name__ == "__main__":
    main()
