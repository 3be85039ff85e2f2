// The one catalog of AWS error types, HTTP statuses and message templates
// (kinesis-errors.md §3). Lower layers carry facts; the sentences live here.
#include "api/api_error.h"

#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/json_writer.h"

namespace runnel::api {
namespace {

using stream::StreamErrc;
using stream::StreamError;

constexpr int kBadRequest = 400;

ApiError Make(std::string_view type, std::string message, int status = kBadRequest) {
  return ApiError{std::string(type), status, std::move(message), false};
}

// java.util.Date#toString() in UTC: "EEE MMM dd HH:mm:ss zzz yyyy",
// e.g. "Thu Jan 22 01:22:02 UTC 2015".
std::string JavaDateUtc(int64_t ms) {
  constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);  // floor
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{} {} {:02d} {:02d}:{:02d}:{:02d} UTC {}", kDays[tm.tm_wday],
                     kMonths[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     tm.tm_year + 1900);
}

}  // namespace

ApiError ToApiError(const StreamError& e) {
  switch (e.code) {
    case StreamErrc::kStreamNotFound:
      return Make("ResourceNotFoundException",
                  fmt::format("Stream {} under account {} not found.", e.stream, e.account));
    case StreamErrc::kStreamExists:
      return Make("ResourceInUseException",
                  fmt::format("Stream {} under account {} already exists.", e.stream, e.account));
    case StreamErrc::kStreamNotActive:
      return Make("ResourceInUseException",
                  fmt::format("Stream {} under account {} not ACTIVE, instead in state {}",
                              e.stream, e.account, e.other));
    case StreamErrc::kShardNotFound:
      return Make("ResourceNotFoundException",
                  fmt::format("Shard {} in stream {} under account {} does not exist", e.shard,
                              e.stream, e.account));
    case StreamErrc::kShardNotFoundForReshard:
      return Make("ResourceNotFoundException",
                  fmt::format("Could not find shard {} in stream {} under account {}.", e.shard,
                              e.stream, e.account));
    case StreamErrc::kIteratorInvalid:
      return Make("InvalidArgumentException", "Invalid ShardIterator.");
    case StreamErrc::kIteratorExpired:
      return Make("ExpiredIteratorException",
                  fmt::format("Iterator expired. The iterator was created at time {} while right "
                              "now it is {} which is further in the future than the tolerated "
                              "delay of 300000 milliseconds.",
                              JavaDateUtc(e.n1), JavaDateUtc(e.n2)));
    case StreamErrc::kIteratorTypeMismatch:
      return Make("InvalidArgumentException",
                  fmt::format("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER "
                              "and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no "
                              "StartingSequenceNumber. Request specified {} and {} "
                              "StartingSequenceNumber.",
                              e.value, e.n1 == 1 ? "also a" : "no"));
    case StreamErrc::kTimestampMissing:
      return Make("InvalidArgumentException",
                  "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
                  "Current request has no timestamp parameter.");
    case StreamErrc::kTimestampInFuture:
      return Make("InvalidArgumentException",
                  fmt::format("The timestampInMillis parameter cannot be greater than the "
                              "currentTimestampInMillis. timestampInMillis: {}, "
                              "currentTimestampInMillis: {}",
                              e.n1, e.n2));
    case StreamErrc::kSequenceWrongShard:
      return Make("InvalidArgumentException",
                  fmt::format("Invalid StartingSequenceNumber. It encodes {}, while it was used in "
                              "a call to a shard with {}",
                              e.shard, e.other));
    case StreamErrc::kSequenceInvalid:
      return Make("InvalidArgumentException",
                  fmt::format("StartingSequenceNumber {} used in GetShardIterator on shard {} in "
                              "stream {} under account {} is invalid{}.",
                              e.value, e.shard, e.stream, e.account,
                              e.n1 == 1 ? " because it did not come from this stream" : ""));
    case StreamErrc::kExplicitHashKeyInvalid:
      return Make("InvalidArgumentException",
                  fmt::format("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: "
                              "[0, 2^128-1]. Specified value was {}",
                              e.value));
    case StreamErrc::kOrderingSequenceInvalid:
      return Make("InvalidArgumentException",
                  fmt::format("ExclusiveMinimumSequenceNumber {} used in PutRecord on stream {} "
                              "under account {} is invalid.",
                              e.value, e.stream, e.account));
    case StreamErrc::kRecordTooLarge:
      // Data + UTF-8 partition key over the stream's max record size. The model's Data limit
      // (10 MiB) is a ValidationException produced by Validate(); the per-stream limit is a
      // service check, reported as InvalidArgumentException (wording ours, not recorded).
      if (e.index >= 0) {
        return Make("InvalidArgumentException",
                    fmt::format("Record {} in PutRecords has size {} bytes (data plus partition "
                                "key), which exceeds the maximum record size of {} bytes for "
                                "stream {} under account {}.",
                                e.index, e.n1, e.n2, e.stream, e.account));
      }
      return Make("InvalidArgumentException",
                  fmt::format("Record size {} bytes (data plus partition key) exceeds the maximum "
                              "record size of {} bytes for stream {} under account {}.",
                              e.n1, e.n2, e.stream, e.account));
    case StreamErrc::kShardLimitExceeded:
      // StreamError has no region field: the region travels in `other`.
      return Make("LimitExceededException",
                  fmt::format("This request would exceed the shard limit for the account {} in {}. "
                              "Current shard count for the account: {}. Limit: {}. Number of "
                              "additional shards that would have resulted from this request: {}. "
                              "Refer to the AWS Service Limits page "
                              "(http://docs.aws.amazon.com/general/latest/gr/"
                              "aws_service_limits.html) for current limits and how to request "
                              "higher limits.",
                              e.account, e.other.empty() ? "us-east-1" : e.other, e.n1, e.n2,
                              e.n3));
    case StreamErrc::kLimitExceeded:
      // `value` is a fact for the log; the client gets a generic sentence.
      return Make("LimitExceededException", "Rate exceeded or limit reached for this account.");
    case StreamErrc::kInvalidArgument:
      return Make("InvalidArgumentException", "Invalid argument.");
    case StreamErrc::kThroughputExceeded:
      return Make("ProvisionedThroughputExceededException",
                  fmt::format("Rate exceeded for shard {} in stream {} under account {}.", e.shard,
                              e.stream, e.account));
    case StreamErrc::kShardAlreadyClosed:
      // One sentence for SplitShard and MergeShards (AWS's text, as recorded by moto).
      return Make("InvalidArgumentException",
                  fmt::format("Shard {} in stream {} under account {} has already been merged "
                              "or split, and thus is not eligible for merging or splitting.",
                              e.shard, e.stream, e.account));
    case StreamErrc::kSplitKeyOutOfRange:
      return Make("InvalidArgumentException",
                  fmt::format("NewStartingHashKey {} used in SplitShard() on shard {} in stream {} "
                              "under account {} is not both greater than one plus the shard's "
                              "StartingHashKey {} and less than the shard's EndingHashKey {}.",
                              e.value, e.shard, e.stream, e.account, e.other, e.other2));
    case StreamErrc::kShardsNotAdjacent:
      return Make("InvalidArgumentException",
                  fmt::format("Shards {} and {} in stream {} under account {} are not an adjacent "
                              "pair of shards eligible for merging",
                              e.shard, e.other, e.stream, e.account));
    case StreamErrc::kReshardOnDemand:
      // Modeled ValidationException (kinesis-errors.md §1); wording ours, not recorded.
      return Make("ValidationException",
                  fmt::format("{} is not supported for stream {} under account {} because it is "
                              "in ON_DEMAND capacity mode.",
                              e.value, e.stream, e.account));
    case StreamErrc::kScalingLimit:
      // UpdateShardCount's default limits (kinesis-api-actions.md §4); wording ours.
      if (e.value == "double") {
        return Make("LimitExceededException",
                    fmt::format("UpdateShardCount cannot scale up over double the current open "
                                "shard count of stream {} under account {}. Current open shard "
                                "count: {}. Target shard count: {}.",
                                e.stream, e.account, e.n1, e.n2));
      }
      if (e.value == "half") {
        return Make("LimitExceededException",
                    fmt::format("UpdateShardCount cannot scale down below half the current open "
                                "shard count of stream {} under account {}. Current open shard "
                                "count: {}. Target shard count: {}.",
                                e.stream, e.account, e.n1, e.n2));
      }
      if (e.value == "max") {
        return Make("LimitExceededException",
                    fmt::format("UpdateShardCount cannot scale stream {} under account {} to more "
                                "than {} shards. Target shard count: {}.",
                                e.stream, e.account, e.n3, e.n2));
      }
      return Make("LimitExceededException",
                  fmt::format("UpdateShardCount cannot be called more than {} times per rolling "
                              "24-hour period for stream {} under account {}.",
                              e.n3, e.stream, e.account));
    case StreamErrc::kRetentionOutOfRange:
      if (e.n1 < 24) {
        return Make("InvalidArgumentException",
                    fmt::format("Minimum allowed retention period is 24 hours. Requested "
                                "retention period ({} hours) is too short.",
                                e.n1));
      }
      return Make("InvalidArgumentException",
                  fmt::format("Maximum allowed retention period is 8760 hours. Requested "
                              "retention period ({} hours) is too long.",
                              e.n1));
    case StreamErrc::kRetentionWrongWay:
      if (e.value == "Increase") {
        return Make("InvalidArgumentException",
                    fmt::format("Requested retention period ({} hours) for stream {} can not be "
                                "shorter than existing retention period ({} hours). Use "
                                "DecreaseRetentionPeriod API.",
                                e.n1, e.stream, e.n2));
      }
      return Make("InvalidArgumentException",
                  fmt::format("Requested retention period ({} hours) for stream {} can not be "
                              "longer than existing retention period ({} hours). Use "
                              "IncreaseRetentionPeriod API.",
                              e.n1, e.stream, e.n2));
    // --- tags, modes, limits, warm throughput, policies (issue 6b) ---
    case StreamErrc::kTagsInvalidCharacters:
      // (kl) A character outside the allowed set; the message names no stream.
      return Make("InvalidArgumentException",
                  "Some tags contain invalid characters. Valid characters: Unicode letters, "
                  "digits, white space, _ . / = + - % @.");
    case StreamErrc::kTagsIllegalCharacters:
      // (kl) '%' passes the first check and fails this one; the list is AWS's, ',' included.
      return Make("InvalidArgumentException",
                  fmt::format("Failed to {} tags {} stream {} under account {} because some tags "
                              "contained illegal characters. The allowed characters are Unicode "
                              "letters, white-spaces, '_',',','/','=','+','-','@'.",
                              e.value == "remove" ? "remove" : "add",
                              e.value == "remove" ? "from" : "to", e.stream, e.account));
    case StreamErrc::kTooManyTags:
      return Make("InvalidArgumentException",
                  fmt::format("Failed to add tags to stream {} under account {} because a given "
                              "stream cannot have more than {} tags associated with it.",
                              e.stream, e.account, e.n1));
    case StreamErrc::kConsumerNotFound:
      // Wording ours (not recorded).
      return Make("ResourceNotFoundException",
                  fmt::format("Consumer {} under account {} not found.", e.value, e.account));
    case StreamErrc::kOnDemandStreamLimit:
      // Wording ours, modelled on the shard-limit sentence.
      return Make("LimitExceededException",
                  fmt::format("This request would exceed the on-demand stream count limit for the "
                              "account {} in {}. Current on-demand stream count for the account: "
                              "{}. Limit: {}.",
                              e.account, e.other.empty() ? "us-east-1" : e.other, e.n1, e.n2));
    case StreamErrc::kStreamModeUnchanged:
      return Make("InvalidArgumentException",
                  fmt::format("Stream {} under account {} is already in {} mode.", e.stream,
                              e.account, e.other));
    case StreamErrc::kWarmThroughputNotOnDemand:
      // Modeled ValidationException (kinesis-errors.md §1); wording ours.
      return Make("ValidationException",
                  fmt::format("Warm throughput is only supported for ON_DEMAND streams. Stream {} "
                              "under account {} is in {} mode.",
                              e.stream, e.account, e.other));
    case StreamErrc::kWarmThroughputNoCommitment:
      return Make("ValidationException",
                  fmt::format("Warm throughput requires the minimum throughput billing commitment "
                              "to be enabled for account {} (UpdateAccountSettings).",
                              e.account));
    case StreamErrc::kWarmThroughputTooHigh:
      return Make("InvalidArgumentException",
                  fmt::format("Requested warm throughput ({} MiB/s) exceeds the maximum of {} "
                              "MiB/s.",
                              e.n1, e.n2));
    case StreamErrc::kResourcePolicyNotFound:
      return Make("ResourceNotFoundException",
                  fmt::format("No resource policy found for resource ARN {}.", e.value));
    // --- enhanced fan-out (issue 7); wording ours (not recorded) ---
    case StreamErrc::kConsumerExists:
      return Make("ResourceInUseException",
                  fmt::format("Consumer {} already exists for stream {} under account {}.",
                              e.value, e.stream, e.account));
    case StreamErrc::kConsumerLimit:
      if (e.value == "creating") {
        return Make("LimitExceededException",
                    fmt::format("Stream {} under account {} already has {} consumers in CREATING "
                                "state. Wait until they are ACTIVE before registering more.",
                                e.stream, e.account, e.n1));
      }
      return Make("LimitExceededException",
                  fmt::format("Stream {} under account {} has reached the limit of {} "
                              "registered consumers.",
                              e.stream, e.account, e.n1));
    case StreamErrc::kConsumerNotActive:
      return Make("ResourceInUseException",
                  fmt::format("Consumer {} under account {} is not ACTIVE, instead in state {}.",
                              e.value, e.account, e.other));
    case StreamErrc::kStreamHasConsumers:
      return Make("ResourceInUseException",
                  fmt::format("Stream {} under account {} has {} registered consumers. Deregister "
                              "them or set EnforceConsumerDeletion to delete the stream.",
                              e.stream, e.account, e.n1));
    case StreamErrc::kSubscriptionInUse:
      return Make("ResourceInUseException",
                  fmt::format("Another active subscription exists for consumer {} and shard {}.",
                              e.value, e.shard));
    // --- control-plane limits (issue 6 audit); wording ours (not recorded) ---
    case StreamErrc::kDailyOperationLimit:
      return Make("LimitExceededException",
                  fmt::format("{} cannot be called more than {} times per rolling 24-hour period "
                              "for stream {} under account {}.",
                              e.value, e.n1, e.stream, e.account));
    case StreamErrc::kCreatingStreamsLimit:
      return Make("LimitExceededException",
                  fmt::format("Account {} already has {} streams in CREATING state. Wait until "
                              "they are ACTIVE before creating more.",
                              e.account, e.n1));
    case StreamErrc::kInternal:
      // The client learns nothing more; the operator needs the cause (e.g. a batch that
      // fails its checksum on read), so every internal failure is logged with its detail.
      spdlog::error("internal failure: {}", e.value);
      return InternalFailure();
  }
  return InternalFailure();  // unreachable for valid enum values
}

ApiError SerializationError(std::string message) {
  return ApiError{"SerializationException", kBadRequest, std::move(message), true};
}

ApiError ValidationError(std::string message) {
  return Make("ValidationException", std::move(message));
}

ApiError UnknownOperation() { return Make("UnknownOperationException", ""); }

ApiError InvalidArgument(std::string message) {
  return Make("InvalidArgumentException", std::move(message));
}

ApiError InternalFailure() {
  return Make("InternalFailureException", "Internal service failure.", 500);
}

ApiError RequestTooLarge(size_t limit) {
  return Make("SerializationException",
              fmt::format("Request body exceeds the maximum allowed size of {} bytes.", limit),
              413);
}

std::string RenderJson(const ApiError& e) {
  std::string out;
  out.reserve(32 + e.type.size() + e.message.size());
  JsonWriter w(out);
  w.BeginObject().Member("__type", e.type);
  if (!e.message.empty()) w.Member(e.capital_message_key ? "Message" : "message", e.message);
  w.EndObject();
  return out;
}

}  // namespace runnel::api
