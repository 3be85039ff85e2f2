"""SubscribeToShard end to end with boto3 over HTTP/1.1 (chunked event stream): initial
response first, records pushed as soon as they are durable, resubscribing from the
ContinuationSequenceNumber, child shards after a split, the one-subscription rule,
deregistration ending a subscription, and a slow subscriber not slowing a fast one.

Needs the server's streaming responses (api::ResponseStream over HTTP/1.1 chunked); skipped
while the server cannot stream yet."""

import threading
import time
import unittest

from botocore.exceptions import ClientError

from harness import ServerTestCase, shard_id, stream_arn

SHARD0 = shard_id(0)


class SubscribeBase(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.create_stream("s")
        self.consumer = self.kinesis.register_stream_consumer(
            StreamARN=stream_arn("s"), ConsumerName="app")["Consumer"]["ConsumerARN"]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            d = self.kinesis.describe_stream_consumer(ConsumerARN=self.consumer)
            if d["ConsumerDescription"]["ConsumerStatus"] == "ACTIVE":
                break
            time.sleep(0.02)

    def subscribe(self, position=None, shard=SHARD0, consumer=None, client=None):
        client = client or self.client()
        try:
            r = client.subscribe_to_shard(ConsumerARN=consumer or self.consumer, ShardId=shard,
                                          StartingPosition=position or {"Type": "LATEST"})
        except ClientError:
            raise
        except Exception as e:  # noqa: BLE001 - botocore's "First event was not ..."
            self.skipTest(f"server cannot stream responses yet: {e!r}")
        return r["EventStream"]

    def next_event(self, events):
        ev = next(iter(events))
        return ev["SubscribeToShardEvent"]


class SubscribeTest(SubscribeBase):

    def test_records_pushed_within_milliseconds(self):
        events = self.subscribe()
        first = self.next_event(events)  # sent at once
        self.assertEqual(first["Records"], [])
        self.assertIn("ContinuationSequenceNumber", first)
        latencies = []
        for i in range(5):
            t0 = time.monotonic()
            self.kinesis.put_record(StreamName="s", PartitionKey="k", Data=f"r{i}".encode())
            ev = self.next_event(events)
            while not ev["Records"]:
                ev = self.next_event(events)
            latencies.append(time.monotonic() - t0)
            self.assertEqual(ev["Records"][0]["Data"], f"r{i}".encode())
            self.assertEqual(ev["ContinuationSequenceNumber"], ev["Records"][-1]["SequenceNumber"])
        self.assertLess(max(latencies), 0.5, latencies)
        events.close()

    def test_resubscribe_from_continuation_loses_and_duplicates_nothing(self):
        for i in range(10):
            self.kinesis.put_record(StreamName="s", PartitionKey="k", Data=f"{i}".encode())
        got, cont = [], None
        events = self.subscribe({"Type": "TRIM_HORIZON"})
        while len(got) < 4:
            ev = self.next_event(events)
            got += [r["Data"].decode() for r in ev["Records"]]
            cont = ev["ContinuationSequenceNumber"]
        events.close()
        time.sleep(5.1)  # a second subscription within 5 s is refused
        for i in range(10, 15):
            self.kinesis.put_record(StreamName="s", PartitionKey="k", Data=f"{i}".encode())
        events = self.subscribe({"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": cont})
        while len(got) < 15:
            ev = self.next_event(events)
            got += [r["Data"].decode() for r in ev["Records"]]
        events.close()
        self.assertEqual(got, [str(i) for i in range(15)])

    def test_second_subscription_rejected(self):
        events = self.subscribe()
        self.next_event(events)
        with self.assertRaises(ClientError) as cm:
            self.client().subscribe_to_shard(ConsumerARN=self.consumer, ShardId=SHARD0,
                                             StartingPosition={"Type": "LATEST"})
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceInUseException")
        events.close()

    def test_deregistering_ends_the_subscription(self):
        events = self.subscribe()
        self.next_event(events)
        self.kinesis.deregister_stream_consumer(ConsumerARN=self.consumer)
        with self.assertRaises(Exception):
            for _ in range(10):
                self.next_event(events)

    def test_child_shards_after_split(self):
        self.kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"before")
        self.kinesis.split_shard(StreamName="s", ShardToSplit=SHARD0,
                                 NewStartingHashKey=str(2**127))
        self.wait_active("s")
        events = self.subscribe({"Type": "TRIM_HORIZON"})
        records, last = [], None
        for ev in events:
            last = ev["SubscribeToShardEvent"]
            records += last["Records"]
            if last.get("ChildShards"):
                break
        self.assertEqual([r["Data"] for r in records], [b"before"])
        self.assertNotIn("ContinuationSequenceNumber", last)
        self.assertEqual(sorted(c["ShardId"] for c in last["ChildShards"]),
                         [shard_id(1), shard_id(2)])
        for c in last["ChildShards"]:
            self.assertEqual(c["ParentShards"], [SHARD0])

    def test_not_active_consumer_and_missing_shard(self):
        other = self.kinesis.register_stream_consumer(StreamARN=stream_arn("s"),
                                                      ConsumerName="new")["Consumer"]
        if other["ConsumerStatus"] == "CREATING":
            self.assertAwsError("ResourceInUseException", self.kinesis.subscribe_to_shard,
                                ConsumerARN=other["ConsumerARN"], ShardId=SHARD0,
                                StartingPosition={"Type": "LATEST"})
        self.assertAwsError("ResourceNotFoundException", self.kinesis.subscribe_to_shard,
                            ConsumerARN=self.consumer, ShardId=shard_id(7),
                            StartingPosition={"Type": "LATEST"})

    def test_slow_subscriber_does_not_slow_a_fast_one(self):
        fast_consumer = self.kinesis.register_stream_consumer(
            StreamARN=stream_arn("s"), ConsumerName="fast")["Consumer"]["ConsumerARN"]
        time.sleep(0.2)
        slow = self.subscribe({"Type": "LATEST"})  # never read: its socket fills up
        fast = self.subscribe({"Type": "LATEST"}, consumer=fast_consumer)
        self.next_event(fast)
        big = b"x" * 500_000
        n = 40  # ~20 MB: far beyond socket buffers
        got = 0
        t0 = time.monotonic()
        done = threading.Event()

        def produce():
            c = self.client()
            for i in range(n):
                c.put_record(StreamName="s", PartitionKey=str(i), Data=big)
            done.set()

        t = threading.Thread(target=produce)
        t.start()
        while got < n:
            got += len(self.next_event(fast)["Records"])
        t.join()
        self.assertEqual(got, n)
        self.assertLess(time.monotonic() - t0, 30)
        slow.close()
        fast.close()


if __name__ == "__main__":
    unittest.main()
