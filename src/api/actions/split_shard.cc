// SplitShard (kinesis-api-actions.md §4): one open shard into two at NewStartingHashKey.
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName, kShardToSplit, kNewStartingHashKey, kStreamArn,
                                 kStreamId};

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  auto r = ctx.registry.SplitShard(ctx.account, *name, *ctx.String("ShardToSplit"),
                                   *ctx.String("NewStartingHashKey"));
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

}  // namespace

const ActionDef kSplitShardAction{"SplitShard", kFields, Handle};

}  // namespace runnel::api
