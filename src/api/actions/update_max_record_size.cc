// UpdateMaxRecordSize (kinesis-api-actions.md §2, "new"): the per-stream limit on
// data + UTF-8 partition key, 1024..10240 KiB (out of range: ValidationException from the
// table). stream/put_path.cc enforces StreamMeta::max_record_size_kib on every put.
//
// HTTP: a 10 MiB record is ~13.4 MiB of base64 in a JSON body, so `runnel serve
// --max-body-bytes` (default 14 MiB) must stay above that for the largest records to arrive;
// bodies over it get 413 before any action runs.
#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamArn, kStreamId, Required(kMaxRecordSizeInKiB)};

void Handle(ActionContext& ctx) {
  if (!ctx.String("StreamARN")) {
    // This operation identifies the stream by ARN only.
    return ctx.Fail(ValidationError(
        "1 validation error detected: Value null at 'streamARN' failed to satisfy constraint: "
        "Member must not be null"));
  }
  auto name = ctx.StreamName();
  if (!name) return;
  const auto kib = static_cast<uint32_t>(*ctx.Integer("MaxRecordSizeInKiB"));
  auto r = ctx.registry.UpdateStream(ctx.account, *name,
                                     stream::StreamRegistry::Require::kActive,
                                     [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
                                       m.max_record_size_kib = kib;
                                       return {};
                                     });
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

}  // namespace

const ActionDef kUpdateMaxRecordSizeAction{"UpdateMaxRecordSize", kFields, Handle};

}  // namespace runnel::api
