"""The `runnel` client subcommands against a live server (issue 3).

Every command runs as a subprocess with a timeout, from a temp dir (so the repo's
examples/config.json is not picked up unless a test puts a config there), with the AWS
environment cleared so the CLI falls back to its dummy credentials.
"""

import json
import os
import shutil
import signal
import subprocess
import time

from harness import ACCOUNT, REGION, REPO, ServerTestCase, free_port

WORDS_FILE = os.path.join(REPO, "examples", "words.json")
CMD_TIMEOUT_S = 60


def load_words():
    with open(WORDS_FILE) as f:
        return json.load(f)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = os.environ.get("RUNNEL_IT_HOME", "/nonexistent")  # no ~/.aws/credentials
    env.update(extra)
    return env


class CliTestCase(ServerTestCase):
    def run_cli(self, *args, endpoint=True, timeout=CMD_TIMEOUT_S, env=None, cwd=None):
        cmd = [self.runnel, *args]
        if endpoint:
            cmd += ["--endpoint", self.endpoint, "--region", REGION]
        return subprocess.run(cmd, cwd=cwd or self.tmp, env=env or clean_env(),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)

    def ok(self, *args, **kw):
        res = self.run_cli(*args, **kw)
        self.assertEqual(res.returncode, 0, f"{args}: stdout={res.stdout!r} stderr={res.stderr!r}")
        return res

    def consume_json(self, stream, *extra, **kw):
        res = self.ok("consume", "--stream", stream, "--no-follow", "--format", "json", *extra, **kw)
        return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]

    def spawn_cli(self, *args, stdout):
        cmd = [self.runnel, *args, "--endpoint", self.endpoint, "--region", REGION]
        proc = subprocess.Popen(cmd, cwd=self.tmp, env=clean_env(), stdin=subprocess.DEVNULL,
                                stdout=stdout, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait(timeout=10)))
        return proc


class StreamCommandsTest(CliTestCase):
    def test_create_list_describe_delete(self):
        res = self.ok("create-stream", "--stream", "cli-a", "--shards", "2")
        self.assertIn("cli-a", res.stdout)
        summary = self.kinesis.describe_stream_summary(StreamName="cli-a")
        self.assertEqual(summary["StreamDescriptionSummary"]["StreamStatus"], "ACTIVE")
        self.assertEqual(summary["StreamDescriptionSummary"]["OpenShardCount"], 2)

        self.assertIn("cli-a", self.ok("list-streams").stdout.split())

        text = self.ok("describe-stream", "--stream", "cli-a").stdout
        self.assertIn("shardId-000000000000", text)
        self.assertIn("shardId-000000000001", text)
        self.assertIn("0 .. 170141183460469231731687303715884105727", text)
        self.assertIn("170141183460469231731687303715884105728 .. "
                      "340282366920938463463374607431768211455", text)
        self.assertIn("ACTIVE", text)

        doc = json.loads(self.ok("describe-stream", "--stream", "cli-a", "--json").stdout)
        self.assertEqual(doc["StreamDescriptionSummary"]["StreamName"], "cli-a")
        self.assertEqual([s["ShardId"] for s in doc["Shards"]],
                         ["shardId-000000000000", "shardId-000000000001"])
        self.assertEqual(doc["Shards"][1]["HashKeyRange"]["EndingHashKey"], str(2**128 - 1))

        self.ok("delete-stream", "--stream", "cli-a")
        self.assertNotIn("cli-a", self.ok("list-streams").stdout.split())

    def test_create_no_wait_then_delete_no_wait(self):
        self.ok("create-stream", "--stream", "cli-nw", "--no-wait")
        self.wait_active("cli-nw")
        self.ok("delete-stream", "--stream", "cli-nw", "--no-wait")
        self.wait_gone("cli-nw")

    def test_describe_missing_stream_is_a_service_error(self):
        res = self.run_cli("describe-stream", "--stream", "nope")
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn(f"error: ResourceNotFoundException: Stream nope under account {ACCOUNT} "
                      "not found.", res.stderr)

    def test_delete_missing_and_duplicate_create_are_service_errors(self):
        res = self.run_cli("delete-stream", "--stream", "nope")
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("ResourceNotFoundException", res.stderr)
        self.ok("create-stream", "--stream", "dup")
        res = self.run_cli("create-stream", "--stream", "dup")
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("error: ResourceInUseException: ", res.stderr)

    def test_put_to_missing_stream_is_a_service_error(self):
        res = self.run_cli("put", "--stream", "nope", "--partition-key", "k", "--data", "x")
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("ResourceNotFoundException", res.stderr)

    def test_unreachable_endpoint_is_a_service_error(self):
        res = self.run_cli("list-streams", "--endpoint", f"http://127.0.0.1:{free_port()}",
                           endpoint=False, timeout=60)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("error: ConnectionError", res.stderr)


class UsageTest(CliTestCase):
    def test_usage_errors_exit_1(self):
        cases = [
            ("create-stream", "--stream", "s", "--bogus-flag"),
            ("create-stream", "--stream", "s", "--shards", "0"),
            ("put", "--stream", "s", "--partition-key", "k"),  # neither --data nor --data-file
            ("put", "--stream", "s", "--data", "x"),            # no --partition-key
            ("consume", "--stream", "s", "--format", "xml"),
            ("consume", "--stream", "s", "--from", "yesterday"),
            ("produce", "--stream", "s", "--batch", "501"),
            ("describe-stream",),                               # no stream, no config.json
            ("no-such-command",),
        ]
        for args in cases:
            with self.subTest(args=args):
                res = self.run_cli(*args)
                self.assertEqual(res.returncode, 1, f"stdout={res.stdout!r} stderr={res.stderr!r}")

    def test_every_subcommand_has_help_with_the_global_flags(self):
        for cmd in ["create-stream", "delete-stream", "list-streams", "describe-stream", "put",
                    "produce", "consume", "demo"]:
            with self.subTest(cmd=cmd):
                res = self.run_cli(cmd, "--help", endpoint=False)
                self.assertEqual(res.returncode, 0, res.stderr)
                for flag in ["--endpoint", "--region", "--config"]:
                    self.assertIn(flag, res.stdout)


class RecordCommandsTest(CliTestCase):
    def test_put_text_and_binary_then_consume(self):
        self.ok("create-stream", "--stream", "recs")
        res = self.ok("put", "--stream", "recs", "--partition-key", "k1", "--data", "café")
        shard, seq = res.stdout.split()
        self.assertEqual(shard, "shardId-000000000000")
        binary = os.path.join(self.tmp, "bin.dat")
        with open(binary, "wb") as f:
            f.write(b"\x00\x01\xfe\xff")
        self.ok("put", "--stream", "recs", "--partition-key", "k2", "--data-file", binary)

        records = self.consume_json("recs", "--name", "reader")
        self.assertEqual(len(records), 2)
        first, second = records
        self.assertEqual(first["sequence_number"], seq)
        self.assertEqual((first["data"], first["data_encoding"]), ("café", "utf-8"))
        self.assertEqual((second["data"], second["data_encoding"]), ("AAH+/w==", "base64"))
        self.assertEqual(first["partition_key"], "k1")
        self.assertEqual(first["shard"], "shardId-000000000000")
        self.assertEqual(first["consumer"], "reader")
        self.assertAlmostEqual(first["arrival_time"], time.time(), delta=120)
        # The same records through boto3.
        got = self.read_shard("recs", "shardId-000000000000")
        self.assertEqual([r["Data"] for r in got], ["café".encode(), b"\x00\x01\xfe\xff"])

        text = self.ok("consume", "--stream", "recs", "--no-follow").stdout.splitlines()
        self.assertEqual(len(text), 2)
        self.assertIn(seq, text[0])
        self.assertTrue(text[0].endswith("café"))
        self.assertIn("base64:AAH+/w==", text[1])

    def test_produce_words_single_and_batched(self):
        words = load_words()
        self.ok("create-stream", "--stream", "w1", "--shards", "1")
        res = self.ok("produce", "--stream", "w1", "--file", WORDS_FILE)
        self.assertIn(f"produced {len(words)} records", res.stdout)
        self.assertEqual([r["data"] for r in self.consume_json("w1")], words)

        self.ok("create-stream", "--stream", "w3", "--shards", "3")
        res = self.ok("produce", "--stream", "w3", "--file", WORDS_FILE, "--batch", "100")
        self.assertIn(f"produced {len(words)} records", res.stdout)
        records = self.consume_json("w3")
        self.assertEqual(sorted(r["data"] for r in records), sorted(words))
        self.assertEqual(len({r["shard"] for r in records}), 3)
        for r in records:
            self.assertEqual(r["partition_key"], r["data"])  # --partition-key word (default)
        # Within each shard the records are in the order sent.
        position = {w: i for i, w in enumerate(words)}
        for shard in {r["shard"] for r in records}:
            order = [position[r["data"]] for r in records if r["shard"] == shard]
            self.assertEqual(order, sorted(order))

    def test_produce_ndjson_objects_with_fixed_key(self):
        path = os.path.join(self.tmp, "events.ndjson")
        events = [{"id": i, "name": f"event {i}"} for i in range(20)]
        with open(path, "w") as f:
            for e in events:
                f.write(json.dumps(e) + "\n")
        self.ok("create-stream", "--stream", "ev", "--shards", "2")
        self.ok("produce", "--stream", "ev", "--file", path, "--partition-key", "user-1",
                "--batch", "7", "--rate", "1000")
        records = self.consume_json("ev")
        self.assertEqual([json.loads(r["data"]) for r in records], events)
        self.assertEqual({r["partition_key"] for r in records}, {"user-1"})
        self.assertEqual(records[0]["data"], json.dumps(events[0], separators=(",", ":")))

    def test_consume_positions_and_max(self):
        self.ok("create-stream", "--stream", "pos")
        seqs = []
        for i in range(5):
            res = self.ok("put", "--stream", "pos", "--partition-key", "k", "--data", f"r{i}")
            seqs.append(res.stdout.split()[1])
        self.assertEqual([r["data"] for r in self.consume_json("pos", "--max", "2")], ["r0", "r1"])
        self.assertEqual([r["data"] for r in self.consume_json("pos", "--from", f"at-sequence={seqs[3]}")],
                         ["r3", "r4"])
        self.assertEqual(self.consume_json("pos", "--from", "latest"), [])
        self.assertEqual(len(self.consume_json("pos", "--from", f"at-timestamp={time.time() - 60:.3f}")), 5)
        self.assertEqual(len(self.consume_json("pos", "--shard", "shardId-000000000000")), 5)
        res = self.run_cli("consume", "--stream", "pos", "--no-follow", "--shard", "shardId-000000000009")
        self.assertEqual(res.returncode, 2, res.stderr)

    def test_two_consumers_started_before_produce_each_get_every_word_in_order(self):
        words = load_words()
        self.ok("create-stream", "--stream", "words")
        outs, procs = [], []
        for i in (1, 2):
            out = open(os.path.join(self.tmp, f"c{i}.ndjson"), "w+")
            self.addCleanup(out.close)
            outs.append(out)
            procs.append(self.spawn_cli("consume", "--stream", "words", "--name", f"consumer-{i}",
                                        "--format", "json", "--follow", "--max", str(len(words)),
                                        stdout=out))
        time.sleep(0.5)  # both are polling an empty stream now
        self.ok("produce", "--stream", "words", "--file", WORDS_FILE)
        for i, (proc, out) in enumerate(zip(procs, outs), start=1):
            _, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0, err)
            out.seek(0)
            records = [json.loads(line) for line in out if line.strip()]
            self.assertEqual([r["data"] for r in records], words)
            self.assertEqual({r["consumer"] for r in records}, {f"consumer-{i}"})
            self.assertIn(f"consumer-{i}: {len(words)} records", err)

    def test_consume_stops_cleanly_on_sigint(self):
        self.ok("create-stream", "--stream", "sig")
        self.ok("put", "--stream", "sig", "--partition-key", "k", "--data", "one")
        out = open(os.path.join(self.tmp, "sig.out"), "w+")
        self.addCleanup(out.close)
        proc = self.spawn_cli("consume", "--stream", "sig", "--name", "c", stdout=out)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            out.seek(0)
            if "one" in out.read():
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("c: 1 records from 1 shard of stream sig (interrupted)", err)

    def test_consume_follows_child_shards_after_a_split(self):
        self.ok("create-stream", "--stream", "split")
        for i in range(3):
            self.ok("put", "--stream", "split", "--partition-key", f"k{i}", "--data", f"before{i}")
        try:
            self.kinesis.split_shard(StreamName="split", ShardToSplit="shardId-000000000000",
                                     NewStartingHashKey=str(2**127))
        except self.kinesis.exceptions.ClientError as e:
            self.skipTest(f"SplitShard not available: {e}")
        self.wait_active("split")
        for i in range(6):
            self.ok("put", "--stream", "split", "--partition-key", f"k{i}", "--data", f"after{i}")
        records = self.consume_json("split")
        data = [r["data"] for r in records]
        self.assertEqual(data[:3], ["before0", "before1", "before2"])
        self.assertEqual(sorted(data[3:]), sorted(f"after{i}" for i in range(6)))
        self.assertEqual({r["shard"] for r in records[3:]} - {"shardId-000000000001",
                                                            "shardId-000000000002"}, set())


class ConfigTest(CliTestCase):
    def write_config(self, directory, **overrides):
        cfg = {"stream_name": "cfg-stream", "region": REGION, "endpoint": self.endpoint,
               "shard_count": 2}
        cfg.update(overrides)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "config.json"), "w") as f:
            json.dump(cfg, f)

    def test_config_json_in_the_current_directory(self):
        self.write_config(self.tmp)
        self.ok("create-stream", endpoint=False)
        summary = self.kinesis.describe_stream_summary(StreamName="cfg-stream")
        self.assertEqual(summary["StreamDescriptionSummary"]["OpenShardCount"], 2)
        self.ok("put", "--partition-key", "k", "--data", "hello", endpoint=False)
        res = self.ok("consume", "--no-follow", endpoint=False)
        self.assertIn("hello", res.stdout)
        self.ok("delete-stream", endpoint=False)
        self.wait_gone("cfg-stream")

    def test_examples_config_is_the_fallback_and_flags_override(self):
        self.write_config(os.path.join(self.tmp, "examples"), stream_name="ex-stream",
                          endpoint=f"http://127.0.0.1:{free_port()}")  # nothing listens there
        self.ok("create-stream", "--endpoint", self.endpoint, endpoint=False)
        self.assertIn("ex-stream", self.stream_names())
        # --config names another file explicitly.
        other = os.path.join(self.tmp, "other")
        self.write_config(other, stream_name="other-stream")
        self.ok("create-stream", "--config", os.path.join(other, "config.json"), endpoint=False)
        self.assertIn("other-stream", self.stream_names())

    def test_aws_endpoint_url_is_honoured_and_the_flag_wins(self):
        env = clean_env(AWS_ENDPOINT_URL=self.endpoint, AWS_REGION=REGION)
        self.ok("create-stream", "--stream", "env-stream", endpoint=False, env=env)
        self.assertIn("env-stream", self.stream_names())
        bad = clean_env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
        self.assertIn("env-stream", self.ok("list-streams", env=bad).stdout.split())

    def test_missing_config_file_is_a_usage_error(self):
        res = self.run_cli("list-streams", "--config", os.path.join(self.tmp, "missing.json"))
        self.assertEqual(res.returncode, 1, res.stderr)


class DemoTest(CliTestCase):
    def setup_demo_dir(self, endpoint, stream="demo-words"):
        work = os.path.join(self.tmp, "demo")
        os.makedirs(work)
        with open(os.path.join(work, "config.json"), "w") as f:
            json.dump({"stream_name": stream, "region": REGION, "endpoint": endpoint,
                       "shard_count": 1}, f)
        shutil.copy(WORDS_FILE, os.path.join(work, "words.json"))
        return work

    def run_demo(self, work):
        res = subprocess.run([self.runnel, "demo"], cwd=work, env=clean_env(),
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)
        return res

    def test_demo_against_the_running_server(self):
        words = load_words()
        work = self.setup_demo_dir(self.endpoint)
        # A leftover stream of the same name is replaced.
        self.ok("create-stream", "--stream", "demo-words")
        self.ok("put", "--stream", "demo-words", "--partition-key", "old", "--data", "stale")
        res = self.run_demo(work)
        self.assertEqual(res.returncode, 0, f"stdout={res.stdout}\nstderr={res.stderr}")
        out = res.stdout
        self.assertIn(f"using {self.endpoint}", out)
        self.assertIn("deleting the leftover stream demo-words", out)
        for name in ("consumer-1", "consumer-2"):
            self.assertIn(f"{name}: received {len(words)}/{len(words)} words, all in the order sent",
                          out)
        self.assertIn(f"OK: both consumers received all {len(words)} words, in the same order as sent",
                      out)
        self.assertIn("timing:", out)
        self.assertIn("deleted demo-words", out)
        self.assertNotIn("demo-words", self.stream_names())

    def test_demo_starts_an_embedded_server_when_none_answers(self):
        words = load_words()
        work = self.setup_demo_dir(f"http://127.0.0.1:{free_port()}")
        res = self.run_demo(work)
        self.assertEqual(res.returncode, 0, f"stdout={res.stdout}\nstderr={res.stderr}")
        self.assertIn("starting an embedded server", res.stdout)
        self.assertIn(f"OK: both consumers received all {len(words)} words", res.stdout)
        self.assertIn("embedded server stopped (exit status 0)", res.stdout)
