"""serveutil: run `fawkes serve` in a test and talk to it (tests/integration/test_serve*.py)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import fwtest

TOKEN = "serve-test-token-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_tool(test, tool, package):
    """The path of `tool`; a missing one fails the test (scripts/deps.sh installs `package`),
    unless FAWKES_ALLOW_MISSING_TOOLS=1 says this machine cannot have it: then it is skipped,
    with the reason."""
    path = shutil.which(tool)
    if path:
        return path
    why = "%s not found: scripts/deps.sh installs the Debian package %s" % (tool, package)
    if os.environ.get("FAWKES_ALLOW_MISSING_TOOLS") == "1":
        test.skipTest(why + " (skipped: FAWKES_ALLOW_MISSING_TOOLS=1)")
    test.fail(why)


class Server:
    """One `fawkes serve` process on 127.0.0.1:port."""

    def __init__(self, config, cwd, port, env=None, args=()):
        self.port = port
        self.base = "http://127.0.0.1:%d" % port
        self.stderr_path = os.path.join(cwd, "serve-%d.log" % port)
        full_env = dict(os.environ)
        full_env.pop("FAWKES_PLUGIN_PATH", None)
        full_env["SERVE_TOKEN"] = TOKEN
        full_env["XDG_STATE_HOME"] = fwtest.state_home(cwd)
        full_env.update(env or {})
        self._stderr = open(self.stderr_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen([fwtest.FAWKES, "-c", config, "serve"] + list(args),
                                     cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("fawkes serve exited %d:\n%s" % (self.proc.returncode,
                                                                     self.log()))
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("fawkes serve did not answer /healthz:\n" + self.log())

    def log(self):
        if not self._stderr.closed:
            self._stderr.flush()
        with open(self.stderr_path, encoding="utf-8") as f:
            return f.read()

    def request(self, method, path, body=None, token=TOKEN, raw=None, headers=None, timeout=30):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                            else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read().decode(), dict(resp.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), dict(e.headers)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def runs(self, limit=100):
        code, text, _ = self.get("/api/v1/runs?limit=%d" % limit)
        assert code == 200, text
        return json.loads(text)["runs"]

    def wait_runs(self, predicate, timeout=30, what="runs"):
        deadline = time.time() + timeout
        runs = []
        while time.time() < deadline:
            runs = self.runs()
            if predicate(runs):
                return runs
            time.sleep(0.2)
        raise AssertionError("timed out waiting for %s; runs: %s\n%s" % (
            what, json.dumps(runs, indent=1)[-3000:], self.log()[-3000:]))

    def signal(self, signo):
        self.proc.send_signal(signo)

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc.stdout.close()
        self._stderr.close()
        return code
