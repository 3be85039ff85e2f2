// Errors of the stream (Kinesis domain) layer. They carry facts (names, ids, numbers), never
// AWS sentences: api/api_error.cc is the one place that turns them into __type + message.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace runnel::stream {

enum class StreamErrc {
  kStreamNotFound,       // stream, account
  kStreamExists,         // stream, account
  kStreamNotActive,      // stream, account, status
  kShardNotFound,        // shard, stream, account   (GetShardIterator/GetRecords wording)
  kShardNotFoundForReshard,  // shard, stream, account (Split/Merge wording)
  kIteratorInvalid,      // -
  kIteratorExpired,      // n1 = issued ms, n2 = now ms
  kIteratorTypeMismatch, // value = iterator type, n1 = 1 if a sequence number was given
  kTimestampMissing,     // -
  kTimestampInFuture,    // n1 = requested ms, n2 = now ms
  kSequenceWrongShard,   // shard = encoded shard id, other = requested shard id
  kSequenceInvalid,      // value = sequence number, shard, stream, account; n1 = 1 if "did not come from this stream"
  kExplicitHashKeyInvalid,  // value
  kOrderingSequenceInvalid, // value, stream, account
  kRecordTooLarge,       // n1 = size in bytes, n2 = limit; index = record index (PutRecords) or -1
  kShardLimitExceeded,   // account, n1 = current shards, n2 = limit, n3 = additional
  kLimitExceeded,        // value = free-form fact for the log (e.g. "too many CREATING streams")
  kInvalidArgument,      // value = fact; api renders a generic message
  kThroughputExceeded,   // shard, stream, account
  // --- resharding and retention (issue 6a) ---
  kShardAlreadyClosed,   // shard, stream, account; n1 = 1 for MergeShards, 0 for SplitShard
  kSplitKeyOutOfRange,   // value = NewStartingHashKey, shard, stream, account,
                         // other = shard's StartingHashKey, other2 = its EndingHashKey
  kShardsNotAdjacent,    // shard, other = the second shard, stream, account
  kReshardOnDemand,      // value = operation name, stream, account
  kScalingLimit,         // stream, account; value = rule ("double", "half", "max", "rate");
                         // n1 = current open shards, n2 = target, n3 = rule's limit
  kRetentionOutOfRange,  // n1 = requested hours (api picks the min or max sentence)
  kRetentionWrongWay,    // stream, n1 = requested hours, n2 = current hours,
                         // value = "Increase" or "Decrease" (the operation called)
  // --- tags, modes, limits, warm throughput, policies (issue 6b) ---
  kTagsInvalidCharacters,   // stream, account (a character outside the allowed set)
  kTagsIllegalCharacters,   // stream, account; value = "add" or "remove" ('%' in a tag)
  kTooManyTags,             // stream, account; n1 = the per-resource limit
  kConsumerNotFound,        // value = consumer ARN, account
  kOnDemandStreamLimit,     // account, other = region; n1 = current ON_DEMAND streams, n2 = limit
  kStreamModeUnchanged,     // stream, account, other = the mode it already has
  kWarmThroughputNotOnDemand,   // stream, account, other = the stream's mode
  kWarmThroughputNoCommitment,  // account
  kWarmThroughputTooHigh,   // n1 = requested MiB/s, n2 = maximum
  kResourcePolicyNotFound,  // value = resource ARN
  // --- enhanced fan-out (issue 7) ---
  kConsumerExists,       // value = consumer name, stream, account
  kConsumerLimit,        // stream, account; n1 = the limit; value = "total" or "creating"
  kConsumerNotActive,    // value = consumer ARN, account, other = its status
  kStreamHasConsumers,   // stream, account; n1 = registered consumers
  kSubscriptionInUse,    // value = consumer ARN, shard
  // --- control-plane limits (issue 6 audit) ---
  kDailyOperationLimit,  // stream, account; value = operation name, n1 = calls allowed per 24 h
  kCreatingStreamsLimit, // account; n1 = streams allowed in CREATING at once
  kInternal,             // value = detail for the log only
};

struct StreamError {
  StreamErrc code = StreamErrc::kInternal;
  std::string stream;
  std::string account;
  std::string shard;
  std::string other;   // second shard id, or status name for kStreamNotActive
  std::string value;   // offending value, or internal detail
  std::string other2;  // a third fact where one is needed (e.g. a range's end)
  int64_t n1 = 0, n2 = 0, n3 = 0;
  int64_t index = -1;
};

template <class T>
using StreamResult = Result<T, StreamError>;

}  // namespace runnel::stream
