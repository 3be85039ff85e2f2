"""Second audit of the control plane against the AWS reference (issue 6): ListShards' token
rules and stream-state rule, resource policies on consumer ARNs (stored, reported,
persisted), and the shared "already merged or split" sentence of SplitShard/MergeShards."""

import base64
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ACCOUNT, ServerTestCase, shard_id, stream_arn  # noqa: E402
from test_cli import CliTestCase  # noqa: E402

POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
          '"arn:aws:iam::000000000000:root"},"Action":"kinesis:SubscribeToShard",'
          '"Resource":"*"}]}')


class ListShardsTokenTest(ServerTestCase):

    def test_next_token_with_shard_filter_is_rejected(self):
        """Live AWS: "NextToken and ShardFilter cannot be provided together." (KCL, Beam)."""
        self.create_stream("ls", 3)
        tok = self.kinesis.list_shards(StreamName="ls", MaxResults=1,
                                       ShardFilter={"Type": "AT_LATEST"})["NextToken"]
        for f in ({"Type": "AT_LATEST"}, {"Type": "AFTER_SHARD_ID", "ShardId": shard_id(0)}):
            self.assertAwsError("InvalidArgumentException", self.kinesis.list_shards,
                                NextToken=tok, ShardFilter=f,
                                message="NextToken and ShardFilter cannot be provided together.")
        # The token alone keeps the filter it was issued with.
        r = self.kinesis.list_shards(NextToken=tok, MaxResults=5)
        self.assertEqual([s["ShardId"] for s in r["Shards"]], [shard_id(1), shard_id(2)])
        self.assertNotIn("NextToken", r)


    def test_forged_token_is_invalid_not_internal_failure(self):
        """A token edited by the client (here: Runnel's own layout, base64 of '|'-separated
        fields ending in the filter) is InvalidArgumentException, never a 500."""
        self.create_stream("ls", 3)
        tok = self.kinesis.list_shards(StreamName="ls", MaxResults=1)["NextToken"]
        fields = base64.b64decode(tok).decode().split("|")
        for last in ("FROM_TRIM_HORIZON,abc", "FROM_TRIM_HORIZON,", "BOGUS,0", "AT_LATEST"):
            forged = base64.b64encode("|".join(fields[:-1] + [last]).encode()).decode()
            self.assertAwsError("InvalidArgumentException", self.kinesis.list_shards,
                                NextToken=forged, message=f"Invalid NextToken: {forged}")
        forged = base64.b64encode("|".join(fields[:3] + ["x", fields[4]]).encode()).decode()
        self.assertAwsError("InvalidArgumentException", self.kinesis.list_shards,
                            NextToken=forged, message=f"Invalid NextToken: {forged}")
        self.assertEqual(len(self.kinesis.list_shards(NextToken=tok)["Shards"]), 2)


class ListShardsCreatingTest(ServerTestCase):
    transition_ms = 1500

    def test_creating_and_deleting_streams_are_resource_in_use(self):
        self.kinesis.create_stream(StreamName="c", ShardCount=2)
        for kw in ({"StreamName": "c"}, {"StreamARN": stream_arn("c")}):
            self.assertAwsError(
                "ResourceInUseException", self.kinesis.list_shards, **kw,
                message=f"Stream c under account {ACCOUNT} not ACTIVE, instead in state CREATING")
        # DescribeStream still answers (with no shards yet).
        d = self.kinesis.describe_stream(StreamName="c")["StreamDescription"]
        self.assertEqual((d["StreamStatus"], d["Shards"]), ("CREATING", []))
        self.wait_active("c")
        self.assertEqual(len(self.kinesis.list_shards(StreamName="c")["Shards"]), 2)
        # UPDATING (a reshard in progress) still lists.
        self.kinesis.split_shard(StreamName="c", ShardToSplit=shard_id(0),
                                 NewStartingHashKey="1000")
        self.assertEqual(len(self.kinesis.list_shards(StreamName="c")["Shards"]), 4)
        # DELETING: not listed either (the KCL waits for "Active/Updating").
        self.wait_active("c")
        self.kinesis.delete_stream(StreamName="c")
        self.assertAwsError(
            "ResourceInUseException", self.kinesis.list_shards, StreamName="c",
            message=f"Stream c under account {ACCOUNT} not ACTIVE, instead in state DELETING")


class ReshardClosedShardTest(ServerTestCase):

    def test_closed_shard_message(self):
        self.create_stream("r", 2)
        self.kinesis.split_shard(StreamName="r", ShardToSplit=shard_id(0),
                                 NewStartingHashKey="1000")
        self.wait_active("r")
        msg = (f"Shard {shard_id(0)} in stream r under account {ACCOUNT} has already been "
               f"merged or split, and thus is not eligible for merging or splitting.")
        self.assertAwsError("InvalidArgumentException", self.kinesis.split_shard,
                            StreamName="r", ShardToSplit=shard_id(0), NewStartingHashKey="500",
                            message=msg)
        self.assertAwsError("InvalidArgumentException", self.kinesis.merge_shards,
                            StreamName="r", ShardToMerge=shard_id(0),
                            AdjacentShardToMerge=shard_id(1), message=msg)


class ConsumerResourcePolicyTest(ServerTestCase):
    """ResourceARN may be a consumer ARN (kinesis-api-actions.md §7)."""

    def register(self, name):
        c = self.kinesis.register_stream_consumer(StreamARN=stream_arn("s"),
                                                  ConsumerName=name)["Consumer"]
        return c["ConsumerARN"]

    def test_put_get_delete_on_a_consumer(self):
        self.create_stream("s")
        arn = self.register("c1")
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=arn)["Policy"], "{}")
        self.kinesis.put_resource_policy(ResourceARN=arn, Policy=POLICY)
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=arn)["Policy"], POLICY)
        # The stream's own policy is a separate document.
        self.assertEqual(
            self.kinesis.get_resource_policy(ResourceARN=stream_arn("s"))["Policy"], "{}")
        self.assertAwsError("InvalidArgumentException", self.kinesis.put_resource_policy,
                            ResourceARN=arn, Policy="[1]",
                            message="Policy is not a valid JSON policy document.")
        self.kinesis.delete_resource_policy(ResourceARN=arn)
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=arn)["Policy"], "{}")
        self.assertAwsError("ResourceNotFoundException", self.kinesis.delete_resource_policy,
                            ResourceARN=arn,
                            message=f"No resource policy found for resource ARN {arn}.")
        # A consumer that was never registered (or an old ARN of the name) is not found.
        ghost = f"{stream_arn('s')}/consumer/c1:1"
        for op, kw in ((self.kinesis.get_resource_policy, {}),
                       (self.kinesis.put_resource_policy, {"Policy": POLICY}),
                       (self.kinesis.delete_resource_policy, {})):
            self.assertAwsError("ResourceNotFoundException", op, ResourceARN=ghost, **kw,
                                message=f"Consumer {ghost} under account {ACCOUNT} not found.")

    def test_consumer_policy_survives_kill_and_goes_with_the_consumer(self):
        self.create_stream("s")
        arn = self.register("c1")
        self.kinesis.put_resource_policy(ResourceARN=arn, Policy=POLICY)
        self.kinesis.put_resource_policy(ResourceARN=stream_arn("s"), Policy='{"a": 1}')
        self.kill_server()
        self.start_server()
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=arn)["Policy"], POLICY)
        self.assertEqual(
            self.kinesis.get_resource_policy(ResourceARN=stream_arn("s"))["Policy"], '{"a": 1}')
        self.kinesis.deregister_stream_consumer(ConsumerARN=arn)
        self.assertAwsError("ResourceNotFoundException", self.kinesis.get_resource_policy,
                            ResourceARN=arn)
        # Registered again: a new consumer (new ARN) without the old policy.
        time.sleep(1.1)  # the ARN carries the creation second
        deadline = time.monotonic() + 10
        while True:
            try:
                arn2 = self.register("c1")
                break
            except Exception:  # the old one may still be DELETING
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.assertNotEqual(arn2, arn)
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=arn2)["Policy"], "{}")


class CliDescribeCreatingTest(CliTestCase):
    """`runnel describe-stream` still describes a CREATING stream (no shards yet) now that
    ListShards answers ResourceInUseException for it."""
    transition_ms = 3000

    def test_describe_creating_stream(self):
        self.ok("create-stream", "--stream", "slow", "--shards", "2", "--no-wait")
        res = self.ok("describe-stream", "--stream", "slow")
        self.assertIn("CREATING", res.stdout)
        doc = json.loads(self.ok("describe-stream", "--stream", "slow", "--json").stdout)
        self.assertEqual(doc["Shards"], [])
        self.wait_active("slow")
        doc = json.loads(self.ok("describe-stream", "--stream", "slow", "--json").stdout)
        self.assertEqual(len(doc["Shards"]), 2)


if __name__ == "__main__":
    unittest.main()
