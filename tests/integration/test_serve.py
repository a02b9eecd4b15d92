"""test_serve: `fawkes serve` as a daemon: a real `@every 1s` chain, /metrics checked by
promtool, the bearer token, bad input (oversized and malformed bodies, unknown paths, wrong
methods, a slow client), SIGHUP with a broken and then a good config, and SIGTERM during a run
(exit 0, the history consistent)."""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402
import serveutil  # noqa: E402
from serveutil import TOKEN  # noqa: E402

DEMO = os.path.join(fwtest.SOURCE_DIR, "examples", "demo", "aws.jsonl")


def config_text(state, port, chains, grace="30s"):
    return json.dumps({
        "version": 1,
        "plugin_dirs": [fwtest.PLUGIN_DIR],
        "providers": [{"name": "demo", "plugin": "snapshot", "config": {"paths": [DEMO]}}],
        "scanners": [{"name": "checks", "plugin": "misconfig"}],
        "chains": chains,
        "state": state,
        "server": {"listen": "127.0.0.1:%d" % port, "token": "${env:SERVE_TOKEN}",
                   "grace": grace},
    }, indent=2)


class ServeTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        self.port = serveutil.free_port()
        self.state = os.path.join(self.tmp, "state.db")
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.stop()
        super().tearDown()

    def start(self, chains, args=(), **kw):
        self.config = self.write("fawkes.yaml", config_text(self.state, self.port, chains, **kw))
        self.server = serveutil.Server(self.config, self.tmp, self.port, args=args)
        return self.server

    def test_every_second_chain_runs_and_metrics_pass_promtool(self):
        promtool = serveutil.need_tool(self, "promtool", "prometheus")
        srv = self.start([{"name": "fast", "providers": ["demo"], "scanners": ["checks"],
                           "schedule": "@every 1s"},
                          {"name": "manual", "providers": ["demo"]}],
                         args=("--log-format", "json"))
        runs = srv.wait_runs(lambda rs: len([r for r in rs if r["status"] == "ok"]) >= 2,
                             what="two scheduled runs")
        done = [r for r in runs if r["status"] == "ok"]
        for r in done:
            self.assertEqual(r["trigger"], "schedule")
            self.assertEqual(r["chain"], "fast")
            self.assertEqual(r["summary"]["resources"], 152)
            self.assertGreater(r["summary"]["findings"], 0)
            self.assertIsNone(r["plan_token"])
            self.assertLess(r["started_at"], r["finished_at"])
        # newest first
        started = [r["started_at"] for r in runs]
        self.assertEqual(started, sorted(started, reverse=True))
        # one run a second, not more (at most one per chain at once)
        t0 = time.time()
        srv.wait_runs(lambda rs: len(rs) >= len(runs) + 2, what="two more runs")
        self.assertGreater(time.time() - t0, 1.0)
        # a chain without a schedule runs on demand only
        self.assertNotIn("manual", {r["chain"] for r in srv.runs()})
        code, text, _ = srv.post("/api/v1/runs", {"chain": "manual"})
        self.assertEqual(code, 202, text)
        run_id = json.loads(text)["id"]
        srv.wait_runs(lambda rs: any(r["id"] == run_id and r["status"] == "ok" for r in rs),
                      what="the api run")
        self.assertEqual([r["trigger"] for r in srv.runs() if r["id"] == run_id], ["api"])
        code, text, _ = srv.post("/api/v1/runs", {"chain": "nope"})
        self.assertEqual(code, 404, text)
        self.assertIn("no chain named 'nope'", text)
        code, text, _ = srv.get("/api/v1/runs?limit=1")
        self.assertEqual(len(json.loads(text)["runs"]), 1)
        code, text, _ = srv.get("/api/v1/runs?limit=zero")
        self.assertEqual(code, 400, text)

        code, metrics, headers = srv.get("/metrics", token=None)
        self.assertEqual(code, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        for needle in ('fawkes_runs_total{chain="fast",trigger="schedule",status="ok"}',
                       'fawkes_runs_total{chain="manual",trigger="api",status="ok"} 1',
                       'fawkes_findings{chain="fast",severity="critical",status="fail"}',
                       "fawkes_run_duration_seconds_bucket{le=\"+Inf\"}",
                       'fawkes_last_run_timestamp_seconds{chain="fast"}',
                       "process_resident_memory_bytes", "process_start_time_seconds"):
            self.assertIn(needle, metrics)
        check = subprocess.run([promtool, "check", "metrics"], input=metrics, text=True,
                               capture_output=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertEqual(check.stdout + check.stderr, "")
        finished = [r["id"] for r in srv.runs() if r["status"] != "running"]
        self.assertEqual(srv.stop(), 0, srv.log())
        self.server = None
        # JSON lines, one per finished run naming its id
        lines = [json.loads(line) for line in srv.log().splitlines()]
        for run_id in finished:
            self.assertEqual(len([ln for ln in lines if ln["msg"].startswith("run " + run_id)]),
                             1, run_id)

    def test_token_and_bad_input(self):
        srv = self.start([{"name": "manual", "providers": ["demo"]}])
        self.assertEqual(srv.get("/healthz", token=None)[0], 200)
        code, text, _ = srv.get("/readyz", token=None)
        self.assertEqual((code, text), (200, "ready\n"))
        for path, method in (("/api/v1/runs", "GET"), ("/api/v1/runs", "POST"),
                             ("/api/v1/approvals", "POST"), ("/api/v1/reload", "POST"),
                             ("/alertmanager", "POST")):
            code, text, headers = srv.request(method, path, body={}, token=None)
            self.assertEqual(code, 401, (path, text))
            self.assertIn("missing bearer token", text)
            self.assertIn("Bearer", headers.get("WWW-Authenticate", ""))
            code, text, _ = srv.request(method, path, body={}, token=TOKEN + "x")
            self.assertEqual(code, 401, (path, text))
            self.assertIn("wrong bearer token", text)
            code, text, _ = srv.request(method, path, body={}, token=TOKEN[:-1])
            self.assertEqual(code, 401, (path, text))
        code, text, _ = srv.get("/nope")
        self.assertEqual(code, 404)
        self.assertIn("no such path: /nope", json.loads(text)["error"])
        code, text, headers = srv.request("DELETE", "/api/v1/runs")
        self.assertEqual(code, 405, text)
        self.assertIn("use GET, POST", text)
        code, text, _ = srv.post("/api/v1/runs", raw=b"{not json")
        self.assertEqual(code, 400)
        self.assertIn("malformed JSON body", text)
        code, text, _ = srv.post("/api/v1/runs", raw=b"[1]")
        self.assertEqual(code, 400)
        self.assertIn("expected a JSON object", text)
        code, text, _ = srv.post("/alertmanager", {"version": "3", "alerts": []})
        self.assertEqual(code, 400)
        self.assertIn("version \\\"4\\\"", text)
        # a declared body over the limit is refused before it is read
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(b"POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                         TOKEN.encode() + b"\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 2000000\r\n\r\n")
            answer = sock.recv(4096).decode()
            self.assertIn(" 413 ", answer.splitlines()[0])
            self.assertIn("larger than 1 MiB", answer)
        # a chunked body over the limit (no Content-Length to refuse early)
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(b"POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                         TOKEN.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"a" * 65536
            for _ in range(20):
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
            answer = sock.recv(4096).decode()
            self.assertIn(" 413 ", answer.splitlines()[0])
        # a slow client holding a half-sent request does not stop the server
        slow = socket.create_connection(("127.0.0.1", self.port))
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        self.assertEqual(srv.get("/healthz", token=None, timeout=5)[0], 200)
        self.assertEqual(srv.get("/readyz", token=None, timeout=5)[0], 200)
        # and is disconnected after 15 s of silence
        t0 = time.time()
        slow.settimeout(40)
        try:
            rest = slow.recv(4096)
        except ConnectionResetError:
            rest = b""
        self.assertEqual(rest, b"")
        self.assertGreater(time.time() - t0, 10)
        slow.close()
        # the token never shows in the log
        self.assertEqual(srv.stop(), 0)
        self.server = None
        self.assertNotIn(TOKEN, srv.log())

    def test_sighup_keeps_the_old_schedule_on_error_and_adds_a_chain_on_success(self):
        fast = {"name": "fast", "providers": ["demo"], "schedule": "@every 1s"}
        srv = self.start([fast])
        srv.wait_runs(lambda rs: any(r["status"] == "ok" for r in rs), what="a first run")
        # broken: a schedule that does not parse
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(config_text(self.state, self.port,
                                [fast, {"name": "bad", "providers": ["demo"],
                                        "schedule": "61 * * * *"}]))
        srv.signal(signal.SIGHUP)
        deadline = time.time() + 15
        while time.time() < deadline and srv.get("/readyz", token=None)[0] == 200:
            time.sleep(0.1)
        code, text, _ = srv.get("/readyz", token=None)
        self.assertEqual(code, 503, text)
        self.assertIn("the last reload failed", text)
        self.assertIn("fawkes.yaml:", text)
        self.assertIn("minute field '61'", text)
        self.assertIn("reload refused, still serving the previous config", srv.log())
        # the old schedule still runs
        count = len(srv.runs())
        srv.wait_runs(lambda rs: len(rs) >= count + 2, what="runs after the broken reload")
        self.assertEqual({r["chain"] for r in srv.runs()}, {"fast"})
        code, metrics, _ = srv.get("/metrics", token=None)
        self.assertIn('fawkes_config_reloads_total{outcome="failure"} 1', metrics)
        # a reload through the API says why, with the same located error
        code, text, _ = srv.post("/api/v1/reload")
        self.assertEqual(code, 422, text)
        self.assertIn("minute field '61'", json.loads(text)["error"])
        # good: a new chain appears
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(config_text(self.state, self.port,
                                [fast, {"name": "added", "providers": ["demo"],
                                        "schedule": "@every 1s"}]))
        srv.signal(signal.SIGHUP)
        srv.wait_runs(lambda rs: any(r["chain"] == "added" and r["status"] == "ok" for r in rs),
                      what="the added chain")
        self.assertEqual(srv.get("/readyz", token=None)[0], 200)
        code, metrics, _ = srv.get("/metrics", token=None)
        self.assertIn('fawkes_config_reloads_total{outcome="success"} 1', metrics)
        self.assertEqual(srv.stop(), 0)
        self.server = None

    def test_reload_checks_playbooks_and_instances_first(self):
        fast = {"name": "fast", "providers": ["demo"], "schedule": "@every 1s"}
        srv = self.start([fast])
        self.write("broken.lua", "for x in\n")
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(config_text(self.state, self.port,
                                [dict(fast, playbooks=["broken.lua"])]))
        code, text, _ = srv.post("/api/v1/reload")
        self.assertEqual(code, 422, text)
        error = json.loads(text)["error"]
        self.assertIn("chains[0].playbooks[0]: playbook ", error)
        self.assertIn("broken.lua", error)
        cfg = json.loads(config_text(self.state, self.port, [fast]))
        cfg["providers"][0]["config"] = {"paths": [DEMO], "no_such_option": 1}
        with open(self.config, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        code, text, _ = srv.post("/api/v1/reload")
        self.assertEqual(code, 422, text)
        self.assertIn("no_such_option", json.loads(text)["error"])
        self.assertEqual(srv.get("/readyz", token=None)[0], 503)
        count = len(srv.runs())
        srv.wait_runs(lambda rs: len(rs) >= count + 1, what="runs on the old config")
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(config_text(self.state, self.port, [fast]))
        code, text, _ = srv.post("/api/v1/reload")
        self.assertEqual(code, 200, text)
        self.assertEqual(srv.get("/readyz", token=None)[0], 200)
        code, metrics, _ = srv.get("/metrics", token=None)
        self.assertIn('fawkes_config_reloads_total{outcome="failure"} 2', metrics)
        self.assertIn('fawkes_config_reloads_total{outcome="success"} 1', metrics)

    def test_sigterm_during_a_run_exits_zero_with_consistent_state(self):
        # a big snapshot makes each run last a while
        big = os.path.join(self.tmp, "big.jsonl")
        with open(DEMO, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
        with open(big, "w", encoding="utf-8") as f:
            for i in range(400):
                for res in lines:
                    copy = dict(res)
                    copy["uid"] = "%s-%d" % (res["uid"], i)
                    f.write(json.dumps(copy) + "\n")
        self.config = self.write("fawkes.yaml", config_text(self.state, self.port, []))
        with open(self.config, encoding="utf-8") as f:
            cfg = json.load(f)
        cfg["providers"][0]["config"]["paths"] = [big]
        cfg["chains"] = [{"name": "slow", "providers": ["demo"], "scanners": ["checks"],
                          "schedule": "@every 1s"}]
        with open(self.config, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        srv = serveutil.Server(self.config, self.tmp, self.port)
        self.server = srv
        srv.wait_runs(lambda rs: any(r["status"] == "running" for r in rs), what="a run going")
        srv.signal(signal.SIGTERM)
        code = srv.stop()
        self.server = None
        self.assertEqual(code, 0, srv.log())
        log = srv.log()
        self.assertIn("SIGTERM: stopping", log)
        self.assertIn("stopped", log)
        # every run the history recorded is whole: its findings are all there
        db = sqlite3.connect(self.state)
        try:
            tables = {r[0] for r in db.execute("select name from sqlite_master")}
            self.assertIn("history_runs", tables)
            self.assertEqual(db.execute("pragma integrity_check").fetchone()[0], "ok")
        finally:
            db.close()
        again = fwtest.run(["-c", self.config, "run", "slow", "-o", "json", "--fail-on", "none"],
                           cwd=self.tmp, env={"SERVE_TOKEN": TOKEN})
        self.assertEqual(again.code, 0, repr(again))


    def test_tls(self):
        import ssl
        openssl = serveutil.need_tool(self, "openssl", "openssl")
        cert, key = os.path.join(self.tmp, "tls.crt"), os.path.join(self.tmp, "tls.key")
        made = subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                               "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                               "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                               "-keyout", key, "-out", cert], capture_output=True, text=True)
        self.assertEqual(made.returncode, 0, made.stderr)
        cfg = json.loads(config_text(self.state, self.port, []))
        cfg["server"]["tls"] = {"cert": "tls.crt", "key": "${file:tls.key}"}
        self.config = self.write("fawkes.yaml", json.dumps(cfg))
        proc = subprocess.Popen([fwtest.FAWKES, "-c", self.config, "serve"], cwd=self.tmp,
                                env=dict(os.environ, SERVE_TOKEN=TOKEN),
                                stderr=subprocess.PIPE, text=True)
        try:
            context = ssl.create_default_context(cafile=cert)
            deadline, answer = time.time() + 15, None
            while time.time() < deadline and answer is None:
                try:
                    with urllib.request.urlopen("https://127.0.0.1:%d/healthz" % self.port,
                                                context=context, timeout=5) as r:
                        answer = (r.status, r.read().decode())
                except OSError:
                    time.sleep(0.2)
            self.assertEqual(answer, (200, "ok\n"))
            req = urllib.request.Request("https://127.0.0.1:%d/api/v1/runs" % self.port,
                                         headers={"Authorization": "Bearer " + TOKEN})
            with urllib.request.urlopen(req, context=context, timeout=5) as r:
                self.assertEqual(json.loads(r.read())["runs"], [])
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        with open(key, encoding="utf-8") as f:
            self.assertNotIn(f.read().strip().splitlines()[1], err)

class ServeDocsTest(fwtest.TestCase):
    """docs/serve.md's config validates; deploy/ holds a unit systemd accepts and the
    Kubernetes objects the docs name."""

    def test_docs_config_validates(self):
        import re
        with open(os.path.join(fwtest.SOURCE_DIR, "docs", "serve.md"), encoding="utf-8") as f:
            doc = f.read()
        block = [b for b in re.findall(r"```yaml\n(.*?)```", doc, re.S)
                 if b.startswith("version: 1")][0]
        self.write("fawkes.yaml", block, dedent=False)
        result = self.fawkes("config", "validate",
                             env={"FAWKES_API_TOKEN": TOKEN, "TEAM_WEBHOOK_URL": "https://x.test/h"})
        self.assertExit(result, 0)
        self.assertNotIn("error", result.stderr)

    def test_deploy_files(self):
        import shutil
        import yaml
        unit = os.path.join(fwtest.SOURCE_DIR, "deploy", "systemd", "fawkes.service")
        with open(unit, encoding="utf-8") as f:
            text = f.read()
        for option in ("NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=",
                       "ExecReload=/bin/kill -HUP $MAINPID", "DynamicUser=yes"):
            self.assertIn(option, text)
        analyze = shutil.which("systemd-analyze")
        if analyze:
            local = self.write("fawkes.service", text.replace("/usr/bin/fawkes", fwtest.FAWKES),
                               dedent=False)
            check = subprocess.run([analyze, "verify", local], capture_output=True, text=True,
                                   cwd=self.tmp)
            self.assertEqual(check.returncode, 0, check.stderr)
            self.assertNotIn("fawkes.service:", check.stderr)
        with open(os.path.join(fwtest.SOURCE_DIR, "deploy", "kubernetes", "fawkes.yaml"),
                  encoding="utf-8") as f:
            kinds = [d["kind"] for d in yaml.safe_load_all(f) if d]
        for kind in ("Deployment", "Service", "ServiceMonitor"):
            self.assertIn(kind, kinds)


if __name__ == "__main__":
    fwtest.main()
