"""PutRecord, PutRecords, GetShardIterator and GetRecords against the AWS reference."""

import datetime
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ACCOUNT, HASH_MAX, ServerTestCase, expected_hash_ranges,  # noqa: E402
                     md5_hash_key, shard_id, utcnow)

MIB = 1024 * 1024


class RecordsTest(ServerTestCase):

    def put(self, name, data, key="k", **kw):
        return self.kinesis.put_record(StreamName=name, Data=data, PartitionKey=key, **kw)

    def test_put_record_shape_and_sequence_numbers(self):
        self.create_stream("seq", 2)
        starting = {s["ShardId"]: int(s["SequenceNumberRange"]["StartingSequenceNumber"])
                    for s in self.shards("seq")}
        last = {}
        for i in range(60):
            r = self.put("seq", f"r{i}".encode(), key=f"key-{i}")
            self.assertEqual(set(r) - {"ResponseMetadata", "EncryptionType"},
                             {"ShardId", "SequenceNumber"})
            self.assertIn(r.get("EncryptionType", "NONE"), ("NONE",))
            sid, seq = r["ShardId"], r["SequenceNumber"]
            self.assertRegex(seq, r"^[1-9][0-9]{55}$")  # 56 decimal digits
            n = int(seq)
            self.assertEqual(n.bit_length(), 186)  # version 2 layout; KCL checks this
            self.assertEqual(n >> 184, 2)
            # KCL's SequenceNumberValidator decodes the shard index from bits 4..35.
            self.assertEqual(shard_id((n >> 4) & 0xFFFFFFFF), sid)
            self.assertGreater(n, starting[sid])
            if sid in last:
                self.assertGreater(n, last[sid], "sequence numbers must rise within a shard")
            last[sid] = n
        self.assertEqual(len(last), 2)

    def test_put_records_shape(self):
        self.create_stream("batch", 3)
        entries = [{"Data": f"d{i}".encode(), "PartitionKey": f"pk{i}"} for i in range(50)]
        r = self.kinesis.put_records(StreamName="batch", Records=entries)
        self.assertEqual(r["FailedRecordCount"], 0)
        self.assertEqual(len(r["Records"]), 50)
        ranges = dict(zip([shard_id(i) for i in range(3)], expected_hash_ranges(3)))
        for e, res in zip(entries, r["Records"]):
            self.assertNotIn("ErrorCode", res)
            self.assertRegex(res["SequenceNumber"], r"^[0-9]{56}$")
            lo, hi = ranges[res["ShardId"]]
            self.assertTrue(lo <= md5_hash_key(e["PartitionKey"]) <= hi)
        # Response order is request order: read back and match data by sequence number.
        by_seq = {}
        for recs in self.read_all("batch").values():
            for rec in recs:
                by_seq[rec["SequenceNumber"]] = rec["Data"]
        self.assertEqual([by_seq[res["SequenceNumber"]] for res in r["Records"]],
                         [e["Data"] for e in entries])

    def test_reference_routing_examples(self):
        self.create_stream("route3", 3)
        self.assertEqual(self.put("route3", b"x", key="a")["ShardId"], shard_id(0))
        self.assertEqual(self.put("route3", b"x", key="b")["ShardId"], shard_id(1))

    def test_explicit_hash_key(self):
        self.create_stream("ehk", 3)
        step = 2**128 // 3
        cases = [(0, 0), (step - 1, 0), (step, 1), (2 * step - 1, 1), (2 * step, 2),
                 (HASH_MAX, 2)]
        for ehk, want in cases:
            # The partition key alone would route to shard 0 ("a"); EHK overrides it.
            r = self.put("ehk", b"x", key="a", ExplicitHashKey=str(ehk))
            self.assertEqual(r["ShardId"], shard_id(want), f"EHK {ehk}")
        rs = self.kinesis.put_records(StreamName="ehk", Records=[
            {"Data": b"y", "PartitionKey": "a", "ExplicitHashKey": str(HASH_MAX)}])
        self.assertEqual(rs["Records"][0]["ShardId"], shard_id(2))
        too_big = str(2**128)
        self.assertAwsError(
            "InvalidArgumentException", self.put, "ehk", b"x", key="a", ExplicitHashKey=too_big,
            message="Invalid ExplicitHashKey. ExplicitHashKey must be in the range: "
                    f"[0, 2^128-1]. Specified value was {too_big}")
        self.assertAwsError("InvalidArgumentException", self.kinesis.put_records,
                            StreamName="ehk", Records=[{"Data": b"y", "PartitionKey": "a",
                                                        "ExplicitHashKey": too_big}])
        self.assertAwsError(
            "ValidationException", self.put, "ehk", b"x", key="a", ExplicitHashKey="abc",
            message="1 validation error detected: Value 'abc' at 'explicitHashKey' failed to "
                    "satisfy constraint: Member must satisfy regular expression pattern: "
                    "0|([1-9]\\d{0,38})")
        # Only the accepted puts are stored.
        self.assertEqual(sum(len(v) for v in self.read_all("ehk").values()), len(cases) + 1)

    def test_iterator_types(self):
        self.create_stream("its", 1)
        sh = shard_id(0)
        seqs = [self.put("its", f"r{i}".encode())["SequenceNumber"] for i in range(5)]

        def datas(recs):
            return [r["Data"].decode() for r in recs]

        self.assertEqual(datas(self.read_shard("its", sh, kind="TRIM_HORIZON")),
                         [f"r{i}" for i in range(5)])
        self.assertEqual(datas(self.read_shard("its", sh, kind="AT_SEQUENCE_NUMBER",
                                               StartingSequenceNumber=seqs[2])),
                         ["r2", "r3", "r4"])
        self.assertEqual(datas(self.read_shard("its", sh, kind="AFTER_SEQUENCE_NUMBER",
                                               StartingSequenceNumber=seqs[2])),
                         ["r3", "r4"])
        self.assertEqual(datas(self.read_shard("its", sh, kind="AFTER_SEQUENCE_NUMBER",
                                               StartingSequenceNumber=seqs[4])), [])
        # The shard's StartingSequenceNumber is a valid position before every record.
        start = self.shards("its")[0]["SequenceNumberRange"]["StartingSequenceNumber"]
        self.assertEqual(len(self.read_shard("its", sh, kind="AT_SEQUENCE_NUMBER",
                                             StartingSequenceNumber=start)), 5)

        latest = self.iterator("its", sh, "LATEST")
        resp = self.kinesis.get_records(ShardIterator=latest)
        self.assertEqual(resp["Records"], [])
        self.assertIn("NextShardIterator", resp)
        self.put("its", b"after-latest")
        # Both the LATEST iterator and the NextShardIterator from the empty read see it.
        self.assertEqual(datas(self.read_shard("its", sh, it=latest, expected=1)),
                         ["after-latest"])
        self.assertEqual(datas(self.read_shard("its", sh, it=resp["NextShardIterator"],
                                               expected=1)), ["after-latest"])
        # Iterators are positions: reusing one re-reads the same records.
        self.assertEqual(datas(self.read_shard("its", sh, it=latest, expected=1)),
                         ["after-latest"])

    def test_at_timestamp(self):
        self.create_stream("ts", 1)
        sh = shard_id(0)
        before = [self.put("ts", f"a{i}".encode())["SequenceNumber"] for i in range(3)]
        # boto3 sends whole seconds: pick the next whole second as the boundary.
        boundary = int(time.time()) + 1
        time.sleep(max(0.0, boundary - time.time()) + 0.05)
        for i in range(3):
            self.put("ts", f"b{i}".encode())
        t = datetime.datetime.fromtimestamp(boundary, datetime.timezone.utc)
        recs = self.read_shard("ts", sh, kind="AT_TIMESTAMP", Timestamp=t)
        self.assertEqual([r["Data"] for r in recs], [b"b0", b"b1", b"b2"])
        for r in recs:
            self.assertGreaterEqual(r["ApproximateArrivalTimestamp"], t)
        # Long ago = trim horizon.
        old = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)
        self.assertEqual(len(self.read_shard("ts", sh, kind="AT_TIMESTAMP", Timestamp=old)), 6)
        self.assertEqual(self.read_shard("ts", sh, kind="TRIM_HORIZON")[0]["SequenceNumber"],
                         before[0])
        # Millisecond precision with a fractional timestamp (as the JS SDK sends it): the
        # exact arrival time of b1 selects b1.
        all_recs = self.read_shard("ts", sh)
        b1 = all_recs[4]
        ts = b1["ApproximateArrivalTimestamp"].timestamp()
        status, doc = self.raw_json("GetShardIterator", {
            "StreamName": "ts", "ShardId": sh, "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": round(ts, 3)})
        self.assertEqual(status, 200, doc)
        got = self.kinesis.get_records(ShardIterator=doc["ShardIterator"])["Records"]
        first_at_or_after = [r for r in all_recs
                             if r["ApproximateArrivalTimestamp"].timestamp() >= round(ts, 3)]
        self.assertEqual([r["SequenceNumber"] for r in got],
                         [r["SequenceNumber"] for r in first_at_or_after])
        self.assertEqual(got[0]["SequenceNumber"], first_at_or_after[0]["SequenceNumber"])
        future = utcnow() + datetime.timedelta(hours=1)
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.get_shard_iterator, StreamName="ts",
            ShardId=sh, ShardIteratorType="AT_TIMESTAMP", Timestamp=future,
            message_prefix="The timestampInMillis parameter cannot be greater than the "
                           "currentTimestampInMillis. timestampInMillis: ")
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.get_shard_iterator, StreamName="ts",
            ShardId=sh, ShardIteratorType="AT_TIMESTAMP",
            message="Must specify timestampInMillis parameter for iterator of type "
                    "AT_TIMESTAMP. Current request has no timestamp parameter.")

    def test_get_records_limit_and_fields(self):
        self.create_stream("lim", 1)
        sh = shard_id(0)
        t0 = utcnow() - datetime.timedelta(seconds=5)
        seqs = [self.put("lim", f"r{i}".encode(), key=f"pk{i}")["SequenceNumber"]
                for i in range(10)]
        it = self.iterator("lim", sh)
        got = []
        for want in (3, 3, 3, 1):
            resp = self.kinesis.get_records(ShardIterator=it, Limit=3)
            self.assertEqual(len(resp["Records"]), want)
            self.assertIn("NextShardIterator", resp)
            self.assertIn("MillisBehindLatest", resp)
            self.assertGreaterEqual(resp["MillisBehindLatest"], 0)
            self.assertFalse(resp.get("ChildShards"), "ChildShards only at a closed shard's end")
            got += resp["Records"]
            it = resp["NextShardIterator"]
        self.assertEqual(resp["MillisBehindLatest"], 0)  # caught up
        # Caught up: empty page, still an iterator for the open shard.
        resp = self.kinesis.get_records(ShardIterator=it)
        self.assertEqual(resp["Records"], [])
        self.assertIn("NextShardIterator", resp)
        self.assertEqual(resp["MillisBehindLatest"], 0)
        self.assertEqual([r["SequenceNumber"] for r in got], seqs)
        for i, r in enumerate(got):
            self.assertEqual(r["Data"], f"r{i}".encode())
            self.assertEqual(r["PartitionKey"], f"pk{i}")
            ts = r["ApproximateArrivalTimestamp"]
            self.assertTrue(t0 <= ts <= utcnow() + datetime.timedelta(seconds=5), ts)
        # Limit 10000 is allowed; 10001 is not.
        self.assertEqual(len(self.kinesis.get_records(ShardIterator=self.iterator("lim", sh),
                                                      Limit=10000)["Records"]), 10)
        self.assertAwsError(
            "ValidationException", self.kinesis.get_records, ShardIterator=it, Limit=10001,
            message="1 validation error detected: Value '10001' at 'limit' failed to satisfy "
                    "constraint: Member must have value less than or equal to 10000")

    def test_large_answers_in_a_row_are_exact(self):
        # Answers above 256 KiB reuse the body of an earlier answer once it has been written
        # (common/buffer_pool.h). Each must hold exactly its own records: a longer answer
        # followed by a shorter one, then a long one again, on one connection.
        self.create_stream("big", 1)
        datas = [bytes([i % 251]) * 2000 + i.to_bytes(4, "big") for i in range(600)]
        for start in range(0, 600, 200):
            resp = self.kinesis.put_records(StreamName="big", Records=[
                {"Data": d, "PartitionKey": f"pk{start + j}"}
                for j, d in enumerate(datas[start:start + 200])])
            self.assertEqual(resp["FailedRecordCount"], 0)
        for offset, limit in ((0, 600), (450, 150), (10, 3), (0, 600), (200, 400)):
            it = self.iterator("big", shard_id(0))
            if offset:
                it = self.kinesis.get_records(ShardIterator=it, Limit=offset)["NextShardIterator"]
            recs = self.kinesis.get_records(ShardIterator=it, Limit=limit)["Records"]
            self.assertEqual([r["Data"] for r in recs], datas[offset:offset + limit], (offset, limit))
            self.assertEqual([r["PartitionKey"] for r in recs],
                             [f"pk{i}" for i in range(offset, offset + limit)])

    def test_binary_round_trip(self):
        self.create_stream("bin", 1)
        payloads = [bytes(range(256)), bytes(reversed(range(256))), b"", b"\x00", b"\xff" * 7]
        for p in payloads:
            self.put("bin", p)
        self.kinesis.put_records(StreamName="bin",
                                 Records=[{"Data": p, "PartitionKey": "k"} for p in payloads])
        recs = self.read_shard("bin", shard_id(0), expected=10)
        self.assertEqual([r["Data"] for r in recs], payloads + payloads)
        # Base64 on the wire: the raw JSON carries standard padded base64.
        status, doc = self.raw_json("GetRecords", {"ShardIterator": self.iterator("bin",
                                                                                  shard_id(0))})
        self.assertEqual(status, 200)
        import base64
        self.assertEqual(doc["Records"][0]["Data"], base64.b64encode(bytes(range(256))).decode())
        self.assertEqual(doc["Records"][2]["Data"], "")
        self.assertIsInstance(doc["Records"][0]["ApproximateArrivalTimestamp"], (int, float))

    def test_record_size_limit(self):
        self.create_stream("big", 1)
        key = "kk"
        exact = os.urandom(MIB - len(key))
        r = self.put("big", exact, key=key)
        with self.assertRaises(Exception) as cm:
            self.put("big", exact + b"x", key=key)
        err = getattr(cm.exception, "response", {}).get("Error", {})
        self.assertIn(err.get("Code"), ("ValidationException", "InvalidArgumentException"),
                      cm.exception)
        # Multibyte keys count in UTF-8 bytes: 'é' is 2 bytes.
        with self.assertRaises(Exception) as cm:
            self.put("big", os.urandom(MIB - 1), key="é")
        err = getattr(cm.exception, "response", {}).get("Error", {})
        self.assertIn(err.get("Code"), ("ValidationException", "InvalidArgumentException"))
        with self.assertRaises(Exception) as cm:
            self.kinesis.put_records(StreamName="big", Records=[
                {"Data": b"small", "PartitionKey": "k"},
                {"Data": exact + b"x", "PartitionKey": key}])
        err = getattr(cm.exception, "response", {}).get("Error", {})
        self.assertIn(err.get("Code"), ("ValidationException", "InvalidArgumentException"))
        recs = self.read_shard("big", shard_id(0))
        self.assertEqual(len(recs), 1)
        self.assertEqual(recs[0]["Data"], exact)
        self.assertEqual(recs[0]["SequenceNumber"], r["SequenceNumber"])

    def test_put_records_count_limits(self):
        self.create_stream("many", 2)
        recs = [{"Data": f"{i}".encode(), "PartitionKey": f"k{i}"} for i in range(500)]
        r = self.kinesis.put_records(StreamName="many", Records=recs)
        self.assertEqual(r["FailedRecordCount"], 0)
        self.assertEqual(len(r["Records"]), 500)
        self.assertEqual(len({x["SequenceNumber"] for x in r["Records"]}), 500)
        got = self.assertAwsError(
            "ValidationException", self.kinesis.put_records, StreamName="many",
            Records=recs + [{"Data": b"x", "PartitionKey": "k"}],
            message_contains="at 'records' failed to satisfy constraint: Member must have "
                             "length less than or equal to 500")
        self.assertTrue(got["Message"].startswith("1 validation error detected: Value '"),
                        got["Message"])
        # boto3 refuses an empty list client-side, so send it raw.
        status, _, body = self.raw("PutRecords", b'{"StreamName": "many", "Records": []}')
        self.assertRawError(status, body, "ValidationException",
                            message="1 validation error detected: Value '[]' at 'records' failed "
                                    "to satisfy constraint: Member must have length greater "
                                    "than or equal to 1")
        self.assertEqual(sum(len(v) for v in self.read_all("many").values()), 500)

    def test_sequence_number_for_ordering(self):
        self.create_stream("ord", 1)
        s1 = self.put("ord", b"one")["SequenceNumber"]
        s2 = self.put("ord", b"two", SequenceNumberForOrdering=s1)["SequenceNumber"]
        self.assertGreater(int(s2), int(s1))
        s3 = self.put("ord", b"three", SequenceNumberForOrdering=s2)["SequenceNumber"]
        self.assertGreater(int(s3), int(s2))
        # An older bound still yields a number above every earlier one.
        s4 = self.put("ord", b"four", SequenceNumberForOrdering=s1)["SequenceNumber"]
        self.assertGreater(int(s4), int(s3))
        self.assertAwsError(
            "ValidationException", self.put, "ord", b"x", SequenceNumberForOrdering="abc",
            message="1 validation error detected: Value 'abc' at 'sequenceNumberForOrdering' "
                    "failed to satisfy constraint: Member must satisfy regular expression "
                    "pattern: 0|([1-9]\\d{0,128})")
        recs = self.read_shard("ord", shard_id(0))
        self.assertEqual([r["Data"] for r in recs], [b"one", b"two", b"three", b"four"])

    def test_get_shard_iterator_argument_rules(self):
        self.create_stream("gsi", 2)
        seq0 = self.put("gsi", b"x", ExplicitHashKey="0")["SequenceNumber"]
        seq1 = self.put("gsi", b"y", ExplicitHashKey=str(HASH_MAX))["SequenceNumber"]
        gsi = self.kinesis.get_shard_iterator
        base = ("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
                "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no "
                "StartingSequenceNumber. Request specified ")
        self.assertAwsError("InvalidArgumentException", gsi, StreamName="gsi",
                            ShardId=shard_id(0), ShardIteratorType="AT_SEQUENCE_NUMBER",
                            message=base + "AT_SEQUENCE_NUMBER and no StartingSequenceNumber.")
        self.assertAwsError("InvalidArgumentException", gsi, StreamName="gsi",
                            ShardId=shard_id(0), ShardIteratorType="TRIM_HORIZON",
                            StartingSequenceNumber=seq0,
                            message=base + "TRIM_HORIZON and also a StartingSequenceNumber.")
        self.assertAwsError(
            "InvalidArgumentException", gsi, StreamName="gsi", ShardId=shard_id(0),
            ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=seq1,
            message="Invalid StartingSequenceNumber. It encodes shardId-000000000001, while it "
                    "was used in a call to a shard with shardId-000000000000")
        # A well-formed decimal that is no sequence number of this shard: the reference has
        # two messages for this family; either is acceptable.
        got = self.assertAwsError(
            "InvalidArgumentException", gsi, StreamName="gsi", ShardId=shard_id(0),
            ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber="1234567890")
        self.assertTrue(
            got["Message"].startswith(
                "StartingSequenceNumber 1234567890 used in GetShardIterator on shard "
                f"shardId-000000000000 in stream gsi under account {ACCOUNT} is invalid")
            or got["Message"].startswith("Invalid StartingSequenceNumber. It encodes "),
            got["Message"])
        self.assertAwsError(
            "ResourceNotFoundException", gsi, StreamName="gsi", ShardId=shard_id(9),
            ShardIteratorType="TRIM_HORIZON",
            message=f"Shard shardId-000000000009 in stream gsi under account {ACCOUNT} does "
                    "not exist")
        # The enum listing's order is not pinned (AWS prints a Java set); its members are.
        got = self.assertAwsError(
            "ValidationException", gsi, StreamName="gsi", ShardId=shard_id(0),
            ShardIteratorType="NOPE",
            message_prefix="1 validation error detected: Value 'NOPE' at 'shardIteratorType' "
                           "failed to satisfy constraint: Member must satisfy enum value set: [")
        listed = got["Message"].split("enum value set: [", 1)[1]
        self.assertTrue(listed.endswith("]"), got["Message"])
        self.assertEqual(sorted(listed[:-1].split(", ")),
                         sorted(["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON",
                                 "LATEST", "AT_TIMESTAMP"]))
        # A sequence number from another stream's shard 0 (created in a later second, so
        # the shard creation time it encodes differs).
        time.sleep(1.1)
        self.create_stream("gsi-other", 1)
        other = self.put("gsi-other", b"z")["SequenceNumber"]
        self.assertAwsError(
            "InvalidArgumentException", gsi, StreamName="gsi", ShardId=shard_id(0),
            ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=other,
            message_prefix=f"StartingSequenceNumber {other} used in GetShardIterator on shard "
                           f"shardId-000000000000 in stream gsi under account {ACCOUNT} is "
                           "invalid")


if __name__ == "__main__":
    unittest.main()
