"""Audit of crash recovery and bad input: cases test_crash.py and test_bad_input.py miss.

- A torn tail in the last segment that holds data while an empty segment follows it (a roll
  creates the next segment before the sealed one is fsynced; a power cut tears the sealed
  one). Recovery must truncate it as the tail and report it, and every record before the
  tear must stay readable by a consumer walking NextShardIterator (no endless 500s).
- A bit flipped in a sealed segment (valid index files) is never served: GetRecords there
  fails with InternalFailureException and the cause is in the server log.
- RegisterStreamConsumer's Tags obey the same rules as a stream's; a rejected call
  registers nothing.
"""

import glob
import hashlib
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase, stream_arn  # noqa: E402

STREAM = "audit"
SHARD0 = "shardId-000000000000"


def payload(i):
    """A self-checking record body of 2 KiB (larger than the test's segment size)."""
    tag = f"{i}:".encode()
    return tag + hashlib.sha256(tag).hexdigest().encode() * 64


def valid(data):
    try:
        return data == payload(int(data.split(b":", 1)[0]))
    except ValueError:
        return False


class TornSealedTailTest(ServerTestCase):
    # Every 2 KiB record fills a 1 KiB segment, so each put rolls: the active segment is
    # always empty and the newest record sits in the last sealed segment.
    server_args = ("--segment-bytes", "1024")

    def segments(self):
        segs = sorted(glob.glob(os.path.join(self.data_dir, "streams", "*", "shard-0", "*.seg")))
        self.assertTrue(segs, f"no segments under {self.data_dir}")
        return segs

    def walk(self):
        """Reads shard 0 from TRIM_HORIZON by NextShardIterator, as a consumer does."""
        it = self.iterator(STREAM, SHARD0)
        out = []
        for _ in range(200):
            r = self.kinesis.get_records(ShardIterator=it, Limit=3)
            out += r["Records"]
            it = r["NextShardIterator"]
            if not r["Records"] and r["MillisBehindLatest"] == 0:
                break
        return out

    def test_torn_tail_of_sealed_segment_before_empty_active_segment(self):
        self.create_stream(STREAM, 1)
        sent = []
        for i in range(8):
            r = self.kinesis.put_record(StreamName=STREAM, Data=payload(i), PartitionKey="k")
            sent.append(r["SequenceNumber"])
        self.kill_server()
        segs = self.segments()
        self.assertEqual(os.path.getsize(segs[-1]), 0, "the active segment should be empty")
        torn = segs[-2]
        with open(torn, "rb") as f:
            head = f.read(48)
        self.assertEqual(struct.unpack_from("<I", head, 12)[0], 1, "one record per segment")
        os.truncate(torn, os.path.getsize(torn) - 100)  # the newest record loses its end

        self.start_server()
        recs = self.walk()
        self.assertEqual([r["SequenceNumber"] for r in recs], sent[:-1])
        self.assertTrue(all(valid(r["Data"]) for r in recs))
        self.assertRegex(self.server_log(since_start=True).lower(), "truncat",
                         "recovery must log what it dropped")
        # Writing continues above the kept numbers and survives another restart.
        r = self.kinesis.put_record(StreamName=STREAM, Data=payload(99), PartitionKey="k")
        self.assertGreater(int(r["SequenceNumber"]), int(sent[-2]))
        self.restart_server()
        recs = self.walk()
        self.assertEqual([x["SequenceNumber"] for x in recs], sent[:-1] + [r["SequenceNumber"]])
        self.assertEqual(recs[-1]["Data"], payload(99))
        self.assertNotRegex(self.server_log(since_start=True).lower(), "truncat|corrupt")

    def test_bit_flip_in_sealed_segment_is_refused_and_logged(self):
        self.create_stream(STREAM, 1)
        for i in range(4):
            self.kinesis.put_record(StreamName=STREAM, Data=payload(i), PartitionKey="k")
        self.stop_server()
        segs = self.segments()
        sealed = segs[1]  # its index files are valid: only a read finds the damage
        with open(sealed, "r+b") as f:
            f.seek(48 + 12 + 500)
            b = f.read(1)
            f.seek(48 + 12 + 500)
            f.write(bytes([b[0] ^ 0x01]))
        self.start_server()
        it = self.iterator(STREAM, SHARD0)
        r = self.kinesis.get_records(ShardIterator=it, Limit=1)
        self.assertEqual(r["Records"][0]["Data"], payload(0))
        with self.assertRaises(Exception) as cm:
            self.kinesis.get_records(ShardIterator=r["NextShardIterator"], Limit=1)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InternalFailureException")
        self.assertRegex(self.server_log(since_start=True), "checksum",
                         "the cause of an internal failure must be in the log")


class ConsumerTagsTest(ServerTestCase):

    def test_register_consumer_rejects_invalid_tags_and_registers_nothing(self):
        self.create_stream(STREAM, 1)
        arn = stream_arn(STREAM)
        k = self.kinesis
        self.assertAwsError("InvalidArgumentException", k.register_stream_consumer,
                            StreamARN=arn, ConsumerName="c1", Tags={"aws:reserved": "v"})
        self.assertAwsError("InvalidArgumentException", k.register_stream_consumer,
                            StreamARN=arn, ConsumerName="c1", Tags={"ok": "a;b"})
        self.assertAwsError("InvalidArgumentException", k.register_stream_consumer,
                            StreamARN=arn, ConsumerName="c1",
                            Tags={f"k{i}": "v" for i in range(51)})
        self.assertEqual(k.list_stream_consumers(StreamARN=arn)["Consumers"], [])
        # Valid tags are accepted and kept.
        c = k.register_stream_consumer(StreamARN=arn, ConsumerName="c1",
                                       Tags={"team": "a b", "x": ""})["Consumer"]
        tags = k.list_tags_for_resource(ResourceARN=c["ConsumerARN"])["Tags"]
        self.assertEqual({t["Key"]: t.get("Value", "") for t in tags}, {"team": "a b", "x": ""})


if __name__ == "__main__":
    unittest.main()
