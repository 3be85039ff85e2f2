"""Stream settings and account-level actions (kinesis-api-actions.md §2, §5, §7):
UpdateStreamMode, DescribeLimits (+ --shard-limit / --on-demand-stream-limit),
Describe/UpdateAccountSettings, UpdateMaxRecordSize, UpdateStreamWarmThroughput,
Start/StopStreamEncryption, Enable/DisableEnhancedMonitoring, Put/Get/DeleteResourcePolicy,
and the restart (SIGTERM and kill -9) persistence of all of that metadata."""

import datetime
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ACCOUNT, JSON_CT, ServerTestCase, shard_id, sign_headers,  # noqa: E402
                     stream_arn)

ALL_METRICS = ["IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
               "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
               "IteratorAgeMilliseconds"]
MIB = 1024 * 1024
POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "s1", "Effect": "Allow",
                   "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                   "Action": ["kinesis:GetRecords"], "Resource": stream_arn("s")}]})


class SettingsCase(ServerTestCase):

    def summary(self, name):
        return self.kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]

    def description(self, name):
        return self.kinesis.describe_stream(StreamName=name)["StreamDescription"]

    def status(self, name):
        return self.summary(name)["StreamStatus"]

    def enable_commitment(self):
        return self.kinesis.update_account_settings(
            MinimumThroughputBillingCommitment={"Status": "ENABLED"})

    def on_demand(self, name):
        self.create_stream(name, StreamModeDetails={"StreamMode": "ON_DEMAND"})


class StreamModeTest(SettingsCase):

    def test_switch_modes_reported_everywhere(self):
        self.create_stream("s", 2)
        self.kinesis.update_stream_mode(StreamARN=stream_arn("s"),
                                        StreamModeDetails={"StreamMode": "ON_DEMAND"})
        self.wait_active("s")
        self.assertEqual(self.summary("s")["StreamModeDetails"], {"StreamMode": "ON_DEMAND"})
        self.assertEqual(self.description("s")["StreamModeDetails"], {"StreamMode": "ON_DEMAND"})
        summaries = self.kinesis.list_streams()["StreamSummaries"]
        self.assertEqual(summaries[0]["StreamModeDetails"], {"StreamMode": "ON_DEMAND"})
        self.assertEqual(self.summary("s")["OpenShardCount"], 2)
        self.kinesis.update_stream_mode(StreamARN=stream_arn("s"),
                                        StreamModeDetails={"StreamMode": "PROVISIONED"})
        self.wait_active("s")
        self.assertEqual(self.summary("s")["StreamModeDetails"], {"StreamMode": "PROVISIONED"})
        self.assertEqual(self.summary("s")["OpenShardCount"], 2)  # the shards are kept

    def test_errors(self):
        self.create_stream("s")
        self.assertAwsError("InvalidArgumentException", self.kinesis.update_stream_mode,
                            StreamARN=stream_arn("s"),
                            StreamModeDetails={"StreamMode": "PROVISIONED"},
                            message=f"Stream s under account {ACCOUNT} is already in "
                                    "PROVISIONED mode.")
        self.assertAwsError("ResourceNotFoundException", self.kinesis.update_stream_mode,
                            StreamARN=stream_arn("nope"),
                            StreamModeDetails={"StreamMode": "ON_DEMAND"},
                            message=f"Stream nope under account {ACCOUNT} not found.")
        # StreamARN is required: a name alone is not enough.
        status, body = self.raw_json("UpdateStreamMode", {
            "StreamName": "s", "StreamModeDetails": {"StreamMode": "ON_DEMAND"}})
        self.assertEqual((status, body["__type"]), (400, "ValidationException"))
        self.assertIn("'streamARN' failed to satisfy constraint: Member must not be null",
                      body["message"])
        status, body = self.raw_json("UpdateStreamMode", {
            "StreamARN": stream_arn("s"), "StreamModeDetails": {"StreamMode": "FAST"}})
        self.assertIn("Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]",
                      body["message"])
        # Warm throughput with the switch needs the account commitment.
        self.assertAwsError("ValidationException", self.kinesis.update_stream_mode,
                            StreamARN=stream_arn("s"),
                            StreamModeDetails={"StreamMode": "ON_DEMAND"},
                            WarmThroughputMiBps=100)
        self.assertEqual(self.summary("s")["StreamModeDetails"]["StreamMode"], "PROVISIONED")

    def test_updating_state(self):
        self.create_stream("s")
        self.server.stop()
        self.transition_ms = 1500
        self.start_server()
        self.kinesis.update_stream_mode(StreamARN=stream_arn("s"),
                                        StreamModeDetails={"StreamMode": "ON_DEMAND"})
        self.assertEqual(self.status("s"), "UPDATING")
        self.assertAwsError("ResourceInUseException", self.kinesis.update_stream_mode,
                            StreamARN=stream_arn("s"),
                            StreamModeDetails={"StreamMode": "PROVISIONED"},
                            message=f"Stream s under account {ACCOUNT} not ACTIVE, instead in "
                                    "state UPDATING")
        # Data keeps flowing while UPDATING.
        self.kinesis.put_record(StreamName="s", Data=b"x", PartitionKey="k")
        self.wait_active("s")


class LimitsTest(SettingsCase):

    server_args = ("--shard-limit", "10", "--on-demand-stream-limit", "1")

    def limits(self):
        resp = self.kinesis.describe_limits()
        resp.pop("ResponseMetadata")
        return resp

    def test_describe_limits_and_enforcement(self):
        self.assertEqual(self.limits(), {"ShardLimit": 10, "OpenShardCount": 0,
                                         "OnDemandStreamCount": 0, "OnDemandStreamCountLimit": 1})
        self.create_stream("p", 3)
        self.assertEqual(self.limits()["OpenShardCount"], 3)
        self.assertAwsError(
            "LimitExceededException", self.kinesis.create_stream, StreamName="big", ShardCount=8,
            message=f"This request would exceed the shard limit for the account {ACCOUNT} in "
                    "us-east-1. Current shard count for the account: 3. Limit: 10. Number of "
                    "additional shards that would have resulted from this request: 8. Refer to "
                    "the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/"
                    "aws_service_limits.html) for current limits and how to request higher "
                    "limits.")
        self.create_stream("two", 7)
        self.assertEqual(self.limits()["OpenShardCount"], 10)
        self.kinesis.delete_stream(StreamName="two")
        self.wait_gone("two")
        self.assertEqual(self.limits()["OpenShardCount"], 3)

    def test_on_demand_stream_limit(self):
        self.create_stream("p", 1)
        self.kinesis.update_stream_mode(StreamARN=stream_arn("p"),
                                        StreamModeDetails={"StreamMode": "ON_DEMAND"})
        self.wait_active("p")
        self.assertEqual(self.limits()["OnDemandStreamCount"], 1)
        msg = (f"This request would exceed the on-demand stream count limit for the account "
               f"{ACCOUNT} in us-east-1. Current on-demand stream count for the account: 1. "
               "Limit: 1.")
        self.create_stream("q", 1)
        self.assertAwsError("LimitExceededException", self.kinesis.update_stream_mode,
                            StreamARN=stream_arn("q"),
                            StreamModeDetails={"StreamMode": "ON_DEMAND"}, message=msg)
        self.assertAwsError("LimitExceededException", self.kinesis.create_stream,
                            StreamName="r", StreamModeDetails={"StreamMode": "ON_DEMAND"},
                            message=msg)

    def test_defaults(self):
        self.server.stop()
        self.start_server(extra_args=[])
        self.assertEqual(self.limits(), {"ShardLimit": 20000, "OpenShardCount": 0,
                                         "OnDemandStreamCount": 0,
                                         "OnDemandStreamCountLimit": 50})


class AccountSettingsTest(SettingsCase):

    def test_state_machine(self):
        resp = self.kinesis.describe_account_settings()
        self.assertEqual(resp["MinimumThroughputBillingCommitment"], {"Status": "DISABLED"})
        before = datetime.datetime.now(datetime.timezone.utc)
        c = self.enable_commitment()["MinimumThroughputBillingCommitment"]
        self.assertEqual(c["Status"], "ENABLED")
        self.assertLess(abs((c["StartedAt"] - before).total_seconds()), 30)
        self.assertEqual(c["EarliestAllowedEndAt"] - c["StartedAt"], datetime.timedelta(hours=24))
        self.assertNotIn("EndedAt", c)
        self.assertEqual(self.kinesis.describe_account_settings()
                         ["MinimumThroughputBillingCommitment"], c)
        # Disabling within 24 h only schedules the end.
        d = self.kinesis.update_account_settings(
            MinimumThroughputBillingCommitment={"Status": "DISABLED"})
        d = d["MinimumThroughputBillingCommitment"]
        self.assertEqual(d["Status"], "ENABLED_UNTIL_EARLIEST_ALLOWED_END")
        self.assertEqual(d["EndedAt"], c["EarliestAllowedEndAt"])
        self.assertEqual(d["StartedAt"], c["StartedAt"])
        # Re-enabling cancels the pending end.
        e = self.enable_commitment()["MinimumThroughputBillingCommitment"]
        self.assertEqual(e, c)

    def test_validation(self):
        status, body = self.raw_json("UpdateAccountSettings", {})
        self.assertEqual(body["__type"], "ValidationException")
        self.assertIn("Value null at 'minimumThroughputBillingCommitment'", body["message"])
        status, body = self.raw_json("UpdateAccountSettings",
                                     {"MinimumThroughputBillingCommitment": {"Status": "MAYBE"}})
        self.assertIn("Member must satisfy enum value set: [ENABLED, DISABLED]", body["message"])
        status, body = self.raw_json(
            "UpdateAccountSettings",
            {"MinimumThroughputBillingCommitment": {
                "Status": "ENABLED_UNTIL_EARLIEST_ALLOWED_END"}})
        self.assertEqual(body["__type"], "ValidationException")


class MaxRecordSizeTest(SettingsCase):

    def put(self, name, size, key="k"):
        return self.kinesis.put_record(StreamName=name, Data=b"\x07" * (size - len(key)),
                                       PartitionKey=key)

    def test_raise_to_ten_mib(self):
        self.create_stream("s")
        arn = stream_arn("s")
        self.assertEqual(self.summary("s")["MaxRecordSizeInKiB"], 1024)
        self.put("s", MIB)  # exactly 1 MiB of data + key: fine
        self.assertAwsError("InvalidArgumentException", self.put, "s", MIB + 1)
        self.assertAwsError("InvalidArgumentException", self.put, "s", 10 * MIB)
        self.kinesis.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=10240)
        self.assertEqual(self.summary("s")["MaxRecordSizeInKiB"], 10240)
        big = self.put("s", 10 * MIB)
        self.assertAwsError("InvalidArgumentException", self.put, "s", 10 * MIB + 1)
        recs = self.read_shard("s", shard_id(0), expected=2)
        self.assertEqual(len(recs[1]["Data"]), 10 * MIB - 1)
        self.assertEqual(recs[1]["SequenceNumber"], big["SequenceNumber"])
        # PutRecords takes the same limit.
        r = self.kinesis.put_records(StreamName="s", Records=[
            {"Data": b"y" * (5 * MIB), "PartitionKey": "k"}])
        self.assertEqual(r["FailedRecordCount"], 0)
        # Lowering again rejects what was accepted a moment ago.
        self.kinesis.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=1024)
        self.assertAwsError("InvalidArgumentException", self.put, "s", 2 * MIB)

    def test_validation_and_errors(self):
        self.create_stream("s")
        # (boto3 checks minimums itself, so the low value goes in raw.)
        status, body = self.raw_json("UpdateMaxRecordSize", {"StreamARN": stream_arn("s"),
                                                              "MaxRecordSizeInKiB": 1023})
        self.assertEqual(body["__type"], "ValidationException")
        self.assertIn("greater than or equal to 1024", body["message"])
        got = self.assertAwsError("ValidationException", self.kinesis.update_max_record_size,
                                  StreamARN=stream_arn("s"), MaxRecordSizeInKiB=10241)
        self.assertIn("less than or equal to 10240", got["Message"])
        self.assertAwsError("ResourceNotFoundException", self.kinesis.update_max_record_size,
                            StreamARN=stream_arn("nope"), MaxRecordSizeInKiB=2048)
        status, body = self.raw_json("UpdateMaxRecordSize", {"MaxRecordSizeInKiB": 2048})
        self.assertEqual(body["__type"], "ValidationException")
        self.assertIn("'streamARN'", body["message"])

    def test_body_limit_fits_a_ten_mib_record_and_rejects_bigger_bodies(self):
        # 14 MiB default: a 10 MiB record (13.4 MiB of base64) fits; a 15 MiB body gets 413.
        self.create_stream("s")
        body = b'{"StreamName": "s", "PartitionKey": "k", "Data": "' + b"A" * (15 * MIB) + b'"}'
        hdrs = sign_headers(self.server.port, "Kinesis_20131202.PutRecord", body)
        head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{self.server.port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        head += f"Content-Length: {len(body)}\r\n\r\n"
        data = b""
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as s:
            try:
                s.sendall(head.encode())
                for i in range(0, len(body), 256 * 1024):
                    s.sendall(body[i:i + 256 * 1024])
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                while b"\r\n" not in data:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:200])
        self.assertEqual(self.read_shard("s", shard_id(0)), [])


class WarmThroughputTest(SettingsCase):

    def test_requires_on_demand_and_commitment(self):
        self.create_stream("p")
        self.assertAwsError(
            "ValidationException", self.kinesis.update_stream_warm_throughput,
            StreamName="p", WarmThroughputMiBps=100,
            message=f"Warm throughput is only supported for ON_DEMAND streams. Stream p under "
                    f"account {ACCOUNT} is in PROVISIONED mode.")
        self.on_demand("od")
        self.assertAwsError(
            "ValidationException", self.kinesis.update_stream_warm_throughput,
            StreamARN=stream_arn("od"), WarmThroughputMiBps=100,
            message="Warm throughput requires the minimum throughput billing commitment to be "
                    f"enabled for account {ACCOUNT} (UpdateAccountSettings).")
        self.assertNotIn("WarmThroughput", self.summary("od"))
        self.enable_commitment()
        resp = self.kinesis.update_stream_warm_throughput(StreamARN=stream_arn("od"),
                                                          WarmThroughputMiBps=100)
        self.assertEqual(resp["StreamName"], "od")
        self.assertEqual(resp["StreamARN"], stream_arn("od"))
        self.assertEqual(resp["WarmThroughput"]["TargetMiBps"], 100)
        self.assertIn(resp["WarmThroughput"]["CurrentMiBps"], (0, 100))
        self.wait_active("od")
        self.assertEqual(self.summary("od")["WarmThroughput"],
                         {"TargetMiBps": 100, "CurrentMiBps": 100})
        self.assertAwsError("InvalidArgumentException",
                            self.kinesis.update_stream_warm_throughput, StreamName="od",
                            WarmThroughputMiBps=10241)
        status, body = self.raw_json("UpdateStreamWarmThroughput",
                                     {"StreamName": "od", "WarmThroughputMiBps": -1})
        self.assertEqual(body["__type"], "ValidationException")
        self.assertIn("greater than or equal to 0", body["message"])
        # Back to PROVISIONED drops it; switching to ON_DEMAND can set it again.
        self.kinesis.update_stream_mode(StreamARN=stream_arn("od"),
                                        StreamModeDetails={"StreamMode": "PROVISIONED"})
        self.wait_active("od")
        self.assertNotIn("WarmThroughput", self.summary("od"))
        self.kinesis.update_stream_mode(StreamARN=stream_arn("od"),
                                        StreamModeDetails={"StreamMode": "ON_DEMAND"},
                                        WarmThroughputMiBps=50)
        self.wait_active("od")
        self.assertEqual(self.summary("od")["WarmThroughput"],
                         {"TargetMiBps": 50, "CurrentMiBps": 50})


class EncryptionTest(SettingsCase):

    def test_start_and_stop(self):
        self.create_stream("s")
        before = self.kinesis.put_record(StreamName="s", Data=b"plain", PartitionKey="k")
        self.assertNotEqual(before.get("EncryptionType"), "KMS")
        self.kinesis.start_stream_encryption(StreamName="s", EncryptionType="KMS",
                                             KeyId="alias/aws/kinesis")
        self.wait_active("s")
        for d in (self.summary("s"), self.description("s")):
            self.assertEqual((d["EncryptionType"], d["KeyId"]), ("KMS", "alias/aws/kinesis"))
        r = self.kinesis.put_record(StreamName="s", Data=b"secret", PartitionKey="k")
        self.assertEqual(r["EncryptionType"], "KMS")
        rs = self.kinesis.put_records(StreamName="s", Records=[{"Data": b"s2",
                                                                "PartitionKey": "k"}])
        self.assertEqual(rs["EncryptionType"], "KMS")
        self.kinesis.stop_stream_encryption(StreamARN=stream_arn("s"), EncryptionType="KMS",
                                            KeyId="alias/aws/kinesis")
        self.wait_active("s")
        d = self.summary("s")
        self.assertEqual(d["EncryptionType"], "NONE")
        self.assertNotIn("KeyId", d)
        after = self.kinesis.put_record(StreamName="s", Data=b"plain again", PartitionKey="k")
        self.assertNotEqual(after.get("EncryptionType"), "KMS")
        recs = self.read_shard("s", shard_id(0), expected=4)
        self.assertEqual([(r["Data"], r.get("EncryptionType")) for r in recs],
                         [(b"plain", None), (b"secret", "KMS"), (b"s2", "KMS"),
                          (b"plain again", None)])

    def test_errors(self):
        self.create_stream("s")
        self.assertAwsError("InvalidArgumentException", self.kinesis.start_stream_encryption,
                            StreamName="s", EncryptionType="NONE", KeyId="alias/k")
        status, body = self.raw_json("StartStreamEncryption",
                                     {"StreamName": "s", "EncryptionType": "KMS"})
        self.assertEqual(body["message"], "1 validation error detected: Value null at 'keyId' "
                                          "failed to satisfy constraint: Member must not be null")
        status, body = self.raw_json("StartStreamEncryption",
                                     {"StreamName": "s", "EncryptionType": "AES", "KeyId": "alias/k"})
        self.assertIn("Member must satisfy enum value set: [NONE, KMS]", body["message"])
        self.assertAwsError("ResourceNotFoundException", self.kinesis.start_stream_encryption,
                            StreamName="nope", EncryptionType="KMS", KeyId="alias/k")
        self.assertEqual(self.summary("s")["EncryptionType"], "NONE")

    def test_requires_active(self):
        self.server.stop()
        self.transition_ms = 1500
        self.start_server()
        self.create_stream("s", wait=False)
        self.assertAwsError("ResourceInUseException", self.kinesis.start_stream_encryption,
                            StreamName="s", EncryptionType="KMS", KeyId="alias/k",
                            message=f"Stream s under account {ACCOUNT} not ACTIVE, instead in "
                                    "state CREATING")
        self.wait_active("s")
        self.kinesis.start_stream_encryption(StreamName="s", EncryptionType="KMS", KeyId="alias/k")
        self.assertEqual(self.status("s"), "UPDATING")
        self.assertAwsError("ResourceInUseException", self.kinesis.stop_stream_encryption,
                            StreamName="s", EncryptionType="KMS", KeyId="alias/k")


class EnhancedMonitoringTest(SettingsCase):

    def test_enable_disable(self):
        self.create_stream("s")
        self.assertEqual(self.summary("s")["EnhancedMonitoring"], [{"ShardLevelMetrics": []}])
        r = self.kinesis.enable_enhanced_monitoring(StreamName="s",
                                                    ShardLevelMetrics=["OutgoingBytes",
                                                                       "IncomingBytes"])
        self.assertEqual(r["StreamName"], "s")
        self.assertEqual(r["StreamARN"], stream_arn("s"))
        self.assertEqual(r["CurrentShardLevelMetrics"], [])
        self.assertEqual(r["DesiredShardLevelMetrics"], ["IncomingBytes", "OutgoingBytes"])
        r = self.kinesis.enable_enhanced_monitoring(StreamARN=stream_arn("s"),
                                                    ShardLevelMetrics=["ALL"])
        self.assertEqual(r["CurrentShardLevelMetrics"], ["IncomingBytes", "OutgoingBytes"])
        self.assertEqual(r["DesiredShardLevelMetrics"], ALL_METRICS)
        self.assertEqual(self.description("s")["EnhancedMonitoring"],
                         [{"ShardLevelMetrics": ALL_METRICS}])
        r = self.kinesis.disable_enhanced_monitoring(StreamName="s",
                                                     ShardLevelMetrics=["IncomingBytes"])
        self.assertEqual(r["DesiredShardLevelMetrics"], ALL_METRICS[1:])
        r = self.kinesis.disable_enhanced_monitoring(StreamName="s", ShardLevelMetrics=["ALL"])
        self.assertEqual(r["CurrentShardLevelMetrics"], ALL_METRICS[1:])
        self.assertEqual(r["DesiredShardLevelMetrics"], [])
        self.assertEqual(self.summary("s")["EnhancedMonitoring"], [{"ShardLevelMetrics": []}])

    def test_validation(self):
        self.create_stream("s")
        got = self.assertAwsError("ValidationException", self.kinesis.enable_enhanced_monitoring,
                                  StreamName="s", ShardLevelMetrics=["Bogus"])
        self.assertIn("Member must satisfy enum value set", got["Message"])
        status, body = self.raw_json("EnableEnhancedMonitoring",
                                     {"StreamName": "s", "ShardLevelMetrics": []})
        self.assertIn("Member must have length greater than or equal to 1", body["message"])
        self.assertAwsError("ResourceNotFoundException", self.kinesis.disable_enhanced_monitoring,
                            StreamName="nope", ShardLevelMetrics=["ALL"])


class ResourcePolicyTest(SettingsCase):

    def test_put_get_delete(self):
        self.create_stream("s")
        arn = stream_arn("s")
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=arn)["Policy"], "{}")
        self.kinesis.put_resource_policy(ResourceARN=arn, Policy=POLICY)
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=arn)["Policy"], POLICY)
        self.kinesis.put_resource_policy(ResourceARN=arn, Policy='{"Version": "2012-10-17"}')
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=arn)["Policy"],
                         '{"Version": "2012-10-17"}')
        self.kinesis.delete_resource_policy(ResourceARN=arn)
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=arn)["Policy"], "{}")
        self.assertAwsError("ResourceNotFoundException", self.kinesis.delete_resource_policy,
                            ResourceARN=arn,
                            message=f"No resource policy found for resource ARN {arn}.")

    def test_errors(self):
        self.create_stream("s")
        arn = stream_arn("s")
        for bad in ("not json", "[1, 2]", '{"a": ', '"str"'):
            self.assertAwsError("InvalidArgumentException", self.kinesis.put_resource_policy,
                                ResourceARN=arn, Policy=bad,
                                message="Policy is not a valid JSON policy document.")
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=arn)["Policy"], "{}")
        self.assertAwsError("ResourceNotFoundException", self.kinesis.get_resource_policy,
                            ResourceARN=stream_arn("nope"))
        consumer = f"{arn}/consumer/c:1700000000"
        self.assertAwsError("ResourceNotFoundException", self.kinesis.put_resource_policy,
                            ResourceARN=consumer, Policy=POLICY,
                            message=f"Consumer {consumer} under account {ACCOUNT} not found.")
        status, body = self.raw_json("PutResourcePolicy", {"ResourceARN": arn})
        self.assertEqual(body["message"], "1 validation error detected: Value null at 'policy' "
                                          "failed to satisfy constraint: Member must not be null")
        self.assertAwsError("ValidationException", self.kinesis.get_resource_policy,
                            ResourceARN="arn:aws:sqs:us-east-1:000000000000:queue")


class SettingsPersistenceTest(SettingsCase):
    """Every piece of metadata added by these actions survives SIGTERM and kill -9."""

    def configure(self):
        self.create_stream("p", 2, Tags={"created": "yes"})
        self.kinesis.add_tags_to_stream(StreamName="p", Tags={"added": "1", "gone": "x"})
        self.kinesis.remove_tags_from_stream(StreamName="p", TagKeys=["gone"])
        self.kinesis.start_stream_encryption(StreamName="p", EncryptionType="KMS",
                                             KeyId="alias/my-key")
        self.wait_active("p")
        self.kinesis.enable_enhanced_monitoring(StreamName="p",
                                                ShardLevelMetrics=["IncomingRecords"])
        self.kinesis.update_max_record_size(StreamARN=stream_arn("p"), MaxRecordSizeInKiB=4096)
        self.kinesis.put_resource_policy(ResourceARN=stream_arn("p"), Policy=POLICY)
        self.enable_commitment()
        self.create_stream("o", 1)
        self.kinesis.update_stream_mode(StreamARN=stream_arn("o"),
                                        StreamModeDetails={"StreamMode": "ON_DEMAND"},
                                        WarmThroughputMiBps=200)
        self.wait_active("o")
        self.kinesis.put_record(StreamName="p", Data=b"kms", PartitionKey="k")

    def snapshot(self):
        out = {}
        for name in ("p", "o"):
            s = self.summary(name)
            out[name] = {
                "summary": s,
                "tags": self.kinesis.list_tags_for_stream(StreamName=name)["Tags"],
                "policy": self.kinesis.get_resource_policy(ResourceARN=stream_arn(name))["Policy"],
            }
        out["account"] = self.kinesis.describe_account_settings()[
            "MinimumThroughputBillingCommitment"]
        out["limits"] = {k: v for k, v in self.kinesis.describe_limits().items()
                         if k != "ResponseMetadata"}
        out["records"] = [(r["Data"], r.get("EncryptionType"))
                          for r in self.read_shard("p", self.shards("p")[0]["ShardId"]) +
                          self.read_shard("p", self.shards("p")[1]["ShardId"])]
        return out

    def check_expected(self, snap):
        p, o = snap["p"]["summary"], snap["o"]["summary"]
        self.assertEqual(snap["p"]["tags"], [{"Key": "added", "Value": "1"},
                                             {"Key": "created", "Value": "yes"}])
        self.assertEqual((p["EncryptionType"], p["KeyId"]), ("KMS", "alias/my-key"))
        self.assertEqual(p["EnhancedMonitoring"], [{"ShardLevelMetrics": ["IncomingRecords"]}])
        self.assertEqual(p["MaxRecordSizeInKiB"], 4096)
        self.assertEqual(snap["p"]["policy"], POLICY)
        self.assertEqual(snap["o"]["policy"], "{}")
        self.assertEqual(o["StreamModeDetails"], {"StreamMode": "ON_DEMAND"})
        self.assertEqual(o["WarmThroughput"], {"TargetMiBps": 200, "CurrentMiBps": 200})
        self.assertEqual(snap["account"]["Status"], "ENABLED")
        self.assertEqual(snap["limits"]["OnDemandStreamCount"], 1)
        self.assertEqual(snap["records"], [(b"kms", "KMS")])

    def test_restart_and_kill9(self):
        self.configure()
        before = self.snapshot()
        self.check_expected(before)
        self.restart_server()
        self.assertEqual(self.snapshot(), before)
        self.kill_server()
        self.start_server()
        self.assertEqual(self.snapshot(), before)

    def test_kill9_right_after_changes(self):
        # Acknowledged changes are durable at once: no clean shutdown needed.
        self.configure()
        self.kill_server()
        self.start_server()
        self.check_expected(self.snapshot())

    def test_files_from_before_these_fields_still_load(self):
        # stream.json written without the new optional members (an older Runnel).
        self.create_stream("old", 1)
        self.stop_server()
        streams = os.path.join(self.data_dir, "streams")
        (d,) = os.listdir(streams)
        path = os.path.join(streams, d, "stream.json")
        with open(path) as f:
            meta = json.load(f)
        for k in ("warm_throughput_mibps", "previous_warm_throughput_mibps", "resource_policy"):
            meta.pop(k, None)
        with open(path, "w") as f:
            json.dump(meta, f)
        self.start_server()
        self.assertEqual(self.summary("old")["StreamStatus"], "ACTIVE")
        self.assertEqual(self.kinesis.get_resource_policy(ResourceARN=stream_arn("old"))
                         ["Policy"], "{}")


if __name__ == "__main__":
    unittest.main()
