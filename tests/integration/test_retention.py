"""Retention with boto3: Increase/DecreaseStreamRetentionPeriod, and real expiry driven by the
test clock (serve --enable-test-clock, Runnel_20240101.AdvanceClock): expired records are never
served, TRIM_HORIZON moves forward, segments and expired shards are deleted from disk."""

import glob
import json
import os
import unittest

from harness import ACCOUNT, ServerTestCase, shard_id

HOUR_MS = 3600 * 1000
ADMIN_TARGET = "Runnel_20240101.AdvanceClock"


class RetentionPeriodTest(ServerTestCase):

    def retention(self, name):
        return self.kinesis.describe_stream_summary(
            StreamName=name)["StreamDescriptionSummary"]["RetentionPeriodHours"]

    def test_increase_and_decrease(self):
        name = self.create_stream("ret")
        self.assertEqual(self.retention(name), 24)
        self.kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
        self.assertEqual(self.retention(name), 48)
        self.kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
        self.kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=8760)
        self.assertEqual(self.kinesis.describe_stream(StreamName=name)
                         ["StreamDescription"]["RetentionPeriodHours"], 8760)
        self.kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=24)
        self.assertEqual(self.retention(name), 24)
        # No UPDATING state.
        self.assertEqual(self.kinesis.describe_stream_summary(
            StreamName=name)["StreamDescriptionSummary"]["StreamStatus"], "ACTIVE")

    def test_errors(self):
        name = self.create_stream("reterr")
        for call in (self.kinesis.increase_stream_retention_period,
                     self.kinesis.decrease_stream_retention_period):
            self.assertAwsError(
                "InvalidArgumentException", call, StreamName=name, RetentionPeriodHours=23,
                message="Minimum allowed retention period is 24 hours. Requested retention "
                        "period (23 hours) is too short.")
            self.assertAwsError(
                "InvalidArgumentException", call, StreamName=name, RetentionPeriodHours=8761,
                message="Maximum allowed retention period is 8760 hours. Requested retention "
                        "period (8761 hours) is too long.")
            self.assertAwsError(
                "ResourceNotFoundException", call, StreamName="nope", RetentionPeriodHours=48,
                message=f"Stream nope under account {ACCOUNT} not found.")
        self.kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=100)
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.increase_stream_retention_period,
            StreamName=name, RetentionPeriodHours=50,
            message=f"Requested retention period (50 hours) for stream {name} can not be shorter "
                    f"than existing retention period (100 hours). Use DecreaseRetentionPeriod API.")
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.decrease_stream_retention_period,
            StreamName=name, RetentionPeriodHours=200,
            message=f"Requested retention period (200 hours) for stream {name} can not be longer "
                    f"than existing retention period (100 hours). Use IncreaseRetentionPeriod API.")
        status, body = self.raw_json("IncreaseStreamRetentionPeriod", {"StreamName": name})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "ValidationException")

    def test_requires_active(self):
        self.restart_server(["--transition-ms", "60000"])
        self.kinesis.create_stream(StreamName="slow", ShardCount=1)
        self.assertAwsError(
            "ResourceInUseException", self.kinesis.increase_stream_retention_period,
            StreamName="slow", RetentionPeriodHours=48,
            message=f"Stream slow under account {ACCOUNT} not ACTIVE, instead in state CREATING")

    def test_retention_survives_restart(self):
        name = self.create_stream("keep")
        self.kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=72)
        self.restart_server()
        self.assertEqual(self.retention(name), 72)
        self.kill_server()
        self.start_server()
        self.assertEqual(self.retention(name), 72)

    def test_advance_clock_is_unknown_without_the_flag(self):
        status, _, body = self.raw(ADMIN_TARGET, json.dumps({"Milliseconds": 1000}))
        self.assertRawError(status, body, "UnknownOperationException")


class RetentionExpiryTest(ServerTestCase):
    # Tiny segments so that a few records fill several of them.
    server_args = ("--enable-test-clock", "--segment-bytes", "2048")

    def advance(self, ms):
        status, _, body = self.raw(ADMIN_TARGET, json.dumps({"Milliseconds": ms}))
        self.assertEqual(status, 200, body)
        return json.loads(body)["OffsetMs"]

    def stream_dir(self, name):
        dirs = glob.glob(os.path.join(self.data_dir, "streams", "*"))
        for d in dirs:
            with open(os.path.join(d, "stream.json")) as f:
                if json.load(f)["name"] == name:
                    return d
        self.fail(f"no directory for stream {name}")

    def segments(self, name, shard=0):
        return sorted(glob.glob(os.path.join(self.stream_dir(name), f"shard-{shard}", "*.seg")))

    def put_many(self, name, n, prefix, size=300):
        for i in range(0, n, 5):  # small batches: a batch never spans segments
            self.kinesis.put_records(StreamName=name, Records=[
                {"PartitionKey": "pk", "Data": f"{prefix}-{j}-".encode().ljust(size, b".")}
                for j in range(i, min(n, i + 5))])

    def data(self, records):
        return [r["Data"].split(b"-")[0].decode() + "-" + r["Data"].split(b"-")[1].decode()
                for r in records]

    def test_advance_clock_reports_the_total_offset(self):
        self.assertEqual(self.advance(1000), 1000)
        self.assertEqual(self.advance(500), 1500)
        status, _, body = self.raw(ADMIN_TARGET, json.dumps({"Milliseconds": -5}))
        self.assertRawError(status, body, "InvalidArgumentException")

    def test_expired_records_vanish_and_segments_are_deleted(self):
        name = self.create_stream("expire")
        self.put_many(name, 60, "old")
        old = self.read_shard(name, shard_id(0), expected=60)
        self.assertEqual(len(old), 60)
        before = self.segments(name)
        self.assertGreater(len(before), 3, "records should span several segments")
        first_seq = old[0]["SequenceNumber"]

        self.advance(24 * HOUR_MS + 60 * 1000)
        self.put_many(name, 5, "new")
        after = self.segments(name)
        self.assertLess(len(after), len(before))
        self.assertLessEqual(len(after), 2, after)  # only the active segment(s) remain

        # TRIM_HORIZON moved past the expired records; nothing old is ever served.
        records = self.read_shard(name, shard_id(0), expected=5)
        self.assertEqual(self.data(records), [f"new-{j}" for j in range(5)])
        it = self.iterator(name, shard_id(0), "AT_SEQUENCE_NUMBER",
                           StartingSequenceNumber=first_seq)
        records = self.read_shard(name, shard_id(0), expected=5, it=it)
        self.assertEqual(self.data(records), [f"new-{j}" for j in range(5)])

    def test_longer_retention_keeps_data_and_decrease_drops_it(self):
        name = self.create_stream("longer")
        self.kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
        self.put_many(name, 10, "old")
        self.advance(30 * HOUR_MS)
        self.assertEqual(len(self.read_shard(name, shard_id(0), expected=10)), 10)
        self.kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=24)
        self.assertEqual(self.read_shard(name, shard_id(0)), [])
        # Increasing again does not bring expired data back (AWS: "it does not make previous,
        # expired data ... accessible"), not even across a restart.
        self.kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
        self.assertEqual(self.read_shard(name, shard_id(0)), [])
        self.restart_server()
        self.assertEqual(self.read_shard(name, shard_id(0)), [])

    def test_increase_does_not_resurrect_naturally_expired_records(self):
        name = self.create_stream("natural")
        self.put_many(name, 5, "old")
        self.advance(25 * HOUR_MS)  # expired under 24 h, still in the (active) segment
        self.assertEqual(self.read_shard(name, shard_id(0)), [])
        self.kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=72)
        self.assertEqual(self.read_shard(name, shard_id(0)), [])
        self.put_many(name, 3, "new")
        self.assertEqual(self.data(self.read_shard(name, shard_id(0), expected=3)),
                         [f"new-{j}" for j in range(3)])
        # Records newer than the old horizon stay for the longer period.
        self.advance(30 * HOUR_MS)
        self.assertEqual(len(self.read_shard(name, shard_id(0), expected=3)), 3)

    def test_expired_closed_shards_disappear(self):
        name = self.create_stream("lineage", shards=1)
        self.put_many(name, 10, "old")
        self.kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(0),
                                 NewStartingHashKey=str(2**127))
        self.wait_active(name)
        parent_dir = os.path.join(self.stream_dir(name), "shard-0")
        self.assertTrue(os.path.isdir(parent_dir))

        self.advance(24 * HOUR_MS + 60 * 1000)
        children = [shard_id(1), shard_id(2)]
        self.assertEqual([s["ShardId"] for s in self.shards(name)], children)
        desc = self.kinesis.describe_stream(StreamName=name)["StreamDescription"]
        self.assertEqual([s["ShardId"] for s in desc["Shards"]], children)
        self.assertEqual([s["ShardId"] for s in self.kinesis.list_shards(
            StreamName=name, ShardFilter={"Type": "AT_TRIM_HORIZON"})["Shards"]], children)
        self.assertFalse(os.path.exists(parent_dir), os.listdir(self.stream_dir(name)))
        self.assertAwsError("ResourceNotFoundException", self.kinesis.get_shard_iterator,
                            StreamName=name, ShardId=shard_id(0),
                            ShardIteratorType="TRIM_HORIZON")
        # The children still list their (expired) parent, as AWS does.
        self.assertEqual(self.shards(name)[0]["ParentShardId"], shard_id(0))

        # ... and all of it holds after a restart.
        self.restart_server()
        self.assertEqual([s["ShardId"] for s in self.shards(name)], children)
        self.kinesis.put_record(StreamName=name, PartitionKey="x", Data=b"y")

    def test_iterators_expire_on_the_same_clock(self):
        name = self.create_stream("iters")
        it = self.iterator(name, shard_id(0))
        self.advance(301 * 1000)
        self.assertAwsError("ExpiredIteratorException", self.kinesis.get_records,
                            ShardIterator=it)


if __name__ == "__main__":
    unittest.main()
