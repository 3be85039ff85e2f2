#include "cli/kinesis_client.h"

#include <chrono>
#include <random>
#include <thread>

#include "cli/sigv4.h"
#include "common/base64.h"
#include "common/json_writer.h"

namespace runnel::cli {
namespace {

constexpr char kContentType[] = "application/x-amz-json-1.1";
constexpr char kTargetPrefix[] = "Kinesis_20131202.";

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string GetString(simdjson::dom::element obj, std::string_view key) {
  std::string_view v;
  if (obj[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

int64_t GetInt(simdjson::dom::element obj, std::string_view key) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return 0;
  int64_t i;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return i;
  double d;
  if (e.get_double().get(d) == simdjson::SUCCESS) return static_cast<int64_t>(d);
  return 0;
}

double GetDouble(simdjson::dom::element obj, std::string_view key) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return 0;
  double d;
  if (e.get_double().get(d) == simdjson::SUCCESS) return d;
  int64_t i;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  return 0;
}

ServiceError BadResponse(std::string_view action, std::string_view what) {
  return ServiceError{"InvalidResponse",
                      "unexpected " + std::string(action) + " response: " + std::string(what), 200};
}

ShardInfo ToShardInfo(simdjson::dom::element s) {
  ShardInfo shard;
  shard.shard_id = GetString(s, "ShardId");
  shard.parent_shard_id = GetString(s, "ParentShardId");
  shard.adjacent_parent_shard_id = GetString(s, "AdjacentParentShardId");
  simdjson::dom::element range;
  if (s["HashKeyRange"].get(range) == simdjson::SUCCESS) {
    shard.starting_hash_key = GetString(range, "StartingHashKey");
    shard.ending_hash_key = GetString(range, "EndingHashKey");
  }
  if (s["SequenceNumberRange"].get(range) == simdjson::SUCCESS) {
    shard.starting_sequence_number = GetString(range, "StartingSequenceNumber");
    shard.ending_sequence_number = GetString(range, "EndingSequenceNumber");
  }
  shard.raw_json = simdjson::minify(s);
  return shard;
}

// Records of a GetRecords response or a SubscribeToShardEvent; false if Data is not base64.
bool ParseRecords(simdjson::dom::element doc, std::vector<Record>* out) {
  simdjson::dom::array records;
  if (doc["Records"].get_array().get(records) != simdjson::SUCCESS) return true;
  out->reserve(records.size());
  for (auto r : records) {
    Record rec;
    rec.sequence_number = GetString(r, "SequenceNumber");
    rec.partition_key = GetString(r, "PartitionKey");
    std::string_view data;
    if (r["Data"].get_string().get(data) == simdjson::SUCCESS) {
      if (base64::DecodeAppend(data, rec.data).error != base64::DecodeError::kNone) return false;
    }
    rec.arrival_ms = static_cast<int64_t>(GetDouble(r, "ApproximateArrivalTimestamp") * 1000.0 + 0.5);
    out->push_back(std::move(rec));
  }
  return true;
}

std::vector<ChildShard> ParseChildShards(simdjson::dom::element doc) {
  std::vector<ChildShard> out;
  simdjson::dom::array children;
  if (doc["ChildShards"].get_array().get(children) != simdjson::SUCCESS) return out;
  for (auto c : children) {
    ChildShard child;
    child.shard_id = GetString(c, "ShardId");
    simdjson::dom::array parents;
    if (c["ParentShards"].get_array().get(parents) == simdjson::SUCCESS) {
      for (auto p : parents) {
        std::string_view id;
        if (p.get_string().get(id) == simdjson::SUCCESS) child.parent_shards.emplace_back(id);
      }
    }
    out.push_back(std::move(child));
  }
  return out;
}

}  // namespace

std::string_view IteratorTypeName(IteratorType type) {
  switch (type) {
    case IteratorType::kTrimHorizon: return "TRIM_HORIZON";
    case IteratorType::kLatest: return "LATEST";
    case IteratorType::kAtSequenceNumber: return "AT_SEQUENCE_NUMBER";
    case IteratorType::kAfterSequenceNumber: return "AFTER_SEQUENCE_NUMBER";
    case IteratorType::kAtTimestamp: return "AT_TIMESTAMP";
  }
  return "TRIM_HORIZON";
}

ServiceError ParseServiceError(int http_status, std::string_view body) {
  ServiceError err;
  err.http_status = http_status;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS && doc.is_object()) {
    std::string type = GetString(doc, "__type");
    if (size_t hash = type.rfind('#'); hash != std::string::npos) type.erase(0, hash + 1);
    if (size_t colon = type.find(':'); colon != std::string::npos) type.erase(colon);
    err.type = type;
    err.message = GetString(doc, "message");
    if (err.message.empty()) err.message = GetString(doc, "Message");
  }
  if (err.type.empty()) {
    err.type = "HttpError";
    std::string snippet(body.substr(0, 200));
    while (!snippet.empty() && (snippet.back() == '\n' || snippet.back() == ' ')) snippet.pop_back();
    err.message = "HTTP " + std::to_string(http_status) + (snippet.empty() ? "" : ": " + snippet);
  }
  return err;
}

bool IsRetryable(const ServiceError& error) {
  if (error.type == "Timeout") return false;  // a stuck server: waiting again would not help
  return error.IsConnectionError() || error.http_status >= 500 ||
         error.type == "ProvisionedThroughputExceededException" ||
         error.type == "LimitExceededException";
}

KinesisClient::KinesisClient(ClientOptions options)
    : options_(std::move(options)), http_(options_.endpoint, options_.timeout) {}

KinesisClient::Headers KinesisClient::SignedHeaders(std::string_view action,
                                                    std::string_view body) const {
  std::string target = std::string(kTargetPrefix) + std::string(action);
  std::string amz_date = sigv4::AmzDate(NowSeconds());
  const Credentials& creds = options_.credentials;

  sigv4::SigningInput in;
  in.headers = {{"content-type", kContentType},
                {"host", options_.endpoint.HostHeader()},
                {"x-amz-date", amz_date},
                {"x-amz-target", target}};
  if (!creds.session_token.empty()) in.headers.push_back({"x-amz-security-token", creds.session_token});
  in.body = body;
  in.amz_date = amz_date;
  in.region = options_.region;
  sigv4::Signature sig = sigv4::Sign(in, creds);

  Headers headers = {{"Content-Type", kContentType},
                     {"X-Amz-Target", target},
                     {"X-Amz-Date", amz_date},
                     {"Authorization", sig.authorization},
                     {"User-Agent", "runnel-cli/0.1.0"}};
  if (!creds.session_token.empty()) headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  return headers;
}

KinesisResult<std::string> KinesisClient::CallOnce(std::string_view action, std::string_view body,
                                                   const Headers& extra) {
  Headers headers = SignedHeaders(action, body);
  headers.insert(headers.end(), extra.begin(), extra.end());
  auto res = http_.Post(headers, body);
  if (!res.ok()) {
    return MakeUnexpected(
        ServiceError{res.error().timed_out ? "Timeout" : "ConnectionError", res.error().message, 0});
  }
  if (res->status != 200) return MakeUnexpected(ParseServiceError(res->status, res->body));
  return std::move(res->body);
}

KinesisResult<std::string> KinesisClient::Call(std::string_view action, std::string_view body,
                                               const Headers& extra) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  int connection_failures = 0;
  for (int attempt = 1;; ++attempt) {
    auto res = CallOnce(action, body, extra);
    if (res.ok() || attempt >= options_.max_attempts || !IsRetryable(res.error())) return res;
    if (res.error().IsConnectionError() && ++connection_failures >= options_.max_connection_attempts) {
      return res;
    }
    // Capped exponential backoff with jitter in [delay/2, delay].
    int64_t delay = options_.backoff_base.count() << std::min(attempt - 1, 16);
    delay = std::min<int64_t>(delay, options_.backoff_cap.count());
    std::uniform_int_distribution<int64_t> jitter(delay / 2, std::max<int64_t>(delay, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
  }
}

KinesisResult<simdjson::dom::element> KinesisClient::Parse(const std::string& body) {
  simdjson::dom::element doc;
  std::string_view text = body.empty() ? std::string_view("{}") : std::string_view(body);
  if (auto err = parser_.parse(text.data(), text.size()).get(doc); err) {
    return MakeUnexpected(ServiceError{"InvalidResponse",
                                       std::string("response is not JSON: ") + simdjson::error_message(err),
                                       200});
  }
  return doc;
}

KinesisResult<void> KinesisClient::CreateStream(std::string_view stream, int64_t shard_count) {
  std::string body;
  JsonWriter(body).BeginObject().Member("StreamName", stream).Member("ShardCount", shard_count).EndObject();
  auto res = Call("CreateStream", body);
  if (!res.ok()) return MakeUnexpected(std::move(res).error());
  return {};
}

KinesisResult<void> KinesisClient::DeleteStream(std::string_view stream) {
  std::string body;
  JsonWriter(body).BeginObject().Member("StreamName", stream).EndObject();
  auto res = Call("DeleteStream", body);
  if (!res.ok()) return MakeUnexpected(std::move(res).error());
  return {};
}

KinesisResult<StreamSummary> KinesisClient::DescribeStreamSummary(std::string_view stream) {
  std::string body;
  JsonWriter(body).BeginObject().Member("StreamName", stream).EndObject();
  auto res = Call("DescribeStreamSummary", body);
  if (!res.ok()) return MakeUnexpected(std::move(res).error());
  auto doc = Parse(*res);
  if (!doc.ok()) return MakeUnexpected(doc.error());
  simdjson::dom::element d;
  if ((*doc)["StreamDescriptionSummary"].get(d) != simdjson::SUCCESS) {
    return MakeUnexpected(BadResponse("DescribeStreamSummary", "no StreamDescriptionSummary"));
  }
  StreamSummary s;
  s.stream_name = GetString(d, "StreamName");
  s.stream_arn = GetString(d, "StreamARN");
  s.stream_status = GetString(d, "StreamStatus");
  simdjson::dom::element mode;
  if (d["StreamModeDetails"].get(mode) == simdjson::SUCCESS) s.stream_mode = GetString(mode, "StreamMode");
  s.open_shard_count = GetInt(d, "OpenShardCount");
  s.retention_period_hours = GetInt(d, "RetentionPeriodHours");
  s.creation_timestamp = GetDouble(d, "StreamCreationTimestamp");
  s.raw_json = simdjson::minify(d);
  return s;
}

KinesisResult<std::vector<std::string>> KinesisClient::ListStreams() {
  std::vector<std::string> names;
  std::string next_token;
  for (;;) {
    std::string body;
    JsonWriter w(body);
    w.BeginObject();
    if (!next_token.empty()) {
      w.Member("NextToken", next_token);
    } else if (!names.empty()) {
      w.Member("ExclusiveStartStreamName", names.back());
    }
    w.EndObject();
    auto res = Call("ListStreams", body);
    if (!res.ok()) return MakeUnexpected(std::move(res).error());
    auto doc = Parse(*res);
    if (!doc.ok()) return MakeUnexpected(doc.error());
    simdjson::dom::array page;
    if ((*doc)["StreamNames"].get_array().get(page) != simdjson::SUCCESS) {
      return MakeUnexpected(BadResponse("ListStreams", "no StreamNames"));
    }
    size_t before = names.size();
    for (auto n : page) {
      std::string_view name;
      if (n.get_string().get(name) == simdjson::SUCCESS) names.emplace_back(name);
    }
    bool more = false;
    if ((*doc)["HasMoreStreams"].get_bool().get(more) != simdjson::SUCCESS) more = false;
    next_token = GetString(*doc, "NextToken");
    if (!more || names.size() == before) break;
  }
  return names;
}

KinesisResult<std::vector<ShardInfo>> KinesisClient::ListShards(std::string_view stream) {
  std::vector<ShardInfo> shards;
  std::string next_token;
  for (;;) {
    std::string body;
    JsonWriter w(body);
    w.BeginObject();
    if (next_token.empty()) {
      w.Member("StreamName", stream);
    } else {
      w.Member("NextToken", next_token);
    }
    w.EndObject();
    auto res = Call("ListShards", body);
    if (!res.ok()) return MakeUnexpected(std::move(res).error());
    auto doc = Parse(*res);
    if (!doc.ok()) return MakeUnexpected(doc.error());
    simdjson::dom::array page;
    if ((*doc)["Shards"].get_array().get(page) == simdjson::SUCCESS) {
      for (auto s : page) shards.push_back(ToShardInfo(s));
    }
    next_token = GetString(*doc, "NextToken");
    if (next_token.empty()) break;
  }
  return shards;
}

KinesisResult<PutRecordResult> KinesisClient::PutRecord(std::string_view stream,
                                                        std::string_view partition_key,
                                                        std::string_view data) {
  std::string body;
  JsonWriter(body)
      .BeginObject()
      .Member("StreamName", stream)
      .Key("Data")
      .Base64(data)
      .Member("PartitionKey", partition_key)
      .EndObject();
  auto res = Call("PutRecord", body);
  if (!res.ok()) return MakeUnexpected(std::move(res).error());
  auto doc = Parse(*res);
  if (!doc.ok()) return MakeUnexpected(doc.error());
  return PutRecordResult{GetString(*doc, "ShardId"), GetString(*doc, "SequenceNumber")};
}

KinesisResult<PutRecordsResult> KinesisClient::PutRecords(const std::string_view stream,
                                                          const std::vector<PutRecordsEntry>& entries) {
  std::string body;
  JsonWriter w(body);
  w.BeginObject().Member("StreamName", stream).Key("Records").BeginArray();
  for (const PutRecordsEntry& e : entries) {
    w.BeginObject().Key("Data").Base64(e.data).Member("PartitionKey", e.partition_key).EndObject();
  }
  w.EndArray().EndObject();
  auto res = Call("PutRecords", body);
  if (!res.ok()) return MakeUnexpected(std::move(res).error());
  auto doc = Parse(*res);
  if (!doc.ok()) return MakeUnexpected(doc.error());
  PutRecordsResult out;
  out.failed_record_count = GetInt(*doc, "FailedRecordCount");
  simdjson::dom::array records;
  if ((*doc)["Records"].get_array().get(records) != simdjson::SUCCESS) {
    return MakeUnexpected(BadResponse("PutRecords", "no Records"));
  }
  for (auto r : records) {
    out.records.push_back({GetString(r, "ShardId"), GetString(r, "SequenceNumber"),
                           GetString(r, "ErrorCode"), GetString(r, "ErrorMessage")});
  }
  if (out.records.size() != entries.size()) {
    return MakeUnexpected(BadResponse("PutRecords", "Records has the wrong length"));
  }
  return out;
}

KinesisResult<std::string> KinesisClient::GetShardIterator(std::string_view stream,
                                                           std::string_view shard_id,
                                                           const StartingPosition& position) {
  std::string body;
  JsonWriter w(body);
  w.BeginObject()
      .Member("StreamName", stream)
      .Member("ShardId", shard_id)
      .Member("ShardIteratorType", IteratorTypeName(position.type));
  if (position.type == IteratorType::kAtSequenceNumber ||
      position.type == IteratorType::kAfterSequenceNumber) {
    w.Member("StartingSequenceNumber", position.sequence_number);
  }
  if (position.type == IteratorType::kAtTimestamp) w.Key("Timestamp").TimestampMs(position.timestamp_ms);
  w.EndObject();
  auto res = Call("GetShardIterator", body);
  if (!res.ok()) return MakeUnexpected(std::move(res).error());
  auto doc = Parse(*res);
  if (!doc.ok()) return MakeUnexpected(doc.error());
  std::string iterator = GetString(*doc, "ShardIterator");
  if (iterator.empty()) return MakeUnexpected(BadResponse("GetShardIterator", "no ShardIterator"));
  return iterator;
}

KinesisResult<GetRecordsResult> KinesisClient::GetRecords(std::string_view shard_iterator,
                                                          int64_t limit, int64_t wait_ms) {
  std::string body;
  JsonWriter(body)
      .BeginObject()
      .Member("ShardIterator", shard_iterator)
      .Member("Limit", limit)
      .EndObject();
  Headers extra;
  if (wait_ms > 0) extra.emplace_back("x-runnel-wait-ms", std::to_string(wait_ms));
  auto res = Call("GetRecords", body, extra);
  if (!res.ok()) return MakeUnexpected(std::move(res).error());
  auto doc = Parse(*res);
  if (!doc.ok()) return MakeUnexpected(doc.error());
  GetRecordsResult out;
  if (!ParseRecords(*doc, &out.records)) return MakeUnexpected(BadResponse("GetRecords", "Data is not base64"));
  std::string next = GetString(*doc, "NextShardIterator");
  if (!next.empty()) out.next_shard_iterator = std::move(next);
  out.millis_behind_latest = GetInt(*doc, "MillisBehindLatest");
  out.child_shards = ParseChildShards(*doc);
  return out;
}

namespace {

KinesisResult<StreamConsumer> ParseConsumer(simdjson::dom::element doc, std::string_view member,
                                            std::string_view action) {
  simdjson::dom::element c;
  if (doc[member].get(c) != simdjson::SUCCESS) {
    return MakeUnexpected(BadResponse(action, "no " + std::string(member)));
  }
  StreamConsumer out{GetString(c, "ConsumerName"), GetString(c, "ConsumerARN"),
                     GetString(c, "ConsumerStatus")};
  if (out.arn.empty()) return MakeUnexpected(BadResponse(action, "no ConsumerARN"));
  return out;
}

}  // namespace

KinesisResult<StreamConsumer> KinesisClient::RegisterStreamConsumer(std::string_view stream_arn,
                                                                    std::string_view name) {
  std::string body;
  JsonWriter(body).BeginObject().Member("StreamARN", stream_arn).Member("ConsumerName", name).EndObject();
  auto res = Call("RegisterStreamConsumer", body);
  if (!res.ok()) return MakeUnexpected(std::move(res).error());
  auto doc = Parse(*res);
  if (!doc.ok()) return MakeUnexpected(doc.error());
  return ParseConsumer(*doc, "Consumer", "RegisterStreamConsumer");
}

KinesisResult<StreamConsumer> KinesisClient::DescribeStreamConsumer(std::string_view stream_arn,
                                                                    std::string_view name) {
  std::string body;
  JsonWriter(body).BeginObject().Member("StreamARN", stream_arn).Member("ConsumerName", name).EndObject();
  auto res = Call("DescribeStreamConsumer", body);
  if (!res.ok()) return MakeUnexpected(std::move(res).error());
  auto doc = Parse(*res);
  if (!doc.ok()) return MakeUnexpected(doc.error());
  return ParseConsumer(*doc, "ConsumerDescription", "DescribeStreamConsumer");
}

KinesisResult<void> KinesisClient::DeregisterStreamConsumer(std::string_view consumer_arn) {
  std::string body;
  JsonWriter(body).BeginObject().Member("ConsumerARN", consumer_arn).EndObject();
  auto res = Call("DeregisterStreamConsumer", body);
  if (!res.ok()) return MakeUnexpected(std::move(res).error());
  return {};
}

KinesisResult<SubscribeToShardEvent> ParseSubscribeToShardEvent(simdjson::dom::parser& parser,
                                                                std::string_view payload) {
  simdjson::dom::element doc;
  if (auto err = parser.parse(payload.data(), payload.size()).get(doc); err || !doc.is_object()) {
    return MakeUnexpected(BadResponse("SubscribeToShard", "event payload is not a JSON object"));
  }
  SubscribeToShardEvent out;
  if (!ParseRecords(doc, &out.records)) {
    return MakeUnexpected(BadResponse("SubscribeToShard", "Data is not base64"));
  }
  std::string_view cont;
  if (doc["ContinuationSequenceNumber"].get_string().get(cont) == simdjson::SUCCESS) {
    out.continuation_sequence_number = std::string(cont);
  }
  out.millis_behind_latest = GetInt(doc, "MillisBehindLatest");
  out.child_shards = ParseChildShards(doc);
  return out;
}

int CompareSequenceNumbers(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

std::string SubscribeToShardBody(std::string_view consumer_arn, std::string_view shard_id,
                                 const StartingPosition& position) {
  std::string body;
  JsonWriter w(body);
  w.BeginObject().Member("ConsumerARN", consumer_arn).Member("ShardId", shard_id);
  w.Key("StartingPosition").BeginObject().Member("Type", IteratorTypeName(position.type));
  if (position.type == IteratorType::kAtSequenceNumber ||
      position.type == IteratorType::kAfterSequenceNumber) {
    w.Member("SequenceNumber", position.sequence_number);
  }
  if (position.type == IteratorType::kAtTimestamp) w.Key("Timestamp").TimestampMs(position.timestamp_ms);
  w.EndObject().EndObject();
  return body;
}

}  // namespace runnel::cli
