// Committer: group commit for many logs. Callers append to a Log, then ask the committer to
// tell them when their offset is durable. One background thread fsyncs each dirty log once
// per round, so all appends that arrived during an fsync share the next one.
//
// SyncMode::kAlways   - the callback runs after the fsync that covers the offset.
// SyncMode::kInterval - the callback runs at once; logs are fsynced every interval.
// SyncMode::kNone     - the callback runs at once; the OS writes back when it likes.
//
// Callbacks run on the committer thread (or inline for kInterval/kNone); they must be quick
// and must not call back into WhenDurable (post to an executor instead).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/log.h"

namespace runnel::storage {

class Committer {
 public:
  using Callback = std::function<void(StorageResult<void>)>;

  Committer(SyncMode mode, std::chrono::milliseconds interval);
  ~Committer();  // flushes: syncs every dirty log, runs pending callbacks, joins
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Calls `done` once every record of `log` below `end` is durable (per the mode).
  // REQUIRES: `log` outlives the callback (callers keep it alive with a shared_ptr).
  void WhenDurable(std::shared_ptr<Log> log, Offset end, Callback done);

  // Syncs every log that has pending work and waits for it (used on shutdown).
  void Flush();

  SyncMode mode() const { return mode_; }
  uint64_t fsync_count() const { return fsyncs_; }

 private:
  struct Pending {
    std::shared_ptr<Log> log;  // kept alive until its callback has run
    Offset end;
    Callback done;
  };
  // One distinct log of a round: the offset its callbacks need and the Sync result.
  struct RoundLog {
    Log* log;
    Offset wanted;
    std::optional<StorageResult<Offset>> synced;
  };
  void Run();
  // Syncs each log of `batch` once and runs the callbacks. Called without mu_, on the
  // committer thread only (`round_logs_` is its scratch, reused so a round does not allocate).
  void CommitRound(std::vector<Pending>& batch);
  RoundLog& RoundLogOf(const Log* log);
  // Syncs every still-alive log of `dirty` (kInterval). Called without mu_.
  void SyncDirty(std::unordered_map<Log*, std::weak_ptr<Log>>& dirty);

  const SyncMode mode_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;       // wakes the committer thread
  std::condition_variable idle_cv_;  // wakes Flush() when a round ends
  std::vector<Pending> queue_;                          // kAlways; REQUIRES: mu_
  std::unordered_map<Log*, std::weak_ptr<Log>> dirty_;  // kInterval; REQUIRES: mu_
  bool stop_ = false;             // REQUIRES: mu_
  bool flush_requested_ = false;  // REQUIRES: mu_
  bool busy_ = false;             // a round is running; REQUIRES: mu_
  std::atomic<uint64_t> fsyncs_{0};
  std::vector<RoundLog> round_logs_;  // committer thread only; sorted by `log`
  std::thread thread_;  // last: starts after every other member is constructed
};

}  // namespace runnel::storage
