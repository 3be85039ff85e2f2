// Service::Handle with PutRecords over a real registry: bodies parsed in place
// (ApiRequest::body_padding) answer exactly like copied ones, whatever the padding holds;
// malformed bodies stay SerializationExceptions; and the sequence numbers of a batch spread
// over several shards are the ones encoding each record's fields gives (the put path numbers
// consecutive records of a shard by incrementing the previous number).
#include <gtest/gtest.h>

#include <simdjson.h>
#include <stdlib.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/service.h"
#include "service_call.h"
#include "common/base64.h"
#include "common/json_writer.h"
#include "storage/committer.h"
#include "stream/sequence_number.h"
#include "stream/stream_registry.h"

namespace runnel::api {
namespace {

namespace fs = std::filesystem;

constexpr size_t kPad = simdjson::SIMDJSON_PADDING;

class ServicePutRecordsTest : public ::testing::Test {
 protected:
  ServicePutRecordsTest() {
    char tmpl[] = "/tmp/runnel_service_put_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    stream::RegistryOptions o;
    o.data_dir = dir_;
    o.transition_ms = 0;  // ACTIVE at once
    auto r = stream::StreamRegistry::Open(o, &committer_);
    EXPECT_TRUE(r.ok());
    registry_ = std::move(*r);
    stream::CreateStreamRequest req;
    req.account = "000000000000";
    req.name = "s";
    req.shard_count = 3;
    EXPECT_TRUE(registry_->CreateStream(req).ok());
    service_ = std::make_unique<Service>(*registry_, ServiceOptions{});
  }
  ~ServicePutRecordsTest() override {
    service_.reset();
    registry_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Handles `body` copied into a heap block of exactly size + padding bytes, the padding
  // filled with `fill` (so reads past the block are caught by sanitizers and valgrind).
  ApiResponse Call(std::string_view body, size_t padding, char fill,
                   std::string_view target = "Kinesis_20131202.PutRecords") {
    auto storage = std::make_unique<char[]>(body.size() + padding);
    std::memcpy(storage.get(), body.data(), body.size());
    std::memset(storage.get() + body.size(), fill, padding);
    ApiRequest request;
    request.method = "POST";
    request.target = target;
    request.content_type = "application/x-amz-json-1.1";
    request.body = std::string_view(storage.get(), body.size());
    request.body_padding = padding;
    request.header = [](std::string_view) { return std::string_view(); };
    return testing::HandleAndWait(*service_, request, std::chrono::seconds(10));
  }

  fs::path dir_;
  storage::Committer committer_{storage::SyncMode::kNone, std::chrono::milliseconds(0)};
  std::unique_ptr<stream::StreamRegistry> registry_;
  std::unique_ptr<Service> service_;
};

std::string PutBody(int records) {
  std::string body = R"({"StreamName":"s","Records":[)";
  for (int i = 0; i < records; ++i) {
    if (i) body += ',';
    std::string data(static_cast<size_t>(i % 7 + 1), static_cast<char>('a' + i % 26));
    body += R"({"Data":")";
    base64::EncodeAppend(data, body);
    body += R"(","PartitionKey":"key-)" + std::to_string(i) + R"("})";
  }
  body += "]}";
  return body;
}

TEST_F(ServicePutRecordsTest, PaddedAndCopiedBodiesAnswerAlike) {
  const std::string body = PutBody(40);
  for (size_t padding : {size_t{0}, size_t{1}, kPad - 1, kPad, kPad + 100}) {
    for (char fill : {' ', '\0', '"', '}', '9'}) {
      ApiResponse r = Call(body, padding, fill);
      EXPECT_EQ(r.status, 200) << padding << " " << fill << " " << r.body;
      EXPECT_TRUE(r.body.starts_with(R"({"FailedRecordCount":0,"Records":[)")) << r.body;
    }
  }
}

TEST_F(ServicePutRecordsTest, MalformedBodiesStaySerializationErrors) {
  const std::string body = PutBody(3);
  // Truncated just before the end, with padding that would complete the document if it
  // were read as part of it.
  const std::string truncated = body.substr(0, body.size() - 2);
  for (size_t padding : {size_t{0}, kPad}) {
    for (char fill : {']', '}', ' ', '\0'}) {
      ApiResponse r = Call(truncated, padding, fill);
      EXPECT_EQ(r.status, 400) << padding << " " << fill;
      EXPECT_EQ(r.error_type, "SerializationException") << r.body;
    }
  }
  for (std::string_view bad : {std::string_view("{"), std::string_view("\""),
                               std::string_view("{\"StreamName\":\"s"), std::string_view("[1,"),
                               std::string_view("1e"), std::string_view("tru")}) {
    for (size_t padding : {size_t{0}, kPad}) {
      ApiResponse r = Call(bad, padding, 'e');
      EXPECT_EQ(r.status, 400) << bad << " " << padding;
      EXPECT_EQ(r.error_type, "SerializationException") << bad;
    }
  }
}

TEST_F(ServicePutRecordsTest, SequenceNumbersAcrossShardsMatchTheirFields) {
  const int kRecords = 300;
  std::map<uint32_t, uint64_t> last_counter;  // shard index -> counter
  for (int round = 0; round < 3; ++round) {
    ApiResponse r = Call(PutBody(kRecords), kPad, ' ');
    ASSERT_EQ(r.status, 200) << r.body;
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(r.body);
    simdjson::dom::array records = doc["Records"].get_array();
    ASSERT_EQ(records.size(), static_cast<size_t>(kRecords));
    for (simdjson::dom::element rec : records) {
      std::string_view seq = rec["SequenceNumber"].get_string();
      std::string_view shard = rec["ShardId"].get_string();
      auto f = stream::DecodeSequenceNumber(seq);
      ASSERT_TRUE(f.has_value()) << seq;
      EXPECT_EQ(std::string(shard), "shardId-" + std::string(12 - std::to_string(f->shard_index).size(), '0') +
                                        std::to_string(f->shard_index));
      // Re-encoding the decoded fields gives the same digits.
      EXPECT_EQ(stream::EncodeSequenceNumber(*f), seq);
      // Counters of a shard are consecutive, in request order, across requests.
      auto [it, inserted] = last_counter.try_emplace(f->shard_index, 0);
      EXPECT_EQ(f->counter, it->second + 1) << "shard " << f->shard_index;
      it->second = f->counter;
    }
  }
  EXPECT_EQ(last_counter.size(), 3u);  // 300 keys spread over all three shards
}

// PutRecords' Data is decoded by validation (one pass that checks and converts): what is
// stored is the decoded bytes of each entry's first "Data", whatever its size, and a flaw in
// any entry's base64 is the same SerializationException as before.
TEST_F(ServicePutRecordsTest, DataDecodedByValidationIsWhatIsStored) {
  std::map<std::string, std::string> sent;  // partition key -> data
  std::string body = R"({"StreamName":"s","Records":[)";
  for (int i = 0; i < 120; ++i) {
    std::string data;
    for (int k = 0; k < (i * 37) % 400; ++k)
      data.push_back(static_cast<char>((i * 131 + k * 17) & 0xFF));
    const std::string key = "key-" + std::to_string(i);
    sent[key] = data;
    if (i) body += ',';
    body += R"({"Data":")";
    base64::EncodeAppend(data, body);
    body += R"(","PartitionKey":")" + key + R"(","Data":"ignored="})";
  }
  body += "]}";
  ApiResponse r = Call(body, kPad, ' ');
  ASSERT_EQ(r.status, 200) << r.body;

  std::map<std::string, std::string> stored;
  for (int shard = 0; shard < 3; ++shard) {
    ApiResponse it = Call(
        R"({"StreamName":"s","ShardIteratorType":"TRIM_HORIZON","ShardId":"shardId-00000000000)" +
            std::to_string(shard) + R"("})",
        kPad, ' ', "Kinesis_20131202.GetShardIterator");
    ASSERT_EQ(it.status, 200) << it.body;
    simdjson::dom::parser p;
    std::string_view iterator = p.parse(it.body)["ShardIterator"].get_string();
    ApiResponse got = Call(R"({"ShardIterator":")" + std::string(iterator) + R"("})", kPad, ' ',
                           "Kinesis_20131202.GetRecords");
    ASSERT_EQ(got.status, 200) << got.body;
    simdjson::dom::parser p2;
    for (simdjson::dom::element rec : p2.parse(got.body)["Records"].get_array()) {
      std::string data;
      ASSERT_EQ(base64::DecodeAppend(rec["Data"].get_string().value(), data).error,
                base64::DecodeError::kNone);
      stored[std::string(rec["PartitionKey"].get_string().value())] = data;
    }
  }
  EXPECT_EQ(stored, sent);

  // A flaw deep in the third entry's long Data (where the AVX2 blocks decode).
  std::string flawed = R"({"StreamName":"s","Records":[)";
  std::string text;
  base64::EncodeAppend(std::string(300, 'x'), text);
  for (int i = 0; i < 4; ++i) {
    std::string d = text;
    if (i == 2) d[150] = '*';
    if (i) flawed += ',';
    flawed += R"({"Data":")" + d + R"(","PartitionKey":"k"})";
  }
  flawed += "]}";
  r = Call(flawed, kPad, ' ');
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_type, "SerializationException");
  std::string bad = text;
  bad[150] = '*';
  EXPECT_NE(
      r.body.find("'" + bad + "' can not be converted to a Blob: Invalid Base64 character: '*'"),
      std::string::npos)
      << r.body;
  // Bad padding in the last entry.
  r = Call(R"({"StreamName":"s","Records":[{"Data":"QQ==","PartitionKey":"k"},)"
           R"({"Data":"QR==","PartitionKey":"k"}]})",
           kPad, ' ');
  EXPECT_EQ(r.error_type, "SerializationException");
  EXPECT_NE(r.body.find("'QR==' can not be converted to a Blob: Invalid last non-pad Base64 "
                        "character dectected"),
            std::string::npos)
      << r.body;
}

// PutRecord's body is written without JsonWriter: it must be exactly what JsonWriter writes.
TEST_F(ServicePutRecordsTest, PutRecordBodyIsWhatJsonWriterWrites) {
  const std::string bodies[] = {
      R"({"StreamName":"s","Data":"aGVsbG8=","PartitionKey":"k"})",
      R"({"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","Data":"",)"
      R"("PartitionKey":"k2","ExplicitHashKey":"340282366920938463463374607431768211455"})",
      R"({"StreamName":"s","Data":"aGk=","PartitionKey":"a","PartitionKey":"ignored"})"};
  for (const std::string& body : bodies) {
    ApiResponse r = Call(body, simdjson::SIMDJSON_PADDING, ' ', "Kinesis_20131202.PutRecord");
    ASSERT_EQ(r.status, 200) << body << " -> " << r.body;
    simdjson::dom::parser p;
    simdjson::dom::element doc = p.parse(r.body).value();
    std::string_view shard = doc["ShardId"].get_string();
    std::string_view seq = doc["SequenceNumber"].get_string();
    std::string expected;
    JsonWriter w(expected);
    w.BeginObject().Member("ShardId", shard).Member("SequenceNumber", seq).EndObject();
    EXPECT_EQ(r.body, expected);
    EXPECT_EQ(shard.substr(0, 8), "shardId-");
    EXPECT_EQ(shard.size(), 20u);
  }
  // The last shard of three owns the largest hash key.
  ApiResponse r = Call(bodies[1], simdjson::SIMDJSON_PADDING, ' ', "Kinesis_20131202.PutRecord");
  EXPECT_NE(r.body.find(R"("ShardId":"shardId-000000000002")"), std::string::npos) << r.body;
  // Errors are unchanged: no stream named.
  r = Call(R"({"Data":"","PartitionKey":"k"})", simdjson::SIMDJSON_PADDING, ' ',
           "Kinesis_20131202.PutRecord");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_type, "InvalidArgumentException");
}

}  // namespace
}  // namespace runnel::api
