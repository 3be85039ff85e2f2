// DescribeLimits (kinesis-api-actions.md §2): the account's shard quota and on-demand stream
// quota (runnel serve --shard-limit / --on-demand-stream-limit) and what it uses of them.
// CreateStream and UpdateStreamMode enforce the same numbers (LimitExceededException).
#include "api/action.h"
#include "api/actions/actions.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

void Handle(ActionContext& ctx) {
  const auto usage = ctx.registry.UsageOf(ctx.account);
  const auto& o = ctx.registry.options();
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("ShardLimit", int64_t{o.shard_limit});
  w.Member("OpenShardCount", static_cast<int64_t>(usage.open_shards));
  w.Member("OnDemandStreamCount", int64_t{usage.on_demand_streams});
  w.Member("OnDemandStreamCountLimit", int64_t{o.on_demand_stream_limit});
  w.EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kDescribeLimitsAction{"DescribeLimits", {}, Handle};

}  // namespace runnel::api
