"""The CBOR protocol (application/x-amz-cbor-1.1, kinesis-wire.md §4), with requests encoded by
an independent encoder (cbor2, Debian's python3-cbor2) and responses decoded by it.

Pinned by the reference: blobs are byte strings, timestamps are tag 1 + integer epoch
MILLISECONDS (c1 1b ...), indefinite-length maps are accepted, errors are CBOR maps
{"__type", "message"} with the CBOR content type, and the response is in the request's type.
"""

import io
import sys
import time
import unittest

try:
    import cbor2
except ImportError:  # run.sh may pick a python without Debian's packages; use Debian's cbor2
    sys.path.append("/usr/lib/python3/dist-packages")
    import cbor2
from cbor2 import decoder as cbor_pydecoder  # the pure-Python decoder (patchable tag table)

from harness import ACCOUNT, ServerTestCase, stream_arn

CBOR_CT = "application/x-amz-cbor-1.1"


class Millis(int):
    """A tag-1 value as AWS means it: epoch milliseconds."""


def loads(data):
    """cbor2 decoding, except that tag 1 yields Millis (cbor2 would read seconds and fail on
    year 55840)."""
    saved = cbor_pydecoder.semantic_decoders[1]
    cbor_pydecoder.semantic_decoders[1] = lambda dec: Millis(dec._decode())
    try:
        return cbor_pydecoder.CBORDecoder(io.BytesIO(data)).decode()
    finally:
        cbor_pydecoder.semantic_decoders[1] = saved


def indefinite_map(d):
    """A map the way the Java SDK's Jackson generator writes it: 0xbf ... 0xff."""
    return b"\xbf" + b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in d.items()) + b"\xff"


def ms_tag(ms):
    return b"\xc1\x1b" + ms.to_bytes(8, "big")


# kinesis-wire.md §4: PutRecord {StreamName:"s1", Data:b"hello", PartitionKey:"pk"}
REFERENCE_PUT_RECORD = bytes.fromhex(
    "bf6a53747265616d4e616d6562733164446174614568656c6c6f"
    "6c506172746974696f6e4b657962706bff")


class CborTest(ServerTestCase):

    def cbor(self, target, body, expect_status=200):
        """POSTs a CBOR body (bytes, or an object to encode); returns (decoded, raw bytes)."""
        if not isinstance(body, bytes):
            body = cbor2.dumps(body)
        status, headers, data = self.raw(target, body, content_type=CBOR_CT)
        self.assertEqual(status, expect_status, data[:300])
        self.assertEqual(headers.get("content-type"), CBOR_CT)
        return loads(data), data

    def assertCborError(self, target, body, code, message=None):
        doc, raw = self.cbor(target, body, expect_status=400)
        self.assertEqual(doc.get("__type"), code, doc)
        if message is not None:
            self.assertEqual(doc.get("message", doc.get("Message")), message)
        return doc, raw

    # ---- requests -------------------------------------------------------------------------

    def test_put_record_reference_vector(self):
        self.create_stream("s1")
        doc, _ = self.cbor("PutRecord", REFERENCE_PUT_RECORD)
        self.assertEqual(doc["ShardId"], "shardId-000000000000")
        self.assertTrue(doc["SequenceNumber"].isdigit())
        records = self.read_shard("s1", "shardId-000000000000", expected=1)
        self.assertEqual(records[0]["Data"], b"hello")
        self.assertEqual(records[0]["PartitionKey"], "pk")

    def test_put_records_get_records_binary_round_trip(self):
        self.create_stream("bin")
        payloads = [bytes(range(256)), b"", b"\x00\xff\xfe\x80" * 1000, "héllo".encode()]
        entries = [{"Data": p, "PartitionKey": f"pk{i}"} for i, p in enumerate(payloads)]
        doc, _ = self.cbor("PutRecords", indefinite_map({"StreamName": "bin",
                                                          "Records": entries}))
        self.assertEqual(doc["FailedRecordCount"], 0)
        self.assertEqual(len(doc["Records"]), len(payloads))

        it_doc, _ = self.cbor("GetShardIterator", {"StreamName": "bin",
                                                   "ShardId": "shardId-000000000000",
                                                   "ShardIteratorType": "TRIM_HORIZON"})
        got, raw = self.cbor("GetRecords", {"ShardIterator": it_doc["ShardIterator"]})
        self.assertEqual([r["Data"] for r in got["Records"]], payloads)
        self.assertEqual([r["PartitionKey"] for r in got["Records"]],
                         [e["PartitionKey"] for e in entries])
        now_ms = int(time.time() * 1000)
        for r in got["Records"]:
            ts = r["ApproximateArrivalTimestamp"]
            self.assertIsInstance(ts, Millis)  # tag 1 + integer, never a float
            self.assertLess(abs(ts - now_ms), 60_000)
            self.assertIn(ms_tag(ts), raw)
        self.assertIsInstance(got["MillisBehindLatest"], int)
        self.assertIn("NextShardIterator", got)
        # Data is a byte string (major type 2) in the response, not base64 text.
        self.assertIn(b"\x64Data\x59\x0f\xa0" + b"\x00\xff\xfe\x80" * 1000, raw)

    def test_get_shard_iterator_at_timestamp_tag1_millis(self):
        self.create_stream("ts")
        self.kinesis.put_record(StreamName="ts", Data=b"x", PartitionKey="k")
        # The reference fragment: 69 "Timestamp" c1 1b 0000018bcfe5687b (1700000000123 ms).
        body = indefinite_map({"StreamName": "ts", "ShardId": "shardId-000000000000",
                               "ShardIteratorType": "AT_TIMESTAMP"})[:-1]
        body += bytes.fromhex("6954696d657374616d70c11b0000018bcfe5687bff")
        doc, _ = self.cbor("GetShardIterator", body)
        got, _ = self.cbor("GetRecords", {"ShardIterator": doc["ShardIterator"]})
        self.assertEqual([r["Data"] for r in got["Records"]], [b"x"])

        # A future timestamp: the error shows the value was read as milliseconds.
        future_ms = int(time.time() * 1000) + 3_600_000
        req = cbor2.dumps({"StreamName": "ts", "ShardId": "shardId-000000000000",
                           "ShardIteratorType": "AT_TIMESTAMP",
                           "Timestamp": cbor2.CBORTag(1, future_ms)})
        err, _ = self.assertCborError("GetShardIterator", req, "InvalidArgumentException")
        self.assertIn(f"timestampInMillis: {future_ms},", err["message"])

    def test_describe_stream(self):
        self.create_stream("d", shards=2)
        doc, raw = self.cbor("DescribeStream", {"StreamName": "d"})
        desc = doc["StreamDescription"]
        self.assertEqual(desc["StreamName"], "d")
        self.assertEqual(desc["StreamARN"], stream_arn("d"))
        self.assertEqual(desc["StreamStatus"], "ACTIVE")
        self.assertEqual(len(desc["Shards"]), 2)
        self.assertEqual(desc["Shards"][1]["HashKeyRange"]["EndingHashKey"], str(2**128 - 1))
        created = desc["StreamCreationTimestamp"]
        self.assertIsInstance(created, Millis)
        self.assertLess(abs(created - time.time() * 1000), 60_000)
        self.assertIn(ms_tag(created), raw)
        boto_created = self.kinesis.describe_stream_summary(
            StreamName="d")["StreamDescriptionSummary"]["StreamCreationTimestamp"]
        self.assertEqual(created, int(round(boto_created.timestamp() * 1000)))

    def test_void_operation_answers_an_empty_map(self):
        doc, raw = self.cbor("CreateStream", {"StreamName": "v", "ShardCount": 1})
        self.assertEqual(raw, b"\xa0")
        self.wait_active("v")

    # ---- errors -------------------------------------------------------------------------

    def test_modeled_error_is_a_cbor_map(self):
        _, raw = self.assertCborError("DescribeStream", {"StreamName": "nope"},
                                      "ResourceNotFoundException")
        expected = cbor2.dumps({"__type": "ResourceNotFoundException",
                                "message": f"Stream nope under account {ACCOUNT} not found."})
        self.assertEqual(raw, expected)

    def test_validation_and_type_errors(self):
        self.assertCborError(
            "CreateStream", {"StreamName": "x", "ShardCount": 0}, "ValidationException",
            "1 validation error detected: Value '0' at 'shardCount' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1")
        self.assertCborError("CreateStream", {"StreamName": "x", "ShardCount": "one"},
                             "SerializationException")

    def test_malformed_cbor_is_a_serialization_exception(self):
        cases = {
            "truncated": REFERENCE_PUT_RECORD[:-5],
            "garbage": b"\xff\xfe\xfd",
            "trailing bytes": cbor2.dumps({"StreamName": "s"}) + b"\x00",
            "integer key": cbor2.dumps({1: 2}),
            "huge length": b"\xbf\x6aStreamName\x7b\x7f\xff\xff\xff\xff\xff\xff\xff",
            "deep nesting": b"\x81" * 100_000,
            "deep indefinite": b"\x9f" * 100_000,
            "NaN": cbor2.dumps({"StreamName": float("nan")}),
        }
        for name, body in cases.items():
            with self.subTest(name):
                doc, _ = self.cbor("PutRecord", body, expect_status=400)
                self.assertEqual(doc["__type"], "SerializationException", doc)
        # The server is unharmed.
        self.assertEqual(self.kinesis.list_streams()["StreamNames"], [])

    def test_empty_body_and_unknown_operation(self):
        self.assertCborError("PutRecord", b"", "SerializationException")
        self.assertCborError("NoSuchOperation", cbor2.dumps({}), "UnknownOperationException")

    def test_json_clients_are_unaffected(self):
        status, headers, body = self.raw("ListStreams", b"{}")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-type"), "application/x-amz-json-1.1")


if __name__ == "__main__":
    unittest.main()
