"""The AWS CLI v2 (Debian's /usr/bin/aws) against Runnel via --endpoint-url."""

import base64
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ACCESS_KEY, AWS_CLI, REGION, SECRET_KEY, ServerTestCase  # noqa: E402


@unittest.skipUnless(os.path.exists(AWS_CLI), f"{AWS_CLI} missing (run.sh refuses to run so)")
class AwsCliTest(ServerTestCase):

    def aws(self, *args, ok=True, timeout=60):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": "",
            "AWS_CONFIG_FILE": os.path.join(self.tmp, "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.tmp, "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        cmd = [AWS_CLI, "kinesis", *args, "--endpoint-url", self.endpoint, "--output", "json",
               "--cli-read-timeout", "20", "--cli-connect-timeout", "5"]
        p = subprocess.run(cmd, env=env, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        out, err = p.stdout.decode(), p.stderr.decode()
        if ok:
            self.assertEqual(p.returncode, 0, f"{' '.join(args)}\nstdout:{out}\nstderr:{err}")
            return json.loads(out) if out.strip() else None
        return p.returncode, out, err

    def test_cli_round_trip(self):
        # Each CLI start costs seconds, so one test covers the whole path with few calls.
        self.assertIsNone(self.aws("create-stream", "--stream-name", "cli", "--shard-count", "1"))
        self.wait_active("cli")
        s = self.aws("describe-stream-summary", "--stream-name", "cli")
        self.assertEqual(s["StreamDescriptionSummary"]["StreamName"], "cli")
        self.assertEqual(s["StreamDescriptionSummary"]["StreamStatus"], "ACTIVE")
        self.assertEqual(s["StreamDescriptionSummary"]["OpenShardCount"], 1)

        seqs = []
        for word in ("hello", "runnel"):
            r = self.aws("put-record", "--stream-name", "cli", "--partition-key", word,
                         "--data", word, "--cli-binary-format", "raw-in-base64-out")
            self.assertEqual(r["ShardId"], "shardId-000000000000")
            seqs.append(r["SequenceNumber"])
        self.assertLess(int(seqs[0]), int(seqs[1]))

        it = self.aws("get-shard-iterator", "--stream-name", "cli", "--shard-id",
                      "shardId-000000000000", "--shard-iterator-type",
                      "TRIM_HORIZON")["ShardIterator"]
        got = self.aws("get-records", "--shard-iterator", it)
        self.assertEqual([base64.b64decode(r["Data"]) for r in got["Records"]],
                         [b"hello", b"runnel"])
        self.assertEqual([r["SequenceNumber"] for r in got["Records"]], seqs)
        self.assertEqual([r["PartitionKey"] for r in got["Records"]], ["hello", "runnel"])
        self.assertIn("NextShardIterator", got)
        self.assertEqual(len(self.read_shard("cli", "shardId-000000000000")), 2)  # boto3 too

        # The CLI auto-paginates list-streams (NextToken) across pages of one.
        for n in ("cli-b", "cli-c"):
            self.create_stream(n, 1)
        names = self.aws("list-streams", "--page-size", "1")["StreamNames"]
        self.assertEqual(names, ["cli", "cli-b", "cli-c"])

        code, _, err = self.aws("create-stream", "--stream-name", "cli", "--shard-count", "1",
                                ok=False)
        self.assertIn(code, (254, 255), err)
        self.assertIn("ResourceInUseException", err)

        self.assertIsNone(self.aws("delete-stream", "--stream-name", "cli"))
        self.wait_gone("cli")
        code, _, err = self.aws("describe-stream-summary", "--stream-name", "cli", ok=False)
        self.assertIn(code, (254, 255), err)
        self.assertIn("ResourceNotFoundException", err)
        self.assertIn("Stream cli under account 000000000000 not found.", err)


if __name__ == "__main__":
    unittest.main()
