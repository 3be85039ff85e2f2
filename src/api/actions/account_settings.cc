// DescribeAccountSettings / UpdateAccountSettings (kinesis-api-actions.md §2, "new"): the
// minimum throughput billing commitment. The state machine and its storage are
// stream/account_settings.h; this file only reads and writes the JSON.
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kUpdateFields[] = {kMinimumThroughputBillingCommitment};

void Respond(ActionContext& ctx, const stream::AccountSettings& s) {
  const stream::ThroughputCommitment& c = s.commitment;
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("MinimumThroughputBillingCommitment").BeginObject();
  w.Member("Status", stream::CommitmentStatusName(c.status));
  if (c.started_at_ms) w.Key("StartedAt").TimestampMs(*c.started_at_ms);
  if (c.ended_at_ms) w.Key("EndedAt").TimestampMs(*c.ended_at_ms);
  if (c.earliest_allowed_end_at_ms) {
    w.Key("EarliestAllowedEndAt").TimestampMs(*c.earliest_allowed_end_at_ms);
  }
  w.EndObject().EndObject();
  ctx.Ok(std::move(out));
}

void HandleDescribe(ActionContext& ctx) {
  auto s = ctx.registry.account_settings().Get(ctx.account, Clock::NowMs());
  if (!s) return ctx.Fail(s.error());
  Respond(ctx, *s);
}

void HandleUpdate(ActionContext& ctx) {
  std::string_view status;  // present and ENABLED|DISABLED: checked by the table
  auto commitment = *ctx.Object("MinimumThroughputBillingCommitment");
  if (commitment["Status"].get(status) != simdjson::SUCCESS) status = {};
  const auto request = status == "ENABLED" ? stream::CommitmentRequest::kEnable
                                           : stream::CommitmentRequest::kDisable;
  auto s = ctx.registry.account_settings().UpdateCommitment(ctx.account, request,
                                                            Clock::NowMs());
  if (!s) return ctx.Fail(s.error());
  Respond(ctx, *s);
}

}  // namespace

const ActionDef kDescribeAccountSettingsAction{"DescribeAccountSettings", {}, HandleDescribe};
const ActionDef kUpdateAccountSettingsAction{"UpdateAccountSettings", kUpdateFields,
                                             HandleUpdate};

}  // namespace runnel::api
