"""test_gcp_inventory: `fawkes inventory` with the real gcp plugin against the fake Google APIs
(tests/fakes/fake_gcp.py): every resource on every page of every project, the credentials
(service-account JWT verified by the fake's token endpoint, authorized_user, the metadata
server), one token shared by all tasks and fetched again on a 401, throttling, 5xx, a zone
down, a disabled API, a revoked permission, a cut-short answer, and no secret in any output.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_gcp import FakeGCP  # noqa: E402

EXIT_OK, EXIT_USAGE, EXIT_PARTIAL = 0, 2, 3
PROJECTS = ("acme-prod", "acme-data")
KINDS = ("compute.instance", "compute.volume", "network.firewall", "network.network",
         "storage.bucket", "kubernetes.cluster", "database.instance")


def expected_uids(dataset, kinds=KINDS, down_zones=(), region=None):
    """{uid: raw item} of the fake's data set, as the plugin must map it."""
    out = {}
    for project, data in dataset.items():
        for kind in kinds:
            for item in data[kind]:
                if kind in ("compute.instance", "compute.volume"):
                    where, ident = item["zone"].rsplit("/", 1)[1], item["id"]
                elif kind in ("network.firewall", "network.network"):
                    where, ident = "global", item["id"]
                elif kind == "storage.bucket":
                    where, ident = item["location"].lower(), item["name"]
                elif kind == "kubernetes.cluster":
                    where, ident = item["location"], item["name"]
                else:
                    where, ident = item["region"], item["name"]
                if where in down_zones and kind.startswith("compute."):
                    continue
                if region and where != "global" and not (where == region or
                                                         where.startswith(region + "-")):
                    continue
                out["gcp:%s:%s:%s:%s" % (project, where, kind, ident)] = item
    return out


class GCPTestCase(fwtest.TestCase):
    """A FakeGCP per test; self.inventory() runs the binary against it."""

    per_zone = 20

    def setUp(self):
        super().setUp()
        self.fake = FakeGCP(projects=PROJECTS, per_zone=self.per_zone)
        self.fake.start()
        self.key = self.fake.write_key(os.path.join(self.tmp, "sa.json"))

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def config(self, limits=None, **gcp):
        settings = {"endpoint": self.fake.base_url, "page_size": 7, "bucket_tasks": 3}
        settings.update(gcp)
        provider = {"name": "gcp-test", "plugin": "gcp", "config": settings,
                    "limits": dict({"backoff_base": "50ms"}, **(limits or {}))}
        config = {"version": 1, "plugin_dirs": [fwtest.PLUGIN_DIR], "providers": [provider],
                  "security": {"egress_allow": ["127.0.0.1", "localhost"]}}
        return self.write("fawkes.yaml", json.dumps(config, indent=2))

    def inventory(self, *extra, config=None, env=None, key=True):
        full_env = {"HOME": self.tmp, "CLOUDSDK_CONFIG": os.path.join(self.tmp, "gcloud"),
                    "GCE_METADATA_HOST": "", "GOOGLE_APPLICATION_CREDENTIALS": ""}
        if key:
            full_env["GOOGLE_APPLICATION_CREDENTIALS"] = self.key
        full_env.update(env or {})
        return self.fawkes("-c", config or self.config(), "inventory", "-o", "json", *extra,
                           env=full_env)

    def assertInventoryIs(self, resources, expected):
        got = {r["uid"]: r for r in resources}
        self.assertEqual(len(got), len(resources), "duplicate uids")
        self.assertEqual(sorted(got), sorted(expected))

    def assertNoSecrets(self, result):
        text = result.stdout + result.stderr
        self.assertNotIn("PRIVATE KEY", text)
        self.assertNotIn("ya29.", text)
        self.assertNotIn("eyJhbGciOi", text)  # a JWT header
        self.assertNotIn("refresh-token", text)
        self.assertNotIn("hunter2", text)  # instance metadata values


class InventoryTest(GCPTestCase):

    def test_full_inventory_is_the_data_set_exactly(self):
        result = self.inventory()
        self.assertExit(result, EXIT_OK)
        out = result.json()
        self.assertEqual(out["failures"], [])
        expected = expected_uids(self.fake.dataset())
        self.assertGreater(len(expected), 250)
        self.assertInventoryIs(out["resources"], expected)
        # every page, with the documented parameters, and one token for every task
        pages = [r for r in self.fake.requests("GET")
                 if r["path"] == "/compute/v1/projects/acme-prod/aggregated/instances"]
        self.assertEqual(len(pages), (3 * self.per_zone + 6) // 7)
        self.assertTrue(all(r["params"]["maxResults"] == ["7"] for r in pages))
        self.assertEqual([r["params"].get("pageToken") for r in pages][1:],
                         [["pt-%d" % (7 * i)] for i in range(1, len(pages))])
        grants = self.fake.token_grants
        self.assertEqual(len(grants), 1, grants)
        self.assertTrue(grants[0]["ok"])
        self.assertEqual(grants[0]["claims"]["aud"], self.fake.base_url + "/token")
        api = [r for r in self.fake.requests() if r["path"] != "/token"]
        self.assertTrue(all(r["headers"]["authorization"] == "Bearer ya29.fake-000001"
                            for r in api))
        self.assertNoSecrets(result)

    def test_resources_are_mapped(self):
        result = self.inventory("--kind", "storage.bucket", "--kind", "network.firewall")
        self.assertExit(result, EXIT_OK)
        by_uid = {r["uid"]: r for r in result.json()["resources"]}
        data = self.fake.dataset()["acme-prod"]
        for raw in data["storage.bucket"]:
            uid = "gcp:acme-prod:%s:storage.bucket:%s" % (raw["location"].lower(), raw["name"])
            got = by_uid[uid]
            iam = data["iam"][raw["name"]]
            grants = any(m in ("allUsers", "allAuthenticatedUsers")
                         for b in iam["bindings"] for m in b["members"])
            acl = not raw["iamConfiguration"]["uniformBucketLevelAccess"]["enabled"] and any(
                e["entity"] == "allUsers" for e in raw.get("defaultObjectAcl", []))
            enforced = raw["iamConfiguration"]["publicAccessPrevention"] == "enforced"
            self.assertEqual(got["public"], (grants or acl) and not enforced, uid)
            self.assertEqual(got["labels"], raw.get("labels", {}))
        ssh = [r for r in by_uid.values() if r["kind"] == "network.firewall"
               and r["name"] == "fw-0" and r["account"] == "acme-prod"][0]
        self.assertTrue(ssh["public"])
        self.assertEqual(ssh["attributes"]["rules"][0]["ports"], ["22"])
        self.assertEqual(ssh["attributes"]["rules"][0]["cidrs"], ["0.0.0.0/0"])

    def test_projects_from_search_and_region_filter(self):
        result = self.inventory(config=self.config(services=["compute", "storage"],
                                                   regions=["europe-west2"]))
        self.assertExit(result, EXIT_OK)
        expected = expected_uids(self.fake.dataset(), kinds=KINDS[:5], region="europe-west2")
        self.assertInventoryIs(result.json()["resources"], expected)
        self.assertEqual(len(self.fake.requests("GET", "/v3/projects:search")), 1)
        self.assertEqual(self.fake.requests("GET", "/v1/projects/acme-prod/locations/-/clusters"),
                         [])

    def test_throttling_and_5xx_are_retried(self):
        self.fake.configure(throttle={"every": 3, "times": 2, "retry_after": "1"},
                            errors_5xx={"every": 4, "times": 1, "status": 503})
        result = self.inventory(config=self.config(projects=["acme-prod"],
                                                   limits={"retries": 4}))
        self.assertExit(result, EXIT_OK)
        self.assertInventoryIs(result.json()["resources"],
                               {u: i for u, i in expected_uids(self.fake.dataset()).items()
                                if u.startswith("gcp:acme-prod:")})
        throttled = [r for r in self.fake.requests() if r["status"] == 429]
        self.assertGreater(len(throttled), 0)
        # Retry-After: 1 was honoured before the same request was sent again
        first = throttled[0]
        again = [r for r in self.fake.requests() if r["path"] == first["path"]
                 and r["query"] == first["query"] and r["time"] > first["time"]]
        self.assertGreaterEqual(again[0]["time"] - first["time"], 0.9)

    def test_403_rate_limit_exceeded_is_retried(self):
        # Compute Engine says a spent per-minute quota with 403 rateLimitExceeded, not 429:
        # retried at the next minute (cut here to limits.backoff_max), never taken for a
        # denied permission.
        self.fake.configure(rate_limit_403={"every": 2, "times": 1})
        result = self.inventory(config=self.config(projects=["acme-prod"],
                                                   limits={"backoff_max": "300ms"}))
        self.assertExit(result, EXIT_OK)
        self.assertInventoryIs(result.json()["resources"],
                               {u: i for u, i in expected_uids(self.fake.dataset()).items()
                                if u.startswith("gcp:acme-prod:")})
        limited = [r for r in self.fake.requests() if r["status"] == 403]
        self.assertGreater(len(limited), 0)
        for first in limited:
            again = [r for r in self.fake.requests() if r["path"] == first["path"]
                     and r["query"] == first["query"] and r["time"] > first["time"]]
            self.assertEqual([r["status"] for r in again], [200])
            # the wait: to the next minute by the wall clock, cut to backoff_max (0.3 s)
            wait = min(0.3, 60 - first["time"] % 60)
            self.assertGreaterEqual(again[0]["time"] - first["time"], wait - 0.02)

    def test_403_rate_limit_exceeded_after_the_retries_says_so(self):
        self.fake.configure(rate_limit_403={"every": 1, "times": 99,
                                            "reason": "userRateLimitExceeded"})
        result = self.inventory(config=self.config(projects=["acme-prod"],
                                                   limits={"backoff_max": "50ms",
                                                           "retries": 2}))
        self.assertExit(result, EXIT_PARTIAL)
        failures = json.dumps(result.json()["failures"])
        self.assertIn("HTTP 403: Rate Limit Exceeded (after 3 attempts)", failures)
        self.assertIn("still rate limited by compute.googleapis.com (userRateLimitExceeded) after "
                      "the host's retries", failures)
        self.assertNotIn("PERMISSION_DENIED", failures)
        self.assertNotIn("may not call", failures)

    def test_zone_down_fails_only_its_part(self):
        self.fake.configure(down_zones=["europe-west2-b"])
        result = self.inventory()
        self.assertExit(result, EXIT_PARTIAL)
        out = result.json()
        self.assertInventoryIs(out["resources"], expected_uids(self.fake.dataset(),
                                                               down_zones=("europe-west2-b",)))
        text = json.dumps(out["failures"])
        self.assertIn("zones/europe-west2-b", text)
        self.assertIn("acme-prod/compute.instance", text)
        self.assertIn("kubernetes.cluster", text)  # GKE's missingZones

    def test_disabled_api_and_revoked_permission(self):
        self.fake.configure(denied={"acme-data/sqladmin": "SERVICE_DISABLED",
                                    "acme-prod/container": "PERMISSION_DENIED"})
        result = self.inventory()
        self.assertExit(result, EXIT_PARTIAL)
        out = result.json()
        failures = json.dumps(out["failures"])
        self.assertIn("the API sqladmin.googleapis.com is disabled in this project "
                      "(SERVICE_DISABLED)", failures)
        self.assertIn("may not call container.googleapis.com", failures)
        self.assertIn("Required 'container.clusters.list' permission", failures)
        expected = {u: i for u, i in expected_uids(self.fake.dataset()).items()
                    if not u.startswith("gcp:acme-data:") or ":database.instance:" not in u}
        expected = {u: i for u, i in expected.items()
                    if not u.startswith("gcp:acme-prod:") or ":kubernetes.cluster:" not in u}
        self.assertInventoryIs(out["resources"], expected)
        self.assertIn("SERVICE_DISABLED", result.stderr)

    def test_revoked_token_is_fetched_again_once(self):
        self.fake.configure(token_uses=25)
        result = self.inventory(config=self.config(limits={"concurrency": 4}))
        self.assertExit(result, EXIT_OK)
        self.assertInventoryIs(result.json()["resources"], expected_uids(self.fake.dataset()))
        grants = self.fake.token_grants
        self.assertGreater(len(grants), 2)
        self.assertTrue(all(g["ok"] for g in grants))
        refused = [r for r in self.fake.requests() if r["status"] == 401]
        self.assertGreater(len(refused), 0)
        self.assertNoSecrets(result)

    def test_short_lived_tokens_are_renewed_before_expiry(self):
        self.fake.configure(token_ttl=2, latency_ms=80)
        result = self.inventory(config=self.config(projects=["acme-prod"],
                                                   limits={"concurrency": 1}))
        self.assertExit(result, EXIT_OK)
        self.assertGreater(len(self.fake.token_grants), 1)
        self.assertEqual([r for r in self.fake.requests() if r["status"] == 401], [])

    def test_cut_short_answer_fails_its_task(self):
        self.fake.configure(truncate={"every": 9, "times": 5})
        result = self.inventory(config=self.config(projects=["acme-prod"]))
        self.assertExit(result, EXIT_PARTIAL)
        self.assertIn("the answer is not valid JSON", json.dumps(result.json()["failures"]) + result.stderr)


class ConfigTest(GCPTestCase):

    def test_config_errors_name_the_key_and_run_nothing(self):
        cases = [({"services": ["compute", "bigquery"]}, "services"),
                 ({"page_size": 0}, "page_size"),
                 ({"credentials_file": "inline-secret"}, "credentials_file")]
        for settings, key in cases:
            result = self.inventory(config=self.config(**settings))
            self.assertExit(result, EXIT_USAGE)
            self.assertIn(key, result.stderr)
            self.assertRegex(result.stderr, r"fawkes\.yaml:\d+:\d+")
            self.assertNotIn("inline-secret", result.stderr)
        self.assertEqual(self.fake.requests(), [])

    def test_no_credentials_at_all_is_partial_and_says_what_to_set(self):
        result = self.inventory(key=False, env={"GCE_METADATA_HOST": "127.0.0.1:1"})
        self.assertExit(result, EXIT_PARTIAL)
        self.assertIn("the metadata server could not be reached", result.stderr)
        self.assertIn("GOOGLE_APPLICATION_CREDENTIALS", result.stderr)


class CredentialsTest(GCPTestCase):

    def test_authorized_user_file(self):
        path = self.fake.write_key(os.path.join(self.tmp, "user.json"), kind="authorized_user")
        result = self.inventory("--kind", "network.network",
                                env={"GOOGLE_APPLICATION_CREDENTIALS": path})
        self.assertExit(result, EXIT_OK)
        self.assertEqual([g["grant"] for g in self.fake.token_grants], ["refresh_token"])
        self.assertNoSecrets(result)

    def test_credentials_file_then_gcloud_adc_then_metadata(self):
        config = self.config(credentials_file="${file:%s}" % self.key)
        result = self.inventory("--kind", "network.network", config=config, key=False)
        self.assertExit(result, EXIT_OK)
        self.assertEqual(self.fake.token_grants[0]["grant"],
                         "urn:ietf:params:oauth:grant-type:jwt-bearer")
        # gcloud's ADC file
        os.makedirs(os.path.join(self.tmp, "gcloud"))
        self.fake.write_key(os.path.join(self.tmp, "gcloud", "application_default_credentials."
                                         "json"), kind="authorized_user")
        self.fake.reset()
        result = self.inventory("--kind", "network.network", key=False)
        self.assertExit(result, EXIT_OK)
        self.assertEqual([g["grant"] for g in self.fake.token_grants], ["refresh_token"])
        # the metadata server
        os.remove(os.path.join(self.tmp, "gcloud", "application_default_credentials.json"))
        self.fake.reset()
        result = self.inventory("--kind", "network.network", key=False,
                                env={"GCE_METADATA_HOST": "127.0.0.1:%d" % self.fake.port})
        self.assertExit(result, EXIT_OK)
        meta = self.fake.requests(
            "GET", "/computeMetadata/v1/instance/service-accounts/default/token")
        self.assertEqual(len(meta), 1)
        self.assertEqual(meta[0]["headers"]["metadata-flavor"], "Google")

    def test_bad_key_is_refused_by_the_token_endpoint(self):
        other = FakeGCP(projects=PROJECTS, per_zone=1)  # another key, same client_email
        with other:
            key = other.service_account()
        key["token_uri"] = self.fake.base_url + "/token"
        path = self.write("other.json", json.dumps(key))
        result = self.inventory("--kind", "network.network",
                                env={"GOOGLE_APPLICATION_CREDENTIALS": path})
        self.assertExit(result, EXIT_PARTIAL)
        self.assertIn("invalid_grant: Invalid JWT Signature.", result.stderr)
        self.assertIn("credentials from GOOGLE_APPLICATION_CREDENTIALS (%s)" % path,
                      result.stderr)
        self.assertFalse(self.fake.token_grants[0]["ok"])
        self.assertNoSecrets(result)


if __name__ == "__main__":
    fwtest.main()
