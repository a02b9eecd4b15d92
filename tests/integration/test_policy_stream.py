"""fawkes policy eval streamed: every input path (JSONL in byte ranges on several threads,
JSONL in order, stdin, a JSON array, one object) reaches the decisions of the Python
reference (bench/policy_baseline.py, which agreed byte for byte with the pre-streaming
`policy eval`), bad documents in the middle are reported and counted, and memory stays flat
as the input grows."""
import json
import os
import subprocess
import sys

import fwtest
from fwtest import PLUGIN_DIR, SOURCE_DIR

PACK = os.path.join(SOURCE_DIR, "policies")
DEMO = os.path.join(SOURCE_DIR, "examples", "demo")
GEN = os.path.join(SOURCE_DIR, "bench", "gen_resources.py")
BASELINE = os.path.join(SOURCE_DIR, "bench", "policy_baseline.py")
NOW = {"FAWKES_NOW": "2026-11-23T12:00:00Z"}
CHUNK = "FAWKES_POLICY_EVAL_CHUNK_BYTES"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def lines_of(text):
    return [line for line in text.splitlines() if line.strip()]


def normalized(lines, old, new):
    """Decision lines with the input's name `old` written as `new`."""
    return [line.replace('"input":"%s' % old, '"input":"%s' % new, 1) for line in lines]


def footer(counts):
    return ("%(documents)d documents, %(decisions)d decisions: %(deny)d deny, %(warn)d warn, "
            "%(allow)d allow, %(error)d error" % counts)


class PolicyStreamTest(fwtest.TestCase):
    def eval(self, *args, env=None, stdin=None):
        full = dict(NOW)
        full.update(env or {})
        return self.fawkes("--plugin-dir", PLUGIN_DIR, "policy", "eval", "--policy", PACK,
                           *args, env=full, stdin=stdin)

    def generate(self, name, count, seed=1):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            subprocess.run([sys.executable, GEN, str(count), "--seed", str(seed)], stdout=f,
                           check=True)
        return path

    def estate(self):
        """The demo inventory and 3,000 generated resources, one JSONL file (~2 MB)."""
        generated = self.generate("generated.jsonl", 3000, seed=5)
        text = "".join(read(os.path.join(DEMO, n))
                       for n in sorted(os.listdir(DEMO)) if n.endswith(".jsonl"))
        text += read(generated)
        return self.write("estate.jsonl", text, dedent=False)

    def reference(self, path):
        """The Python reference's decision lines (in file order) and its summary."""
        try:
            import yaml  # noqa: F401  (the baseline needs PyYAML: scripts/deps.sh installs it)
        except ImportError:
            self.skipTest("python3-yaml is missing (scripts/deps.sh installs it)")
        proc = subprocess.run([sys.executable, BASELINE, "--decisions", PACK, path],
                              capture_output=True, text=True, env=dict(os.environ, **NOW),
                              check=True)
        return lines_of(proc.stdout), json.loads(proc.stderr)

    def test_every_path_reaches_the_reference_decisions(self):
        path = self.estate()
        ref, summary = self.reference(path)
        self.assertGreater(len(ref), 20000)
        counts = dict(summary["effects"], documents=summary["documents"],
                      decisions=summary["decisions"])
        # One thread reads the file in order: the same lines in the same order.
        one = self.eval("--input", path, "-o", "jsonl", "--jobs", "1")
        self.assertExit(one, 1)  # high-severity denies
        self.assertEqual(lines_of(one.stdout), ref)
        # Two threads over ~30 byte ranges: the same lines, in another order.
        many = self.eval("--input", path, "-o", "jsonl", "--jobs", "2", env={CHUNK: "65536"})
        self.assertExit(many, 1)
        self.assertEqual(sorted(lines_of(many.stdout)), sorted(ref))
        # stdin, in order, named "-".
        piped = self.eval("--input", "-", "-o", "jsonl",
                          stdin=read(path))
        self.assertExit(piped, 1)
        self.assertEqual(normalized(lines_of(piped.stdout), "-:", path + ":"), ref)
        # A JSON array of the same documents (element i is line i + 1), streamed.
        docs = [json.loads(line) for line in read(path).splitlines()]
        array = self.write("estate.json", json.dumps(docs, indent=2), dedent=False)
        res = self.eval("--input", array, "-o", "jsonl")
        self.assertExit(res, 1)
        got = [json.loads(line) for line in lines_of(res.stdout)]
        for d in got:
            index = int(d["input"][len(array) + 1:-1])
            d["input"] = "%s:%d" % (path, index + 1)
        self.assertEqual(got, [json.loads(line) for line in ref])
        # -o json: one document, the same decisions, the summary the reference counted.
        res = self.eval("--input", path, "-o", "json", "--jobs", "2", env={CHUNK: "65536"})
        self.assertExit(res, 1)
        out = res.json()
        self.assertEqual(sorted(out), ["decisions", "summary"])
        self.assertEqual(sorted(json.dumps(d, sort_keys=True) for d in out["decisions"]),
                         sorted(json.dumps(json.loads(line), sort_keys=True) for line in ref))
        self.assertEqual(out["summary"], dict(counts, invalid=0))
        # the table: one row per decision, then the totals
        res = self.eval("--input", path, "--jobs", "2", env={CHUNK: "65536"})
        self.assertExit(res, 1)
        rows = res.stdout.splitlines()
        self.assertEqual(len(rows), len(ref) + 1)
        self.assertEqual(rows[-1], footer(counts))
        first = json.loads(ref[0])
        row = "%s.%s  %s  %s" % (first["policy"], first["rule"], first["uid"], first["reason"])
        self.assertTrue(any(r.endswith(row) for r in rows), row)

    def test_byte_ranges_cut_anywhere_name_the_right_lines(self):
        # Blank lines, CRLF endings and a last line without a newline; ranges of 1 to 500
        # bytes start inside lines, on newlines and in blank runs, and many hold no line.
        docs = [json.loads(line) for line in read(self.generate("g.jsonl", 12, seed=3)).splitlines()]
        parts = []
        for i, d in enumerate(docs):
            parts.append(json.dumps(d) + ("\r\n" if i % 3 == 0 else "\n"))
            if i % 4 == 1:
                parts.append("\n  \n")
        path = self.write("mixed.jsonl", "".join(parts).rstrip("\n"), dedent=False)
        line_of = {}
        with open(path, encoding="utf-8", newline="\n") as f:
            numbered = list(enumerate(f, 1))
        for number, line in numbered:
            if line.strip():
                line_of[json.loads(line)["uid"]] = number
        expected = sorted(lines_of(self.eval("--input", path, "-o", "jsonl",
                                             "--jobs", "1").stdout))
        # every document judged, the last one (no newline) too
        self.assertEqual({json.loads(x)["uid"] for x in expected}, set(line_of))
        for chunk in ("1", "2", "3", "7", "64", "500"):
            with self.subTest(chunk=chunk):
                res = self.eval("--input", path, "-o", "jsonl", "--jobs", "2",
                                env={CHUNK: chunk})
                self.assertExit(res, 1)
                got = lines_of(res.stdout)
                self.assertEqual(sorted(got), expected)
                for d in map(json.loads, got):
                    self.assertEqual(d["input"], "%s:%d" % (path, line_of[d["uid"]]))

    def test_a_bad_line_in_the_middle_is_named_counted_and_the_rest_judged(self):
        good = read(self.generate("g.jsonl", 40, seed=9)).splitlines()
        lines = good[:4] + ['{"uid": "x", "kind": }'] + good[4:7] + ['[1, 2]'] + good[7:]
        path = self.write("bad.jsonl", "\n".join(lines) + "\n", dedent=False)
        clean = self.write("clean.jsonl", "\n".join(good) + "\n", dedent=False)
        want = self.eval("--input", clean, "-o", "json").json()
        for env in ({}, {CHUNK: "4096"}):
            with self.subTest(env=env):
                for fail_on in ("high", "none"):
                    res = self.eval("--input", path, "-o", "json", "--fail-on", fail_on,
                                    env=env)
                    self.assertExit(res, 3)  # incomplete: wins over the denies' 1
                out = res.json()
                self.assertIn("fawkes: error: %s:5:22: invalid JSONL input: unexpected token "
                              "near '}'; the line was skipped" % path, res.stderr)
                self.assertIn("fawkes: error: %s:9:1: invalid JSONL input: expected a JSON "
                              "object, got an array; the line was skipped" % path, res.stderr)
                self.assertIn("2 documents of %s could not be read and were not judged "
                              "(named above): fix or remove them; the other 40 were judged"
                              % path, res.stderr)
                self.assertEqual(out["summary"], dict(want["summary"], invalid=2))
                # every good document judged, under its own line number in bad.jsonl
                renumber = {n: n + (0 if n <= 4 else 1 if n <= 7 else 2) for n in range(1, 41)}
                expected = sorted(json.dumps(dict(d, input="%s:%d" % (
                    path, renumber[int(d["input"].rsplit(":", 1)[1])])), sort_keys=True)
                    for d in want["decisions"])
                self.assertEqual(sorted(json.dumps(d, sort_keys=True)
                                        for d in out["decisions"]), expected)
        # The table says it too.
        res = self.eval("--input", path, "--fail-on", "none")
        self.assertExit(res, 3)
        self.assertTrue(res.stdout.splitlines()[-1].endswith("; 2 invalid (not judged)"),
                        res.stdout[-300:])

    def test_many_bad_lines_name_the_first_twenty(self):
        good = read(self.generate("g.jsonl", 3, seed=2))
        path = self.write("noisy.jsonl", good + "not json\n" * 30 + good, dedent=False)
        res = self.eval("--input", path, "-o", "jsonl", "--fail-on", "none")
        self.assertExit(res, 3)
        named = [line for line in res.stderr.splitlines() if "invalid JSONL input" in line]
        self.assertEqual(len(named), 20)
        self.assertIn("%s:4:3: invalid JSONL input: '[' or '{' expected near 'not'" % path,
                      named[0])
        self.assertIn("30 documents of %s could not be read and were not judged (the first 20 "
                      "are named above): fix or remove them; the other 6 were judged" % path,
                      res.stderr)
        self.assertEqual({json.loads(x)["input"] for x in lines_of(res.stdout)},
                         {"%s:%d" % (path, n) for n in (1, 2, 3, 34, 35, 36)})

    def test_nothing_is_written_unless_the_input_opens_and_its_first_document_parses(self):
        good = read(self.generate("g.jsonl", 3))
        cases = [
            ("first.jsonl", '{"uid": \n' + good,
             "first.jsonl:1:8: invalid JSONL input: unexpected token near end of file (nor is "
             "the input one JSON object: %s:3:1: '}' expected near '{'); nothing was "
             "evaluated"),
            ("blank-first.jsonl", "\n  \n[3]\n" + good,
             "blank-first.jsonl:3:2: invalid JSON input: element 0 of the array is not a JSON "
             "object"),
            ("empty.jsonl", "", "--input %s: the input is empty: no documents; nothing was "
             "evaluated (for an empty set of documents, pass an empty JSON array: [])"),
            ("blank.jsonl", "\n \n\t\n", "--input %s: the input is empty"),
            ("scalar.json", "42\n", "scalar.json:1:1: invalid JSON input: expected a JSON "
             "object, an array of objects, or JSONL (one object per line); the input starts "
             "with '4'"),
            ("array.json", '[{"uid": "a"}, {"uid": }]', None),
            ("two.json", '{\n "uid": "a"\n}\n{"uid": "b"}\n',
             "two.json:4:1: invalid JSON input: more data after the first object, which spans "
             "several lines"),
        ]
        for name, text, message in cases:
            with self.subTest(name=name):
                path = self.write(name, text, dedent=False)
                res = self.eval("--input", path)
                if message is None:  # a later element: reported, the rest is lost, exit 3
                    self.assertExit(res, 3)
                    self.assertIn("%s:1:24: invalid JSON input: element 1: unexpected token "
                                  "near '}'; the rest of the array is lost" % path, res.stderr)
                    continue
                self.assertExit(res, 2)
                self.assertEqual(res.stdout, "")
                self.assertIn(message % path if "%s" in message
                              else os.path.join(self.tmp, message), res.stderr)
        for missing in ("nope.jsonl", "g.jsonl/below"):
            res = self.eval("--input", os.path.join(self.tmp, missing))
            self.assertExit(res, 2)
            self.assertEqual(res.stdout, "")
            self.assertRegex(res.stderr, "--input .*%s: (No such file or directory|Not a "
                                         "directory)" % missing)
        res = self.eval("--input", self.tmp)
        self.assertExit(res, 2)
        self.assertIn("is a directory; pass a JSON or JSONL file", res.stderr)
        if os.geteuid() != 0:  # root reads any file
            locked = self.write("locked.jsonl", good, dedent=False)
            os.chmod(locked, 0)
            res = self.eval("--input", locked)
            self.assertExit(res, 2)
            self.assertIn("Permission denied", res.stderr)
        # An empty array is an empty set of documents: nothing to judge, exit 0.
        res = self.eval("--input", self.write("none.json", " [ ] ", dedent=False), "-o", "json")
        self.assertExit(res, 0)
        self.assertEqual(res.json(), {"decisions": [], "summary": {
            "deny": 0, "warn": 0, "allow": 0, "error": 0, "documents": 0, "decisions": 0,
            "invalid": 0}})

    def test_stdin_streams_jsonl_and_takes_one_object(self):
        good = read(self.generate("g.jsonl", 4, seed=4)).splitlines()
        text = "\n".join(good[:2] + ["{oops"] + good[2:]) + "\n"
        res = self.eval("--input", "-", "-o", "jsonl", "--fail-on", "none", stdin=text)
        self.assertExit(res, 3)
        self.assertIn("fawkes: error: -:3:5: invalid JSONL input: string or '}' expected near "
                      "'oops'; the line was skipped", res.stderr)
        self.assertEqual(sorted({json.loads(x)["input"] for x in lines_of(res.stdout)}),
                         ["-:1", "-:2", "-:4", "-:5"])
        one = json.dumps(json.loads(good[0]), indent=2)
        res = self.eval("--input", "-", "-o", "json", "--fail-on", "none", stdin=one)
        self.assertExit(res, 0)
        out = res.json()
        self.assertEqual(out["summary"]["documents"], 1)
        self.assertEqual({d["input"] for d in out["decisions"]}, {"-[0]"})

    def test_a_huge_line_among_small_ranges(self):
        docs = [json.loads(x) for x in read(self.generate("g.jsonl", 30, seed=6)).splitlines()]
        docs[11]["attributes"]["blob"] = "\u00e9x\\\"" * (1 << 20)  # 5 MiB as JSON
        docs[11]["name"] = "huge"
        path = self.write("huge.jsonl", "".join(json.dumps(d, ensure_ascii=False) + "\n"
                                                for d in docs), dedent=False)
        for env in ({}, {CHUNK: "100000"}):
            with self.subTest(env=env):
                res = self.eval("--input", path, "-o", "jsonl", "--fail-on", "none", env=env)
                self.assertExit(res, 0)
                got = [json.loads(x) for x in lines_of(res.stdout)]
                self.assertEqual({d["input"] for d in got},
                                 {"%s:%d" % (path, n) for n in range(1, 31)})
                huge = [d for d in got if d["uid"] == docs[11]["uid"]]
                self.assertTrue(huge)
                self.assertEqual({d["input"] for d in huge}, {"%s:12" % path})

    def test_peak_memory_does_not_grow_with_the_input(self):
        small = self.generate("small.jsonl", 2000, seed=8)
        large = self.generate("large.jsonl", 20000, seed=8)
        wrapper = ("import resource, subprocess, sys\n"
                   "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
                   "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
        cache = os.path.join(fwtest.BUILD_DIR, "CMakeCache.txt")
        if os.path.exists(cache) and "FAWKES_SANITIZE:BOOL=ON" in read(cache):
            self.skipTest("a sanitizer build keeps freed memory in quarantine")

        def peak_kib(path, fmt):
            proc = subprocess.run(
                [sys.executable, "-c", wrapper, fwtest.FAWKES, "--plugin-dir", PLUGIN_DIR,
                 "policy", "eval", "--policy", PACK, "--input", path, "-o", fmt,
                 "--fail-on", "none"],
                capture_output=True, text=True, env=dict(os.environ, **NOW), check=True)
            rc, kib = map(int, proc.stdout.split())
            self.assertEqual(rc, 0, proc.stderr)
            return kib

        for fmt in ("json", "table", "jsonl"):
            with self.subTest(fmt=fmt):
                grown = peak_kib(large, fmt) - peak_kib(small, fmt)
                # Before streaming the 20,000 took ~250 MiB more than the 2,000.
                self.assertLess(grown, 24 * 1024, "%s: %d KiB more for 10x the input"
                                % (fmt, grown))


if __name__ == "__main__":
    fwtest.main()
