// Account-level settings (DescribeAccountSettings / UpdateAccountSettings): today only the
// minimum throughput billing commitment, which on-demand warm throughput requires.
//
// State machine (kinesis-api-actions.md "Describe/UpdateAccountSettings"); a commitment lasts
// at least kMinimumCommitmentMs:
//
//   DISABLED ──enable──► ENABLED (StartedAt = now, EarliestAllowedEndAt = now + 24 h)
//   ENABLED ──disable, now ≥ EarliestAllowedEndAt──► DISABLED (EndedAt = now)
//   ENABLED ──disable, earlier──► ENABLED_UNTIL_EARLIEST_ALLOWED_END (EndedAt = earliest end)
//   ENABLED_UNTIL_… ──enable──► ENABLED (pending disable cancelled, EndedAt cleared)
//   ENABLED_UNTIL_… ──time reaches EndedAt──► DISABLED
//   Requests that ask for the current state (enable when ENABLED, disable when DISABLED or
//   already pending) change nothing.
//
// Storage: one file per account, <data>/accounts/<account>.json, replaced atomically
// (write temp, fsync, rename, fsync dir) before an update is acknowledged. A missing file
// means defaults (DISABLED).
//
// Threading: AccountSettingsStore is thread-safe (one mutex; updates are rare).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "stream/stream_error.h"

namespace runnel::stream {

inline constexpr int64_t kMinimumCommitmentMs = int64_t{24} * 3600 * 1000;

enum class CommitmentStatus { kDisabled, kEnabled, kEnabledUntilEarliestAllowedEnd };
std::string_view CommitmentStatusName(CommitmentStatus s);

enum class CommitmentRequest { kEnable, kDisable };

struct ThroughputCommitment {
  CommitmentStatus status = CommitmentStatus::kDisabled;
  std::optional<int64_t> started_at_ms;
  std::optional<int64_t> ended_at_ms;
  std::optional<int64_t> earliest_allowed_end_at_ms;

  // The state as of `now_ms` (a pending end that has passed becomes DISABLED).
  ThroughputCommitment At(int64_t now_ms) const;
  // True while the commitment is in force (ENABLED or ENABLED_UNTIL_… before its end).
  bool InForceAt(int64_t now_ms) const;
  bool operator==(const ThroughputCommitment&) const = default;
};

// The transition function of the state machine above (pure; unit-tested).
ThroughputCommitment ApplyCommitmentRequest(const ThroughputCommitment& current,
                                            CommitmentRequest request, int64_t now_ms);

struct AccountSettings {
  ThroughputCommitment commitment;
};

std::string EncodeAccountSettings(const AccountSettings& s);
Result<AccountSettings, std::string> DecodeAccountSettings(std::string_view json);

class AccountSettingsStore {
 public:
  explicit AccountSettingsStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Settings of `account` as of `now_ms`. kInternal if the stored file is unreadable.
  StreamResult<AccountSettings> Get(std::string_view account, int64_t now_ms) const;
  // Applies `request` and persists the result before returning it.
  StreamResult<AccountSettings> UpdateCommitment(std::string_view account,
                                                 CommitmentRequest request, int64_t now_ms);

 private:
  StreamResult<AccountSettings> LoadLocked(std::string_view account) const;
  std::filesystem::path PathOf(std::string_view account) const;

  std::filesystem::path dir_;
  mutable std::mutex mu_;
  mutable std::map<std::string, AccountSettings, std::less<>> cache_;  // guarded by mu_
};

}  // namespace runnel::stream
