"""fake_http: a scriptable, recording HTTP server on 127.0.0.1 for Fawkes tests.

Each route has a queue of scripted responses; every request is recorded. Use it from a test:

    sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "fakes"))
    from fake_http import FakeHTTP

    with FakeHTTP() as fake:                          # listens on 127.0.0.1, ephemeral port
        fake.add("/v2/things",                        # any method; "GET /v2/things" for one
                 {"status": 429, "headers": {"Retry-After": "1"}},
                 {"status": 200, "body": {"items": []}})   # dict/list bodies are sent as JSON
        run_fawkes(endpoint=fake.url("/v2/things"))
        first, second = fake.requests("/v2/things")
        assert second["time"] - first["time"] >= 1.0

or standalone (from C tests, or by hand), with the same script as JSON:

    python3 fake_http.py --script script.json --log requests.jsonl [--port 0]

which prints the port on the first line of stdout, appends one JSON line per request to the
log (flushed as each request arrives), and runs until SIGTERM/SIGINT (or, with
--exit-on-eof, until stdin closes). A script file is
    {"routes": {"GET /a": [RESPONSE, ...], "/b*": [...]}, "default": RESPONSE}

A RESPONSE is a dict (every key optional):
    status     HTTP status (200)
    headers    {"Name": "value"} or [["Name", "value"], ...]
    body       str, bytes, or any other JSON value (sent as application/json)
    delay_ms   wait this long before answering (the request is recorded first)
    truncate   true or a byte count N: announce N (100 for true) more bytes in Content-Length
               than the body has, send the body, then close the connection
    close      true: close the connection without answering (a reset/empty reply)
    repeat     true: when this is the last response in its queue, it stays there forever
In Python a RESPONSE may also be a callable taking the request record and returning one.

Routes are matched in this order: "METHOD /path", "/path", then prefixes written with a
trailing "*" ("GET /v2/*", "/v2/*"; longest first), then the default. The path never includes
the query string. When a route's queue is empty the default answers (404 JSON naming the
route, unless FakeHTTP(default=...) or the script's "default" says otherwise).

A request record is a dict: method, path, query (raw string), params (parse_qs of it),
headers (dict, names lower-cased; repeated headers joined with ", "), body (str, UTF-8 with
replacement), time (time.time()), monotonic (time.monotonic()), in_flight (how many requests,
this one included, had arrived and were not yet being answered when it arrived), index
(0-based arrival order).
"""
import argparse
import http.server
import json
import signal
import socket
import sys
import threading
import time
import urllib.parse

__all__ = ["FakeHTTP"]


def _encode_body(body):
    """(bytes, content type or None) for a scripted body."""
    if body is None:
        return b"", None
    if isinstance(body, bytes):
        return body, None
    if isinstance(body, str):
        return body.encode("utf-8"), None
    return json.dumps(body).encode("utf-8"), "application/json"


def _header_pairs(headers):
    if not headers:
        return []
    if isinstance(headers, dict):
        return list(headers.items())
    return [tuple(pair) for pair in headers]


class LocalServer:
    """The life cycle every fake shares: a threaded HTTP server on 127.0.0.1 whose
    request handler (the subclass's HANDLER, a BaseHTTPRequestHandler) reaches the fake as
    `self.owner`. Subclasses set self._requested_port (0: any free port)."""

    HANDLER = None
    _server = None

    def start(self):
        """Start listening in a thread; returns the port."""
        fake = self

        class Handler(self.HANDLER):
            owner = fake

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self._requested_port),
                                                       Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self.port

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class FakeHTTP(LocalServer):
    """A threaded HTTP server on 127.0.0.1 whose answers are scripted per route."""

    def __init__(self, routes=None, default=None, log_path=None, port=0):
        self._lock = threading.Lock()
        self._routes = {}
        self._records = []
        self._in_flight = 0
        self._default = default
        self._log_path = log_path
        self._requested_port = port
        for route, responses in (routes or {}).items():
            self.add(route, *responses)

    # --- scripting ---

    def add(self, route, *responses):
        """Append responses to the queue of `route` ("GET /path", "/path", "/prefix*")."""
        with self._lock:
            self._routes.setdefault(self._route_key(route), []).extend(responses)
        return self

    def set_default(self, response):
        """The answer when no route has a queued response."""
        with self._lock:
            self._default = response

    def pending(self, route=None):
        """How many scripted responses are still queued (for `route`, or in all)."""
        with self._lock:
            if route is not None:
                return len(self._routes.get(self._route_key(route), []))
            return sum(len(queue) for queue in self._routes.values())

    @staticmethod
    def _route_key(route):
        method, _, path = route.partition(" ")
        if not path:
            return route
        return method.upper() + " " + path

    # --- records ---

    def requests(self, path=None, method=None):
        """The recorded requests, oldest first, optionally only those to `path` / `method`."""
        with self._lock:
            records = list(self._records)
        return [r for r in records
                if (path is None or r["path"] == path)
                and (method is None or r["method"] == method)]

    def max_in_flight(self):
        """The largest number of requests the server handled at once."""
        return max((r["in_flight"] for r in self.requests()), default=0)

    def clear(self):
        """Forget the recorded requests (the scripted queues stay)."""
        with self._lock:
            self._records.clear()

    def url(self, path="/"):
        return self.base_url + path

    # --- used by the handler ---

    def _arrive(self, record):
        with self._lock:
            self._in_flight += 1
            record["in_flight"] = self._in_flight
            record["index"] = len(self._records)
            self._records.append(record)
            response = self._next_response(record["method"], record["path"])
            if self._log_path:
                with open(self._log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(record) + "\n")
        if callable(response):
            response = response(record)
        return response

    def _leave(self):
        with self._lock:
            self._in_flight -= 1

    def _next_response(self, method, path):
        candidates = [method + " " + path, path]
        prefixes = sorted((k for k in self._routes if k.endswith("*")), key=len, reverse=True)
        for key in prefixes:
            bare = key.partition(" ")[2] if " " in key else key
            if (key.startswith(method + " ") or " " not in key) and path.startswith(bare[:-1]):
                candidates.append(key)
        for key in candidates:
            queue = self._routes.get(key)
            if queue:
                head = queue[0]
                if len(queue) > 1 or not (isinstance(head, dict) and head.get("repeat")):
                    queue.pop(0)
                return head
        if self._default is not None:
            return self._default
        return {"status": 404, "body": {"error": "fake_http: no scripted response for %s %s"
                                                 % (method, path)}}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner = None  # the FakeHTTP, set by a subclass

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self):
        body = self._read_body()
        parts = urllib.parse.urlsplit(self.path)
        headers = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = headers[key] + ", " + value if key in headers else value
        record = {
            "method": self.command,
            "path": parts.path,
            "query": parts.query,
            "params": urllib.parse.parse_qs(parts.query, keep_blank_values=True),
            "headers": headers,
            "body": body.decode("utf-8", "replace"),
            "time": time.time(),
            "monotonic": time.monotonic(),
        }
        response = self.owner._arrive(record)
        self._left = False
        try:
            self._answer(response or {})
        finally:
            self._leave_once()

    def _leave_once(self):
        if not self._left:
            self._left = True
            self.owner._leave()

    def _answer(self, response):
        delay_ms = response.get("delay_ms", 0)
        if delay_ms:
            time.sleep(delay_ms / 1000.0)
        # No longer "in flight" before the first byte of the answer goes out: the client
        # cannot send its next request before that, so in_flight never counts one twice.
        self._leave_once()
        if response.get("close"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload, content_type = _encode_body(response.get("body"))
        pairs = _header_pairs(response.get("headers"))
        names = {name.lower() for name, _ in pairs}
        truncate = response.get("truncate")
        extra = 0 if not truncate else (100 if truncate is True else int(truncate))
        self.send_response(int(response.get("status", 200)))
        for name, value in pairs:
            self.send_header(name, str(value))
        if content_type and "content-type" not in names:
            self.send_header("Content-Type", content_type)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(payload) + extra))
        if extra:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()
        if extra:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


FakeHTTP.HANDLER = _Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description="Scriptable, recording HTTP server for tests.")
    parser.add_argument("--script", help="JSON file: {\"routes\": {...}, \"default\": {...}}")
    parser.add_argument("--log", help="append one JSON line per request to this file")
    parser.add_argument("--port", type=int, default=0, help="port (default: an ephemeral one)")
    parser.add_argument("--exit-on-eof", action="store_true",
                        help="stop when stdin is closed")
    args = parser.parse_args(argv)
    script = {}
    if args.script:
        with open(args.script, encoding="utf-8") as f:
            script = json.load(f)
    fake = FakeHTTP(routes=script.get("routes"), default=script.get("default"),
                    log_path=args.log, port=args.port)
    port = fake.start()
    print(port, flush=True)
    # The handlers only set a flag: taking a lock (Event.set) inside a signal handler can
    # deadlock against the main thread holding that same lock.
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append("TERM"))
    signal.signal(signal.SIGINT, lambda *_: stop.append("INT"))
    if args.exit_on_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), stop.append("EOF")),
                         daemon=True).start()
    while not stop:
        time.sleep(0.05)
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
