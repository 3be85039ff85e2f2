// The routing table: one row per operation of the Kinesis API model (39). Dispatch is a
// lookup, never an if-chain.
#include <algorithm>
#include <array>

#include "api/action.h"
#include "api/actions/actions.h"

namespace runnel::api {
namespace {

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
