"""test_out_of_tree: the installed SDK builds plugins out of tree; the installed fawkes loads them.

Installs the build into a temporary prefix, generates one plugin of each kind with
scripts/new-plugin, builds some with CMake (find_package(Fawkes)) and some with the generated
Makefile (pkg-config fawkes-sdk), builds examples/plugins/hello, and runs the INSTALLED
fawkes on them. Builds hello once more with a unit test on the installed fake host
(fawkes_add_plugin_test, tests/support/example/) and runs it with ctest. Also checks that
the code in docs/sdk.md is the code of the template (or of that example test).
"""
import filecmp
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402

SOURCE_DIR = fwtest.SOURCE_DIR
BUILD_DIR = fwtest.BUILD_DIR
NEW_PLUGIN = os.path.join(SOURCE_DIR, "scripts", "new-plugin")
HELLO_DIR = os.path.join(SOURCE_DIR, "examples", "plugins", "hello")
# hello's CMakeLists.txt plus fawkes_add_plugin_test, and tests/test_hello.c: laid over a copy
# of hello to build the plugin with its unit test against the installed SDK.
TESTED_DIR = os.path.join(SOURCE_DIR, "tests", "support", "example")
SUPPORT_DIR = os.path.join(SOURCE_DIR, "tests", "support")
STRICT_CFLAGS = "-Werror -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes"

# name -> (kind, how it is built). The names are the ones docs/sdk.md quotes.
GENERATED = {
    "label_scan": ("scanner", "cmake"),
    "label_gate": ("policy", "make"),
    "log_notes": ("notifier", "make"),
    "shop_items": ("provider", "make"),
}
# The config options of each kind's template, as `plugins list` renders them.
TEMPLATE_OPTIONS = {
    "provider": {"items", "region", "state", "labels", "url"},
    "scanner": {"label", "severity"},
    "policy": {"label", "effect"},
    "notifier": {"level", "max_findings"},
}


def sh(args, cwd=None, env=None, expect=0):
    """Run a command; fail with its output unless it exits with `expect` (None: any)."""
    full_env = dict(os.environ)
    full_env.pop("FAWKES_PLUGIN_PATH", None)
    full_env.pop("MAKEFLAGS", None)
    full_env["NO_COLOR"] = "1"
    full_env.update(env or {})
    proc = subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=240)
    if expect is not None and proc.returncode != expect:
        raise AssertionError("%s (in %s) -> exit %d, expected %d\n--- stdout ---\n%s\n"
                             "--- stderr ---\n%s" % (" ".join(args), cwd, proc.returncode,
                                                     expect, proc.stdout[-4000:],
                                                     proc.stderr[-4000:]))
    return proc


def walk(value):
    """Every JSON object inside `value`, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def abi_version():
    with open(os.path.join(SOURCE_DIR, "sdk", "include", "fawkes", "plugin.h")) as f:
        text = f.read()
    return tuple(re.search(r"^#define FWK_ABI_%s (\d+)" % part, text, re.M).group(1)
                 for part in ("MAJOR", "MINOR"))


def project_version():
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
        return re.search(r"project\(fawkes VERSION ([0-9.]+)", f.read()).group(1)


class OutOfTree(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="fawkes-oot-")
        cls.prefix = os.path.join(cls.root, "prefix")
        cls.out = os.path.join(cls.root, "out")         # --plugin-dir of the built plugins
        cls.work = os.path.join(cls.root, "work")       # cwd of fawkes: no fawkes.yaml here
        cls.gen = os.path.join(cls.root, "gen")
        for d in (cls.out, cls.work, cls.gen):
            os.makedirs(d)
        cls.fawkes_bin = os.path.join(cls.prefix, "bin", "fawkes")
        cls.installed_plugins = os.path.join(cls.prefix, "lib", "fawkes", "plugins")
        cls.pc_env = {"PKG_CONFIG_PATH": os.path.join(cls.prefix, "lib", "pkgconfig")}
        sh(["cmake", "--install", BUILD_DIR, "--prefix", cls.prefix])

        for name, (kind, _) in GENERATED.items():
            sh([NEW_PLUGIN, name, kind, os.path.join(cls.gen, name)])
        # The example is built from a copy, so no build tree lands in the sources.
        shutil.copytree(HELLO_DIR, os.path.join(cls.gen, "hello"))
        for name, (_, how) in list(GENERATED.items()) + [("hello", ("provider", "cmake"))]:
            src = os.path.join(cls.gen, name)
            if how == "cmake":
                build = os.path.join(src, "build")
                sh(["cmake", "-S", src, "-B", build, "-DCMAKE_PREFIX_PATH=" + cls.prefix,
                    "-DCMAKE_C_FLAGS=" + STRICT_CFLAGS])
                sh(["cmake", "--build", build])
                built = os.path.join(build, name + ".so")
            else:
                sh(["make", "CFLAGS=-O2 " + STRICT_CFLAGS], cwd=src, env=cls.pc_env)
                built = os.path.join(src, name + ".so")
            shutil.copy(built, cls.out)

        # Installed into the prefix: hello with CMake's install rule, label_gate with
        # `make install` (into pkg-config's plugindir).
        sh(["cmake", "--install", os.path.join(cls.gen, "hello", "build"),
            "--prefix", cls.prefix])
        sh(["make", "install"], cwd=os.path.join(cls.gen, "label_gate"), env=cls.pc_env)

        # hello with its unit test (fawkes_add_plugin_test on the installed fake host).
        cls.tested = os.path.join(cls.root, "hello_tested")
        shutil.copytree(HELLO_DIR, cls.tested)
        shutil.copytree(TESTED_DIR, cls.tested, dirs_exist_ok=True)
        cls.tested_build = os.path.join(cls.tested, "build")
        sh(["cmake", "-S", cls.tested, "-B", cls.tested_build,
            "-DCMAKE_PREFIX_PATH=" + cls.prefix, "-DCMAKE_C_FLAGS=" + STRICT_CFLAGS])
        sh(["cmake", "--build", cls.tested_build])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def fawkes(self, *args, expect=None):
        return sh([self.fawkes_bin] + list(args), cwd=self.work, expect=expect)

    def listing(self, *args):
        proc = self.fawkes(*(list(args) + ["plugins", "list", "-o", "json"]), expect=None)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        entries = json.loads(proc.stdout)
        self.assertIsInstance(entries, list)
        return entries

    # --- the installed tree ---

    def test_installed_layout(self):
        headers = os.listdir(os.path.join(SOURCE_DIR, "sdk", "include", "fawkes"))
        self.assertEqual(sorted(os.listdir(os.path.join(self.prefix, "include", "fawkes"))),
                         sorted(headers + ["testing"]))
        # The fake host for plugin unit tests, as in the source tree.
        for rel, name in (("include/fawkes/testing", "fawkes_fake_host.h"),
                          ("share/fawkes/testing", "fawkes_fake_host.c")):
            self.assertTrue(filecmp.cmp(os.path.join(SUPPORT_DIR, name),
                                        os.path.join(self.prefix, rel, name), shallow=False),
                            os.path.join(rel, name))
        for rel in ("bin/fawkes", "bin/fawkes-new-plugin"):
            self.assertTrue(os.access(os.path.join(self.prefix, rel), os.X_OK), rel)
        for rel in ("lib/pkgconfig/fawkes-sdk.pc", "lib/cmake/Fawkes/FawkesConfig.cmake",
                    "lib/cmake/Fawkes/FawkesConfigVersion.cmake",
                    "share/fawkes/templates/plugin/provider.c.in",
                    "share/doc/fawkes/examples/hello/hello.c",
                    "share/fawkes/playbooks/select-provider.lua",
                    "share/fawkes/playbooks/lib/capabilities.lua",
                    "share/fawkes/policies/README.md"):
            self.assertTrue(os.path.isfile(os.path.join(self.prefix, rel)), rel)
        self.assertTrue(filecmp.cmp(os.path.join(SOURCE_DIR, "docs", "sdk.md"),
                                    os.path.join(self.prefix, "share/doc/fawkes/sdk.md"),
                                    shallow=False))

    def test_installed_select_finds_its_playbook(self):
        # The installed binary is not beside a source tree's playbooks/: point it at the
        # installed copy, as the docs say, and the ranking comes out.
        req = os.path.join(SOURCE_DIR, "examples", "select", "web-eu.yaml")
        env = dict(os.environ, FAWKES_PLAYBOOK_DIR=os.path.join(self.prefix, "share/fawkes/playbooks"))
        res = subprocess.run([os.path.join(self.prefix, "bin", "fawkes"), "select",
                              "--requirements", req, "-o", "json"],
                             capture_output=True, text=True, env=env)
        self.assertIn(res.returncode, (0, 1), res.stderr)
        self.assertIn("ranking", res.stdout)

    def test_pkg_config_describes_the_prefix(self):
        def pc(*args):
            return sh(["pkg-config"] + list(args) + ["fawkes-sdk"], env=self.pc_env).stdout.strip()
        self.assertIn("-I" + os.path.join(self.prefix, "include"), pc("--cflags").split())
        self.assertIn("-ljansson", pc("--libs").split())
        self.assertEqual(pc("--variable=plugindir"), self.installed_plugins)
        self.assertEqual(pc("--modversion"), project_version())
        self.assertEqual((pc("--variable=abi_major"), pc("--variable=abi_minor")), abi_version())

    def test_installed_new_plugin_uses_installed_template(self):
        dest = os.path.join(self.root, "from-installed")
        proc = sh([os.path.join(self.prefix, "bin", "fawkes-new-plugin"), "label_scan",
                   "scanner", dest])
        self.assertEqual(sorted(os.listdir(dest)),
                         ["CMakeLists.txt", "Makefile", "README.md", "label_scan.c"])
        with open(os.path.join(dest, "label_scan.c")) as a, \
                open(os.path.join(self.gen, "label_scan", "label_scan.c")) as b:
            self.assertEqual(a.read(), b.read())
        # the closing hint names the prefix it is installed in; the README the command
        self.assertIn("  cmake -S %s -B %s/build -DCMAKE_PREFIX_PATH=%s && cmake --build %s/build"
                      % (dest, dest, self.prefix, dest), proc.stderr)
        self.assertNotIn("cmake --install", proc.stderr)
        with open(os.path.join(dest, "README.md")) as f:
            self.assertIn("Generated with `fawkes-new-plugin label_scan scanner`.", f.read())
        # the cmake line it prints configures the plugin as it stands
        line = [w for w in proc.stderr.splitlines() if w.startswith("  cmake -S")][0]
        words = line.split("&&")[0].split()
        sh(words)

    def test_new_plugin_from_the_sources_says_how_to_install_first(self):
        dest = os.path.join(self.root, "from-sources")
        proc = sh([NEW_PLUGIN, "label_src", "scanner", dest])
        self.assertIn("  cmake --install %s/build --prefix $HOME/.local/fawkes" % SOURCE_DIR,
                      proc.stderr)
        self.assertIn("-DCMAKE_PREFIX_PATH=$HOME/.local/fawkes", proc.stderr)
        with open(os.path.join(dest, "README.md")) as f:
            self.assertIn("Generated with `scripts/new-plugin label_src scanner`.", f.read())

    # --- the template and the example ---

    def test_example_is_what_the_template_generates(self):
        dest = os.path.join(self.root, "hello-again")
        sh([NEW_PLUGIN, "hello", "provider", dest])
        self.assertEqual(sorted(os.listdir(dest)),
                         ["CMakeLists.txt", "Makefile", "README.md", "hello.c"])
        for name in os.listdir(dest):
            with open(os.path.join(dest, name)) as a, open(os.path.join(HELLO_DIR, name)) as b:
                self.assertEqual(a.read(), b.read(),
                                 "examples/plugins/hello/%s differs from `scripts/new-plugin "
                                 "hello provider`: regenerate the example" % name)

    def test_generated_files_carry_the_name_and_kind(self):
        for name, (kind, _) in GENERATED.items():
            src = os.path.join(self.gen, name)
            with open(os.path.join(src, name + ".c")) as f:
                code = f.read()
            self.assertNotRegex(code, r"@[A-Z_]+@")
            self.assertIn('.name = "%s"' % name, code)
            self.assertIn(".kind = FWK_KIND_%s" % kind.upper(), code)
            with open(os.path.join(src, "CMakeLists.txt")) as f:
                cmake = f.read()
            self.assertIn("find_package(Fawkes 0.1 REQUIRED)", cmake)
            self.assertIn("fawkes_add_plugin(%s %s.c)" % (name, name), cmake)
            with open(os.path.join(src, "Makefile")) as f:
                self.assertIn("--cflags fawkes-sdk", f.read())
            with open(os.path.join(src, "README.md")) as f:
                self.assertNotRegex(f.read(), r"@[A-Z_]+@")

    def test_new_plugin_refuses_bad_input(self):
        cases = [
            (["Bad-Name", "provider"], "invalid plugin name 'Bad-Name'"),
            (["9lives", "scanner"], "invalid plugin name '9lives'"),
            (["x" * 65, "scanner"], "the limit is 64"),
            (["fine", "exporter"], "unknown plugin kind 'exporter'"),
            (["fine", "policy", self.gen], "already exists"),
            (["only_name"], "expected NAME KIND [DIR]"),
            (["fine", "notifier", os.path.join(self.root, "no", "such", "dir")],
             "does not exist"),
        ]
        cwd = tempfile.mkdtemp(dir=self.root)
        for args, message in cases:
            proc = sh([NEW_PLUGIN] + args, cwd=cwd, expect=2)
            self.assertIn(message, proc.stderr, args)
            self.assertEqual(proc.stdout, "", args)
        self.assertEqual(os.listdir(cwd), [], "a refused new-plugin left files behind")

    # --- unit tests of an out-of-tree plugin on the installed fake host ---

    def test_plugin_unit_test_passes_under_ctest(self):
        listed = sh(["ctest", "--test-dir", self.tested_build, "-N", "-L", "unit"]).stdout
        self.assertIn("unit.test_hello", listed)
        self.assertIn("Total Tests: 1", listed)
        proc = sh(["ctest", "--test-dir", self.tested_build, "--output-on-failure", "-L", "unit"])
        self.assertIn("100% tests passed", proc.stdout)
        # the test really ran the plugin: its cases are in the test's own output
        proc = sh([os.path.join(self.tested_build, "test_hello")])
        self.assertIn("[  PASSED  ] 3 test(s).", proc.stdout + proc.stderr)

    def test_plugin_unit_test_failure_fails_ctest(self):
        src = os.path.join(self.root, "hello_failing")
        shutil.copytree(self.tested, src, ignore=shutil.ignore_patterns("build"))
        test_c = os.path.join(src, "tests", "test_hello.c")
        with open(test_c) as f:
            code = f.read()
        wrong = code.replace('"items_emitted"), 2)', '"items_emitted"), 3)')
        self.assertNotEqual(wrong, code)
        with open(test_c, "w") as f:
            f.write(wrong)
        build = os.path.join(src, "build")
        sh(["cmake", "-S", src, "-B", build, "-DCMAKE_PREFIX_PATH=" + self.prefix])
        sh(["cmake", "--build", build])
        proc = sh(["ctest", "--test-dir", build, "--output-on-failure"], expect=None)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("test_items_from_the_config", proc.stdout)

    def test_missing_cmocka_is_named_with_the_package(self):
        # A pkg-config that knows jansson but not cmocka.
        pc_dir = os.path.join(self.root, "pc-without-cmocka")
        os.makedirs(pc_dir, exist_ok=True)
        jansson_dir = sh(["pkg-config", "--variable=pcfiledir", "jansson"]).stdout.strip()
        shutil.copy(os.path.join(jansson_dir, "jansson.pc"), pc_dir)
        src = os.path.join(self.root, "hello_no_cmocka")
        shutil.copytree(self.tested, src, ignore=shutil.ignore_patterns("build"))
        env = {"PKG_CONFIG_LIBDIR": pc_dir, "PKG_CONFIG_PATH": ""}
        proc = sh(["cmake", "-S", src, "-B", os.path.join(src, "build"),
                   "-DCMAKE_PREFIX_PATH=" + self.prefix], env=env, expect=None)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        message = " ".join(proc.stderr.split())
        self.assertIn("fawkes_add_plugin_test(test_hello): plugin unit tests need cmocka", message)
        self.assertIn("apt-get install libcmocka-dev", message)
        # Without tests, cmocka is not needed.
        sh(["cmake", "-S", src, "-B", os.path.join(src, "build-no-tests"),
            "-DCMAKE_PREFIX_PATH=" + self.prefix, "-DBUILD_TESTING=OFF"], env=env)

    # --- the installed fawkes and the plugins ---

    def test_plugins_list_shows_each_built_plugin(self):
        entries = self.listing("--plugin-dir", self.out)
        by_path = {os.path.realpath(e.get("path", "")): e for e in entries}
        expected = dict((n, k) for n, (k, _) in GENERATED.items())
        expected["hello"] = "provider"
        for name, kind in expected.items():
            path = os.path.realpath(os.path.join(self.out, name + ".so"))
            self.assertIn(path, by_path, "%s not listed: %s" % (name, entries))
            entry = by_path[path]
            self.assertEqual(entry.get("status"), "loaded", entry)
            self.assertEqual(entry.get("name"), name, entry)
            self.assertEqual(entry.get("kind"), kind, entry)
            self.assertEqual(entry.get("version"), "0.1.0", entry)
            properties = entry.get("config_schema", {}).get("properties", {})
            self.assertEqual(set(properties), TEMPLATE_OPTIONS[kind], entry)

    def test_plugins_check_accepts_each_plugin(self):
        for so in sorted(os.listdir(self.out)):
            proc = self.fawkes("plugins", "check", os.path.join(self.out, so))
            self.assertEqual(proc.returncode, 0, "%s: %s%s" % (so, proc.stdout, proc.stderr))
            self.assertRegex((proc.stdout + proc.stderr).lower(), r"\b(ok|loaded)\b", so)

    def test_plugins_check_refuses_a_library_without_the_entry(self):
        src = os.path.join(self.root, "not_a_plugin.c")
        with open(src, "w") as f:
            f.write("int not_a_plugin(void);\nint not_a_plugin(void) { return 0; }\n")
        so = os.path.join(self.root, "not_a_plugin.so")
        sh(["cc", "-shared", "-fPIC", "-o", so, src])
        proc = self.fawkes("plugins", "check", so)
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("fawkes_plugin_describe", proc.stdout + proc.stderr)
        self.assertIn("not_a_plugin.so", proc.stdout + proc.stderr)

    def test_installed_fawkes_finds_installed_plugins_without_flags(self):
        entries = self.listing()
        by_path = {os.path.realpath(e.get("path", "")): e for e in entries}
        installed = {"hello": "provider", "label_gate": "policy"}
        in_tree = os.path.join(BUILD_DIR, "plugins")
        if os.path.isdir(in_tree):
            for so in os.listdir(in_tree):
                if so.endswith(".so"):
                    installed.setdefault(so[:-3], None)
        for name, kind in installed.items():
            path = os.path.realpath(os.path.join(self.installed_plugins, name + ".so"))
            self.assertIn(path, by_path, "%s not found without flags: %s" % (name, entries))
            entry = by_path[path]
            self.assertEqual(entry.get("status"), "loaded", entry)
            if kind is not None:
                self.assertEqual(entry.get("kind"), kind, entry)

    def test_plugin_dir_wins_over_installed_copy(self):
        entries = self.listing("--plugin-dir", self.out)
        hellos = [e for e in entries if os.path.basename(e.get("path", "")) == "hello.so"]
        self.assertEqual(len(hellos), 2, entries)
        first, second = hellos
        self.assertEqual(os.path.realpath(os.path.dirname(first["path"])),
                         os.path.realpath(self.out))
        self.assertEqual(first.get("status"), "loaded", first)
        self.assertEqual(second.get("status"), "refused", second)
        self.assertIn("already loaded", second.get("reason", ""), second)

    def test_template_plugins_run_in_a_chain(self):
        config = os.path.join(self.work, "..", "chain.yaml")
        with open(config, "w") as f:
            f.write("version: 1\n"
                    "plugin_dirs: [%s]\n"
                    "providers:\n"
                    "  - name: shop\n"
                    "    plugin: shop_items\n"
                    "    config: {items: [cart, till], labels: {env: test}}\n"
                    "scanners: [{name: labels, plugin: label_scan}]\n"
                    "policies: [{name: gate, plugin: label_gate}]\n"
                    "notifiers: [{name: notes, plugin: log_notes, config: {level: error}}]\n"
                    "chains:\n"
                    "  - name: demo\n"
                    "    providers: [shop]\n"
                    "    scanners: [labels]\n"
                    "    policies: [gate]\n"
                    "    notify: [notes]\n" % json.dumps(self.out))
        proc = self.fawkes("-c", config, "inventory", "-o", "json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        uids = {o["uid"] for o in walk(json.loads(proc.stdout)) if "uid" in o and "kind" in o}
        self.assertEqual(uids, {"shop_items:local:local:example.item:cart",
                                "shop_items:local:local:example.item:till"})

        proc = self.fawkes("-c", config, "run", "demo", "-o", "json")
        # The policy denies (severity high) both resources: at --fail-on high that is exit 1.
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        rules = {(o.get("rule"), o["resource"].get("uid") if isinstance(o.get("resource"), dict)
                  else None) for o in walk(json.loads(proc.stdout)) if "rule" in o}
        for uid in ("shop_items:local:local:example.item:cart",
                    "shop_items:local:local:example.item:till"):
            self.assertIn(("label_scan.missing_label", uid), rules)
            self.assertIn(("label_gate.require_label", uid), rules)
        # log_notes writes "run ID: [SEVERITY] RULE: TITLE (UID)" to the log (stderr).
        self.assertRegex(proc.stderr, r"run .*: \[(high|medium)\] "
                                      r"label_(scan\.missing_label|gate\.require_label): ")

    def test_template_provider_fetches_items_through_the_host(self):
        class Items(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b'["north", "south"]' if self.path == "/items" else b"missing"
                self.send_response(200 if self.path == "/items" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Items)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        base = "http://127.0.0.1:%d" % server.server_address[1]
        for path, code in (("/items", 0), ("/gone", 3)):
            config = os.path.join(self.root, "url%s.yaml" % path.replace("/", "-"))
            with open(config, "w") as f:
                f.write("version: 1\n"
                        "plugin_dirs: [%s]\n"
                        "providers:\n"
                        "  - {name: remote, plugin: shop_items, config: {url: %s}}\n"
                        "security: {egress_allow: [127.0.0.1]}\n"
                        % (json.dumps(self.out), json.dumps(base + path)))
            proc = self.fawkes("-c", config, "inventory", "-o", "json")
            self.assertEqual(proc.returncode, code, proc.stdout + proc.stderr)
            uids = {o["uid"] for o in walk(json.loads(proc.stdout))
                    if "uid" in o and "kind" in o}
            if code == 0:
                self.assertEqual(uids, {"shop_items:local:local:example.item:north",
                                        "shop_items:local:local:example.item:south"})
            else:
                self.assertEqual(uids, set())
                self.assertIn("GET %s%s -> HTTP 404: missing" % (base, path), proc.stderr)

    # --- the guide ---

    def test_docs_code_is_template_code(self):
        with open(os.path.join(SOURCE_DIR, "docs", "sdk.md")) as f:
            guide = f.read()
        # The helper library's section has its own test (test_sdk_helpers.py).
        helpers = guide.index("\n## Helpers\n")
        guide = guide[:helpers] + guide[guide.index("\n## ", helpers + 1):]
        blocks = re.findall(r"^ *```(\w*)\n(.*?)^ *```", guide, re.M | re.S)
        self.assertGreater(len(blocks), 5)
        sources = {"c": [os.path.join(HELLO_DIR, "hello.c"),
                         os.path.join(TESTED_DIR, "tests", "test_hello.c")] +
                   [os.path.join(self.gen, n, n + ".c") for n in GENERATED],
                   "cmake": [os.path.join(HELLO_DIR, "CMakeLists.txt"),
                             os.path.join(TESTED_DIR, "CMakeLists.txt"),
                             os.path.join(SOURCE_DIR, "cmake", "FawkesConfig.cmake.in")],
                   "make": [os.path.join(HELLO_DIR, "Makefile")]}
        texts = {}
        for lang, paths in sources.items():
            texts[lang] = []
            for path in paths:
                with open(path) as f:
                    texts[lang].append(f.read())
        seen = set()
        for lang, body in blocks:
            seen.add(lang)
            body = textwrap.dedent(body)
            if lang in texts:
                self.assertTrue(any(body.strip() in text for text in texts[lang]),
                                "docs/sdk.md has a ```%s block that is not in the template or "
                                "example sources:\n%s" % (lang, body))
            elif lang == "json":
                json.loads(body)
            elif lang == "sh":
                for line in body.splitlines():
                    words = line.split()
                    if len(words) >= 3 and words[0].endswith("new-plugin"):
                        self.assertIn(words[2], ("provider", "scanner", "policy", "notifier"),
                                      line)
            else:
                self.assertIn(lang, ("yaml", "text"), "unexpected code block language")
        self.assertTrue({"c", "json", "sh"} <= seen, seen)


if __name__ == "__main__":
    fwtest.main()
