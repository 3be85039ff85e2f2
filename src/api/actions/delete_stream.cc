// DeleteStream (kinesis-api-actions.md §2).
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName, kEnforceConsumerDeletion, kStreamArn, kStreamId};

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  bool enforce = ctx.Bool("EnforceConsumerDeletion").value_or(false);
  if (auto r = ctx.registry.DeleteStream(ctx.account, *name, enforce); !r) {
    return ctx.Fail(r.error());
  }
  ctx.OkEmpty();
}

}  // namespace

const ActionDef kDeleteStreamAction{"DeleteStream", kFields, Handle};

}  // namespace runnel::api
