"""test_civo_inventory: `fawkes inventory` with the real civo plugin against the fake Civo API
(tests/fakes/fake_civo.py): every resource on every page, throttling, 500s, a region down, a
bad key, a cut-short answer.
"""
import collections
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_civo import FakeCivo, KINDS, REGIONS, TOKEN  # noqa: E402

EXIT_OK, EXIT_USAGE, EXIT_PARTIAL = 0, 2, 3
PAGINATED = {"/v2/instances": "compute.instance", "/v2/kubernetes/clusters": "kubernetes.cluster",
             "/v2/databases": "database.instance", "/v2/objectstores": "storage.bucket"}
NAME_KEYS = {"compute.instance": "hostname", "network.network": "label"}


def expected_tasks(regions, firewall_tasks=4):
    """The task names a plan has for `regions`: one per kind, firewalls in shares."""
    names = []
    for region in regions:
        for kind in KINDS:
            if kind == "network.firewall":
                names += ["%s/%s[%d/%d]" % (region, kind, i + 1, firewall_tasks)
                          for i in range(firewall_tasks)]
            else:
                names.append("%s/%s" % (region, kind))
    return sorted(names)


class CivoTestCase(fwtest.TestCase):
    """Starts a FakeCivo per test; self.inventory() runs the binary against it."""

    per_region = 720

    def setUp(self):
        super().setUp()
        self.fake = FakeCivo(per_region=self.per_region)
        self.fake.start()

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def config(self, token_ref="${env:FAKE_CIVO_TOKEN}", limits=None, **civo):
        settings = {"endpoint": self.fake.base_url, "account": "acme", "per_page": 50}
        if token_ref is not None:
            settings["token"] = token_ref
        settings.update(civo)
        provider = {"name": "civo-test", "plugin": "civo", "config": settings}
        if limits:
            provider["limits"] = limits
        config = {"version": 1, "providers": [provider],
                  "security": {"egress_allow": ["127.0.0.1"]}}
        return self.write("fawkes.yaml", json.dumps(config, indent=2))

    def inventory(self, *extra, token=TOKEN, config=None, env=None):
        env = dict(env or {})
        if token is not None:
            env["FAKE_CIVO_TOKEN"] = token
        return self.fawkes("-c", config or self.config(), "inventory", "-o", "json", *extra,
                           env=env)

    def expected(self, regions=REGIONS, kinds=KINDS):
        """{uid: raw item} of the fake's data set."""
        data = self.fake.dataset()
        return {"civo:acme:%s:%s:%s" % (region, kind, item["id"]): item
                for region in regions for kind in kinds for item in data[region][kind]}

    def assertInventoryIs(self, resources, expected):
        got = {r["uid"]: r for r in resources}
        self.assertEqual(len(got), len(resources), "duplicate uids")
        self.assertEqual(sorted(got), sorted(expected))
        for uid, raw in expected.items():
            kind = uid.split(":")[3]
            name = raw.get(NAME_KEYS.get(kind, "name"))
            self.assertEqual(got[uid]["name"], name, uid)


class InventoryTest(CivoTestCase):

    def test_full_inventory_is_the_data_set_exactly(self):
        result = self.inventory()
        self.assertExit(result, EXIT_OK)
        out = result.json()
        self.assertFalse(out["partial"])
        self.assertEqual(out["failures"], [])
        expected = self.expected()
        self.assertEqual(len(expected), 3 * 720)
        self.assertInventoryIs(out["resources"], expected)
        # every page of every paginated list, once, with the documented query parameters
        for path, kind in PAGINATED.items():
            for region in REGIONS:
                seen = [r for r in self.fake.requests("GET", path)
                        if r["params"].get("region") == [region]]
                pages = sorted(int(r["params"]["page"][0]) for r in seen)
                count = len(self.fake.dataset()[region][kind])
                self.assertEqual(pages, list(range(1, (count + 49) // 50 + 1)), (path, region))
                self.assertTrue(all(r["params"]["per_page"] == ["50"] for r in seen))
        # the bearer key on every request, and nothing mutating
        self.assertTrue(all(r["headers"]["authorization"] == "bearer " + TOKEN
                            for r in self.fake.requests()))
        self.assertEqual(self.fake.counts()["mutating"], 0)

    def test_firewall_rules_are_asked_once_per_firewall_across_shares(self):
        for shares in (1, 7):
            self.fake.reset()
            result = self.inventory("--kind", "network.firewall",
                                    config=self.config(firewall_tasks=shares))
            self.assertExit(result, EXIT_OK)
            self.assertInventoryIs(result.json()["resources"],
                                   self.expected(kinds=("network.firewall",)))
            rule_calls = [r["path"] for r in self.fake.requests("GET") if r["path"].endswith("/rules")]
            self.assertEqual(len(rule_calls), len(set(rule_calls)))
            self.assertEqual(len(rule_calls), 3 * len(self.fake.dataset()["LON1"]["network.firewall"]))
            self.assertEqual(len(self.fake.requests("GET", "/v2/firewalls")), 3 * shares)

    def test_resources_are_normalized(self):
        result = self.inventory("--kind", "network.firewall", "--kind", "compute.instance",
                                "--kind", "kubernetes.cluster", "--kind", "database.instance")
        self.assertExit(result, EXIT_OK)
        by_uid = {r["uid"]: r for r in result.json()["resources"]}
        data = self.fake.dataset()
        fw = data["LON1"]["network.firewall"][0]
        firewall = by_uid["civo:acme:LON1:network.firewall:" + fw["id"]]
        raw_rules = self.fake.rules(fw["id"])
        self.assertEqual(len(firewall["attributes"]["rules"]), len(raw_rules))
        first = firewall["attributes"]["rules"][0]
        self.assertEqual(first, {"id": raw_rules[0]["id"], "direction": "ingress",
                                 "protocol": "tcp", "ports": "443", "cidrs": ["0.0.0.0/0"],
                                 "action": "allow", "label": raw_rules[0]["label"]})
        icmp = [r for r in firewall["attributes"]["rules"] if r["protocol"] == "icmp"][0]
        self.assertEqual(icmp["ports"], "all")
        self.assertTrue(firewall["public"])
        for raw in data["NYC1"]["compute.instance"][:40]:
            r = by_uid["civo:acme:NYC1:compute.instance:" + raw["id"]]
            self.assertEqual(r["state"], {"ACTIVE": "running", "SHUTOFF": "stopped"}[raw["status"]])
            self.assertEqual(r["public"], bool(raw["public_ip"]))
            self.assertEqual(r["created_at"], raw.get("created_at"))
            labels = dict(t.split("=", 1) if "=" in t else (t, "") for t in raw["tags"] or [])
            self.assertEqual(r["labels"], labels)
            self.assertIsNone(r["monthly_cost"])  # no price catalog configured
            self.assertNotIn("initial_password", r["attributes"])
        cluster_raw = data["FRA1"]["kubernetes.cluster"][0]
        cluster = by_uid["civo:acme:FRA1:kubernetes.cluster:" + cluster_raw["id"]]
        self.assertEqual(cluster["attributes"]["kubernetes_version"], "1.28.7-k3s1")
        self.assertEqual(cluster["attributes"]["node_pools"],
                         [{"id": p["id"], "count": p["count"], "size": p["size"]}
                          for p in cluster_raw["pools"]])
        # public: an endpoint on a public address that the cluster's firewall opens to all
        seen_public = set()
        for raw in data["FRA1"]["kubernetes.cluster"]:
            r = by_uid["civo:acme:FRA1:kubernetes.cluster:" + raw["id"]]
            open_api = any(rule["protocol"] == "tcp" and rule["start_port"] == "6443" and
                           "0.0.0.0/0" in rule["cidr"] for rule in self.fake.rules(raw["firewall_id"]))
            endpoint_public = not raw["master_ip"].startswith("192.168.")
            public = endpoint_public and open_api
            self.assertEqual(r["public"], public, raw)
            if endpoint_public:
                self.assertEqual(r["attributes"]["api_firewall"]["open_to_internet"], open_api)
            else:  # a private endpoint is not public whatever the firewall: not read
                self.assertIsNone(r["attributes"]["api_firewall"])
            seen_public.add(public)
        self.assertEqual(seen_public, {True, False})
        # credentials in raw answers never reach the output
        for region in REGIONS:
            for db in data[region]["database.instance"]:
                self.assertNotIn(db["password"], result.stdout)
            for c in data[region]["kubernetes.cluster"]:
                self.assertNotIn(c["kubeconfig"], result.stdout)
        self.assertNotIn("initial_password", result.stdout)
        self.assertNotIn(TOKEN, result.stdout + result.stderr)

    def test_prices_give_monthly_cost(self):
        config = self.config(prices={"g3.small": 10, "g3.medium": 20, "volume": 0.1})
        result = self.inventory("--kind", "compute.instance", "--kind", "compute.volume",
                                config=config)
        self.assertExit(result, EXIT_OK)
        for r in result.json()["resources"]:
            a = r["attributes"]
            if r["kind"] == "compute.volume":
                self.assertAlmostEqual(r["monthly_cost"], 0.1 * a["size_gigabytes"])
            elif a["size"] in ("g3.small", "g3.medium"):
                self.assertEqual(r["monthly_cost"], {"g3.small": 10, "g3.medium": 20}[a["size"]])
            else:
                self.assertIsNone(r["monthly_cost"])

    def test_kind_and_region_filters_ask_only_for_those(self):
        result = self.inventory("--kind", "storage.bucket",
                                config=self.config(regions=["NYC1", "LON1"]))
        self.assertExit(result, EXIT_OK)
        self.assertInventoryIs(result.json()["resources"],
                               self.expected(regions=("NYC1", "LON1"), kinds=("storage.bucket",)))
        paths = {r["path"] for r in self.fake.requests()}
        self.assertEqual(paths, {"/v2/objectstores"})  # configured regions: no /v2/regions

    def test_token_defaults_to_civo_token(self):
        env = {"CIVO_TOKEN": TOKEN}
        result = self.fawkes("-c", self.config(token_ref=None), "inventory", "-o", "json",
                             "--kind", "network.network", env=env)
        self.assertExit(result, EXIT_OK)
        self.assertEqual(len(result.json()["resources"]), 3 * len(
            self.fake.dataset()["LON1"]["network.network"]))

    def test_no_token_at_all_is_a_clear_failure(self):
        result = self.fawkes("-c", self.config(token_ref=None), "inventory", "-o", "json",
                             env={"CIVO_TOKEN": ""})
        self.assertExit(result, EXIT_PARTIAL)
        self.assertIn("init failed", result.stderr)
        self.assertIn("the Civo API key is empty: check token (or CIVO_TOKEN)", result.stderr)
        self.assertEqual(result.json()["resources"], [])
        self.assertEqual(self.fake.requests(), [])


class FailureTest(CivoTestCase):

    def test_bad_token_is_an_error_never_an_empty_inventory(self):
        result = self.inventory(token="wrong-secret-key-123")
        self.assertExit(result, EXIT_PARTIAL)
        self.assertIn("HTTP 401", result.stderr)
        self.assertIn("authentication_invalid_key: The API key provided is invalid or missing",
                      result.stderr)
        self.assertIn("could not evaluate: the API key was refused", result.stderr)
        out = result.json()
        self.assertTrue(out["partial"])
        self.assertEqual(out["resources"], [])
        self.assertEqual(len(out["failures"]), 1)  # plan_tasks: /v2/regions refused
        self.assertIn("GET %s/v2/regions" % self.fake.base_url, out["failures"][0]["message"])
        self.assertNotIn("wrong-secret-key-123", result.stdout + result.stderr)

    def test_bad_token_with_configured_regions_fails_every_task(self):
        result = self.inventory(token="wrong-secret-key-123",
                                config=self.config(regions=["LON1", "NYC1"]))
        self.assertExit(result, EXIT_PARTIAL)
        out = result.json()
        self.assertEqual(out["resources"], [])
        tasks = sorted(f["task"] for f in out["failures"])
        self.assertEqual(tasks, expected_tasks(("LON1", "NYC1")))
        for failure in out["failures"]:
            self.assertIn("HTTP 401", failure["message"])
            self.assertIn("could not evaluate", failure["message"])
            self.assertTrue(failure["message"].endswith("(error)"), failure["message"])
            self.assertIn("region=" + failure["task"].split("/")[0], failure["message"])

    def test_missing_permission_is_an_error_for_that_kind_only(self):
        self.fake.configure(forbidden=["/v2/databases"])
        result = self.inventory()
        self.assertExit(result, EXIT_PARTIAL)
        out = result.json()
        self.assertEqual(sorted(f["task"] for f in out["failures"]),
                         ["%s/database.instance" % r for r in sorted(REGIONS)])
        for failure in out["failures"]:
            self.assertIn("HTTP 403: authentication_access_denied: Your API key does not have "
                          "permission to access this resource; could not evaluate",
                          failure["message"])
            self.assertTrue(failure["message"].endswith("(error)"))
        kinds = [k for k in KINDS if k != "database.instance"]
        self.assertInventoryIs(out["resources"], self.expected(kinds=kinds))

    def test_region_down_is_partial_and_named(self):
        self.fake.configure(down_regions=["FRA1"])
        result = self.inventory(config=self.config(limits={"retries": 1,
                                                           "backoff_base": "10ms"}))
        self.assertExit(result, EXIT_PARTIAL)
        self.assertIn("FRA1", result.stderr)
        self.assertIn("region_unavailable", result.stderr)
        out = result.json()
        self.assertEqual(sorted(f["task"] for f in out["failures"]), expected_tasks(("FRA1",)))
        self.assertInventoryIs(out["resources"], self.expected(regions=("LON1", "NYC1")))

    def test_switches_and_counts_over_the_control_endpoints(self):
        def control(method, path, body=None):
            data = json.dumps(body).encode() if body is not None else None
            req = urllib.request.Request(self.fake.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req) as answer:
                return json.loads(answer.read())

        control("POST", "/_fake/config", {"down_regions": ["NYC1"]})
        result = self.inventory("--kind", "network.network",
                                config=self.config(limits={"retries": 0}))
        self.assertExit(result, EXIT_PARTIAL)
        self.assertEqual([f["task"] for f in result.json()["failures"]], ["NYC1/network.network"])
        counts = control("GET", "/_fake/counts")
        self.assertEqual(counts, {"requests": 4, "mutating": 0,
                                  "by_route": {"GET /v2/regions": 1, "GET /v2/networks": 3}})
        recorded = control("GET", "/_fake/requests")
        self.assertEqual(sorted(r["status"] for r in recorded), [200, 200, 200, 503])
        control("POST", "/_fake/reset")
        self.assertEqual(control("GET", "/_fake/counts")["requests"], 0)
        self.assertEqual(control("GET", "/_fake/dataset"), self.fake.dataset())

    def test_cut_short_answer_fails_that_task_naming_the_page(self):
        self.fake.configure(truncate=[{"path": "/v2/instances", "region": "NYC1", "page": 2}])
        result = self.inventory()
        self.assertExit(result, EXIT_PARTIAL)
        out = result.json()
        self.assertEqual([f["task"] for f in out["failures"]], ["NYC1/compute.instance"])
        message = out["failures"][0]["message"]
        self.assertIn("not valid JSON", message)
        self.assertIn("region=NYC1&page=2&per_page=50", message)
        expected = self.expected()
        got = {r["uid"] for r in out["resources"]}
        missing = set(expected) - got
        self.assertTrue(missing)
        self.assertTrue(all(":NYC1:compute.instance:" in uid for uid in missing))
        self.assertFalse(got - set(expected))


class ThrottleTest(CivoTestCase):

    per_region = 200

    def test_throttling_storm_yields_the_identical_inventory(self):
        self.fake.configure(throttle={"every": 3, "times": 2, "retry_after": "1"})
        result = self.inventory("--jobs", "8", config=self.config(limits={"concurrency": 8}))
        self.assertExit(result, EXIT_OK)
        out = result.json()
        self.assertInventoryIs(out["resources"], self.expected())
        throttled = [r for r in self.fake.requests() if r["status"] == 429]
        self.assertGreater(len(throttled), 20)
        self.assertEqual(out["stats"]["civo-test"]["throttles"], len(throttled))
        # Retry-After was honoured: a request answered 429 came back at least 1 s later.
        # (Firewall URLs are left out: each firewall share lists the firewalls, and cluster
        # tasks read their firewall's rules too, so the same URL is also asked by other tasks
        # at the same moment.)
        by_key = collections.defaultdict(list)
        for r in self.fake.requests():
            if not r["path"].startswith("/v2/firewalls"):
                by_key[(r["method"], r["path"], r["query"])].append(r)
        retried = 0
        for records in by_key.values():
            for earlier, later in zip(records, records[1:]):
                self.assertEqual(earlier["status"], 429)
                self.assertGreaterEqual(later["time"] - earlier["time"], 0.95)
                retried += 1
        self.assertGreater(retried, 5)

    def test_500s_are_retried_to_the_identical_inventory(self):
        self.fake.configure(errors_500={"every": 4, "times": 1})
        result = self.inventory(config=self.config(limits={"backoff_base": "10ms"}))
        self.assertExit(result, EXIT_OK)
        self.assertInventoryIs(result.json()["resources"], self.expected())
        self.assertTrue(any(r["status"] == 500 for r in self.fake.requests()))


if __name__ == "__main__":
    fwtest.main()
