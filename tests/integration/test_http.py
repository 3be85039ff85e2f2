"""HTTP/1.1 transport rules from kinesis-wire.md §1, §2, §5: keep-alive, pipelining, chunked
request bodies, Expect: 100-continue, and the response headers clients rely on."""

import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import JSON_CT, ServerTestCase, sign_headers  # noqa: E402


def build_request(port, target, body, extra=None, chunked=False):
    hdrs = sign_headers(port, "Kinesis_20131202." + target, body, JSON_CT, extra)
    head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
    if chunked:
        head += "Transfer-Encoding: chunked\r\n\r\n"
        mid = len(body) // 2
        payload = b""
        for part in (body[:mid], body[mid:]):
            if part:
                payload += f"{len(part):x}\r\n".encode() + part + b"\r\n"
        return head.encode() + payload + b"0\r\n\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


class Reader:
    """Minimal HTTP/1.1 response reader over one socket (Content-Length or chunked)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self):
        status_line = self._line()
        status = int(status_line.split(b" ", 2)[1])
        headers = {}
        while True:
            line = self._line()
            if not line:
                break
            k, v = line.decode().split(":", 1)
            headers[k.strip().lower()] = v.strip()
        if status == 100:
            return self.response()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._exact(size)
                self._exact(2)
        else:
            body = self._exact(int(headers.get("content-length", "0")))
        return status, headers, body


class HttpTest(ServerTestCase):

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=15)
        self.addCleanup(s.close)
        return s, Reader(s)

    def test_keep_alive(self):
        self.create_stream("ka", 1)
        s, rd = self.connect()
        for i in range(5):
            body = json.dumps({"StreamName": "ka", "Data": "AA==", "PartitionKey": f"k{i}"})
            s.sendall(build_request(self.server.port, "PutRecord", body.encode()))
            status, headers, resp = rd.response()
            self.assertEqual(status, 200, resp)
            self.assertIn("SequenceNumber", json.loads(resp))
        # An error does not close a keep-alive connection either.
        s.sendall(build_request(self.server.port, "DescribeStream", b'{"StreamName": "nope"}'))
        status, _, resp = rd.response()
        self.assertEqual(status, 400)
        s.sendall(build_request(self.server.port, "ListStreams", b"{}"))
        status, _, resp = rd.response()
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(resp)["StreamNames"], ["ka"])

    def test_pipelined_requests_answered_in_order(self):
        self.create_stream("pipe", 1)
        port = self.server.port
        reqs = [build_request(port, "PutRecord", json.dumps(
            {"StreamName": "pipe", "Data": "AA==", "PartitionKey": f"k{i}"}).encode())
            for i in range(10)]
        reqs.insert(5, build_request(port, "DescribeStream", b'{"StreamName": "missing"}'))
        reqs.append(build_request(port, "DescribeStreamSummary", b'{"StreamName": "pipe"}'))
        s, rd = self.connect()
        s.sendall(b"".join(reqs))
        results = [rd.response() for _ in reqs]
        seqs = []
        for i, (status, _, body) in enumerate(results):
            if i == 5:
                self.assertEqual(status, 400)
                self.assertEqual(json.loads(body)["__type"], "ResourceNotFoundException")
            elif i == len(results) - 1:
                self.assertEqual(status, 200)
                self.assertIn("StreamDescriptionSummary", json.loads(body))
            else:
                self.assertEqual(status, 200, body)
                seqs.append(int(json.loads(body)["SequenceNumber"]))
        self.assertEqual(seqs, sorted(seqs))  # answered in order of the requests
        recs = self.read_shard("pipe", "shardId-000000000000")
        self.assertEqual([r["PartitionKey"] for r in recs], [f"k{i}" for i in range(10)])

    def test_chunked_request_body(self):
        self.create_stream("chunk", 1)
        s, rd = self.connect()
        body = json.dumps({"StreamName": "chunk", "Data": "aGVsbG8=", "PartitionKey": "pk"})
        s.sendall(build_request(self.server.port, "PutRecord", body.encode(), chunked=True))
        status, _, resp = rd.response()
        self.assertEqual(status, 200, resp)
        recs = self.read_shard("chunk", "shardId-000000000000")
        self.assertEqual([r["Data"] for r in recs], [b"hello"])

    def test_expect_100_continue(self):
        self.create_stream("cont", 1)
        s, rd = self.connect()
        body = json.dumps({"StreamName": "cont", "Data": "aGk=", "PartitionKey": "pk"}).encode()
        req = build_request(self.server.port, "PutRecord", body, extra={"Expect": "100-continue"})
        head, _, payload = req.partition(b"\r\n\r\n")
        s.sendall(head + b"\r\n\r\n")
        s.settimeout(2)
        try:
            rd._fill()  # an interim 100 Continue (optional) ...
        except socket.timeout:
            pass
        s.settimeout(15)
        s.sendall(payload)  # ... then the body
        status, _, resp = rd.response()
        self.assertEqual(status, 200, resp)
        self.assertEqual(self.read_shard("cont", "shardId-000000000000")[0]["Data"], b"hi")

    def test_response_headers(self):
        status, headers, body = self.raw("ListStreams", b"{}")
        self.assertEqual(status, 200)
        self.assertTrue(headers.get("x-amzn-requestid"))
        self.assertTrue(headers.get("x-amz-id-2"))
        self.assertTrue(headers.get("date"))
        self.assertEqual(headers.get("content-type", "").split(";")[0], JSON_CT)
        self.assertEqual(int(headers["content-length"]), len(body))
        status, headers2, body = self.raw("DescribeStream", b'{"StreamName": "nope"}')
        self.assertEqual(status, 400)
        self.assertTrue(headers2.get("x-amzn-requestid"))
        self.assertNotEqual(headers2["x-amzn-requestid"], headers["x-amzn-requestid"])
        self.assertEqual(headers2.get("content-type", "").split(";")[0], JSON_CT)
        # Void operations answer 200 with an empty body or {}.
        status, _, body = self.raw("CreateStream", b'{"StreamName": "v", "ShardCount": 1}')
        self.assertEqual(status, 200)
        self.assertIn(body.strip(), (b"", b"{}"))
        # boto3's request id is the header's.
        r = self.kinesis.list_streams()
        self.assertTrue(r["ResponseMetadata"]["RequestId"])


if __name__ == "__main__":
    unittest.main()
