"""fake_aws_proxy: a proxy in front of moto that injects what moto cannot: throttling
answers in AWS's wire formats, 503s, latency, XML bodies cut short, AccessDenied.

    proxy = AwsProxy(moto.url, faults)      # listens on 127.0.0.1 (free port): proxy.url
    ...
    proxy.stop(); proxy.counts              # {"forwarded": N, "throttled": N, ...}

Requests are forwarded unchanged (method, path, query, headers including Host, body), so
SigV4 signatures made for the proxy's address verify at moto. `faults` is a dict, every key
optional:
    throttle_every  N: every Nth request (by arrival) answers HTTP 400 with the service's
                    throttling error instead (EC2 "RequestLimitExceeded" in EC2's
                    <Response><Errors> form, "Throttling" in the query APIs' <ErrorResponse>,
                    "SlowDown" for S3 as HTTP 503, "ThrottlingException" for EKS's JSON)
    unavailable_every N: every Nth request answers HTTP 503 (a plain "Service Unavailable")
    latency_ms      sleep this long before forwarding each request
    truncate_action an action name ("DescribeVolumes"): its answers are forwarded with the
                    body cut in half (Content-Length matching: a well-framed, cut document)
    deny_service    a signing service name ("s3"): every request to it answers AccessDenied
The service and action of a request are read from its Authorization header's credential
scope and from its body (Action=...), its path (EKS) or its query (S3).
"""
import http.client
import http.server
import json
import socket
import threading
import time
import urllib.parse

__all__ = ["AwsProxy"]


def _service_of(headers):
    auth = headers.get("Authorization", "")
    try:
        scope = auth.split("Credential=")[1].split(",")[0].split("/")
        return scope[3]
    except IndexError:
        return ""


def _action_of(service, method, path, query, body):
    params = urllib.parse.parse_qs(body)
    if "Action" in params:
        return params["Action"][0]
    if service == "eks":
        return "ListClusters" if path.rstrip("/").endswith("/clusters") else "DescribeCluster"
    if service == "s3":
        sub = query.split("=")[0].split("&")[0] if query else ""
        return {"": "ListBuckets" if path in ("", "/") else "ListObjects",
                "max-buckets": "ListBuckets", "continuation-token": "ListBuckets",
                "location": "GetBucketLocation", "acl": "GetBucketAcl",
                "publicAccessBlock": "GetPublicAccessBlock",
                "policyStatus": "GetBucketPolicyStatus", "encryption": "GetBucketEncryption",
                "versioning": "GetBucketVersioning", "tagging": "GetBucketTagging"}.get(sub, sub)
    return method


def _error(service, code, message, status):
    """(status, content type, body) of an AWS error in the service's wire format."""
    if service == "ec2":
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>%s"
                "</Code><Message>%s</Message></Error></Errors><RequestID>fake-1</RequestID>"
                "</Response>" % (code, message))
        return status, "text/xml", body
    if service == "s3":
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code><Message>%s"
                "</Message><RequestId>fake-1</RequestId></Error>" % (code, message))
        return status, "application/xml", body
    if service == "eks":
        return status, "application/json", json.dumps({"message": message})
    body = ("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message>"
            "</Error><RequestId>fake-1</RequestId></ErrorResponse>" % (code, message))
    return status, "text/xml", body


class AwsProxy:
    def __init__(self, target_url, faults=None):
        self.target = urllib.parse.urlsplit(target_url)
        self.faults = dict(faults or {})
        self.counts = {"requests": 0, "forwarded": 0, "throttled": 0, "unavailable": 0,
                       "truncated": 0, "denied": 0}
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy._handle(self)

            do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _count(self, key):
        with self.lock:
            self.counts[key] += 1
            return self.counts[key]

    def _send(self, handler, status, ctype, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("x-amzn-RequestId", "fake-proxy")
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)

    def _handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        split = urllib.parse.urlsplit(handler.path)
        service = _service_of(handler.headers)
        action = _action_of(service, handler.command, split.path, split.query,
                            body.decode("utf-8", "replace"))
        n = self._count("requests")
        f = self.faults
        if f.get("latency_ms"):
            time.sleep(f["latency_ms"] / 1000.0)
        if f.get("deny_service") == service:
            self._count("denied")
            code = "UnauthorizedOperation" if service == "ec2" else "AccessDenied"
            return self._send(handler, *_error(service, code, "denied by the fake", 403))
        if f.get("throttle_every") and n % f["throttle_every"] == 0:
            self._count("throttled")
            if service == "s3":
                return self._send(handler, *_error(service, "SlowDown", "Please reduce your "
                                                   "request rate.", 503))
            code = {"ec2": "RequestLimitExceeded", "eks": "ThrottlingException"}.get(
                service, "Throttling")
            status, ctype, text = _error(service, code, "Rate exceeded", 400)
            headers = [("x-amzn-ErrorType", code)] if service == "eks" else []
            return self._send(handler, status, ctype, text, headers)
        if f.get("unavailable_every") and n % f["unavailable_every"] == 0:
            self._count("unavailable")
            return self._send(handler, 503, "text/plain", "Service Unavailable")
        conn = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=60)
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() not in ("connection", "content-length", "transfer-encoding")}
        conn.request(handler.command, handler.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        self._count("forwarded")
        if f.get("truncate_action") == action and resp.status == 200:
            self._count("truncated")
            data = data[:len(data) // 2]
        handler.send_response(resp.status)
        for name, value in resp.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection",
                                    "server", "date"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)
