"""Registered stream consumers (enhanced fan-out) with boto3: register, describe, list with
pagination, deregister, the per-stream limits, DeleteStream's EnforceConsumerDeletion, and
persistence across a restart."""

import datetime
import re
import time
import unittest

from harness import ACCOUNT, ServerTestCase, stream_arn


class ConsumersTest(ServerTestCase):

    def register(self, stream, name, **kw):
        return self.kinesis.register_stream_consumer(StreamARN=stream_arn(stream),
                                                     ConsumerName=name, **kw)["Consumer"]

    def wait_consumer_active(self, arn, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            d = self.kinesis.describe_stream_consumer(ConsumerARN=arn)["ConsumerDescription"]
            if d["ConsumerStatus"] == "ACTIVE":
                return d
            time.sleep(0.02)
        self.fail(f"consumer {arn} not ACTIVE")

    def test_register_describe_list_deregister(self):
        self.create_stream("s")
        c = self.register("s", "app1")
        self.assertEqual(c["ConsumerName"], "app1")
        self.assertEqual(c["ConsumerStatus"], "CREATING")
        self.assertRegex(c["ConsumerARN"],
                         "^" + re.escape(stream_arn("s")) + r"/consumer/app1:\d+$")
        d = self.wait_consumer_active(c["ConsumerARN"])
        self.assertEqual(d["StreamARN"], stream_arn("s"))
        self.assertEqual(d["ConsumerARN"], c["ConsumerARN"])
        by_name = self.kinesis.describe_stream_consumer(StreamARN=stream_arn("s"),
                                                        ConsumerName="app1")
        self.assertEqual(by_name["ConsumerDescription"]["ConsumerARN"], c["ConsumerARN"])
        summary = self.kinesis.describe_stream_summary(StreamName="s")
        self.assertEqual(summary["StreamDescriptionSummary"]["ConsumerCount"], 1)

        self.assertAwsError("ResourceInUseException", self.register, "s", "app1")
        self.assertAwsError("ResourceNotFoundException", self.kinesis.describe_stream_consumer,
                            StreamARN=stream_arn("s"), ConsumerName="nope")
        self.assertAwsError("InvalidArgumentException", self.kinesis.describe_stream_consumer,
                            StreamARN=stream_arn("s"))

        self.kinesis.deregister_stream_consumer(ConsumerARN=c["ConsumerARN"])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            consumers = self.kinesis.list_stream_consumers(StreamARN=stream_arn("s"))["Consumers"]
            if not consumers:
                break
            self.assertEqual(consumers[0]["ConsumerStatus"], "DELETING")
            time.sleep(0.02)
        self.assertEqual(consumers, [])
        self.assertAwsError("ResourceNotFoundException", self.kinesis.describe_stream_consumer,
                            ConsumerARN=c["ConsumerARN"])
        # A re-registered name gets a new ARN (at least a second later) and the old one is gone.
        time.sleep(1.05)
        c2 = self.register("s", "app1")
        self.assertNotEqual(c2["ConsumerARN"], c["ConsumerARN"])
        self.assertAwsError("ResourceNotFoundException", self.kinesis.describe_stream_consumer,
                            ConsumerARN=c["ConsumerARN"])

    def test_list_pagination(self):
        self.create_stream("s")
        names = []
        for i in range(12):
            if i % 5 == 0 and i:
                time.sleep(0.1)  # at most 5 CREATING at once
            names.append(f"c{i:02d}")
            self.register("s", names[-1])
        seen, token = [], None
        while True:
            kw = {"NextToken": token} if token else {}
            page = self.kinesis.list_stream_consumers(StreamARN=stream_arn("s"), MaxResults=5,
                                                      **kw)
            self.assertLessEqual(len(page["Consumers"]), 5)
            seen += [c["ConsumerName"] for c in page["Consumers"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(seen, names)

    def test_list_pagination_survives_deregistration(self):
        """A token names the last consumer of its page; the next page starts after it even if
        that consumer is deregistered (and gone) in between."""
        self.create_stream("s")
        names = [f"c{i}" for i in range(6)]
        for i, name in enumerate(names):
            if i == 5:
                time.sleep(0.2)  # at most 5 CREATING at once
            self.register("s", name)
        page = self.kinesis.list_stream_consumers(StreamARN=stream_arn("s"), MaxResults=2)
        self.assertEqual([c["ConsumerName"] for c in page["Consumers"]], ["c0", "c1"])
        self.kinesis.deregister_stream_consumer(StreamARN=stream_arn("s"), ConsumerName="c1")
        deadline = time.monotonic() + 5
        while any(c["ConsumerName"] == "c1" for c in self.kinesis.list_stream_consumers(
                StreamARN=stream_arn("s"))["Consumers"]):
            self.assertLess(time.monotonic(), deadline, "c1 still listed")
            time.sleep(0.02)
        seen, token = [], page["NextToken"]
        while token:
            page = self.kinesis.list_stream_consumers(StreamARN=stream_arn("s"), MaxResults=2,
                                                      NextToken=token)
            seen += [c["ConsumerName"] for c in page["Consumers"]]
            token = page.get("NextToken")
        self.assertEqual(seen, ["c2", "c3", "c4", "c5"])

    def test_list_stream_creation_timestamp(self):
        """StreamCreationTimestamp tells apart streams of the same name (as in ListShards): a
        different creation time names another stream."""
        self.create_stream("s")
        self.register("s", "app")
        created = self.kinesis.describe_stream_summary(
            StreamName="s")["StreamDescriptionSummary"]["StreamCreationTimestamp"]
        page = self.kinesis.list_stream_consumers(StreamARN=stream_arn("s"),
                                                  StreamCreationTimestamp=created)
        self.assertEqual([c["ConsumerName"] for c in page["Consumers"]], ["app"])
        self.assertAwsError("ResourceNotFoundException", self.kinesis.list_stream_consumers,
                            StreamARN=stream_arn("s"),
                            StreamCreationTimestamp=datetime.datetime(2020, 1, 1,
                                                                      tzinfo=datetime.timezone.utc))

    def test_delete_stream_enforcement(self):
        self.create_stream("s")
        self.register("s", "app")
        self.assertAwsError("ResourceInUseException", self.kinesis.delete_stream, StreamName="s")
        self.kinesis.delete_stream(StreamName="s", EnforceConsumerDeletion=True)
        self.wait_gone("s")

    def test_consumers_survive_restart(self):
        self.create_stream("s")
        c = self.register("s", "app", Tags={"team": "x"})
        self.wait_consumer_active(c["ConsumerARN"])
        self.restart_server()
        self.kinesis = self.client()
        d = self.kinesis.describe_stream_consumer(ConsumerARN=c["ConsumerARN"])
        self.assertEqual(d["ConsumerDescription"]["ConsumerStatus"], "ACTIVE")
        self.assertEqual(d["ConsumerDescription"]["ConsumerCreationTimestamp"],
                         c["ConsumerCreationTimestamp"])


class ConsumerLimitsTest(ServerTestCase):
    transition_ms = 2500  # registrations stay CREATING long enough to hit the limit of 5 (slow CI)

    def register(self, stream, name):
        # boto3 retries LimitExceededException (legacy retry mode): ask once.
        client = self.client(retries={"max_attempts": 0})
        return client.register_stream_consumer(StreamARN=stream_arn(stream),
                                                     ConsumerName=name)["Consumer"]

    def test_limits(self):
        self.create_stream("s")
        for i in range(5):
            self.register("s", f"c{i}")
        self.assertAwsError("LimitExceededException", self.register, "s", "c5")
        for i in range(5, 20):
            if i % 5 == 0:
                time.sleep(2.6)  # CREATING -> ACTIVE
            self.register("s", f"c{i}")
        time.sleep(2.6)
        self.assertAwsError("LimitExceededException", self.register, "s", "c20")


if __name__ == "__main__":
    unittest.main()
