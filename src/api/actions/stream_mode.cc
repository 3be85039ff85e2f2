// UpdateStreamMode (kinesis-api-actions.md §2, kinesis-api.md §3.9): PROVISIONED <-> ON_DEMAND
// through UPDATING. The mode lives in StreamMeta::mode; resharding actions reject ON_DEMAND
// streams themselves. Switching to PROVISIONED keeps the open shards; switching to ON_DEMAND
// counts against the account's on-demand stream limit (RegistryOptions) and may set a warm
// throughput (which needs the account's minimum throughput billing commitment). AWS allows
// two mode switches per stream in a rolling 24 hours (developer guide); a third is
// LimitExceededException.
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/actions/warm_throughput.h"
#include "api/shapes.h"
#include "common/clock.h"

namespace runnel::api {
namespace {

constexpr size_t kModeSwitchesPerDay = 2;

constexpr FieldSpec kFields[] = {Required(kStreamArn), kStreamId, Required(kStreamModeDetails),
                                 kWarmThroughputMiBps};

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  stream::StreamMode target = stream::StreamMode::kProvisioned;
  if (auto details = ctx.Object("StreamModeDetails")) {
    std::string_view mode;
    if ((*details)["StreamMode"].get(mode) == simdjson::SUCCESS && mode == "ON_DEMAND") {
      target = stream::StreamMode::kOnDemand;
    }
  }
  const auto warm = ctx.Integer("WarmThroughputMiBps");
  // Counted before taking the stream's lock (UsageOf reads every stream), under the quota
  // lock, so that no concurrent switch or CreateStream takes the same on-demand slot.
  auto quota = ctx.registry.LockQuotas();
  const auto usage = ctx.registry.UsageOf(ctx.account);
  const uint32_t limit = ctx.registry.options().on_demand_stream_limit;
  auto r = ctx.registry.UpdateStream(
      ctx.account, *name, stream::StreamRegistry::Require::kActive,
      [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
        if (m.mode == target) {
          stream::StreamError e;
          e.code = stream::StreamErrc::kStreamModeUnchanged;
          e.stream = m.name;
          e.account = m.account;
          e.other = std::string(stream::ModeName(target));
          return MakeUnexpected(std::move(e));
        }
        if (target == stream::StreamMode::kOnDemand && usage.on_demand_streams >= limit) {
          stream::StreamError e;
          e.code = stream::StreamErrc::kOnDemandStreamLimit;
          e.account = m.account;
          e.other = ctx.registry.options().region;
          e.n1 = usage.on_demand_streams;
          e.n2 = limit;
          return MakeUnexpected(std::move(e));
        }
        if (!stream::TakeDailySlot(m.mode_switches_ms, Clock::NowMs(), kModeSwitchesPerDay)) {
          stream::StreamError e;
          e.code = stream::StreamErrc::kDailyOperationLimit;
          e.stream = m.name;
          e.account = m.account;
          e.value = "UpdateStreamMode";
          e.n1 = kModeSwitchesPerDay;
          return MakeUnexpected(std::move(e));
        }
        m.mode = target;
        if (target == stream::StreamMode::kProvisioned) {
          m.warm_throughput_mibps.reset();
          m.previous_warm_throughput_mibps = 0;
        } else if (warm) {
          auto accounts = ctx.registry.account_settings().Get(m.account, Clock::NowMs());
          if (!accounts) return MakeUnexpected(accounts.error());
          if (auto w = SetWarmThroughput(m, *warm, accounts->commitment); !w) return w;
        }
        ctx.registry.BeginUpdating(m);
        return {};
      });
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

}  // namespace

const ActionDef kUpdateStreamModeAction{"UpdateStreamMode", kFields, Handle};

}  // namespace runnel::api
