"""The scenario users start with: one stream, a producer, two independent consumers.

Consumers run as separate processes, each with its own boto3 client and TRIM_HORIZON
iterator, started before the producer so they read while it writes.
"""

import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import (ACCOUNT, ServerTestCase, expected_hash_ranges, make_client,  # noqa: E402
                     md5_hash_key)

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee "
         "zulu").split()


def hundred_words():
    return [f"{WORDS[i % len(WORDS)]}-{i:03d}" for i in range(100)]


def consume(endpoint, stream, shard, expected, timeout):
    """Consumer process body: reads `expected` records, prints one JSON line per record."""
    from botocore.exceptions import ClientError
    c = make_client(endpoint)
    it = c.get_shard_iterator(StreamName=stream, ShardId=shard,
                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = 0
    deadline = time.monotonic() + timeout
    while got < expected and time.monotonic() < deadline:
        try:
            resp = c.get_records(ShardIterator=it, Limit=25)
        except ClientError as e:
            if e.response["Error"]["Code"] == "ProvisionedThroughputExceededException":
                time.sleep(0.25)
                continue
            raise
        for r in resp["Records"]:
            print(json.dumps({"seq": r["SequenceNumber"], "data": r["Data"].decode(),
                              "key": r["PartitionKey"]}), flush=True)
            got += 1
        it = resp["NextShardIterator"]
        if not resp["Records"]:
            time.sleep(0.1)
    return 0 if got == expected else 3


class SeedScenarioTest(ServerTestCase):

    def start_consumer(self, stream, shard, expected):
        return subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--consume", self.endpoint, stream,
             shard, str(expected)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)

    def collect(self, proc, timeout=90):
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate(timeout=10)
            self.fail(f"consumer timed out; stderr:\n{err.decode()[-2000:]}")
        self.assertEqual(proc.returncode, 0, f"consumer failed:\n{err.decode()[-3000:]}")
        return [json.loads(line) for line in out.decode().splitlines() if line.strip()]

    def test_one_shard_two_consumers_then_delete(self):
        name = self.create_stream("seed", 1)
        consumers = [self.start_consumer(name, "shardId-000000000000", 100) for _ in range(2)]
        sent = []
        for w in hundred_words():
            r = self.kinesis.put_record(StreamName=name, Data=w.encode(), PartitionKey=w)
            self.assertEqual(r["ShardId"], "shardId-000000000000")
            sent.append({"seq": r["SequenceNumber"], "data": w, "key": w})
        seqs = [int(s["seq"]) for s in sent]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), 100)
        for proc in consumers:
            got = self.collect(proc)
            self.assertEqual(len(got), 100)
            self.assertEqual(got, sent)  # every record, in order, same sequence numbers

        # A third, late reader still sees everything: consumers are independent.
        late = self.read_shard(name, "shardId-000000000000", expected=100)
        self.assertEqual([r["Data"].decode() for r in late], hundred_words())
        it = self.iterator(name, "shardId-000000000000")

        self.kinesis.delete_stream(StreamName=name)
        self.wait_gone(name)
        msg = f"Stream seed under account {ACCOUNT} not found."
        self.assertAwsError("ResourceNotFoundException", self.kinesis.describe_stream_summary,
                            StreamName=name, message=msg)
        self.assertAwsError("ResourceNotFoundException", self.kinesis.describe_stream,
                            StreamName=name, message=msg)
        self.assertAwsError("ResourceNotFoundException", self.kinesis.put_record,
                            StreamName=name, Data=b"x", PartitionKey="k", message=msg)
        self.assertAwsError("ResourceNotFoundException", self.kinesis.get_records,
                            ShardIterator=it)
        self.assertNotIn(name, self.kinesis.list_streams()["StreamNames"])

    def test_four_shards_routing_and_order(self):
        name = self.create_stream("seed4", 4)
        shards = self.shards(name)
        self.assertEqual(len(shards), 4)
        ranges = {s["ShardId"]: (int(s["HashKeyRange"]["StartingHashKey"]),
                                 int(s["HashKeyRange"]["EndingHashKey"])) for s in shards}
        self.assertEqual(sorted(ranges.values()), expected_hash_ranges(4))

        def owner(key):
            h = md5_hash_key(key)
            return [sid for sid, (lo, hi) in ranges.items() if lo <= h <= hi]

        keys = [f"user-{i % 53}" for i in range(380)] + \
            ["ключ", "ü", "🦀", "a", "b", "c", " ", "k" * 256] + [f"{i}" for i in range(12)]
        self.assertEqual(len(keys), 400)
        sent = []  # (key, data, shard, seq) in send (= ack) order
        # First half: PutRecord one at a time; second half: PutRecords batches of 100.
        for i, k in enumerate(keys[:200]):
            data = f"rec-{i}".encode()
            r = self.kinesis.put_record(StreamName=name, Data=data, PartitionKey=k)
            sent.append((k, data, r["ShardId"], r["SequenceNumber"]))
        for b in range(200, 400, 100):
            batch = [{"Data": f"rec-{i}".encode(), "PartitionKey": keys[i]}
                     for i in range(b, b + 100)]
            r = self.kinesis.put_records(StreamName=name, Records=batch)
            self.assertEqual(r.get("FailedRecordCount", 0), 0)
            self.assertEqual(len(r["Records"]), 100)
            for e, res in zip(batch, r["Records"]):
                sent.append((e["PartitionKey"], e["Data"], res["ShardId"], res["SequenceNumber"]))

        for k, data, sid, seq in sent:
            self.assertEqual(owner(k), [sid], f"key {k!r} routed to {sid}")
        self.assertGreater(len({s[2] for s in sent}), 1)

        got = self.read_all(name)
        union = []
        for sid, recs in got.items():
            seqs = [int(r["SequenceNumber"]) for r in recs]
            self.assertEqual(seqs, sorted(seqs), f"{sid} not in sequence order")
            self.assertEqual(len(seqs), len(set(seqs)))
            # Order within a shard = the order the acknowledged writes were made.
            expect = [(k, d, s, q) for (k, d, s, q) in sent if s == sid]
            expect.sort(key=lambda t: int(t[3]))
            self.assertEqual([(r["PartitionKey"], r["Data"], sid, r["SequenceNumber"])
                              for r in recs], expect)
            put_record_order = [q for (k, d, s, q) in sent[:200] if s == sid]
            self.assertEqual([int(q) for q in put_record_order],
                             sorted(int(q) for q in put_record_order))
            for r in recs:
                self.assertEqual(owner(r["PartitionKey"]), [sid])
            union += [(r["PartitionKey"], r["Data"]) for r in recs]
        self.assertEqual(sorted(union), sorted((k, d) for (k, d, _, _) in sent))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--consume":
        endpoint, stream, shard, expected = sys.argv[2:6]
        sys.exit(consume(endpoint, stream, shard, int(expected), timeout=60))
    unittest.main()
