#include "storage/committer.h"

#include <algorithm>
#include <string>
#include <utility>

namespace runnel::storage {
namespace {
// Emptied round vectors kept for reuse (a round's vector keeps its capacity). Rounds in
// flight are at most a few, so a few spares suffice.
constexpr size_t kMaxSpareRounds = 4;
}  // namespace

Committer::Committer(SyncMode mode, std::chrono::milliseconds interval, SyncFn sync)
    : mode_(mode),
      interval_(interval.count() > 0 ? interval : std::chrono::milliseconds(1)),
      sync_(std::move(sync)) {
  if (mode_ == SyncMode::kAlways) completion_thread_ = std::thread([this] { RunCompletions(); });
  if (mode_ != SyncMode::kNone) thread_ = std::thread([this] { Run(); });
}

Committer::~Committer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The sync thread has synced everything queued; the completion thread runs what is left.
  {
    std::lock_guard lock(mu_);
    stop_completions_ = true;
  }
  done_cv_.notify_all();
  if (completion_thread_.joinable()) completion_thread_.join();
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
      // Already durable: answer at once, unless queued requests are still unanswered (then
      // this one queues behind them, so the answers of a log stay in request order).
      if (unanswered_.load(std::memory_order_acquire) == 0 && log->DurableEnd() >= end) {
        done({});
        return;
      }
      unanswered_.fetch_add(1, std::memory_order_relaxed);
      {
        std::lock_guard lock(mu_);
        queue_.push_back(Pending{std::move(log), end, std::move(done), std::nullopt});
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
  idle_cv_.wait(lock, [&] {
    return queue_.empty() && dirty_.empty() && !busy_ && synced_.empty() && !completing_;
  });
}

void Committer::Run() {
  std::unique_lock lock(mu_);
  auto next_tick = std::chrono::steady_clock::now() + interval_;
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
    // The round's vector goes on to the completion thread; queue_ takes a spare one, so a
    // busy round neither allocates the batch nor grows the queue again.
    std::vector<Pending> batch;
    if (!queue_.empty()) {
      if (!spare_.empty()) {
        batch = std::move(spare_.back());
        spare_.pop_back();
      }
      batch.swap(queue_);
    }
    std::unordered_map<Log*, std::weak_ptr<Log>> dirty;
    dirty.swap(dirty_);
    flush_requested_ = false;
    bool stopping = stop_;
    busy_ = true;
    lock.unlock();
    if (!batch.empty()) SyncRound(batch);
    if (!dirty.empty()) SyncDirty(dirty);
    lock.lock();
    busy_ = false;
    if (!batch.empty()) {
      // Callbacks run on the completion thread while this thread starts the next round.
      synced_.push_back(std::move(batch));
      done_cv_.notify_one();
    }
    idle_cv_.notify_all();
    if (stopping && queue_.empty() && dirty_.empty()) break;
  }
}

void Committer::RunCompletions() {
  std::unique_lock lock(mu_);
  while (true) {
    done_cv_.wait(lock, [&] { return stop_completions_ || !synced_.empty(); });
    if (synced_.empty()) break;  // stopping, and every round has been answered
    std::vector<Pending> batch = std::move(synced_.front());
    synced_.pop_front();
    completing_ = true;
    lock.unlock();
    for (auto& p : batch) {
      if (p.error) {
        p.done(MakeUnexpected(std::move(*p.error)));
      } else {
        p.done({});
      }
      unanswered_.fetch_sub(1, std::memory_order_release);
    }
    batch.clear();  // drops the log references and callbacks outside the lock
    lock.lock();
    completing_ = false;
    if (spare_.size() < kMaxSpareRounds) spare_.push_back(std::move(batch));
    idle_cv_.notify_all();
  }
}

Committer::RoundLog& Committer::RoundLogOf(const Log* log) {
  auto it = std::lower_bound(round_logs_.begin(), round_logs_.end(), log,
                             [](const RoundLog& r, const Log* l) { return r.log < l; });
  return *it;  // REQUIRES: `log` is in round_logs_
}

void Committer::SyncRound(std::vector<Pending>& batch) {
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
    r.synced.emplace(SyncLog(*p.log));
  }
  for (auto& p : batch) {
    const auto& r = *RoundLogOf(p.log.get()).synced;
    if (!r) {
      p.error = r.error();
    } else if (*r < p.end && p.log->DurableEnd() < p.end) {
      // Every request of this round was queued after its append, so the Sync above covered
      // it; `end` past the log end is a caller bug.
      p.error = StorageError{StorageErrc::kOutOfRange,
                             "WhenDurable offset " + std::to_string(p.end.value()) +
                                 " is past the log end"};
    }
  }
}

void Committer::SyncDirty(std::unordered_map<Log*, std::weak_ptr<Log>>& dirty) {
  for (auto& [ptr, weak] : dirty) {
    if (auto log = weak.lock()) {
      fsyncs_.fetch_add(1, std::memory_order_relaxed);
      (void)SyncLog(*log);  // a failure fences the log; its next Append reports kClosed
    }
  }
}

}  // namespace runnel::storage
