"""Stream lifecycle, hash ranges, ARNs, modes and pagination of the control plane."""

import datetime
import os
import resource
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import (ACCOUNT, HASH_MAX, ServerTestCase, expected_hash_ranges,  # noqa: E402
                     shard_id, stream_arn, utcnow)


class StreamLifecycleTest(ServerTestCase):
    # Long enough to observe CREATING and DELETING reliably, short enough to keep tests fast.
    transition_ms = 400

    def summary(self, name):
        return self.kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]

    def test_creating_then_active_then_deleting_then_gone(self):
        before = utcnow() - datetime.timedelta(seconds=5)
        self.kinesis.create_stream(StreamName="life", ShardCount=2)
        s = self.summary("life")
        self.assertEqual(s["StreamStatus"], "CREATING")
        # DescribeStream works while CREATING; data-plane calls do not.
        d = self.kinesis.describe_stream(StreamName="life")["StreamDescription"]
        self.assertEqual(d["StreamStatus"], "CREATING")
        self.assertAwsError("ResourceNotFoundException", self.kinesis.put_record,
                            StreamName="life", Data=b"x", PartitionKey="k")
        self.assertIn("life", self.kinesis.list_streams()["StreamNames"])
        self.wait_active("life")

        s = self.summary("life")
        self.assertEqual(s["StreamName"], "life")
        self.assertEqual(s["StreamARN"], stream_arn("life"))
        self.assertEqual(s["StreamStatus"], "ACTIVE")
        self.assertEqual(s["RetentionPeriodHours"], 24)
        self.assertEqual(s["OpenShardCount"], 2)
        self.assertEqual(s["StreamModeDetails"], {"StreamMode": "PROVISIONED"})
        self.assertEqual(s["EnhancedMonitoring"], [{"ShardLevelMetrics": []}])
        self.assertIn(s.get("EncryptionType", "NONE"), ("NONE",))
        created = s["StreamCreationTimestamp"]
        self.assertIsInstance(created, datetime.datetime)
        self.assertTrue(before <= created <= utcnow() + datetime.timedelta(seconds=5), created)

        d = self.kinesis.describe_stream(StreamName="life")["StreamDescription"]
        self.assertEqual(d["StreamName"], "life")
        self.assertEqual(d["StreamARN"], stream_arn("life"))
        self.assertEqual(d["StreamStatus"], "ACTIVE")
        self.assertFalse(d["HasMoreShards"])
        self.assertEqual(d["RetentionPeriodHours"], 24)
        self.assertEqual(d["EnhancedMonitoring"], [{"ShardLevelMetrics": []}])
        self.assertEqual([sh["ShardId"] for sh in d["Shards"]], [shard_id(0), shard_id(1)])
        self.assertEqual(d["StreamCreationTimestamp"], created)

        self.kinesis.delete_stream(StreamName="life")
        try:
            self.assertEqual(self.summary("life")["StreamStatus"], "DELETING")
            # The name stays taken while DELETING.
            self.assertAwsError("ResourceInUseException", self.kinesis.create_stream,
                                StreamName="life", ShardCount=1,
                                message=f"Stream life under account {ACCOUNT} already exists.")
        except ClientError as e:  # gone already is acceptable only if the window was missed
            self.assertEqual(e.response["Error"]["Code"], "ResourceNotFoundException")
        self.wait_gone("life")
        self.assertAwsError("ResourceNotFoundException", self.kinesis.describe_stream,
                            StreamName="life",
                            message=f"Stream life under account {ACCOUNT} not found.")
        self.assertNotIn("life", self.kinesis.list_streams()["StreamNames"])
        # The name can be reused; the new stream starts empty.
        self.create_stream("life", 1)
        self.assertEqual(self.read_shard("life", shard_id(0)), [])

    def test_delete_while_creating(self):
        self.kinesis.create_stream(StreamName="short", ShardCount=1)
        self.kinesis.delete_stream(StreamName="short")
        self.wait_gone("short")
        self.assertNotIn("short", self.kinesis.list_streams()["StreamNames"])


class WideStreamCreationTest(ServerTestCase):
    """CreateStream of many shards returns at once, as on AWS: the shard logs are created in
    the background while the stream is CREATING, and other requests are served meanwhile."""

    transition_ms = 0  # so CREATING can only mean "shard logs not created yet"

    def test_wide_stream_is_creating_until_its_shards_exist(self):
        count = 1500
        started = time.monotonic()
        self.kinesis.create_stream(StreamName="wide", ShardCount=count)
        returned = time.monotonic() - started
        status = self.kinesis.describe_stream_summary(
            StreamName="wide")["StreamDescriptionSummary"]["StreamStatus"]
        self.assertEqual(status, "CREATING", f"CreateStream took {returned:.3f} s")
        self.assertAwsError("ResourceNotFoundException", self.kinesis.put_record,
                            StreamName="wide", Data=b"x", PartitionKey="k")
        # Another stream can be created and used while the wide one is still being made.
        self.create_stream("narrow", 1)
        self.kinesis.put_record(StreamName="narrow", Data=b"n", PartitionKey="k")
        self.assertEqual(self.read_shard("narrow", shard_id(0))[0]["Data"], b"n")

        self.wait_active("wide", timeout=120)
        page = self.kinesis.list_shards(StreamName="wide")
        shards = page["Shards"]
        while page.get("NextToken"):  # NextToken alone, as AWS requires
            page = self.kinesis.list_shards(NextToken=page["NextToken"])
            shards += page["Shards"]
        self.assertEqual(len(shards), count)
        last = shards[-1]
        put = self.kinesis.put_record(StreamName="wide", Data=b"edge", PartitionKey="k",
                                      ExplicitHashKey=str(HASH_MAX))
        self.assertEqual(put["ShardId"], last["ShardId"])
        self.assertEqual(self.read_shard("wide", last["ShardId"])[0]["Data"], b"edge")
        self.assertIn(f"{count} shard logs created in", self.server_log(since_start=True))


class StreamTest(ServerTestCase):

    def test_duplicate_create(self):
        self.create_stream("dup", 1)
        self.assertAwsError("ResourceInUseException", self.kinesis.create_stream,
                            StreamName="dup", ShardCount=3,
                            message=f"Stream dup under account {ACCOUNT} already exists.")
        # Unchanged: still one shard.
        self.assertEqual(len(self.shards("dup")), 1)

    def test_hash_ranges_are_exact(self):
        for n in (1, 2, 3, 4, 7):
            name = f"ranges-{n}"
            self.create_stream(name, n)
            shards = self.kinesis.describe_stream(StreamName=name)["StreamDescription"]["Shards"]
            self.assertEqual([s["ShardId"] for s in shards], [shard_id(i) for i in range(n)])
            got = [(int(s["HashKeyRange"]["StartingHashKey"]),
                    int(s["HashKeyRange"]["EndingHashKey"])) for s in shards]
            self.assertEqual(got, expected_hash_ranges(n), f"{n} shards")
            for s in shards:
                # Decimal strings without leading zeros.
                for k in ("StartingHashKey", "EndingHashKey"):
                    v = s["HashKeyRange"][k]
                    self.assertEqual(v, str(int(v)))
                self.assertNotIn("ParentShardId", s)
                self.assertNotIn("AdjacentParentShardId", s)
                self.assertIn("StartingSequenceNumber", s["SequenceNumberRange"])
                self.assertNotIn("EndingSequenceNumber", s["SequenceNumberRange"])
            self.assertEqual(got[0][0], 0)
            self.assertEqual(got[-1][1], HASH_MAX)
            # Same ranges from ListShards.
            ls = self.shards(name)
            self.assertEqual([(int(s["HashKeyRange"]["StartingHashKey"]),
                               int(s["HashKeyRange"]["EndingHashKey"])) for s in ls], got)
        # Spot values from the reference.
        three = expected_hash_ranges(3)
        self.assertEqual(three[0][1], 113427455640312821154458202477256070484)
        self.assertEqual(expected_hash_ranges(4)[0][1], 85070591730234615865843651857942052863)

    def test_stream_arn_accepted_everywhere(self):
        self.create_stream("arny", 2)
        arn = stream_arn("arny")
        s = self.kinesis.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]
        self.assertEqual(s["StreamName"], "arny")
        self.assertEqual(s["StreamARN"], arn)
        d = self.kinesis.describe_stream(StreamARN=arn)["StreamDescription"]
        self.assertEqual(len(d["Shards"]), 2)
        self.assertEqual(len(self.kinesis.list_shards(StreamARN=arn)["Shards"]), 2)
        r = self.kinesis.put_record(StreamARN=arn, Data=b"via-arn", PartitionKey="k")
        rs = self.kinesis.put_records(StreamARN=arn, Records=[{"Data": b"b", "PartitionKey": "k"}])
        self.assertEqual(rs.get("FailedRecordCount", 0), 0)
        it = self.kinesis.get_shard_iterator(StreamARN=arn, ShardId=r["ShardId"],
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        recs = self.kinesis.get_records(ShardIterator=it, StreamARN=arn)["Records"]
        self.assertEqual([x["Data"] for x in recs], [b"via-arn", b"b"])
        lst = self.kinesis.list_streams()
        self.assertIn({"StreamName": "arny", "StreamARN": arn},
                      [{k: x[k] for k in ("StreamName", "StreamARN")}
                       for x in lst.get("StreamSummaries", [])])
        # An ARN naming a stream that does not exist.
        self.assertAwsError("ResourceNotFoundException", self.kinesis.describe_stream_summary,
                            StreamARN=stream_arn("nope"),
                            message=f"Stream nope under account {ACCOUNT} not found.")
        self.kinesis.delete_stream(StreamARN=arn)
        self.wait_gone("arny")

    def test_on_demand(self):
        self.kinesis.create_stream(StreamName="od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        self.wait_active("od")
        s = self.kinesis.describe_stream_summary(StreamName="od")["StreamDescriptionSummary"]
        self.assertEqual(s["StreamModeDetails"], {"StreamMode": "ON_DEMAND"})
        self.assertGreaterEqual(s["OpenShardCount"], 1)
        shards = self.shards("od")
        self.assertEqual(len(shards), s["OpenShardCount"])
        got = [(int(x["HashKeyRange"]["StartingHashKey"]), int(x["HashKeyRange"]["EndingHashKey"]))
               for x in shards]
        self.assertEqual(got, expected_hash_ranges(len(shards)))
        r = self.kinesis.put_record(StreamName="od", Data=b"x", PartitionKey="k")
        self.assertIn(r["ShardId"], [x["ShardId"] for x in shards])
        lst = self.kinesis.list_streams()
        modes = {x["StreamName"]: x.get("StreamModeDetails") for x in lst["StreamSummaries"]}
        self.assertEqual(modes["od"], {"StreamMode": "ON_DEMAND"})

    def test_list_streams_pagination(self):
        names = ["p-a", "p-b", "p-c", "p-d", "p-e"]
        for n in reversed(names):
            self.create_stream(n, 1)
        full = self.kinesis.list_streams()
        self.assertEqual(full["StreamNames"], names)  # lexicographic
        self.assertFalse(full["HasMoreStreams"])
        self.assertNotIn("NextToken", full)
        self.assertEqual([x["StreamName"] for x in full["StreamSummaries"]], names)
        for x in full["StreamSummaries"]:
            self.assertEqual(x["StreamARN"], stream_arn(x["StreamName"]))
            self.assertEqual(x["StreamStatus"], "ACTIVE")

        p1 = self.kinesis.list_streams(Limit=2)
        self.assertEqual(p1["StreamNames"], names[:2])
        self.assertTrue(p1["HasMoreStreams"])
        self.assertIn("NextToken", p1)  # present whenever HasMoreStreams
        self.assertEqual([x["StreamName"] for x in p1["StreamSummaries"]], names[:2])
        p2 = self.kinesis.list_streams(NextToken=p1["NextToken"], Limit=2)
        self.assertEqual(p2["StreamNames"], names[2:4])
        self.assertTrue(p2["HasMoreStreams"])
        p3 = self.kinesis.list_streams(NextToken=p2["NextToken"], Limit=2)
        self.assertEqual(p3["StreamNames"], names[4:])
        self.assertFalse(p3["HasMoreStreams"])
        self.assertNotIn("NextToken", p3)

        e = self.kinesis.list_streams(ExclusiveStartStreamName="p-b", Limit=2)
        self.assertEqual(e["StreamNames"], ["p-c", "p-d"])
        self.assertTrue(e["HasMoreStreams"])
        e = self.kinesis.list_streams(ExclusiveStartStreamName="p-bb")  # need not exist
        self.assertEqual(e["StreamNames"], ["p-c", "p-d", "p-e"])
        self.assertFalse(e["HasMoreStreams"])
        e = self.kinesis.list_streams(ExclusiveStartStreamName="p-e")
        self.assertEqual(e["StreamNames"], [])
        self.assertFalse(e["HasMoreStreams"])

        pages = list(self.kinesis.get_paginator("list_streams").paginate(
            PaginationConfig={"PageSize": 2}))
        self.assertEqual(len(pages), 3)
        self.assertEqual(sum((p["StreamNames"] for p in pages), []), names)

    def test_describe_stream_pagination(self):
        self.create_stream("ds", 7)
        p = self.kinesis.describe_stream(StreamName="ds", Limit=3)["StreamDescription"]
        self.assertEqual([s["ShardId"] for s in p["Shards"]], [shard_id(i) for i in range(3)])
        self.assertTrue(p["HasMoreShards"])
        p = self.kinesis.describe_stream(StreamName="ds", Limit=3,
                                         ExclusiveStartShardId=shard_id(2))["StreamDescription"]
        self.assertEqual([s["ShardId"] for s in p["Shards"]], [shard_id(i) for i in range(3, 6)])
        self.assertTrue(p["HasMoreShards"])
        p = self.kinesis.describe_stream(StreamName="ds", Limit=3,
                                         ExclusiveStartShardId=shard_id(5))["StreamDescription"]
        self.assertEqual([s["ShardId"] for s in p["Shards"]], [shard_id(6)])
        self.assertFalse(p["HasMoreShards"])
        p = self.kinesis.describe_stream(StreamName="ds")["StreamDescription"]
        self.assertEqual(len(p["Shards"]), 7)
        self.assertFalse(p["HasMoreShards"])
        pages = list(self.kinesis.get_paginator("describe_stream").paginate(
            StreamName="ds", PaginationConfig={"PageSize": 2}))
        self.assertEqual(len(pages), 4)
        ids = [s["ShardId"] for pg in pages for s in pg["StreamDescription"]["Shards"]]
        self.assertEqual(ids, [shard_id(i) for i in range(7)])
        status, _, body = self.raw("DescribeStream", b'{"StreamName": "ds", "Limit": 0}')
        self.assertRawError(status, body, "ValidationException",
                            message="1 validation error detected: Value '0' at 'limit' failed to "
                                    "satisfy constraint: Member must have value greater than or "
                                    "equal to 1")

    def test_list_shards_pagination_and_filters(self):
        self.create_stream("ls", 7)
        all_ids = [shard_id(i) for i in range(7)]
        r = self.kinesis.list_shards(StreamName="ls")
        self.assertEqual([s["ShardId"] for s in r["Shards"]], all_ids)
        self.assertNotIn("NextToken", r)  # only when more remain

        r = self.kinesis.list_shards(StreamName="ls", MaxResults=3)
        self.assertEqual([s["ShardId"] for s in r["Shards"]], all_ids[:3])
        tok = r["NextToken"]
        self.assertAwsError("InvalidArgumentException", self.kinesis.list_shards,
                            StreamName="ls", NextToken=tok,
                            message="NextToken and StreamName cannot be provided together.")
        r = self.kinesis.list_shards(NextToken=tok, MaxResults=3)
        self.assertEqual([s["ShardId"] for s in r["Shards"]], all_ids[3:6])
        r = self.kinesis.list_shards(NextToken=r["NextToken"], MaxResults=3)
        self.assertEqual([s["ShardId"] for s in r["Shards"]], all_ids[6:])
        self.assertNotIn("NextToken", r)

        r = self.kinesis.list_shards(StreamName="ls", ExclusiveStartShardId=shard_id(4))
        self.assertEqual([s["ShardId"] for s in r["Shards"]], all_ids[5:])

        # (boto3's list_shards paginator repeats StreamName next to NextToken, which AWS
        # rejects as above, so paging is checked by hand.)
        ids, r = [], self.kinesis.list_shards(StreamName="ls", MaxResults=2)
        while True:
            ids += [s["ShardId"] for s in r["Shards"]]
            if "NextToken" not in r:
                break
            r = self.kinesis.list_shards(NextToken=r["NextToken"], MaxResults=2)
        self.assertEqual(ids, all_ids)

        for ftype in ("AT_LATEST", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON"):
            r = self.kinesis.list_shards(StreamName="ls", ShardFilter={"Type": ftype})
            self.assertEqual([s["ShardId"] for s in r["Shards"]], all_ids, ftype)
        r = self.kinesis.list_shards(StreamName="ls", ShardFilter={"Type": "AFTER_SHARD_ID",
                                                                   "ShardId": shard_id(2)})
        self.assertEqual([s["ShardId"] for s in r["Shards"]], all_ids[3:])
        r = self.kinesis.list_shards(StreamName="ls", ShardFilter={"Type": "AT_TIMESTAMP",
                                                                   "Timestamp": utcnow()})
        self.assertEqual([s["ShardId"] for s in r["Shards"]], all_ids)

        with self.assertRaises(ClientError) as cm:  # AFTER_SHARD_ID needs its ShardId
            self.kinesis.list_shards(StreamName="ls", ShardFilter={"Type": "AFTER_SHARD_ID"})
        self.assertIn(cm.exception.response["Error"]["Code"],
                      ("InvalidArgumentException", "ValidationException"))
        self.assertAwsError("InvalidArgumentException", self.kinesis.list_shards,
                            message="Either NextToken or StreamName should be provided.")
        self.assertAwsError("ResourceNotFoundException", self.kinesis.list_shards,
                            StreamName="nope",
                            message=f"Stream nope under account {ACCOUNT} not found.")

    def test_tricky_names_are_distinct_and_survive_restart(self):
        names = [".", "..", "a.b", "A", "a", "_", "-", "x" * 128]
        for n in names:
            self.create_stream(n, 1)
        for n in names:
            self.kinesis.put_record(StreamName=n, Data=f"data of {n}".encode(), PartitionKey="k")

        def check():
            self.assertEqual(sorted(self.stream_names()), sorted(names))
            for n in names:
                s = self.kinesis.describe_stream_summary(StreamName=n)["StreamDescriptionSummary"]
                self.assertEqual(s["StreamName"], n)
                self.assertEqual(s["StreamARN"], stream_arn(n))
                recs = self.read_shard(n, shard_id(0))
                self.assertEqual([r["Data"] for r in recs], [f"data of {n}".encode()], n)

        check()
        # Nothing was written outside the data dir (".." must not escape it).
        self.assertEqual(sorted(os.listdir(self.tmp)), ["data", "server.log"])
        self.restart_server()
        check()
        self.kinesis.delete_stream(StreamName="..")
        self.wait_gone("..")
        self.assertEqual(sorted(self.stream_names()), sorted(set(names) - {".."}))
        self.restart_server()
        self.assertEqual(sorted(self.stream_names()), sorted(set(names) - {".."}))
        self.assertEqual(self.read_shard(".", shard_id(0))[0]["Data"], b"data of .")


class OpenFileLimitTest(ServerTestCase):
    """Each shard keeps its segment file open. Started with Debian's usual soft limit
    lowered further (256), the server raises it to the hard limit, so a stream with more
    shards than that works instead of failing with EMFILE (an InternalFailure)."""

    SOFT = 256

    def start_server(self, extra_args=None):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 4 * self.SOFT:
            self.skipTest(f"hard open-files limit {hard} too low for this test")
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.SOFT, hard))
        try:
            super().start_server(extra_args)  # the server inherits the low soft limit
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    def test_stream_with_more_shards_than_the_inherited_soft_limit(self):
        with open(f"/proc/{self.server.proc.pid}/limits") as f:
            line = next(l for l in f if l.startswith("Max open files"))
        self.assertGreater(int(line.split()[3]), 2 * self.SOFT, line)
        self.assertIn(f"open files limit raised from {self.SOFT}", self.server_log(since_start=True))

        count = 2 * self.SOFT
        self.kinesis.create_stream(StreamName="wide", ShardCount=count)
        self.wait_active("wide", timeout=60)
        shards = self.kinesis.list_shards(StreamName="wide", MaxResults=1000)["Shards"]
        self.assertEqual(len(shards), count)
        # Write to the last shard and read it back: its log really is open.
        last = shards[-1]
        put = self.kinesis.put_record(StreamName="wide", Data=b"edge", PartitionKey="k",
                                      ExplicitHashKey=last["HashKeyRange"]["StartingHashKey"])
        self.assertEqual(put["ShardId"], last["ShardId"])
        self.assertEqual(self.read_shard("wide", last["ShardId"])[0]["Data"], b"edge")


if __name__ == "__main__":
    unittest.main()
