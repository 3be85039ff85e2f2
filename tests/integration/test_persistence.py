"""Everything survives a clean stop and restart: streams, shards, records, sequence numbers,
and shard iterators issued before the restart (their HMAC key lives in the data dir)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ACCOUNT, ServerTestCase, shard_id  # noqa: E402


def strip(desc):
    return {k: v for k, v in desc.items() if k != "ResponseMetadata"}


class PersistenceTest(ServerTestCase):

    def snapshot(self):
        out = {}
        for name in self.stream_names():
            d = self.kinesis.describe_stream(StreamName=name)["StreamDescription"]
            s = self.kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
            recs = {sid: [(r["SequenceNumber"], r["Data"], r["PartitionKey"],
                           r["ApproximateArrivalTimestamp"]) for r in rs]
                    for sid, rs in self.read_all(name).items()}
            out[name] = (strip(d), strip(s), recs)
        return out

    def test_restart_keeps_everything(self):
        self.create_stream("p1", 1)
        self.create_stream("p3", 3)
        self.create_stream("gone", 1)
        for i in range(50):
            self.kinesis.put_record(StreamName="p1", Data=f"one-{i}".encode(), PartitionKey="k")
        self.kinesis.put_records(StreamName="p3", Records=[
            {"Data": os.urandom(i % 300), "PartitionKey": f"key-{i}"} for i in range(300)])
        self.kinesis.delete_stream(StreamName="gone")
        self.wait_gone("gone")
        before = self.snapshot()
        self.assertEqual(sorted(before), ["p1", "p3"])
        self.assertEqual(sum(len(v) for v in before["p3"][2].values()), 300)

        # Iterators issued before the restart, including a mid-shard position.
        it_th = self.iterator("p1", shard_id(0))
        mid_seq = before["p1"][2][shard_id(0)][24][0]
        it_mid = self.iterator("p1", shard_id(0), "AFTER_SEQUENCE_NUMBER",
                               StartingSequenceNumber=mid_seq)
        it_latest = self.iterator("p1", shard_id(0), "LATEST")

        self.restart_server()
        after = self.snapshot()
        self.assertEqual(after, before)  # descriptions, records, sequence numbers, timestamps
        self.assertAwsError("ResourceNotFoundException", self.kinesis.describe_stream,
                            StreamName="gone",
                            message=f"Stream gone under account {ACCOUNT} not found.")

        recs = self.read_shard("p1", shard_id(0), it=it_th, expected=50)
        self.assertEqual([r["Data"] for r in recs], [f"one-{i}".encode() for i in range(50)])
        recs = self.read_shard("p1", shard_id(0), it=it_mid, expected=25)
        self.assertEqual([r["Data"] for r in recs], [f"one-{i}".encode() for i in range(25, 50)])
        self.assertEqual(self.kinesis.get_records(ShardIterator=it_latest)["Records"], [])

        # New writes continue above the old sequence numbers, and the old LATEST sees them.
        last_old = int(before["p1"][2][shard_id(0)][-1][0])
        r = self.kinesis.put_record(StreamName="p1", Data=b"new", PartitionKey="k")
        self.assertGreater(int(r["SequenceNumber"]), last_old)
        self.assertEqual([x["Data"] for x in self.read_shard("p1", shard_id(0), it=it_latest,
                                                              expected=1)], [b"new"])
        for sid, old in before["p3"][2].items():
            r = self.kinesis.put_record(StreamName="p3", Data=b"n", PartitionKey="x",
                                        ExplicitHashKey=self.shards("p3")[int(sid[-1])]
                                        ["HashKeyRange"]["StartingHashKey"])
            self.assertEqual(r["ShardId"], sid)
            if old:
                self.assertGreater(int(r["SequenceNumber"]), int(old[-1][0]))

        # And a second restart changes nothing again.
        snap = self.snapshot()
        self.restart_server()
        self.assertEqual(self.snapshot(), snap)

    def test_kill_after_ack_keeps_acknowledged_records(self):
        """--sync always: an acknowledged put is on disk even if the process dies right after."""
        self.create_stream("durable", 2)
        acked = []
        for i in range(40):
            r = self.kinesis.put_record(StreamName="durable", Data=f"d{i}".encode(),
                                        PartitionKey=f"k{i}")
            acked.append((r["ShardId"], r["SequenceNumber"], f"d{i}".encode()))
        rs = self.kinesis.put_records(StreamName="durable", Records=[
            {"Data": f"b{i}".encode(), "PartitionKey": f"k{i}"} for i in range(40)])
        acked += [(x["ShardId"], x["SequenceNumber"], f"b{i}".encode())
                  for i, x in enumerate(rs["Records"])]
        self.kill_server()
        self.start_server()
        got = {(sid, r["SequenceNumber"], r["Data"])
               for sid, recs in self.read_all("durable").items() for r in recs}
        self.assertEqual(got, set(acked))

    def test_stream_created_then_restarted_before_active_becomes_active(self):
        self.kinesis.create_stream(StreamName="early", ShardCount=2)
        self.restart_server()
        self.wait_active("early")
        self.assertEqual(len(self.shards("early")), 2)
        r = self.kinesis.put_record(StreamName="early", Data=b"x", PartitionKey="k")
        self.assertIn(r["ShardId"], (shard_id(0), shard_id(1)))


if __name__ == "__main__":
    unittest.main()
