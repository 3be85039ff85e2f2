"""GetRecords long polling (Runnel extension): the request header x-runnel-wait-ms holds a
call that finds no records until records arrive or the time runs out."""

import json
import threading
import time
import unittest

from harness import ServerTestCase


class GetRecordsTestCase(ServerTestCase):

    def get_records(self, iterator, wait_ms=None):
        """A raw GetRecords, with x-runnel-wait-ms when wait_ms is given; asserts 200."""
        headers = {"x-runnel-wait-ms": str(wait_ms)} if wait_ms is not None else None
        status, _, body = self.raw("GetRecords", json.dumps({"ShardIterator": iterator}),
                                   headers=headers)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def read_while_putting(self, stream, read, key, data):
        """Runs read() while another client puts one record 0.3 s after it starts. Returns
        (read's answer, seconds the read took, seconds from the put to the read's end)."""
        producer = self.client()  # created outside the timed window (slow under load)
        put_at = []

        def put_later():
            time.sleep(0.3)
            put_at.append(time.monotonic())
            producer.put_record(StreamName=stream, PartitionKey=key, Data=data)

        t = threading.Thread(target=put_later)
        t.start()
        start = time.monotonic()
        out = read()
        done = time.monotonic()
        t.join()
        return out, done - start, done - put_at[0]


class LongPollTest(GetRecordsTestCase):

    def test_returns_early_when_a_record_arrives(self):
        self.create_stream("s")
        it = self.iterator("s", "shardId-000000000000", "LATEST")
        out, took, after_put = self.read_while_putting(
            "s", lambda: self.get_records(it, wait_ms=5000), "k", b"hello")
        self.assertEqual(len(out["Records"]), 1, out)
        self.assertEqual(out["Records"][0]["PartitionKey"], "k")
        self.assertGreater(took, 0.25)
        self.assertLess(after_put, 0.5)  # answered right after the put, not at 5 s
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


class TailWaitTest(GetRecordsTestCase):
    """Without the header, an empty GetRecords at the end of a live shard (a record arrived
    within the last second) is held up to --tail-wait-ms; an idle shard is answered at once."""

    server_args = ("--tail-wait-ms", "1000")

    def live_tail(self):
        """A stream whose shard just received a record, and an iterator at its end."""
        self.create_stream("s")
        self.kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"first")
        return self.iterator("s", "shardId-000000000000", "LATEST")

    def test_boto3_read_on_live_tail_gets_the_next_record_when_it_arrives(self):
        it = self.live_tail()
        out, took, after_put = self.read_while_putting(
            "s", lambda: self.kinesis.get_records(ShardIterator=it),  # plain boto3: no header
            "k2", b"second")
        self.assertEqual([r["Data"] for r in out["Records"]], [b"second"])
        self.assertGreater(took, 0.25)
        self.assertLess(after_put, 0.5)
        self.assertEqual(out["MillisBehindLatest"], 0)
        self.assertIn("NextShardIterator", out)

    def test_live_tail_with_nothing_new_is_empty_after_the_wait(self):
        it = self.live_tail()
        start = time.monotonic()
        out = self.get_records(it)
        elapsed = time.monotonic() - start
        self.assertEqual(out["Records"], [])
        self.assertIn("NextShardIterator", out)
        self.assertGreaterEqual(elapsed, 0.95)
        self.assertLess(elapsed, 3.0)

    def test_header_zero_answers_at_once(self):
        it = self.live_tail()
        start = time.monotonic()
        out = self.get_records(it, wait_ms=0)
        self.assertEqual(out["Records"], [])
        self.assertLess(time.monotonic() - start, 0.3)

    def test_idle_shards_are_answered_at_once(self):
        self.create_stream("s")
        it = self.iterator("s", "shardId-000000000000", "LATEST")
        start = time.monotonic()
        self.assertEqual(self.get_records(it)["Records"], [])  # never had a record
        self.assertLess(time.monotonic() - start, 0.3)
        self.kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"x")
        it = self.iterator("s", "shardId-000000000000", "LATEST")
        time.sleep(1.2)  # the newest record is now older than a second
        start = time.monotonic()
        self.assertEqual(self.get_records(it)["Records"], [])
        self.assertLess(time.monotonic() - start, 0.3)

    def test_records_behind_the_tail_are_answered_at_once(self):
        self.live_tail()
        it = self.iterator("s", "shardId-000000000000", "TRIM_HORIZON")
        start = time.monotonic()
        out = self.get_records(it)
        self.assertEqual(len(out["Records"]), 1)
        self.assertLess(time.monotonic() - start, 0.3)

    def test_closed_shard_end_is_answered_at_once(self):
        it = self.live_tail()
        self.kinesis.split_shard(StreamName="s", ShardToSplit="shardId-000000000000",
                                 NewStartingHashKey=str(2**127))
        self.wait_active("s")
        start = time.monotonic()
        out = self.get_records(it)
        self.assertLess(time.monotonic() - start, 0.3)
        self.assertEqual(out["Records"], [])
        self.assertNotIn("NextShardIterator", out)
        self.assertEqual(len(out["ChildShards"]), 2)


class DefaultTailWaitTest(GetRecordsTestCase):
    """The default --tail-wait-ms (5 ms) applies to clients that send no header."""

    def test_default_holds_an_empty_live_tail_read_about_5_ms(self):
        self.create_stream("s")
        self.kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"x")
        it = self.iterator("s", "shardId-000000000000", "LATEST")
        times = []
        for _ in range(3):
            start = time.monotonic()
            out = self.get_records(it)
            times.append(time.monotonic() - start)
            self.assertEqual(out["Records"], [])
        self.assertGreaterEqual(min(times), 0.0045, times)
        self.assertLess(max(times), 0.5, times)


if __name__ == "__main__":
    unittest.main()
