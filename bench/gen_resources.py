#!/usr/bin/env python3
"""gen_resources.py: print N realistic normalized resources as JSONL (for benchmarks).

Usage: bench/gen_resources.py N [--seed S] > resources.jsonl

Deterministic for a given N and seed. Kinds, providers and record sizes are mixed the way a
real estate is (many instances and volumes, fewer databases and clusters), with each cloud's
raw field names in `attributes`, so parsers and scanners do realistic work.
"""
import argparse
import json
import random
import sys

PROVIDERS = {
    "aws": {"accounts": ["123456789012", "210987654321", "345678901234"],
            "regions": ["eu-west-2", "us-east-1", "us-west-2", "eu-central-1", "ap-south-1"]},
    "gcp": {"accounts": ["acme-web-prod", "acme-data-dev", "acme-ml"],
            "regions": ["europe-west2", "us-central1", "asia-east1"]},
    "civo": {"accounts": ["5c8a2b7e-91d4-4f0c-a3b6-2e7f1d9c4a10"],
             "regions": ["LON1", "NYC1", "FRA1"]},
}
# (kind, weight, native type per provider)
KINDS = [
    ("compute.instance", 30, {"aws": "ec2:instance", "gcp": "compute:instance",
                              "civo": "civo:instance"}),
    ("compute.volume", 25, {"aws": "ec2:volume", "gcp": "compute:disk", "civo": "civo:volume"}),
    ("storage.bucket", 10, {"aws": "s3:bucket", "gcp": "storage:bucket",
                            "civo": "civo:objectstore"}),
    ("network.firewall", 10, {"aws": "ec2:security-group", "gcp": "compute:firewall",
                              "civo": "civo:firewall"}),
    ("iam.policy", 10, {"aws": "iam:policy", "gcp": "iam:role", "civo": "civo:permission"}),
    ("database.instance", 5, {"aws": "rds:db", "gcp": "sqladmin:instance",
                              "civo": "civo:database"}),
    ("network.network", 5, {"aws": "ec2:vpc", "gcp": "compute:network", "civo": "civo:network"}),
    ("kubernetes.cluster", 5, {"aws": "eks:cluster", "gcp": "container:cluster",
                               "civo": "civo:kubernetes"}),
]
APPS = ["checkout", "api", "billing", "auth", "catalog", "search", "reports", "ingest", "etl"]
TEAMS = ["payments", "platform", "data", "web", "identity"]
SIZES = ["t3.micro", "t3.medium", "m5.large", "m5.xlarge", "e2-medium", "n2-standard-4",
         "g3.small", "g3.medium"]


def hexid(rng, n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def stamp(rng):
    return "20%02d-%02d-%02dT%02d:%02d:%02dZ" % (rng.randint(21, 25), rng.randint(1, 12),
                                                 rng.randint(1, 28), rng.randint(0, 23),
                                                 rng.randint(0, 59), rng.randint(0, 59))


def attributes(rng, kind, rid, name):
    if kind == "compute.instance":
        return {"InstanceId": rid, "InstanceType": rng.choice(SIZES),
                "State": {"Code": 16, "Name": "running"}, "LaunchTime": stamp(rng),
                "PrivateIpAddress": "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255),
                                                     rng.randint(1, 254)),
                "ImageId": "ami-0" + hexid(rng, 16), "SubnetId": "subnet-0" + hexid(rng, 16),
                "Tags": [{"Key": "Name", "Value": name}]}
    if kind == "compute.volume":
        return {"VolumeId": rid, "Size": rng.choice([8, 20, 50, 100, 500]),
                "VolumeType": rng.choice(["gp3", "gp2", "io2"]), "Iops": 3000,
                "State": "in-use", "Attachments": [{"InstanceId": "i-0" + hexid(rng, 16),
                                                    "Device": "/dev/xvda"}]}
    if kind == "network.firewall":
        open_port = rng.choice(["22", "443", "3389", "8080", "0-65535"])
        return {"GroupId": rid, "GroupName": name, "VpcId": "vpc-0" + hexid(rng, 16),
                "rules": [{"direction": "ingress", "protocol": "tcp", "ports": open_port,
                           "cidrs": [rng.choice(["0.0.0.0/0", "10.0.0.0/8", "::/0"])],
                           "action": "allow"},
                          {"direction": "egress", "protocol": "-1", "ports": "all",
                           "cidrs": ["0.0.0.0/0"], "action": "allow"}]}
    if kind == "database.instance":
        return {"DBInstanceIdentifier": name, "DBInstanceClass": "db.t3.medium",
                "Engine": rng.choice(["postgres", "mysql"]), "AllocatedStorage": 100,
                "MultiAZ": rng.random() < 0.5}
    if kind == "storage.bucket":
        return {"Name": name, "CreationDate": stamp(rng),
                "Versioning": {"Status": rng.choice(["Enabled", "Suspended"])}}
    if kind == "kubernetes.cluster":
        return {"name": name, "version": "1.29", "status": "ACTIVE",
                "endpoint": "https://%s.example" % hexid(rng, 24)}
    return {"id": rid, "name": name, "created": stamp(rng)}


def make(rng, i):
    provider = rng.choice(("aws", "aws", "gcp", "civo"))
    info = PROVIDERS[provider]
    kind, _, native = rng.choices(KINDS, weights=[k[1] for k in KINDS])[0]
    account = rng.choice(info["accounts"])
    region = None if kind == "iam.policy" else rng.choice(info["regions"])
    app = rng.choice(APPS)
    rid = "%s-%08d%s" % (kind.split(".")[1][:3], i, hexid(rng, 6))
    name = "%s-%s-%d" % (app, rng.choice(["prod", "staging", "dev"]), i)
    labels = {"owner": rng.choice(TEAMS), "env": name.split("-")[1], "app": app}
    if rng.random() < 0.1:
        del labels["owner"]
    return {
        "uid": "%s:%s:%s:%s:%s" % (provider, account, region or "global", kind, rid),
        "provider": provider, "account": account, "region": region, "kind": kind,
        "native_type": native[provider], "id": rid, "name": name,
        "state": rng.choice(["running", "running", "running", "stopped"]),
        "labels": labels, "created_at": stamp(rng),
        "public": rng.random() < 0.05 if kind in ("storage.bucket", "database.instance")
        else None,
        "encrypted": rng.random() < 0.9 if kind in ("storage.bucket", "compute.volume",
                                                    "database.instance") else None,
        "monthly_cost": round(rng.uniform(0, 400), 2),
        "attributes": attributes(rng, kind, rid, name),
    }


def main():
    parser = argparse.ArgumentParser(description="Print N normalized resources as JSONL.")
    parser.add_argument("count", type=int, help="how many resources")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args()
    if args.count < 0:
        parser.error("count must be >= 0")
    rng = random.Random(args.seed)
    out = sys.stdout
    for i in range(args.count):
        out.write(json.dumps(make(rng, i), separators=(",", ":")))
        out.write("\n")


if __name__ == "__main__":
    main()
