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
