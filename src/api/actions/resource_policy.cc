// PutResourcePolicy / GetResourcePolicy / DeleteResourcePolicy (kinesis-api-actions.md §7):
// the policy document is checked to be a JSON object, stored verbatim with the stream's
// metadata and never evaluated. GetResourcePolicy without a policy answers {"Policy":"{}"};
// DeleteResourcePolicy without one is ResourceNotFoundException. Put and Delete need an
// ACTIVE stream. Consumer ARNs are accepted by the pattern; consumers arrive with issue 7.
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

void HandlePut(ActionContext& ctx) {
  auto ref = ResolveResourceArn(ctx);
  if (!ref || FailIfConsumer(ctx, *ref)) return;
  const std::string policy(*ctx.String("Policy"));
  if (!IsJsonObject(policy)) {
    // Wording ours: AWS's exact text for a malformed policy is not recorded.
    return ctx.Fail(InvalidArgument("Policy is not a valid JSON policy document."));
  }
  auto r = ctx.registry.UpdateStream(ctx.account, ref->stream,
                                     stream::StreamRegistry::Require::kActive,
                                     [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
                                       m.resource_policy = policy;
                                       return {};
                                     });
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

void HandleGet(ActionContext& ctx) {
  auto ref = ResolveResourceArn(ctx);
  if (!ref || FailIfConsumer(ctx, *ref)) return;
  auto meta = ctx.registry.Describe(ctx.account, ref->stream);
  if (!meta) return ctx.Fail(meta.error());
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("Policy", meta->resource_policy.empty() ? "{}" : meta->resource_policy);
  w.EndObject();
  ctx.Ok(std::move(out));
}

void HandleDelete(ActionContext& ctx) {
  auto ref = ResolveResourceArn(ctx);
  if (!ref || FailIfConsumer(ctx, *ref)) return;
  auto r = ctx.registry.UpdateStream(
      ctx.account, ref->stream, stream::StreamRegistry::Require::kActive,
      [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
        if (m.resource_policy.empty()) {
          stream::StreamError e;
          e.code = stream::StreamErrc::kResourcePolicyNotFound;
          e.value = ref->arn;
          return MakeUnexpected(std::move(e));
        }
        m.resource_policy.clear();
        return {};
      });
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

}  // namespace

const ActionDef kPutResourcePolicyAction{"PutResourcePolicy", kPutFields, HandlePut};
const ActionDef kGetResourcePolicyAction{"GetResourcePolicy", kArnFields, HandleGet};
const ActionDef kDeleteResourcePolicyAction{"DeleteResourcePolicy", kArnFields, HandleDelete};

}  // namespace runnel::api
