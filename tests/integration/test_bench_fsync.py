"""`runnel bench fsync`: the disk probe behind docs/benchmarks.md's fdatasync rows. No server:
it appends and fdatasyncs a scratch file in --dir. The report must count what it did, derive
the put-record ceiling from its own p50, and leave nothing behind."""

import json
import os
import subprocess
import tempfile
import unittest

from harness import RUNNEL_BIN

CMD_TIMEOUT_S = 60


class BenchFsyncTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="runnel-fsync-it-")
        self.addCleanup(lambda: os.path.isdir(self.dir) and os.rmdir(self.dir))

    def run_probe(self, *args):
        cmd = [RUNNEL_BIN, "bench", "fsync", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=CMD_TIMEOUT_S)

    def test_json_report_counts_and_ceiling(self):
        proc = self.run_probe("--dir", self.dir, "--count", "40", "--record-size", "200",
                              "--connections", "8", "--json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        report = json.loads(proc.stdout)
        self.assertEqual(report["scenario"], "fsync")
        self.assertEqual(report["dir"], self.dir)
        self.assertEqual(report["fsyncs"], 40)
        self.assertEqual(report["append_bytes"], 200 + 64)
        self.assertEqual(report["connections"], 8)
        lat = report["latency_us"]
        self.assertGreater(lat["p50"], 0)
        self.assertLessEqual(lat["p50"], lat["p90"])
        self.assertLessEqual(lat["p90"], lat["p99"])
        self.assertLessEqual(lat["p99"], lat["max"])
        # Computed from the unrounded p50 (ns); the JSON p50 is rounded to 0.1 us.
        self.assertAlmostEqual(report["put_record_ceiling_per_s"], 8 * 1e6 / lat["p50"],
                               delta=report["put_record_ceiling_per_s"] * 0.002 + 1)
        self.assertGreater(report["fsyncs_per_s"], 0)
        # The scratch file is gone.
        self.assertEqual(os.listdir(self.dir), [])

    def test_human_report_names_the_ceiling(self):
        proc = self.run_probe("--dir", self.dir, "--count", "5")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("fdatasyncs   5 in", proc.stdout)
        self.assertIn("16 connections", proc.stdout)
        self.assertRegex(proc.stdout, r"at most 16 / p50 = \d+ records/s")
        self.assertEqual(os.listdir(self.dir), [])

    def test_missing_dir_is_a_usage_error(self):
        proc = self.run_probe("--dir", os.path.join(self.dir, "absent"), "--count", "5")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("is not a directory", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_nonpositive_duration_is_a_usage_error(self):
        proc = self.run_probe("--dir", self.dir, "--duration", "0")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("--duration must be positive", proc.stderr)

    def test_unwritable_dir_fails_without_a_ceiling(self):
        # No one, root included, can create a file in /proc.
        proc = self.run_probe("--dir", "/proc", "--count", "5", "--json")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        report = json.loads(proc.stdout)
        self.assertEqual(report["fsyncs"], 0)
        self.assertEqual(report["put_record_ceiling_per_s"], 0)
        self.assertIn("/proc/.runnel-fsync-probe-", report["error"])
        self.assertIn("error: ", proc.stderr)


if __name__ == "__main__":
    unittest.main()
