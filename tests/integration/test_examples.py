"""The shipped examples: config.json, words.json and the boto3 scripts in examples/python,
run unchanged against a live server (issue 3)."""

import json
import os
import subprocess
import sys

import boto3

from harness import REPO, ServerTestCase, boto_config

EXAMPLES = os.path.join(REPO, "examples")
SCRIPTS = os.path.join(EXAMPLES, "python")
SCRIPT_TIMEOUT_S = 120


def load_words():
    with open(os.path.join(EXAMPLES, "words.json")) as f:
        return json.load(f)


class ExampleFilesTest(ServerTestCase):
    def test_config_json_has_the_course_settings(self):
        with open(os.path.join(EXAMPLES, "config.json")) as f:
            cfg = json.load(f)
        self.assertEqual(cfg["stream_name"], "words")
        self.assertEqual(cfg["region"], "us-east-2")
        self.assertEqual(cfg["endpoint"], "http://127.0.0.1:4567")
        self.assertEqual(cfg["shard_count"], 1)

    def test_words_json_is_a_few_hundred_distinct_words(self):
        words = load_words()
        self.assertTrue(300 <= len(words) <= 500, len(words))
        self.assertEqual(len(set(words)), len(words))
        for w in words:
            self.assertIsInstance(w, str)
            self.assertRegex(w, r"^[a-z]+$")


class PythonExamplesTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        # The scripts read $RUNNEL_CONFIG: the course config, pointed at this test's server.
        with open(os.path.join(EXAMPLES, "config.json")) as f:
            cfg = json.load(f)
        cfg["endpoint"] = self.endpoint
        self.stream = cfg["stream_name"]
        self.config_path = os.path.join(self.tmp, "config.json")
        with open(self.config_path, "w") as f:
            json.dump(cfg, f)
        # Check through a client in the config's region (us-east-2), as the scripts use it.
        self.kinesis = boto3.session.Session().client(
            "kinesis", endpoint_url=self.endpoint, region_name=cfg["region"],
            aws_access_key_id="test", aws_secret_access_key="test", config=boto_config())
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(RUNNEL_CONFIG=self.config_path, HOME=self.tmp,
                        AWS_EC2_METADATA_DISABLED="true", PYTHONUNBUFFERED="1")

    def script(self, name, *args):
        return [sys.executable, os.path.join(SCRIPTS, name), *args]

    def run_script(self, name, *args):
        res = subprocess.run(self.script(name, *args), cwd=SCRIPTS, env=self.env,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=SCRIPT_TIMEOUT_S)
        self.assertEqual(res.returncode, 0, f"{name}: stdout={res.stdout}\nstderr={res.stderr}")
        return res

    def test_producer_with_two_consumers_each_getting_every_word(self):
        words = load_words()
        self.assertIn(f"Stream {self.stream} created", self.run_script("create_stream.py").stdout)
        summary = self.kinesis.describe_stream_summary(StreamName=self.stream)
        self.assertEqual(summary["StreamDescriptionSummary"]["StreamStatus"], "ACTIVE")

        consumers = []
        for i in (1, 2):
            out = open(os.path.join(self.tmp, f"consumer{i}.out"), "w+")
            self.addCleanup(out.close)
            proc = subprocess.Popen(self.script("consumer.py", "--max", str(len(words)),
                                                "--timeout", "90"),
                                    cwd=SCRIPTS, env=self.env, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.PIPE, text=True)
            self.addCleanup(lambda p=proc: p.poll() is None and (p.kill(), p.wait(timeout=10)))
            consumers.append((proc, out))

        res = self.run_script("producer.py")
        self.assertIn(f"Sent {len(words)} words", res.stdout)

        for proc, out in consumers:
            _, err = proc.communicate(timeout=SCRIPT_TIMEOUT_S)
            self.assertEqual(proc.returncode, 0, err)
            out.seek(0)
            self.assertEqual(out.read().split("\n")[:-1], words)

        self.assertIn(f"Stream {self.stream} deleted", self.run_script("delete_stream.py").stdout)
        self.assertNotIn(self.stream, self.stream_names())

    def test_producer_output_names_shard_and_sequence(self):
        self.create_stream(self.stream)
        res = self.run_script("producer.py")
        first = res.stdout.splitlines()[0].split()
        self.assertEqual(first[:3], [load_words()[0], "->", "shardId-000000000000"])
        got = self.read_shard(self.stream, "shardId-000000000000")
        self.assertEqual(got[0]["SequenceNumber"], first[3])
        self.assertEqual(got[0]["PartitionKey"], load_words()[0])

    def test_consumer_timeout_without_records(self):
        self.create_stream(self.stream)
        res = subprocess.run(self.script("consumer.py", "--timeout", "1"), cwd=SCRIPTS,
                             env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stdout, "")
