#!/usr/bin/env python3
"""gen-demo.py: writes the demo inventory (examples/demo/{aws,gcp,civo}.jsonl).

Deterministic: a fixed seed and a fixed "now" (2026-01-15), so re-running it rewrites the
same bytes. Resources follow the normalized model of docs (uid, provider, account, region,
kind, native_type, id, name, state, labels, created_at, public, encrypted, monthly_cost,
attributes) and keep each cloud's raw field names in `attributes`. A few misconfigurations
are planted so `fawkes -c examples/demo.yaml run` shows findings of every severity.

Usage: scripts/gen-demo.py [--out DIR] [--seed N]
"""
import argparse
import datetime as dt
import json
import os
import random
import sys

NOW = dt.datetime(2026, 1, 15, 9, 0, 0, tzinfo=dt.timezone.utc)

TEAMS = ["payments", "platform", "data", "web", "search", "identity", "growth"]
APPS = ["checkout", "api", "billing", "auth", "catalog", "search", "reports", "ingest",
        "notifications", "ledger", "gateway", "etl"]


def iso(when):
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def days_ago(rng, low, high):
    return NOW - dt.timedelta(days=rng.randint(low, high), seconds=rng.randint(0, 86399))


def resource(provider, account, region, kind, native_type, rid, name, state, labels,
             created_at, public, encrypted, monthly_cost, attributes):
    """One normalized resource; labels None means the kind cannot carry labels (omitted)."""
    res = {
        "uid": "%s:%s:%s:%s:%s" % (provider, account, region or "global", kind, rid),
        "provider": provider, "account": account, "region": region, "kind": kind,
        "native_type": native_type, "id": rid, "name": name, "state": state,
    }
    if labels is not None:
        res["labels"] = labels
    res.update({"created_at": iso(created_at), "public": public, "encrypted": encrypted,
                "monthly_cost": None if monthly_cost is None else round(monthly_cost, 2),
                "attributes": attributes})
    return res


def std_labels(rng, env, app, missing=False):
    labels = {"owner": rng.choice(TEAMS), "env": env, "app": app}
    if missing:
        del labels[rng.choice(["owner", "env"])]
        if rng.random() < 0.4:
            labels.pop("owner", None)
            labels.pop("env", None)
    return labels


def rule(direction, protocol, ports, cidrs, action="allow"):
    return {"direction": direction, "protocol": protocol, "ports": ports, "cidrs": cidrs,
            "action": action}


def hexid(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


# ---------------------------------------------------------------------------------- AWS

AWS_ACCOUNTS = [("123456789012", "prod"), ("210987654321", "staging")]
AWS_REGIONS = ["eu-west-2", "us-east-1", "eu-central-1"]
EC2_TYPES = {"t3.micro": 7.59, "t3.medium": 30.37, "m5.large": 70.08, "m5.xlarge": 140.16,
             "c5.2xlarge": 248.20, "r5.large": 91.98}
RDS_CLASSES = {"db.t3.medium": 49.64, "db.m5.large": 124.10, "db.r5.xlarge": 350.40}


def aws_tags(labels):
    return [{"Key": k, "Value": v} for k, v in labels.items()]


def aws_sg_rules_raw(rules):
    raw = []
    for r in rules:
        if r["direction"] != "ingress":
            continue
        if r["ports"] == "all":
            lo, hi = -1, -1
        else:
            bounds = [int(p) for p in r["ports"].split("-")]
            lo, hi = bounds[0], bounds[-1]
        raw.append({"IpProtocol": r["protocol"], "FromPort": lo, "ToPort": hi,
                    "IpRanges": [{"CidrIp": c} for c in r["cidrs"] if ":" not in c],
                    "Ipv6Ranges": [{"CidrIpv6": c} for c in r["cidrs"] if ":" in c]})
    return raw


def gen_aws(rng):
    out = []
    for acct_index, (account, env) in enumerate(AWS_ACCOUNTS):
        for region_index, region in enumerate(AWS_REGIONS):
            zones = [region + z for z in "abc"]
            vpc_id = "vpc-0" + hexid(rng, 16)
            cidr = "10.%d.0.0/16" % (acct_index * 10 + region_index)
            out.append(resource("aws", account, region, "network.network", "ec2:vpc", vpc_id,
                                "%s-%s-vpc" % (env, region), "available",
                                {"env": env, "owner": "platform"}, days_ago(rng, 400, 900),
                                None, None, 0.0,
                                {"VpcId": vpc_id, "CidrBlock": cidr, "IsDefault": False,
                                 "State": "available", "InstanceTenancy": "default"}))
            # Security groups: web, app, admin; a few planted mistakes.
            groups = []
            sg_defs = [
                ("web-alb", [rule("ingress", "tcp", "443", ["0.0.0.0/0", "::/0"]),
                             rule("ingress", "tcp", "80", ["0.0.0.0/0"]),
                             rule("egress", "-1", "all", ["0.0.0.0/0"])]),
                ("app", [rule("ingress", "tcp", "8080", [cidr]),
                         rule("egress", "-1", "all", ["0.0.0.0/0"])]),
                ("bastion", [rule("ingress", "tcp", "22",
                                  ["0.0.0.0/0"] if (acct_index, region_index) in
                                  [(0, 0), (1, 1)] else ["203.0.113.0/24"]),
                             rule("egress", "-1", "all", ["0.0.0.0/0"])]),
            ]
            if (acct_index, region_index) == (1, 2):
                sg_defs.append(("legacy-windows", [
                    rule("ingress", "tcp", "3389", ["0.0.0.0/0"]),
                    rule("ingress", "tcp", "0-65535", ["0.0.0.0/0"]),
                    rule("egress", "-1", "all", ["0.0.0.0/0"])]))
            for sg_name, rules in sg_defs:
                sg_id = "sg-0" + hexid(rng, 16)
                groups.append(sg_id)
                labels = std_labels(rng, env, sg_name, missing=sg_name == "legacy-windows")
                out.append(resource(
                    "aws", account, region, "network.firewall", "ec2:security-group", sg_id,
                    "%s-%s" % (env, sg_name), "available", labels, days_ago(rng, 100, 800),
                    None, None, 0.0,
                    {"GroupId": sg_id, "GroupName": "%s-%s" % (env, sg_name),
                     "Description": "%s tier" % sg_name, "VpcId": vpc_id,
                     "IpPermissions": aws_sg_rules_raw(rules), "Tags": aws_tags(labels),
                     "rules": rules}))
            # EC2 instances with their root volumes.
            for n in range(7):
                app = rng.choice(APPS)
                itype = rng.choice(list(EC2_TYPES))
                iid = "i-0" + hexid(rng, 16)
                zone = rng.choice(zones)
                launched = days_ago(rng, 5, 600)
                stopped = rng.random() < 0.15 or (acct_index, region_index, n) == (0, 1, 0)
                size_gb = rng.choice([8, 20, 30, 50, 100])
                labels = std_labels(rng, env, app, missing=rng.random() < 0.12)
                labels["Name"] = "%s-%s-%d" % (app, env, n + 1)
                root_cost = size_gb * 0.08
                transition = ""
                if stopped:
                    when = days_ago(rng, 35, 200)
                    transition = "User initiated (%s GMT)" % when.strftime("%Y-%m-%d %H:%M:%S")
                vol_id = "vol-0" + hexid(rng, 16)
                out.append(resource(
                    "aws", account, region, "compute.instance", "ec2:instance", iid,
                    labels["Name"], "stopped" if stopped else "running", labels, launched,
                    not stopped and "web" in app, None,
                    root_cost + (0 if stopped else EC2_TYPES[itype]),
                    {"InstanceId": iid, "InstanceType": itype,
                     "ImageId": "ami-0" + hexid(rng, 16),
                     "State": {"Code": 80 if stopped else 16,
                               "Name": "stopped" if stopped else "running"},
                     "StateTransitionReason": transition, "LaunchTime": iso(launched),
                     "Placement": {"AvailabilityZone": zone, "Tenancy": "default"},
                     "PrivateIpAddress": "10.%d.%d.%d" % (acct_index * 10 + region_index,
                                                         rng.randint(0, 255),
                                                         rng.randint(2, 254)),
                     "PublicIpAddress": None if stopped else "%d.%d.%d.%d" % (
                         rng.choice([3, 18, 35, 52]), rng.randint(0, 255),
                         rng.randint(0, 255), rng.randint(1, 254)),
                     "SubnetId": "subnet-0" + hexid(rng, 16), "VpcId": vpc_id,
                     "SecurityGroups": [{"GroupId": rng.choice(groups)}],
                     "BlockDeviceMappings": [{"DeviceName": "/dev/xvda",
                                              "Ebs": {"VolumeId": vol_id}}],
                     "Tags": aws_tags(labels)}))
                encrypted = not (rng.random() < 0.07)
                out.append(resource(
                    "aws", account, region, "compute.volume", "ec2:volume", vol_id,
                    "%s-root" % labels["Name"], "in-use",
                    {k: v for k, v in labels.items() if k != "Name"}, launched, None, encrypted,
                    root_cost,
                    {"VolumeId": vol_id, "Size": size_gb, "VolumeType": "gp3", "Iops": 3000,
                     "Encrypted": encrypted, "AvailabilityZone": zone, "State": "in-use",
                     "KmsKeyId": ("arn:aws:kms:%s:%s:key/%s" % (region, account, hexid(rng, 32))
                                  if encrypted else None),
                     "Attachments": [{"InstanceId": iid, "Device": "/dev/xvda",
                                      "State": "attached"}],
                     "CreateTime": iso(launched)}))
            # An unattached data volume left behind.
            vol_id = "vol-0" + hexid(rng, 16)
            size_gb = rng.choice([100, 200, 500])
            created = days_ago(rng, 200, 700)
            out.append(resource(
                "aws", account, region, "compute.volume", "ec2:volume", vol_id,
                "old-data-%d" % region_index, "available", {"env": env},
                created, None, region_index != 1, size_gb * 0.08,
                {"VolumeId": vol_id, "Size": size_gb, "VolumeType": "gp2",
                 "Encrypted": region_index != 1, "AvailabilityZone": zones[0],
                 "State": "available", "Attachments": [], "CreateTime": iso(created)}))
            # RDS.
            for n in range(1 if region_index else 2):
                app = rng.choice(["orders", "users", "ledger", "catalog"])
                dbid = "%s-%s-db%d" % (app, env, n + 1)
                dclass = rng.choice(list(RDS_CLASSES))
                public = (acct_index, region_index, n) == (1, 0, 1)
                encrypted = (acct_index, region_index) != (1, 2)
                storage = rng.choice([50, 100, 250])
                out.append(resource(
                    "aws", account, region, "database.instance", "rds:db", dbid, dbid,
                    "available", std_labels(rng, env, app), days_ago(rng, 60, 900), public,
                    encrypted, RDS_CLASSES[dclass] + storage * 0.115,
                    {"DBInstanceIdentifier": dbid, "DBInstanceClass": dclass,
                     "Engine": rng.choice(["postgres", "mysql"]),
                     "EngineVersion": rng.choice(["15.5", "16.1", "8.0.35"]),
                     "DBInstanceStatus": "available", "AllocatedStorage": storage,
                     "StorageEncrypted": encrypted, "PubliclyAccessible": public,
                     "MultiAZ": env == "prod",
                     "Endpoint": {"Address": "%s.c%s.%s.rds.amazonaws.com" % (
                         dbid, hexid(rng, 10), region), "Port": 5432},
                     "VpcSecurityGroups": [{"VpcSecurityGroupId": groups[1],
                                            "Status": "active"}]}))
        # Buckets (one region each), IAM policies (global), EKS.
        for n, purpose in enumerate(["logs", "assets", "backups", "uploads", "terraform-state",
                                     "data-lake", "reports", "static-site"]):
            region = AWS_REGIONS[n % 3]
            bname = "acme-%s-%s" % (env, purpose)
            public = purpose in ("static-site",) or (purpose == "uploads" and env == "staging")
            encrypted = not (purpose == "reports" and env == "prod")
            size_gb = rng.randint(1, 4000)
            created = days_ago(rng, 100, 1500)
            out.append(resource(
                "aws", account, region, "storage.bucket", "s3:bucket", bname, bname, "available",
                std_labels(rng, env, purpose, missing=purpose == "reports"),
                created, public, encrypted, size_gb * 0.023,
                {"Name": bname, "BucketRegion": region, "CreationDate": iso(created),
                 "PublicAccessBlockConfiguration": {
                     "BlockPublicAcls": not public, "IgnorePublicAcls": not public,
                     "BlockPublicPolicy": not public, "RestrictPublicBuckets": not public},
                 "ServerSideEncryptionConfiguration": ({"Rules": [{
                     "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}
                     if encrypted else None),
                 "Versioning": {"Status": "Enabled" if purpose in ("backups", "terraform-state")
                                else "Suspended"}}))
        for pname in ["ReadOnlyAuditors", "DeployPipeline", "BillingViewers", "DataLakeWriters",
                      "BreakGlassAdmin"]:
            pid = "ANPA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                                   for _ in range(17))
            created = days_ago(rng, 200, 1500)
            out.append(resource(
                "aws", account, None, "iam.policy", "iam:policy", pid, pname, "active",
                {"owner": "identity", "env": env}, created, None, None, None,
                {"PolicyName": pname, "PolicyId": pid,
                 "Arn": "arn:aws:iam::%s:policy/%s" % (account, pname),
                 "DefaultVersionId": "v%d" % rng.randint(1, 6),
                 "AttachmentCount": rng.randint(0, 12), "IsAttachable": True,
                 "CreateDate": iso(created), "UpdateDate": iso(days_ago(rng, 1, 100))}))
        for region in AWS_REGIONS[: 2 - acct_index]:
            cname = "%s-%s" % (env, region.split("-")[1])
            out.append(resource(
                "aws", account, region, "kubernetes.cluster", "eks:cluster", cname, cname,
                "ACTIVE", std_labels(rng, env, "k8s"), days_ago(rng, 100, 500), True, True,
                73.0 + 3 * 70.08,
                {"name": cname, "arn": "arn:aws:eks:%s:%s:cluster/%s" % (region, account, cname),
                 "version": "1.29", "status": "ACTIVE", "platformVersion": "eks.7",
                 "endpoint": "https://%s.gr7.%s.eks.amazonaws.com" % (hexid(rng, 32).upper(),
                                                                      region),
                 "resourcesVpcConfig": {"endpointPublicAccess": True,
                                        "endpointPrivateAccess": True,
                                        "publicAccessCidrs": ["0.0.0.0/0"]}}))
    return out


# ---------------------------------------------------------------------------------- GCP

GCP_PROJECTS = [("acme-web-prod", "prod"), ("acme-data-dev", "dev")]
GCP_ZONES = {"europe-west2": ["europe-west2-a", "europe-west2-b"],
             "us-central1": ["us-central1-a", "us-central1-c"]}
GCE_TYPES = {"e2-small": 12.23, "e2-medium": 24.46, "n2-standard-2": 70.90,
             "n2-standard-4": 141.80}


def gcp_id(rng):
    return str(rng.randint(10 ** 18, 10 ** 19 - 1))


def gen_gcp(rng):
    out = []
    base = "https://www.googleapis.com/compute/v1/projects/"
    for proj_index, (project, env) in enumerate(GCP_PROJECTS):
        net_id = gcp_id(rng)
        out.append(resource(
            "gcp", project, None, "network.network", "compute:network", net_id, "default",
            "READY", None, days_ago(rng, 500, 1200), None, None, 0.0,
            {"id": net_id, "name": "default", "autoCreateSubnetworks": True,
             "selfLink": base + "%s/global/networks/default" % project,
             "routingConfig": {"routingMode": "REGIONAL"}}))
        fw_defs = [
            ("default-allow-internal", "INGRESS", [{"IPProtocol": "all"}], ["10.128.0.0/9"]),
            ("default-allow-ssh", "INGRESS", [{"IPProtocol": "tcp", "ports": ["22"]}],
             ["0.0.0.0/0"] if env == "dev" else ["35.235.240.0/20"]),
            ("default-allow-rdp", "INGRESS", [{"IPProtocol": "tcp", "ports": ["3389"]}],
             ["0.0.0.0/0"] if env == "dev" else ["35.235.240.0/20"]),
            ("allow-https-lb", "INGRESS", [{"IPProtocol": "tcp", "ports": ["443", "80"]}],
             ["0.0.0.0/0"]),
            ("allow-health-checks", "INGRESS", [{"IPProtocol": "tcp"}],
             ["130.211.0.0/22", "35.191.0.0/16"]),
            ("deny-all-egress-db", "EGRESS", [{"IPProtocol": "all"}], ["0.0.0.0/0"]),
        ]
        for name, direction, allowed, ranges in fw_defs:
            fid = gcp_id(rng)
            # GCP lists ports per protocol; no ports means all of them.
            rules = [rule(direction.lower(), a["IPProtocol"], a.get("ports") or "all", ranges)
                     for a in allowed]
            out.append(resource(
                "gcp", project, None, "network.firewall", "compute:firewall", fid, name,
                "ENABLED", None, days_ago(rng, 100, 1100), None, None, 0.0,
                {"id": fid, "name": name, "network": base + "%s/global/networks/default" % project,
                 "direction": direction, "priority": 1000, "disabled": False,
                 "sourceRanges" if direction == "INGRESS" else "destinationRanges": ranges,
                 "allowed": allowed, "rules": rules}))
        for region, zones in GCP_ZONES.items():
            for n in range(7):
                app = rng.choice(APPS)
                mtype = rng.choice(list(GCE_TYPES))
                zone = rng.choice(zones)
                iid = gcp_id(rng)
                name = "%s-%s-%s" % (app, env, hexid(rng, 4))
                created = days_ago(rng, 10, 700)
                stopped = rng.random() < 0.15 or (proj_index, region, n) == (1, "us-central1", 0)
                disk_gb = rng.choice([10, 20, 50, 100, 200])
                disk_cost = disk_gb * 0.10
                labels = std_labels(rng, env, app, missing=rng.random() < 0.15)
                attributes = {
                    "id": iid, "name": name, "zone": base + "%s/zones/%s" % (project, zone),
                    "machineType": base + "%s/zones/%s/machineTypes/%s" % (project, zone, mtype),
                    "status": "TERMINATED" if stopped else "RUNNING",
                    "creationTimestamp": created.astimezone(
                        dt.timezone(dt.timedelta(hours=-8))).isoformat(timespec="milliseconds"),
                    "networkInterfaces": [{"network": base + "%s/global/networks/default"
                                           % project, "networkIP": "10.154.0.%d"
                                           % rng.randint(2, 250)}],
                    "disks": [{"source": base + "%s/zones/%s/disks/%s" % (project, zone, name),
                               "boot": True}],
                    "labels": labels,
                }
                if stopped:
                    attributes["lastStopTimestamp"] = days_ago(rng, 40, 300).astimezone(
                        dt.timezone(dt.timedelta(hours=-8))).isoformat(timespec="milliseconds")
                out.append(resource(
                    "gcp", project, zone, "compute.instance", "compute:instance", iid, name,
                    "stopped" if stopped else "running", labels, created, None, None,
                    disk_cost + (0 if stopped else GCE_TYPES[mtype]), attributes))
                did = gcp_id(rng)
                cmek = rng.random() < 0.5
                out.append(resource(
                    "gcp", project, zone, "compute.volume", "compute:disk", did, name, "READY",
                    dict(labels), created, None, True, disk_cost,
                    {"id": did, "name": name, "sizeGb": str(disk_gb),
                     "type": base + "%s/zones/%s/diskTypes/pd-balanced" % (project, zone),
                     "zone": base + "%s/zones/%s" % (project, zone), "status": "READY",
                     "users": [base + "%s/zones/%s/instances/%s" % (project, zone, name)],
                     "diskEncryptionKey": ({"kmsKeyName": "projects/%s/locations/%s/keyRings/"
                                            "disks/cryptoKeys/default" % (project, region)}
                                           if cmek else {})}))
            for n in range(2 if region == "europe-west2" else 1):
                app = rng.choice(["orders", "analytics", "users"])
                name = "%s-%s-%s-sql%d" % (app, env, region.split("-")[0], n + 1)
                public = env == "dev" and n == 0
                tier = rng.choice(["db-custom-2-7680", "db-custom-4-15360", "db-f1-micro"])
                out.append(resource(
                    "gcp", project, region, "database.instance", "sqladmin:instance", name, name,
                    "RUNNABLE", std_labels(rng, env, app), days_ago(rng, 60, 800), public, True,
                    {"db-custom-2-7680": 112.0, "db-custom-4-15360": 224.0,
                     "db-f1-micro": 9.37}[tier],
                    {"name": name, "project": project, "region": region,
                     "databaseVersion": rng.choice(["POSTGRES_15", "MYSQL_8_0"]),
                     "state": "RUNNABLE",
                     "settings": {"tier": tier, "dataDiskSizeGb": str(rng.choice([20, 100])),
                                  "ipConfiguration": {
                                      "ipv4Enabled": public,
                                      "authorizedNetworks": ([{"value": "0.0.0.0/0",
                                                               "name": "anywhere"}]
                                                             if public else [])}}}))
        for n, purpose in enumerate(["assets", "exports", "ml-models", "backups", "public-docs",
                                     "tmp"]):
            bname = "%s-%s" % (project, purpose)
            public = purpose == "public-docs" or (purpose == "exports" and env == "dev")
            location = rng.choice(["EU", "US", "EUROPE-WEST2"])
            out.append(resource(
                "gcp", project, location.lower(), "storage.bucket", "storage:bucket", bname,
                bname, "available", std_labels(rng, env, purpose, missing=purpose == "tmp"),
                days_ago(rng, 30, 1000), public, True, rng.randint(1, 2000) * 0.020,
                {"id": bname, "name": bname, "location": location,
                 "storageClass": "STANDARD", "timeCreated": iso(days_ago(rng, 30, 1000)),
                 "iamConfiguration": {"publicAccessPrevention": "inherited" if public
                                      else "enforced",
                                      "uniformBucketLevelAccess": {"enabled": True}}}))
        cname = "%s-gke" % env
        out.append(resource(
            "gcp", project, "europe-west2", "kubernetes.cluster", "container:cluster", cname,
            cname, "RUNNING", std_labels(rng, env, "k8s"), days_ago(rng, 90, 400), False, True,
            73.0 + 3 * 70.90,
            {"name": cname, "location": "europe-west2", "currentMasterVersion": "1.29.1-gke.1589",
             "status": "RUNNING", "currentNodeCount": 3,
             "endpoint": "34.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255),
                                          rng.randint(1, 254)),
             "privateClusterConfig": {"enablePrivateNodes": True}}))
    return out


# ---------------------------------------------------------------------------------- Civo

CIVO_ACCOUNT = "5c8a2b7e-91d4-4f0c-a3b6-2e7f1d9c4a10"
CIVO_REGIONS = ["LON1", "NYC1", "FRA1"]
CIVO_SIZES = {"g3.xsmall": 5.0, "g3.small": 10.0, "g3.medium": 20.0, "g3.large": 40.0}


def civo_uuid(rng):
    h = hexid(rng, 32)
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def gen_civo(rng):
    out = []
    for region_index, region in enumerate(CIVO_REGIONS):
        net_id = civo_uuid(rng)
        out.append(resource(
            "civo", CIVO_ACCOUNT, region, "network.network", "civo:network", net_id, "Default",
            "Active", None, days_ago(rng, 300, 900), None, None, 0.0,
            {"id": net_id, "name": "cust-default-" + hexid(rng, 8), "label": "Default",
             "default": True, "cidr": "192.168.1.0/24", "status": "Active"}))
        fw_defs = [("default-default", [
            {"protocol": "tcp", "start_port": "1", "end_port": "65535", "cidr": ["0.0.0.0/0"]},
            {"protocol": "udp", "start_port": "1", "end_port": "65535", "cidr": ["0.0.0.0/0"]},
            {"protocol": "icmp", "start_port": None, "end_port": None, "cidr": ["0.0.0.0/0"]}]),
            ("web", [
                {"protocol": "tcp", "start_port": "443", "end_port": "443",
                 "cidr": ["0.0.0.0/0"]},
                {"protocol": "tcp", "start_port": "22", "end_port": "22",
                 "cidr": ["0.0.0.0/0"] if region == "NYC1" else ["198.51.100.7/32"]}])]
        firewalls = []
        for name, raw_rules in fw_defs:
            fid = civo_uuid(rng)
            firewalls.append(fid)
            raw = []
            rules = []
            for r in raw_rules:
                raw.append(dict(r, id=civo_uuid(rng), direction="ingress", action="allow",
                                label=None))
                if r["start_port"] is None:
                    ports = "all"
                elif r["start_port"] == r["end_port"]:
                    ports = r["start_port"]
                else:
                    ports = "%s-%s" % (r["start_port"], r["end_port"])
                rules.append(rule("ingress", r["protocol"], ports, r["cidr"]))
            out.append(resource(
                "civo", CIVO_ACCOUNT, region, "network.firewall", "civo:firewall", fid,
                name if name != "default-default" else "default-default-" + region.lower(),
                "active", None, days_ago(rng, 100, 800), None, None, 0.0,
                {"id": fid, "name": name, "network_id": net_id, "rules_count": len(raw),
                 "instance_count": rng.randint(0, 6), "cluster_count": rng.randint(0, 1),
                 "default": name == "default-default", "rules": rules, "raw_rules": raw}))
        for n in range(8):
            app = rng.choice(APPS)
            size = rng.choice(list(CIVO_SIZES))
            iid = civo_uuid(rng)
            host = "%s-%d.%s" % (app, n + 1, region.lower())
            stopped = rng.random() < 0.15
            labels = std_labels(rng, "prod", app, missing=rng.random() < 0.25)
            created = days_ago(rng, 5, 500)
            out.append(resource(
                "civo", CIVO_ACCOUNT, region, "compute.instance", "civo:instance", iid, host,
                "stopped" if stopped else "running", labels, created, True, None,
                CIVO_SIZES[size],
                {"id": iid, "hostname": host, "size": size,
                 "status": "SHUTOFF" if stopped else "ACTIVE", "region": region,
                 "network_id": net_id, "firewall_id": rng.choice(firewalls),
                 "public_ip": "74.220.%d.%d" % (rng.randint(16, 31), rng.randint(1, 254)),
                 "private_ip": "192.168.1.%d" % rng.randint(2, 250),
                 "source_type": "diskimage", "source_id": "ubuntu-jammy",
                 "tags": ["%s=%s" % kv for kv in labels.items()],
                 "created_at": iso(created)}))
        for n in range(3 if region_index == 0 else 2):
            vid = civo_uuid(rng)
            size_gb = rng.choice([10, 25, 50, 100])
            created = days_ago(rng, 20, 400)
            out.append(resource(
                "civo", CIVO_ACCOUNT, region, "compute.volume", "civo:volume", vid,
                "data-%s-%d" % (region.lower(), n + 1), "attached" if n else "available", None,
                created, None, None, size_gb * 0.10,
                {"id": vid, "name": "data-%s-%d" % (region.lower(), n + 1),
                 "size_gigabytes": size_gb, "status": "attached" if n else "available",
                 "network_id": net_id, "mount_point": "/dev/sdb" if n else None,
                 "created_at": iso(created)}))
        kid = civo_uuid(rng)
        nodes = rng.choice([3, 4])
        out.append(resource(
            "civo", CIVO_ACCOUNT, region, "kubernetes.cluster", "civo:kubernetes", kid,
            "k3s-%s" % region.lower(), "running", {"owner": "platform", "env": "prod"},
            days_ago(rng, 30, 300), True, None, nodes * 20.0,
            {"id": kid, "name": "k3s-%s" % region.lower(), "status": "ACTIVE",
             "version": "1.28.7-k3s1", "kubernetes_version": "1.28.7-k3s1",
             "num_target_nodes": nodes, "target_nodes_size": "g4s.kube.medium",
             "master_ip": "212.2.%d.%d" % (rng.randint(240, 255), rng.randint(1, 254)),
             "firewall_id": firewalls[0], "cni_plugin": "flannel",
             "pools": [{"id": "pool-" + hexid(rng, 6), "count": nodes,
                        "size": "g4s.kube.medium"}]}))
        dbid = civo_uuid(rng)
        out.append(resource(
            "civo", CIVO_ACCOUNT, region, "database.instance", "civo:database", dbid,
            "pg-%s" % region.lower(), "running", {"owner": "data", "env": "prod"},
            days_ago(rng, 30, 300), region == "FRA1", None, 30.0,
            {"id": dbid, "name": "pg-%s" % region.lower(), "size": "g3.db.small",
             "software": "PostgreSQL", "software_version": "14", "nodes": 1,
             "public_ipv4": "74.220.%d.%d" % (rng.randint(16, 31), rng.randint(1, 254)),
             "firewall_id": firewalls[0 if region == "FRA1" else 1], "status": "Ready",
             "network_id": net_id}))
        for purpose in (["media", "backups"] if region_index == 0 else ["backups"]):
            oid = civo_uuid(rng)
            name = "%s-%s" % (purpose, region.lower())
            out.append(resource(
                "civo", CIVO_ACCOUNT, region, "storage.bucket", "civo:objectstore", oid, name,
                "ready", None, days_ago(rng, 30, 400), purpose == "media", None, 5.0,
                {"id": oid, "name": name, "max_size": 500, "status": "ready",
                 "bucket_url": "%s.objectstore.%s.civo.com" % (name, region.lower())}))
    return out


def write_jsonl(path, resources):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for res in resources:
            f.write(json.dumps(res, sort_keys=False, separators=(",", ":")) + "\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "..", "examples", "demo"),
                        help="directory to write aws.jsonl, gcp.jsonl and civo.jsonl into")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    total = 0
    for name, gen in (("aws", gen_aws), ("gcp", gen_gcp), ("civo", gen_civo)):
        resources = gen(random.Random("%d-%s" % (args.seed, name)))
        write_jsonl(os.path.join(args.out, name + ".jsonl"), resources)
        total += len(resources)
        print("%s.jsonl: %d resources" % (name, len(resources)), file=sys.stderr)
    print("total: %d resources in %s" % (total, os.path.normpath(args.out)), file=sys.stderr)


if __name__ == "__main__":
    main()
