"""test_crash_report: a third-party provider run in-process (`isolation: none`) that
dereferences NULL in run_task takes the process down (in-process plugins share it), but
stderr names the plugin, its instance, its file, the operation and the task first, and the
exit status is the signal's. (Isolated, the default for such plugins, see test_isolation.)"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwtest  # noqa: E402


class CrashReportTest(fwtest.TestCase):

    def test_a_crashing_task_is_named(self):
        config = self.write("fawkes.yaml",
                            "version: 1\n"
                            "providers:\n"
                            "  - {name: third-party, plugin: crash_task, isolation: none}\n"
                            "state: %s\n" % os.path.join(self.tmp, "state.db"))
        result = self.fawkes("-c", config, "--plugin-dir", fwtest.TEST_PLUGIN_DIR,
                             "inventory", "-o", "jsonl")
        self.assertEqual(result.code, -signal.SIGSEGV, repr(result))
        self.assertIn("fawkes: fatal: plugin 'crash_task' (instance 'third-party', ", result.stderr)
        self.assertIn("crash_task.so) crashed with SIGSEGV in run_task (task \"eu-west-1\"); "
                      "the process stops", result.stderr)


if __name__ == "__main__":
    fwtest.main()
