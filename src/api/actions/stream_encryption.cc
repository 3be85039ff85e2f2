// StartStreamEncryption / StopStreamEncryption (kinesis-api-actions.md §5): metadata only
// (no real crypto). Both go ACTIVE -> UPDATING -> ACTIVE. From the change on, puts mark their
// records as KMS-encrypted (stream/put_path.cc), so PutRecord(s) and GetRecords report
// EncryptionType KMS for records written while encryption was on.
// Limits (kinesis-api-actions.md §5): 25 starts (key changes) and 25 stops per stream in a
// rolling 24 hours -> LimitExceededException. KeyId must have one of the forms the API
// reference lists (key id, key ARN, alias name "alias/...", alias ARN); anything else is a
// malformed KeyId (InvalidArgumentException). No key is looked up (there is no KMS here).
#include <fmt/format.h>

#include <algorithm>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"
#include "common/clock.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName, kEncryptionType, Required(kKeyId), kStreamArn,
                                 kStreamId};

enum class Change { kStart, kStop };

constexpr size_t kChangesPerDay = 25;

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// 1234abcd-12ab-34cd-56ef-1234567890ab, or a multi-Region key mrk-<32 hex>.
bool IsKeyGuid(std::string_view s) {
  if (s.size() != 36) return false;
  if (s.substr(0, 4) == "mrk-") return IsHex(s.substr(4));
  for (size_t dash : {8, 13, 18, 23}) {
    if (s[dash] != '-') return false;
  }
  return IsHex(s.substr(0, 8)) && IsHex(s.substr(9, 4)) && IsHex(s.substr(14, 4)) &&
         IsHex(s.substr(19, 4)) && IsHex(s.substr(24));
}

// alias/<name>: letters, digits, '/', '_', '-' (KMS alias names), not alias/ alone.
bool IsAliasName(std::string_view s) {
  if (s.substr(0, 6) != "alias/" || s.size() == 6 || s.size() > 256) return false;
  return std::all_of(s.begin() + 6, s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '/' || c == '_' || c == '-';
  });
}

// Key id, alias name, or arn:<partition>:kms:<region>:<12-digit account>:(key/<id>|alias/..).
bool IsKmsKeyId(std::string_view k) {
  if (IsKeyGuid(k) || IsAliasName(k)) return true;
  std::string_view parts[5];
  size_t start = 0;
  for (auto& part : parts) {
    size_t colon = k.find(':', start);
    if (colon == std::string_view::npos) return false;
    part = k.substr(start, colon - start);
    start = colon + 1;
  }
  std::string_view resource = k.substr(start);
  if (parts[0] != "arn" || parts[1].substr(0, 3) != "aws" || parts[2] != "kms" ||
      parts[3].empty() || parts[4].size() != 12 ||
      !std::all_of(parts[4].begin(), parts[4].end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  if (resource.substr(0, 4) == "key/") return IsKeyGuid(resource.substr(4));
  return IsAliasName(resource);
}

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
  if (!IsKmsKeyId(key_id)) {
    // Wording ours (not recorded).
    return ctx.Fail(InvalidArgument(fmt::format(
        "KeyId {} is not a valid KMS key identifier. Specify a key ID, a key ARN, an alias name "
        "(alias/...) or an alias ARN.",
        key_id)));
  }
  auto r = ctx.registry.UpdateStream(
      ctx.account, *name, stream::StreamRegistry::Require::kActive,
      [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
        auto& history = change == Change::kStart ? m.encryption_starts_ms : m.encryption_stops_ms;
        if (!stream::TakeDailySlot(history, Clock::NowMs(), kChangesPerDay)) {
          stream::StreamError e;
          e.code = stream::StreamErrc::kDailyOperationLimit;
          e.stream = m.name;
          e.account = m.account;
          e.value = change == Change::kStart ? "StartStreamEncryption" : "StopStreamEncryption";
          e.n1 = kChangesPerDay;
          return MakeUnexpected(std::move(e));
        }
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
