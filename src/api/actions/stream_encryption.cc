// StartStreamEncryption / StopStreamEncryption (kinesis-api-actions.md §5): metadata only
// (no real crypto). Both go ACTIVE -> UPDATING -> ACTIVE. From the change on, puts mark their
// records as KMS-encrypted (stream/put_path.cc), so PutRecord(s) and GetRecords report
// EncryptionType KMS for records written while encryption was on.
#include <fmt/format.h>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName, kEncryptionType, Required(kKeyId), kStreamArn,
                                 kStreamId};

enum class Change { kStart, kStop };

template <Change change>
void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  std::string_view type = ctx.String("EncryptionType").value_or("");
  if (type != "KMS") {
    // Wording ours: NONE is in the enum but is not an encryption type one can start or stop.
    return ctx.Fail(InvalidArgument(fmt::format(
        "Encryption type {} is not supported. The only supported encryption type is KMS.",
        type)));
  }
  const std::string key_id(*ctx.String("KeyId"));
  auto r = ctx.registry.UpdateStream(
      ctx.account, *name, stream::StreamRegistry::Require::kActive,
      [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
        if constexpr (change == Change::kStart) {
          m.encryption_type = "KMS";
          m.key_id = key_id;
        } else {
          m.encryption_type = "NONE";
          m.key_id.clear();
        }
        ctx.registry.BeginUpdating(m);
        return {};
      });
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

}  // namespace

const ActionDef kStartStreamEncryptionAction{"StartStreamEncryption", kFields,
                                             Handle<Change::kStart>};
const ActionDef kStopStreamEncryptionAction{"StopStreamEncryption", kFields,
                                            Handle<Change::kStop>};

}  // namespace runnel::api
