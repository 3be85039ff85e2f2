// JSON of records and child shards as GetRecords returns them, shared with SubscribeToShard
// events (kinesis-wire.md §8.3: same record JSON).
#pragma once

#include <vector>

#include "common/json_writer.h"
#include "stream/stream_registry.h"

namespace runnel::api {

// "Records": [{SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey,
// EncryptionType?}, ...]
void WriteRecords(JsonWriter& w, const std::vector<stream::OutRecord>& records);
// "ChildShards": [...] if `children` is non-empty; nothing otherwise.
void WriteChildShards(JsonWriter& w, const std::vector<stream::ChildShard>& children);
// A size to reserve for the JSON of `records`.
size_t EstimateRecordsJson(const std::vector<stream::OutRecord>& records);

}  // namespace runnel::api
