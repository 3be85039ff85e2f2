// ShardWaiters: requests waiting for new records on a shard (GetRecords long polling, idle
// SubscribeToShard subscriptions). The put path calls Notify(log) once new records of `log`
// are visible (after the group commit under --sync always, after the append otherwise), and
// a reshard calls WakeAll(log) for the shards it closes; a waiter then runs at once instead
// of polling. A deadline queue ends waits that see nothing.
//
// Threading: thread-safe. Callbacks run on the waiters' own thread, one at a time, never
// under a lock of this class; they should be short (bounded work), since every waiter of
// the server shares the thread. Notify is cheap when nobody waits (one atomic load).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/log.h"

namespace runnel::stream {

class ShardWaiters {
 public:
  using Clock = std::chrono::steady_clock;
  // Visible end of a log (depends on the sync mode; StreamRegistry::VisibleEnd).
  using VisibleEndFn = std::function<uint64_t(const storage::Log&)>;
  // `data` is true if records at or after the waited offset became visible, false at the
  // deadline, on Cancel, or at shutdown.
  using Callback = std::function<void(bool data)>;

  explicit ShardWaiters(VisibleEndFn visible_end);
  ~ShardWaiters();  // runs every pending callback with false, then joins
  ShardWaiters(const ShardWaiters&) = delete;
  ShardWaiters& operator=(const ShardWaiters&) = delete;

  // Runs `done` once the visible end of `log` exceeds `offset` (at once, on the waiters'
  // thread, if it already does) or at `deadline`. Returns an id for Cancel; 0 (and `done`
  // never runs) once the destructor has started.
  uint64_t Wait(std::shared_ptr<storage::Log> log, uint64_t offset, Clock::time_point deadline,
                Callback done);
  // Runs `done(data)` on the waiters' thread without waiting.
  void Post(Callback done, bool data);
  // Ends a wait early: its callback runs with false (unless it already ran).
  void Cancel(uint64_t id);
  // New records of `log` may be visible: wakes its satisfied waiters.
  void Notify(const storage::Log* log);
  // `log` gets no more records (its shard was closed by a reshard): wakes all its waiters
  // with true, so that they see the shard's end at once.
  void WakeAll(const storage::Log* log);

  size_t waiting() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct Waiter {
    std::shared_ptr<storage::Log> log;
    uint64_t offset = 0;
    Clock::time_point deadline;
    Callback done;
  };
  void Run();
  // Moves waiter `id` to the ready queue. REQUIRES: mu_ held.
  void ReadyLocked(uint64_t id, bool data);

  VisibleEndFn visible_end_;
  std::atomic<size_t> count_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_id_ = 1;                                             // REQUIRES: mu_
  std::unordered_map<uint64_t, Waiter> waiters_;                     // REQUIRES: mu_
  std::unordered_map<const storage::Log*, std::vector<uint64_t>> by_log_;  // REQUIRES: mu_
  std::multimap<Clock::time_point, uint64_t> deadlines_;             // REQUIRES: mu_
  std::vector<std::pair<Callback, bool>> ready_;                     // REQUIRES: mu_
  bool stop_ = false;                                                // REQUIRES: mu_
  std::thread thread_;  // last: starts after every other member is constructed
};

}  // namespace runnel::stream
