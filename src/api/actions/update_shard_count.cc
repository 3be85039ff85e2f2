// UpdateShardCount (kinesis-api-actions.md §4): UNIFORM_SCALING through splits and merges.
#include <limits>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName, kTargetShardCount, kScalingType, kStreamArn,
                                 kStreamId};

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  // Validation guarantees >= 1; anything past uint32 is far beyond the 10000-shard ceiling.
  const int64_t requested = *ctx.Integer("TargetShardCount");
  const uint32_t target = static_cast<uint32_t>(
      std::min<int64_t>(requested, std::numeric_limits<uint32_t>::max()));
  auto r = ctx.registry.UpdateShardCount(ctx.account, *name, target);
  if (!r) return ctx.Fail(r.error());
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("StreamName", *name);
  w.Member("CurrentShardCount", int64_t{r->current});
  w.Member("TargetShardCount", int64_t{r->target});
  w.Member("StreamARN", stream::StreamArn(ctx.options.region, ctx.account, *name));
  w.EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kUpdateShardCountAction{"UpdateShardCount", kFields, Handle};

}  // namespace runnel::api
