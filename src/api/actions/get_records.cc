// GetRecords (kinesis-api-actions.md §3): up to Limit records and 10 MiB per call.
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/describe_json.h"
#include "api/shapes.h"
#include "common/base64.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kShardIterator, kLimit, kStreamArn, kStreamId};

thread_local stream::GetRecordsOutput t_out;

void Handle(ActionContext& ctx) {
  auto limit = static_cast<uint32_t>(ctx.Integer("Limit").value_or(10000));
  stream::GetRecordsOutput& r = t_out;
  if (auto res = ctx.registry.GetRecords(ctx.account, *ctx.String("ShardIterator"), limit, &r);
      !res) {
    return ctx.Fail(res.error());
  }
  size_t estimate = 256;
  for (const auto& rec : r.records) {
    estimate += 160 + rec.partition_key.size() + base64::EncodedSize(rec.data.size());
  }
  std::string out;
  out.reserve(estimate);
  JsonWriter w(out);
  w.BeginObject().Key("Records").BeginArray();
  for (const auto& rec : r.records) {
    w.BeginObject();
    w.Member("SequenceNumber", rec.sequence.sequence_number());
    w.Key("ApproximateArrivalTimestamp").TimestampMs(rec.arrival_ms);
    w.Key("Data").Base64(rec.data);
    w.Member("PartitionKey", rec.partition_key);
    if (rec.encrypted) w.Member("EncryptionType", "KMS");
    w.EndObject();
  }
  w.EndArray();
  if (r.next_iterator) w.Member("NextShardIterator", *r.next_iterator);
  w.Member("MillisBehindLatest", r.millis_behind_latest);
  if (!r.child_shards.empty()) {
    w.Key("ChildShards").BeginArray();
    for (const auto& c : r.child_shards) {
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
  w.EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kGetRecordsAction{"GetRecords", kFields, Handle};

}  // namespace runnel::api
