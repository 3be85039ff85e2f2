// CreateStream (kinesis-api-actions.md §2).
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"

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
