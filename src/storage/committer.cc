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
  if (mode_ == SyncMode::kAlways) {
    completion_thread_ = std::thread([this] { RunCompletions(); });
    for (int i = 0; i < kSyncThreads; ++i) sync_threads_.emplace_back([this] { RunAlways(); });
  } else if (mode_ == SyncMode::kInterval) {
    sync_threads_.emplace_back([this] { RunInterval(); });
  }
}

Committer::~Committer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : sync_threads_) t.join();
  // The sync threads have synced everything queued; the completion thread runs what is left.
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
  cv_.notify_all();
  idle_cv_.wait(lock, [&] {
    return queue_.empty() && dirty_.empty() && !busy_ && rounds_.empty() && !completing_;
  });
}

void Committer::RunAlways() {
  std::vector<RoundLog> scratch;
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping, and everything queued has been taken
    // Everything queued so far is one round. Its vector goes on to the completion thread;
    // queue_ takes a spare one, so a busy round neither allocates the batch nor grows the
    // queue again.
    rounds_.emplace_back();
    Round& round = rounds_.back();  // stays valid: rounds_ only grows at the back and
                                    // loses its front once that round is synced
    if (!spare_.empty()) {
      round.batch = std::move(spare_.back());
      spare_.pop_back();
    }
    round.batch.swap(queue_);
    lock.unlock();
    SyncRound(round.batch, scratch);
    lock.lock();
    round.synced = true;
    if (&round == &rounds_.front()) done_cv_.notify_one();
  }
}

void Committer::RunInterval() {
  std::unique_lock lock(mu_);
  auto next_tick = std::chrono::steady_clock::now() + interval_;
  while (true) {
    cv_.wait_until(lock, next_tick, [&] { return stop_ || flush_requested_; });
    if (std::chrono::steady_clock::now() >= next_tick) {
      next_tick = std::chrono::steady_clock::now() + interval_;
    }
    std::unordered_map<Log*, std::weak_ptr<Log>> dirty;
    dirty.swap(dirty_);
    flush_requested_ = false;
    bool stopping = stop_;
    busy_ = true;
    lock.unlock();
    if (!dirty.empty()) SyncDirty(dirty);
    lock.lock();
    busy_ = false;
    idle_cv_.notify_all();
    if (stopping && dirty_.empty()) break;
  }
}

void Committer::RunCompletions() {
  std::unique_lock lock(mu_);
  while (true) {
    done_cv_.wait(lock, [&] {
      return (!rounds_.empty() && rounds_.front().synced) || (stop_completions_ && rounds_.empty());
    });
    if (rounds_.empty()) break;  // stopping, and every round has been answered
    std::vector<Pending> batch = std::move(rounds_.front().batch);
    rounds_.pop_front();
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

void Committer::SyncRound(std::vector<Pending>& batch, std::vector<RoundLog>& round_logs) {
  auto round_log_of = [&](const Log* log) -> RoundLog& {  // REQUIRES: `log` is in round_logs
    return *std::lower_bound(round_logs.begin(), round_logs.end(), log,
                             [](const RoundLog& r, const Log* l) { return r.log < l; });
  };
  // One Sync per distinct log, covering everything appended before it started. Usually one
  // or a few logs: a sorted vector (reused) instead of maps allocated per round.
  round_logs.clear();
  for (const auto& p : batch) round_logs.push_back(RoundLog{p.log.get(), p.end, std::nullopt});
  std::sort(round_logs.begin(), round_logs.end(),
            [](const RoundLog& a, const RoundLog& b) { return a.log < b.log; });
  size_t distinct = 0;
  for (size_t i = 0; i < round_logs.size(); ++i) {
    if (distinct > 0 && round_logs[distinct - 1].log == round_logs[i].log) {
      round_logs[distinct - 1].wanted =
          std::max(round_logs[distinct - 1].wanted, round_logs[i].wanted);
    } else {
      round_logs[distinct++] = round_logs[i];
    }
  }
  round_logs.resize(distinct);
  // Sync in arrival order of the logs' first request (as before), each once.
  for (const auto& p : batch) {
    RoundLog& r = round_log_of(p.log.get());
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
    const auto& r = *round_log_of(p.log.get()).synced;
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
