#include "stream/shard_waiters.h"

#include <algorithm>

namespace runnel::stream {

ShardWaiters::ShardWaiters(VisibleEndFn visible_end)
    : visible_end_(std::move(visible_end)), thread_([this] { Run(); }) {}

ShardWaiters::~ShardWaiters() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

uint64_t ShardWaiters::Wait(std::shared_ptr<storage::Log> log, uint64_t offset,
                            Clock::time_point deadline, Callback done) {
  const storage::Log* key = log.get();
  uint64_t id;
  {
    std::lock_guard l(mu_);
    id = next_id_++;
    if (stop_) {
      // Shutting down: a waiter that re-arms from its callback (an idle subscription) would
      // loop forever; drop it (its owner is being torn down with the server).
      return 0;
    } else {
      by_log_[key].push_back(id);
      deadlines_.emplace(deadline, id);
      waiters_.emplace(id, Waiter{std::move(log), offset, deadline, std::move(done)});
      count_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  cv_.notify_one();
  // Records that became visible between the caller's read and the registration above were
  // notified before this waiter existed: check once more now that it is registered.
  Notify(key);
  return id;
}

void ShardWaiters::ReadyLocked(uint64_t id, bool data) {
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return;
  Waiter& w = it->second;
  auto bl = by_log_.find(w.log.get());
  if (bl != by_log_.end()) {
    auto& ids = bl->second;
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
    if (ids.empty()) by_log_.erase(bl);
  }
  for (auto d = deadlines_.lower_bound(w.deadline); d != deadlines_.end() && d->first == w.deadline;
       ++d) {
    if (d->second == id) {
      deadlines_.erase(d);
      break;
    }
  }
  ready_.emplace_back(std::move(w.done), data);
  waiters_.erase(it);
  count_.fetch_sub(1, std::memory_order_relaxed);
}

void ShardWaiters::Post(Callback done, bool data) {
  {
    std::lock_guard l(mu_);
    if (stop_) return;  // as in Wait
    ready_.emplace_back(std::move(done), data);
  }
  cv_.notify_one();
}

void ShardWaiters::Cancel(uint64_t id) {
  {
    std::lock_guard l(mu_);
    ReadyLocked(id, false);
  }
  cv_.notify_one();
}

void ShardWaiters::Notify(const storage::Log* log) {
  if (count_.load(std::memory_order_relaxed) == 0) return;
  bool woke = false;
  {
    std::lock_guard l(mu_);
    auto bl = by_log_.find(log);
    if (bl == by_log_.end()) return;
    const uint64_t end = visible_end_(*log);
    std::vector<uint64_t> due;
    for (uint64_t id : bl->second) {
      if (waiters_.at(id).offset < end) due.push_back(id);
    }
    for (uint64_t id : due) ReadyLocked(id, true);
    woke = !due.empty();
  }
  if (woke) cv_.notify_one();
}

void ShardWaiters::WakeAll(const storage::Log* log) {
  if (count_.load(std::memory_order_relaxed) == 0) return;
  {
    std::lock_guard l(mu_);
    auto bl = by_log_.find(log);
    if (bl == by_log_.end()) return;
    const std::vector<uint64_t> all = bl->second;  // ReadyLocked edits the list
    for (uint64_t id : all) ReadyLocked(id, true);
  }
  cv_.notify_one();
}

void ShardWaiters::Run() {
  std::unique_lock l(mu_);
  for (;;) {
    const auto now = Clock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      ReadyLocked(deadlines_.begin()->second, false);
    }
    if (stop_) {
      while (!waiters_.empty()) ReadyLocked(waiters_.begin()->first, false);
    }
    if (!ready_.empty()) {
      std::vector<std::pair<Callback, bool>> batch;
      batch.swap(ready_);
      l.unlock();
      for (auto& [done, data] : batch) done(data);
      batch.clear();  // destroy captured state outside the lock too
      l.lock();
      continue;
    }
    if (stop_) return;
    if (deadlines_.empty()) {
      cv_.wait(l);
    } else {
      cv_.wait_until(l, deadlines_.begin()->first);
    }
  }
}

}  // namespace runnel::stream
