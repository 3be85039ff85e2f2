"""Audit of the stream-settings actions against the AWS reference (issue 6): rolling 24-hour
limits of UpdateStreamMode (2 switches) and Start/StopStreamEncryption (25 each), KeyId
forms, and those limits surviving a restart. boto3 and the AWS CLI."""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ACCESS_KEY, ACCOUNT, AWS_CLI, REGION, SECRET_KEY, stream_arn  # noqa: E402
from test_audit_streams import ClassServer  # noqa: E402

ON_DEMAND = {"StreamMode": "ON_DEMAND"}
PROVISIONED = {"StreamMode": "PROVISIONED"}


class StreamModeLimitTest(ClassServer):

    transition_ms = 0

    def test_third_switch_in_24_hours_is_refused_and_survives_restart(self):
        self.kinesis.create_stream(StreamName="m", ShardCount=1)
        self.wait_active("m")
        self.kinesis.update_stream_mode(StreamARN=stream_arn("m"), StreamModeDetails=ON_DEMAND)
        self.wait_active("m")
        self.kinesis.update_stream_mode(StreamARN=stream_arn("m"), StreamModeDetails=PROVISIONED)
        self.wait_active("m")
        msg = (f"UpdateStreamMode cannot be called more than 2 times per rolling 24-hour period "
               f"for stream m under account {ACCOUNT}.")
        self.assertAwsError("LimitExceededException", self.kinesis.update_stream_mode,
                            StreamARN=stream_arn("m"), StreamModeDetails=ON_DEMAND, message=msg)
        d = self.kinesis.describe_stream_summary(StreamName="m")["StreamDescriptionSummary"]
        self.assertEqual(d["StreamModeDetails"], PROVISIONED)
        # An unchanged-mode request is not a switch and is refused for that reason first.
        self.assertAwsError("InvalidArgumentException", self.kinesis.update_stream_mode,
                            StreamARN=stream_arn("m"), StreamModeDetails=PROVISIONED)
        # The history is part of the stream's metadata.
        self.server.stop()
        self.server.start(self.server.data_dir, transition_ms=0)
        self.assertAwsError("LimitExceededException", self.kinesis.update_stream_mode,
                            StreamARN=stream_arn("m"), StreamModeDetails=ON_DEMAND, message=msg)


class EncryptionTest(ClassServer):

    transition_ms = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kinesis.create_stream(StreamName="e", ShardCount=1)

    def start(self, key, name="e"):
        return self.kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS",
                                                    KeyId=key)

    def test_key_id_forms(self):
        self.wait_active("e")
        for key in ("alias/aws/kinesis", "alias/my-key_1",
                    "1234abcd-12ab-34cd-56ef-1234567890ab",
                    "mrk-1234abcd12ab34cd56ef1234567890ab",
                    f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                    f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/my-key"):
            self.start(key)
            self.wait_active("e")
            d = self.kinesis.describe_stream_summary(StreamName="e")["StreamDescriptionSummary"]
            self.assertEqual((d["EncryptionType"], d["KeyId"]), ("KMS", key))

    def test_malformed_key_id(self):
        self.wait_active("e")
        for key in ("my-key", "alias/", "1234abcd-12ab-34cd-56ef", "arn:aws:kms:us-east-1:1:key/x",
                    f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/e", "alias/bad key"):
            self.assertAwsError(
                "InvalidArgumentException", self.start, key,
                message=f"KeyId {key} is not a valid KMS key identifier. Specify a key ID, a key "
                        f"ARN, an alias name (alias/...) or an alias ARN.")

    def test_zz_25_starts_and_25_stops_per_24_hours(self):
        self.kinesis.create_stream(StreamName="lim", ShardCount=1)
        self.wait_active("lim")
        for _ in range(25):
            self.start("alias/aws/kinesis", "lim")
            self.wait_active("lim")
            self.kinesis.stop_stream_encryption(StreamName="lim", EncryptionType="KMS",
                                                KeyId="alias/aws/kinesis")
            self.wait_active("lim")
        for op in ("Start", "Stop"):
            fn = self.kinesis.start_stream_encryption if op == "Start" else \
                self.kinesis.stop_stream_encryption
            self.assertAwsError(
                "LimitExceededException", fn, StreamName="lim", EncryptionType="KMS",
                KeyId="alias/aws/kinesis",
                message=f"{op}StreamEncryption cannot be called more than 25 times per rolling "
                        f"24-hour period for stream lim under account {ACCOUNT}.")


@unittest.skipUnless(os.path.exists(AWS_CLI), f"{AWS_CLI} missing")
class AwsCliSettingsTest(ClassServer):
    """The same rules seen through the AWS CLI (exit code 254 and the error on stderr)."""

    transition_ms = 0

    def aws(self, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_CONFIG_FILE": os.path.join(self.tmp, "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.tmp, "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        cmd = [AWS_CLI, "kinesis", *args, "--endpoint-url", self.server.endpoint,
               "--output", "json", "--cli-read-timeout", "20", "--cli-connect-timeout", "5"]
        p = subprocess.run(cmd, env=env, capture_output=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        out = p.stdout.decode()
        return p.returncode, (json.loads(out) if out.strip() else None), p.stderr.decode()

    def test_cli(self):
        self.kinesis.create_stream(StreamName="cli", ShardCount=1)
        self.wait_active("cli")
        code, _, err = self.aws("start-stream-encryption", "--stream-name", "cli",
                                "--encryption-type", "KMS", "--key-id", "not-a-key")
        self.assertEqual(code, 254, err)
        self.assertIn("(InvalidArgumentException)", err)
        self.assertIn("KeyId not-a-key is not a valid KMS key identifier", err)

        arn = stream_arn("cli")
        for mode in ("ON_DEMAND", "PROVISIONED"):
            code, _, err = self.aws("update-stream-mode", "--stream-arn", arn,
                                    "--stream-mode-details", f"StreamMode={mode}")
            self.assertEqual(code, 0, err)
            self.wait_active("cli")
        code, _, err = self.aws("update-stream-mode", "--stream-arn", arn,
                                "--stream-mode-details", "StreamMode=ON_DEMAND")
        self.assertEqual(code, 254, err)
        self.assertIn("(LimitExceededException)", err)

        code, _, err = self.aws("create-stream", "--stream-name", "cli-od", "--shard-count", "1",
                                "--stream-mode-details", "StreamMode=ON_DEMAND")
        self.assertEqual(code, 254, err)
        self.assertIn("(InvalidArgumentException)", err)
        self.assertIn("ShardCount cannot be specified", err)


if __name__ == "__main__":
    unittest.main()
