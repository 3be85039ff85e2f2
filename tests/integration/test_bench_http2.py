"""`runnel bench --http2`: the load generator over h2c (prior knowledge) against the real
server. Each run keeps its stream (--keep) so boto3 can check that the records really were
stored; the JSON report must name the protocol, count every record and show no errors."""

import json
import subprocess
import unittest

from harness import ServerTestCase

BENCH_TIMEOUT_S = 120


class BenchHttp2Test(ServerTestCase):

    def bench(self, *args):
        cmd = [self.runnel, "bench", *args, "--endpoint", self.endpoint, "--json", "--keep"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BENCH_TIMEOUT_S)
        self.assertEqual(proc.returncode, 0, f"{' '.join(cmd)}\nstdout:{proc.stdout}\n"
                                             f"stderr:{proc.stderr}")
        return json.loads(proc.stdout)

    def assertNoErrors(self, report):
        self.assertEqual(report["errors"]["transport"], 0, report)
        self.assertEqual(report["errors"]["http"], 0, report)
        self.assertEqual(report["errors"]["failed_records"], 0, report)

    def stored_records(self, stream):
        return sum(len(records) for records in self.read_all(stream).values())

    def test_put_records_over_h2c(self):
        report = self.bench("put-records", "--http2", "--count", "2000",
                            "--records-per-batch", "100", "--stream", "h2-put")
        self.assertEqual(report["protocol"], "h2c")
        self.assertEqual(report["streams_per_connection"], 1)
        self.assertEqual(report["records"], 2000)
        self.assertEqual(report["requests"], 20)
        self.assertNoErrors(report)
        self.assertEqual(self.stored_records("h2-put"), 2000)

    def test_put_records_multiplexed(self):
        # 2 connections x 4 streams: 8 requests in flight on 2 sockets.
        report = self.bench("put-records", "--http2", "--connections", "2",
                            "--streams-per-connection", "4", "--count", "4000",
                            "--records-per-batch", "50", "--record-size", "200",
                            "--stream", "h2-mux")
        self.assertEqual(report["protocol"], "h2c")
        self.assertEqual(report["streams_per_connection"], 4)
        self.assertEqual(report["connections"], 2)
        self.assertEqual(report["records"], 4000)
        self.assertNoErrors(report)
        records = self.read_all("h2-mux")["shardId-000000000000"]
        self.assertEqual(len(records), 4000)
        self.assertTrue(all(len(r["Data"]) == 200 for r in records))

    def test_put_record_multiplexed(self):
        report = self.bench("put-record", "--http2", "--connections", "1",
                            "--streams-per-connection", "4", "--count", "300",
                            "--stream", "h2-single")
        self.assertEqual(report["protocol"], "h2c")
        self.assertEqual(report["records"], 300)
        self.assertNoErrors(report)
        self.assertEqual(self.stored_records("h2-single"), 300)

    def test_get_records_over_h2c(self):
        # 2000 x 1 KiB with Limit 10000: one large answer (about 2.7 MB of JSON) that must
        # flow through the client's flow-control windows.
        report = self.bench("get-records", "--http2", "--prefill", "2000",
                            "--stream", "h2-get")
        self.assertEqual(report["protocol"], "h2c")
        self.assertEqual(report["prefilled"], 2000)
        self.assertEqual(report["records"], 2000)
        self.assertNoErrors(report)
        self.assertEqual(self.stored_records("h2-get"), 2000)

    def test_http1_is_the_default(self):
        report = self.bench("put-records", "--count", "500", "--records-per-batch", "100",
                            "--stream", "h1-put")
        self.assertEqual(report["protocol"], "http/1.1")
        self.assertEqual(report["records"], 500)
        self.assertNoErrors(report)

    def test_streams_need_http2(self):
        proc = subprocess.run([self.runnel, "bench", "put-records", "--streams-per-connection",
                               "4", "--endpoint", self.endpoint, "--count", "10"],
                              capture_output=True, text=True, timeout=BENCH_TIMEOUT_S)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("--http2", proc.stderr)


if __name__ == "__main__":
    unittest.main()
