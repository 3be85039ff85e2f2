// JSON pieces shared by the describe/list actions: one Shard object, stream summaries.
#pragma once

#include "common/json_writer.h"
#include "stream/stream_meta.h"

namespace runnel::api {

// {"ShardId":..,"ParentShardId"?..,"HashKeyRange":{..},"SequenceNumberRange":{..}}
void WriteShard(JsonWriter& w, const stream::ShardMeta& shard);
void WriteHashKeyRange(JsonWriter& w, const stream::HashKeyRange& range);
// "StreamModeDetails":{"StreamMode":".."} member.
void WriteStreamModeDetails(JsonWriter& w, stream::StreamMode mode);
// "EnhancedMonitoring":[{"ShardLevelMetrics":[..]}] member.
void WriteEnhancedMonitoring(JsonWriter& w, const stream::StreamMeta& m);
// "WarmThroughput":{"TargetMiBps":..,"CurrentMiBps":..} member, for ON_DEMAND streams with a
// warm throughput set (else nothing). CurrentMiBps is the previous value while UPDATING.
void WriteWarmThroughput(JsonWriter& w, const stream::StreamMeta& m);

}  // namespace runnel::api
