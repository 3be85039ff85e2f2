// Pins every StreamErrc row of the catalog: __type, HTTP status and exact message.
#include "api/api_error.h"

#include <gtest/gtest.h>

namespace runnel::api {
namespace {

using stream::StreamErrc;
using stream::StreamError;

StreamError Facts(StreamErrc code) {
  StreamError e;
  e.code = code;
  e.stream = "s1";
  e.account = "000000000000";
  e.shard = "shardId-000000000001";
  return e;
}

void ExpectError(const ApiError& got, std::string_view type, int status, std::string_view msg) {
  EXPECT_EQ(got.type, type);
  EXPECT_EQ(got.status, status);
  EXPECT_EQ(got.message, msg);
  EXPECT_FALSE(got.capital_message_key);
}

TEST(ToApiErrorTest, StreamNotFound) {
  ExpectError(ToApiError(Facts(StreamErrc::kStreamNotFound)), "ResourceNotFoundException", 400,
              "Stream s1 under account 000000000000 not found.");
}

TEST(ToApiErrorTest, StreamExists) {
  ExpectError(ToApiError(Facts(StreamErrc::kStreamExists)), "ResourceInUseException", 400,
              "Stream s1 under account 000000000000 already exists.");
}

TEST(ToApiErrorTest, StreamNotActive) {
  auto e = Facts(StreamErrc::kStreamNotActive);
  e.other = "CREATING";
  ExpectError(ToApiError(e), "ResourceInUseException", 400,
              "Stream s1 under account 000000000000 not ACTIVE, instead in state CREATING");
}

TEST(ToApiErrorTest, ShardNotFound) {
  ExpectError(ToApiError(Facts(StreamErrc::kShardNotFound)), "ResourceNotFoundException", 400,
              "Shard shardId-000000000001 in stream s1 under account 000000000000 does not "
              "exist");
}

TEST(ToApiErrorTest, ShardNotFoundForReshard) {
  ExpectError(ToApiError(Facts(StreamErrc::kShardNotFoundForReshard)),
              "ResourceNotFoundException", 400,
              "Could not find shard shardId-000000000001 in stream s1 under account "
              "000000000000.");
}

TEST(ToApiErrorTest, IteratorInvalid) {
  ExpectError(ToApiError(Facts(StreamErrc::kIteratorInvalid)), "InvalidArgumentException", 400,
              "Invalid ShardIterator.");
}

TEST(ToApiErrorTest, IteratorExpiredUsesJavaDateFormat) {
  auto e = Facts(StreamErrc::kIteratorExpired);
  e.n1 = 1421889722000;  // Thu Jan 22 01:22:02 UTC 2015
  e.n2 = 1421890023999;  // Thu Jan 22 01:27:03 UTC 2015
  ExpectError(ToApiError(e), "ExpiredIteratorException", 400,
              "Iterator expired. The iterator was created at time Thu Jan 22 01:22:02 UTC 2015 "
              "while right now it is Thu Jan 22 01:27:03 UTC 2015 which is further in the future "
              "than the tolerated delay of 300000 milliseconds.");
  e.n1 = 0;  // day of month is zero-padded
  e.n2 = 1000;
  EXPECT_NE(ToApiError(e).message.find("Thu Jan 01 00:00:00 UTC 1970"), std::string::npos);
}

TEST(ToApiErrorTest, IteratorTypeMismatch) {
  auto e = Facts(StreamErrc::kIteratorTypeMismatch);
  e.value = "LATEST";
  e.n1 = 1;
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
              "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no "
              "StartingSequenceNumber. Request specified LATEST and also a "
              "StartingSequenceNumber.");
  e.value = "AT_SEQUENCE_NUMBER";
  e.n1 = 0;
  EXPECT_EQ(ToApiError(e).message,
            "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
            "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no "
            "StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no "
            "StartingSequenceNumber.");
}

TEST(ToApiErrorTest, TimestampMissing) {
  ExpectError(ToApiError(Facts(StreamErrc::kTimestampMissing)), "InvalidArgumentException", 400,
              "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
              "Current request has no timestamp parameter.");
}

TEST(ToApiErrorTest, TimestampInFuture) {
  auto e = Facts(StreamErrc::kTimestampInFuture);
  e.n1 = 1700000000123000;
  e.n2 = 1700000000456;
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "The timestampInMillis parameter cannot be greater than the "
              "currentTimestampInMillis. timestampInMillis: 1700000000123000, "
              "currentTimestampInMillis: 1700000000456");
}

TEST(ToApiErrorTest, SequenceWrongShard) {
  auto e = Facts(StreamErrc::kSequenceWrongShard);
  e.other = "shardId-000000000002";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Invalid StartingSequenceNumber. It encodes shardId-000000000001, while it was used "
              "in a call to a shard with shardId-000000000002");
}

TEST(ToApiErrorTest, SequenceInvalid) {
  auto e = Facts(StreamErrc::kSequenceInvalid);
  e.value = "1234";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "StartingSequenceNumber 1234 used in GetShardIterator on shard "
              "shardId-000000000001 in stream s1 under account 000000000000 is invalid.");
  e.n1 = 1;
  EXPECT_EQ(ToApiError(e).message,
            "StartingSequenceNumber 1234 used in GetShardIterator on shard shardId-000000000001 "
            "in stream s1 under account 000000000000 is invalid because it did not come from "
            "this stream.");
}

TEST(ToApiErrorTest, ExplicitHashKeyInvalid) {
  auto e = Facts(StreamErrc::kExplicitHashKeyInvalid);
  e.value = "340282366920938463463374607431768211456";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
              "Specified value was 340282366920938463463374607431768211456");
}

TEST(ToApiErrorTest, OrderingSequenceInvalid) {
  auto e = Facts(StreamErrc::kOrderingSequenceInvalid);
  e.value = "999";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "ExclusiveMinimumSequenceNumber 999 used in PutRecord on stream s1 under account "
              "000000000000 is invalid.");
}

TEST(ToApiErrorTest, RecordTooLarge) {
  auto e = Facts(StreamErrc::kRecordTooLarge);
  e.n1 = 1048577;
  e.n2 = 1048576;
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Record size 1048577 bytes (data plus partition key) exceeds the maximum record "
              "size of 1048576 bytes for stream s1 under account 000000000000.");
  e.index = 3;
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Record 3 in PutRecords has size 1048577 bytes (data plus partition key), which "
              "exceeds the maximum record size of 1048576 bytes for stream s1 under account "
              "000000000000.");
}

TEST(ToApiErrorTest, ShardLimitExceeded) {
  auto e = Facts(StreamErrc::kShardLimitExceeded);
  e.other = "eu-west-1";
  e.n1 = 498;
  e.n2 = 500;
  e.n3 = 4;
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "This request would exceed the shard limit for the account 000000000000 in "
              "eu-west-1. Current shard count for the account: 498. Limit: 500. Number of "
              "additional shards that would have resulted from this request: 4. Refer to the AWS "
              "Service Limits page "
              "(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current "
              "limits and how to request higher limits.");
  e.other.clear();
  EXPECT_NE(ToApiError(e).message.find(" in us-east-1."), std::string::npos);
}

TEST(ToApiErrorTest, LimitExceeded) {
  auto e = Facts(StreamErrc::kLimitExceeded);
  e.value = "too many CREATING streams";
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "Rate exceeded or limit reached for this account.");
}

TEST(ToApiErrorTest, InvalidArgumentIsGeneric) {
  auto e = Facts(StreamErrc::kInvalidArgument);
  e.value = "internal fact";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400, "Invalid argument.");
}

TEST(ToApiErrorTest, ThroughputExceeded) {
  ExpectError(ToApiError(Facts(StreamErrc::kThroughputExceeded)),
              "ProvisionedThroughputExceededException", 400,
              "Rate exceeded for shard shardId-000000000001 in stream s1 under account "
              "000000000000.");
}

TEST(ToApiErrorTest, InternalNeverLeaksDetail) {
  auto e = Facts(StreamErrc::kInternal);
  e.value = "EIO on /var/lib/runnel/seg-1";
  ExpectError(ToApiError(e), "InternalFailureException", 500, "Internal service failure.");
}

// ---- Resharding and retention (issue 6a) ----

TEST(ToApiErrorTest, ShardAlreadyClosed) {
  auto e = Facts(StreamErrc::kShardAlreadyClosed);
  const std::string message =
      "Shard shardId-000000000001 in stream s1 under account 000000000000 has already been "
      "merged or split, and thus is not eligible for merging or splitting.";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400, message);
  e.n1 = 1;  // MergeShards: the same sentence
  EXPECT_EQ(ToApiError(e).message, message);
}

TEST(ToApiErrorTest, SplitKeyOutOfRange) {
  auto e = Facts(StreamErrc::kSplitKeyOutOfRange);
  e.value = "1";
  e.other = "0";
  e.other2 = "170141183460469231731687303715884105727";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000001 in stream "
              "s1 under account 000000000000 is not both greater than one plus the shard's "
              "StartingHashKey 0 and less than the shard's EndingHashKey "
              "170141183460469231731687303715884105727.");
}

TEST(ToApiErrorTest, ShardsNotAdjacent) {
  auto e = Facts(StreamErrc::kShardsNotAdjacent);
  e.other = "shardId-000000000003";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Shards shardId-000000000001 and shardId-000000000003 in stream s1 under account "
              "000000000000 are not an adjacent pair of shards eligible for merging");
}

TEST(ToApiErrorTest, ReshardOnDemand) {
  auto e = Facts(StreamErrc::kReshardOnDemand);
  e.value = "MergeShards";
  ExpectError(ToApiError(e), "ValidationException", 400,
              "MergeShards is not supported for stream s1 under account 000000000000 because "
              "it is in ON_DEMAND capacity mode.");
}

TEST(ToApiErrorTest, ScalingLimits) {
  auto e = Facts(StreamErrc::kScalingLimit);
  e.n1 = 2;
  e.n2 = 5;
  e.n3 = 4;
  e.value = "double";
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "UpdateShardCount cannot scale up over double the current open shard count of "
              "stream s1 under account 000000000000. Current open shard count: 2. Target shard "
              "count: 5.");
  e.value = "half";
  e.n1 = 5;
  e.n2 = 2;
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "UpdateShardCount cannot scale down below half the current open shard count of "
              "stream s1 under account 000000000000. Current open shard count: 5. Target shard "
              "count: 2.");
  e.value = "max";
  e.n2 = 10001;
  e.n3 = 10000;
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "UpdateShardCount cannot scale stream s1 under account 000000000000 to more than "
              "10000 shards. Target shard count: 10001.");
  e.value = "rate";
  e.n3 = 10;
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "UpdateShardCount cannot be called more than 10 times per rolling 24-hour period "
              "for stream s1 under account 000000000000.");
}

TEST(ToApiErrorTest, RetentionOutOfRange) {
  auto e = Facts(StreamErrc::kRetentionOutOfRange);
  e.n1 = 23;
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Minimum allowed retention period is 24 hours. Requested retention period (23 "
              "hours) is too short.");
  e.n1 = 8761;
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Maximum allowed retention period is 8760 hours. Requested retention period (8761 "
              "hours) is too long.");
}

TEST(ToApiErrorTest, RetentionWrongWay) {
  auto e = Facts(StreamErrc::kRetentionWrongWay);
  e.n1 = 48;
  e.n2 = 72;
  e.value = "Increase";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Requested retention period (48 hours) for stream s1 can not be shorter than "
              "existing retention period (72 hours). Use DecreaseRetentionPeriod API.");
  e.n1 = 100;
  e.value = "Decrease";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Requested retention period (100 hours) for stream s1 can not be longer than "
              "existing retention period (72 hours). Use IncreaseRetentionPeriod API.");
}

TEST(FrameworkErrorTest, Constructors) {
  auto ser = SerializationError("Expected list or null");
  EXPECT_EQ(ser.type, "SerializationException");
  EXPECT_EQ(ser.status, 400);
  EXPECT_TRUE(ser.capital_message_key);
  ExpectError(ValidationError("1 validation error detected: x"), "ValidationException", 400,
              "1 validation error detected: x");
  ExpectError(UnknownOperation(), "UnknownOperationException", 400, "");
  ExpectError(InvalidArgument("Either NextToken or StreamName should be provided."),
              "InvalidArgumentException", 400,
              "Either NextToken or StreamName should be provided.");
  ExpectError(InternalFailure(), "InternalFailureException", 500, "Internal service failure.");
  auto big = RequestTooLarge(1024);
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.type, "SerializationException");
}

// --- tags, modes, limits, warm throughput, policies (issue 6b) ---

TEST(ToApiErrorTest, TagsInvalidCharacters) {
  ExpectError(ToApiError(Facts(StreamErrc::kTagsInvalidCharacters)), "InvalidArgumentException",
              400,
              "Some tags contain invalid characters. Valid characters: Unicode letters, digits, "
              "white space, _ . / = + - % @.");
}

TEST(ToApiErrorTest, TagsIllegalCharactersAddAndRemove) {
  auto e = Facts(StreamErrc::kTagsIllegalCharacters);
  e.value = "add";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Failed to add tags to stream s1 under account 000000000000 because some tags "
              "contained illegal characters. The allowed characters are Unicode letters, "
              "white-spaces, '_',',','/','=','+','-','@'.");
  e.value = "remove";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Failed to remove tags from stream s1 under account 000000000000 because some tags "
              "contained illegal characters. The allowed characters are Unicode letters, "
              "white-spaces, '_',',','/','=','+','-','@'.");
}

TEST(ToApiErrorTest, TooManyTags) {
  auto e = Facts(StreamErrc::kTooManyTags);
  e.n1 = 50;
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Failed to add tags to stream s1 under account 000000000000 because a given stream "
              "cannot have more than 50 tags associated with it.");
}

TEST(ToApiErrorTest, ConsumerNotFound) {
  auto e = Facts(StreamErrc::kConsumerNotFound);
  e.value = "arn:aws:kinesis:us-east-1:000000000000:stream/s1/consumer/c:1";
  ExpectError(ToApiError(e), "ResourceNotFoundException", 400,
              "Consumer arn:aws:kinesis:us-east-1:000000000000:stream/s1/consumer/c:1 under "
              "account 000000000000 not found.");
}

TEST(ToApiErrorTest, OnDemandStreamLimit) {
  auto e = Facts(StreamErrc::kOnDemandStreamLimit);
  e.other = "eu-west-1";
  e.n1 = 2;
  e.n2 = 2;
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "This request would exceed the on-demand stream count limit for the account "
              "000000000000 in eu-west-1. Current on-demand stream count for the account: 2. "
              "Limit: 2.");
}

TEST(ToApiErrorTest, StreamModeUnchanged) {
  auto e = Facts(StreamErrc::kStreamModeUnchanged);
  e.other = "ON_DEMAND";
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Stream s1 under account 000000000000 is already in ON_DEMAND mode.");
}

TEST(ToApiErrorTest, WarmThroughputRules) {
  auto e = Facts(StreamErrc::kWarmThroughputNotOnDemand);
  e.other = "PROVISIONED";
  ExpectError(ToApiError(e), "ValidationException", 400,
              "Warm throughput is only supported for ON_DEMAND streams. Stream s1 under account "
              "000000000000 is in PROVISIONED mode.");
  ExpectError(ToApiError(Facts(StreamErrc::kWarmThroughputNoCommitment)), "ValidationException",
              400,
              "Warm throughput requires the minimum throughput billing commitment to be enabled "
              "for account 000000000000 (UpdateAccountSettings).");
  e = Facts(StreamErrc::kWarmThroughputTooHigh);
  e.n1 = 20000;
  e.n2 = 10240;
  ExpectError(ToApiError(e), "InvalidArgumentException", 400,
              "Requested warm throughput (20000 MiB/s) exceeds the maximum of 10240 MiB/s.");
}

TEST(ToApiErrorTest, ResourcePolicyNotFound) {
  auto e = Facts(StreamErrc::kResourcePolicyNotFound);
  e.value = "arn:aws:kinesis:us-east-1:000000000000:stream/s1";
  ExpectError(ToApiError(e), "ResourceNotFoundException", 400,
              "No resource policy found for resource ARN "
              "arn:aws:kinesis:us-east-1:000000000000:stream/s1.");
}

TEST(ToApiErrorTest, ConsumerErrors) {
  auto e = Facts(StreamErrc::kConsumerExists);
  e.value = "c";
  ExpectError(ToApiError(e), "ResourceInUseException", 400,
              "Consumer c already exists for stream s1 under account 000000000000.");
  e = Facts(StreamErrc::kConsumerLimit);
  e.value = "total";
  e.n1 = 20;
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "Stream s1 under account 000000000000 has reached the limit of 20 registered "
              "consumers.");
  e.value = "creating";
  e.n1 = 5;
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "Stream s1 under account 000000000000 already has 5 consumers in CREATING state. "
              "Wait until they are ACTIVE before registering more.");
  e = Facts(StreamErrc::kConsumerNotActive);
  e.value = "arn:c";
  e.other = "CREATING";
  ExpectError(ToApiError(e), "ResourceInUseException", 400,
              "Consumer arn:c under account 000000000000 is not ACTIVE, instead in state "
              "CREATING.");
  e = Facts(StreamErrc::kStreamHasConsumers);
  e.n1 = 2;
  ExpectError(ToApiError(e), "ResourceInUseException", 400,
              "Stream s1 under account 000000000000 has 2 registered consumers. Deregister them "
              "or set EnforceConsumerDeletion to delete the stream.");
  e = Facts(StreamErrc::kSubscriptionInUse);
  e.value = "arn:c";
  e.shard = "shardId-000000000000";
  ExpectError(ToApiError(e), "ResourceInUseException", 400,
              "Another active subscription exists for consumer arn:c and shard "
              "shardId-000000000000.");
}

TEST(ToApiErrorTest, ControlPlaneLimits) {
  auto e = Facts(StreamErrc::kDailyOperationLimit);
  e.value = "UpdateStreamMode";
  e.n1 = 2;
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "UpdateStreamMode cannot be called more than 2 times per rolling 24-hour period "
              "for stream s1 under account 000000000000.");
  e = Facts(StreamErrc::kCreatingStreamsLimit);
  e.n1 = 5;
  ExpectError(ToApiError(e), "LimitExceededException", 400,
              "Account 000000000000 already has 5 streams in CREATING state. Wait until they "
              "are ACTIVE before creating more.");
}

TEST(RenderJsonTest, MessageKeyAndOmission) {
  EXPECT_EQ(RenderJson(ToApiError(Facts(StreamErrc::kStreamNotFound))),
            R"({"__type":"ResourceNotFoundException","message":"Stream s1 under account )"
            R"(000000000000 not found."})");
  EXPECT_EQ(RenderJson(SerializationError("Expected list or null")),
            R"({"__type":"SerializationException","Message":"Expected list or null"})");
  EXPECT_EQ(RenderJson(SerializationError("")), R"({"__type":"SerializationException"})");
  EXPECT_EQ(RenderJson(UnknownOperation()), R"({"__type":"UnknownOperationException"})");
  EXPECT_EQ(RenderJson(InvalidArgument("a \"q\"\n")),
            R"({"__type":"InvalidArgumentException","message":"a \"q\"\n"})");
}

}  // namespace
}  // namespace runnel::api
