// PutResourcePolicy / GetResourcePolicy / DeleteResourcePolicy (kinesis-api-actions.md §7):
// the policy document is checked to be a JSON object, stored verbatim with the stream's
// metadata (a consumer's with the consumer, stream/consumer_meta.h) and never evaluated.
// GetResourcePolicy without a policy answers {"Policy":"{}"}; DeleteResourcePolicy without one
// is ResourceNotFoundException. On a stream, Put and Delete need it ACTIVE; on a consumer,
// only that it is registered (as TagResource).
#include <simdjson.h>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/resource_arn.h"
#include "api/shapes.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kPutFields[] = {Required(kResourceArn), kStreamId, kPolicy};
constexpr FieldSpec kArnFields[] = {Required(kResourceArn), kStreamId};

bool IsJsonObject(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element doc;
  return parser.parse(padded).get(doc) == simdjson::SUCCESS && doc.is_object();
}

// The policy slot of the resource `ref` names inside `m`.
stream::StreamResult<std::string*> PolicyOf(stream::StreamMeta& m, const ResourceRef& ref) {
  if (ref.kind == ResourceRef::Kind::kStream) return &m.resource_policy;
  auto consumer = FindConsumer(m, ref);
  if (!consumer) return MakeUnexpected(consumer.error());
  return &(*consumer)->resource_policy;
}

// Applies `change` to the policy of `ref` and answers with an empty body.
template <class Change>
void ChangePolicy(ActionContext& ctx, const ResourceRef& ref, Change change) {
  auto require = ref.kind == ResourceRef::Kind::kStream ? stream::StreamRegistry::Require::kActive
                                                        : stream::StreamRegistry::Require::kAny;
  auto r = ctx.registry.UpdateStream(ctx.account, ref.stream, require,
                                     [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
                                       auto policy = PolicyOf(m, ref);
                                       if (!policy) return MakeUnexpected(policy.error());
                                       return change(**policy);
                                     });
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

void HandlePut(ActionContext& ctx) {
  auto ref = ResolveResourceArn(ctx);
  if (!ref) return;
  const std::string policy(*ctx.String("Policy"));
  if (!IsJsonObject(policy)) {
    // Wording ours: AWS's exact text for a malformed policy is not recorded.
    return ctx.Fail(InvalidArgument("Policy is not a valid JSON policy document."));
  }
  ChangePolicy(ctx, *ref, [&](std::string& slot) -> stream::StreamResult<void> {
    slot = policy;
    return {};
  });
}

void HandleGet(ActionContext& ctx) {
  auto ref = ResolveResourceArn(ctx);
  if (!ref) return;
  auto meta = ctx.registry.Describe(ctx.account, ref->stream);
  if (!meta) return ctx.Fail(meta.error());
  auto policy = PolicyOf(*meta, *ref);
  if (!policy) return ctx.Fail(policy.error());
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("Policy", (*policy)->empty() ? "{}" : **policy);
  w.EndObject();
  ctx.Ok(std::move(out));
}

void HandleDelete(ActionContext& ctx) {
  auto ref = ResolveResourceArn(ctx);
  if (!ref) return;
  ChangePolicy(ctx, *ref, [&](std::string& slot) -> stream::StreamResult<void> {
    if (slot.empty()) {
      stream::StreamError e;
      e.code = stream::StreamErrc::kResourcePolicyNotFound;
      e.value = ref->arn;
      return MakeUnexpected(std::move(e));
    }
    slot.clear();
    return {};
  });
}

}  // namespace

const ActionDef kPutResourcePolicyAction{"PutResourcePolicy", kPutFields, HandlePut};
const ActionDef kGetResourcePolicyAction{"GetResourcePolicy", kArnFields, HandleGet};
const ActionDef kDeleteResourcePolicyAction{"DeleteResourcePolicy", kArnFields, HandleDelete};

}  // namespace runnel::api
