// ResourceARN (TagResource, UntagResource, ListTagsForResource, *ResourcePolicy): a stream ARN
// or a consumer ARN (kinesis-api-actions.md §0). The ARN pattern itself is checked by
// api/validate (Pattern::kResourceArn); this resolves it against the caller's namespace.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/action.h"

namespace runnel::api {

struct ResourceRef {
  enum class Kind { kStream, kConsumer };
  Kind kind = Kind::kStream;
  std::string arn;       // as given
  std::string region;
  std::string account;
  std::string stream;    // stream name (for a consumer: its stream)
  std::string consumer;  // consumer name (kConsumer only)
};

// "arn:{partition}:kinesis:{region}:{account}:{resource}" split into its fields; nullopt if
// there are fewer than six fields or it is not a kinesis ARN.
struct ArnParts {
  std::string_view region, account, resource;
};
std::optional<ArnParts> SplitArn(std::string_view arn);

// Splits "arn:{partition}:kinesis:{region}:{account}:stream/{name}[/consumer/{c}:{epoch}]".
// nullopt if it is neither shape.
std::optional<ResourceRef> ParseResourceArn(std::string_view arn);

// Parses the "ResourceARN" member and checks it names this region and the caller's account.
// On failure sends the error (InvalidArgumentException for a malformed ARN,
// ResourceNotFoundException for another account or region) and returns nullopt.
std::optional<ResourceRef> ResolveResourceArn(ActionContext& ctx);

// The registered consumer of `m` that the consumer ARN `ref` names (its creation time
// included, so a re-registered name is another consumer), or kConsumerNotFound.
// REQUIRES: ref.kind == kConsumer and ref.stream == m.name.
stream::StreamResult<stream::ConsumerMeta*> FindConsumer(stream::StreamMeta& m,
                                                         const ResourceRef& ref);

}  // namespace runnel::api
