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
// Resharding and retention (issue 6a).
extern const ActionDef kSplitShardAction;
extern const ActionDef kMergeShardsAction;
extern const ActionDef kUpdateShardCountAction;
extern const ActionDef kIncreaseStreamRetentionPeriodAction;
extern const ActionDef kDecreaseStreamRetentionPeriodAction;

}  // namespace runnel::api
