"""Audit of the stream-lifecycle actions against the AWS reference (issue 6): CreateStream
mode/ShardCount/warm-throughput combinations, the CREATING-streams limit, and quotas under
concurrent CreateStream calls. One server per test class."""

import os
import shutil
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import ACCOUNT, Server, make_client  # noqa: E402


class ClassServer(unittest.TestCase):
    """One `runnel serve` for the whole class (the audit cases are many and small)."""

    server_args = ()
    transition_ms = 50

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="runnel-audit-")
        cls.server = Server()
        cls.server.start(os.path.join(cls.tmp, "data"), list(cls.server_args),
                         transition_ms=cls.transition_ms)
        # No retries: LimitExceededException is retried by boto3's standard mode.
        cls.kinesis = make_client(cls.server.endpoint, retries={"max_attempts": 1})

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def assertAwsError(self, code, fn, *args, message=None, **kwargs):
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, err)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        if message is not None:
            self.assertEqual(err["Message"], message)
        return err

    def wait_active(self, name, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            d = self.kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
            if d["StreamStatus"] == "ACTIVE":
                return d
            time.sleep(0.02)
        self.fail(f"{name} not ACTIVE within {timeout}s")


class CreateStreamModesTest(ClassServer):

    def test_on_demand_rejects_shard_count(self):
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.create_stream, StreamName="od-count",
            ShardCount=2, StreamModeDetails={"StreamMode": "ON_DEMAND"},
            message="ShardCount cannot be specified for a stream in ON_DEMAND capacity mode.")
        self.assertNotIn("od-count", self.kinesis.list_streams()["StreamNames"])

    def test_provisioned_needs_shard_count(self):
        self.assertAwsError(
            "ValidationException", self.kinesis.create_stream, StreamName="no-count",
            message="1 validation error detected: Value null at 'shardCount' failed to satisfy "
                    "constraint: Member must not be null")

    def test_warm_throughput_on_provisioned_is_rejected(self):
        self.assertAwsError(
            "ValidationException", self.kinesis.create_stream, StreamName="warm-p", ShardCount=1,
            WarmThroughputMiBps=10,
            message=f"Warm throughput is only supported for ON_DEMAND streams. Stream warm-p "
                    f"under account {ACCOUNT} is in PROVISIONED mode.")
        self.assertNotIn("warm-p", self.kinesis.list_streams()["StreamNames"])

    def test_warm_throughput_needs_the_commitment_then_applies(self):
        self.kinesis.update_account_settings(
            MinimumThroughputBillingCommitment={"Status": "DISABLED"})
        if self.kinesis.describe_account_settings()["MinimumThroughputBillingCommitment"][
                "Status"] == "DISABLED":
            self.assertAwsError(
                "ValidationException", self.kinesis.create_stream, StreamName="warm-od",
                StreamModeDetails={"StreamMode": "ON_DEMAND"}, WarmThroughputMiBps=10,
                message=f"Warm throughput requires the minimum throughput billing commitment to "
                        f"be enabled for account {ACCOUNT} (UpdateAccountSettings).")
        self.kinesis.update_account_settings(
            MinimumThroughputBillingCommitment={"Status": "ENABLED"})
        self.kinesis.create_stream(StreamName="warm-od",
                                   StreamModeDetails={"StreamMode": "ON_DEMAND"},
                                   WarmThroughputMiBps=10)
        d = self.wait_active("warm-od")
        self.assertEqual(d["WarmThroughput"]["TargetMiBps"], 10)
        self.assertEqual(d["StreamModeDetails"], {"StreamMode": "ON_DEMAND"})

    def test_warm_throughput_too_high(self):
        self.kinesis.update_account_settings(
            MinimumThroughputBillingCommitment={"Status": "ENABLED"})
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.create_stream, StreamName="warm-hi",
            StreamModeDetails={"StreamMode": "ON_DEMAND"}, WarmThroughputMiBps=10241,
            message="Requested warm throughput (10241 MiB/s) exceeds the maximum of 10240 MiB/s.")


class StreamIdentifierTest(ClassServer):
    """StreamName vs StreamARN: neither, both (agreeing or not), foreign or malformed ARNs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kinesis.create_stream(StreamName="ident", ShardCount=1)

    def test_neither_name_nor_arn(self):
        for op in (self.kinesis.describe_stream, self.kinesis.describe_stream_summary,
                   self.kinesis.delete_stream, self.kinesis.list_tags_for_stream):
            self.assertAwsError("InvalidArgumentException", op,
                                message="Either StreamName or StreamARN should be provided.")
        self.assertAwsError("InvalidArgumentException", self.kinesis.increase_stream_retention_period,
                            RetentionPeriodHours=48,
                            message="Either StreamName or StreamARN should be provided.")

    def test_both_must_agree(self):
        self.wait_active("ident")
        arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/ident"
        d = self.kinesis.describe_stream_summary(StreamName="ident", StreamARN=arn)
        self.assertEqual(d["StreamDescriptionSummary"]["StreamARN"], arn)
        self.assertAwsError(
            "InvalidArgumentException", self.kinesis.describe_stream_summary,
            StreamName="other", StreamARN=arn,
            message=f"StreamARN {arn} and StreamName other do not refer to the same stream.")

    def test_foreign_and_malformed_arns(self):
        self.assertAwsError(
            "ResourceNotFoundException", self.kinesis.describe_stream_summary,
            StreamARN=f"arn:aws:kinesis:eu-west-1:{ACCOUNT}:stream/ident",
            message=f"Stream ident under account {ACCOUNT} not found.")
        self.assertAwsError(
            "ValidationException", self.kinesis.describe_stream_summary,
            StreamARN="arn:aws:kinesis:us-east-1:12:stream/ident",
            message="1 validation error detected: Value 'arn:aws:kinesis:us-east-1:12:stream/"
                    "ident' at 'streamARN' failed to satisfy constraint: Member must satisfy "
                    "regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+")


class CreatingStreamsLimitTest(ClassServer):
    """AWS: LimitExceededException when more than five streams would be CREATING at once."""

    transition_ms = 3000

    def test_sixth_creating_stream_is_refused(self):
        for i in range(5):
            self.kinesis.create_stream(StreamName=f"c{i}", ShardCount=1)
        self.assertAwsError(
            "LimitExceededException", self.kinesis.create_stream, StreamName="c5", ShardCount=1,
            message=f"Account {ACCOUNT} already has 5 streams in CREATING state. Wait until they "
                    f"are ACTIVE before creating more.")
        for i in range(5):
            self.wait_active(f"c{i}")
        self.kinesis.create_stream(StreamName="c5", ShardCount=1)  # fine once they are ACTIVE


def concurrent(n, fn):
    """Runs fn(i) for i in range(n) on n threads released together; returns the results."""
    results = [None] * n
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait(timeout=10)
        try:
            results[i] = fn(i)
        except ClientError as e:
            results[i] = e.response["Error"]["Code"]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


class ConcurrentShardQuotaTest(ClassServer):
    """Concurrent CreateStream calls must not together exceed --shard-limit (the check and
    the insertion used to be separate steps, with the disk work in between)."""

    transition_ms = 0
    server_args = ("--shard-limit", "6")

    def test_shard_limit_holds_under_concurrency(self):
        clients = [make_client(self.server.endpoint, retries={"max_attempts": 1})
                   for _ in range(16)]
        results = concurrent(16, lambda i: clients[i].create_stream(
            StreamName=f"q{i}", ShardCount=1) and "ok")
        self.assertLessEqual(self.kinesis.describe_limits()["OpenShardCount"], 6, results)
        self.assertEqual(results.count("ok"), 6, results)
        self.assertEqual(results.count("LimitExceededException"), 10, results)


class ConcurrentOnDemandQuotaTest(ClassServer):
    """The same for --on-demand-stream-limit."""

    transition_ms = 0
    server_args = ("--on-demand-stream-limit", "2")

    def test_on_demand_limit_holds_under_concurrency(self):
        clients = [make_client(self.server.endpoint, retries={"max_attempts": 1})
                   for _ in range(10)]
        results = concurrent(10, lambda i: clients[i].create_stream(
            StreamName=f"od{i}", StreamModeDetails={"StreamMode": "ON_DEMAND"}) and "ok")
        self.assertEqual(self.kinesis.describe_limits()["OnDemandStreamCount"], 2, results)
        self.assertEqual(results.count("ok"), 2, results)
        self.assertEqual(results.count("LimitExceededException"), 8, results)


if __name__ == "__main__":
    unittest.main()
