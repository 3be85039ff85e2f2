// Consumer lookups shared by the consumer actions, SubscribeToShard (and the ResourceARN
// actions, for consumer ARNs).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/action.h"

namespace runnel::api {

struct ConsumerArn {
  std::string region, account, stream, consumer;
};
// Splits "arn:{partition}:kinesis:{region}:{account}:stream/{s}/consumer/{c}:{epoch}".
std::optional<ConsumerArn> ParseConsumerArn(std::string_view arn);

struct ConsumerTarget {
  std::string stream;
  std::string consumer;
  std::string arn;  // as given, or "" when named by StreamARN + ConsumerName
};
// From ConsumerARN, or StreamARN + ConsumerName (consistent if all are given). On failure
// the error is sent and nullopt returned.
std::optional<ConsumerTarget> ResolveConsumer(ActionContext& ctx);
// The consumer `t` names (for an ARN: that very registration). On failure the error is sent.
std::optional<stream::StreamRegistry::ConsumerInfo> LookUpConsumer(ActionContext& ctx,
                                                                   const ConsumerTarget& t);

}  // namespace runnel::api
