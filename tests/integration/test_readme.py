"""Every `./build/fawkes ...` command in README.md runs as written and exits as documented
(0, or 1 where the demo finds problems on purpose)."""
import os
import re
import shlex

import fwtest
from fwtest import FAWKES, SOURCE_DIR


def readme_commands():
    with open(os.path.join(SOURCE_DIR, "README.md"), encoding="utf-8") as f:
        text = f.read()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if "./build/fawkes" in line:
                commands.append(line[line.index("./build/fawkes"):])
    return commands


class ReadmeTest(fwtest.TestCase):
    def test_readme_has_the_two_setup_commands(self):
        with open(os.path.join(SOURCE_DIR, "README.md"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("scripts/setup.sh && ./build/fawkes -c examples/demo.yaml run", text)
        self.assertIn("\nscripts/test.sh\n", text)

    def test_every_readme_command_runs(self):
        commands = readme_commands()
        self.assertGreaterEqual(len(commands), 6)
        for command in commands:
            with self.subTest(command=command):
                words = shlex.split(command)
                redirect = None
                if ">" in words:
                    redirect = words[words.index(">") + 1]
                    words = words[:words.index(">")]
                res = fwtest.run(words[1:], cwd=SOURCE_DIR)
                allowed = (0, 1) if words[-1] == "run" or "run" in words else (0,)
                self.assertIn(res.code, allowed, repr(res))
                self.assertTrue(res.stdout.strip(), repr(res))
                if redirect:
                    self.assertTrue(redirect.endswith((".jsonl", ".sarif")))


if __name__ == "__main__":
    fwtest.main()
