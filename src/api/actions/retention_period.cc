// IncreaseStreamRetentionPeriod and DecreaseStreamRetentionPeriod (kinesis-api-actions.md §2):
// 24..8760 hours, each only in its own direction (equal is a no-op). No UPDATING state.
// Enforcement: stream/read_path.cc (never serve expired records), stream/retention.cc (disk).
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"
#include "common/clock.h"

namespace runnel::api {
namespace {

constexpr int64_t kMinRetentionHours = 24;
constexpr int64_t kMaxRetentionHours = 8760;

constexpr FieldSpec kFields[] = {kStreamName, kRetentionPeriodHours, kStreamArn, kStreamId};

enum class Direction { kIncrease, kDecrease };

void Change(ActionContext& ctx, Direction dir) {
  auto name = ctx.StreamName();
  if (!name) return;
  const int64_t hours = *ctx.Integer("RetentionPeriodHours");
  if (hours < kMinRetentionHours || hours > kMaxRetentionHours) {
    stream::StreamError e;
    e.code = stream::StreamErrc::kRetentionOutOfRange;
    e.n1 = hours;
    return ctx.Fail(e);
  }
  auto r = ctx.registry.UpdateStream(
      ctx.account, *name, stream::StreamRegistry::Require::kActive,
      [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
        const int64_t current = m.retention_hours;
        if ((dir == Direction::kIncrease && hours < current) ||
            (dir == Direction::kDecrease && hours > current)) {
          stream::StreamError e;
          e.code = stream::StreamErrc::kRetentionWrongWay;
          e.stream = m.name;
          e.account = m.account;
          e.n1 = hours;
          e.n2 = current;
          e.value = dir == Direction::kIncrease ? "Increase" : "Decrease";
          return MakeUnexpected(e);
        }
        m.SetRetentionHours(static_cast<uint32_t>(hours), Clock::NowMs());
        return {};
      });
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

void HandleIncrease(ActionContext& ctx) { Change(ctx, Direction::kIncrease); }
void HandleDecrease(ActionContext& ctx) { Change(ctx, Direction::kDecrease); }

}  // namespace

const ActionDef kIncreaseStreamRetentionPeriodAction{"IncreaseStreamRetentionPeriod", kFields,
                                                     HandleIncrease};
const ActionDef kDecreaseStreamRetentionPeriodAction{"DecreaseStreamRetentionPeriod", kFields,
                                                     HandleDecrease};

}  // namespace runnel::api
