"""fake_gcp: local Google Cloud APIs (127.0.0.1) for Fawkes tests, the demo and the benchmark.

One server plays every API the gcp plugin calls, on Google's documented paths, query
parameters, pagination (maxResults/pageSize, pageToken/nextPageToken; empty lists left out)
and error envelope {"error": {"code", "message", "status", "details"}}:

    POST /token                                    OAuth 2.0 token endpoint: the JWT-bearer
                                                   grant (RS256 assertion verified against the
                                                   key's public half: iss, aud, scope, iat/exp)
                                                   and the refresh_token grant
    GET  /computeMetadata/v1/instance/service-accounts/default/token   (Metadata-Flavor: Google)
    GET  /v3/projects:search                       Resource Manager v3
    GET  /compute/v1/projects/P/aggregated/instances, .../aggregated/disks
    GET  /compute/v1/projects/P/global/firewalls, .../global/networks
    GET  /compute/v1/projects/P/zones/Z/instances  (a zonal list, for zones that are down)
    GET  /storage/v1/b?project=P, /storage/v1/b/B/iam
    GET  /v1/projects/P/locations/-/clusters       GKE (not paginated; missingZones)
    GET  /sql/v1beta4/projects/P/instances         Cloud SQL Admin
and the changes the plugin's actions and provisioning make, answered with an Operation (or
the bucket): DELETE .../global/firewalls/NAME, POST .../zones/Z/instances/NAME/stop and
/setLabels (labelFingerprint checked: 412 when stale), POST .../zones/Z/disks/NAME/setLabels,
PATCH /storage/v1/b/NAME, POST/DELETE /storage/v1/b, /sql/v1beta4/projects/P/instances[/N],
/v1/projects/P/locations/L/clusters[/N].

API requests need "Authorization: Bearer TOKEN" with a token this fake issued and that has not
expired or been revoked (else 401 UNAUTHENTICATED).

Switches (FakeGCP(...) keywords, configure(), POST /_fake/config):
    latency_ms     sleep this long before every answer
    throttle       {"every": N, "times": K, "retry_after": "1"}: every N-th distinct API request
                   is answered 429 RESOURCE_EXHAUSTED with Retry-After its first K times
    rate_limit_403 {"every": N, "times": K, "reason": "rateLimitExceeded"}: the same with
                   Compute Engine's answer to a spent per-minute rate quota: 403, domain
                   usageLimits, reason rateLimitExceeded (or userRateLimitExceeded)
    errors_5xx     {"every": N, "times": K, "status": 503}: the same with a 5xx
    truncate       {"every": N, "times": K}: those answers are cut short (invalid JSON)
    down_zones     ["europe-west2-b"]: aggregated lists mark the zone UNREACHABLE and leave out
                   its items; requests under zones/Z answer 503 UNAVAILABLE
    denied         {"PROJECT/API": "PERMISSION_DENIED" | "SERVICE_DISABLED"}, API one of
                   compute, storage, container, sqladmin ("*/compute" for every project)
    token_ttl      expires_in of issued tokens, seconds (3600)
    token_uses     a token is refused (401) after this many API requests, although it has not
                   expired (as a revoked or rotated token is); 0: never

Standalone: python3 fake_gcp.py [--port 0] [--per-zone N] [--key-file PATH] ... prints the port
on the first line of stdout, writes a service-account key for it, and serves until SIGTERM.
"""
import argparse
import base64
import http.server
import json
import re
import signal
import sys
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.exceptions import InvalidSignature

from fake_http import LocalServer
from fake_gcp_changes import GCPChanges
from fake_gcp_data import Project, ZONES

__all__ = ["FakeGCP", "ZONES", "SCOPE"]

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
CLIENT_EMAIL = "fawkes-reader@acme-prod.iam.gserviceaccount.com"
KEY_ID = "0123456789abcdef0123456789abcdef01234567"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
USER_CLIENT = {"client_id": "32555940559.apps.googleusercontent.com",
               "client_secret": "fake-client-secret", "refresh_token": "1//fake-refresh-token"}
STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "ALREADY_EXISTS",
                412: "FAILED_PRECONDITION", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                503: "UNAVAILABLE"}
API_HOSTS = {"compute": "compute.googleapis.com", "storage": "storage.googleapis.com",
             "container": "container.googleapis.com", "sqladmin": "sqladmin.googleapis.com"}


def google_error(status, message, reason=None, service=None):
    """(status, Google's error envelope)."""
    error = {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                             "reason": reason, "domain": "googleapis.com",
                             "metadata": {"service": service or ""}}]
    error["errors"] = [{"message": message, "domain": "global",
                        "reason": (reason or error["status"]).lower()}]
    return status, {"error": error}


class _Raw(bytes):
    """A JSON body already encoded (pages are assembled from each item's cached JSON, so the
    fake's own CPU does not dominate benchmarks)."""


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FakeGCP(GCPChanges, LocalServer):
    """The fake APIs. Start it, write a key with write_key(), point `endpoint` at base_url."""

    def __init__(self, projects=("acme-prod", "acme-data"), per_zone=20, zones=ZONES, seed=1,
                 port=0, **switches):
        self._lock = threading.Lock()
        self.projects = {p: Project(p, 100000 + i, per_zone, zones, seed)
                         for i, p in enumerate(projects)}
        self.zones = zones
        self._requested_port = port
        self._requests, self._seen, self._tokens, self._uses = [], {}, {}, {}
        self._encoded = {}  # id(item) -> its JSON text; cleared by every change
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.token_grants = []  # every token request: {"grant", "ok", "claims" | "error"}
        self.switches = {"latency_ms": 0, "throttle": None, "rate_limit_403": None,
                         "errors_5xx": None,
                         "truncate": None, "down_zones": [], "denied": {}, "token_ttl": 3600,
                         "token_uses": 0}
        self.configure(**switches)

    # --- switches, records, credentials ---

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

    def reset(self):
        with self._lock:
            self._requests.clear()
            self._seen.clear()
            self.token_grants.clear()

    def revoke_tokens(self):
        """Every token issued so far is refused from now on (401)."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = 0

    def service_account(self):
        """A service-account key file's JSON (a dict) whose token_uri is this fake."""
        pem = self.key.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
        return {"type": "service_account", "project_id": "acme-prod", "private_key_id": KEY_ID,
                "private_key": pem, "client_email": CLIENT_EMAIL,
                "client_id": "104857600000000000001", "token_uri": self.base_url + "/token",
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
                "universe_domain": "googleapis.com"}

    def authorized_user(self):
        """An authorized_user file's JSON as gcloud auth application-default login writes it
        (no token_uri: the plugin asks ENDPOINT/token)."""
        return dict(USER_CLIENT, type="authorized_user", quota_project_id="acme-prod")

    def write_key(self, path, kind="service_account"):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.service_account() if kind == "service_account"
                      else self.authorized_user(), f)
        return path

    # --- the token endpoint ---

    def _verify_assertion(self, assertion):
        """The claims of a valid assertion, or raise ValueError saying what is wrong."""
        parts = assertion.split(".")
        if len(parts) != 3:
            raise ValueError("the assertion is not a JWT (3 dot-separated parts)")
        header = json.loads(_b64url_decode(parts[0]))
        claims = json.loads(_b64url_decode(parts[1]))
        if header.get("alg") != "RS256" or header.get("kid") != KEY_ID:
            raise ValueError("unexpected JWT header %r" % header)
        try:
            self.key.public_key().verify(_b64url_decode(parts[2]),
                                         (parts[0] + "." + parts[1]).encode(),
                                         padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise ValueError("Invalid JWT Signature.")
        now = time.time()
        if claims.get("iss") != CLIENT_EMAIL:
            raise ValueError("Invalid JWT: iss %r is not the key's client_email"
                             % claims.get("iss"))
        if claims.get("aud") != self.base_url + "/token":
            raise ValueError("Invalid JWT: aud %r is not the token_uri" % claims.get("aud"))
        if SCOPE not in str(claims.get("scope", "")).split():
            raise ValueError("Invalid JWT: no scope %s" % SCOPE)
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int) or abs(iat - now) > 300 or \
                exp <= now or exp - iat > 3600:
            raise ValueError("Invalid JWT: Token must be a short-lived token (60 minutes) and "
                             "in a reasonable timeframe. Check your iat and exp values")
        return claims

    def _issue(self):
        with self._lock:
            token = "ya29.fake-%06d" % (len(self._tokens) + 1)
            ttl = int(self.switches["token_ttl"])
            self._tokens[token] = time.time() + ttl
        return 200, {"access_token": token, "expires_in": ttl, "token_type": "Bearer"}

    def _token(self, record):
        form = urllib.parse.parse_qs(record["body"])
        grant = (form.get("grant_type") or [""])[0]
        entry = {"grant": grant, "ok": False}
        with self._lock:
            self.token_grants.append(entry)
        if grant == JWT_BEARER:
            try:
                entry["claims"] = self._verify_assertion((form.get("assertion") or [""])[0])
            except (ValueError, KeyError, json.JSONDecodeError) as e:
                entry["error"] = str(e)
                return 400, {"error": "invalid_grant", "error_description": str(e)}
        elif grant == "refresh_token":
            if any((form.get(k) or [""])[0] != v for k, v in USER_CLIENT.items()):
                entry["error"] = "bad refresh token or client"
                return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
        else:
            return 400, {"error": "unsupported_grant_type",
                         "error_description": "Invalid grant_type: " + grant}
        entry["ok"] = True
        return self._issue()

    # --- the APIs ---

    def _authorized(self, record):
        scheme, _, token = record["headers"].get("authorization", "").partition(" ")
        with self._lock:
            expires = self._tokens.get(token, 0)
            self._uses[token] = self._uses.get(token, 0) + 1
            worn_out = self.switches["token_uses"] and \
                self._uses[token] > int(self.switches["token_uses"])
        return scheme == "Bearer" and expires > time.time() and not worn_out

    def _injected(self, record):
        sw = self.switches
        key = record["method"] + " " + record["path"] + "?" + record["query"]
        with self._lock:
            seen = self._seen.setdefault(key, {"ordinal": len(self._seen) + 1, "attempts": 0})
            seen["attempts"] += 1
        for name in ("throttle", "rate_limit_403", "errors_5xx", "truncate"):
            rule = sw[name]
            if rule and seen["ordinal"] % int(rule.get("every", 1)) == 0 and \
                    seen["attempts"] <= int(rule.get("times", 1)):
                if name == "throttle":
                    status, body = google_error(429, "Quota exceeded for quota metric 'Read "
                                                     "requests' of service.", "RATE_LIMIT_EXCEEDED")
                    return status, body, {"Retry-After": str(rule.get("retry_after", "1"))}
                if name == "rate_limit_403":
                    # Compute Engine's own words (no Retry-After, no ErrorInfo detail)
                    return 403, {"error": {"code": 403, "message": "Rate Limit Exceeded",
                                           "errors": [{"message": "Rate Limit Exceeded",
                                                       "domain": "usageLimits",
                                                       "reason": rule.get(
                                                           "reason", "rateLimitExceeded")}]}}
                if name == "truncate":
                    return "truncate"
                return google_error(int(rule.get("status", 503)), "The service is currently "
                                                                  "unavailable.")
        return None

    def _denied(self, project, api):
        denied = self.switches["denied"] or {}
        mode = denied.get("%s/%s" % (project, api)) or denied.get("*/%s" % api)
        if mode == "SERVICE_DISABLED":
            host = API_HOSTS[api]
            return google_error(403, "%s API has not been used in project %s before or it is "
                                     "disabled. Enable it by visiting https://console.developers"
                                     ".google.com/apis/api/%s/overview?project=%s then retry."
                                % (api, project, host, project), "SERVICE_DISABLED", host)
        if mode:
            return google_error(403, "Required '%s' permission for 'projects/%s'"
                                % ({"compute": "compute.instances.list",
                                    "storage": "storage.buckets.list",
                                    "container": "container.clusters.list",
                                    "sqladmin": "cloudsql.instances.list"}[api], project),
                                "IAM_PERMISSION_DENIED", API_HOSTS[api])
        return None

    def handle(self, record):
        """(status, body[, headers]) or "truncate" for one request."""
        path = record["path"]
        if path == "/token" and record["method"] == "POST":
            return self._token(record)
        if path == "/computeMetadata/v1/instance/service-accounts/default/token":
            if record["headers"].get("metadata-flavor") != "Google":
                return 403, "Missing Metadata-Flavor:Google header."
            return self._issue()
        if not self._authorized(record):
            return google_error(401, "Request had invalid authentication credentials. Expected "
                                     "OAuth 2 access token, login cookie or other valid "
                                     "authentication credential.", "ACCESS_TOKEN_EXPIRED")
        injected = self._injected(record)
        if injected:
            return injected
        return self._route(record)

    def _page(self, record, items, size_param, limit=500):
        params = record["params"]
        try:
            size = min(int((params.get(size_param) or [str(limit)])[0]), limit)
            token = (params.get("pageToken") or [None])[0]
            start = int(token[3:]) if token else 0
            if size < 1 or (token and not token.startswith("pt-")) or start > len(items):
                raise ValueError
        except ValueError:
            return None, None
        chunk = items[start:start + size]
        return chunk, ("pt-%d" % (start + size) if start + size < len(items) else None)

    def _json(self, item):
        with self._lock:
            text = self._encoded.get(id(item))
        if text is None:
            text = json.dumps(item)
            with self._lock:
                self._encoded[id(item)] = text
        return text

    def _items(self, items):
        return "[" + ", ".join(self._json(i) for i in items) + "]"

    def _list(self, record, kind, items, size_param="maxResults"):
        chunk, token = self._page(record, items, size_param)
        if chunk is None:
            return google_error(400, "Invalid value for field 'pageToken' or '%s'." % size_param)
        parts = ['"kind": ' + json.dumps(kind)]
        if chunk:
            parts.append('"items": ' + self._items(chunk))
        if token:
            parts.append('"nextPageToken": ' + json.dumps(token))
        return 200, _Raw(("{" + ", ".join(parts) + "}").encode())

    def _aggregated(self, record, project, key, items):
        down = self.switches["down_zones"] or []
        live = [(zone, item) for zone, item in items if zone not in down]
        chunk, token = self._page(record, live, "maxResults")
        if chunk is None:
            return google_error(400, "Invalid value for field 'pageToken'.")
        scopes = {"zones/" + z: {"warning": {"code": "NO_RESULTS_ON_PAGE",
                                             "message": "There are no results for scope "
                                                        "'zones/%s' on this page." % z,
                                             "data": [{"key": "scope", "value": "zones/" + z}]}}
                  for z in project.zones}
        for zone, item in chunk:
            scopes["zones/" + zone].pop("warning", None)
            scopes["zones/" + zone].setdefault(key, []).append(item)
        for zone in down:
            if zone in project.zones and not record["params"].get("pageToken"):
                scopes["zones/" + zone] = {"warning": {
                    "code": "UNREACHABLE", "message": "The resource 'projects/%s/zones/%s' is "
                                                      "not ready" % (project.id, zone),
                    "data": [{"key": "scope", "value": "zones/" + zone}]}}
        scope_texts = []
        for scope, value in scopes.items():
            listed = value.get(key)
            scope_texts.append(json.dumps(scope) + ": " + (
                "{" + json.dumps(key) + ": " + self._items(listed) + "}" if listed
                else json.dumps(value)))
        text = '{"kind": %s, "items": {%s}, "selfLink": %s' % (
            json.dumps("compute#%sAggregatedList" % key[:-1]), ", ".join(scope_texts),
            json.dumps("https://www.googleapis.com" + record["path"]))
        if token:
            text += ', "nextPageToken": ' + json.dumps(token)
        return 200, _Raw((text + "}").encode())

    def _route(self, record):
        path, method = record["path"], record["method"]
        if method != "GET":
            with self._lock:
                return self._change(record)
        if path == "/v3/projects:search":
            projects = [{"name": "projects/%d" % p.number, "projectId": p.id,
                         "state": "ACTIVE", "displayName": p.id,
                         "parent": "organizations/123"} for p in self.projects.values()]
            chunk, token = self._page(record, projects, "pageSize")
            if chunk is None:
                return google_error(400, "Invalid page token.")
            body = {"projects": chunk} if chunk else {}
            if token:
                body["nextPageToken"] = token
            return 200, body
        m = re.match(r"^/compute/v1/projects/([^/]+)/(.+)$", path)
        if m:
            return self._compute(record, m.group(1), m.group(2))
        m = re.match(r"^/storage/v1/b(?:/([^/]+)/iam)?$", path)
        if m:
            return self._storage(record, m.group(1))
        m = re.match(r"^/v1/projects/([^/]+)/locations/-/clusters$", path)
        if m:
            return self._project_api(record, m.group(1), "container", lambda p: (200, {
                "clusters": p.clusters, **({"missingZones": [z for z in p.zones
                                                             if z in self.switches["down_zones"]]}
                                           if self.switches["down_zones"] else {})}))
        m = re.match(r"^/sql/v1beta4/projects/([^/]+)/instances$", path)
        if m:
            return self._project_api(record, m.group(1), "sqladmin", lambda p: self._list(
                record, "sql#instancesList", p.sql))
        return google_error(404, "The requested URL %s was not found on this server." % path)

    def _project_api(self, record, project_id, api, answer):
        project = self.projects.get(project_id)
        if not project:
            return google_error(404 if api != "storage" else 400,
                                "The project %s does not exist." % project_id)
        return self._denied(project_id, api) or answer(project)

    def _compute(self, record, project_id, rest):
        m = re.match(r"^zones/([^/]+)/", rest)
        if m and m.group(1) in (self.switches["down_zones"] or []):
            return google_error(503, "The zone 'projects/%s/zones/%s' is unavailable."
                                % (project_id, m.group(1)))

        def answer(p):
            if rest == "aggregated/instances":
                return self._aggregated(record, p, "instances",
                                        [(i["zone"].rsplit("/", 1)[1], i) for i in p.instances])
            if rest == "aggregated/disks":
                return self._aggregated(record, p, "disks",
                                        [(d["zone"].rsplit("/", 1)[1], d) for d in p.disks])
            if rest == "global/firewalls":
                return self._list(record, "compute#firewallList", p.firewalls)
            if rest == "global/networks":
                return self._list(record, "compute#networkList", p.networks)
            zonal = re.match(r"^zones/([^/]+)/instances$", rest)
            if zonal:
                return self._list(record, "compute#instanceList",
                                  [i for i in p.instances if i["zone"].endswith("/" + zonal[1])])
            return google_error(404, "The resource '%s' was not found" % rest)
        return self._project_api(record, project_id, "compute", answer)

    def _storage(self, record, bucket):
        if bucket is None:
            project_id = (record["params"].get("project") or [""])[0]
            return self._project_api(record, project_id, "storage", lambda p: self._list(
                record, "storage#buckets", p.buckets))
        bucket = urllib.parse.unquote(bucket)
        for project in self.projects.values():
            if bucket in project.iam:
                return self._denied(project.id, "storage") or (200, project.iam[bucket])
        return google_error(404, "The specified bucket does not exist.")

    # --- what tests compare with ---

    def dataset(self):
        """{project: {kind: [raw items]}} as the APIs list them (zones down included)."""
        with self._lock:
            return json.loads(json.dumps({
                p.id: {"compute.instance": p.instances, "compute.volume": p.disks,
                       "network.firewall": p.firewalls, "network.network": p.networks,
                       "storage.bucket": p.buckets, "kubernetes.cluster": p.clusters,
                       "database.instance": p.sql, "iam": p.iam}
                for p in self.projects.values()}))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner = None

    def log_message(self, format, *args):  # noqa: A002
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        parts = urllib.parse.urlsplit(self.path)
        record = {"method": self.command, "path": parts.path, "query": parts.query,
                  "params": urllib.parse.parse_qs(parts.query, keep_blank_values=True),
                  "headers": {k.lower(): v for k, v in self.headers.items()},
                  "body": raw.decode("utf-8", "replace"), "time": time.time()}
        if parts.path.startswith("/_fake/"):
            return self._control(parts.path, record)
        latency = self.owner.switches["latency_ms"]
        if latency:
            time.sleep(latency / 1000.0)
        answer = self.owner.handle(record)
        record["status"] = 200 if answer == "truncate" else answer[0]
        with self.owner._lock:
            self.owner._requests.append(record)
        if answer == "truncate":
            status, body = self.owner._route(record)[:2]
            payload = body if isinstance(body, _Raw) else json.dumps(body).encode()
            return self._send_raw(status, payload[:max(1, len(payload) // 2)])
        self._send(*answer)

    def _send_raw(self, status, payload, headers=None, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type + "; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send(self, status, body, headers=None):
        if isinstance(body, _Raw):
            return self._send_raw(status, body, headers)
        if isinstance(body, str):
            return self._send_raw(status, body.encode(), headers, "text/html")
        return self._send_raw(status, json.dumps(body).encode(), headers)

    def _control(self, path, record):
        fake = self.owner
        if path == "/_fake/requests":
            return self._send(200, fake.requests())
        if path == "/_fake/dataset":
            return self._send(200, fake.dataset())
        if path == "/_fake/revoke" and self.command == "POST":
            fake.revoke_tokens()
            return self._send(200, {})
        if path == "/_fake/config" and self.command == "POST":
            try:
                fake.configure(**json.loads(record["body"] or "{}"))
            except (TypeError, ValueError) as e:
                return self._send(400, {"error": str(e)})
            return self._send(200, fake.switches)
        return self._send(404, {"error": path})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


FakeGCP.HANDLER = _Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description="Local fakes of Google Cloud's APIs.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--per-zone", type=int, default=20)
    parser.add_argument("--project", action="append", default=[])
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--down-zone", action="append", default=[])
    parser.add_argument("--key-file", help="write a service-account key for this fake here")
    parser.add_argument("--billing-export", help="write a billing export (JSON lines) of the "
                                                 "data set's instances and disks here")
    args = parser.parse_args(argv)
    fake = FakeGCP(projects=tuple(args.project) or ("acme-prod", "acme-data"),
                   per_zone=args.per_zone, port=args.port, latency_ms=args.latency_ms,
                   down_zones=args.down_zone)
    print(fake.start(), flush=True)
    if args.key_file:
        fake.write_key(args.key_file)
    if args.billing_export:
        fake.write_billing_export(args.billing_export)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    while not stop:
        time.sleep(0.05)
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
