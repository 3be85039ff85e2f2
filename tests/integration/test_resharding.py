"""Resharding end to end with boto3: SplitShard, MergeShards, UpdateShardCount, lineage,
shard-end signalling, ListShards filters, errors, and persistence across a restart."""

import time
import unittest

from harness import ACCOUNT, HASH_MAX, ServerTestCase, expected_hash_ranges, md5_hash_key, \
    shard_id, stream_arn


def open_ranges(shards):
    return sorted((int(s["HashKeyRange"]["StartingHashKey"]),
                   int(s["HashKeyRange"]["EndingHashKey"]))
                  for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"])


class ReshardingBase(ServerTestCase):

    def assertCoversHashSpace(self, name):
        """The open shards' ranges are contiguous, disjoint and cover [0, 2^128-1]."""
        ranges = open_ranges(self.shards(name))
        self.assertTrue(ranges, "no open shard")
        self.assertEqual(ranges[0][0], 0)
        for (s1, e1), (s2, e2) in zip(ranges, ranges[1:]):
            self.assertEqual(s2, e1 + 1, ranges)
        self.assertEqual(ranges[-1][1], HASH_MAX)
        return ranges

    def put_numbered(self, name, keys, counters, rounds):
        """Puts `rounds` records per key; data = b"key:n" with n counting per key."""
        for _ in range(rounds):
            for k in keys:
                n = counters.get(k, 0)
                counters[k] = n + 1
                self.kinesis.put_record(StreamName=name, PartitionKey=k, Data=f"{k}:{n}".encode())

    def consume_following_children(self, name):
        """A KCL-like consumer: reads every shard from TRIM_HORIZON, a child only after all of
        its parents reached their shard end (learned from ChildShards). Returns the records in
        consumption order and the lineage it saw {child: [parents]}."""
        listed = {s["ShardId"]: s for s in self.shards(name)}
        lineage = {}
        for sid, s in listed.items():
            lineage[sid] = [p for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId"))
                            if p]
        finished, queue, records = set(), [], []
        roots = [sid for sid, parents in lineage.items()
                 if not any(p in listed for p in parents)]
        queue.extend(sorted(roots))
        guard, limit = 0, 1000 + 10 * len(listed)  # each shard is queued a few times at most
        while queue:
            guard += 1
            self.assertLess(guard, limit, "consumer does not make progress")
            sid = queue.pop(0)
            if sid in finished:
                continue
            if not all(p in finished for p in lineage.get(sid, []) if p in listed):
                queue.append(sid)
                continue
            it = self.iterator(name, sid)
            while True:
                resp = self.kinesis.get_records(ShardIterator=it)
                records += resp["Records"]
                it = resp.get("NextShardIterator")
                children = resp.get("ChildShards") or []
                if it is None:
                    # Shard end: children present exactly when the iterator is absent.
                    self.assertTrue(children, f"{sid}: null NextShardIterator without ChildShards")
                    for c in children:
                        self.assertIn(sid, c["ParentShards"])
                        lineage.setdefault(c["ShardId"], c["ParentShards"])
                        self.assertEqual(sorted(lineage[c["ShardId"]]), sorted(c["ParentShards"]))
                        queue.append(c["ShardId"])
                    break
                self.assertFalse(children, f"{sid}: ChildShards with a NextShardIterator")
                if not resp["Records"] and resp.get("MillisBehindLatest", 0) == 0:
                    break  # an open shard, caught up
            finished.add(sid)
        self.assertEqual(finished, set(listed), "every listed shard was consumed")
        return records, lineage

    def assertExactlyOnceInOrder(self, records, counters):
        seen = {}
        for r in records:
            key, n = r["Data"].decode().split(":")
            self.assertEqual(r["PartitionKey"], key)
            self.assertEqual(int(n), seen.get(key, 0), f"key {key}: out of order or duplicated")
            seen[key] = int(n) + 1
        self.assertEqual(seen, counters)


class SplitMergeTest(ReshardingBase):

    def test_split_then_merge_consumer_reads_everything_once_in_order(self):
        name = self.create_stream("orders", shards=2)
        keys = [f"key-{i}" for i in range(24)]
        counters = {}
        self.put_numbered(name, keys, counters, 3)

        # Split shard 0 in the middle of its range.
        s0 = self.shards(name)[0]["HashKeyRange"]
        mid = (int(s0["StartingHashKey"]) + int(s0["EndingHashKey"])) // 2
        self.kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(0),
                                 NewStartingHashKey=str(mid))
        self.assertCoversHashSpace(name)
        self.put_numbered(name, keys, counters, 3)
        self.wait_active(name)

        # Merge the upper child of 0 (shard 3) with shard 1, naming the upper one first.
        self.kinesis.merge_shards(StreamName=name, ShardToMerge=shard_id(1),
                                  AdjacentShardToMerge=shard_id(3))
        self.assertCoversHashSpace(name)
        self.put_numbered(name, keys, counters, 3)

        listed = {s["ShardId"]: s for s in self.shards(name)}
        self.assertEqual(sorted(listed), [shard_id(i) for i in range(5)])
        self.assertEqual(listed[shard_id(2)]["ParentShardId"], shard_id(0))
        self.assertEqual(listed[shard_id(3)]["ParentShardId"], shard_id(0))
        self.assertEqual(listed[shard_id(4)]["ParentShardId"], shard_id(1))
        self.assertEqual(listed[shard_id(4)]["AdjacentParentShardId"], shard_id(3))
        self.assertEqual(int(listed[shard_id(2)]["HashKeyRange"]["EndingHashKey"]), mid - 1)
        self.assertEqual(int(listed[shard_id(3)]["HashKeyRange"]["StartingHashKey"]), mid)
        for closed in (0, 1, 3):
            rng = listed[shard_id(closed)]["SequenceNumberRange"]
            self.assertIn("EndingSequenceNumber", rng)
            self.assertGreater(int(rng["EndingSequenceNumber"]), int(rng["StartingSequenceNumber"]))
        # Children start above their parents (created in a later second).
        for child in (2, 3, 4):
            c = listed[shard_id(child)]
            start = int(c["SequenceNumberRange"]["StartingSequenceNumber"])
            parent = listed[c["ParentShardId"]]["SequenceNumberRange"]
            self.assertGreater(start, int(parent["EndingSequenceNumber"]))

        records, lineage = self.consume_following_children(name)
        self.assertExactlyOnceInOrder(records, counters)
        self.assertEqual(sorted(lineage[shard_id(4)]), [shard_id(1), shard_id(3)])

    def test_records_after_a_split_go_to_the_children(self):
        name = self.create_stream("routing", shards=1)
        self.kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(0),
                                 NewStartingHashKey=str(2**127))
        for i in range(30):
            k = f"pk{i}"
            r = self.kinesis.put_record(StreamName=name, PartitionKey=k, Data=b"x")
            self.assertEqual(r["ShardId"], shard_id(1) if md5_hash_key(k) < 2**127 else shard_id(2))
        r = self.kinesis.put_records(StreamName=name, Records=[
            {"PartitionKey": "a", "Data": b"1", "ExplicitHashKey": "0"},
            {"PartitionKey": "a", "Data": b"2", "ExplicitHashKey": str(HASH_MAX)}])
        self.assertEqual([e["ShardId"] for e in r["Records"]], [shard_id(1), shard_id(2)])

    def test_shard_end_has_child_shards_and_null_iterator(self):
        name = self.create_stream("ends", shards=1)
        self.kinesis.put_record(StreamName=name, PartitionKey="a", Data=b"before")
        it = self.iterator(name, shard_id(0))  # issued while the shard is open
        self.kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(0),
                                 NewStartingHashKey=str(2**127))
        resp = self.kinesis.get_records(ShardIterator=it)
        if resp["Records"]:
            self.assertEqual([r["Data"] for r in resp["Records"]], [b"before"])
            if resp.get("NextShardIterator"):
                resp = self.kinesis.get_records(ShardIterator=resp["NextShardIterator"])
        self.assertIsNone(resp.get("NextShardIterator"))
        children = resp["ChildShards"]
        self.assertEqual([c["ShardId"] for c in children], [shard_id(1), shard_id(2)])
        for c in children:
            self.assertEqual(c["ParentShards"], [shard_id(0)])
        self.assertEqual(children[0]["HashKeyRange"],
                         {"StartingHashKey": "0", "EndingHashKey": str(2**127 - 1)})
        self.assertEqual(children[1]["HashKeyRange"],
                         {"StartingHashKey": str(2**127), "EndingHashKey": str(HASH_MAX)})
        # LATEST on a closed shard also ends at once; open children never end.
        resp = self.kinesis.get_records(ShardIterator=self.iterator(name, shard_id(0), "LATEST"))
        self.assertIsNone(resp.get("NextShardIterator"))
        self.assertEqual(len(resp["ChildShards"]), 2)
        resp = self.kinesis.get_records(ShardIterator=self.iterator(name, shard_id(1)))
        self.assertIsNotNone(resp.get("NextShardIterator"))
        self.assertFalse(resp.get("ChildShards"))

    def test_list_shards_filters_after_a_reshard(self):
        name = self.create_stream("filters", shards=1)
        before = time.time()
        self.kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(0),
                                 NewStartingHashKey=str(2**127))
        # A reshard's instant may be up to 1 s ahead (resharding.h), and boto3 sends whole
        # seconds: 2.1 s later is strictly after it.
        time.sleep(2.1)
        after = time.time()

        def ids(**f):
            return [s["ShardId"] for s in
                    self.kinesis.list_shards(StreamName=name, ShardFilter=f)["Shards"]]

        everything = [shard_id(0), shard_id(1), shard_id(2)]
        children = [shard_id(1), shard_id(2)]
        self.assertEqual([s["ShardId"] for s in self.shards(name)], everything)
        self.assertEqual(ids(Type="FROM_TRIM_HORIZON"), everything)
        self.assertEqual(ids(Type="AT_TRIM_HORIZON"), [shard_id(0)])
        self.assertEqual(ids(Type="AT_LATEST"), children)
        self.assertEqual(ids(Type="AFTER_SHARD_ID", ShardId=shard_id(0)), children)
        self.assertEqual(ids(Type="AFTER_SHARD_ID", ShardId=shard_id(1)), [shard_id(2)])
        self.assertEqual(ids(Type="AT_TIMESTAMP", Timestamp=before - 1), [shard_id(0)])
        self.assertEqual(ids(Type="AT_TIMESTAMP", Timestamp=after), children)
        self.assertEqual(ids(Type="FROM_TIMESTAMP", Timestamp=before - 1), everything)
        self.assertEqual(ids(Type="FROM_TIMESTAMP", Timestamp=after), children)
        # DescribeStream agrees with ListShards.
        desc = self.kinesis.describe_stream(StreamName=name)["StreamDescription"]
        self.assertEqual([s["ShardId"] for s in desc["Shards"]], everything)
        summary = self.kinesis.describe_stream_summary(StreamName=name)
        self.assertEqual(summary["StreamDescriptionSummary"]["OpenShardCount"], 2)

    def test_errors(self):
        name = self.create_stream("errs", shards=2)
        prefix = f"in stream {name} under account {ACCOUNT}"
        self.assertAwsError(
            "ResourceNotFoundException", self.kinesis.split_shard, StreamName=name,
            ShardToSplit="shardId-000000000009", NewStartingHashKey="5",
            message=f"Could not find shard shardId-000000000009 {prefix}.")
        self.assertAwsError(
            "ResourceNotFoundException", self.kinesis.split_shard, StreamName="missing",
            ShardToSplit=shard_id(0), NewStartingHashKey="5",
            message=f"Stream missing under account {ACCOUNT} not found.")
        end0 = 2**127 - 1
        for bad in ("1", str(end0), str(2**128)):
            self.assertAwsError(
                "InvalidArgumentException", self.kinesis.split_shard, StreamName=name,
                ShardToSplit=shard_id(0), NewStartingHashKey=bad,
                message=f"NewStartingHashKey {bad} used in SplitShard() on shard {shard_id(0)} "
                        f"{prefix} is not both greater than one plus the shard's "
                        f"StartingHashKey 0 and less than the shard's EndingHashKey {end0}.")
        self.assertAwsError(
            "ValidationException", self.kinesis.split_shard, StreamName=name,
            ShardToSplit=shard_id(0), NewStartingHashKey="-1",
            message_prefix="1 validation error detected: Value '-1' at 'newStartingHashKey'")
        self.assertAwsError(
            "ResourceNotFoundException", self.kinesis.merge_shards, StreamName=name,
            ShardToMerge=shard_id(0), AdjacentShardToMerge="shardId-000000000007",
            message=f"Could not find shard shardId-000000000007 {prefix}.")

        self.kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(0),
                                 NewStartingHashKey="1000")
        self.wait_active(name)
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.split_shard, StreamName=name,
            ShardToSplit=shard_id(0), NewStartingHashKey="500",
            message=f"Shard {shard_id(0)} {prefix} has already been merged or split, and thus "
                    f"is not eligible for merging or splitting.")
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.merge_shards, StreamName=name,
            ShardToMerge=shard_id(2), AdjacentShardToMerge=shard_id(0),
            message=f"Shard {shard_id(0)} {prefix} has already been merged or split, and thus "
                    f"is not eligible for merging or splitting.")
        # Open: 2 = [0, 999], 3 = [1000, 2^127-1], 1 = [2^127, max]. 2 and 1 are not adjacent.
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.merge_shards, StreamName=name,
            ShardToMerge=shard_id(2), AdjacentShardToMerge=shard_id(1),
            message=f"Shards {shard_id(2)} and {shard_id(1)} {prefix} are not an adjacent pair "
                    f"of shards eligible for merging")
        self.assertCoversHashSpace(name)

    def test_stream_arn_identifies_the_stream(self):
        name = self.create_stream("byarn", shards=1)
        self.kinesis.split_shard(StreamARN=stream_arn(name), ShardToSplit=shard_id(0),
                                 NewStartingHashKey=str(2**127))
        self.wait_active(name)
        self.kinesis.merge_shards(StreamARN=stream_arn(name), ShardToMerge=shard_id(1),
                                  AdjacentShardToMerge=shard_id(2))
        self.wait_active(name)
        r = self.kinesis.update_shard_count(StreamARN=stream_arn(name), TargetShardCount=2,
                                            ScalingType="UNIFORM_SCALING")
        self.assertEqual(r["StreamARN"], stream_arn(name))
        self.assertEqual(r["StreamName"], name)

    def test_on_demand_streams_reject_resharding(self):
        name = self.create_stream("ondemand", shards=None,
                                  StreamModeDetails={"StreamMode": "ON_DEMAND"})
        calls = [
            ("SplitShard", lambda: self.kinesis.split_shard(
                StreamName=name, ShardToSplit=shard_id(0), NewStartingHashKey="1000")),
            ("MergeShards", lambda: self.kinesis.merge_shards(
                StreamName=name, ShardToMerge=shard_id(0), AdjacentShardToMerge=shard_id(1))),
            ("UpdateShardCount", lambda: self.kinesis.update_shard_count(
                StreamName=name, TargetShardCount=2, ScalingType="UNIFORM_SCALING")),
        ]
        for op, call in calls:
            self.assertAwsError(
                "ValidationException", call,
                message=f"{op} is not supported for stream {name} under account {ACCOUNT} "
                        f"because it is in ON_DEMAND capacity mode.")


class UpdateShardCountTest(ReshardingBase):

    def test_one_two_four_two(self):
        name = self.create_stream("scale", shards=1)
        counters, keys = {}, [f"k{i}" for i in range(16)]
        self.put_numbered(name, keys, counters, 2)
        for current, target in ((1, 2), (2, 4), (4, 2)):
            r = self.kinesis.update_shard_count(StreamName=name, TargetShardCount=target,
                                                ScalingType="UNIFORM_SCALING")
            self.assertEqual((r["StreamName"], r["CurrentShardCount"], r["TargetShardCount"],
                              r["StreamARN"]), (name, current, target, stream_arn(name)))
            self.assertEqual(self.assertCoversHashSpace(name), expected_hash_ranges(target))
            self.wait_active(name)
            self.put_numbered(name, keys, counters, 2)
        latest = self.kinesis.list_shards(StreamName=name,
                                          ShardFilter={"Type": "AT_LATEST"})["Shards"]
        self.assertEqual(len(latest), 2)
        for s in self.shards(name):
            if s["ShardId"] != shard_id(0):
                self.assertIn("ParentShardId", s)
        records, _ = self.consume_following_children(name)
        self.assertExactlyOnceInOrder(records, counters)

    def test_limits(self):
        name = self.create_stream("limits", shards=2)
        self.assertAwsError(
            "LimitExceededException", self.kinesis.update_shard_count, StreamName=name,
            TargetShardCount=5, ScalingType="UNIFORM_SCALING",
            message=f"UpdateShardCount cannot scale up over double the current open shard count "
                    f"of stream {name} under account {ACCOUNT}. Current open shard count: 2. "
                    f"Target shard count: 5.")
        self.kinesis.update_shard_count(StreamName=name, TargetShardCount=4,
                                        ScalingType="UNIFORM_SCALING")
        self.wait_active(name)
        self.assertAwsError(
            "LimitExceededException", self.kinesis.update_shard_count, StreamName=name,
            TargetShardCount=1, ScalingType="UNIFORM_SCALING",
            message_prefix="UpdateShardCount cannot scale down below half")
        # botocore checks the model's minimum itself, so send this one raw.
        status, body = self.raw_json("UpdateShardCount", {
            "StreamName": name, "TargetShardCount": 0, "ScalingType": "UNIFORM_SCALING"})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "ValidationException")
        self.assertTrue(body["message"].startswith(
            "1 validation error detected: Value '0' at 'targetShardCount'"), body)
        status, body = self.raw_json("UpdateShardCount", {
            "StreamName": name, "TargetShardCount": 4, "ScalingType": "EVEN"})
        self.assertEqual((status, body["__type"]), (400, "ValidationException"))


class UpdatingStateTest(ReshardingBase):
    transition_ms = 1500  # long enough to observe UPDATING

    def test_updating_while_resharding(self):
        name = self.create_stream("slow", shards=1)
        self.kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(0),
                                 NewStartingHashKey=str(2**127))
        status = self.kinesis.describe_stream_summary(
            StreamName=name)["StreamDescriptionSummary"]["StreamStatus"]
        self.assertEqual(status, "UPDATING")
        self.assertAwsError(
            "ResourceInUseException", self.kinesis.update_shard_count, StreamName=name,
            TargetShardCount=4, ScalingType="UNIFORM_SCALING",
            message=f"Stream {name} under account {ACCOUNT} not ACTIVE, instead in state UPDATING")
        # Reads and writes keep working while UPDATING.
        r = self.kinesis.put_record(StreamName=name, PartitionKey="a", Data=b"x")
        self.assertIn(r["ShardId"], (shard_id(1), shard_id(2)))
        self.wait_active(name)
        self.kinesis.update_shard_count(StreamName=name, TargetShardCount=4,
                                        ScalingType="UNIFORM_SCALING")


class WideUpdateShardCountTest(ReshardingBase):
    """UpdateShardCount that creates many children returns at once, as on AWS: their logs are
    created in the background while the stream is UPDATING with its old shards, which keep
    taking records; the change is applied once they exist, and survives a kill -9."""

    transition_ms = 0  # so UPDATING can only mean "children's logs not created yet"

    def test_wide_update_is_updating_until_the_children_exist(self):
        # 300 children: at about 1 ms or more per log, the background work outlasts the
        # checks below, which come first and take a few milliseconds.
        name = self.create_stream("widen", shards=150)
        counters, keys = {}, [f"k{i}" for i in range(40)]
        self.put_numbered(name, keys, counters, 1)
        started = time.monotonic()
        r = self.kinesis.update_shard_count(StreamName=name, TargetShardCount=300,
                                            ScalingType="UNIFORM_SCALING")
        returned = time.monotonic() - started
        status = self.kinesis.describe_stream_summary(
            StreamName=name)["StreamDescriptionSummary"]["StreamStatus"]
        self.assertEqual(status, "UPDATING", f"UpdateShardCount took {returned:.3f} s")
        self.assertAwsError(
            "ResourceInUseException", self.kinesis.split_shard, StreamName=name,
            ShardToSplit=shard_id(0), NewStartingHashKey=str(2**100),
            message=f"Stream {name} under account {ACCOUNT} not ACTIVE, instead in state UPDATING")
        self.assertEqual(len(self.shards(name)), 150)  # the old shards until it is applied
        self.assertEqual((r["CurrentShardCount"], r["TargetShardCount"]), (150, 300))
        self.put_numbered(name, keys, counters, 1)  # records go on, before or after the apply

        self.wait_active(name, timeout=120)
        self.assertEqual(self.assertCoversHashSpace(name), expected_hash_ranges(300))
        self.put_numbered(name, keys, counters, 1)
        records, _ = self.consume_following_children(name)
        self.assertExactlyOnceInOrder(records, counters)
        self.assertIn("UpdateShardCount to 300 applied", self.server_log(since_start=True))

    def test_kill_while_the_children_are_created_resumes_the_update(self):
        name = self.create_stream("resume", shards=100)
        self.kinesis.update_shard_count(StreamName=name, TargetShardCount=200,
                                        ScalingType="UNIFORM_SCALING")
        self.kill_server()
        self.start_server()
        self.wait_active(name, timeout=120)
        self.assertEqual(self.assertCoversHashSpace(name), expected_hash_ranges(200))


class ReshardRestartTest(ReshardingBase):

    def test_lineage_survives_restart(self):
        name = self.create_stream("durable", shards=2)
        counters, keys = {}, [f"k{i}" for i in range(10)]
        self.put_numbered(name, keys, counters, 2)
        self.kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(1),
                                 NewStartingHashKey=str(3 * 2**126))
        self.wait_active(name)
        self.kinesis.merge_shards(StreamName=name, ShardToMerge=shard_id(0),
                                  AdjacentShardToMerge=shard_id(2))
        self.wait_active(name)
        self.put_numbered(name, keys, counters, 2)
        before = self.shards(name)

        self.restart_server()
        self.assertEqual(self.shards(name), before)
        self.put_numbered(name, keys, counters, 2)
        records, _ = self.consume_following_children(name)
        self.assertExactlyOnceInOrder(records, counters)
        # The next reshard continues the index sequence.
        self.kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(3),
                                 NewStartingHashKey=str(3 * 2**126 + 12345))
        ids = [s["ShardId"] for s in self.shards(name)]
        self.assertEqual(ids[-2:], [shard_id(5), shard_id(6)])

    def test_kill_after_reshard_keeps_it(self):
        name = self.create_stream("crashy", shards=1)
        self.kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(0),
                                 NewStartingHashKey=str(2**127))
        self.kill_server()
        self.start_server()
        self.assertEqual([s["ShardId"] for s in self.shards(name)],
                         [shard_id(0), shard_id(1), shard_id(2)])
        self.assertCoversHashSpace(name)


if __name__ == "__main__":
    unittest.main()
