#include "storage/committer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gtest/gtest.h"
#include "storage_test_util.h"

namespace runnel::storage {
namespace {

using testing::TempDir;

std::shared_ptr<Log> OpenShared(const std::filesystem::path& dir) {
  RecoveryReport report;
  auto r = Log::Open(dir, LogOptions{}, &report);
  EXPECT_TRUE(r.ok());
  return std::shared_ptr<Log>(std::move(*r));
}

// Many threads append to a few logs and wait for durability: every callback fires after the
// fsync covering it, and the fsyncs are shared.
TEST(CommitterTest, AlwaysModeGroupsCommits) {
  TempDir tmp;
  std::vector<std::shared_ptr<Log>> logs;
  for (int i = 0; i < 3; ++i) logs.push_back(OpenShared(tmp.path() / std::to_string(i)));
  constexpr int kThreads = 8;
  constexpr int kAppends = 200;
  std::atomic<int> ok_callbacks{0};
  std::atomic<int> durable_violations{0};
  {
    Committer committer(SyncMode::kAlways, std::chrono::milliseconds(0));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        BatchBuilder b;
        for (int i = 0; i < kAppends; ++i) {
          auto& log = logs[static_cast<size_t>((t + i) % 3)];
          b.Clear();
          b.Add(i, "payload");
          auto base = log->Append(b);
          ASSERT_TRUE(base.ok());
          Offset end = *base + 1;
          committer.WhenDurable(log, end, [&, log, end](StorageResult<void> r) {
            if (!r.ok()) return;
            if (log->DurableEnd() < end) durable_violations++;
            ok_callbacks++;
          });
        }
      });
    }
    for (auto& t : threads) t.join();
    committer.Flush();
    EXPECT_EQ(ok_callbacks.load(), kThreads * kAppends);
    EXPECT_GE(committer.fsync_count(), 1u);
    EXPECT_LT(committer.fsync_count(), uint64_t{kThreads * kAppends} / 4)
        << "fsyncs were not shared";
    std::printf("kAlways: %d appends, %llu fsyncs\n", kThreads * kAppends,
                static_cast<unsigned long long>(committer.fsync_count()));
  }
  EXPECT_EQ(durable_violations.load(), 0);
  for (auto& log : logs) EXPECT_EQ(log->DurableEnd(), log->EndOffset());
}

TEST(CommitterTest, DestructorRunsPendingCallbacks) {
  TempDir tmp;
  auto log = OpenShared(tmp.log_dir());
  std::atomic<int> fired{0};
  {
    Committer committer(SyncMode::kAlways, std::chrono::milliseconds(0));
    BatchBuilder b;
    for (int i = 0; i < 50; ++i) {
      b.Clear();
      b.Add(i, "x");
      auto base = log->Append(b);
      ASSERT_TRUE(base.ok());
      committer.WhenDurable(log, *base + 1, [&](StorageResult<void> r) {
        if (r.ok()) fired++;
      });
    }
  }
  EXPECT_EQ(fired.load(), 50);
  EXPECT_EQ(log->DurableEnd().value(), 50u);
}

TEST(CommitterTest, IntervalModeAnswersAtOnceAndSyncsLater) {
  TempDir tmp;
  auto log = OpenShared(tmp.log_dir());
  Committer committer(SyncMode::kInterval, std::chrono::milliseconds(20));
  BatchBuilder b;
  b.Add(1, "x");
  auto base = log->Append(b);
  ASSERT_TRUE(base.ok());
  bool fired = false;
  committer.WhenDurable(log, *base + 1, [&](StorageResult<void> r) { fired = r.ok(); });
  EXPECT_TRUE(fired);  // inline
  for (int i = 0; i < 200 && log->DurableEnd().value() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(log->DurableEnd().value(), 1u);
  EXPECT_GE(committer.fsync_count(), 1u);
}

TEST(CommitterTest, IntervalModeFlushSyncsDirtyLogs) {
  TempDir tmp;
  auto log = OpenShared(tmp.log_dir());
  Committer committer(SyncMode::kInterval, std::chrono::hours(1));
  BatchBuilder b;
  b.Add(1, "x");
  ASSERT_TRUE(log->Append(b).ok());
  committer.WhenDurable(log, Offset(1), [](StorageResult<void>) {});
  EXPECT_EQ(log->DurableEnd().value(), 0u);
  committer.Flush();
  EXPECT_EQ(log->DurableEnd().value(), 1u);
}

TEST(CommitterTest, IntervalModeDoesNotKeepDestroyedLogsAlive) {
  TempDir tmp;
  auto log = OpenShared(tmp.log_dir());
  std::weak_ptr<Log> weak = log;
  Committer committer(SyncMode::kInterval, std::chrono::hours(1));
  committer.WhenDurable(log, Offset(0), [](StorageResult<void>) {});
  log.reset();
  EXPECT_TRUE(weak.expired());
  committer.Flush();  // must not touch the dead log
}

TEST(CommitterTest, NoneModeAnswersAtOnce) {
  TempDir tmp;
  auto log = OpenShared(tmp.log_dir());
  Committer committer(SyncMode::kNone, std::chrono::milliseconds(0));
  bool fired = false;
  committer.WhenDurable(log, Offset(0), [&](StorageResult<void> r) { fired = r.ok(); });
  EXPECT_TRUE(fired);
  committer.Flush();
  EXPECT_EQ(committer.fsync_count(), 0u);
}

TEST(CommitterTest, SyncFailureReachesCallbacks) {
  TempDir tmp;
  auto log = OpenShared(tmp.log_dir());
  ASSERT_TRUE(log->Destroy().ok());  // closed: Sync fails with kClosed
  Committer committer(SyncMode::kAlways, std::chrono::milliseconds(0));
  std::atomic<int> code{-1};
  committer.WhenDurable(log, Offset(1), [&](StorageResult<void> r) {
    code = r.ok() ? 100 : static_cast<int>(r.error().code);
  });
  committer.Flush();
  EXPECT_EQ(code.load(), static_cast<int>(StorageErrc::kClosed));
}

// --- Pipelining (kAlways): callbacks run on a completion thread while the next round syncs.

// A sync that records, per log, the durable end it reached (after the real fdatasync), so a
// callback can check that the sync covering it had returned before it ran.
struct RecordingSync {
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<const Log*, uint64_t> synced_end;  // REQUIRES: mu
  int calls = 0;                                        // REQUIRES: mu
  std::chrono::microseconds delay{0};

  Committer::SyncFn Fn() {
    return [this](Log& log) -> StorageResult<Offset> {
      if (delay.count() > 0) std::this_thread::sleep_for(delay);
      auto r = log.Sync();
      std::lock_guard l(mu);
      ++calls;
      if (r) synced_end[&log] = std::max(synced_end[&log], r->value());
      cv.notify_all();
      return r;
    };
  }
  uint64_t SyncedEnd(const Log* log) {
    std::lock_guard l(mu);
    auto it = synced_end.find(log);
    return it == synced_end.end() ? 0 : it->second;
  }
  // Waits until the sync ran at least `n` times; false after `timeout`.
  bool WaitCalls(int n, std::chrono::milliseconds timeout) {
    std::unique_lock l(mu);
    return cv.wait_for(l, timeout, [&] { return calls >= n; });
  }
};

Offset AppendOne(Log& log, int64_t ts) {
  BatchBuilder b;
  b.Add(ts, "payload");
  auto base = log.Append(b);
  EXPECT_TRUE(base.ok());
  return *base + 1;
}

// No callback runs before the sync that covers its offset has returned, with slow syncs
// and slow callbacks so that rounds overlap.
TEST(CommitterPipelineTest, NoCallbackBeforeItsSync) {
  TempDir tmp;
  std::vector<std::shared_ptr<Log>> logs;
  for (int i = 0; i < 2; ++i) logs.push_back(OpenShared(tmp.path() / std::to_string(i)));
  RecordingSync sync;
  sync.delay = std::chrono::microseconds(300);
  constexpr int kThreads = 6;
  constexpr int kAppends = 150;
  std::atomic<int> ok{0}, early{0};
  {
    Committer committer(SyncMode::kAlways, std::chrono::milliseconds(0), sync.Fn());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kAppends; ++i) {
          auto& log = logs[static_cast<size_t>((t + i) % 2)];
          Offset end = AppendOne(*log, i);
          committer.WhenDurable(log, end, [&, raw = log.get(), end](StorageResult<void> r) {
            if (!r.ok()) return;
            if (sync.SyncedEnd(raw) < end.value()) early++;
            ok++;
            std::this_thread::sleep_for(std::chrono::microseconds(20));
          });
        }
      });
    }
    for (auto& t : threads) t.join();
    committer.Flush();
    EXPECT_EQ(ok.load(), kThreads * kAppends);  // Flush waited for every callback
  }
  EXPECT_EQ(early.load(), 0);
}

// The next round's sync runs while the previous round's callbacks are still running: a
// callback that waits for a second sync would wait forever on an unpipelined committer.
TEST(CommitterPipelineTest, NextRoundSyncsWhileCallbacksRun) {
  TempDir tmp;
  auto log = OpenShared(tmp.log_dir());
  RecordingSync sync;
  Committer committer(SyncMode::kAlways, std::chrono::milliseconds(0), sync.Fn());
  std::atomic<bool> first_started{false};
  std::atomic<bool> saw_second_sync{false};
  std::vector<int> order;  // written by callbacks only (one completion thread)
  Offset end1 = AppendOne(*log, 1);
  committer.WhenDurable(log, end1, [&](StorageResult<void> r) {
    EXPECT_TRUE(r.ok());
    first_started = true;
    saw_second_sync = sync.WaitCalls(2, std::chrono::seconds(5));
    order.push_back(1);
  });
  while (!first_started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  Offset end2 = AppendOne(*log, 2);
  committer.WhenDurable(log, end2, [&](StorageResult<void> r) {
    EXPECT_TRUE(r.ok());
    EXPECT_GE(sync.SyncedEnd(log.get()), end2.value());
    order.push_back(2);
  });
  committer.Flush();
  EXPECT_TRUE(saw_second_sync.load()) << "round 2 did not sync while round 1's callback ran";
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(committer.fsync_count(), 2u);
}

// Callbacks of one log run in request order, across rounds, even when a later request is
// already durable when it is made (it must not be answered inline ahead of a queued one).
TEST(CommitterPipelineTest, CallbacksKeepRequestOrder) {
  TempDir tmp;
  auto log = OpenShared(tmp.log_dir());
  Committer committer(SyncMode::kAlways, std::chrono::milliseconds(0));
  std::mutex mu;
  std::vector<uint64_t> order;
  std::atomic<bool> first_started{false};
  std::atomic<bool> release{false};
  // Two records appended, only the first waited on: the round's sync covers both.
  Offset a = AppendOne(*log, 1);
  Offset b = AppendOne(*log, 2);
  committer.WhenDurable(log, a, [&](StorageResult<void> r) {
    EXPECT_TRUE(r.ok());
    first_started = true;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard l(mu);
    order.push_back(a.value());
  });
  while (!first_started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_GE(log->DurableEnd(), b);  // b is durable already...
  committer.WhenDurable(log, b, [&](StorageResult<void> r) {
    EXPECT_TRUE(r.ok());
    std::lock_guard l(mu);
    order.push_back(b.value());
  });
  {
    std::lock_guard l(mu);
    EXPECT_TRUE(order.empty()) << "...but must not be answered before a";
  }
  release = true;
  // Many more, from one thread: their callbacks come back in offset order.
  for (int i = 0; i < 2000; ++i) {
    Offset end = AppendOne(*log, 3 + i);
    committer.WhenDurable(log, end, [&, end](StorageResult<void> r) {
      EXPECT_TRUE(r.ok());
      std::lock_guard l(mu);
      order.push_back(end.value());
    });
  }
  committer.Flush();
  std::lock_guard l(mu);
  ASSERT_EQ(order.size(), 2002u);
  for (size_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], i + 1) << "at " << i;
  // Once everything is answered, an already-durable request is answered inline again.
  bool inline_fired = false;
  committer.WhenDurable(log, b, [&](StorageResult<void> r) { inline_fired = r.ok(); });
  EXPECT_TRUE(inline_fired);
}

// The destructor syncs and answers everything queued, with rounds still in flight.
TEST(CommitterPipelineTest, DestructorDrainsRoundsInFlight) {
  TempDir tmp;
  auto log = OpenShared(tmp.log_dir());
  RecordingSync sync;
  sync.delay = std::chrono::microseconds(500);
  std::atomic<int> fired{0}, early{0};
  {
    Committer committer(SyncMode::kAlways, std::chrono::milliseconds(0), sync.Fn());
    for (int i = 0; i < 300; ++i) {
      Offset end = AppendOne(*log, i);
      committer.WhenDurable(log, end, [&, end](StorageResult<void> r) {
        if (!r.ok()) return;
        if (sync.SyncedEnd(log.get()) < end.value()) early++;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        fired++;
      });
      if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  EXPECT_EQ(fired.load(), 300);
  EXPECT_EQ(early.load(), 0);
  EXPECT_EQ(log->DurableEnd().value(), 300u);
}

// A failed sync reaches exactly the callbacks of its round; the next round succeeds.
TEST(CommitterPipelineTest, SyncFailureReachesOnlyItsRound) {
  TempDir tmp;
  auto log = OpenShared(tmp.log_dir());
  std::atomic<int> calls{0};
  Committer committer(SyncMode::kAlways, std::chrono::milliseconds(0),
                      [&](Log& l) -> StorageResult<Offset> {
                        if (calls++ == 0) {
                          return MakeUnexpected(StorageError{StorageErrc::kIoError, "injected"});
                        }
                        return l.Sync();
                      });
  std::atomic<int> first{-1}, second{-1};
  Offset a = AppendOne(*log, 1);
  committer.WhenDurable(log, a, [&](StorageResult<void> r) {
    first = r.ok() ? 100 : static_cast<int>(r.error().code);
  });
  committer.Flush();
  EXPECT_EQ(first.load(), static_cast<int>(StorageErrc::kIoError));
  Offset b = AppendOne(*log, 2);
  committer.WhenDurable(log, b, [&](StorageResult<void> r) {
    second = r.ok() ? 100 : static_cast<int>(r.error().code);
  });
  committer.Flush();
  EXPECT_EQ(second.load(), 100);
  EXPECT_EQ(log->DurableEnd(), b);
}

}  // namespace
}  // namespace runnel::storage
