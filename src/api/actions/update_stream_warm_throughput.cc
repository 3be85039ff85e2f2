// UpdateStreamWarmThroughput (kinesis-api-actions.md §2, "new"): the warm throughput of an
// ON_DEMAND stream, in an account with the minimum throughput billing commitment in force.
// ACTIVE -> UPDATING -> ACTIVE; CurrentMiBps reaches TargetMiBps when the stream is ACTIVE.
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/actions/warm_throughput.h"
#include "api/describe_json.h"
#include "api/shapes.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace runnel::api {

stream::StreamResult<void> SetWarmThroughput(stream::StreamMeta& m, int64_t mibps,
                                             const stream::ThroughputCommitment& commitment) {
  stream::StreamError e;
  e.stream = m.name;
  e.account = m.account;
  if (m.mode != stream::StreamMode::kOnDemand) {
    e.code = stream::StreamErrc::kWarmThroughputNotOnDemand;
    e.other = std::string(stream::ModeName(m.mode));
    return MakeUnexpected(std::move(e));
  }
  if (!commitment.InForceAt(Clock::NowMs())) {
    e.code = stream::StreamErrc::kWarmThroughputNoCommitment;
    return MakeUnexpected(std::move(e));
  }
  if (mibps > kMaxWarmThroughputMiBps) {
    e.code = stream::StreamErrc::kWarmThroughputTooHigh;
    e.n1 = mibps;
    e.n2 = kMaxWarmThroughputMiBps;
    return MakeUnexpected(std::move(e));
  }
  m.previous_warm_throughput_mibps = m.warm_throughput_mibps.value_or(0);
  m.warm_throughput_mibps = static_cast<uint32_t>(mibps);
  return {};
}

namespace {

constexpr FieldSpec kFields[] = {kStreamArn, kStreamName, kStreamId,
                                 Required(kWarmThroughputMiBps)};

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  const int64_t mibps = *ctx.Integer("WarmThroughputMiBps");
  auto r = ctx.registry.UpdateStream(
      ctx.account, *name, stream::StreamRegistry::Require::kActive,
      [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
        auto accounts = ctx.registry.account_settings().Get(m.account, Clock::NowMs());
        if (!accounts) return MakeUnexpected(accounts.error());
        if (auto w = SetWarmThroughput(m, mibps, accounts->commitment); !w) return w;
        ctx.registry.BeginUpdating(m);
        return {};
      });
  if (!r) return ctx.Fail(r.error());
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("StreamARN", r->Arn()).Member("StreamName", r->name);
  WriteWarmThroughput(w, *r);
  w.EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kUpdateStreamWarmThroughputAction{"UpdateStreamWarmThroughput", kFields, Handle};

}  // namespace runnel::api
