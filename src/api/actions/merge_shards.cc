// MergeShards (kinesis-api-actions.md §4): two adjacent open shards into one.
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName, kShardToMerge, kAdjacentShardToMerge, kStreamArn,
                                 kStreamId};

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  auto r = ctx.registry.MergeShards(ctx.account, *name, *ctx.String("ShardToMerge"),
                                    *ctx.String("AdjacentShardToMerge"));
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

}  // namespace

const ActionDef kMergeShardsAction{"MergeShards", kFields, Handle};

}  // namespace runnel::api
