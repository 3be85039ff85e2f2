"""The JS SDK v3 (@aws-sdk/client-kinesis, default NodeHttp2Handler) against Runnel: the
seed scenario and a 500-record PutRecords over h2c (http://) and over h2 with TLS (https://,
trusting the --tls-self-signed certificate through NODE_EXTRA_CA_CERTS).

The SDK is installed by run.sh into tests/integration/node_modules from package-lock.json.
"""

import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import NODE, ServerTestCase, free_port, requires_js_sdk  # noqa: E402

SCRIPT = os.path.join(HERE, "js_sdk_scenario.mjs")


@requires_js_sdk
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


@requires_js_sdk
class JsSdkSigV4Test(ServerTestCase):
    """With --auth sigv4 the JS SDK's h2 requests (which sign the literal :authority
    pseudo-header, kinesis-wire.md §7.4) are verified; a wrong secret is refused."""

    def start_server(self, extra_args=None):
        parent = os.path.dirname(os.path.abspath(self.data_dir))
        os.makedirs(parent, exist_ok=True)
        creds = os.path.join(parent, "js-credentials")
        with open(creds, "w") as f:
            f.write("[default]\naws_access_key_id = AKIDTEST\naws_secret_access_key = secret\n")
        self.server.start(self.data_dir, ["--auth", "sigv4", "--credentials-file", creds],
                          transition_ms=self.transition_ms)

    def run_node(self, env):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        full_env.update(env)
        p = subprocess.run([NODE, SCRIPT, self.endpoint, "jssig"], capture_output=True,
                           timeout=240, stdin=subprocess.DEVNULL, env=full_env, cwd=HERE)
        lines = [line for line in p.stdout.decode().splitlines() if line.startswith("{")]
        self.assertTrue(lines, p.stderr.decode()[-3000:])
        return p.returncode, json.loads(lines[-1])

    def test_signed_requests_are_verified(self):
        rc, summary = self.run_node({})
        self.assertTrue(summary.get("ok"), summary)
        self.assertEqual(rc, 0)
        self.assertEqual(summary["bulk"], 500)

    def test_wrong_secret_is_refused(self):
        rc, summary = self.run_node({"RUNNEL_JS_SECRET": "not-the-secret"})
        self.assertFalse(summary.get("ok"), summary)
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidSignatureException", summary.get("error", ""))


if __name__ == "__main__":
    unittest.main()
