// GetShardIterator (kinesis-api-actions.md §3).
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName,           Required(kShardId),
                                 kShardIteratorType,    kStartingSequenceNumber,
                                 kTimestamp,            kStreamArn,
                                 kStreamId};

stream::IteratorType TypeOf(std::string_view s) {
  if (s == "AT_SEQUENCE_NUMBER") return stream::IteratorType::kAtSequenceNumber;
  if (s == "AFTER_SEQUENCE_NUMBER") return stream::IteratorType::kAfterSequenceNumber;
  if (s == "LATEST") return stream::IteratorType::kLatest;
  if (s == "AT_TIMESTAMP") return stream::IteratorType::kAtTimestamp;
  return stream::IteratorType::kTrimHorizon;
}

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  stream::GetShardIteratorRequest req;
  req.account = ctx.account;
  req.stream = *name;
  req.shard_id = *ctx.String("ShardId");
  req.type = TypeOf(*ctx.String("ShardIteratorType"));
  req.starting_sequence_number = ctx.String("StartingSequenceNumber");
  req.timestamp_ms = ctx.TimestampMs("Timestamp");
  auto it = ctx.registry.GetShardIterator(req);
  if (!it) return ctx.Fail(it.error());
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Member("ShardIterator", *it).EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kGetShardIteratorAction{"GetShardIterator", kFields, Handle};

}  // namespace runnel::api
