// DescribeStream (kinesis-api-actions.md §2): the legacy paginated description.
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/describe_json.h"
#include "api/shapes.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName, kLimit, kExclusiveStartShardId, kStreamArn,
                                 kStreamId};

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  auto meta = ctx.registry.Describe(ctx.account, *name);
  if (!meta) return ctx.Fail(meta.error());
  const stream::StreamMeta& m = *meta;
  const int64_t limit = std::min<int64_t>(ctx.Integer("Limit").value_or(100), 100);
  std::optional<uint32_t> after;
  if (auto start = ctx.String("ExclusiveStartShardId")) after = stream::ShardIndexOf(*start);

  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("StreamDescription").BeginObject();
  w.Member("StreamName", m.name).Member("StreamARN", m.Arn());
  w.Member("StreamStatus", stream::StatusName(m.status));
  WriteStreamModeDetails(w, m.mode);
  w.Key("Shards").BeginArray();
  bool more = false;
  int64_t count = 0;
  // Like ListShards: closed shards whose close time is past retention are expired and
  // hidden even before the background pass (stream/retention.cc) removes them.
  const int64_t horizon_ms = m.HorizonMs(Clock::NowMs());
  if (m.status != stream::StreamStatus::kCreating) {
    for (const auto& shard : m.shards) {
      if (after && shard.index <= *after) continue;
      if (shard.closed_ms && *shard.closed_ms < horizon_ms) continue;
      if (count == limit) {
        more = true;
        break;
      }
      WriteShard(w, shard);
      ++count;
    }
  }
  w.EndArray();
  w.Key("HasMoreShards").Bool(more);
  w.Member("RetentionPeriodHours", int64_t{m.retention_hours});
  w.Key("StreamCreationTimestamp").TimestampMs(m.created_ms);
  WriteEnhancedMonitoring(w, m);
  w.Member("EncryptionType", m.encryption_type);
  if (!m.key_id.empty()) w.Member("KeyId", m.key_id);
  w.EndObject().EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kDescribeStreamAction{"DescribeStream", kFields, Handle};

}  // namespace runnel::api
