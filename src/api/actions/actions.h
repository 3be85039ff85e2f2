// Every action's table row, defined in its own file under api/actions/.
#pragma once

#include "api/action.h"

namespace runnel::api {

extern const ActionDef kCreateStreamAction;
extern const ActionDef kDeleteStreamAction;
extern const ActionDef kDescribeStreamAction;
extern const ActionDef kDescribeStreamSummaryAction;
extern const ActionDef kListStreamsAction;
extern const ActionDef kListShardsAction;
extern const ActionDef kPutRecordAction;
extern const ActionDef kPutRecordsAction;
extern const ActionDef kGetShardIteratorAction;
extern const ActionDef kGetRecordsAction;
// Tags, modes, limits, account settings, encryption, monitoring, policies (issue 6b).
extern const ActionDef kAddTagsToStreamAction;
extern const ActionDef kRemoveTagsFromStreamAction;
extern const ActionDef kListTagsForStreamAction;
extern const ActionDef kTagResourceAction;
extern const ActionDef kUntagResourceAction;
extern const ActionDef kListTagsForResourceAction;
extern const ActionDef kUpdateStreamModeAction;
extern const ActionDef kDescribeLimitsAction;
extern const ActionDef kDescribeAccountSettingsAction;
extern const ActionDef kUpdateAccountSettingsAction;
extern const ActionDef kUpdateMaxRecordSizeAction;
extern const ActionDef kUpdateStreamWarmThroughputAction;
extern const ActionDef kStartStreamEncryptionAction;
extern const ActionDef kStopStreamEncryptionAction;
extern const ActionDef kEnableEnhancedMonitoringAction;
extern const ActionDef kDisableEnhancedMonitoringAction;
extern const ActionDef kPutResourcePolicyAction;
extern const ActionDef kGetResourcePolicyAction;
extern const ActionDef kDeleteResourcePolicyAction;
// Resharding and retention (issue 6a).
extern const ActionDef kSplitShardAction;
extern const ActionDef kMergeShardsAction;
extern const ActionDef kUpdateShardCountAction;
extern const ActionDef kIncreaseStreamRetentionPeriodAction;
extern const ActionDef kDecreaseStreamRetentionPeriodAction;
// Enhanced fan-out (issue 7).
extern const ActionDef kRegisterStreamConsumerAction;
extern const ActionDef kDeregisterStreamConsumerAction;
extern const ActionDef kDescribeStreamConsumerAction;
extern const ActionDef kListStreamConsumersAction;
extern const ActionDef kSubscribeToShardAction;

}  // namespace runnel::api
