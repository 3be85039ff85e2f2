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
  kInternal,             // value = detail for the log only
};

struct StreamError {
  StreamErrc code = StreamErrc::kInternal;
  std::string stream;
  std::string account;
  std::string shard;
  std::string other;   // second shard id, or status name for kStreamNotActive
  std::string value;   // offending value, or internal detail
  int64_t n1 = 0, n2 = 0, n3 = 0;
  int64_t index = -1;
};

template <class T>
using StreamResult = Result<T, StreamError>;

}  // namespace runnel::stream
