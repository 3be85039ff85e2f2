#include "storage/committer.h"

#include <algorithm>
#include <string>
#include <utility>

namespace runnel::storage {

Committer::Committer(SyncMode mode, std::chrono::milliseconds interval)
    : mode_(mode), interval_(interval.count() > 0 ? interval : std::chrono::milliseconds(1)) {
  if (mode_ != SyncMode::kNone) thread_ = std::thread([this] { Run(); });
}

Committer::~Committer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Committer::WhenDurable(std::shared_ptr<Log> log, Offset end, Callback done) {
  switch (mode_) {
    case SyncMode::kNone:
      done({});
      return;
    case SyncMode::kInterval: {
      {
        std::lock_guard lock(mu_);
        dirty_.try_emplace(log.get(), log);  // no node allocated when already dirty
      }
      done({});
      return;
    }
    case SyncMode::kAlways:
      if (log->DurableEnd() >= end) {
        done({});
        return;
      }
      {
        std::lock_guard lock(mu_);
        queue_.push_back(Pending{std::move(log), end, std::move(done)});
      }
      cv_.notify_one();
      return;
  }
}

void Committer::Flush() {
  if (mode_ == SyncMode::kNone) return;
  std::unique_lock lock(mu_);
  flush_requested_ = true;
  cv_.notify_one();
  idle_cv_.wait(lock, [&] { return queue_.empty() && dirty_.empty() && !busy_; });
}

void Committer::Run() {
  std::unique_lock lock(mu_);
  auto next_tick = std::chrono::steady_clock::now() + interval_;
  // Swapped with queue_ every round: both vectors keep their capacity, so a busy round
  // neither allocates the batch nor grows the queue again.
  std::vector<Pending> batch;
  while (true) {
    if (mode_ == SyncMode::kAlways) {
      cv_.wait(lock, [&] { return stop_ || flush_requested_ || !queue_.empty(); });
    } else {
      cv_.wait_until(lock, next_tick, [&] { return stop_ || flush_requested_; });
      if (std::chrono::steady_clock::now() >= next_tick) {
        next_tick = std::chrono::steady_clock::now() + interval_;
      }
    }
    // Everything queued so far (including what arrived during the last fsync) is one round.
    batch.swap(queue_);
    std::unordered_map<Log*, std::weak_ptr<Log>> dirty;
    dirty.swap(dirty_);
    flush_requested_ = false;
    bool stopping = stop_;
    busy_ = true;
    lock.unlock();
    if (!batch.empty()) CommitRound(batch);
    if (!dirty.empty()) SyncDirty(dirty);
    batch.clear();  // drops the log references outside the lock
    lock.lock();
    busy_ = false;
    idle_cv_.notify_all();
    if (stopping && queue_.empty() && dirty_.empty()) break;
  }
}

Committer::RoundLog& Committer::RoundLogOf(const Log* log) {
  auto it = std::lower_bound(round_logs_.begin(), round_logs_.end(), log,
                             [](const RoundLog& r, const Log* l) { return r.log < l; });
  return *it;  // REQUIRES: `log` is in round_logs_
}

void Committer::CommitRound(std::vector<Pending>& batch) {
  // One Sync per distinct log, covering everything appended before it started. Usually one
  // or a few logs: a sorted vector (reused) instead of maps allocated per round.
  round_logs_.clear();
  for (const auto& p : batch) round_logs_.push_back(RoundLog{p.log.get(), p.end, std::nullopt});
  std::sort(round_logs_.begin(), round_logs_.end(),
            [](const RoundLog& a, const RoundLog& b) { return a.log < b.log; });
  size_t distinct = 0;
  for (size_t i = 0; i < round_logs_.size(); ++i) {
    if (distinct > 0 && round_logs_[distinct - 1].log == round_logs_[i].log) {
      round_logs_[distinct - 1].wanted =
          std::max(round_logs_[distinct - 1].wanted, round_logs_[i].wanted);
    } else {
      round_logs_[distinct++] = round_logs_[i];
    }
  }
  round_logs_.resize(distinct);
  // Sync in arrival order of the logs' first request (as before), each once.
  for (const auto& p : batch) {
    RoundLog& r = RoundLogOf(p.log.get());
    if (r.synced) continue;
    Offset durable = p.log->DurableEnd();
    if (durable >= r.wanted) {
      r.synced.emplace(durable);
      continue;
    }
    fsyncs_.fetch_add(1, std::memory_order_relaxed);
    r.synced.emplace(p.log->Sync());
  }
  for (auto& p : batch) {
    const auto& r = *RoundLogOf(p.log.get()).synced;
    if (!r) {
      p.done(MakeUnexpected(r.error()));
    } else if (*r >= p.end || p.log->DurableEnd() >= p.end) {
      p.done({});
    } else {
      // Every request of this round was queued after its append, so the Sync above covered
      // it; `end` past the log end is a caller bug.
      p.done(MakeUnexpected(StorageError{StorageErrc::kOutOfRange,
                                         "WhenDurable offset " + std::to_string(p.end.value()) +
                                             " is past the log end"}));
    }
  }
}

void Committer::SyncDirty(std::unordered_map<Log*, std::weak_ptr<Log>>& dirty) {
  for (auto& [ptr, weak] : dirty) {
    if (auto log = weak.lock()) {
      fsyncs_.fetch_add(1, std::memory_order_relaxed);
      (void)log->Sync();  // a failure fences the log; its next Append reports kClosed
    }
  }
}

}  // namespace runnel::storage
