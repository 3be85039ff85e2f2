// SubscribeToShard through @aws-sdk/client-kinesis with its default request handler
// (NodeHttp2Handler: h2c against http://). Registers a consumer, subscribes at LATEST, puts
// records one at a time and times each until its event arrives (push latency), then checks
// the event fields and resubscribes from the last ContinuationSequenceNumber.
// Usage: node js_sdk_subscribe.mjs ENDPOINT PREFIX [COUNT]    (driven by test_subscribe_js.py)
// Prints one JSON summary line; exits non-zero on any failure.
//
// Slow mode (test_subscribe_scale.py), with node's own http2 client instead of the SDK, to
// control the window: node js_sdk_subscribe.mjs ENDPOINT slow CONSUMER_ARN
// subscribes at LATEST with a 16 KiB stream window, prints "subscribed", then reads nothing
// (flow control stops the server) until a line with a count N arrives on stdin; then reads
// until N records arrived and prints {"ok":true,"indices":[...]} (each record's Data is its
// decimal index, space-padded).
import http2 from "node:http2";
import zlib from "node:zlib";
import {
  CreateStreamCommand, DeregisterStreamConsumerCommand, DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand, KinesisClient, PutRecordCommand, RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";

const [endpoint, prefix, countArg] = process.argv.slice(2);
const COUNT = Number(countArg || 20);
const SHARD = "shardId-000000000000";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const decoder = new TextDecoder();

function makeClient() {
  return new KinesisClient({
    endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
  });
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function until(what, fn) {
  for (let i = 0; i < 400; i++) {
    if (await fn()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// Pulls SubscribeToShardEvent payloads from an event stream, one at a time, with a timeout.
class Events {
  constructor(stream, abort) { this.it = stream[Symbol.asyncIterator](); this.abort = abort; }
  async next(timeoutMs = 10000) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const r = await Promise.race([this.it.next(), timeout]);
      if (r.done) return null;
      check(r.value.SubscribeToShardEvent, `unexpected event ${JSON.stringify(Object.keys(r.value))}`);
      return r.value.SubscribeToShardEvent;
    } finally {
      clearTimeout(timer);
    }
  }
  // Aborting resets the HTTP/2 stream (RST_STREAM): the server must free the slot at once.
  async close() {
    this.abort.abort();
    try { await this.it.return?.(); } catch { /* closing */ }
  }
}

async function subscribe(client, consumer, position) {
  const abort = new AbortController();
  const r = await client.send(new SubscribeToShardCommand({
    ConsumerARN: consumer, ShardId: SHARD, StartingPosition: position,
  }), { abortSignal: abort.signal });
  check(r.$metadata.httpStatusCode === 200, `status ${r.$metadata.httpStatusCode}`);
  return new Events(r.EventStream, abort);
}

async function main() {
  const client = makeClient();
  const handler = client.config.requestHandler?.constructor?.name ?? "unknown";
  const name = `${prefix}-efo`;
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  let arn;
  await until("stream ACTIVE", async () => {
    const s = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name })))
      .StreamDescriptionSummary;
    arn = s.StreamARN;
    return s.StreamStatus === "ACTIVE";
  });
  const consumer = (await client.send(new RegisterStreamConsumerCommand({
    StreamARN: arn, ConsumerName: "js",
  }))).Consumer.ConsumerARN;
  await until("consumer ACTIVE", async () => (await client.send(
    new DescribeStreamConsumerCommand({ ConsumerARN: consumer }))).ConsumerDescription
    .ConsumerStatus === "ACTIVE");

  // The subscriber has its own client (its own HTTP/2 session), as an application would.
  const subClient = makeClient();
  let events = await subscribe(subClient, consumer, { Type: "LATEST" });
  const first = await events.next();
  check(first && first.Records.length === 0, "first event should carry no records");
  check(typeof first.ContinuationSequenceNumber === "string", "no ContinuationSequenceNumber");
  check(typeof first.MillisBehindLatest === "number", "no MillisBehindLatest");

  const latencies = [];  // PutRecord called -> its event arrived (fsync included)
  const afterAck = [];   // PutRecord answered -> its event arrived (the push path)
  const got = [];
  let continuation;
  for (let i = 0; i < COUNT; i++) {
    const t0 = process.hrtime.bigint();
    await client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: "k", Data: new TextEncoder().encode(`r${i}`),
    }));
    const t1 = process.hrtime.bigint();
    let ev;
    do { ev = await events.next(); check(ev, "stream ended early"); } while (!ev.Records.length);
    const t2 = process.hrtime.bigint();
    latencies.push(Number(t2 - t0) / 1e6);
    afterAck.push(Number(t2 - t1) / 1e6);
    for (const r of ev.Records) got.push(decoder.decode(r.Data));
    check(ev.ContinuationSequenceNumber === ev.Records.at(-1).SequenceNumber,
      "ContinuationSequenceNumber is not the last record's sequence number");
    continuation = ev.ContinuationSequenceNumber;
    await sleep(10);
  }
  await events.close();
  subClient.destroy();
  check(got.join(",") === Array.from({ length: COUNT }, (_, i) => `r${i}`).join(","),
    `records out of order or missing: ${got.join(",")}`);

  // Records put while nobody listens arrive on resubscribing after the continuation (the
  // previous subscription's slot is taken for 5 s unless it is released: it was closed).
  for (let i = COUNT; i < COUNT + 5; i++) {
    await client.send(new PutRecordCommand({
      StreamName: name, PartitionKey: "k", Data: new TextEncoder().encode(`r${i}`),
    }));
  }
  const again = makeClient();
  let resubscribed;
  let attempts = 0;  // the closed subscription's slot must be free at once (HTTP/2 RST/close)
  for (let attempt = 0; ; attempt++) {
    attempts = attempt;
    try {
      resubscribed = await subscribe(again, consumer,
        { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: continuation });
      break;
    } catch (e) {
      if (e.name !== "ResourceInUseException" || attempt > 60) throw e;
      await sleep(100);
    }
  }
  const later = [];
  while (later.length < 5) {
    const ev = await resubscribed.next();
    check(ev, "resubscription ended early");
    for (const r of ev.Records) later.push(decoder.decode(r.Data));
  }
  check(later.join(",") === Array.from({ length: 5 }, (_, i) => `r${COUNT + i}`).join(","),
    `resubscription got ${later.join(",")}`);

  // Deregistering the consumer ends the subscription.
  await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumer }));
  let ended = false;
  try {
    for (let i = 0; i < 10 && !ended; i++) ended = (await resubscribed.next()) === null;
  } catch (e) {
    ended = e.name === "ResourceNotFoundException" || /no longer registered/.test(String(e.message));
    if (!ended) throw e;
  }
  check(ended, "the subscription did not end after DeregisterStreamConsumer");
  again.destroy();
  client.destroy();

  const stats = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { p50: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) };
  };
  console.log(JSON.stringify({
    ok: true, handler, records: got.length, resubscribed: later.length,
    resubscribe_retries: attempts, latency_ms: stats(latencies), ack_to_event_ms: stats(afterAck),
  }));
}

if (prefix === "slow") {
  slowSubscriber(countArg).then(() => process.exit(0), (e) => {
    console.log(JSON.stringify({ ok: false, error: `${e.name}: ${e.message}` }));
    process.exit(1);
  });
} else main().catch((e) => {
  console.log(JSON.stringify({ ok: false, error: `${e.name}: ${e.message}` }));
  console.error(e);
  process.exit(1);
});

// Frames of an event stream, from a growing buffer (kinesis-wire.md §8.1).
function* takeFrames(state) {
  for (;;) {
    if (state.buf.length < 12) return;
    const total = state.buf.readUInt32BE(0);
    if (state.buf.length < total) return;
    const frame = state.buf.subarray(0, total);
    state.buf = state.buf.subarray(total);
    const headersLen = frame.readUInt32BE(4);
    check(zlib.crc32(frame.subarray(0, total - 4)) === frame.readUInt32BE(total - 4), "bad CRC");
    const headers = {};
    for (let i = 12; i < 12 + headersLen;) {
      const n = frame[i];
      const name = frame.subarray(i + 1, i + 1 + n).toString();
      const vlen = frame.readUInt16BE(i + 2 + n);
      headers[name] = frame.subarray(i + 4 + n, i + 4 + n + vlen).toString();
      i += 4 + n + vlen;
    }
    yield { headers, payload: frame.subarray(12 + headersLen, total - 4) };
  }
}

async function slowSubscriber(consumer) {
  const session = http2.connect(endpoint, { settings: { initialWindowSize: 16384 } });
  session.on("error", () => {});
  const body = JSON.stringify({ ConsumerARN: consumer, ShardId: SHARD,
    StartingPosition: { Type: "LATEST" } });
  const req = session.request({
    ":method": "POST", ":path": "/", "content-type": "application/x-amz-json-1.1",
    "x-amz-target": "Kinesis_20131202.SubscribeToShard",
  });
  req.end(body);
  const state = { buf: Buffer.alloc(0) };
  const indices = [];
  let want = Infinity;
  let finish;
  const finished = new Promise((resolve, reject) => {
    finish = resolve;
    req.on("error", reject);
    req.on("end", () => reject(new Error(`stream ended after ${indices.length} records`)));
  });
  req.on("response", (h) => {
    check(h[":status"] === 200, `status ${h[":status"]}`);
    console.log("subscribed");
  });
  const onData = (chunk) => {
    state.buf = Buffer.concat([state.buf, chunk]);
    for (const { headers, payload } of takeFrames(state)) {
      check(headers[":message-type"] === "event", JSON.stringify(headers));
      if (headers[":event-type"] !== "SubscribeToShardEvent") continue;
      for (const r of JSON.parse(payload.toString()).Records) {
        indices.push(Number(Buffer.from(r.Data, "base64").subarray(0, 16).toString().trim()));
      }
    }
    if (indices.length >= want) finish();
  };
  // Read the first event (sent at once), then nothing until told.
  await new Promise((resolve) => req.once("data", (c) => { onData(c); resolve(); }));
  req.pause();
  const line = await new Promise((resolve) => {
    let text = "";
    process.stdin.on("data", (d) => {
      text += d;
      if (text.includes("\n")) resolve(text.trim());
    });
  });
  want = Number(line);
  req.on("data", onData);
  req.resume();
  await finished;
  console.log(JSON.stringify({ ok: true, indices }));
  req.close();
  session.close();
}
