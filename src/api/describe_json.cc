#include "api/describe_json.h"

#include "stream/sequence_number.h"

namespace runnel::api {

void WriteHashKeyRange(JsonWriter& w, const stream::HashKeyRange& range) {
  w.BeginObject();
  w.Member("StartingHashKey", stream::ToDecimal(range.start));
  w.Member("EndingHashKey", stream::ToDecimal(range.end));
  w.EndObject();
}

void WriteShard(JsonWriter& w, const stream::ShardMeta& shard) {
  const int64_t created_s = shard.created_ms / 1000;
  w.BeginObject();
  w.Member("ShardId", stream::ShardIdOf(shard.index));
  if (shard.parent) w.Member("ParentShardId", stream::ShardIdOf(*shard.parent));
  if (shard.adjacent_parent) {
    w.Member("AdjacentParentShardId", stream::ShardIdOf(*shard.adjacent_parent));
  }
  w.Key("HashKeyRange");
  WriteHashKeyRange(w, shard.range);
  w.Key("SequenceNumberRange").BeginObject();
  w.Member("StartingSequenceNumber",
           stream::EncodeSequenceNumber({created_s, shard.index, 0, created_s}));
  if (shard.closed_ms) {
    w.Member("EndingSequenceNumber",
             stream::EncodeSequenceNumber(
                 {created_s, shard.index, stream::kEndingCounter, *shard.closed_ms / 1000}));
  }
  w.EndObject();
  w.EndObject();
}

void WriteStreamModeDetails(JsonWriter& w, stream::StreamMode mode) {
  w.Key("StreamModeDetails").BeginObject().Member("StreamMode", stream::ModeName(mode)).EndObject();
}

void WriteEnhancedMonitoring(JsonWriter& w, const stream::StreamMeta& m) {
  w.Key("EnhancedMonitoring").BeginArray().BeginObject();
  w.Key("ShardLevelMetrics").BeginArray();
  for (const auto& s : m.shard_level_metrics) w.String(s);
  w.EndArray();
  w.EndObject().EndArray();
}

void WriteWarmThroughput(JsonWriter& w, const stream::StreamMeta& m) {
  if (m.mode != stream::StreamMode::kOnDemand || !m.warm_throughput_mibps) return;
  const int64_t target = *m.warm_throughput_mibps;
  const int64_t current =
      m.status == stream::StreamStatus::kUpdating ? m.previous_warm_throughput_mibps : target;
  w.Key("WarmThroughput").BeginObject();
  w.Member("TargetMiBps", target).Member("CurrentMiBps", current);
  w.EndObject();
}

}  // namespace runnel::api
