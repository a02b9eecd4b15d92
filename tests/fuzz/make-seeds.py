#!/usr/bin/env python3
"""make-seeds.py: (re)write the seed corpora tests/fuzz/corpus/NAME from the repository's own
examples, test data and fakes (see docs/fuzzing.md). Run from anywhere; it rewrites only the
directories it makes. The audit seeds are signed logs in the documented format: they need the
private key of data/audit-ed25519.pub (not kept in the repository), so they are remade only
with --audit-key PEM (which also rewrites data/audit-ed25519.pub); without it they stay.
"""
import argparse
import base64
import glob
import hashlib
import json
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def fresh(name):
    path = os.path.join(CORPUS, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def copy_files(name, patterns):
    out = fresh(name)
    for pattern in patterns:
        for src in sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True)):
            rel = os.path.relpath(src, ROOT).replace("/", "__")
            shutil.copyfile(src, os.path.join(out, rel))


def write(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def demo_lines(count):
    """The first `count` lines of each demo inventory file, as (name, line) pairs."""
    for path in sorted(glob.glob(os.path.join(ROOT, "examples/demo/*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for i, line in zip(range(count), f):
                yield "%s-%d" % (os.path.basename(path).split(".")[0], i + 1), line


def snapshot_seeds():
    out = fresh("snapshot")
    for path in sorted(glob.glob(os.path.join(ROOT, "examples/demo/*.jsonl"))):
        base = os.path.basename(path).split(".")[0]
        with open(path, encoding="utf-8") as f:
            lines = [line for _, line in zip(range(12), f)]
        write(out, base + ".jsonl", "".join(lines))
        resources = [json.loads(line) for line in lines]
        write(out, base + "-doc.json", json.dumps({"resources": resources, "partial": True}))
        write(out, base + "-array.json", json.dumps(resources, indent=1))
        # blank lines, a byte order mark, indentation and one bad record
        write(out, base + "-edges.jsonl",
              "\ufeff" + lines[0] + "\n   \n  " + lines[1] + "{\"uid\": 1}\n" + lines[2])


def civo_seeds():
    out = fresh("civo")
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins/civo/tests/data/*.json"))):
        base = os.path.basename(path).split(".")[0]
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        items = doc.get("items", doc) if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            items = [items]
        for i, item in enumerate(items):
            write(out, "%s-%d.json" % (base, i + 1), json.dumps(item))
        if base == "firewall_rules":
            write(out, "firewall-with-rules.json",
                  json.dumps({"id": "fw-1", "name": "web", "rules": items}))


def answers(tag, *bodies):
    """A fuzz_aws / fuzz_gcp input: the listing's tag byte, then its answers NUL-separated
    (an answer (status, body) is sent with that status)."""
    parts = [b if isinstance(b, str) else "HTTP %d\n%s" % b for b in bodies]
    return tag + "\0".join(parts)


def data_text(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


S3_NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def aws_seeds():
    """The aws plugin's test answers and the fakes' error bodies, with S3's and
    DescribeRegions' answers as AWS documents them."""
    sys.path.insert(0, os.path.join(ROOT, "tests/fakes"))
    from fake_aws_proxy import _error
    out = fresh("aws")
    data = "plugins/aws/tests/data/"
    for tag, name in (("i", "ec2_instances"), ("v", "ec2_volumes"),
                      ("g", "ec2_security_groups"), ("d", "rds_instances")):
        text = data_text(data + name + ".xml")
        root = re.search(r"<(\w+)", text.replace("<?xml", "")).group(1)
        # the page after one with a token: the same answer without items or token
        write(out, name + ".in", answers(tag, text, "<%s/>" % root))
    version = data_text(data + "iam_policy_version.xml")
    tags = ("<ListPolicyTagsResponse><ListPolicyTagsResult><Tags><member><Key>owner</Key>"
            "<Value>sec</Value></member></Tags></ListPolicyTagsResult></ListPolicyTagsResponse>")
    write(out, "iam_policies.in", answers("p", data_text(data + "iam_policies_1.xml"), version,
                                          tags, data_text(data + "iam_policies_2.xml"), version,
                                          tags))
    write(out, "eks_clusters.in", answers("k", '{"clusters": ["devel"], "nextToken": null}',
                                          data_text(data + "eks_cluster.json")))
    write(out, "ec2_vpcs.in", answers(
        "n", '<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        "<requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId><vpcSet><item>"
        "<vpcId>vpc-0a60eb65b4EXAMPLE</vpcId><ownerId>123456789012</ownerId>"
        "<state>available</state><cidrBlock>10.0.0.0/16</cidrBlock><isDefault>false</isDefault>"
        "<tagSet><item><key>Name</key><value>prod</value></item></tagSet></item></vpcSet>"
        "<nextToken>page2</nextToken></DescribeVpcsResponse>", "<DescribeVpcsResponse/>"))
    write(out, "ec2_regions.in", answers(
        "r", "<DescribeRegionsResponse><requestId>r-1</requestId><regionInfo><item>"
        "<regionName>eu-west-2</regionName><regionEndpoint>ec2.eu-west-2.amazonaws.com"
        "</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item><item>"
        "<regionName>af-south-1</regionName><optInStatus>not-opted-in</optInStatus></item>"
        "</regionInfo></DescribeRegionsResponse>"))
    buckets = ("<ListAllMyBucketsResult%s><Buckets><Bucket><Name>media</Name><CreationDate>"
               "2019-12-11T23:32:47+00:00</CreationDate></Bucket><Bucket><Name>logs.example"
               "</Name><CreationDate>2020-01-02T03:04:05.000Z</CreationDate><BucketRegion>"
               "eu-west-2</BucketRegion></Bucket></Buckets><Owner><ID>abc</ID></Owner>"
               "</ListAllMyBucketsResult>" % S3_NS)
    location = "<LocationConstraint%s>EU</LocationConstraint>" % S3_NS
    block = ("<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
             "<IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>true"
             "</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets>"
             "</PublicAccessBlockConfiguration>")
    acl = ("<AccessControlPolicy><Owner><ID>abc</ID></Owner><AccessControlList><Grant>"
           '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">'
           "<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ"
           "</Permission></Grant></AccessControlList></AccessControlPolicy>")
    status = "<PolicyStatus><IsPublic>true</IsPublic></PolicyStatus>"
    sse = ("<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
           "<SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
           "<BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>")
    versioning = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
    tagging = ("<Tagging><TagSet><Tag><Key>env</Key><Value>prod</Value></Tag><Tag><Key>Name"
               "</Key><Value>media</Value></Tag></TagSet></Tagging>")
    write(out, "s3_buckets.in", answers("b", buckets, location, block, acl, status, sse,
                                        versioning, tagging, block, acl, status, sse, versioning,
                                        tagging))
    absent = [(404, _error("s3", code, "none", 404)[2]) for code in (
        "NoSuchPublicAccessBlockConfiguration", "NoSuchBucketPolicy",
        "ServerSideEncryptionConfigurationNotFoundError", "NoSuchTagSet")]
    write(out, "s3_absent.in", answers("b", buckets, "<LocationConstraint/>", absent[0], acl,
                                       absent[1], absent[2], "<VersioningConfiguration/>",
                                       absent[3]))
    write(out, "s3_denied.in", answers("b", (403, _error("s3", "AccessDenied", "no", 403)[2])))
    write(out, "ec2_denied.in", answers("i", (403, _error(
        "ec2", "UnauthorizedOperation", "You are not authorized", 403)[2])))
    write(out, "ec2_throttled.in", answers("v", (503, _error(
        "ec2", "RequestLimitExceeded", "Request limit exceeded.", 503)[2])))
    write(out, "rds_throttled.in", answers("d", (400, _error("rds", "Throttling", "Rate", 400)[2])))
    write(out, "eks_error.in", answers("k", (400, _error("eks", "ThrottlingException", "slow",
                                                          400)[2])))
    volumes = data_text(data + "ec2_volumes.xml")
    write(out, "ec2_truncated.in", answers("v", volumes[:len(volumes) // 2]))


def gcp_seeds():
    """The gcp plugin's test answers and a small project of fake_gcp's data set, as pages."""
    sys.path.insert(0, os.path.join(ROOT, "tests/fakes"))
    import fake_gcp_data
    out = fresh("gcp")
    data = "plugins/gcp/tests/data/"
    for tag, name in (("i", "instances_aggregated"), ("f", "firewalls"), ("n", "networks"),
                      ("k", "clusters"), ("s", "sql")):
        write(out, name + ".in", answers(tag, data_text(data + name + ".json")))
    disks = json.loads(data_text(data + "disks.json"))  # the items of an aggregated list
    write(out, "disks.in", answers("d", json.dumps(
        {"items": {"zones/europe-west2-a": {"disks": disks}}})))
    bucket_list = json.loads(data_text(data + "buckets.json"))
    iam = data_text(data + "bucket_iam_public.json")
    write(out, "buckets.in", answers("b", json.dumps(bucket_list),
                                     *[iam] * len(bucket_list["items"])))
    project = fake_gcp_data.Project("acme-prod", 100, 2, fake_gcp_data.ZONES[:2], "fuzz")

    def pages(tag, name, items, key="items"):
        """Two pages of `items` (nextPageToken on the first)."""
        half = len(items) // 2
        first, second = {key: items[:half], "nextPageToken": "t1"}, {key: items[half:]}
        write(out, "fake-%s.in" % name, answers(tag, json.dumps(first), json.dumps(second)))

    def zoned(key, items):
        scopes = {}
        for item in items:
            zone = item["zone"].rsplit("/", 1)[-1]
            scopes.setdefault("zones/" + zone, {key: []})[key].append(item)
        scopes["zones/us-central1-a"] = {"warning": {"code": "UNREACHABLE",
                                                     "message": "zone down"}}
        return {"items": scopes}

    write(out, "fake-instances.in", answers("i", json.dumps(zoned("instances", project.instances))))
    write(out, "fake-disks.in", answers("d", json.dumps(zoned("disks", project.disks))))
    pages("f", "firewalls", project.firewalls)
    pages("n", "networks", project.networks)
    pages("s", "sql", project.sql)
    write(out, "fake-clusters.in", answers("k", json.dumps(
        {"clusters": project.clusters, "missingZones": ["europe-west2-c"]})))
    write(out, "fake-buckets.in", answers(
        "b", json.dumps({"items": project.buckets}),
        *[json.dumps(project.iam[b["name"]]) for b in project.buckets]))
    write(out, "projects.in", answers("p", json.dumps(
        {"projects": [{"projectId": "acme-prod", "state": "ACTIVE"},
                      {"projectId": "old", "state": "DELETE_REQUESTED"}],
         "nextPageToken": "p2"}), json.dumps({"projects": [{"projectId": "acme-dev"}]})))
    error = {"error": {"code": 403, "message": "Compute Engine API has not been used",
                       "status": "PERMISSION_DENIED",
                       "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                    "reason": "SERVICE_DISABLED"}]}}
    write(out, "disabled.in", answers("f", (403, json.dumps(error))))
    write(out, "token-refresh.in", answers("n", (401, '{"error": {"code": 401}}'),
                                           '{"access_token": "ya29.new", "expires_in": 3599}',
                                           data_text(data + "networks.json")))
    write(out, "truncated.in", answers("s", data_text(data + "sql.json")[:300]))


def json_seeds(name, extra):
    out = fresh(name)
    for label, line in demo_lines(10):
        write(out, label + ".json", line.rstrip("\n"))
    for i, text in enumerate(extra):
        write(out, "edge-%d.json" % (i + 1), text)


JSON_EDGES = [
    '{"a": 1, "b": 1.5, "c": -0.0, "d": 1e300, "e": "\\u00e9\\ud83d\\ude00", "f": null}',
    '[1, [2, [3, {"x": [null, true, false]}]], {}]',
    '{"k": "tab\\tnew\\nquote\\"back\\\\slash\\/"}',
    '{"big": 9223372036854775807, "small": -9223372036854775808, "r": 0.1}',
]


def sign(key, message):
    return base64.b64encode(key.sign(message.encode())).decode()


def audit_seeds(pem):
    from cryptography.hazmat.primitives import serialization
    with open(pem, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    write(os.path.join(HERE, "data"), "audit-ed25519.pub", public)
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = hashlib.sha256(der).hexdigest()[:16]
    events = [
        {"event": "provision.planned", "instance": "civo-prod", "risk": "high",
         "token": "pt-1", "actor": {"user": "ann", "uid": 1000, "via": "cli"}},
        {"event": "http.request", "instance": "civo-prod", "method": "DELETE",
         "url": "https://api.civo.com/v2/databases/db-1", "status": 200, "attempts": 1,
         "actor": {"user": "ann", "uid": 1000, "via": "cli"}},
        {"event": "action.approved", "run_id": "r-1", "resource": "civo:a:LON1:x:1",
         "approver": {"user": "bob", "uid": 1001, "via": "api", "token": "ops"},
         "actor": {"user": "bob", "uid": 1001, "via": "api", "token": "ops"}},
        {"event": "notify.sent", "instance": "hook", "destinations": ["127.0.0.1:9"],
         "fingerprints": ["ab" * 8], "actor": {"user": "ann", "uid": 1000, "via": "cli"}},
    ]
    out = fresh("audit")

    def log(entries, signed):
        prev, seq, text = "0" * 64, 0, ""
        for seq, entry in enumerate(entries, 1):
            entry = dict(entry, seq=seq, prev=prev, time="2026-11-23T12:00:%02dZ" % seq)
            if signed:
                entry["key_id"] = kid
            entry["hash"] = hashlib.sha256(json.dumps(entry, sort_keys=True, separators=(
                ",", ":"), ensure_ascii=True).encode()).hexdigest()
            if signed:
                entry["sig"] = sign(key, "fawkes-audit-entry:v1:" + entry["hash"])
            line = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
            text += line + "\n"
            prev = hashlib.sha256(line.encode()).hexdigest()
        head = {"seq": seq, "hash": prev}
        if signed:
            head["key_id"] = kid
            head["sig"] = sign(key, "fawkes-audit-head:v1:%d:%s" % (seq, prev))
        return text, json.dumps(head)

    for signed in (False, True):
        tag = "signed" if signed else "unsigned"
        text, head = log(events, signed)
        write(out, tag + ".log", text + "\0" + head)
        write(out, tag + "-no-head.log", text)
        short, _ = log(events[:2], signed)
        write(out, tag + "-dropped-tail.log", short + "\0" + head)
        lines = text.splitlines(True)
        write(out, tag + "-reordered.log", lines[1] + lines[0] + "".join(lines[2:]) + "\0" + head)
    write(out, "empty.log", "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audit-key", help="PEM private key that signs the audit seeds")
    args = parser.parse_args()
    copy_files("config", ["examples/*.yaml", "tests/data/configs/*.yaml"])
    copy_files("policy", ["examples/policies/*.yaml", "policies/**/*.yaml",
                          "tests/data/policies-bad/*.yaml", "examples/demo-exceptions.yaml"])
    copy_files("provision_spec", ["examples/aws/*.yaml", "examples/civo/*.yaml"])
    spec = os.path.join(CORPUS, "provision_spec")
    write(spec, "database-create.yaml", "name: db\nregion: LON1\nengine: mysql\nsize: g3.db.small\n"
          "nodes: 1\nversion: \"8.0\"\nnetwork_id: net-1\n")
    write(spec, "bucket-delete.json", '{"id": "b-1", "region": "LON1", "force": true}')
    snapshot_seeds()
    civo_seeds()
    aws_seeds()
    gcp_seeds()
    json_seeds("json_fast", JSON_EDGES)
    json_seeds("luajson", JSON_EDGES + ['"a string"', "42", "null", "[]"])
    if args.audit_key:
        audit_seeds(args.audit_key)


if __name__ == "__main__":
    main()
