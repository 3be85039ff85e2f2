"""SubscribeToShard at scale and under back-pressure, on the real binary:

- 100 concurrent subscribers (100 consumers: --consumer-limit 100) on one shard while one
  producer puts 1,000 records/s: every subscriber receives every record exactly once, in order.
- Slow subscribers (a tiny TCP receive buffer over HTTP/1.1; a tiny HTTP/2 window over h2c, via
  node's http2 module) that read nothing while ~100 MB are produced: a fast subscriber and the
  producer keep their pace, the server's RSS stays bounded (it holds at most one pending event
  per subscription, not the backlog), and the slow one still gets every record, in order, once
  it reads again (it resumes where it stopped).

Figures (rates, lag, RSS) are printed to stderr; they are not benchmarks (see runnel bench)."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest
import http.client

from harness import JSON_CT, TARGET_PREFIX, ServerTestCase, shard_id, stream_arn
from test_subscribe import RawSubscription, json_events

SHARD0 = shard_id(0)
HERE = os.path.dirname(os.path.abspath(__file__))
NODE = shutil.which("node")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Producer:
    """PutRecords on one keep-alive connection (unsigned: the server runs --auth none)."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def put(self, stream, datas):
        body = json.dumps({"StreamName": stream, "Records": [
            {"PartitionKey": "k", "Data": d} for d in datas]}).encode()
        self.conn.request("POST", "/", body=body, headers={
            "Content-Type": JSON_CT, "X-Amz-Target": TARGET_PREFIX + "PutRecords"})
        resp = self.conn.getresponse()
        out = json.loads(resp.read())
        assert resp.status == 200 and out.get("FailedRecordCount", 0) == 0, out
        return out


def b64(n):
    """Base64 of the decimal text of n (records carry their own index)."""
    import base64
    return base64.b64encode(str(n).encode()).decode()


class Reader(threading.Thread):
    """Reads a JSON RawSubscription until `want` records arrived; keeps the decoded indices."""

    def __init__(self, sub, want):
        super().__init__(daemon=True)
        self.sub, self.want, self.got, self.error = sub, want, [], None
        self.last_arrival = None

    def run(self):
        import base64
        try:
            for ev in json_events(self.sub):
                for r in ev["Records"]:
                    self.got.append(int(base64.b64decode(r["Data"])[:16]))
                if ev["Records"]:
                    self.last_arrival = time.monotonic()
                if len(self.got) >= self.want:
                    break
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


class ScaleTest(ServerTestCase):
    transition_ms = 0
    server_args = ("--consumer-limit", "100")

    def test_100_subscribers_at_1000_records_per_second_lose_nothing(self):
        self.create_stream("s")
        consumers = [self.kinesis.register_stream_consumer(
            StreamARN=stream_arn("s"), ConsumerName=f"c{i}")["Consumer"]["ConsumerARN"]
            for i in range(100)]
        total, per_batch, rate = 3000, 25, 1000.0  # 3 s at 1,000 records/s, 40 puts/s
        readers = []
        for c in consumers:
            r = Reader(RawSubscription(self.server.port, c), total)
            r.start()
            readers.append(r)
        time.sleep(0.5)  # every subscription is past its initial response
        producer = Producer(self.server.port)
        t0 = time.monotonic()
        for i in range(0, total, per_batch):
            producer.put("s", [b64(n) for n in range(i, i + per_batch)])
            pause = t0 + (i + per_batch) / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        produced_s = time.monotonic() - t0
        for r in readers:
            r.join(timeout=max(5.0, 60 - (time.monotonic() - t0)))
        done = time.monotonic()
        for r in readers:
            r.sub.close()
        lags = [r.last_arrival - t0 - produced_s for r in readers if r.last_arrival]
        sys.stderr.write(f"\n[100 subscribers: produced {total} in {produced_s:.2f} s "
                         f"({total / produced_s:.0f}/s); all received {done - t0:.2f} s after "
                         f"start; worst last-record lag {max(lags) * 1000:.0f} ms; "
                         f"load {os.getloadavg()[0]:.1f}] ")
        for i, r in enumerate(readers):
            self.assertIsNone(r.error, f"subscriber {i}")
            self.assertEqual(r.got, list(range(total)), f"subscriber {i}")


class BackPressureTest(ServerTestCase):
    transition_ms = 0
    server_args = ("--sync", "none")  # the producer's pace is not the disk's

    def register(self, name):
        return self.kinesis.register_stream_consumer(
            StreamARN=stream_arn("s"), ConsumerName=name)["Consumer"]["ConsumerARN"]

    def produce_with_a_slow_subscriber(self, start_slow):
        """Starts a fast subscriber, calls start_slow(consumer_arn) -> (resume, close), then
        produces ~100 MB; returns the figures. The slow one reads nothing meanwhile."""
        self.create_stream("s")
        fast_c, slow_c = self.register("fast"), self.register("slow")
        resume, close_slow = start_slow(slow_c)
        records, size = 100, 1_000_000  # 100 x 1 MB = 100 MB, far above the RSS bound below
        fast = Reader(RawSubscription(self.server.port, fast_c), records)
        fast.start()
        time.sleep(0.3)
        pid = self.server.proc.pid
        rss0 = rss_mb(pid)
        rss_max = rss0
        producer = Producer(self.server.port)
        import base64
        pad = "x" * (size - 16)
        put_times = []
        t0 = time.monotonic()
        for i in range(records):
            data = base64.b64encode(f"{i:<16}".encode() + pad.encode()).decode()
            t = time.monotonic()
            producer.put("s", [data])
            put_times.append(time.monotonic() - t)
            if i % 10 == 0:
                rss_max = max(rss_max, rss_mb(pid))
        produced_s = time.monotonic() - t0
        fast.join(timeout=60)
        fast_done = time.monotonic() - t0
        rss_max = max(rss_max, rss_mb(pid))
        fast.sub.close()
        return dict(fast=fast, produced_s=produced_s, fast_done=fast_done, rss0=rss0,
                    rss_max=rss_max, put_max=max(put_times), records=records, resume=resume,
                    close_slow=close_slow)

    def check(self, f, label):
        sys.stderr.write(
            f"\n[{label}: produced {f['records']} x 1 MB in {f['produced_s']:.2f} s (slowest put "
            f"{f['put_max'] * 1000:.0f} ms); fast subscriber done after {f['fast_done']:.2f} s; "
            f"server RSS {f['rss0']:.0f} -> max {f['rss_max']:.0f} MB; "
            f"load {os.getloadavg()[0]:.1f}] ")
        self.assertIsNone(f["fast"].error)
        # The fast subscriber's pace is the producer's, not the slow one's.
        self.assertEqual(f["fast"].got, list(range(f["records"])))
        self.assertLess(f["fast_done"], f["produced_s"] + 15)
        self.assertLess(f["put_max"], 5.0)
        # At most one pending event per subscription (<= GetRecords' 10 MB, ~14 MB of JSON,
        # plus its frame) and socket buffers: far below the 100 MB produced.
        self.assertLess(f["rss_max"] - f["rss0"], 70, "server RSS grew with the backlog")

    def test_slow_http1_subscriber_small_receive_buffer(self):
        holder = {}

        def start_slow(consumer):
            sub = RawSubscription(self.server.port, consumer, rcvbuf=4096, timeout=60)
            holder["sub"] = sub
            return None, sub.close

        f = self.produce_with_a_slow_subscriber(start_slow)
        self.check(f, "HTTP/1.1 slow subscriber")
        # Now it reads: everything, in order, from where it stopped.
        slow = Reader(holder["sub"], f["records"])
        slow.run()
        holder["sub"].close()
        self.assertIsNone(slow.error)
        self.assertEqual(slow.got, list(range(f["records"])))

    @unittest.skipUnless(NODE, "node missing")
    def test_slow_h2c_subscriber_small_window(self):
        holder = {}

        def start_slow(consumer):
            p = subprocess.Popen(
                [NODE, os.path.join(HERE, "js_sdk_subscribe.mjs"), self.endpoint, "slow",
                 consumer], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, cwd=HERE)
            line = p.stdout.readline().decode()  # "subscribed" once the response headers came
            self.assertIn("subscribed", line, p.stderr.read(2000) if not line else line)
            holder["p"] = p
            self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
            return None, p.kill

        f = self.produce_with_a_slow_subscriber(start_slow)
        self.check(f, "h2c slow subscriber (16 KiB window)")
        p = holder["p"]
        out, err = p.communicate(input=f"{f['records']}\n".encode(), timeout=120)
        lines = [line for line in out.decode().splitlines() if line.startswith("{")]
        self.assertTrue(lines, err.decode()[-2000:])
        summary = json.loads(lines[-1])
        self.assertTrue(summary["ok"], summary)
        self.assertEqual(summary["indices"], list(range(f["records"])))


if __name__ == "__main__":
    unittest.main()
