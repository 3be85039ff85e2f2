"""Integration-test harness: starts the real `runnel serve` binary and talks to it.

Only the Python standard library and boto3/botocore are used. Every network call and
every subprocess has a timeout, and every server listens on 127.0.0.1 only.

Public API (test_cli.py and test_examples.py import it; keep it stable):
  RUNNEL_BIN, ACCOUNT, REGION, free_port(), Server, ServerTestCase
"""

import base64
import ctypes
import datetime
import faulthandler
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RUNNEL_BIN = os.path.abspath(os.environ.get("RUNNEL_BIN", os.path.join(REPO, "build", "runnel")))
AWS_CLI = os.environ.get("AWS_CLI", "/usr/bin/aws")
# Node.js and the JS SDK v3 (run.sh installs @aws-sdk/client-kinesis with npm ci).
NODE = shutil.which("node")
JS_SDK_DIR = os.path.join(HERE, "node_modules", "@aws-sdk", "client-kinesis")
requires_js_sdk = unittest.skipUnless(
    NODE and os.path.isdir(JS_SDK_DIR),
    "node or @aws-sdk/client-kinesis missing (run.sh installs it with npm ci)")

ACCOUNT = "000000000000"
REGION = "us-east-1"
ACCESS_KEY = "AKIDTEST"
SECRET_KEY = "secret"
JSON_CT = "application/x-amz-json-1.1"
TARGET_PREFIX = "Kinesis_20131202."

HASH_MAX = 2**128 - 1
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 20.0
# A single test that runs longer than this is stuck: dump every thread's stack and abort.
TEST_HANG_TIMEOUT_S = float(os.environ.get("RUNNEL_IT_TEST_TIMEOUT", "300"))


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _assert_port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            raise AssertionError(f"port {port} is still in use before starting runnel: {e}")


def stream_arn(name, region=REGION, account=ACCOUNT):
    return f"arn:aws:kinesis:{region}:{account}:stream/{name}"


def md5_hash_key(partition_key):
    """The 128-bit hash key Kinesis routes a partition key by."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def expected_hash_ranges(n):
    """[(start, end)] for an n-shard stream, as AWS splits the 128-bit space."""
    step = 2**128 // n
    ranges = [(i * step, (i + 1) * step - 1) for i in range(n)]
    ranges[-1] = (ranges[-1][0], HASH_MAX)
    return ranges


def shard_id(i):
    return f"shardId-{i:012d}"


def boto_config(**overrides):
    kw = dict(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30)
    kw.update(overrides)
    return Config(**kw)


def make_client(endpoint, **config_overrides):
    return boto3.session.Session().client(
        "kinesis",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=boto_config(**config_overrides),
    )


def _die_with_parent():
    """preexec_fn: SIGKILL the server if the test runner dies, so no server outlives it."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Server:
    """One `runnel serve` process on 127.0.0.1 with a given data dir."""

    def __init__(self, binary=None, port=None):
        self.binary = binary or RUNNEL_BIN
        self.port = port or free_port()
        self.proc = None
        self.data_dir = None
        self.log_path = None
        self._log_file = None
        self.log_offset = 0  # where the current run's output starts in the log file
        self.args = []

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, data_dir, extra_args=(), transition_ms=50, sync="always"):
        """Starts the server and waits until it answers ListStreams."""
        if self.proc is not None:
            raise RuntimeError("server already running")
        extra_args = list(extra_args)
        self.data_dir = os.path.abspath(data_dir)
        os.makedirs(os.path.dirname(self.data_dir), exist_ok=True)
        self.log_path = os.path.join(os.path.dirname(self.data_dir), "server.log")
        args = [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--data-dir", self.data_dir]
        if "--transition-ms" not in extra_args and transition_ms is not None:
            args += ["--transition-ms", str(transition_ms)]
        if "--sync" not in extra_args and sync is not None:
            args += ["--sync", sync]
        args += extra_args
        self.args = args
        _assert_port_free(self.port)  # a stale server there would answer our readiness probe
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"=== harness: starting {' '.join(args)}\n".encode())
        self._log_file.flush()
        self.log_offset = self._log_file.tell()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + START_TIMEOUT_S
        last_err = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self._close()
                raise AssertionError(f"server exited with {code} during start-up; log:\n"
                                     + self.log(since_start=True))
            try:
                status, _, body = raw_request(self.port, "ListStreams", b"{}", timeout=2)
                if status == 200:
                    return self
                last_err = f"ListStreams answered {status}: {body[:200]!r}"
            except OSError as e:
                last_err = repr(e)
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"server not ready within {START_TIMEOUT_S}s ({last_err}); log:\n"
                             + self.log(since_start=True))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM, wait, and assert a clean exit (code 0). Returns the exit code."""
        if self.proc is None:
            return None
        proc = self.proc
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
                self._close()
                raise AssertionError(f"server did not exit within {timeout}s of SIGTERM; log:\n"
                                     + self.log(since_start=True)[-4000:])
        code = proc.returncode
        self._close()
        if code != 0:
            raise AssertionError(f"server exited with code {code} (expected 0 after SIGTERM); "
                                 f"log:\n" + self.log(since_start=True)[-4000:])
        return code

    def kill(self):
        """SIGKILL, no chance to clean up."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        finally:
            self._close()

    def _close(self):
        self.proc = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log(self, since_start=False):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            if since_start:
                f.seek(self.log_offset)
            return f.read().decode("utf-8", "replace")


def sign_headers(port, target, body, content_type=JSON_CT, extra=None):
    """SigV4 headers (as botocore computes them) for a raw request."""
    headers = {"Content-Type": content_type}
    if target is not None:
        headers["X-Amz-Target"] = target
    if extra:
        headers.update(extra)
    req = botocore.awsrequest.AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/",
                                         data=body, headers=headers)
    creds = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY)
    botocore.auth.SigV4Auth(creds, "kinesis", REGION).add_auth(req)
    return dict(req.headers.items())


def raw_request(port, target, body=b"{}", content_type=JSON_CT, headers=None, method="POST",
                path="/", sign=True, timeout=30):
    """One HTTP request on a fresh connection. `target` without a '.' gets the Kinesis prefix.

    Returns (status, {lower-case header: value}, body bytes).
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if target is not None and "." not in target:
        target = TARGET_PREFIX + target
    if sign and method == "POST":
        hdrs = sign_headers(port, target, body, content_type, headers)
    else:
        hdrs = {"Content-Type": content_type} if content_type is not None else {}
        if target is not None:
            hdrs["X-Amz-Target"] = target
        hdrs.update(headers or {})
    if content_type is None:
        hdrs.pop("Content-Type", None)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body if method != "GET" else None, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


class ServerTestCase(unittest.TestCase):
    """Each test gets a fresh data dir and a fresh server; tearDown stops it cleanly."""

    transition_ms = 50
    server_args = ()

    def setUp(self):
        faulthandler.dump_traceback_later(TEST_HANG_TIMEOUT_S, exit=True)
        self.addCleanup(faulthandler.cancel_dump_traceback_later)
        self.tmp = tempfile.mkdtemp(prefix="runnel-it-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.runnel = RUNNEL_BIN
        self.server = Server()
        self.start_server()
        self.endpoint = self.server.endpoint
        self.kinesis = self.client()

    def tearDown(self):
        try:
            if self.server.proc is not None:
                crashed = self.server.proc.poll()
                if crashed is not None:
                    log = self.server.log(since_start=True)
                    self.server._close()
                    self.fail(f"server died during the test with code {crashed}; log:\n{log[-4000:]}")
                self.server.stop()
        finally:
            if os.environ.get("RUNNEL_IT_KEEP"):
                sys.stderr.write(f"\n[kept {self.tmp}]\n")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- server control -------------------------------------------------------------------

    def start_server(self, extra_args=None):
        args = list(self.server_args if extra_args is None else extra_args)
        self.server.start(self.data_dir, args, transition_ms=self.transition_ms)

    def stop_server(self):
        return self.server.stop()

    def kill_server(self):
        self.server.kill()

    def restart_server(self, extra_args=None):
        self.stop_server()
        self.start_server(extra_args)

    def server_log(self, since_start=False):
        return self.server.log(since_start=since_start)

    # ---- clients --------------------------------------------------------------------------

    def client(self, **config_overrides):
        """A fresh boto3 Kinesis client for this server (one per thread)."""
        return make_client(self.endpoint, **config_overrides)

    def raw(self, target, body=b"{}", content_type=JSON_CT, headers=None, method="POST",
            path="/", sign=True, timeout=30):
        return raw_request(self.server.port, target, body, content_type, headers, method, path,
                           sign, timeout)

    def raw_json(self, target, obj):
        """POST a JSON object; returns (status, parsed JSON body or None)."""
        status, _, body = self.raw(target, json.dumps(obj).encode())
        return status, (json.loads(body) if body.strip() else None)

    # ---- stream helpers -------------------------------------------------------------------

    def create_stream(self, name, shards=1, wait=True, **kwargs):
        mode = kwargs.get("StreamModeDetails", {}).get("StreamMode")
        if shards is not None and mode != "ON_DEMAND":
            kwargs.setdefault("ShardCount", shards)
        self.kinesis.create_stream(StreamName=name, **kwargs)
        if wait:
            self.wait_active(name)
        return name

    def wait_active(self, name, timeout=15.0):
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            status = self.kinesis.describe_stream_summary(
                StreamName=name)["StreamDescriptionSummary"]["StreamStatus"]
            if status == "ACTIVE":
                return
            time.sleep(0.02)
        self.fail(f"stream {name} not ACTIVE after {timeout}s (last status {status})")

    def wait_gone(self, name, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.kinesis.describe_stream_summary(StreamName=name)
            except ClientError as e:
                if e.response["Error"]["Code"] == "ResourceNotFoundException":
                    return
                raise
            time.sleep(0.02)
        self.fail(f"stream {name} still exists {timeout}s after DeleteStream")

    def shards(self, name):
        out, token = [], None
        while True:
            resp = (self.kinesis.list_shards(NextToken=token) if token
                    else self.kinesis.list_shards(StreamName=name))
            out += resp["Shards"]
            token = resp.get("NextToken")
            if not token:
                return out

    def iterator(self, name, shard, kind="TRIM_HORIZON", client=None, **kw):
        c = client or self.kinesis
        return c.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType=kind,
                                    **kw)["ShardIterator"]

    def read_shard(self, name, shard, expected=None, kind="TRIM_HORIZON", client=None,
                   timeout=30.0, it=None, **kw):
        """Reads a shard from an iterator until `expected` records arrived (or, when expected
        is None, until a response is empty and caught up). Returns the records."""
        c = client or self.kinesis
        it = it or self.iterator(name, shard, kind, client=c, **kw)
        records = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            resp = c.get_records(ShardIterator=it)
            records += resp["Records"]
            it = resp.get("NextShardIterator")
            if expected is not None and len(records) >= expected:
                return records
            if expected is None and not resp["Records"] and resp.get("MillisBehindLatest", 0) == 0:
                return records
            if it is None:
                return records
            if not resp["Records"]:
                time.sleep(0.05)
        if expected is not None:
            self.fail(f"read {len(records)} of {expected} records from {name}/{shard} "
                      f"within {timeout}s")
        return records

    def read_all(self, name):
        """{shard id: [records]} for every shard of a stream, from TRIM_HORIZON."""
        return {s["ShardId"]: self.read_shard(name, s["ShardId"]) for s in self.shards(name)}

    def stream_names(self):
        names, kw = [], {}
        while True:
            resp = self.kinesis.list_streams(**kw)
            names += resp["StreamNames"]
            if not resp.get("HasMoreStreams"):
                return names
            kw = {"NextToken": resp["NextToken"]} if resp.get("NextToken") else \
                {"ExclusiveStartStreamName": names[-1]}

    # ---- assertions -----------------------------------------------------------------------

    def assertAwsError(self, code, fn, *args, message=None, message_prefix=None,
                       message_contains=None, status=400, **kwargs):
        """Calls fn(*args, **kwargs); asserts a ClientError with this code, status, message."""
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        err = cm.exception.response
        got = err.get("Error", {})
        self.assertEqual(got.get("Code"), code, f"error was {got}")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, f"error was {got}")
        msg = got.get("Message")
        if message is not None:
            self.assertEqual(msg, message)
        if message_prefix is not None:
            self.assertIsNotNone(msg, f"no message in {got}")
            self.assertTrue(msg.startswith(message_prefix), f"{msg!r} !^ {message_prefix!r}")
        if message_contains is not None:
            self.assertIsNotNone(msg, f"no message in {got}")
            self.assertIn(message_contains, msg)
        return got

    def assertRawError(self, status, body, code, http_status=400, message=None):
        """Checks a raw response: status and the JSON error body's __type (and message)."""
        self.assertEqual(status, http_status, body[:500])
        doc = json.loads(body)
        t = doc.get("__type", "")
        # Clients strip anything before '#': "ns#Code" is as good as "Code".
        self.assertEqual(t.split("#")[-1].split(":")[0], code, doc)
        if message is not None:
            self.assertEqual(doc.get("message", doc.get("Message")), message, doc)
        return doc


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def b64(data):
    return base64.b64encode(data).decode()
