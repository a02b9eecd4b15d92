"""test_progress: the one-line progress display of inventory, scan and run on stderr: shown on
a terminal (a pty here) at most 10 times a second and erased before anything else is written,
never on a pipe, with --log-format json or with --no-progress; --progress forces it on.
The runs are made slow with the fake Civo API's latency (tests/fakes/fake_civo.py).
"""
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

sys.path.insert(0, os.path.join(fwtest.SOURCE_DIR, "tests", "fakes"))
from fake_civo import FakeCivo, TOKEN  # noqa: E402

ERASE = "\r\x1b[K"
MARK = " resources, "  # in every drawn line, never in a log line


def screen(text):
    """What a terminal shows after `text`: (finished lines, the line the cursor is on).
    Understands what fawkes writes to stderr: \\r, \\n and ESC [ K (erase to the line's end)."""
    lines, line, col, i = [], [], 0, 0
    while i < len(text):
        if text.startswith("\x1b[K", i):
            del line[col:]
            i += 3
            continue
        char = text[i]
        if char == "\r":
            col = 0
        elif char == "\n":
            lines.append("".join(line))
            line, col = [], 0
        else:
            if col < len(line):
                line[col] = char
            else:
                line.append(char)
            col += 1
        i += 1
    return lines, "".join(line)


class ProgressTest(fwtest.TestCase):

    def setUp(self):
        super().setUp()
        # 30 tasks of a page or two each, 2 at a time, 40 ms an answer: a run of 1-3 s
        self.fake = FakeCivo(per_region=40, latency_ms=40)
        self.fake.start()

    def tearDown(self):
        self.fake.stop()
        super().tearDown()

    def config(self, chain=False):
        provider = {"name": "civo-test", "plugin": "civo",
                    "config": {"endpoint": self.fake.base_url, "account": "acme",
                               "per_page": 20, "token": "${env:FAKE_CIVO_TOKEN}"},
                    "limits": {"concurrency": 2, "retries": 0}}
        config = {"version": 1, "plugin_dirs": [fwtest.PLUGIN_DIR], "providers": [provider],
                  "security": {"egress_allow": ["127.0.0.1"]}}
        if chain:
            config["chains"] = [{"name": "nightly", "providers": ["civo-test"]}]
        return self.write("fawkes.yaml", json.dumps(config, indent=2))

    def env(self):
        env = dict(os.environ, NO_COLOR="1", FAKE_CIVO_TOKEN=TOKEN)
        env.pop("FAWKES_PLUGIN_PATH", None)
        return env

    def on_pty(self, *args):
        """Run fawkes with stderr on a pty and stdout on a pipe: (exit code, stdout, stderr
        as the terminal received it, seconds the run took)."""
        master, slave = os.openpty()
        started = time.monotonic()
        proc = subprocess.Popen([fwtest.FAWKES] + list(args), cwd=self.tmp, env=self.env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        stdout = []  # read on the side: a full pipe would stop fawkes
        reader = threading.Thread(target=lambda: stdout.append(proc.stdout.read()))
        reader.start()
        received = bytearray()
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer of the pty has closed it
                break
            if not chunk:
                break
            received += chunk
        proc.wait(timeout=120)
        seconds = time.monotonic() - started
        reader.join()
        proc.stdout.close()
        os.close(master)
        return proc.returncode, stdout[0].decode(), received.decode(), seconds

    def on_pipe(self, *args):
        """Run fawkes with stdout and stderr on pipes: (exit code, stdout, stderr), bytes
        decoded as they are (no newline translation, which would turn \\r into \\n)."""
        proc = subprocess.run([fwtest.FAWKES] + list(args), cwd=self.tmp, env=self.env(),
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()

    def assertClean(self, stderr):
        lines, current = screen(stderr)
        self.assertEqual(current, "", "the display is left on the terminal: %r" % stderr[-300:])
        for line in lines:
            self.assertNotIn(MARK, line, "a drawn line was kept or run into: %r" % line)

    def test_inventory_on_a_terminal_shows_progress_and_erases_it(self):
        code, stdout, stderr, seconds = self.on_pty("-c", self.config(), "inventory", "-o", "json")
        self.assertEqual(code, 0, stderr)
        self.assertEqual(len(json.loads(stdout)["resources"]), 3 * 40)
        draws = stderr.count(MARK)
        self.assertGreaterEqual(draws, 3, stderr)
        # at most 10 a second: drawn lines come a full 100 ms after each other
        self.assertLessEqual(draws, seconds * 10 + 1, (draws, seconds))
        self.assertIn("civo-test ", stderr)
        self.assertIn("/30 tasks", stderr)  # 3 regions x 10 task kinds
        self.assertIn("requests", stderr)
        self.assertClean(stderr)
        # the last thing written is the erasing
        self.assertTrue(stderr.endswith(ERASE), repr(stderr[-200:]))

    def test_log_lines_erase_the_display_first(self):
        # a region down: each of its tasks logs an error line while the display is shown
        self.fake.configure(down_regions=["FRA1"])
        code, stdout, stderr, _ = self.on_pty("-c", self.config(), "inventory", "-o", "json")
        self.assertEqual(code, 3, stderr)
        self.assertGreaterEqual(stderr.count(MARK), 1, stderr)
        lines, current = screen(stderr)
        self.assertEqual(current, "")
        errors = [line for line in lines if line.startswith("fawkes: error:")]
        self.assertGreaterEqual(len(errors), 1, stderr)
        for line in lines:
            self.assertTrue(line.startswith("fawkes: "), "a line that is not a log line: %r"
                            % line)
            self.assertNotIn(MARK, line)
        self.assertTrue(json.loads(stdout)["partial"])

    def test_run_with_a_table_on_a_terminal(self):
        code, stdout, stderr, _ = self.on_pty("-c", self.config(chain=True), "run")
        self.assertEqual(code, 0, stderr)
        self.assertIn("nightly: ", stderr)
        self.assertGreaterEqual(stderr.count(MARK), 1, stderr)
        self.assertClean(stderr)
        self.assertNotIn("\x1b", stdout)

    def test_nothing_with_no_progress_or_json_logs(self):
        for extra in (["--no-progress"], ["--log-format", "json"],
                      ["--log-format", "json", "--progress"]):
            code, stdout, stderr, _ = self.on_pty("-c", self.config(), "inventory", "-o", "json",
                                                  *extra)
            self.assertEqual(code, 0, (extra, stderr))
            self.assertNotIn(MARK, stderr, extra)
            self.assertNotIn("\x1b", stderr, extra)

    def test_nothing_on_a_pipe_unless_forced(self):
        code, _, stderr = self.on_pipe("-c", self.config(), "inventory", "-o", "json")
        self.assertEqual(code, 0, stderr)
        self.assertEqual(stderr, "")
        code, stdout, stderr = self.on_pipe("-c", self.config(), "scan", "--progress", "-o",
                                            "json")
        self.assertEqual(code, 0, stderr)
        self.assertIn("scan: ", stderr)
        self.assertIn(MARK, stderr)
        self.assertClean(stderr)
        self.assertTrue(stderr.endswith(ERASE), repr(stderr[-200:]))
        self.assertEqual(json.loads(stdout)["findings"], [])


if __name__ == "__main__":
    fwtest.main()
