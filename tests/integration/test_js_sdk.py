"""The JS SDK v3 (@aws-sdk/client-kinesis, default NodeHttp2Handler) against Runnel: the
seed scenario and a 500-record PutRecords over h2c (http://) and over h2 with TLS (https://,
trusting the --tls-self-signed certificate through NODE_EXTRA_CA_CERTS).

The SDK is installed by run.sh into tests/integration/node_modules from package-lock.json.
"""

import json
import os
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import ServerTestCase, free_port  # noqa: E402

NODE = shutil.which("node")
SDK = os.path.join(HERE, "node_modules", "@aws-sdk", "client-kinesis")
SCRIPT = os.path.join(HERE, "js_sdk_scenario.mjs")


@unittest.skipUnless(NODE and os.path.isdir(SDK),
                     "node or @aws-sdk/client-kinesis missing (run.sh installs it with npm ci)")
class JsSdkTest(ServerTestCase):

    def start_server(self, extra_args=None):
        self.tls_port = free_port()
        self.server.start(self.data_dir, ["--tls-self-signed", "--tls-port", str(self.tls_port)],
                          transition_ms=self.transition_ms)

    def run_scenario(self, endpoint, prefix, env=None):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        full_env.update(env or {})
        p = subprocess.run([NODE, SCRIPT, endpoint, prefix], capture_output=True, timeout=240,
                           stdin=subprocess.DEVNULL, env=full_env, cwd=HERE)
        out, err = p.stdout.decode(), p.stderr.decode()
        lines = [line for line in out.splitlines() if line.startswith("{")]
        self.assertTrue(lines, f"no summary from node; stdout:\n{out}\nstderr:\n{err[-3000:]}")
        summary = json.loads(lines[-1])
        self.assertTrue(summary.get("ok"), f"{summary}\nstderr:\n{err[-3000:]}\nserver log:\n"
                                           + self.server_log(since_start=True)[-3000:])
        self.assertEqual(p.returncode, 0)
        return summary

    def test_seed_scenario_and_500_record_put_records_over_h2c(self):
        summary = self.run_scenario(self.endpoint, "jsh2c")
        self.assertEqual(summary["handler"], "NodeHttp2Handler")
        self.assertEqual(summary["records"], 100)
        self.assertEqual(summary["bulk"], 500)

    def test_same_over_h2_with_tls(self):
        cert = os.path.join(self.data_dir, "tls", "cert.pem")
        summary = self.run_scenario(f"https://localhost:{self.tls_port}", "jstls",
                                    env={"NODE_EXTRA_CA_CERTS": cert})
        self.assertEqual(summary["handler"], "NodeHttp2Handler")
        self.assertEqual(summary["bulk"], 500)


if __name__ == "__main__":
    unittest.main()
