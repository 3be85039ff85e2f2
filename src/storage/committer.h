// Committer: group commit for many logs. Callers append to a Log, then ask the committer to
// tell them when their offset is durable. One background thread fsyncs each dirty log once
// per round, so all appends that arrived during an fsync share the next one.
//
// SyncMode::kAlways   - the callback runs after the fsync that covers the offset.
// SyncMode::kInterval - the callback runs at once; logs are fsynced every interval.
// SyncMode::kNone     - the callback runs at once; the OS writes back when it likes.
//
// kAlways is pipelined: the sync thread hands each finished round (its requests and their
// results) to a second thread, the completion thread, which runs the callbacks while the
// sync thread already writes and fsyncs the next round. So the callbacks (building and
// posting responses) overlap the next fdatasync instead of delaying it. A callback still
// runs only after the fdatasync covering its offset returned, rounds complete in order, and
// within a round callbacks run in the order WhenDurable was called, so the callbacks of one
// log run in request order (a request answered inline is never answered before an earlier
// queued one).
//
// Callbacks run on the completion thread (or inline for kInterval/kNone, and for kAlways
// when the offset is already durable and nothing is waiting); they must be quick and must
// not block.
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
  // How a round makes a log durable; Log::Sync unless a test injects another (which must
  // still make the log durable before returning the durable end it reports).
  using SyncFn = std::function<StorageResult<Offset>(Log&)>;

  Committer(SyncMode mode, std::chrono::milliseconds interval, SyncFn sync = nullptr);
  ~Committer();  // flushes: syncs every dirty log, runs pending callbacks, joins
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Calls `done` once every record of `log` below `end` is durable (per the mode).
  // REQUIRES: `log` outlives the callback (callers keep it alive with a shared_ptr).
  void WhenDurable(std::shared_ptr<Log> log, Offset end, Callback done);

  // Syncs every log that has pending work, runs the callbacks and waits for both.
  void Flush();

  SyncMode mode() const { return mode_; }
  uint64_t fsync_count() const { return fsyncs_; }

 private:
  struct Pending {
    std::shared_ptr<Log> log;  // kept alive until its callback has run
    Offset end;
    Callback done;
    std::optional<StorageError> error;  // set by the sync thread when the round failed
  };
  // One distinct log of a round: the offset its callbacks need and the Sync result.
  struct RoundLog {
    Log* log;
    Offset wanted;
    std::optional<StorageResult<Offset>> synced;
  };
  void Run();
  void RunCompletions();
  // Syncs each log of `batch` once and records each request's result in it. Called without
  // mu_, on the sync thread only (`round_logs_` is its scratch, reused so a round does not
  // allocate).
  void SyncRound(std::vector<Pending>& batch);
  RoundLog& RoundLogOf(const Log* log);
  // Syncs every still-alive log of `dirty` (kInterval). Called without mu_.
  void SyncDirty(std::unordered_map<Log*, std::weak_ptr<Log>>& dirty);
  StorageResult<Offset> SyncLog(Log& log) { return sync_ ? sync_(log) : log.Sync(); }

  const SyncMode mode_;
  const std::chrono::milliseconds interval_;
  const SyncFn sync_;
  std::mutex mu_;
  std::condition_variable cv_;       // wakes the sync thread
  std::condition_variable done_cv_;  // wakes the completion thread
  std::condition_variable idle_cv_;  // wakes Flush() when a round or its callbacks end
  std::vector<Pending> queue_;                          // kAlways; REQUIRES: mu_
  std::deque<std::vector<Pending>> synced_;             // rounds awaiting callbacks; REQUIRES: mu_
  std::vector<std::vector<Pending>> spare_;             // emptied batches (capacity kept); REQUIRES: mu_
  std::unordered_map<Log*, std::weak_ptr<Log>> dirty_;  // kInterval; REQUIRES: mu_
  bool stop_ = false;             // REQUIRES: mu_
  bool stop_completions_ = false;  // the sync thread has exited; REQUIRES: mu_
  bool flush_requested_ = false;  // REQUIRES: mu_
  bool busy_ = false;             // a round is syncing; REQUIRES: mu_
  bool completing_ = false;       // callbacks of a round are running; REQUIRES: mu_
  // Requests queued (kAlways) whose callback has not returned yet. WhenDurable answers
  // inline only when this is 0, so an inline answer never overtakes a queued one.
  std::atomic<uint64_t> unanswered_{0};
  std::atomic<uint64_t> fsyncs_{0};
  std::vector<RoundLog> round_logs_;  // sync thread only; sorted by `log`
  std::thread thread_;  // last: start after every other member is constructed
  std::thread completion_thread_;
};

}  // namespace runnel::storage
