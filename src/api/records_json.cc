#include "api/records_json.h"

#include "api/describe_json.h"
#include "common/base64.h"

namespace runnel::api {

void WriteRecords(JsonWriter& w, const std::vector<stream::OutRecord>& records) {
  w.Key("Records").BeginArray();
  for (const auto& rec : records) {
    w.BeginObject();
    w.Member("SequenceNumber", rec.sequence.sequence_number());
    w.Key("ApproximateArrivalTimestamp").TimestampMs(rec.arrival_ms);
    w.Key("Data").Base64(rec.data);
    w.Member("PartitionKey", rec.partition_key);
    if (rec.encrypted) w.Member("EncryptionType", "KMS");
    w.EndObject();
  }
  w.EndArray();
}

void WriteChildShards(JsonWriter& w, const std::vector<stream::ChildShard>& children) {
  if (children.empty()) return;
  w.Key("ChildShards").BeginArray();
  for (const auto& c : children) {
    w.BeginObject().Member("ShardId", c.shard_id);
    w.Key("ParentShards").BeginArray();
    for (const auto& p : c.parents) w.String(p);
    w.EndArray();
    w.Key("HashKeyRange");
    WriteHashKeyRange(w, c.range);
    w.EndObject();
  }
  w.EndArray();
}

size_t EstimateRecordsJson(const std::vector<stream::OutRecord>& records) {
  size_t estimate = 256;
  for (const auto& rec : records) {
    estimate += 160 + rec.partition_key.size() + base64::EncodedSize(rec.data.size());
  }
  return estimate;
}

}  // namespace runnel::api
