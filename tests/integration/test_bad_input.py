"""Bad input: every case gets an AWS-shaped error, changes nothing, and the server keeps serving.

Wire-level cases use the harness's raw signed HTTP requests, since boto3 cannot express them.
"""

import base64
import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ACCOUNT, JSON_CT, ServerTestCase, shard_id, sign_headers,  # noqa: E402
                     stream_arn)

# Every operation of the current API model (kinesis-api.md §2).
ALL_ACTIONS = """AddTagsToStream CreateStream DecreaseStreamRetentionPeriod DeleteResourcePolicy
DeleteStream DeregisterStreamConsumer DescribeAccountSettings DescribeLimits DescribeStream
DescribeStreamConsumer DescribeStreamSummary DisableEnhancedMonitoring EnableEnhancedMonitoring
GetRecords GetResourcePolicy GetShardIterator IncreaseStreamRetentionPeriod ListShards
ListStreamConsumers ListStreams ListTagsForResource ListTagsForStream MergeShards PutRecord
PutRecords PutResourcePolicy RegisterStreamConsumer RemoveTagsFromStream SplitShard
StartStreamEncryption StopStreamEncryption SubscribeToShard TagResource UntagResource
UpdateAccountSettings UpdateMaxRecordSize UpdateShardCount UpdateStreamMode
UpdateStreamWarmThroughput""".split()

NOT_FOUND = "Stream {} under account " + ACCOUNT + " not found."


def val_msg(*items):
    n = len(items)
    return (f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(items))


class BadInputTest(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.create_stream("bad", 2)
        self.kinesis.put_records(StreamName="bad", Records=[
            {"Data": f"keep-{i}".encode(), "PartitionKey": f"k{i}"} for i in range(6)])
        self.snapshot = self.state()

    def state(self):
        """What a rejected request must not change: streams, their shards and records."""
        out = {}
        for name in self.stream_names():
            d = self.kinesis.describe_stream(StreamName=name)["StreamDescription"]
            recs = {sid: [(r["SequenceNumber"], r["Data"]) for r in rs]
                    for sid, rs in self.read_all(name).items()}
            out[name] = (d["StreamStatus"], [s["ShardId"] for s in d["Shards"]], recs)
        return out

    def assertUnchanged(self):
        self.assertEqual(self.state(), self.snapshot)

    def post(self, target, body, **kw):
        return self.raw(target, body, **kw)

    # ---- framework errors --------------------------------------------------------------

    def test_malformed_json(self):
        for body in (b'{"StreamName": ', b"{", b"not json", b'{"StreamName": "bad",}', b"\xff\xfe",
                     b"[]", b'"str"', b"123", b"null"):
            status, _, resp = self.post("DescribeStreamSummary", body)
            self.assertRawError(status, resp, "SerializationException")
        status, _, resp = self.post("CreateStream", b'{"StreamName": "x", "ShardCount": 1')
        self.assertRawError(status, resp, "SerializationException")
        self.assertUnchanged()

    def test_empty_body(self):
        status, _, resp = self.post("PutRecord", b"")
        self.assertRawError(status, resp, "SerializationException")
        status, _, resp = self.post("CreateStream", b"")
        self.assertRawError(status, resp, "SerializationException")
        self.assertUnchanged()

    def test_wrong_types(self):
        status, _, resp = self.post("CreateStream", b'{"StreamName": "x", "ShardCount": "x"}')
        doc = self.assertRawError(status, resp, "SerializationException")
        # SerializationException carries its text under "Message" (capital M).
        self.assertEqual(doc.get("Message"),
                         "class java.lang.String can not be converted to an Integer", doc)
        status, _, resp = self.post("DescribeStream", b'{"StreamName": true}')
        self.assertRawError(status, resp, "SerializationException",
                            message="class java.lang.Boolean can not be converted to an String")
        status, _, resp = self.post("DescribeStream", b'{"StreamName": 12}')
        self.assertRawError(status, resp, "SerializationException")
        status, _, resp = self.post("DescribeStream", b'{"StreamName": {"a": 1}}')
        self.assertRawError(status, resp, "SerializationException")
        status, _, resp = self.post("DescribeStream", b'{"StreamName": ["bad"]}')
        self.assertRawError(status, resp, "SerializationException")
        status, _, resp = self.post("PutRecords", b'{"StreamName": "bad", "Records": {"a": 1}}')
        self.assertRawError(status, resp, "SerializationException")
        status, _, resp = self.post("PutRecords", b'{"StreamName": "bad", "Records": "x"}')
        self.assertRawError(status, resp, "SerializationException")
        # Bad base64 in a blob.
        status, _, resp = self.post("PutRecord",
                                    b'{"StreamName": "bad", "PartitionKey": "k", "Data": "abc"}')
        self.assertRawError(status, resp, "SerializationException",
                            message="'abc' can not be converted to a Blob: Base64 encoded length "
                                    "is expected a multiple of 4 bytes but found: 3")
        status, _, resp = self.post("PutRecord",
                                    b'{"StreamName": "bad", "PartitionKey": "k", "Data": "ab!="}')
        doc = self.assertRawError(status, resp, "SerializationException")
        self.assertIn("Invalid Base64 character: '!'",
                      doc.get("Message", doc.get("message", "")))
        self.assertUnchanged()

    def test_null_member_is_absent_and_unknown_members_ignored(self):
        status, _, resp = self.post("DescribeStreamSummary",
                                    b'{"StreamName": "bad", "StreamARN": null, "Bogus": 1}')
        self.assertEqual(status, 200, resp)
        self.assertEqual(json.loads(resp)["StreamDescriptionSummary"]["StreamName"], "bad")

    def test_missing_required_members(self):
        cases = [
            ("CreateStream", {"ShardCount": 1},
             val_msg("Value null at 'streamName' failed to satisfy constraint: "
                     "Member must not be null")),
            ("PutRecord", {"StreamName": "bad", "Data": "AA=="},
             val_msg("Value null at 'partitionKey' failed to satisfy constraint: "
                     "Member must not be null")),
            ("PutRecord", {"StreamName": "bad", "PartitionKey": "k"},
             val_msg("Value null at 'data' failed to satisfy constraint: "
                     "Member must not be null")),
            ("GetRecords", {},
             val_msg("Value null at 'shardIterator' failed to satisfy constraint: "
                     "Member must not be null")),
            ("GetShardIterator", {"StreamName": "bad", "ShardId": shard_id(0)},
             val_msg("Value null at 'shardIteratorType' failed to satisfy constraint: "
                     "Member must not be null")),
            ("PutRecords", {"StreamName": "bad"},
             val_msg("Value null at 'records' failed to satisfy constraint: "
                     "Member must not be null")),
            ("PutRecords", {"StreamName": "bad", "Records": [{"Data": "AA=="}]},
             val_msg("Value null at 'records.1.member.partitionKey' failed to satisfy "
                     "constraint: Member must not be null")),
        ]
        for target, body, msg in cases:
            status, doc = self.raw_json(target, body)
            self.assertEqual(status, 400, (target, body, doc))
            self.assertEqual(doc.get("__type"), "ValidationException", (target, body, doc))
            self.assertEqual(doc.get("message"), msg, (target, body))
        self.assertUnchanged()

    def test_constraint_violations(self):
        status, doc = self.raw_json("CreateStream", {"StreamName": "bad name!", "ShardCount": 0})
        self.assertEqual(status, 400)
        self.assertEqual(doc.get("__type"), "ValidationException")
        self.assertEqual(
            doc.get("message"),
            "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1; Value 'bad name!' "
            "at 'streamName' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [a-zA-Z0-9_.-]+")
        long_name = "n" * 129
        cases = [
            ("DescribeStream", {"StreamName": long_name},
             val_msg(f"Value '{long_name}' at 'streamName' failed to satisfy constraint: "
                     "Member must have length less than or equal to 128")),
            ("CreateStream", {"StreamName": "ok", "ShardCount": 1,
                              "StreamModeDetails": {"StreamMode": "SOMETIMES"}},
             None),
            ("PutRecord", {"StreamName": "bad", "Data": "AA==", "PartitionKey": ""},
             val_msg("Value '' at 'partitionKey' failed to satisfy constraint: "
                     "Member must have length greater than or equal to 1")),
            ("PutRecord", {"StreamName": "bad", "Data": "AA==", "PartitionKey": "p" * 257},
             val_msg(f"Value '{'p' * 257}' at 'partitionKey' failed to satisfy constraint: "
                     "Member must have length less than or equal to 256")),
            ("ListStreams", {"Limit": 0},
             val_msg("Value '0' at 'limit' failed to satisfy constraint: "
                     "Member must have value greater than or equal to 1")),
            ("ListStreams", {"Limit": 10001},
             val_msg("Value '10001' at 'limit' failed to satisfy constraint: "
                     "Member must have value less than or equal to 10000")),
            ("GetRecords", {"ShardIterator": ""},
             val_msg("Value '' at 'shardIterator' failed to satisfy constraint: "
                     "Member must have length greater than or equal to 1")),
            ("GetShardIterator", {"StreamName": "bad", "ShardId": shard_id(0),
                                  "ShardIteratorType": "AT_SEQUENCE_NUMBER",
                                  "StartingSequenceNumber": "01"},
             val_msg("Value '01' at 'startingSequenceNumber' failed to satisfy constraint: "
                     "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})")),
            ("PutRecords", {"StreamName": "bad", "Records": [
                {"Data": "AA==", "PartitionKey": "ok"}, {"Data": "AA==", "PartitionKey": ""}]},
             val_msg("Value '' at 'records.2.member.partitionKey' failed to satisfy constraint: "
                     "Member must have length greater than or equal to 1")),
        ]
        for target, body, msg in cases:
            status, doc = self.raw_json(target, body)
            self.assertEqual(status, 400, (target, doc))
            self.assertEqual(doc.get("__type"), "ValidationException", (target, doc))
            if msg is not None:
                self.assertEqual(doc.get("message"), msg, target)
        self.assertUnchanged()

    def test_arn_pattern_enforced(self):
        status, doc = self.raw_json("DescribeStreamSummary", {"StreamARN": "not-an-arn"})
        self.assertEqual(status, 400, doc)
        self.assertEqual(doc.get("__type"), "ValidationException", doc)
        self.assertEqual(
            doc.get("message"),
            val_msg("Value 'not-an-arn' at 'streamARN' failed to satisfy constraint: Member "
                    "must satisfy regular expression pattern: "
                    "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+"))

    # ---- operation errors ----------------------------------------------------------------

    def test_unknown_stream(self):
        k = self.kinesis
        calls = [
            (k.describe_stream, dict(StreamName="ghost")),
            (k.describe_stream_summary, dict(StreamName="ghost")),
            (k.delete_stream, dict(StreamName="ghost")),
            (k.put_record, dict(StreamName="ghost", Data=b"x", PartitionKey="k")),
            (k.put_records, dict(StreamName="ghost", Records=[{"Data": b"x",
                                                               "PartitionKey": "k"}])),
            (k.get_shard_iterator, dict(StreamName="ghost", ShardId=shard_id(0),
                                        ShardIteratorType="TRIM_HORIZON")),
            (k.list_shards, dict(StreamName="ghost")),
            (k.describe_stream_summary, dict(StreamARN=stream_arn("ghost"))),
        ]
        for fn, kw in calls:
            self.assertAwsError("ResourceNotFoundException", fn, **kw,
                                message=NOT_FOUND.format("ghost"))
        # Names differing only in case are different streams.
        self.assertAwsError("ResourceNotFoundException", k.describe_stream, StreamName="BAD",
                            message=NOT_FOUND.format("BAD"))
        self.assertUnchanged()

    def test_duplicate_create_changes_nothing(self):
        self.assertAwsError("ResourceInUseException", self.kinesis.create_stream,
                            StreamName="bad", ShardCount=5,
                            message=f"Stream bad under account {ACCOUNT} already exists.")
        self.assertUnchanged()

    def test_bad_and_tampered_iterators(self):
        gr = self.kinesis.get_records
        for junk in ("garbage", "AAAAAAAAAAE=", "A" * 512, "!!!!", base64.b64encode(
                b"\x00" * 7 + b"\x01" + b"x" * 100).decode()):
            self.assertAwsError("InvalidArgumentException", gr, ShardIterator=junk,
                                message="Invalid ShardIterator.")
        it = self.iterator("bad", shard_id(0))
        self.assertGreater(len(self.kinesis.get_records(ShardIterator=it)["Records"]), 0)
        self.assertLessEqual(len(it), 512)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        for pos in (len(it) // 2, len(it) - 6, 12, 16):
            c = it[pos]
            if c not in alphabet:
                continue
            flipped = alphabet[(alphabet.index(c) + 1) % 64]
            bad = it[:pos] + flipped + it[pos + 1:]
            self.assertAwsError("InvalidArgumentException", gr, ShardIterator=bad,
                                message="Invalid ShardIterator.")
        # Truncated and extended tokens.
        self.assertAwsError("InvalidArgumentException", gr, ShardIterator=it[:-8],
                            message="Invalid ShardIterator.")
        self.assertAwsError("InvalidArgumentException", gr, ShardIterator=it[:-4] + "AAAA" + it[-4:],
                            message="Invalid ShardIterator.")
        # The untampered iterator still works.
        self.assertGreater(len(self.kinesis.get_records(ShardIterator=it)["Records"]), 0)
        self.assertUnchanged()

    def test_conflicting_name_and_arn(self):
        self.create_stream("bad2", 1)
        self.snapshot = self.state()
        # Both given: they must denote the same stream (kinesis-api-actions.md §0).
        self.assertAwsError("InvalidArgumentException", self.kinesis.describe_stream_summary,
                            StreamName="bad", StreamARN=stream_arn("bad2"))
        self.assertAwsError("InvalidArgumentException", self.kinesis.put_record,
                            StreamName="bad", StreamARN=stream_arn("bad2"), Data=b"x",
                            PartitionKey="k")
        # Consistent: fine.
        s = self.kinesis.describe_stream_summary(StreamName="bad", StreamARN=stream_arn("bad"))
        self.assertEqual(s["StreamDescriptionSummary"]["StreamName"], "bad")
        self.assertUnchanged()

    def test_out_of_range_sequence_numbers(self):
        r = self.kinesis.put_record(StreamName="bad", Data=b"x", PartitionKey="k",
                                    ExplicitHashKey=str(2**128 - 1))
        self.snapshot = self.state()
        seq_shard1 = r["SequenceNumber"]
        self.assertEqual(r["ShardId"], shard_id(1))
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.get_shard_iterator, StreamName="bad",
            ShardId=shard_id(0), ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            StartingSequenceNumber=seq_shard1,
            message="Invalid StartingSequenceNumber. It encodes shardId-000000000001, while it "
                    "was used in a call to a shard with shardId-000000000000")
        for garbage in ("0", "9" * 129, "1" + "0" * 55):
            with self.assertRaises(Exception) as cm:
                self.kinesis.get_shard_iterator(StreamName="bad", ShardId=shard_id(0),
                                                ShardIteratorType="AT_SEQUENCE_NUMBER",
                                                StartingSequenceNumber=garbage)
            self.assertEqual(cm.exception.response["Error"]["Code"],
                             "InvalidArgumentException", garbage)
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.put_record, StreamName="bad", Data=b"x",
            PartitionKey="k", ExplicitHashKey=str(2**128),
            message="Invalid ExplicitHashKey. ExplicitHashKey must be in the range: "
                    f"[0, 2^128-1]. Specified value was {2**128}")
        self.assertUnchanged()

    def test_oversized_records_and_batches(self):
        mib = 1024 * 1024
        with self.assertRaises(Exception) as cm:
            self.kinesis.put_record(StreamName="bad", Data=b"x" * mib, PartitionKey="k")
        self.assertIn(cm.exception.response["Error"]["Code"],
                      ("ValidationException", "InvalidArgumentException"))
        with self.assertRaises(Exception) as cm:
            self.kinesis.put_records(StreamName="bad", Records=[
                {"Data": b"ok", "PartitionKey": "k"}, {"Data": b"x" * mib, "PartitionKey": "k"}])
        self.assertIn(cm.exception.response["Error"]["Code"],
                      ("ValidationException", "InvalidArgumentException"))
        self.assertAwsError("ValidationException", self.kinesis.put_records, StreamName="bad",
                            Records=[{"Data": b"x", "PartitionKey": "k"}] * 501)
        self.assertUnchanged()

    # ---- dispatch -------------------------------------------------------------------------

    def test_unknown_operation(self):
        for target in ("Kinesis_20131202.NoSuchAction", "Kinesis_20131202.", "Kinesis_20131202",
                       "Kinesis_20990101.ListStreams", "DynamoDB_20120810.ListTables",
                       "Kinesis_20131202.liststreams"):
            status, _, resp = self.raw(target, b"{}")
            self.assertRawError(status, resp, "UnknownOperationException")
        self.assertUnchanged()

    def test_every_model_action_is_aws_shaped(self):
        """No action of the model may answer 500 or crash the server, with junk or real input."""
        arn = stream_arn("bad")
        plausible = {"StreamName": "bad", "StreamARN": arn, "ShardId": shard_id(0),
                     "ResourceARN": arn, "ConsumerName": "c1", "Tags": {"t": "v"},
                     "TagKeys": ["t"], "ShardLevelMetrics": ["ALL"]}
        for action in ALL_ACTIONS:
            for body in (b"{}", json.dumps(plausible).encode()):
                if action in ("CreateStream", "DeleteStream", "PutRecord", "PutRecords",
                              "MergeShards", "SplitShard", "UpdateShardCount",
                              "RemoveTagsFromStream", "AddTagsToStream", "TagResource",
                              "UntagResource", "UpdateStreamMode", "DecreaseStreamRetentionPeriod",
                              "IncreaseStreamRetentionPeriod", "RegisterStreamConsumer",
                              "StartStreamEncryption", "StopStreamEncryption",
                              "EnableEnhancedMonitoring", "DisableEnhancedMonitoring",
                              "PutResourcePolicy", "DeleteResourcePolicy",
                              "UpdateMaxRecordSize", "UpdateStreamWarmThroughput",
                              "UpdateAccountSettings", "DeregisterStreamConsumer") \
                        and body != b"{}":
                    continue  # would legitimately change state; the {} probe suffices
                status, hdrs, resp = self.raw(action, body, timeout=10)
                self.assertLess(status, 500, (action, body, resp[:300]))
                self.assertIn(status, (200, 400), (action, resp[:300]))
                self.assertIn("x-amzn-requestid", hdrs, action)
                if status == 400:
                    doc = json.loads(resp)
                    self.assertTrue(doc.get("__type"), (action, doc))
        # A well-formed call of an action Runnel may not implement yet: either it works or it
        # is refused with an AWS-shaped 400, never a 500.
        status, _, resp = self.raw("SplitShard", json.dumps({
            "StreamName": "bad", "ShardToSplit": shard_id(0),
            "NewStartingHashKey": str(2**126)}).encode())
        self.assertIn(status, (200, 400), resp[:300])
        if status == 400:
            self.assertTrue(json.loads(resp).get("__type"))
        self.assertEqual(self.kinesis.describe_stream_summary(
            StreamName="bad")["StreamDescriptionSummary"]["StreamName"], "bad")

    def test_non_post_is_403(self):
        for method in ("GET", "PUT", "DELETE"):
            status, _, resp = self.raw("ListStreams", b"" if method == "GET" else b"{}",
                                       method=method, sign=False)
            self.assertEqual(status, 403, (method, resp[:200]))
            self.assertIn(b"AccessDeniedException", resp)
        self.assertUnchanged()

    def test_wrong_content_type_is_404(self):
        for ct in ("text/plain", "application/json", "application/x-www-form-urlencoded"):
            status, _, resp = self.raw("ListStreams", b"{}", content_type=ct)
            self.assertEqual(status, 404, (ct, resp[:200]))
            self.assertIn(b"UnknownOperationException", resp)
        # A charset suffix on the right media type is fine.
        status, _, resp = self.raw("ListStreams", b"{}",
                                   content_type=JSON_CT + "; charset=utf-8")
        self.assertEqual(status, 200, resp[:200])
        self.assertUnchanged()

    def test_body_over_10_mib_is_rejected_and_server_keeps_serving(self):
        size = 10 * 1024 * 1024 + 64 * 1024
        prefix = b'{"StreamName": "bad", "PartitionKey": "k", "Data": "'
        body = prefix + b"A" * (size - len(prefix) - 2) + b'"}'
        hdrs = sign_headers(self.server.port, "Kinesis_20131202.PutRecord", body)
        head = "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % self.server.port
        head += "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        head += f"Content-Length: {len(body)}\r\n\r\n"
        status = None
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as s:
            try:
                s.sendall(head.encode())
                for i in range(0, len(body), 256 * 1024):
                    s.sendall(body[i:i + 256 * 1024])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may refuse early; its answer should still be readable
            data = b""
            try:
                while b"\r\n" not in data:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionResetError, socket.timeout):
                pass
            if data.startswith(b"HTTP/1."):
                status = int(data.split(b" ", 2)[1])
        self.assertIsNotNone(status, "no HTTP response to an 11 MiB body")
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)
        # The server still answers, and nothing was written.
        self.assertIn("bad", self.kinesis.list_streams()["StreamNames"])
        self.assertUnchanged()

    def test_rejections_leave_server_healthy(self):
        # A burst of assorted bad requests on one connection each, then normal service.
        for _ in range(20):
            self.raw("PutRecord", b"{")
            self.raw("GetRecords", b'{"ShardIterator": "nope"}')
            self.raw("Nope", b"{}")
        r = self.kinesis.put_record(StreamName="bad", Data=b"after", PartitionKey="k")
        self.assertRegex(r["SequenceNumber"], r"^[0-9]{56}$")


if __name__ == "__main__":
    unittest.main()
