#include "storage/committer.h"

#include <atomic>
#include <thread>

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

}  // namespace
}  // namespace runnel::storage
