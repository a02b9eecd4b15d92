"""test_aws_inventory: `fawkes inventory` with the real aws plugin against moto's AWS emulator
with SigV4 signatures and IAM policies enforced (tests/fakes/fake_aws_moto.py): thousands of
resources seeded with boto3 across 3 regions and 2 accounts (the second through AssumeRole),
read with a read-only role built from the policy in plugins/aws/README.md; the inventory
equals what moto holds, exactly. Then: a role denied S3, a wrong secret, throttling / 503s /
latency and cut-short bodies injected by a proxy (tests/fakes/fake_aws_proxy.py), shared
profiles with role_arn + source_profile, IMDSv2 and ECS credentials with endpoint overrides,
and no secret in any output. page_size 7 makes IAM answer in pages (Marker/IsTruncated);
moto 5.2 answers EC2's Describe* in one page whatever MaxResults says (the unit tests follow
EC2's NextToken pages).

Moto 5.2 cannot check the signature of EKS's GET requests (it refuses boto3's own with
SignatureDoesNotMatch), so EKS is read from a second moto that does not enforce auth
(AwsEksTest); the signed runs list services ec2, s3, rds and iam.
"""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
import fake_aws_moto  # noqa: E402
from fake_aws_proxy import AwsProxy  # noqa: E402
from fake_http import FakeHTTP  # noqa: E402

EXIT_OK, EXIT_PARTIAL = 0, 3
MAIN, SECOND = "123456789012", "210987654321"
REGIONS = ["eu-west-2", "us-east-1", "ap-southeast-2"]
# per account: instances per region (in batches), extra volumes, security groups, VPCs, RDS,
# EKS per region; buckets and IAM policies per account
SCALE = {MAIN: dict(instances=400, volumes=40, groups=30, vpcs=2, dbs=2, clusters=2,
                    buckets=24, policies=40),
         SECOND: dict(instances=20, volumes=5, groups=4, vpcs=1, dbs=1, clusters=1,
                      buckets=6, policies=8)}
AVAILABLE, WHY = fake_aws_moto.available()


def readme_policy():
    """The read-only policy of plugins/aws/README.md, so the README cannot drift."""
    with open(os.path.join(fwtest.SOURCE_DIR, "plugins", "aws", "README.md")) as f:
        text = f.read()
    block = re.search(r"A ready read-only policy.*?```json\n(.*?)```", text, re.S).group(1)
    policy = json.loads(block)
    # moto authorizes GET ?publicAccessBlock, ?policyStatus and ?encryption as s3:ListBucket
    policy["Statement"].append({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"})
    return policy


def seed_region(moto, keys, region, n, tag):
    ec2 = moto.client("ec2", region, keys)
    vpcs = []
    for i in range(n["vpcs"]):
        vpc = ec2.create_vpc(CidrBlock="10.%d.0.0/16" % i)["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "%s-vpc-%d" % (tag, i)}])
        vpcs.append(vpc)
    groups = []
    for i in range(n["groups"]):
        sg = ec2.create_security_group(GroupName="%s-sg-%d" % (tag, i), Description="sg %d" % i,
                                       VpcId=vpcs[i % len(vpcs)])["GroupId"]
        perms = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                  "IpRanges": [{"CidrIp": "0.0.0.0/0" if i % 2 == 0 else "10.0.0.0/8"}]}]
        if i % 3 == 0:
            perms.append({"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8100,
                          "Ipv6Ranges": [{"CidrIpv6": "::/0"}]})
        if groups:
            perms.append({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": groups[-1]}]})
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=perms)
        groups.append(sg)
    left = n["instances"]
    while left > 0:
        count = min(left, 100)
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=count, MaxCount=count,
                          InstanceType="t3.micro" if left % 200 else "m5.large",
                          TagSpecifications=[{"ResourceType": "instance", "Tags": [
                              {"Key": "env", "Value": "prod"},
                              {"Key": "Name", "Value": "%s-web" % tag}]}])
        left -= count
    for i in range(n["volumes"]):
        ec2.create_volume(Size=10 + i, AvailabilityZone=region + "a",
                          VolumeType="gp3" if i % 2 else "gp2", Encrypted=i % 2 == 0,
                          TagSpecifications=[{"ResourceType": "volume",
                                              "Tags": [{"Key": "owner", "Value": tag}]}])
    rds = moto.client("rds", region, keys)
    for i in range(n["dbs"]):
        rds.create_db_instance(DBInstanceIdentifier="%s-db-%d" % (tag, i),
                               DBInstanceClass="db.t3.micro", Engine="postgres",
                               MasterUsername="admin", MasterUserPassword="not-a-secret-1",
                               AllocatedStorage=20, StorageEncrypted=i % 2 == 0,
                               MultiAZ=i % 2 == 1, Tags=[{"Key": "env", "Value": "prod"}])


def seed_clusters(moto, keys, region, count, tag):
    eks = moto.client("eks", region, keys)
    for i in range(count):
        eks.create_cluster(name="%s-k8s-%d" % (tag, i), version="1.29",
                           roleArn="arn:aws:iam::%s:role/eks" % MAIN,
                           resourcesVpcConfig={"subnetIds": [], "endpointPublicAccess": True,
                                               "publicAccessCidrs": ["0.0.0.0/0"] if i % 2 == 0
                                               else ["203.0.113.0/24"]},
                           encryptionConfig=[{"resources": ["secrets"], "provider": {
                               "keyArn": "arn:aws:kms:%s:%s:key/k" % (region, MAIN)}}]
                           if i % 2 else [],
                           tags={"team": tag})


def seed_global(moto, keys, n, tag):
    s3 = moto.client("s3", "us-east-1", keys)
    for i in range(n["buckets"]):
        name = "%s-bucket-%02d" % (tag, i)
        region = REGIONS[i % len(REGIONS)]
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name,
                             CreateBucketConfiguration={"LocationConstraint": region})
        if i % 4 == 0:
            s3.put_bucket_acl(Bucket=name, ACL="public-read")
        if i % 4 == 1:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True})
        if i % 3 == 0:
            s3.put_bucket_versioning(Bucket=name,
                                     VersioningConfiguration={"Status": "Enabled"})
            s3.put_bucket_tagging(Bucket=name,
                                  Tagging={"TagSet": [{"Key": "env", "Value": "prod"}]})
        if i % 5 == 0:
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    iam = moto.client("iam", "us-east-1", keys)
    for i in range(n["policies"]):
        doc = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*" if i % 7 == 0 else ["s3:GetObject", "ec2:Describe*"],
             "Resource": "*" if i % 2 else "arn:aws:s3:::x/a b+c%%d&e"}]}
        kwargs = {"Tags": [{"Key": "owner", "Value": tag}]} if i % 2 else {}
        iam.create_policy(PolicyName="%s-policy-%d" % (tag, i), PolicyDocument=json.dumps(doc),
                          **kwargs)


def pages(client, op, key, **kw):
    out = []
    for page in client.get_paginator(op).paginate(**kw):
        out.extend(page[key])
    return out


def expected_uids(moto, keys, account):
    """Every resource moto holds for the account, as uids (what the inventory must list)."""
    uids = set()
    for region in REGIONS:
        ec2 = moto.client("ec2", region, keys)
        for r in pages(ec2, "describe_instances", "Reservations"):
            uids |= {"aws:%s:%s:compute.instance:%s" % (account, region, i["InstanceId"])
                     for i in r["Instances"]}
        uids |= {"aws:%s:%s:compute.volume:%s" % (account, region, v["VolumeId"])
                 for v in pages(ec2, "describe_volumes", "Volumes")}
        uids |= {"aws:%s:%s:network.firewall:%s" % (account, region, g["GroupId"])
                 for g in pages(ec2, "describe_security_groups", "SecurityGroups")}
        uids |= {"aws:%s:%s:network.network:%s" % (account, region, v["VpcId"])
                 for v in pages(ec2, "describe_vpcs", "Vpcs")}
        uids |= {"aws:%s:%s:database.instance:%s" % (account, region, d["DBInstanceIdentifier"])
                 for d in pages(moto.client("rds", region, keys), "describe_db_instances",
                                "DBInstances")}
    s3 = moto.client("s3", "us-east-1", keys)
    for b in s3.list_buckets()["Buckets"]:
        region = s3.get_bucket_location(Bucket=b["Name"])["LocationConstraint"] or "us-east-1"
        uids.add("aws:%s:%s:storage.bucket:%s" % (account, region, b["Name"]))
    iam = moto.client("iam", "us-east-1", keys)
    uids |= {"aws:%s:global:iam.policy:%s" % (account, p["PolicyId"])
             for p in pages(iam, "list_policies", "Policies", Scope="Local")}
    return uids


def stable(resources):
    """Resources sorted by uid, without what moto changes between two reads."""
    out = []
    for r in sorted(resources, key=lambda x: x["uid"]):
        r["attributes"].pop("LatestRestorableTime", None)
        out.append(r)
    return out


@unittest.skipUnless(AVAILABLE, WHY)
class AwsMotoTest(fwtest.TestCase):
    """One moto for the module, seeded once; every test only reads it."""

    @classmethod
    def setUpClass(cls):
        cls.moto = fake_aws_moto.Moto(accounts=2)
        try:
            cls.admins = cls.moto.bootstrap([MAIN, SECOND])
            for account, tag in ((MAIN, "main"), (SECOND, "second")):
                for region in REGIONS:
                    seed_region(cls.moto, cls.admins[account], region, SCALE[account], tag)
                seed_global(cls.moto, cls.admins[account], SCALE[account], tag)
            policy = readme_policy()
            denied = json.loads(json.dumps(policy))
            denied["Statement"].append({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})
            cls.reader = cls.moto.user(cls.admins[MAIN], "fawkes", {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:GetCallerIdentity"],
                     "Resource": "*"}]})
            reader_arn = "arn:aws:iam::%s:user/fawkes" % MAIN
            cls.roles = {account: cls.moto.role(cls.admins[account], "fawkes-audit", policy,
                                                reader_arn) for account in (MAIN, SECOND)}
            cls.denied_role = cls.moto.role(cls.admins[MAIN], "fawkes-no-s3", denied, reader_arn)
            cls.expected = {account: expected_uids(cls.moto, cls.admins[account], account)
                            for account in (MAIN, SECOND)}
        except Exception:
            cls.moto.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def config(self, endpoint=None, limits=None, **aws):
        settings = {"endpoint": endpoint or self.moto.url, "regions": REGIONS, "page_size": 7,
                    "services": ["ec2", "s3", "rds", "iam"]}
        settings.update(aws)
        config = {"version": 1, "providers": [{"name": "aws-test", "plugin": "aws",
                                               "config": settings,
                                               "limits": dict({"concurrency": 8},
                                                              **(limits or {}))}],
                  "plugin_dirs": [fwtest.PLUGIN_DIR],
                  "security": {"egress_allow": ["127.0.0.1"]}}
        return self.write("fawkes.yaml", json.dumps(config, indent=2))

    def env(self, keys=None):
        keys = keys or self.reader
        env = {"AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1],
               "HOME": self.tmp, "AWS_REGION": "us-east-1"}
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                     "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            env[name] = ""
        return env

    def inventory(self, config, env, *extra):
        return self.fawkes("-c", config, "inventory", "-o", "json", *extra, env=env,
                           timeout=280)

    def assertNoSecrets(self, result, *secrets):
        for secret in secrets:
            self.assertNotIn(secret, result.stdout)
            self.assertNotIn(secret, result.stderr)

    def test_inventory_equals_moto_two_accounts(self):
        r = self.inventory(self.config(accounts=[self.roles[MAIN], self.roles[SECOND]]),
                           self.env(), "--log-level", "debug")
        self.assertExit(r, EXIT_OK)
        resources = r.json()["resources"]
        got = [x["uid"] for x in resources]
        self.assertEqual(len(got), len(set(got)), "duplicate uids")
        self.assertEqual(set(got), self.expected[MAIN] | self.expected[SECOND])
        self.assertGreater(len(got), 2500)
        self.assertNoSecrets(r, self.reader[1], self.admins[MAIN][1])
        by_uid = {x["uid"]: x for x in resources}
        self.check_fields(by_uid)

    def check_fields(self, by_uid):
        kinds = {}
        for r in by_uid.values():
            kinds.setdefault((r["account"], r["kind"]), []).append(r)
        instances = kinds[(MAIN, "compute.instance")]
        self.assertEqual(len(instances), 3 * SCALE[MAIN]["instances"])
        web = instances[0]
        self.assertEqual(web["state"], "running")
        self.assertEqual(web["name"], "main-web")
        self.assertEqual(web["labels"], {"env": "prod", "Name": "main-web"})
        self.assertIn(web["attributes"]["InstanceType"], ("t3.micro", "m5.large"))
        self.assertEqual(web["monthly_cost"],
                         {"t3.micro": 7.59, "m5.large": 70.08}[web["attributes"]["InstanceType"]])
        self.assertIsInstance(web["attributes"]["State"]["Code"], int)
        vols = [v for v in kinds[(MAIN, "compute.volume")] if v["labels"].get("owner") == "main"]
        self.assertEqual(len(vols), 3 * SCALE[MAIN]["volumes"])
        for v in vols:
            self.assertEqual(v["encrypted"], v["attributes"]["Size"] % 2 == 0)
            self.assertIsInstance(v["attributes"]["Size"], int)
        sgs = {g["name"]: g for g in kinds[(MAIN, "network.firewall")] if g["region"] == "eu-west-2"}
        sg0 = sgs["main-sg-0"]["attributes"]["rules"]
        self.assertIn({"id": "ingress:tcp:22-22", "direction": "ingress", "protocol": "tcp",
                       "ports": "22",
                       "cidrs": ["0.0.0.0/0"], "action": "allow", "groups": [],
                       "prefix_lists": []}, sg0)
        self.assertIn({"id": "ingress:tcp:8000-8100", "direction": "ingress", "protocol": "tcp",
                       "ports": "8000-8100",
                       "cidrs": ["::/0"], "action": "allow", "groups": [],
                       "prefix_lists": []}, sg0)
        self.assertTrue(sgs["main-sg-0"]["public"])
        sg1 = sgs["main-sg-1"]
        self.assertFalse(sg1["public"])
        self.assertIn(sgs["main-sg-0"]["id"],
                      [g for rule in sg1["attributes"]["rules"] for g in rule["groups"]])
        buckets = {b["name"]: b for b in kinds[(MAIN, "storage.bucket")]}
        self.assertEqual(len(buckets), SCALE[MAIN]["buckets"])
        for i in range(SCALE[MAIN]["buckets"]):
            b = buckets["main-bucket-%02d" % i]
            self.assertEqual(b["region"], REGIONS[i % len(REGIONS)])
            self.assertEqual(b["public"], i % 4 == 0, b["name"])
            self.assertEqual(b["encrypted"], i % 5 == 0, b["name"])
            self.assertEqual(b["labels"], {"env": "prod"} if i % 3 == 0 else {})
            self.assertEqual(b["attributes"]["Versioning"].get("Status"),
                             "Enabled" if i % 3 == 0 else None)
            block = b["attributes"]["PublicAccessBlockConfiguration"]
            self.assertEqual(block and block["IgnorePublicAcls"], True if i % 4 == 1 else None)
        policies = {p["name"]: p for p in kinds[(MAIN, "iam.policy")]}
        self.assertEqual(len(policies), SCALE[MAIN]["policies"])
        p0, p1 = policies["main-policy-0"], policies["main-policy-1"]
        self.assertIsNone(p0["region"])
        self.assertEqual(p0["attributes"]["Document"]["Statement"][0],
                         {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::x/a b+c%%d&e"})
        self.assertEqual(p1["labels"], {"owner": "main"})
        self.assertEqual(p0["labels"], {})
        self.assertEqual(len(kinds[(MAIN, "database.instance")]), 3 * SCALE[MAIN]["dbs"])
        dbs = {d["id"]: d for d in kinds[(MAIN, "database.instance")] if d["region"] == "eu-west-2"}
        self.assertTrue(dbs["main-db-0"]["encrypted"])
        self.assertFalse(dbs["main-db-1"]["encrypted"])
        self.assertTrue(dbs["main-db-1"]["attributes"]["MultiAZ"])
        self.assertEqual(dbs["main-db-0"]["labels"], {"env": "prod"})

    def test_s3_denied_fails_s3_only(self):
        r = self.inventory(self.config(role_arn=self.denied_role), self.env())
        self.assertExit(r, EXIT_PARTIAL)
        self.assertRegex(r.stderr, r"s3 ListBuckets in us-east-1 \(account %s\): HTTP 403 "
                                   r"AccessDenied" % MAIN)
        got = {x["uid"] for x in r.json()["resources"]}
        self.assertEqual(got, {u for u in self.expected[MAIN] if ":storage.bucket:" not in u})

    def test_wrong_secret_is_refused_and_never_shown(self):
        wrong = "Wr0ngSecretKeyThatMustNeverBeShown0000000"
        r = self.inventory(self.config(), self.env((self.reader[0], wrong)))
        self.assertNotEqual(r.code, EXIT_OK, repr(r))
        self.assertRegex(r.stderr, r"sts GetCallerIdentity .*HTTP 4\d\d "
                                   r"(SignatureDoesNotMatch|AuthFailure|InvalidClientTokenId)")
        self.assertNoSecrets(r, wrong)

    def test_throttling_503_and_latency_keep_the_inventory(self):
        direct = self.inventory(self.config(role_arn=self.roles[SECOND]), self.env())
        self.assertExit(direct, EXIT_OK)
        proxy = AwsProxy(self.moto.url, {"throttle_every": 4, "unavailable_every": 7,
                                         "latency_ms": 5})
        try:
            # the proxy throttles every 4th and fails every 7th request it sees, whoever sent
            # it: with 8 requests in flight one request may meet several in a row, so it gets
            # more retries than the default 4 (each retry still goes through the host)
            config = self.config(endpoint=proxy.url, role_arn=self.roles[SECOND],
                                 limits={"retries": 12, "backoff_base": "20ms",
                                         "backoff_max": "500ms"})
            r = self.inventory(config, self.env())
        finally:
            proxy.stop()
        self.assertExit(r, EXIT_OK)
        self.assertGreater(proxy.counts["throttled"], 10)
        self.assertGreater(proxy.counts["unavailable"], 5)
        self.assertEqual(stable(r.json()["resources"]), stable(direct.json()["resources"]))
        self.assertEqual({x["uid"] for x in r.json()["resources"]}, self.expected[SECOND])

    def test_cut_short_body_fails_its_task(self):
        proxy = AwsProxy(self.moto.url, {"truncate_action": "DescribeVolumes"})
        try:
            r = self.inventory(self.config(endpoint=proxy.url, role_arn=self.roles[SECOND]),
                               self.env())
        finally:
            proxy.stop()
        self.assertExit(r, EXIT_PARTIAL)
        self.assertIn("ec2 DescribeVolumes in eu-west-2 (account %s): the answer is not "
                      "well-formed XML" % SECOND, r.stderr)
        got = {x["uid"] for x in r.json()["resources"]}
        self.assertEqual(got, {u for u in self.expected[SECOND] if ":compute.volume:" not in u})

    def test_denied_by_service_names_it(self):
        proxy = AwsProxy(self.moto.url, {"deny_service": "rds"})
        try:
            r = self.inventory(self.config(endpoint=proxy.url, role_arn=self.roles[SECOND]),
                               self.env())
        finally:
            proxy.stop()
        self.assertExit(r, EXIT_PARTIAL)
        for region in REGIONS:
            self.assertIn("rds DescribeDBInstances in %s (account %s): HTTP 403 AccessDenied: "
                          "denied by the fake (request id fake-proxy)" % (region, SECOND),
                          r.stderr)
        got = {x["uid"] for x in r.json()["resources"]}
        self.assertEqual(got,
                         {u for u in self.expected[SECOND] if ":database.instance:" not in u})

    def test_profile_with_source_profile_and_role(self):
        self.write(".aws/credentials", """\
            [reader]
            aws_access_key_id = %s
            aws_secret_access_key = %s
            """ % self.reader)
        self.write(".aws/config", """\
            [profile audit]
            role_arn = %s
            source_profile = reader
            region = us-east-1
            s3 =
              max_concurrent_requests = 4
            """ % self.roles[SECOND])
        env = self.env()
        env["AWS_ACCESS_KEY_ID"] = env["AWS_SECRET_ACCESS_KEY"] = ""
        r = self.inventory(self.config(profile="audit"), env)
        self.assertExit(r, EXIT_OK)
        self.assertEqual({x["uid"] for x in r.json()["resources"]}, self.expected[SECOND])
        env["AWS_PROFILE"] = "audit"  # the same through the default chain
        r = self.inventory(self.config(), env, "--kind", "iam.policy")
        self.assertExit(r, EXIT_OK)
        self.assertEqual({x["uid"] for x in r.json()["resources"]},
                         {u for u in self.expected[SECOND] if ":iam.policy:" in u})
        r = self.inventory(self.config(profile="missing"), env)
        self.assertNotEqual(r.code, EXIT_OK)
        self.assertIn("AWS profile missing not found", r.stderr)

    def credentials_document(self, keys):
        return {"Code": "Success", "AccessKeyId": keys[0], "SecretAccessKey": keys[1],
                "Token": "", "Expiration": "2099-01-01T00:00:00Z"}

    def test_imdsv2_credentials_with_endpoint_override(self):
        with FakeHTTP() as imds:
            imds.add("PUT /latest/api/token", {"status": 200, "body": "imds-session-token-1",
                                               "repeat": True})
            imds.add("GET /latest/meta-data/iam/security-credentials/",
                     {"status": 200, "body": "fawkes-instance-role", "repeat": True})
            imds.add("GET /latest/meta-data/iam/security-credentials/fawkes-instance-role",
                     {"status": 200, "body": json.dumps(self.credentials_document(self.reader)),
                      "repeat": True})
            env = self.env()
            env["AWS_ACCESS_KEY_ID"] = env["AWS_SECRET_ACCESS_KEY"] = ""
            env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url("")
            r = self.inventory(self.config(role_arn=self.roles[SECOND]), env, "--kind",
                               "network.network")
            token_puts = imds.requests("/latest/api/token", "PUT")
            role_gets = imds.requests("/latest/meta-data/iam/security-credentials/", "GET")
        self.assertExit(r, EXIT_OK)
        self.assertEqual({x["uid"] for x in r.json()["resources"]},
                         {u for u in self.expected[SECOND] if ":network.network:" in u})
        self.assertEqual(token_puts[0]["headers"]["x-aws-ec2-metadata-token-ttl-seconds"], "21600")
        self.assertEqual(role_gets[0]["headers"]["x-aws-ec2-metadata-token"],
                         "imds-session-token-1")

    def test_ecs_container_credentials(self):
        with FakeHTTP() as ecs:
            ecs.add("GET /creds", {"status": 200,
                                   "body": self.credentials_document(self.reader),
                                   "repeat": True})
            env = self.env()
            env["AWS_ACCESS_KEY_ID"] = env["AWS_SECRET_ACCESS_KEY"] = ""
            env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ecs.url("/creds")
            env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "ecs-auth-token-secret"
            r = self.inventory(self.config(role_arn=self.roles[SECOND]), env, "--kind",
                               "database.instance", "--log-level", "debug")
            got = ecs.requests("/creds", "GET")
        self.assertExit(r, EXIT_OK)
        self.assertEqual({x["uid"] for x in r.json()["resources"]},
                         {u for u in self.expected[SECOND] if ":database.instance:" in u})
        self.assertEqual(got[0]["headers"]["authorization"], "ecs-auth-token-secret")
        self.assertNoSecrets(r, "ecs-auth-token-secret", self.reader[1])


@unittest.skipUnless(AVAILABLE, WHY)
class AwsEksTest(fwtest.TestCase):
    """EKS on a moto without auth (see the module's docstring): every page, each cluster."""

    def test_clusters(self):
        moto = fake_aws_moto.Moto(accounts=0, enforce_auth=False)
        try:
            keys = ("AKIAEKSTEST", "eks-test-secret")
            for region in REGIONS[:2]:
                seed_clusters(moto, keys, region, 7, "team%d" % REGIONS.index(region))
            settings = {"endpoint": moto.url, "regions": REGIONS[:2], "services": ["eks"],
                        "page_size": 3}
            config = self.write("fawkes.yaml", json.dumps({
                "version": 1, "plugin_dirs": [fwtest.PLUGIN_DIR],
                "providers": [{"name": "aws-eks", "plugin": "aws", "config": settings}],
                "security": {"egress_allow": ["127.0.0.1"]}}))
            env = {"AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1],
                   "HOME": self.tmp, "AWS_PROFILE": "", "AWS_REGION": "us-east-1"}
            r = self.fawkes("-c", config, "inventory", "-o", "json", env=env)
        finally:
            moto.stop()
        self.assertExit(r, EXIT_OK)
        clusters = {c["uid"]: c for c in r.json()["resources"]}
        self.assertEqual(set(clusters), {"aws:%s:%s:kubernetes.cluster:team%d-k8s-%d"
                                         % (MAIN, region, REGIONS.index(region), i)
                                         for region in REGIONS[:2] for i in range(7)})
        c0 = clusters["aws:%s:eu-west-2:kubernetes.cluster:team0-k8s-0" % MAIN]
        c1 = clusters["aws:%s:eu-west-2:kubernetes.cluster:team0-k8s-1" % MAIN]
        self.assertEqual(c0["labels"], {"team": "team0"})
        self.assertEqual(c0["attributes"]["version"], "1.29")
        self.assertEqual(c0["native_type"], "eks:cluster")
        self.assertRegex(c0["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual((c0["public"], c0["encrypted"]), (True, False))
        self.assertEqual((c1["public"], c1["encrypted"]), (False, True))


if __name__ == "__main__":
    fwtest.main()
