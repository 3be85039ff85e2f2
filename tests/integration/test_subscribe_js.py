"""SubscribeToShard through the JS SDK v3 (@aws-sdk/client-kinesis, default NodeHttp2Handler)
over h2c: js_sdk_subscribe.mjs registers a consumer, subscribes at LATEST, times each put
record until its event arrives (push latency, bounded here, printed to stderr), checks the
event fields, resubscribes from the last ContinuationSequenceNumber (nothing lost or
duplicated, the closed subscription's slot free at once) and sees DeregisterStreamConsumer
end the subscription. The SDK is installed by run.sh into tests/integration/node_modules."""

import json
import os
import subprocess
import sys
import unittest

from harness import NODE, ServerTestCase, requires_js_sdk

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "js_sdk_subscribe.mjs")


@requires_js_sdk
class JsSdkSubscribeTest(ServerTestCase):
    transition_ms = 0

    def test_subscribe_to_shard_over_h2c(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        p = subprocess.run([NODE, SCRIPT, self.endpoint, "jsefo", "20"], capture_output=True,
                           timeout=240, stdin=subprocess.DEVNULL, env=env, cwd=HERE)
        out, err = p.stdout.decode(), p.stderr.decode()
        lines = [line for line in out.splitlines() if line.startswith("{")]
        self.assertTrue(lines, f"no summary from node; stdout:\n{out}\nstderr:\n{err[-3000:]}")
        summary = json.loads(lines[-1])
        self.assertTrue(summary.get("ok"), f"{summary}\nstderr:\n{err[-3000:]}\nserver log:\n"
                                           + self.server_log(since_start=True)[-3000:])
        self.assertEqual(p.returncode, 0)
        self.assertEqual(summary["handler"], "NodeHttp2Handler")
        self.assertEqual(summary["records"], 20)
        self.assertEqual(summary["resubscribed"], 5)
        self.assertEqual(summary["resubscribe_retries"], 0)
        lat, ack = summary["latency_ms"], summary["ack_to_event_ms"]
        sys.stderr.write(f"\n[JS SDK h2c push latency ms: put->event p50 {lat['p50']:.2f} max "
                         f"{lat['max']:.2f}; ack->event p50 {ack['p50']:.2f} max "
                         f"{ack['max']:.2f}; load {os.getloadavg()[0]:.1f}] ")
        # The push path is bounded; the put itself (fsync) has outliers at load 20.
        self.assertLess(ack["max"], 200, summary)
        self.assertLess(lat["p50"], 200, summary)


if __name__ == "__main__":
    unittest.main()
