// The persistent description of a stream and its shards (everything but the records), and
// its JSON form on disk (docs/formats/metadata.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "stream/consumer_meta.h"
#include "stream/hash_key.h"

namespace runnel::stream {

enum class StreamStatus { kCreating, kActive, kUpdating, kDeleting };
enum class StreamMode { kProvisioned, kOnDemand };

std::string_view StatusName(StreamStatus s);
std::string_view ModeName(StreamMode m);

struct ShardMeta {
  uint32_t index = 0;
  HashKeyRange range;
  std::optional<uint32_t> parent;
  std::optional<uint32_t> adjacent_parent;
  int64_t created_ms = 0;
  std::optional<int64_t> closed_ms;  // set when a reshard closed the shard

  bool open() const { return !closed_ms.has_value(); }
};

// "shardId-" + 12-digit zero-padded index.
std::string ShardIdOf(uint32_t index);
// Parses "shardId-000000000003" (and, like AWS, any "...-<digits>" suffix form); nullopt if
// there is no trailing index.
std::optional<uint32_t> ShardIndexOf(std::string_view shard_id);

struct StreamMeta {
  std::string account;
  std::string region;
  std::string name;
  std::string dir_name;  // directory under <data>/streams; never derived from the raw name
  int64_t created_ms = 0;
  StreamStatus status = StreamStatus::kCreating;
  int64_t transition_at_ms = 0;  // CREATING/UPDATING -> ACTIVE, DELETING -> gone at this time
  StreamMode mode = StreamMode::kProvisioned;
  uint32_t retention_hours = 24;
  // Records that arrived before this time have expired for good: a later retention increase
  // does not bring them back (IncreaseStreamRetentionPeriod, kinesis-api-actions.md).
  int64_t expired_before_ms = 0;
  std::string encryption_type = "NONE";
  std::string key_id;
  std::vector<std::string> shard_level_metrics;
  std::map<std::string, std::string> tags;
  uint32_t max_record_size_kib = 1024;
  // UpdateStreamWarmThroughput (ON_DEMAND streams): the target, and the value before the last
  // change, reported as CurrentMiBps while the stream is still UPDATING.
  std::optional<uint32_t> warm_throughput_mibps;
  uint32_t previous_warm_throughput_mibps = 0;
  // PutResourcePolicy: the policy document, stored verbatim; empty = no policy.
  std::string resource_policy;
  uint32_t next_shard_index = 0;
  std::vector<ShardMeta> shards;  // ordered by index
  // An accepted UpdateShardCount whose children's logs the maintenance thread is still
  // creating (too many to create inside the call): the target, 0 when none. The stream is
  // UPDATING and `shards` is still the list from before the call until they exist.
  uint32_t pending_target_shards = 0;
  // Times of the UpdateShardCount calls of the last 24 h (its rate limit; resharding.cc).
  std::vector<int64_t> scaling_ops_ms;
  // Times of the UpdateStreamMode switches and of the Start/StopStreamEncryption calls of the
  // last 24 h (their rolling-24-hour limits; api/actions/stream_mode.cc, stream_encryption.cc).
  std::vector<int64_t> mode_switches_ms;
  std::vector<int64_t> encryption_starts_ms;
  std::vector<int64_t> encryption_stops_ms;
  // Registered consumers (enhanced fan-out; stream/consumer_meta.h), in registration order.
  std::vector<ConsumerMeta> consumers;

  // Status as of `now_ms`, applying a due transition (CREATING/UPDATING -> ACTIVE).
  StreamStatus StatusAt(int64_t now_ms) const;
  // The retention horizon at `now_ms`: records that arrived before it are never served.
  int64_t HorizonMs(int64_t now_ms) const;
  // Sets the retention period at `now_ms`, first freezing what has already expired under
  // the old period, so that increasing it never resurrects expired records.
  void SetRetentionHours(uint32_t hours, int64_t now_ms);
  std::string Arn() const;
};

// Rolling 24-hour operation limits: drops the times in `times` that are 24 h or more before
// `now_ms`, then returns true (and records `now_ms`) if fewer than `limit` remain.
bool TakeDailySlot(std::vector<int64_t>& times, int64_t now_ms, size_t limit);

std::string StreamArn(std::string_view region, std::string_view account, std::string_view name);

std::string EncodeStreamMeta(const StreamMeta& m);
// nullopt-like failure carries a reason for the log.
Result<StreamMeta, std::string> DecodeStreamMeta(std::string_view json);

}  // namespace runnel::stream
