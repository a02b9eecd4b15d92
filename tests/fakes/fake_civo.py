"""fake_civo: a local Civo API v2 (127.0.0.1) for Fawkes tests, the demo and the benchmark.

It follows Civo's documented wire format (https://www.civo.com/api): paths under /v2/,
`Authorization: bearer KEY`, the region as the `region` query parameter (GET, DELETE) or
body field (POST, PUT; JSON or form-encoded), the paginated envelope
{page, per_page, pages, items} on instances, Kubernetes clusters, databases and object
stores (per_page capped at 100), plain arrays elsewhere, and errors as {code, reason}.

Data: a deterministic data set (seeded) over three regions (LON1, NYC1, FRA1), `per_region`
resources each (default 720, so 2,160 in all): instances, volumes, clusters, databases,
object stores, networks, and firewalls with rules. Some items leave fields out or null,
as real answers do.

Switches (FakeCivo(...) keywords, configure(), POST /_fake/config, or CLI flags):
    latency_ms      sleep this long before every answer
    throttle        {"every": N, "times": K, "retry_after": "1"}: every N-th distinct request
                    (method + path + query) is answered 429 with Retry-After its first K times
    errors_500      {"every": N, "times": K}: the same with 500 {code, reason}
    truncate        [{"path": P, "region": R, "page": N}]: those answers are cut short
                    (valid HTTP, Content-Length of the cut body, invalid JSON)
    down_regions    ["FRA1"]: every request for that region answers 503 region_unavailable
    forbidden       ["/v2/databases"]: requests to those paths answer 403 (the key's team lacks
                    the permission)
    token           the API key accepted (default "fake-civo-token"); others get 401

Control endpoints (not part of Civo's API; never counted as mutating):
    GET  /_fake/counts    {"requests", "mutating", "by_route": {"PUT /v2/instances/:id/stop": n}}
    GET  /_fake/requests  every recorded request: method, path, query, params, headers
                          (authorization kept), body (parsed), status
    GET  /_fake/dataset   {REGION: {KIND: [raw items]}} as the API would list them now
    POST /_fake/config    set switches (JSON object)
    POST /_fake/reset     forget requests and counts (data stays)

Standalone: python3 fake_civo.py [--port 0] [--per-region N] [--latency-ms MS] ...
prints the port on the first line of stdout and serves until SIGTERM/SIGINT.
"""
import argparse
import datetime
import http.server
import json
import random
import re
import signal
import sys
import threading
import time
import urllib.parse
import uuid

from fake_http import LocalServer

__all__ = ["FakeCivo", "REGIONS", "KINDS"]

REGIONS = ("LON1", "NYC1", "FRA1")
KINDS = ("compute.instance", "compute.volume", "kubernetes.cluster", "database.instance",
         "storage.bucket", "network.network", "network.firewall")
# Share of each kind in a region's resources (sums to 1).
MIX = (("compute.instance", 0.60), ("compute.volume", 0.15), ("kubernetes.cluster", 0.03),
       ("database.instance", 0.03), ("storage.bucket", 0.05), ("network.network", 0.04),
       ("network.firewall", 0.10))
PAGINATED = {"/v2/instances": "compute.instance", "/v2/kubernetes/clusters": "kubernetes.cluster",
             "/v2/databases": "database.instance", "/v2/objectstores": "storage.bucket"}
ARRAYS = {"/v2/volumes": "compute.volume", "/v2/networks": "network.network",
          "/v2/firewalls": "network.firewall"}
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
SIZES = ("g3.xsmall", "g3.small", "g3.medium", "g3.large", "g4s.kube.small", "g4s.kube.medium")
TOKEN = "fake-civo-token"


def _error(status, code, reason):
    return status, {"code": code, "reason": reason}


class _Data:
    """The data set: {region: {kind: [items]}}, and the firewall rules by firewall id."""

    def __init__(self, per_region, seed):
        self.items = {}
        self.rules = {}
        for region in REGIONS:
            rng = random.Random("%s-%s" % (seed, region))
            self.items[region] = {}
            counts = {kind: max(1, int(per_region * share)) for kind, share in MIX}
            counts["compute.instance"] += per_region - sum(counts.values())
            networks = [self._network(rng, region, i) for i in range(counts["network.network"])]
            self.items[region]["network.network"] = networks
            net_ids = [n["id"] for n in networks]
            firewalls = []
            for i in range(counts["network.firewall"]):
                fw = self._firewall(rng, region, i, rng.choice(net_ids))
                self.rules[fw["id"]] = self._rules(rng, fw["id"], i)
                fw["rules_count"] = len(self.rules[fw["id"]])
                firewalls.append(fw)
            self.items[region]["network.firewall"] = firewalls
            fw_ids = [f["id"] for f in firewalls]
            self.items[region]["compute.instance"] = [
                self._instance(rng, region, i, rng.choice(net_ids), rng.choice(fw_ids))
                for i in range(counts["compute.instance"])]
            inst_ids = [x["id"] for x in self.items[region]["compute.instance"]]
            self.items[region]["compute.volume"] = [
                self._volume(rng, region, i, rng.choice(net_ids), rng.choice(inst_ids + [None]))
                for i in range(counts["compute.volume"])]
            self.items[region]["kubernetes.cluster"] = [
                self._cluster(rng, region, i, rng.choice(net_ids), rng.choice(fw_ids))
                for i in range(counts["kubernetes.cluster"])]
            self.items[region]["database.instance"] = [
                self._database(rng, region, i, rng.choice(net_ids), rng.choice(fw_ids))
                for i in range(counts["database.instance"])]
            self.items[region]["storage.bucket"] = [
                self._objectstore(rng, region, i) for i in range(counts["storage.bucket"])]

    @staticmethod
    def _id(rng):
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    @staticmethod
    def _when(rng):
        start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
        moment = start + datetime.timedelta(seconds=rng.randrange(0, 600 * 86400))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    @staticmethod
    def _tags(rng):
        tags = []
        if rng.random() < 0.8:
            tags.append("owner=" + rng.choice(("platform", "growth", "data", "web")))
        if rng.random() < 0.7:
            tags.append("env=" + rng.choice(("prod", "staging", "dev")))
        if rng.random() < 0.2:
            tags.append("legacy")
        return tags

    def _network(self, rng, region, i):
        net_id = self._id(rng)
        return {"id": net_id, "name": "cust-%s-%d" % (region.lower(), i),
                "default": i == 0, "cidr": "192.168.%d.0/24" % (i % 250),
                "label": "Default" if i == 0 else "net-%d" % i, "status": "Active",
                "ipv4_enabled": True, "nameservers_v4": ["8.8.8.8"]}

    def _firewall(self, rng, region, i, network_id):
        return {"id": self._id(rng), "name": "default-%s" % region.lower() if i == 0
                else "fw-%d" % i, "rules_count": 0, "instance_count": rng.randrange(0, 20),
                "cluster_count": rng.randrange(0, 3), "loadbalancer_count": 0,
                "default": "true" if i == 0 else "false", "label": None,
                "network_id": network_id}

    def _rules(self, rng, firewall_id, i):
        rules = []
        specs = [("tcp", "443", "443", ["0.0.0.0/0"]),
                 ("tcp", "22", "22", [rng.choice(("0.0.0.0/0", "198.51.100.7/32"))]),
                 ("icmp", None, None, ["0.0.0.0/0"])]
        if i % 4 == 0:
            specs.append(("tcp", "1", "65535", ["10.0.0.0/8"]))
        if i % 3 == 0:  # Civo's default for a cluster: the Kubernetes API open to all
            specs.append(("tcp", "6443", "6443", ["0.0.0.0/0"]))
        for protocol, start, end, cidr in specs:
            rules.append({"id": self._id(rng), "firewall_id": firewall_id,
                          "protocol": protocol, "start_port": start, "end_port": end,
                          "cidr": cidr, "direction": "ingress", "action": "allow",
                          "label": None if rng.random() < 0.5 else "rule-%s" % start})
        return rules

    def _instance(self, rng, region, i, network_id, firewall_id):
        status = "ACTIVE" if rng.random() < 0.85 else "SHUTOFF"
        item = {"id": self._id(rng), "openstack_server_id": self._id(rng),
                "hostname": "node-%d.%s" % (i, region.lower()), "reverse_dns": None,
                "size": rng.choice(SIZES[:4]), "region": region, "network_id": network_id,
                "private_ip": "192.168.1.%d" % (i % 250 + 2),
                "public_ip": "74.220.%d.%d" % (rng.randrange(256), rng.randrange(256))
                if rng.random() < 0.6 else "",
                "pseudo_ip": None, "template_id": None, "source_type": "diskimage",
                "source_id": "ubuntu-jammy", "initial_user": "civo",
                "initial_password": "pw-%08x" % rng.getrandbits(32), "ssh_key": None,
                "status": status, "notes": None, "firewall_id": firewall_id,
                "tags": self._tags(rng), "cpu_cores": 1, "ram_mb": 2048, "disk_gb": 25,
                "volume_backed": True, "attached_volumes": [], "created_at": self._when(rng)}
        if i % 17 == 5:  # older answers: no created_at, null tags
            del item["created_at"]
            item["tags"] = None
        if i % 23 == 7:
            item["public_ip"] = None
        return item

    def _volume(self, rng, region, i, network_id, instance_id):
        return {"id": self._id(rng), "name": "vol-%d" % i, "instance_id": instance_id,
                "cluster_id": None, "network_id": network_id,
                "mountpoint": "/dev/vdb" if instance_id else None,
                "status": "attached" if instance_id else "available",
                "size_gigabytes": rng.choice((10, 20, 50, 100)), "bootable": False,
                "created_at": self._when(rng)}

    def _cluster(self, rng, region, i, network_id, firewall_id):
        nodes = rng.randrange(1, 6)
        size = rng.choice(SIZES[4:])
        public = rng.random() < 0.7
        ip = "212.2.%d.%d" % (rng.randrange(256), rng.randrange(256)) if public else \
            "192.168.1.%d" % rng.randrange(2, 250)
        return {"id": self._id(rng), "name": "k3s-%s-%d" % (region.lower(), i),
                "version": "1.28.7-k3s1", "kubernetes_version": "1.28.7-k3s1",
                "status": "ACTIVE", "ready": True, "num_target_nodes": nodes,
                "target_nodes_size": size, "built_at": self._when(rng),
                "kubeconfig": "apiVersion: v1\nclusters: [secret-kubeconfig-%d]" % i,
                "api_endpoint": "https://%s:6443" % ip, "master_ip": ip,
                "dns_entry": "%s.k8s.civo.com" % self._id(rng), "network_id": network_id,
                "firewall_id": firewall_id, "cni_plugin": "flannel", "tags": self._tags(rng),
                "created_at": self._when(rng),
                "pools": [{"id": "pool-%d" % i, "count": nodes, "size": size,
                           "instance_names": ["k3s-node-%d-%d" % (i, n) for n in range(nodes)]}],
                "instances": [], "installed_applications": []}

    def _database(self, rng, region, i, network_id, firewall_id):
        engine = rng.choice((("MySQL", "8.0"), ("PostgreSQL", "14")))
        return {"id": self._id(rng), "name": "db-%d" % i, "nodes": rng.randrange(1, 4),
                "size": "g3.db.small", "software": engine[0], "software_version": engine[1],
                "public_ipv4": "74.220.%d.%d" % (rng.randrange(256), rng.randrange(256)),
                "network_id": network_id, "firewall_id": firewall_id, "port": 3306,
                "username": "root", "password": "dbpw-%08x" % rng.getrandbits(32),
                "status": "Ready"}

    def _objectstore(self, rng, region, i):
        return {"id": self._id(rng), "name": "bucket-%d" % i, "max_size": 500,
                "owner_info": {"access_key_id": "AK%010d" % i, "name": "key-%d" % i,
                               "credential_id": self._id(rng)},
                "objectstore_endpoint": "objectstore.%s.civo.com" % region.lower(),
                "status": "ready"}


class FakeCivo(LocalServer):
    """The fake API. Start it, point a civo provider's `endpoint` at `base_url`."""

    def __init__(self, per_region=720, seed=1, port=0, **switches):
        self._lock = threading.Lock()
        self._data = _Data(per_region, seed)
        self._requests = []
        self._seen = {}
        self._requested_port = port
        self.switches = {"latency_ms": 0, "throttle": None, "errors_500": None, "truncate": [],
                         "down_regions": [], "forbidden": [], "token": TOKEN}
        self.configure(**switches)

    # --- switches and records ---

    def configure(self, **switches):
        unknown = set(switches) - set(self.switches)
        if unknown:
            raise ValueError("unknown switch(es): %s" % ", ".join(sorted(unknown)))
        with self._lock:
            self.switches.update(switches)

    def requests(self, method=None, path=None):
        with self._lock:
            records = list(self._requests)
        return [r for r in records if (method is None or r["method"] == method)
                and (path is None or r["path"] == path)]

    def mutating(self):
        return [r for r in self.requests() if r["method"] in ("POST", "PUT", "PATCH", "DELETE")]

    def counts(self):
        by_route = {}
        records = self.requests()
        for r in records:
            by_route[r["route"]] = by_route.get(r["route"], 0) + 1
        return {"requests": len(records), "mutating": len(self.mutating()), "by_route": by_route}

    def reset(self):
        with self._lock:
            self._requests.clear()
            self._seen.clear()

    def dataset(self):
        """{region: {kind: [raw items as listed]}}; firewalls carry no rules (see rules())."""
        with self._lock:
            return json.loads(json.dumps(self._data.items))

    def update_item(self, region, kind, item_id, **fields):
        """Set fields of one listed item (e.g. tags=["fawkes.io/protected"]) for later answers."""
        with self._lock:
            for item in self._data.items[region][kind]:
                if item["id"] == item_id:
                    item.update(fields)
                    return
        raise KeyError("%s %s %s: no such item" % (region, kind, item_id))

    def rules(self, firewall_id):
        with self._lock:
            return json.loads(json.dumps(self._data.rules.get(firewall_id, [])))

    # --- the API ---

    def _injected(self, record, region):
        """A switch's answer for this request, or None."""
        sw = self.switches
        if region and region in sw["down_regions"]:
            return _error(503, "region_unavailable", "region %s is unavailable" % region)
        for cut in sw["truncate"] or []:
            if cut.get("path") == record["path"] and cut.get("region", region) == region and \
                    str(cut.get("page", record["params"].get("page", ["1"])[0])) == \
                    record["params"].get("page", ["1"])[0]:
                return "truncate"
        key = record["method"] + " " + record["path"] + "?" + record["query"]
        with self._lock:
            if key not in self._seen:
                self._seen[key] = {"ordinal": len(self._seen) + 1, "attempts": 0}
            seen = self._seen[key]
            seen["attempts"] += 1
        for name, status in (("throttle", 429), ("errors_500", 500)):
            rule = sw[name]
            if rule and seen["ordinal"] % int(rule.get("every", 1)) == 0 and \
                    seen["attempts"] <= int(rule.get("times", 1)):
                if status == 429:
                    return ("throttle", str(rule.get("retry_after", "1")))
                return _error(500, "internal_server_error", "injected failure")
        return None

    def handle(self, record):
        """(status, body[, headers]) for one API request."""
        auth = record["headers"].get("authorization", "")
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "bearer" or key != self.switches["token"]:
            return _error(401, "authentication_invalid_key",
                          "The API key provided is invalid or missing")
        if record["path"] in (self.switches["forbidden"] or []):
            return _error(403, "authentication_access_denied",
                          "Your API key does not have permission to access this resource")
        region = (record["params"].get("region") or [None])[0]
        if region is None and isinstance(record["body_json"], dict):
            region = record["body_json"].get("region")
        injected = self._injected(record, region)
        if injected == "truncate":
            return "truncate"
        if isinstance(injected, tuple) and injected[0] == "throttle":
            return 429, {"code": "too_many_requests", "reason": "Rate limit exceeded"}, \
                {"Retry-After": injected[1]}
        if injected:
            return injected
        with self._lock:
            return self._route(record, region)

    def _route(self, record, region):
        method, path = record["method"], record["path"]
        if method == "GET" and path == "/v2/regions":
            return 200, [{"code": code, "name": code, "type": "civostack", "out_of_capacity": False,
                          "country": code[:2], "country_name": code, "default": code == "LON1",
                          "features": {"iaas": True, "kubernetes": True}} for code in REGIONS]
        if method == "GET" and path == "/v2/sizes":
            return 200, [{"name": s, "nice_name": s, "cpu_cores": 1, "ram_mb": 2048,
                          "disk_gb": 25, "description": s, "selectable": True} for s in SIZES]
        if method == "GET" and path == "/v2/charges":
            return self._charges(record)
        if region is not None and region not in REGIONS:
            return _error(400, "region_not_found", "unknown region %s" % region)
        if region is None and path.startswith("/v2/") and path != "/v2/charges":
            region = "LON1"  # Civo's default region
        items = self._data.items.get(region, {})
        if method == "GET" and path in PAGINATED:
            return 200, self._page(items.get(PAGINATED[path], []), record["params"])
        if method == "GET" and path in ARRAYS:
            return 200, items.get(ARRAYS[path], [])
        m = re.fullmatch(r"/v2/firewalls/([^/]+)/rules(?:/([^/]+))?", path)
        if m:
            return self._firewall_rules(method, items, m.group(1), m.group(2))
        m = re.fullmatch(r"/v2/instances/([^/]+)/(stop|start|tags)", path)
        if m and method == "PUT":
            return self._instance_action(items, m.group(1), m.group(2), record["body_json"])
        for collection, kind in (("volumes", "compute.volume"),
                                 ("kubernetes/clusters", "kubernetes.cluster"),
                                 ("databases", "database.instance"),
                                 ("objectstores", "storage.bucket")):
            m = re.fullmatch(r"/v2/%s/([^/]+)" % collection, path)
            if m and method == "DELETE":
                return self._delete(items, kind, m.group(1))
            if path == "/v2/" + collection and method == "POST":
                return self._create(items, kind, record["body_json"] or {}, region)
        return _error(404, "not_found", "no such endpoint: %s %s" % (method, path))

    @staticmethod
    def _page(items, params):
        try:
            page = max(1, int((params.get("page") or ["1"])[0]))
            per_page = min(MAX_PER_PAGE, max(1, int((params.get("per_page") or
                                                      [str(DEFAULT_PER_PAGE)])[0])))
        except ValueError:
            page, per_page = 1, DEFAULT_PER_PAGE
        pages = (len(items) + per_page - 1) // per_page
        start = (page - 1) * per_page
        return {"page": page, "per_page": per_page, "pages": pages,
                "items": items[start:start + per_page]}

    def _firewall_rules(self, method, items, firewall_id, rule_id):
        if not any(f["id"] == firewall_id for f in items.get("network.firewall", [])):
            return _error(404, "database_firewall_not_found", "firewall %s not found" % firewall_id)
        rules = self._data.rules.setdefault(firewall_id, [])
        if method == "GET" and rule_id is None:
            return 200, rules
        if method == "DELETE" and rule_id is not None:
            for i, rule in enumerate(rules):
                if rule["id"] == rule_id:
                    del rules[i]
                    return 200, {"result": "success"}
            return _error(404, "database_firewall_rule_not_found", "rule %s not found" % rule_id)
        return _error(405, "method_not_allowed", "%s not allowed here" % method)

    def _instance_action(self, items, instance_id, action, body):
        for item in items.get("compute.instance", []):
            if item["id"] == instance_id:
                if action == "stop":
                    item["status"] = "SHUTOFF"
                elif action == "start":
                    item["status"] = "ACTIVE"
                else:
                    tags = (body or {}).get("tags", "")
                    item["tags"] = [t for t in str(tags).split(" ") if t]
                return 200, {"result": "success"}
        return _error(404, "database_instance_not_found", "instance %s not found" % instance_id)

    def _delete(self, items, kind, item_id):
        listed = items.get(kind, [])
        for i, item in enumerate(listed):
            if item["id"] == item_id:
                del listed[i]
                return 200, {"result": "success"}
        return _error(404, "database_%s_not_found" % kind.split(".")[0],
                      "%s %s not found" % (kind, item_id))

    def _create(self, items, kind, body, region):
        if not body.get("name"):
            return _error(400, "parameter_name_missing", "name is required")
        new_id = str(uuid.uuid4())
        if kind == "kubernetes.cluster":
            pools = body.get("pools") or []
            item = {"id": new_id, "name": body["name"], "status": "BUILDING", "ready": False,
                    "kubernetes_version": body.get("kubernetes_version"),
                    "network_id": body.get("network_id"), "pools": pools,
                    "num_target_nodes": sum(int(p.get("count", 0)) for p in pools),
                    "kubeconfig": None, "api_endpoint": None, "tags": [], "instances": []}
        elif kind == "database.instance":
            item = {"id": new_id, "name": body["name"], "size": body.get("size"),
                    "software": body.get("software"),
                    "software_version": body.get("software_version"),
                    "nodes": body.get("nodes"), "network_id": body.get("network_id"),
                    "username": "root", "password": "fresh-db-password", "status": "Pending"}
        elif kind == "storage.bucket":
            item = {"id": new_id, "name": body["name"], "max_size": body.get("max_size_gb"),
                    "status": "creating"}
        else:
            return _error(405, "method_not_allowed", "cannot create %s" % kind)
        items.setdefault(kind, []).append(item)
        return 200, item

    def _charges(self, record):
        params = record["params"]
        try:
            start = datetime.datetime.strptime(params["from"][0], "%Y-%m-%dT%H:%M:%SZ")
            end = datetime.datetime.strptime(params["to"][0], "%Y-%m-%dT%H:%M:%SZ")
        except (KeyError, ValueError):
            return _error(400, "parameter_time_value_error",
                          "from and to must be RFC 3339 times")
        if end <= start or end - start > datetime.timedelta(days=31):
            return _error(400, "parameter_time_value_error",
                          "the range must be positive and at most 31 days")
        hours = int((end - start).total_seconds() // 3600)
        charges = []
        with_times = {"from": params["from"][0], "to": params["to"][0], "num_hours": hours}
        for region in REGIONS:
            for item in self._data.items[region]["compute.instance"][:5]:
                charges.append(dict({"code": "instance-" + item["size"],
                                     "product_id": item["id"], "label": item["hostname"],
                                     "size_gb": None, "region": region}, **with_times))
            for item in self._data.items[region]["compute.volume"][:2]:
                charges.append(dict({"code": "volume", "product_id": item["id"],
                                     "label": "Volume %s (%dGB)" % (item["name"],
                                                                    item["size_gigabytes"]),
                                     "size_gb": item["size_gigabytes"], "region": region},
                                    **with_times))
        return 200, charges


def _parse_body(raw, content_type):
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            return {"_invalid_json": text}
    form = urllib.parse.parse_qs(text, keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in form.items()}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner = None

    def log_message(self, format, *args):  # noqa: A002
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        parts = urllib.parse.urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        record = {"method": self.command, "path": parts.path, "query": parts.query,
                  "params": urllib.parse.parse_qs(parts.query, keep_blank_values=True),
                  "headers": headers,
                  "body_json": _parse_body(raw, headers.get("content-type", "")),
                  "time": time.time()}
        record["route"] = self.command + " " + re.sub(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", ":id", parts.path)
        if parts.path.startswith("/_fake/"):
            return self._control(parts.path, record)
        latency = self.owner.switches["latency_ms"]
        if latency:
            time.sleep(latency / 1000.0)
        answer = self.owner.handle(record)
        status = 200 if answer == "truncate" else answer[0]
        record["status"] = status
        record["body"] = record.pop("body_json")
        with self.owner._lock:
            self.owner._requests.append(record)
        if answer == "truncate":
            return self._truncated(record)
        self._send(answer[0], answer[1], answer[2] if len(answer) > 2 else None)

    def _truncated(self, record):
        status, body = self.owner._route(record, (record["params"].get("region") or [None])[0])
        payload = json.dumps(body).encode()
        cut = payload[:max(1, len(payload) // 2)]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(cut)))
        self.end_headers()
        self.wfile.write(cut)

    def _send(self, status, body, headers=None):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _control(self, path, record):
        fake = self.owner
        if path == "/_fake/counts":
            return self._send(200, fake.counts())
        if path == "/_fake/requests":
            return self._send(200, fake.requests())
        if path == "/_fake/dataset":
            return self._send(200, fake.dataset())
        if path == "/_fake/reset" and self.command == "POST":
            fake.reset()
            return self._send(200, {"result": "success"})
        if path == "/_fake/config" and self.command == "POST":
            try:
                fake.configure(**(record["body_json"] or {}))
            except (TypeError, ValueError) as e:
                return self._send(400, {"code": "bad_switch", "reason": str(e)})
            return self._send(200, fake.switches)
        return self._send(404, {"code": "not_found", "reason": path})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


FakeCivo.HANDLER = _Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description="A local fake of Civo's API v2.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--per-region", type=int, default=720)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--down-region", action="append", default=[])
    parser.add_argument("--forbidden", action="append", default=[],
                        help="a path answered 403 (repeatable)")
    parser.add_argument("--token", default=TOKEN)
    args = parser.parse_args(argv)
    fake = FakeCivo(per_region=args.per_region, seed=args.seed, port=args.port,
                    latency_ms=args.latency_ms, down_regions=args.down_region,
                    forbidden=args.forbidden, token=args.token)
    print(fake.start(), flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    while not stop:
        time.sleep(0.05)
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
