"""fake_aws_moto: moto's AWS emulator (`python3 -m moto.server`) for the aws plugin's tests,
with SigV4 signatures and IAM policies enforced, seeded through boto3.

    moto = Moto()                      # starts moto on 127.0.0.1 (free port), auth enforced
    admins = moto.bootstrap(["123456789012", "210987654321"])   # an admin user per account
    ec2 = moto.client("ec2", "eu-west-2", admins["123456789012"])

Moto counts requests: the first INITIAL_NO_AUTH_ACTION_COUNT are not checked, every later
one must carry a valid signature of a user or role moto knows and be allowed by its IAM
policies (AuthFailure / SignatureDoesNotMatch / AccessDenied otherwise). bootstrap() spends
exactly those first requests creating an admin user (inline policy Allow * on *) with an
access key in each account (the account is chosen with moto's x-moto-account-id header);
everything after is signed as one of the users created.

`available()` says whether moto and boto3 are importable (the tests skip, saying how to get
them, when they are not).
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

ADMIN_POLICY = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
BOOTSTRAP_CALLS_PER_ACCOUNT = 3  # create_user, put_user_policy, create_access_key


def available():
    """(True, "") or (False, what to do)."""
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as e:
        return False, ("moto/boto3 not installed (%s): install them (Debian: apt-get install "
                       "python3-boto3; pip install 'moto[server]>=5') to run the AWS tests" % e)
    return True, ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """A moto server process; `url` is its base URL."""

    def __init__(self, accounts=1, log_path=None, enforce_auth=True):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        env = dict(os.environ)
        if enforce_auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(BOOTSTRAP_CALLS_PER_ACCOUNT * accounts)
        else:
            env.pop("INITIAL_NO_AUTH_ACTION_COUNT", None)
        env.pop("MOTO_ACCOUNT_ID", None)
        self.log = open(log_path or os.devnull, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).read()
                break
            except Exception:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("moto did not start on %s" % self.url)
                time.sleep(0.2)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def client(self, service, region, keys, account=None):
        """A boto3 client signed with `keys` ((id, secret[, token])); `account` sends moto's
        x-moto-account-id header (only useful before auth is enforced)."""
        import boto3
        from botocore.config import Config
        client = boto3.client(
            service, region_name=region, endpoint_url=self.url,
            aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
            aws_session_token=keys[2] if len(keys) > 2 else None,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}))
        if account:
            def add_header(request, **_):
                request.headers["x-moto-account-id"] = account
            client.meta.events.register("before-sign.*.*", add_header)
        return client

    def bootstrap(self, accounts):
        """{account: (access key id, secret)} of an admin user in each account."""
        admins = {}
        for account in accounts:
            iam = self.client("iam", "us-east-1", ("AKIABOOTSTRAP", "bootstrap"), account)
            iam.create_user(UserName="admin")
            iam.put_user_policy(UserName="admin", PolicyName="admin",
                                PolicyDocument=json.dumps(ADMIN_POLICY))
            key = iam.create_access_key(UserName="admin")["AccessKey"]
            admins[account] = (key["AccessKeyId"], key["SecretAccessKey"])
        return admins

    def user(self, admin_keys, name, policy):
        """A user of the admin's account with `policy` inline; its (key id, secret)."""
        iam = self.client("iam", "us-east-1", admin_keys)
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def role(self, admin_keys, name, policy, trusted):
        """A role of the admin's account that `trusted` (a principal's ARN; moto checks a
        same-account trust policy against the exact caller) may assume; its ARN."""
        iam = self.client("iam", "us-east-1", admin_keys)
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": trusted}}]}
        arn = iam.create_role(RoleName=name,
                              AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
        return arn


DEMO_REGIONS = ["eu-west-2", "us-east-1", "ap-southeast-2"]


def seed_demo(moto, keys):
    """A small, varied estate for scripts/demo-aws.sh: in each region a VPC, security groups
    (one open to SSH from anywhere), instances with and without owner tags, volumes (some
    unencrypted), a database (one public); buckets (one public); IAM policies (one admin)."""
    for n, region in enumerate(DEMO_REGIONS):
        ec2 = moto.client("ec2", region, keys)
        vpc = ec2.create_vpc(CidrBlock="10.%d.0.0/16" % n)["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "prod-" + region}])
        ssh = ec2.create_security_group(GroupName="bastion", Description="ssh",
                                        VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=ssh, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        for i, tags in enumerate(([("env", "prod"), ("owner", "web")], [("env", "dev")])):
            ec2.run_instances(ImageId="ami-12c6146b", MinCount=5, MaxCount=5,
                              InstanceType="t3.micro" if i else "m5.large",
                              TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                  {"Key": k, "Value": v} for k, v in tags]}])
        for i in range(4):
            ec2.create_volume(Size=50 * (i + 1), AvailabilityZone=region + "a",
                              VolumeType="gp2" if i % 2 else "gp3", Encrypted=i % 2 == 0)
        moto.client("rds", region, keys).create_db_instance(
            DBInstanceIdentifier="orders-%d" % n, DBInstanceClass="db.t3.micro",
            Engine="postgres", MasterUsername="demo", MasterUserPassword="demo-password-1",
            AllocatedStorage=20, PubliclyAccessible=n == 0, StorageEncrypted=n != 0,
            Tags=[{"Key": "env", "Value": "prod"}])
    s3 = moto.client("s3", "us-east-1", keys)
    for n, region in enumerate(DEMO_REGIONS):
        name = "acme-%s-assets" % region
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        if n == 0:
            s3.put_bucket_acl(Bucket=name, ACL="public-read")
    iam = moto.client("iam", "us-east-1", keys)
    iam.create_policy(PolicyName="break-glass-admin", PolicyDocument=json.dumps(ADMIN_POLICY))
    iam.create_policy(PolicyName="read-logs", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:Get*",
                                                "Resource": "*"}]}))


def main():
    """--demo: start moto (auth not enforced), seed it, print shell assignments of
    AWS_DEMO_ENDPOINT and the demo keys, then run until SIGTERM/SIGINT."""
    import signal
    if "--demo" not in sys.argv[1:]:
        sys.exit("usage: fake_aws_moto.py --demo")
    moto = Moto(accounts=0, enforce_auth=False)
    keys = ("AKIADEMO0000000000", "demo-secret-not-real")
    try:
        seed_demo(moto, keys)
        print("AWS_DEMO_ENDPOINT=%s\nAWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s"
              % (moto.url, keys[0], keys[1]), flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        signal.pause()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
