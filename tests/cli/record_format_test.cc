#include "cli/record_format.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "cli/consumer.h"
#include "cli/demo_report.h"
#include "cli/kinesis_client.h"

namespace runnel::cli {
namespace {

Record MakeRecord(std::string data) {
  return Record{"49590338271490256608559692538361571095921575989136588898", "pk", std::move(data),
                1700000000123};
}

TEST(RecordFormatTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("hello"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
}

TEST(RecordFormatTest, IsoTime) { EXPECT_EQ(FormatIsoTime(1700000000123), "2023-11-14T22:13:20.123Z"); }

TEST(RecordFormatTest, TextLine) {
  EXPECT_EQ(FormatRecordText("c1", "shardId-000000000000", MakeRecord("apple")),
            "[c1] shardId-000000000000  49590338271490256608559692538361571095921575989136588898  pk  "
            "2023-11-14T22:13:20.123Z  apple");
  EXPECT_EQ(FormatRecordText("", "s", MakeRecord(std::string("\x00\xff", 2))).substr(0, 2), "s ");
  EXPECT_NE(FormatRecordText("", "s", MakeRecord(std::string("\x00\xff", 2))).find("base64:AP8="),
            std::string::npos);
}

TEST(RecordFormatTest, JsonLineParses) {
  std::string line = FormatRecordJson("consumer-1", "shardId-000000000000", MakeRecord("a \"q\"\n"),
                                      1700000000200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(line);
  EXPECT_EQ(std::string_view(doc["shard"]), "shardId-000000000000");
  EXPECT_EQ(std::string_view(doc["partition_key"]), "pk");
  EXPECT_EQ(std::string_view(doc["data"]), "a \"q\"\n");
  EXPECT_EQ(std::string_view(doc["data_encoding"]), "utf-8");
  EXPECT_EQ(std::string_view(doc["consumer"]), "consumer-1");
  EXPECT_DOUBLE_EQ(double(doc["arrival_time"]), 1700000000.123);
}

TEST(RecordFormatTest, BinaryDataIsBase64InJson) {
  std::string line = FormatRecordJson("", "s", MakeRecord(std::string("\x00\xff", 2)), 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(line);
  EXPECT_EQ(std::string_view(doc["data"]), "AP8=");
  EXPECT_EQ(std::string_view(doc["data_encoding"]), "base64");
}

TEST(StartingPositionTest, Parses) {
  EXPECT_EQ(ParseStartingPosition("trim-horizon")->type, IteratorType::kTrimHorizon);
  EXPECT_EQ(ParseStartingPosition("latest")->type, IteratorType::kLatest);
  auto seq = ParseStartingPosition("at-sequence=4959");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->type, IteratorType::kAtSequenceNumber);
  EXPECT_EQ(seq->sequence_number, "4959");
  EXPECT_EQ(ParseStartingPosition("at-timestamp=1700000000.5")->timestamp_ms, 1700000000500);
  EXPECT_EQ(ParseStartingPosition("at-timestamp=2023-11-14T22:13:20.123Z")->timestamp_ms,
            1700000000123);
  EXPECT_FALSE(ParseStartingPosition("at-sequence=abc").ok());
  EXPECT_FALSE(ParseStartingPosition("at-timestamp=yesterday").ok());
  EXPECT_FALSE(ParseStartingPosition("oldest").ok());
}

TEST(ServiceErrorTest, StripsNamespaceAndReadsEitherMessageKey) {
  ServiceError e = ParseServiceError(
      400, R"({"__type":"com.amazonaws.kinesis.v20131202#ResourceNotFoundException","message":"gone"})");
  EXPECT_EQ(e.type, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "gone");
  e = ParseServiceError(400, R"({"__type":"SerializationException:http://x","Message":"bad"})");
  EXPECT_EQ(e.type, "SerializationException");
  EXPECT_EQ(e.message, "bad");
  e = ParseServiceError(413, "");
  EXPECT_EQ(e.type, "HttpError");
  EXPECT_FALSE(IsRetryable(e));
  EXPECT_TRUE(IsRetryable(ParseServiceError(400, R"({"__type":"ProvisionedThroughputExceededException"})")));
  EXPECT_TRUE(IsRetryable(ParseServiceError(500, R"({"__type":"InternalFailure"})")));
  EXPECT_TRUE(IsRetryable(ServiceError{"ConnectionError", "refused", 0}));
}

TEST(EndpointTest, Parses) {
  auto ep = ParseEndpoint("http://127.0.0.1:4567");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, 4567);
  EXPECT_EQ(ep->HostHeader(), "127.0.0.1:4567");
  ep = ParseEndpoint("https://kinesis.us-east-2.amazonaws.com/");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, 443);
  EXPECT_EQ(ep->HostHeader(), "kinesis.us-east-2.amazonaws.com");
  EXPECT_FALSE(ParseEndpoint("127.0.0.1:4567").ok());
  EXPECT_FALSE(ParseEndpoint("http://host:99999").ok());
  EXPECT_FALSE(ParseEndpoint("http://host/path").ok());
}

TEST(DemoReportTest, CompleteAndInOrder) {
  std::vector<std::string> sent = {"a", "b"};
  std::string out = FormatRecordJson("c", "s", MakeRecord("a"), 1700000000130) + "\n" +
                    FormatRecordJson("c", "s", MakeRecord("b"), 1700000000140) + "\n";
  ConsumerReport r = AnalyzeConsumerOutput("c", out, sent);
  EXPECT_TRUE(r.complete) << r.problem;
  EXPECT_EQ(r.received, 2);
  EXPECT_DOUBLE_EQ(r.first_latency_ms, 7);
  EXPECT_DOUBLE_EQ(r.last_latency_ms, 17);
}

TEST(DemoReportTest, DetectsMissingAndReordered) {
  std::vector<std::string> sent = {"a", "b", "c"};
  std::string a = FormatRecordJson("c", "s", MakeRecord("a"), 0) + "\n";
  std::string b = FormatRecordJson("c", "s", MakeRecord("b"), 0) + "\n";
  std::string c = FormatRecordJson("c", "s", MakeRecord("c"), 0) + "\n";
  EXPECT_FALSE(AnalyzeConsumerOutput("x", a + b, sent).complete);
  EXPECT_FALSE(AnalyzeConsumerOutput("x", a + c + b, sent).complete);
  EXPECT_FALSE(AnalyzeConsumerOutput("x", a + b + c + c, sent).complete);
  EXPECT_TRUE(AnalyzeConsumerOutput("x", a + b + c, sent).complete);
}

}  // namespace
}  // namespace runnel::cli
