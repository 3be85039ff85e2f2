#include <gtest/gtest.h>
#include <simdjson.h>

#include "cli/kinesis_client.h"

namespace runnel::cli {
namespace {

TEST(SubscribeEventTest, ParsesRecordsContinuationAndMillisBehind) {
  simdjson::dom::parser parser;
  auto ev = ParseSubscribeToShardEvent(
      parser,
      R"({"Records":[{"SequenceNumber":"49590338271490256608559692538361571095921575989136588898",)"
      R"("ApproximateArrivalTimestamp":1700000000.123,"Data":"aGVsbG8=","PartitionKey":"k"}],)"
      R"("ContinuationSequenceNumber":"49590338271490256608559692538361571095921575989136588898",)"
      R"("MillisBehindLatest":0})");
  ASSERT_TRUE(ev.ok()) << ev.error().message;
  ASSERT_EQ(ev->records.size(), 1u);
  EXPECT_EQ(ev->records[0].data, "hello");
  EXPECT_EQ(ev->records[0].partition_key, "k");
  EXPECT_EQ(ev->records[0].arrival_ms, 1700000000123);
  ASSERT_TRUE(ev->continuation_sequence_number.has_value());
  EXPECT_EQ(*ev->continuation_sequence_number, ev->records[0].sequence_number);
  EXPECT_TRUE(ev->child_shards.empty());
}

TEST(SubscribeEventTest, ShardEndHasChildrenAndNoContinuation) {
  simdjson::dom::parser parser;
  auto ev = ParseSubscribeToShardEvent(
      parser,
      R"({"Records":[],"MillisBehindLatest":0,"ChildShards":[)"
      R"({"ShardId":"shardId-000000000001","ParentShards":["shardId-000000000000"],)"
      R"("HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"}}]})");
  ASSERT_TRUE(ev.ok());
  EXPECT_FALSE(ev->continuation_sequence_number.has_value());
  ASSERT_EQ(ev->child_shards.size(), 1u);
  EXPECT_EQ(ev->child_shards[0].shard_id, "shardId-000000000001");
  EXPECT_EQ(ev->child_shards[0].parent_shards, std::vector<std::string>{"shardId-000000000000"});
}

TEST(SubscribeEventTest, BadPayloadsAreErrors) {
  simdjson::dom::parser parser;
  EXPECT_FALSE(ParseSubscribeToShardEvent(parser, "not json").ok());
  EXPECT_FALSE(ParseSubscribeToShardEvent(parser, "[1]").ok());
  EXPECT_FALSE(ParseSubscribeToShardEvent(parser, R"({"Records":[{"Data":"!!"}]})").ok());
}

TEST(SubscribeEventTest, SequenceNumbersCompareNumerically) {
  EXPECT_EQ(CompareSequenceNumbers("9", "10"), -1);
  EXPECT_EQ(CompareSequenceNumbers("10", "9"), 1);
  EXPECT_EQ(CompareSequenceNumbers("0010", "10"), 0);
  EXPECT_EQ(CompareSequenceNumbers("49590338271490256608559692538361571095921575989136588898",
                                    "49590338271490256608559692538361571095921575989136588899"),
            -1);
}

TEST(SubscribeEventTest, RequestBodyPerStartingPosition) {
  EXPECT_EQ(SubscribeToShardBody("arn:c", "shardId-000000000000", {IteratorType::kTrimHorizon, "", 0}),
            R"({"ConsumerARN":"arn:c","ShardId":"shardId-000000000000","StartingPosition":{"Type":"TRIM_HORIZON"}})");
  EXPECT_EQ(SubscribeToShardBody("arn:c", "s", {IteratorType::kAfterSequenceNumber, "123", 0}),
            R"({"ConsumerARN":"arn:c","ShardId":"s","StartingPosition":{"Type":"AFTER_SEQUENCE_NUMBER","SequenceNumber":"123"}})");
  std::string at = SubscribeToShardBody("arn:c", "s", {IteratorType::kAtTimestamp, "", 1700000000500});
  EXPECT_NE(at.find(R"("Type":"AT_TIMESTAMP","Timestamp":1700000000.500)"), std::string::npos) << at;
}

}  // namespace
}  // namespace runnel::cli
