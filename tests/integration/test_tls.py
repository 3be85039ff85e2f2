"""HTTPS with `--tls-self-signed`: boto3 and the AWS CLI verifying the generated certificate,
certificate reuse across restarts, and bad TLS input failing only its own connection."""

import os
import socket
import ssl
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402

from harness import (ACCESS_KEY, AWS_CLI, REGION, SECRET_KEY, ServerTestCase,  # noqa: E402
                     boto_config, free_port)


class TlsTest(ServerTestCase):

    def start_server(self, extra_args=None):
        if not hasattr(self, "tls_port"):
            self.tls_port = free_port()
        self.server.start(self.data_dir, ["--tls-self-signed", "--tls-port", str(self.tls_port)],
                          transition_ms=self.transition_ms)

    @property
    def cert(self):
        return os.path.join(self.data_dir, "tls", "cert.pem")

    def https_client(self, host="127.0.0.1"):
        """boto3 over HTTPS, trusting only the generated certificate."""
        return boto3.session.Session().client(
            "kinesis", endpoint_url=f"https://{host}:{self.tls_port}", region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            verify=self.cert, config=boto_config())

    def test_certificate_generated_once_with_private_key_0600(self):
        key = os.path.join(self.data_dir, "tls", "key.pem")
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
        self.assertIn("generated self-signed certificate " + self.cert,
                      self.server_log(since_start=True))
        with open(self.cert, "rb") as f:
            before = f.read()
        self.restart_server()
        with open(self.cert, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertIn("reusing self-signed certificate", self.server_log(since_start=True))

    def test_boto3_over_https_verifies_generated_certificate(self):
        for host in ("127.0.0.1", "localhost"):  # SAN IP and DNS entries
            c = self.https_client(host)
            name = f"tls-{host.replace('.', '-')}"
            c.create_stream(StreamName=name, ShardCount=1)
            self.wait_active(name)
            seq = c.put_record(StreamName=name, Data=b"\x00secure\xff",
                               PartitionKey="k")["SequenceNumber"]
            it = c.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            records = c.get_records(ShardIterator=it)["Records"]
            self.assertEqual([(r["SequenceNumber"], r["Data"]) for r in records],
                             [(seq, b"\x00secure\xff")])
            big = c.put_records(StreamName=name, Records=[
                {"Data": os.urandom(10_000), "PartitionKey": str(i)} for i in range(300)])
            self.assertEqual(big["FailedRecordCount"], 0)
            c.delete_stream(StreamName=name)

    def test_untrusted_certificate_is_rejected_by_default(self):
        ctx = ssl.create_default_context()
        with socket.create_connection(("127.0.0.1", self.tls_port), timeout=5) as raw:
            with self.assertRaises(ssl.SSLCertVerificationError):
                ctx.wrap_socket(raw, server_hostname="localhost")

    @unittest.skipUnless(os.path.exists(AWS_CLI), f"{AWS_CLI} missing")
    def test_aws_cli_with_ca_bundle(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": "",
            "AWS_CONFIG_FILE": os.path.join(self.tmp, "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.tmp, "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        self.kinesis.create_stream(StreamName="cli-tls", ShardCount=1)
        self.wait_active("cli-tls")
        base = [AWS_CLI, "kinesis", "--endpoint-url", f"https://127.0.0.1:{self.tls_port}",
                "--ca-bundle", self.cert, "--output", "json"]
        p = subprocess.run(base + ["put-record", "--stream-name", "cli-tls", "--partition-key",
                                   "k", "--data", "aGVsbG8="], env=env, capture_output=True,
                           timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertIn("shardId-000000000000", p.stdout.decode())
        p = subprocess.run(base[:-4] + ["--no-verify-ssl", "--output", "json", "list-streams"],
                           env=env, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertIn("cli-tls", p.stdout.decode())

    def test_bad_tls_input_fails_only_that_connection(self):
        with socket.create_connection(("127.0.0.1", self.tls_port), timeout=5) as s:
            s.sendall(b"\x16\x03\x01\x00\x20" + b"this is not a client hello....." * 2)
            s.settimeout(5)
            try:
                while s.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout):
                pass
        with socket.create_connection(("127.0.0.1", self.tls_port), timeout=5) as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            s.settimeout(5)
            self.assertEqual(s.recv(4096), b"")  # plain text on the TLS port: closed
        c = self.https_client("127.0.0.1")
        self.assertIn("StreamNames", c.list_streams())
        self.assertIn("StreamNames", self.kinesis.list_streams())  # plain port unaffected


if __name__ == "__main__":
    unittest.main()
