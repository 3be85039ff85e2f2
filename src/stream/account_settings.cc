#include "stream/account_settings.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "common/file.h"
#include "common/json_writer.h"

namespace runnel::stream {
namespace {

StreamError Internal(std::string detail) {
  StreamError e;
  e.code = StreamErrc::kInternal;
  e.value = std::move(detail);
  return e;
}

std::optional<CommitmentStatus> ParseStatus(std::string_view s) {
  if (s == "DISABLED") return CommitmentStatus::kDisabled;
  if (s == "ENABLED") return CommitmentStatus::kEnabled;
  if (s == "ENABLED_UNTIL_EARLIEST_ALLOWED_END") {
    return CommitmentStatus::kEnabledUntilEarliestAllowedEnd;
  }
  return std::nullopt;
}

// Account ids are 12 digits; anything else is hex-encoded so it can never escape the dir.
std::string FileStem(std::string_view account) {
  bool plain = !account.empty() && account.size() <= 64;
  for (char c : account) {
    plain = plain && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
  }
  if (plain) return std::string(account);
  static const char* kHex = "0123456789abcdef";
  std::string out = "x-";
  for (unsigned char c : account) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

}  // namespace

std::string_view CommitmentStatusName(CommitmentStatus s) {
  switch (s) {
    case CommitmentStatus::kDisabled: return "DISABLED";
    case CommitmentStatus::kEnabled: return "ENABLED";
    case CommitmentStatus::kEnabledUntilEarliestAllowedEnd:
      return "ENABLED_UNTIL_EARLIEST_ALLOWED_END";
  }
  return "DISABLED";
}

ThroughputCommitment ThroughputCommitment::At(int64_t now_ms) const {
  ThroughputCommitment c = *this;
  if (c.status == CommitmentStatus::kEnabledUntilEarliestAllowedEnd && c.ended_at_ms &&
      now_ms >= *c.ended_at_ms) {
    c.status = CommitmentStatus::kDisabled;
    c.earliest_allowed_end_at_ms.reset();
  }
  return c;
}

bool ThroughputCommitment::InForceAt(int64_t now_ms) const {
  return At(now_ms).status != CommitmentStatus::kDisabled;
}

ThroughputCommitment ApplyCommitmentRequest(const ThroughputCommitment& current,
                                            CommitmentRequest request, int64_t now_ms) {
  ThroughputCommitment c = current.At(now_ms);
  switch (c.status) {
    case CommitmentStatus::kDisabled:
      if (request == CommitmentRequest::kEnable) {
        c.status = CommitmentStatus::kEnabled;
        c.started_at_ms = now_ms;
        c.ended_at_ms.reset();
        c.earliest_allowed_end_at_ms = now_ms + kMinimumCommitmentMs;
      }
      break;
    case CommitmentStatus::kEnabled:
      if (request == CommitmentRequest::kDisable) {
        int64_t earliest = c.earliest_allowed_end_at_ms.value_or(now_ms);
        if (now_ms >= earliest) {
          c.status = CommitmentStatus::kDisabled;
          c.ended_at_ms = now_ms;
          c.earliest_allowed_end_at_ms.reset();
        } else {
          c.status = CommitmentStatus::kEnabledUntilEarliestAllowedEnd;
          c.ended_at_ms = earliest;
        }
      }
      break;
    case CommitmentStatus::kEnabledUntilEarliestAllowedEnd:
      if (request == CommitmentRequest::kEnable) {
        c.status = CommitmentStatus::kEnabled;
        c.ended_at_ms.reset();
      }
      break;
  }
  return c;
}

std::string EncodeAccountSettings(const AccountSettings& s) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("format", int64_t{1});
  w.Key("minimum_throughput_billing_commitment").BeginObject();
  const ThroughputCommitment& c = s.commitment;
  w.Member("status", CommitmentStatusName(c.status));
  if (c.started_at_ms) w.Member("started_at_ms", *c.started_at_ms);
  if (c.ended_at_ms) w.Member("ended_at_ms", *c.ended_at_ms);
  if (c.earliest_allowed_end_at_ms) {
    w.Member("earliest_allowed_end_at_ms", *c.earliest_allowed_end_at_ms);
  }
  w.EndObject();
  w.EndObject();
  return out;
}

Result<AccountSettings, std::string> DecodeAccountSettings(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc)) {
    return MakeUnexpected(std::string(simdjson::error_message(err)));
  }
  AccountSettings s;
  simdjson::dom::object c;
  if (doc["minimum_throughput_billing_commitment"].get(c) != simdjson::SUCCESS) return s;
  std::string_view status;
  if (c["status"].get(status) != simdjson::SUCCESS) {
    return MakeUnexpected(std::string("commitment without a status"));
  }
  auto parsed = ParseStatus(status);
  if (!parsed) return MakeUnexpected("unknown commitment status " + std::string(status));
  s.commitment.status = *parsed;
  int64_t v;
  if (c["started_at_ms"].get(v) == simdjson::SUCCESS) s.commitment.started_at_ms = v;
  if (c["ended_at_ms"].get(v) == simdjson::SUCCESS) s.commitment.ended_at_ms = v;
  if (c["earliest_allowed_end_at_ms"].get(v) == simdjson::SUCCESS) {
    s.commitment.earliest_allowed_end_at_ms = v;
  }
  return s;
}

std::filesystem::path AccountSettingsStore::PathOf(std::string_view account) const {
  return dir_ / (FileStem(account) + ".json");
}

StreamResult<AccountSettings> AccountSettingsStore::LoadLocked(std::string_view account) const {
  if (auto it = cache_.find(account); it != cache_.end()) return it->second;
  std::filesystem::path p = PathOf(account);
  std::error_code ec;
  AccountSettings s;
  if (std::filesystem::exists(p, ec)) {
    auto text = ReadFile(p);
    if (!text) return MakeUnexpected(Internal(text.error().what));
    auto decoded = DecodeAccountSettings(*text);
    if (!decoded) {
      spdlog::error("{}: {}", p.string(), decoded.error());
      return MakeUnexpected(Internal(p.string() + ": " + decoded.error()));
    }
    s = *decoded;
  }
  cache_.emplace(std::string(account), s);
  return s;
}

StreamResult<AccountSettings> AccountSettingsStore::Get(std::string_view account,
                                                        int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto s = LoadLocked(account);
  if (!s) return s;
  s->commitment = s->commitment.At(now_ms);
  return s;
}

StreamResult<AccountSettings> AccountSettingsStore::UpdateCommitment(std::string_view account,
                                                                     CommitmentRequest request,
                                                                     int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto current = LoadLocked(account);
  if (!current) return current;
  AccountSettings next = *current;
  next.commitment = ApplyCommitmentRequest(current->commitment, request, now_ms);
  if (next.commitment != current->commitment) {
    std::error_code ec;
    bool created = std::filesystem::create_directories(dir_, ec);
    if (ec) return MakeUnexpected(Internal("mkdir " + dir_.string() + ": " + ec.message()));
    if (created) (void)SyncDir(dir_.parent_path());  // the new directory entry itself
    if (auto r = WriteFileAtomic(PathOf(account), EncodeAccountSettings(next)); !r) {
      return MakeUnexpected(Internal(r.error().what));
    }
    cache_.insert_or_assign(std::string(account), next);
  }
  return next;
}

}  // namespace runnel::stream
