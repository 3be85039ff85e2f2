"""`runnel consume` against the real server: push consumption through SubscribeToShard
(`--consumer NAME`: registration, live delivery in order, renewal of a subscription from its
ContinuationSequenceNumber without loss or duplicates, child shards after a split) and long
polling in polling mode (the x-runnel-wait-ms header)."""

import json
import os
import subprocess
import threading
import time
import unittest

from harness import REGION, RUNNEL_BIN, ServerTestCase, shard_id, stream_arn


def clean_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = os.environ.get("RUNNEL_IT_HOME", "/nonexistent")  # no ~/.aws/credentials
    return env


class ConsumeProcess:
    """A `runnel consume ...` child whose stdout lines (NDJSON) are collected by a thread."""

    def __init__(self, endpoint, cwd, *args):
        self.proc = subprocess.Popen(
            [RUNNEL_BIN, "consume", "--endpoint", endpoint, "--region", REGION, "--format", "json",
             *args],
            cwd=cwd, env=clean_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.records = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            rec = json.loads(line)
            rec["_seen"] = time.time()
            with self.lock:
                self.records.append(rec)

    def data(self):
        with self.lock:
            return [r["data"] for r in self.records]

    def wait_for(self, n, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.data()) >= n or self.proc.poll() is not None:
                break
            time.sleep(0.01)
        return self.data()

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        self.reader.join(timeout=5)
        return self.proc.returncode, err


class ConsumeBase(ServerTestCase):

    def consume(self, *args):
        p = ConsumeProcess(self.endpoint, self.tmp, *args)
        self.addCleanup(p.stop)
        return p

    def put(self, stream, data, key="k"):
        return self.kinesis.put_record(StreamName=stream, PartitionKey=key, Data=data.encode())


class PushConsumeTest(ConsumeBase):

    def test_registers_the_consumer_and_prints_records_live_in_order(self):
        self.create_stream("s")
        self.put("s", "before")
        c = self.consume("--stream", "s", "--consumer", "app")
        self.assertEqual(c.wait_for(1), ["before"])
        consumers = self.kinesis.list_stream_consumers(StreamARN=stream_arn("s"))["Consumers"]
        self.assertEqual([(x["ConsumerName"], x["ConsumerStatus"]) for x in consumers],
                         [("app", "ACTIVE")])
        latencies = []
        for i in range(20):
            t0 = time.time()
            self.put("s", f"live-{i}")
            got = c.wait_for(i + 2, timeout=5)
            self.assertEqual(len(got), i + 2, got)
            latencies.append(c.records[-1]["_seen"] - t0)
        self.assertEqual(c.data(), ["before"] + [f"live-{i}" for i in range(20)])
        # Pushed, not polled: each record shows up well before a polling interval would pass.
        latencies.sort()
        self.assertLess(latencies[len(latencies) // 2], 0.1, latencies)
        self.assertEqual(len({r["sequence_number"] for r in c.records}), 21)
        code, err = c.stop()
        self.assertEqual(code, 0, err)
        self.assertIn("21 records from 1 shard of stream s via consumer app (1 subscription, "
                      "registered now)", err)

    def test_existing_consumer_is_reused_and_deregister_removes_it(self):
        self.create_stream("s")
        arn = self.kinesis.register_stream_consumer(StreamARN=stream_arn("s"),
                                                    ConsumerName="app")["Consumer"]["ConsumerARN"]
        for i in range(3):
            self.put("s", f"r{i}")
        c = self.consume("--stream", "s", "--consumer", "app", "--max", "3", "--deregister")
        c.proc.wait(timeout=20)
        code, err = c.stop()
        self.assertEqual(code, 0, err)
        self.assertEqual(c.data(), ["r0", "r1", "r2"])
        self.assertNotIn("registered now", err)
        self.assertIn("deregistered", err)
        consumers = self.kinesis.list_stream_consumers(StreamARN=stream_arn("s"))["Consumers"]
        self.assertTrue(all(x["ConsumerARN"] != arn or x["ConsumerStatus"] == "DELETING"
                            for x in consumers), consumers)

    def test_no_follow_stops_once_caught_up(self):
        self.create_stream("s")
        for i in range(5):
            self.put("s", f"r{i}")
        c = self.consume("--stream", "s", "--consumer", "app", "--no-follow")
        c.proc.wait(timeout=20)
        code, err = c.stop()
        self.assertEqual(code, 0, err)
        self.assertEqual(c.data(), [f"r{i}" for i in range(5)])

    def test_child_shards_follow_their_parent(self):
        self.create_stream("s")
        for i in range(3):
            self.put("s", f"p{i}")
        self.kinesis.split_shard(StreamName="s", ShardToSplit=shard_id(0),
                                 NewStartingHashKey=str(2**127))
        self.wait_active("s")
        for i in range(3):
            self.put("s", f"c{i}")
        c = self.consume("--stream", "s", "--consumer", "app")
        got = c.wait_for(6)
        self.assertEqual(got[:3], ["p0", "p1", "p2"])          # the parent first
        self.assertEqual(sorted(got[3:]), ["c0", "c1", "c2"])  # then the children
        shards = [r["shard"] for r in c.records]
        self.assertEqual(shards[:3], [shard_id(0)] * 3)
        self.assertNotIn(shard_id(0), shards[3:])
        code, err = c.stop()
        self.assertEqual(code, 0, err)
        self.assertIn("from 3 shards", err)

    def test_missing_stream_is_a_service_error(self):
        c = self.consume("--stream", "nope", "--consumer", "app")
        c.proc.wait(timeout=20)
        code, err = c.stop()
        self.assertEqual(code, 2, err)
        self.assertIn("ResourceNotFoundException", err)


class PushRenewalTest(ConsumeBase):
    server_args = ("--enable-test-clock",)

    def advance_clock(self, ms):
        status, _, body = self.raw("Runnel_20240101.AdvanceClock", json.dumps({"Milliseconds": ms}))
        self.assertEqual(status, 200, body)

    def test_renewed_subscription_loses_and_duplicates_nothing(self):
        self.create_stream("s")
        c = self.consume("--stream", "s", "--consumer", "app")
        for i in range(5):
            self.put("s", f"{i}")
        self.assertEqual(c.wait_for(5), [str(i) for i in range(5)])
        for round_ in range(2):
            time.sleep(1.2)  # a subscription that ends within 1 s is renewed with backoff
            # Past the subscription's 5 minutes: the server ends it at its next wake-up (the
            # next record, or its keep-alive), and the consumer subscribes again
            # AFTER_SEQUENCE_NUMBER its ContinuationSequenceNumber.
            self.advance_clock(5 * 60 * 1000 + 1000)
            base = 5 + round_ * 10
            for i in range(base, base + 10):
                self.put("s", f"{i}")
                time.sleep(0.05)
            self.assertEqual(c.wait_for(base + 10), [str(i) for i in range(base + 10)])
        time.sleep(0.3)
        self.assertEqual(c.data(), [str(i) for i in range(25)])
        code, err = c.stop()
        self.assertEqual(code, 0, err)
        self.assertIn("(3 subscriptions", err)


class LongPollConsumeTest(ConsumeBase):

    def delivery_latencies(self, *args):
        """Puts 8 records at irregular intervals after the consumer is idle; returns how long
        each took to be printed."""
        self.create_stream("s")
        c = self.consume("--stream", "s", *args)
        time.sleep(0.5)  # the consumer is caught up and idle
        latencies = []
        for i in range(8):
            time.sleep(0.3 + 0.037 * i)
            t0 = time.time()
            self.put("s", f"r{i}")
            self.assertEqual(len(c.wait_for(i + 1, timeout=5)), i + 1)
            latencies.append(c.records[-1]["_seen"] - t0)
        code, err = c.stop()
        self.assertEqual(code, 0, err)
        return sorted(latencies)

    def test_polling_consume_long_polls_by_default(self):
        # Plain polling sleeps 200 ms after an empty read, so a record waits 100 ms on average:
        # six of eight under 40 ms has a chance of about 0.1% (p = 0.2 each). With long
        # polling the server answers the waiting GetRecords as soon as the record is durable.
        latencies = self.delivery_latencies()
        self.assertLess(latencies[5], 0.04, latencies)

    def test_wait_ms_zero_polls_plainly(self):
        latencies = self.delivery_latencies("--wait-ms", "0")
        # At least one of eight records waited for the 200 ms polling interval.
        self.assertGreater(latencies[-1], 0.04, latencies)


if __name__ == "__main__":
    unittest.main()
