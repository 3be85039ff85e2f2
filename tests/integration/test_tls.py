"""HTTPS with `--tls-self-signed`: boto3 and the AWS CLI verifying the generated certificate,
certificate reuse across restarts, and bad TLS input failing only its own connection."""

import os
import socket
import ssl
import json
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402

from botocore.exceptions import ClientError  # noqa: E402

from harness import (ACCESS_KEY, AWS_CLI, REGION, SECRET_KEY, ServerTestCase,  # noqa: E402
                     boto_config, free_port, stream_arn)


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

    def tls_subscribe_http11(self, stream):
        """Registers a consumer on `stream` and subscribes to shard 0 over HTTP/1.1 + TLS.
        Returns (consumer ARN, raw socket, TLS socket, bytes read up to the
        initial-response)."""
        consumer = self.kinesis.register_stream_consumer(
            StreamARN=stream_arn(stream), ConsumerName="c")["Consumer"]["ConsumerARN"]
        deadline = time.monotonic() + 5
        while (self.kinesis.describe_stream_consumer(ConsumerARN=consumer)
               ["ConsumerDescription"]["ConsumerStatus"] != "ACTIVE"):
            self.assertLess(time.monotonic(), deadline, "consumer not ACTIVE")
            time.sleep(0.02)
        body = json.dumps({"ConsumerARN": consumer, "ShardId": "shardId-000000000000",
                           "StartingPosition": {"Type": "LATEST"}}).encode()
        ctx = ssl.create_default_context(cafile=self.cert)
        raw = socket.create_connection(("127.0.0.1", self.tls_port), timeout=5)
        tls = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        tls.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/x-amz-json-1.1\r\n"
                    b"X-Amz-Target: Kinesis_20131202.SubscribeToShard\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        head = b""
        while b"initial-response" not in head:
            chunk = tls.recv(4096)
            self.assertTrue(chunk, f"closed before the initial-response: {head!r}")
            head += chunk
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:100])
        return consumer, raw, tls, head

    def test_request_sent_during_a_tls_subscription_is_answered_after_it(self):
        """Bytes a client sends while its HTTP/1.1 + TLS subscription streams are kept and
        answered as the next request once the stream ends (here at the shard's end)."""
        self.create_stream("tls-next")
        _, raw, tls, got = self.tls_subscribe_http11("tls-next")
        tls.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/x-amz-json-1.1\r\n"
                    b"X-Amz-Target: Kinesis_20131202.ListStreams\r\n"
                    b"Content-Length: 2\r\n\r\n{}")
        time.sleep(0.2)  # read by the server while the subscription still streams
        self.kinesis.split_shard(StreamName="tls-next", ShardToSplit="shardId-000000000000",
                                 NewStartingHashKey=str(2**127))
        tls.settimeout(10)
        while b"StreamNames" not in got:
            chunk = tls.recv(65536)
            self.assertTrue(chunk, f"closed before the next answer: {got[-300:]!r}")
            got += chunk
        self.assertIn(b"ChildShards", got)  # the stream ended at the shard's end first
        self.assertLess(got.index(b"ChildShards"), got.index(b"StreamNames"))
        self.assertIn(b'"tls-next"', got[got.index(b"StreamNames"):])
        tls.close()

    def subscribe_when_free(self, consumer, within_s):
        """Subscribes (LATEST on shard 0), retrying while ResourceInUseException says the
        closed subscription still holds the slot; fails if it still does after `within_s`."""
        deadline = time.monotonic() + within_s
        while True:
            try:
                r = self.kinesis.subscribe_to_shard(
                    ConsumerARN=consumer, ShardId="shardId-000000000000",
                    StartingPosition={"Type": "LATEST"})
                break
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "ResourceInUseException")
                self.assertLess(time.monotonic(), deadline,
                                "the closed TLS subscription still holds the slot")
                time.sleep(0.05)
        r["EventStream"].close()

    def test_subscriber_that_sends_close_notify_over_http11_frees_its_slot(self):
        """A SubscribeToShard over HTTP/1.1 + TLS whose client sends close_notify and then
        closes ends at once. (TLS 1.3 alerts look like data on the wire: the server must
        decrypt what arrives during the stream, not only watch for EOF.)"""
        self.create_stream("tls-sub")
        consumer, raw, tls, _ = self.tls_subscribe_http11("tls-sub")
        # The same consumer and shard are taken while the subscription lives.
        with self.assertRaises(ClientError) as cm:
            self.kinesis.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000",
                                            StartingPosition={"Type": "LATEST"})
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceInUseException")
        tls.settimeout(2)
        try:
            tls.unwrap()  # sends close_notify (the server answers by closing)
        except (OSError, ssl.SSLError):
            pass
        raw.close()
        # Freed at once, not at the subscription's 5-minute end.
        self.subscribe_when_free(consumer, within_s=3)

    def test_subscriber_that_sent_request_bytes_then_closes_frees_its_slot(self):
        """Over HTTP/1.1 + TLS, a client that sends bytes of a next request during its
        subscription and then closes (no close_notify) still frees the slot at once: the
        server keeps watching the connection after such bytes."""
        self.create_stream("tls-bytes")
        consumer, raw, tls, _ = self.tls_subscribe_http11("tls-bytes")
        tls.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.2)
        tls.close()  # closes the socket without a close_notify
        self.subscribe_when_free(consumer, within_s=1.5)

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
