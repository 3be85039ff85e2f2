// DescribeStreamSummary (kinesis-api-actions.md §2).
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/describe_json.h"
#include "api/shapes.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName, kStreamArn, kStreamId};

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  auto meta = ctx.registry.Describe(ctx.account, *name);
  if (!meta) return ctx.Fail(meta.error());
  const stream::StreamMeta& m = *meta;
  int64_t open = 0;
  for (const auto& s : m.shards) open += s.open() ? 1 : 0;

  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("StreamDescriptionSummary").BeginObject();
  w.Member("StreamName", m.name).Member("StreamARN", m.Arn());
  w.Member("StreamStatus", stream::StatusName(m.status));
  WriteStreamModeDetails(w, m.mode);
  w.Member("RetentionPeriodHours", int64_t{m.retention_hours});
  w.Key("StreamCreationTimestamp").TimestampMs(m.created_ms);
  WriteEnhancedMonitoring(w, m);
  w.Member("EncryptionType", m.encryption_type);
  if (!m.key_id.empty()) w.Member("KeyId", m.key_id);
  w.Member("OpenShardCount", open);
  int64_t consumers = 0;
  for (const auto& c : m.consumers) {
    consumers += c.StatusAt(Clock::NowMs()) != stream::ConsumerStatus::kGone ? 1 : 0;
  }
  w.Member("ConsumerCount", consumers);
  WriteWarmThroughput(w, m);
  w.Member("MaxRecordSizeInKiB", int64_t{m.max_record_size_kib});
  w.EndObject().EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kDescribeStreamSummaryAction{"DescribeStreamSummary", kFields, Handle};

}  // namespace runnel::api
