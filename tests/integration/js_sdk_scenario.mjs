// The seed scenario and a 500-record PutRecords through @aws-sdk/client-kinesis with its
// default request handler (NodeHttp2Handler: h2c against http://, h2 over TLS for https://).
// Usage: node js_sdk_scenario.mjs ENDPOINT PREFIX    (driven by test_js_sdk.py)
// Prints one JSON summary line; exits non-zero on any failure.
import {
  CreateStreamCommand, DeleteStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand,
  GetShardIteratorCommand, KinesisClient, ListStreamsCommand, PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";

const [endpoint, prefix] = process.argv.slice(2);
const WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike " +
  "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split(" ");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const decoder = new TextDecoder();

function makeClient() {
  return new KinesisClient({
    endpoint, region: "us-east-1", maxAttempts: 2,
    // RUNNEL_JS_SECRET lets test_js_sdk.py check SigV4 verification with a wrong secret.
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: process.env.RUNNEL_JS_SECRET || "secret" },
  });
}

async function waitActive(client, name) {
  for (let i = 0; i < 200; i++) {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary.StreamStatus === "ACTIVE") return;
    await sleep(25);
  }
  throw new Error(`stream ${name} never became ACTIVE`);
}

async function read(name, expected) {
  const client = makeClient();  // its own HTTP/2 session
  let it = (await client.send(new GetShardIteratorCommand({
    StreamName: name, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON",
  }))).ShardIterator;
  const got = [];
  const deadline = Date.now() + 60000;
  while (got.length < expected && Date.now() < deadline) {
    const r = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 25 }));
    for (const rec of r.Records) {
      got.push({ seq: rec.SequenceNumber, data: decoder.decode(rec.Data), key: rec.PartitionKey });
    }
    it = r.NextShardIterator;
    if (r.Records.length === 0) await sleep(50);
  }
  client.destroy();
  return got;
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function main() {
  const client = makeClient();
  const handler = client.config.requestHandler?.constructor?.name ?? "unknown";
  const seed = `${prefix}-seed`;
  await client.send(new CreateStreamCommand({ StreamName: seed, ShardCount: 1 }));
  await waitActive(client, seed);

  const readers = [read(seed, 100), read(seed, 100)];
  const sent = [];
  for (let i = 0; i < 100; i++) {
    const word = `${WORDS[i % WORDS.length]}-${String(i).padStart(3, "0")}`;
    const r = await client.send(new PutRecordCommand({
      StreamName: seed, Data: new TextEncoder().encode(word), PartitionKey: word,
    }));
    check(r.ShardId === "shardId-000000000000", `unexpected shard ${r.ShardId}`);
    sent.push({ seq: r.SequenceNumber, data: word, key: word });
  }
  const results = await Promise.all(readers);
  for (const got of results) {
    check(JSON.stringify(got) === JSON.stringify(sent),
      `reader saw ${got.length} records, not the 100 sent in order`);
  }

  // 500 records in one PutRecords, with binary data (all byte values).
  const bulk = `${prefix}-bulk`;
  await client.send(new CreateStreamCommand({ StreamName: bulk, ShardCount: 4 }));
  await waitActive(client, bulk);
  const entries = [];
  for (let i = 0; i < 500; i++) {
    const data = new Uint8Array(200);
    for (let j = 0; j < data.length; j++) data[j] = (i + j) % 256;
    entries.push({ Data: data, PartitionKey: `pk-${i}` });
  }
  const put = await client.send(new PutRecordsCommand({ StreamName: bulk, Records: entries }));
  check(put.FailedRecordCount === 0, `FailedRecordCount ${put.FailedRecordCount}`);
  check(put.Records.length === 500 && put.Records.every((r) => r.SequenceNumber && r.ShardId),
    "PutRecords results incomplete");

  // Many calls in flight at once on one HTTP/2 session.
  const parallel = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    client.send(new PutRecordCommand({ StreamName: bulk, Data: new Uint8Array([i]), PartitionKey: `p${i}` }))));
  check(parallel.every((r) => r.SequenceNumber), "parallel PutRecord failed");

  for (const name of [seed, bulk]) {
    await client.send(new DeleteStreamCommand({ StreamName: name }));
  }
  let remaining = [];
  for (let i = 0; i < 200; i++) {
    remaining = (await client.send(new ListStreamsCommand({}))).StreamNames
      .filter((n) => n.startsWith(prefix));
    if (remaining.length === 0) break;
    await sleep(25);
  }
  check(remaining.length === 0, `streams not deleted: ${remaining}`);
  client.destroy();
  console.log(JSON.stringify({ ok: true, handler, records: sent.length, bulk: put.Records.length }));
}

main().catch((e) => {
  console.log(JSON.stringify({ ok: false, error: `${e.name}: ${e.message}` }));
  process.exit(1);
});
