// CreateStream (kinesis-api-actions.md §2). PROVISIONED needs ShardCount; ON_DEMAND takes
// none (InvalidArgumentException: a bad mode/count combination) and may set a warm
// throughput, which needs the account's minimum throughput billing commitment
// (ValidationException otherwise, as UpdateStreamWarmThroughput). Quotas: stream registry.
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/actions/warm_throughput.h"
#include "api/shapes.h"
#include "common/clock.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kShardCount, Required(kStreamName), kStreamModeDetails, kTags,
                                 kWarmThroughputMiBps, kMaxRecordSizeInKiB};

void Handle(ActionContext& ctx) {
  stream::CreateStreamRequest req;
  req.account = ctx.account;
  req.name = std::string(*ctx.String("StreamName"));
  if (auto details = ctx.Object("StreamModeDetails")) {
    std::string_view mode;
    if ((*details)["StreamMode"].get(mode) == simdjson::SUCCESS && mode == "ON_DEMAND") {
      req.mode = stream::StreamMode::kOnDemand;
    }
  }
  auto shards = ctx.Integer("ShardCount");
  if (req.mode == stream::StreamMode::kProvisioned) {
    if (!shards) {
      return ctx.Fail(ValidationError(
          "1 validation error detected: Value null at 'shardCount' failed to satisfy "
          "constraint: Member must not be null"));
    }
    req.shard_count = static_cast<uint32_t>(*shards);
  } else if (shards) {
    // Wording ours (not recorded).
    return ctx.Fail(InvalidArgument(
        "ShardCount cannot be specified for a stream in ON_DEMAND capacity mode."));
  }
  if (auto warm = ctx.Integer("WarmThroughputMiBps")) {
    // The same rules as UpdateStreamWarmThroughput, applied to the stream to be.
    stream::StreamMeta draft;
    draft.name = req.name;
    draft.account = req.account;
    draft.mode = req.mode;
    auto accounts = ctx.registry.account_settings().Get(req.account, Clock::NowMs());
    if (!accounts) return ctx.Fail(accounts.error());
    if (auto w = SetWarmThroughput(draft, *warm, accounts->commitment); !w) {
      return ctx.Fail(w.error());
    }
    req.warm_throughput_mibps = draft.warm_throughput_mibps;
  }
  if (auto tags = ctx.Object("Tags")) {
    for (auto [k, v] : *tags) {
      std::string_view value;
      if (v.get(value) == simdjson::SUCCESS) req.tags.emplace(std::string(k), std::string(value));
    }
  }
  if (auto kib = ctx.Integer("MaxRecordSizeInKiB")) req.max_record_size_kib = uint32_t(*kib);
  if (auto r = ctx.registry.CreateStream(req); !r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

}  // namespace

const ActionDef kCreateStreamAction{"CreateStream", kFields, Handle};

}  // namespace runnel::api
