"""test_aws_actions: the aws provider's actions in playbooks against moto with SigV4 and IAM
enforced (tests/fakes/fake_aws_moto.py): the shipped close-open-admin-ports.lua and a playbook
that stops an instance, blocks public access on a bucket and adds tags. A dry run changes
nothing in moto; --apply without the approval token is refused; --apply --approve makes
exactly the documented change (plugins/aws/README.md, Actions) and nothing else.
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
import fake_aws_moto  # noqa: E402

EXIT_OK, EXIT_USAGE = 0, 2
ACCOUNT = "123456789012"
REGIONS = ["eu-west-2", "us-east-1"]
AVAILABLE, WHY = fake_aws_moto.available()

# Read what the inventory reads, and change only what the actions change. Moto authorizes
# PUT ?publicAccessBlock as s3:CreateBucket and GET ?publicAccessBlock/?policyStatus/
# ?encryption as s3:ListBucket, so those are granted too.
ACTIONS_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
    "sts:GetCallerIdentity", "ec2:Describe*", "s3:ListAllMyBuckets", "s3:GetBucket*",
    "s3:GetEncryptionConfiguration", "s3:ListBucket", "iam:ListPolicies",
    "ec2:RevokeSecurityGroupIngress", "ec2:StopInstances", "ec2:CreateTags",
    "s3:PutBucketPublicAccessBlock", "s3:CreateBucket", "s3:PutBucketTagging",
    "rds:DescribeDBInstances", "rds:AddTagsToResource"]}]}

TAG_AND_BLOCK = """
meta = { description = "stop idle instances, block public buckets, tag volumes" }
for vm in fawkes.inventory{provider = "aws-test", kind = "compute.instance"} do
  if vm.labels.idle == "yes" and vm.state == "running" then fawkes.action(vm, "stop") end
end
for b in fawkes.inventory{provider = "aws-test", kind = "storage.bucket"} do
  if b.public then
    fawkes.action(b, "block_public_access")
    fawkes.action(b, "add_tag", {tag = "reviewed=fawkes"})
  end
end
for v in fawkes.inventory{provider = "aws-test", kind = "compute.volume"} do
  if v.labels.owner == nil then fawkes.action(v, "add_tag", {tag = "owner=platform"}) end
end
"""


@unittest.skipUnless(AVAILABLE, WHY)
class AwsActionsTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.moto = fake_aws_moto.Moto(accounts=1)
        try:
            self.admin = self.moto.bootstrap([ACCOUNT])[ACCOUNT]
            self.seed()
            self.keys = self.moto.user(self.admin, "fawkes", ACTIONS_POLICY)
        except Exception:
            self.moto.stop()
            raise
        self.audit = os.path.join(self.tmp, "audit.jsonl")
        config = {"version": 1, "plugin_dirs": [fwtest.PLUGIN_DIR],
                  "providers": [{"name": "aws-test", "plugin": "aws", "config": {
                      "endpoint": self.moto.url, "regions": REGIONS,
                      "services": ["ec2", "s3"]}}],
                  "security": {"egress_allow": ["127.0.0.1"], "audit_log": self.audit},
                  "state": os.path.join(self.tmp, "state.db"),
                  "playbooks": {"max_actions": 100}}
        self.config = self.write("fawkes.yaml", json.dumps(config, indent=2))

    def tearDown(self):
        self.moto.stop()
        super().tearDown()

    def seed(self):
        self.groups = {}
        self.idle = {}
        for region in REGIONS:
            ec2 = self.moto.client("ec2", region, self.admin)
            sg = ec2.create_security_group(GroupName="admin-open", Description="x")["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                 "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}]},
                {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
                 "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                 "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
            self.groups[region] = sg
            run = ec2.run_instances(ImageId="ami-12c6146b", MinCount=3, MaxCount=3,
                                    InstanceType="t3.micro")
            ids = [i["InstanceId"] for i in run["Instances"]]
            ec2.create_tags(Resources=ids[:1], Tags=[{"Key": "idle", "Value": "yes"}])
            ec2.create_tags(Resources=ids[1:], Tags=[{"Key": "idle", "Value": "no"}])
            self.idle[region] = ids[0]
            vols = [v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]]
            ec2.create_tags(Resources=vols[1:], Tags=[{"Key": "owner", "Value": "data"}])
        s3 = self.moto.client("s3", "us-east-1", self.admin)
        s3.create_bucket(Bucket="public-media")
        s3.put_bucket_acl(Bucket="public-media", ACL="public-read")
        s3.put_bucket_tagging(Bucket="public-media",
                              Tagging={"TagSet": [{"Key": "env", "Value": "prod"}]})
        s3.create_bucket(Bucket="private-logs")

    def state(self):
        """What the actions may change, as moto holds it."""
        out = {}
        for region in REGIONS:
            ec2 = self.moto.client("ec2", region, self.admin)
            out[region] = {
                "groups": sorted(json.dumps(g, sort_keys=True)
                                 for g in ec2.describe_security_groups()["SecurityGroups"]),
                "instances": sorted((i["InstanceId"], i["State"]["Name"])
                                    for r in ec2.describe_instances()["Reservations"]
                                    for i in r["Instances"]),
                "volumes": sorted((v["VolumeId"], json.dumps(v.get("Tags", []), sort_keys=True))
                                  for v in ec2.describe_volumes()["Volumes"])}
        s3 = self.moto.client("s3", "us-east-1", self.admin)
        for bucket in ("public-media", "private-logs"):
            try:
                block = s3.get_public_access_block(Bucket=bucket)[
                    "PublicAccessBlockConfiguration"]
            except s3.exceptions.ClientError:
                block = None
            try:
                tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
            except s3.exceptions.ClientError:
                tags = []
            out[bucket] = {"block": block, "tags": sorted((t["Key"], t["Value"]) for t in tags)}
        return out

    def env(self):
        return {"AWS_ACCESS_KEY_ID": self.keys[0], "AWS_SECRET_ACCESS_KEY": self.keys[1],
                "HOME": self.tmp, "AWS_PROFILE": "", "AWS_REGION": "us-east-1"}

    def play(self, path, *args):
        return self.fawkes("-c", self.config, "playbook", "run", path, "-o", "json", *args,
                           env=self.env())

    def test_close_open_admin_ports(self):
        shipped = os.path.join(fwtest.SOURCE_DIR, "playbooks", "close-open-admin-ports.lua")
        before = self.state()
        dry = self.play(shipped)
        self.assertExit(dry, EXIT_OK)
        out = dry.json()
        self.assertEqual(self.state(), before)
        self.assertTrue(out["needs_approval"])  # delete_firewall_rule is high risk
        steps = sorted((s["resource"].split(":")[2], s["params"]["rule_id"]) for s in out["steps"])
        self.assertEqual(steps, sorted((r, rule) for r in REGIONS
                                       for rule in ("ingress:tcp:22-22", "ingress:tcp:3389-3389")))
        step = [s for s in out["steps"] if s["params"]["rule_id"] == "ingress:tcp:22-22"][0]
        request = step["preview"]["requests"][0]
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["url"], self.moto.url + "/")
        self.assertIn("Action=RevokeSecurityGroupIngress", request["body"])
        self.assertIn("IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0%2F0", request["body"])
        self.assertIn("IpPermissions.1.IpRanges.2.CidrIp=10.0.0.0%2F8", request["body"])

        refused = self.play(shipped, "--apply")
        self.assertExit(refused, EXIT_USAGE)
        self.assertEqual(self.state(), before)

        applied = self.play(shipped, "--apply", "--approve", out["token"])
        self.assertExit(applied, EXIT_OK)
        self.assertEqual({s["status"] for s in applied.json()["steps"]}, {"executed"})
        after = self.state()
        for region in REGIONS:
            ec2 = self.moto.client("ec2", region, self.admin)
            group = ec2.describe_security_groups(GroupIds=[self.groups[region]])[
                "SecurityGroups"][0]
            self.assertEqual([(p["FromPort"], p["IpRanges"]) for p in group["IpPermissions"]],
                             [(443, [{"CidrIp": "0.0.0.0/0"}])])
            self.assertEqual(after[region]["instances"], before[region]["instances"])
            self.assertEqual(after[region]["volumes"], before[region]["volumes"])
        self.assertEqual(after["public-media"], before["public-media"])
        again = self.play(shipped)
        self.assertExit(again, EXIT_OK)
        self.assertEqual(again.json()["steps"], [])
        with open(self.audit, encoding="utf-8") as f:
            text = f.read()
        self.assertNotIn(self.keys[1], text)
        self.assertIn('"event":"action.executed"', text)

    def test_stop_block_and_tag(self):
        play = self.write("tidy.lua", TAG_AND_BLOCK)
        before = self.state()
        dry = self.play(play)
        self.assertExit(dry, EXIT_OK)
        self.assertEqual(self.state(), before)
        out = dry.json()
        actions = sorted(s["action"] for s in out["steps"])
        self.assertEqual(actions, ["add_tag"] * 3 + ["block_public_access"] + ["stop"] * 2)
        applied = self.play(play, "--apply", "--approve", out["token"])
        self.assertExit(applied, EXIT_OK)
        after = self.state()
        for region in REGIONS:
            states = dict(after[region]["instances"])
            want = dict(before[region]["instances"])
            want[self.idle[region]] = "stopped"
            self.assertEqual(states, want)
            self.assertEqual(after[region]["groups"], before[region]["groups"])
            tagged = [json.loads(tags) for _, tags in after[region]["volumes"]]
            self.assertTrue(all({"Key": "owner", "Value": "platform"} in t or
                                {"Key": "owner", "Value": "data"} in t for t in tagged))
        self.assertEqual(after["public-media"]["block"], {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        self.assertEqual(after["public-media"]["tags"], [("env", "prod"), ("reviewed", "fawkes")])
        self.assertEqual(after["private-logs"], before["private-logs"])


if __name__ == "__main__":
    fwtest.main()
