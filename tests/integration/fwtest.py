"""fwtest: shared helpers for Fawkes integration tests.

Each tests/integration/test_*.py is a unittest module CTest runs as `python3 FILE`, with
FAWKES_BIN, FAWKES_BUILD_DIR, FAWKES_SOURCE_DIR and FAWKES_TEST_PLUGIN_DIR in the
environment. Tests run the real binary against real plugins and local servers only.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

SOURCE_DIR = os.environ.get("FAWKES_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_DIR = os.environ.get("FAWKES_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
FAWKES = os.environ.get("FAWKES_BIN", os.path.join(BUILD_DIR, "fawkes"))
PLUGIN_DIR = os.path.join(BUILD_DIR, "plugins")
TEST_PLUGIN_DIR = os.environ.get("FAWKES_TEST_PLUGIN_DIR", os.path.join(BUILD_DIR, "test-plugins"))

# fawkes keeps its default state file and audit log in $XDG_STATE_HOME/fawkes/ (else
# ~/.local/state/fawkes/): tests never touch the home directory's. Every fawkes a test module
# starts gets a temporary XDG_STATE_HOME of its module; TestCase.fawkes one of its own test.
_MODULE_STATE_HOME = tempfile.mkdtemp(prefix="fawkes-test-xdg-")
atexit.register(shutil.rmtree, _MODULE_STATE_HOME, True)
os.environ["XDG_STATE_HOME"] = _MODULE_STATE_HOME


def state_home(directory):
    """The XDG_STATE_HOME for runs whose files live in `directory`: a `.xdg-state` in it."""
    return os.path.join(directory, ".xdg-state")


class Result:
    """What one run of the binary gave: exit code, stdout, stderr."""

    def __init__(self, args, code, stdout, stderr):
        self.args, self.code, self.stdout, self.stderr = args, code, stdout, stderr

    def json(self):
        return json.loads(self.stdout)

    def jsonl(self):
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def __repr__(self):
        return "fawkes %s -> exit %d\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            " ".join(self.args), self.code, self.stdout[-4000:], self.stderr[-4000:])


def run(args, cwd=None, env=None, stdin=None, timeout=240):
    """Run fawkes with `args`; never raises on a non-zero exit."""
    full_env = dict(os.environ)
    full_env.pop("FAWKES_PLUGIN_PATH", None)
    full_env["NO_COLOR"] = "1"
    if env:
        full_env.update(env)
    proc = subprocess.run([FAWKES] + list(args), cwd=cwd, env=full_env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)
    return Result(list(args), proc.returncode, proc.stdout, proc.stderr)


class TestCase(unittest.TestCase):
    """A test with its own temporary directory (self.tmp)."""

    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fawkes-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, text, dedent=True):
        """Write a file under self.tmp and return its path."""
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(text) if dedent else text)
        return path

    def fawkes(self, *args, **kw):
        kw.setdefault("cwd", self.tmp)
        kw["env"] = dict(kw.get("env") or {})
        kw["env"].setdefault("XDG_STATE_HOME", state_home(self.tmp))
        return run(args, **kw)

    def default_state(self, name="state.db"):
        """The default state file (or audit.jsonl) of the runs self.fawkes starts."""
        return os.path.join(state_home(self.tmp), "fawkes", name)

    def assertExit(self, result, code):
        self.assertEqual(result.code, code, repr(result))


def main():
    unittest.main(verbosity=2, argv=[sys.argv[0]])
