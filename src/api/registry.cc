// The routing table: one row per operation of the Kinesis API model (39). Dispatch is a
// lookup, never an if-chain.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "api/action.h"
#include "api/actions/actions.h"

namespace runnel::api {
namespace {

// Operations of the model that Runnel does not serve yet answer an AWS-shaped 400 (never a
// 500): the operation exists, so UnknownOperationException would be wrong; the request is
// valid, so a validation error would be wrong too. InvalidArgumentException with an
// explicit message is the least surprising choice for SDK retry logic (not retried).
void NotImplemented(ActionContext& ctx);

#define RUNNEL_PENDING(name) const ActionDef k##name##Pending{#name, {}, NotImplemented};
#undef RUNNEL_PENDING

void NotImplemented(ActionContext& ctx) {
  std::string_view op = ctx.request.target.substr(ctx.request.target.find('.') + 1);
  ctx.Fail(InvalidArgument(fmt::format("{} is not supported by this Runnel version yet.", op)));
}

// Sorted by name for binary search.
constexpr size_t kActionCount = 39;
std::array<const ActionDef*, kActionCount> SortedActions() {
  std::array<const ActionDef*, kActionCount> a = {
      &kAddTagsToStreamAction,
      &kCreateStreamAction,
      &kDecreaseStreamRetentionPeriodAction,
      &kDeleteResourcePolicyAction,
      &kDeleteStreamAction,
      &kDeregisterStreamConsumerAction,
      &kDescribeAccountSettingsAction,
      &kDescribeLimitsAction,
      &kDescribeStreamAction,
      &kDescribeStreamConsumerAction,
      &kDescribeStreamSummaryAction,
      &kDisableEnhancedMonitoringAction,
      &kEnableEnhancedMonitoringAction,
      &kGetRecordsAction,
      &kGetResourcePolicyAction,
      &kGetShardIteratorAction,
      &kIncreaseStreamRetentionPeriodAction,
      &kListShardsAction,
      &kListStreamConsumersAction,
      &kListStreamsAction,
      &kListTagsForResourceAction,
      &kListTagsForStreamAction,
      &kMergeShardsAction,
      &kPutRecordAction,
      &kPutRecordsAction,
      &kPutResourcePolicyAction,
      &kRegisterStreamConsumerAction,
      &kRemoveTagsFromStreamAction,
      &kSplitShardAction,
      &kStartStreamEncryptionAction,
      &kStopStreamEncryptionAction,
      &kSubscribeToShardAction,
      &kTagResourceAction,
      &kUntagResourceAction,
      &kUpdateAccountSettingsAction,
      &kUpdateMaxRecordSizeAction,
      &kUpdateShardCountAction,
      &kUpdateStreamModeAction,
      &kUpdateStreamWarmThroughputAction,
  };
  std::sort(a.begin(), a.end(), [](auto* x, auto* y) { return x->name < y->name; });
  return a;
}

const std::array<const ActionDef*, kActionCount>& Table() {
  static const auto table = SortedActions();
  return table;
}

}  // namespace

const ActionDef* FindAction(std::string_view operation) {
  const auto& t = Table();
  auto it = std::lower_bound(t.begin(), t.end(), operation,
                             [](const ActionDef* a, std::string_view n) { return a->name < n; });
  return it != t.end() && (*it)->name == operation ? *it : nullptr;
}

std::span<const ActionDef* const> AllActions() { return Table(); }

}  // namespace runnel::api
