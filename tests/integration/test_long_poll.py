"""GetRecords long polling (Runnel extension): the request header x-runnel-wait-ms holds a
call that finds no records until records arrive or the time runs out."""

import json
import threading
import time
import unittest

from harness import ServerTestCase


class LongPollTest(ServerTestCase):

    def get_records(self, iterator, wait_ms=None):
        headers = {"x-runnel-wait-ms": str(wait_ms)} if wait_ms is not None else None
        status, _, body = self.raw("GetRecords", json.dumps({"ShardIterator": iterator}),
                                   headers=headers)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_returns_early_when_a_record_arrives(self):
        self.create_stream("s")
        it = self.iterator("s", "shardId-000000000000", "LATEST")
        put_at = []

        producer = self.client()  # created outside the timed window (slow under load)

        def put_later():
            time.sleep(0.3)
            put_at.append(time.monotonic())
            producer.put_record(StreamName="s", PartitionKey="k", Data=b"hello")

        t = threading.Thread(target=put_later)
        t.start()
        start = time.monotonic()
        out = self.get_records(it, wait_ms=5000)
        done = time.monotonic()
        t.join()
        self.assertEqual(len(out["Records"]), 1, out)
        self.assertEqual(out["Records"][0]["PartitionKey"], "k")
        self.assertGreater(done - start, 0.25)
        self.assertLess(done - put_at[0], 0.5)  # answered right after the put, not at 5 s
        self.assertIn("NextShardIterator", out)

    def test_empty_at_timeout(self):
        self.create_stream("s")
        it = self.iterator("s", "shardId-000000000000", "LATEST")
        start = time.monotonic()
        out = self.get_records(it, wait_ms=400)
        elapsed = time.monotonic() - start
        self.assertEqual(out["Records"], [])
        self.assertGreaterEqual(elapsed, 0.38)
        self.assertLess(elapsed, 2.0)
        self.assertIn("NextShardIterator", out)

    def test_without_header_no_change_and_records_present_no_wait(self):
        self.create_stream("s")
        it = self.iterator("s", "shardId-000000000000", "LATEST")
        start = time.monotonic()
        self.assertEqual(self.get_records(it)["Records"], [])
        self.assertLess(time.monotonic() - start, 0.3)
        self.kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"x")
        start = time.monotonic()
        self.assertEqual(len(self.get_records(it, wait_ms=5000)["Records"]), 1)
        self.assertLess(time.monotonic() - start, 0.3)

    def test_many_waiters_all_woken(self):
        self.create_stream("s")
        it = self.iterator("s", "shardId-000000000000", "LATEST")
        results = []

        def poll():
            results.append(len(self.get_records(it, wait_ms=5000)["Records"]))

        threads = [threading.Thread(target=poll) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        start = time.monotonic()
        self.kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"x")
        for t in threads:
            t.join()
        self.assertEqual(results, [1, 1, 1, 1])
        self.assertLess(time.monotonic() - start, 1.0)


if __name__ == "__main__":
    unittest.main()
