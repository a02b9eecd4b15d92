"""The helper library's guide (docs/sdk.md, "Helpers") cannot rot: every example program in
examples/helpers/ is shown whole on that page, compiles warning-free against the SDK and
libfawkesx.a alone, and prints exactly what the page says it prints. Also: the installed
pkg-config file offers the library to `--libs --static`."""
import os
import re
import subprocess
import tempfile
import textwrap
import unittest

from fwtest import BUILD_DIR, SOURCE_DIR

EXAMPLES = os.path.join(SOURCE_DIR, "examples", "helpers")
HELPERS_LIB = os.path.join(BUILD_DIR, "sdk", "helpers", "libfawkesx.a")
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wstrict-prototypes"]


def helpers_section():
    with open(os.path.join(SOURCE_DIR, "docs", "sdk.md")) as f:
        text = f.read()
    start = text.index("\n## Helpers\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def example_blocks(section):
    """(file name, program text, printed text) for every example shown with its output."""
    pattern = re.compile(r"```c\n(/\* examples/helpers/(\w+\.c):.*?)```\n\nIt prints:\n\n"
                         r"```text\n(.*?)```", re.S)
    return [(m.group(2), m.group(1), m.group(3)) for m in pattern.finditer(section)]


class HelperExamples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.blocks = example_blocks(helpers_section())

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_example_file_is_on_the_page(self):
        files = sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".c"))
        self.assertEqual(sorted(name for name, _, _ in self.blocks), files)
        self.assertGreaterEqual(len(files), 6)

    def test_examples_are_shown_whole_compile_and_print_what_the_page_says(self):
        self.assertTrue(os.path.exists(HELPERS_LIB), "build the tree first: " + HELPERS_LIB)
        for name, shown, printed in self.blocks:
            with self.subTest(example=name):
                path = os.path.join(EXAMPLES, name)
                with open(path) as f:
                    self.assertEqual(shown, f.read(),
                                     "docs/sdk.md shows another text than %s: copy the file "
                                     "into the page" % path)
                exe = os.path.join(self.tmp.name, name[:-2])
                build = subprocess.run(
                    ["cc"] + CFLAGS + ["-I", os.path.join(SOURCE_DIR, "sdk", "include"), path,
                                       HELPERS_LIB, "-ljansson", "-o", exe],
                    capture_output=True, text=True)
                self.assertEqual(build.returncode, 0, build.stderr)
                run = subprocess.run([exe], capture_output=True, text=True, timeout=30)
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertEqual(run.stdout, printed,
                                 "%s prints something else than docs/sdk.md shows" % name)

    def test_other_code_on_the_page_is_real_plugin_code(self):
        plugin_sources = []
        for base, _, files in os.walk(os.path.join(SOURCE_DIR, "plugins")):
            for name in files:
                if name.endswith(".c") and "tests" not in base.split(os.sep):
                    with open(os.path.join(base, name)) as f:
                        plugin_sources.append(f.read())
        blocks = re.findall(r"```c\n(.*?)```", helpers_section(), re.S)
        excerpts = [b for b in blocks if not b.startswith("/* examples/helpers/")]
        self.assertGreaterEqual(len(excerpts), 2)
        for excerpt in excerpts:
            # Quoted at any indentation: a function body is shown dedented.
            found = any(textwrap.indent(excerpt, " " * depth) in source
                        for source in plugin_sources for depth in (0, 4, 8, 12))
            self.assertTrue(found, "docs/sdk.md quotes code no plugin has (copy it from the "
                                   "plugin again):\n" + excerpt)

    def test_helper_table_names_only_real_functions(self):
        with open(os.path.join(SOURCE_DIR, "sdk", "include", "fawkes", "fwkx.h")) as f:
            header = f.read()
        table = re.findall(r"^\| \[[^\]]+\]\(#[^)]+\) \| (.*) \|$", helpers_section(), re.M)
        self.assertGreaterEqual(len(table), 8)
        for row in table:
            for name in re.findall(r"`(\w+)`", row):
                self.assertRegex(header, r"\b%s\b" % name, "fwkx.h has no %s" % name)


if __name__ == "__main__":
    unittest.main()
