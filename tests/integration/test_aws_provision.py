"""test_aws_provision: `fawkes provision bucket|database|cluster create|delete` with the aws
plugin against moto (signatures and IAM enforced; EKS on a moto without auth): a dry run prints the requests and changes
nothing; --apply creates exactly what was planned (a bucket private by Block Public Access in
the spec's region; an encrypted, private RDS instance whose password AWS keeps); a delete
needs the plan's token, and a bucket tagged fawkes.io/protected is refused.
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
AVAILABLE, WHY = fake_aws_moto.available()
# moto authorizes PUT ?publicAccessBlock as s3:CreateBucket
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
    "sts:GetCallerIdentity", "s3:CreateBucket", "s3:PutBucketPublicAccessBlock",
    "s3:GetBucketLocation", "s3:GetBucketTagging", "s3:DeleteBucket",
    "rds:CreateDBInstance", "rds:DescribeDBInstances", "rds:DeleteDBInstance"]}]}


@unittest.skipUnless(AVAILABLE, WHY)
class AwsProvisionTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.moto = fake_aws_moto.Moto(accounts=1)
        try:
            self.admin = self.moto.bootstrap([ACCOUNT])[ACCOUNT]
            self.keys = self.moto.user(self.admin, "provisioner", POLICY)
        except Exception:
            self.moto.stop()
            raise
        config = {"version": 1, "plugin_dirs": [fwtest.PLUGIN_DIR],
                  "providers": [{"name": "aws-test", "plugin": "aws", "config": {
                      "endpoint": self.moto.url}}],
                  "security": {"egress_allow": ["127.0.0.1"]},
                  "state": os.path.join(self.tmp, "state.db")}
        self.config = self.write("fawkes.yaml", json.dumps(config))
        self.s3 = self.moto.client("s3", "us-east-1", self.admin)
        self.rds = self.moto.client("rds", "eu-west-2", self.admin)

    def tearDown(self):
        self.moto.stop()
        super().tearDown()

    def provision(self, what, op, spec, *args):
        path = self.write("spec.json", json.dumps(spec))
        env = {"AWS_ACCESS_KEY_ID": self.keys[0], "AWS_SECRET_ACCESS_KEY": self.keys[1],
               "HOME": self.tmp, "AWS_PROFILE": "", "AWS_REGION": "us-east-1"}
        return self.fawkes("-c", self.config, "provision", what, op, "--provider", "aws-test",
                           "--spec", path, "-o", "json", *args, env=env)

    def buckets(self):
        return sorted(b["Name"] for b in self.s3.list_buckets()["Buckets"])

    def test_bucket_create_then_delete(self):
        spec = {"name": "fawkes-logs", "region": "eu-west-2"}
        dry = self.provision("bucket", "create", spec)
        self.assertExit(dry, EXIT_OK)
        self.assertEqual(self.buckets(), [])
        requests = dry.json()["result"]["requests"]
        self.assertEqual([(r["method"], r["url"]) for r in requests],
                         [("PUT", self.moto.url + "/fawkes-logs"),
                          ("PUT", self.moto.url + "/fawkes-logs?publicAccessBlock")])
        self.assertIn("<LocationConstraint>eu-west-2</LocationConstraint>", requests[0]["body"])
        self.assertNotIn(self.keys[1], dry.stdout + dry.stderr)

        applied = self.provision("bucket", "create", spec, "--apply")
        self.assertExit(applied, EXIT_OK)
        self.assertEqual(self.buckets(), ["fawkes-logs"])
        self.assertEqual(self.s3.get_bucket_location(Bucket="fawkes-logs")["LocationConstraint"],
                         "eu-west-2")
        self.assertEqual(self.s3.get_public_access_block(Bucket="fawkes-logs")[
            "PublicAccessBlockConfiguration"], {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                                "BlockPublicPolicy": True,
                                                "RestrictPublicBuckets": True})

        plan = self.provision("bucket", "delete", spec)
        self.assertExit(plan, EXIT_OK)
        out = plan.json()
        self.assertEqual(self.buckets(), ["fawkes-logs"])
        self.assertEqual(out["result"]["targets"][0]["uid"],
                         "aws:%s:eu-west-2:storage.bucket:fawkes-logs" % ACCOUNT)
        self.assertEqual([(r["method"], r["url"]) for r in out["result"]["requests"]],
                         [("DELETE", self.moto.url + "/fawkes-logs")])
        self.assertTrue(out["needs_approval"])
        self.assertExit(self.provision("bucket", "delete", spec, "--apply"), EXIT_USAGE)
        self.assertEqual(self.buckets(), ["fawkes-logs"])
        done = self.provision("bucket", "delete", spec, "--apply", "--approve", out["token"])
        self.assertExit(done, EXIT_OK)
        self.assertEqual(self.buckets(), [])

    def test_protected_bucket_is_not_deleted(self):
        self.s3.create_bucket(Bucket="keep-me")
        self.s3.put_bucket_tagging(Bucket="keep-me", Tagging={"TagSet": [
            {"Key": "fawkes.io/protected", "Value": "true"}]})
        r = self.provision("bucket", "delete", {"name": "keep-me", "region": "us-east-1"})
        self.assertExit(r, EXIT_USAGE)
        self.assertIn("protected", r.stderr)
        self.assertEqual(self.buckets(), ["keep-me"])

    def test_database_create_then_delete(self):
        spec = {"name": "orders", "region": "eu-west-2", "engine": "PostgreSQL",
                "size": "db.t3.small", "version": "16.1", "nodes": 2}
        dry = self.provision("database", "create", spec)
        self.assertExit(dry, EXIT_OK)
        self.assertEqual(self.rds.describe_db_instances()["DBInstances"], [])
        body = dry.json()["result"]["requests"][0]["body"]
        self.assertIn("Action=CreateDBInstance", body)
        self.assertIn("ManageMasterUserPassword=true", body)
        self.assertNotIn("&MasterUserPassword=", body)
        applied = self.provision("database", "create", spec, "--apply")
        self.assertExit(applied, EXIT_OK)
        db = self.rds.describe_db_instances()["DBInstances"][0]
        self.assertEqual((db["DBInstanceIdentifier"], db["DBInstanceClass"], db["Engine"],
                          db["StorageEncrypted"], db["PubliclyAccessible"], db["MultiAZ"]),
                         ("orders", "db.t3.small", "postgres", True, False, True))
        plan = self.provision("database", "delete", {"name": "orders", "region": "eu-west-2"})
        self.assertExit(plan, EXIT_OK)
        self.assertEqual(plan.json()["result"]["targets"][0]["id"], "orders")
        self.assertIn("FinalDBSnapshotIdentifier=orders-fawkes-final",
                      plan.json()["result"]["requests"][0]["body"])
        approve = ["--approve", plan.json()["token"]]
        done = self.provision("database", "delete", {"name": "orders", "region": "eu-west-2"},
                              "--apply", *approve)
        self.assertExit(done, EXIT_OK)
        left = [d["DBInstanceStatus"] for d in self.rds.describe_db_instances()["DBInstances"]]
        self.assertIn(left, ([], ["deleting"], ["deleted"]))


@unittest.skipUnless(AVAILABLE, WHY)
class AwsClusterProvisionTest(fwtest.TestCase):
    """EKS on a moto without auth (moto 5.2 cannot verify EKS's GET signatures)."""

    def setUp(self):
        super().setUp()
        self.moto = fake_aws_moto.Moto(accounts=0, enforce_auth=False)
        self.keys = ("AKIAEKSPROVISION00", "eks-provision-secret")
        self.eks = self.moto.client("eks", "eu-west-2", self.keys)
        ec2 = self.moto.client("ec2", "eu-west-2", self.keys)
        self.vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        self.subnets = sorted(ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.9.%d.0/24" % i,
                                                AvailabilityZone="eu-west-2" + z)["Subnet"]
                              ["SubnetId"] for i, z in ((1, "a"), (2, "b")))

    def tearDown(self):
        self.moto.stop()
        super().tearDown()

    def provision(self, op, spec, *args, role="arn:aws:iam::%s:role/eks-cluster" % ACCOUNT):
        settings = {"endpoint": self.moto.url}
        if role:
            settings["eks_role_arn"] = role
        config = self.write("fawkes.yaml", json.dumps({
            "version": 1, "plugin_dirs": [fwtest.PLUGIN_DIR],
            "providers": [{"name": "aws-test", "plugin": "aws", "config": settings}],
            "security": {"egress_allow": ["127.0.0.1"]},
            "state": os.path.join(self.tmp, "state.db")}))
        path = self.write("spec.json", json.dumps(spec))
        env = {"AWS_ACCESS_KEY_ID": self.keys[0], "AWS_SECRET_ACCESS_KEY": self.keys[1],
               "HOME": self.tmp, "AWS_PROFILE": "", "AWS_REGION": "us-east-1"}
        return self.fawkes("-c", config, "provision", "cluster", op, "--provider", "aws-test",
                           "--spec", path, "-o", "json", *args, env=env)

    def test_cluster_create_then_delete(self):
        spec = {"name": "k8s-prod", "region": "eu-west-2", "version": "1.29",
                "network_id": self.vpc}
        dry = self.provision("create", spec)
        self.assertExit(dry, EXIT_OK)
        self.assertEqual(self.eks.list_clusters()["clusters"], [])
        request = dry.json()["result"]["requests"][0]
        self.assertEqual((request["method"], request["url"]),
                         ("POST", self.moto.url + "/clusters"))
        body = json.loads(request["body"])
        self.assertEqual(body["roleArn"], "arn:aws:iam::%s:role/eks-cluster" % ACCOUNT)
        self.assertEqual(sorted(body["resourcesVpcConfig"]["subnetIds"]), self.subnets)
        self.assertFalse(body["resourcesVpcConfig"]["endpointPublicAccess"])
        self.assertExit(self.provision("create", spec, "--apply"), EXIT_OK)
        cluster = self.eks.describe_cluster(name="k8s-prod")["cluster"]
        self.assertEqual((cluster["version"], sorted(cluster["resourcesVpcConfig"]["subnetIds"])),
                         ("1.29", self.subnets))

        plan = self.provision("delete", {"name": "k8s-prod", "region": "eu-west-2"})
        self.assertExit(plan, EXIT_OK)
        self.assertEqual(plan.json()["result"]["targets"][0]["uid"],
                         "aws:%s:eu-west-2:kubernetes.cluster:k8s-prod" % ACCOUNT)
        self.assertEqual(self.eks.list_clusters()["clusters"], ["k8s-prod"])
        approve = ["--approve", plan.json()["token"]]
        done = self.provision("delete", {"name": "k8s-prod", "region": "eu-west-2"}, "--apply",
                              *approve)
        self.assertExit(done, EXIT_OK)
        self.assertEqual(self.eks.list_clusters()["clusters"], [])

    def test_cluster_create_needs_role_and_two_subnets(self):
        spec = {"name": "k", "region": "eu-west-2", "network_id": ",".join(self.subnets)}
        r = self.provision("create", spec, role=None)
        self.assertNotEqual(r.code, EXIT_OK)
        self.assertIn("set eks_role_arn in the instance's config", r.stderr)
        spec["network_id"] = self.subnets[0]
        r = self.provision("create", spec)
        self.assertNotEqual(r.code, EXIT_OK)
        self.assertIn("EKS needs subnets in two availability zones", r.stderr)


if __name__ == "__main__":
    fwtest.main()
