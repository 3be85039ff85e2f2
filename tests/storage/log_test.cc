#include "storage/log.h"

#include <unistd.h>

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "storage_test_util.h"

namespace runnel::storage {
namespace {

using testing::AppendRecords;
using testing::ExpectRecords;
using testing::Files;
using testing::Payload;
using testing::TempDir;

// Batches of 5 records of 20 bytes are 48 + 5 * 32 = 208 bytes: ~20 per 4 KiB segment, and
// an index entry every second batch.
LogOptions SmallSegments() {
  LogOptions o;
  o.segment_bytes = 4096;
  o.index_interval_bytes = 300;
  return o;
}

std::unique_ptr<Log> OpenLog(const std::filesystem::path& dir, const LogOptions& options,
                             RecoveryReport* report = nullptr) {
  RecoveryReport local;
  auto r = Log::Open(dir, options, report ? report : &local);
  EXPECT_TRUE(r.ok()) << r.error().detail;
  return r.ok() ? std::move(*r) : nullptr;
}

TEST(LogTest, EmptyLogStartsAtZero) {
  TempDir tmp;
  auto log = OpenLog(tmp.log_dir(), LogOptions{});
  EXPECT_EQ(log->StartOffset().value(), 0u);
  EXPECT_EQ(log->EndOffset().value(), 0u);
  EXPECT_EQ(log->LastTimestampMs(), 0);
  ReadBuffer buffer;
  std::vector<RecordView> out;
  auto r = log->Read(Offset(0), ReadOptions{}, buffer, out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value(), 0u);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(log->FindByTimestamp(5).value().value(), 0u);
}

TEST(LogTest, AppendAssignsDenseOffsetsAndReadsBack) {
  TempDir tmp;
  auto log = OpenLog(tmp.log_dir(), LogOptions{});
  AppendRecords(*log, 10, 3);
  EXPECT_EQ(log->EndOffset().value(), 30u);
  EXPECT_EQ(log->LastTimestampMs(), 1029);
  ExpectRecords(*log, 0, 30);
  ExpectRecords(*log, 17, 30);
}

TEST(LogTest, SyncAdvancesDurableEnd) {
  TempDir tmp;
  auto log = OpenLog(tmp.log_dir(), LogOptions{});
  AppendRecords(*log, 2, 3);
  EXPECT_EQ(log->EndOffset().value(), 6u);
  auto r = log->Sync();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value(), 6u);
  EXPECT_EQ(log->DurableEnd().value(), 6u);
}

TEST(LogTest, SegmentsRollAndReadsCrossThem) {
  TempDir tmp;
  auto log = OpenLog(tmp.log_dir(), SmallSegments());
  AppendRecords(*log, 200, 5);
  auto segs = Files(tmp.log_dir(), ".seg");
  EXPECT_GT(segs.size(), 5u);
  EXPECT_EQ(Files(tmp.log_dir(), ".idx").size(), segs.size() - 1);
  EXPECT_EQ(Files(tmp.log_dir(), ".tix").size(), segs.size() - 1);
  for (const auto& s : segs) EXPECT_LT(std::filesystem::file_size(s), 4096u + 208u);
  ExpectRecords(*log, 0, 1000);
  // One read spans every segment.
  ReadBuffer buffer;
  std::vector<RecordView> out;
  auto r = log->Read(Offset(3), ReadOptions{}, buffer, out);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  ASSERT_EQ(out.size(), 997u);
  EXPECT_EQ(r->value(), 1000u);
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_EQ(out[i].offset.value(), i + 3);
    ASSERT_EQ(out[i].payload, Payload(i + 3));
  }
}

void ExpectSparseLookups(const Log& log, uint64_t end) {
  ReadBuffer buffer;
  std::vector<RecordView> out;
  ReadOptions options;
  options.max_records = 3;
  for (uint64_t o = 0; o < end; ++o) {
    auto r = log.Read(Offset(o), options, buffer, out);
    ASSERT_TRUE(r.ok()) << r.error().detail;
    size_t want = std::min<uint64_t>(3, end - o);
    ASSERT_EQ(out.size(), want) << "from " << o;
    for (size_t i = 0; i < want; ++i) {
      ASSERT_EQ(out[i].offset.value(), o + i);
      ASSERT_EQ(out[i].payload, Payload(o + i));
    }
    ASSERT_EQ(r->value(), o + want);
  }
}

TEST(LogTest, SparseIndexLookupsAtEveryOffset) {
  TempDir tmp;
  {
    auto log = OpenLog(tmp.log_dir(), SmallSegments());
    AppendRecords(*log, 120, 5);
    ExpectSparseLookups(*log, 600);
  }
  auto log = OpenLog(tmp.log_dir(), SmallSegments());  // indexes loaded from .idx files
  ExpectSparseLookups(*log, 600);
}

TEST(LogTest, ReadRespectsLimits) {
  TempDir tmp;
  auto log = OpenLog(tmp.log_dir(), SmallSegments());
  AppendRecords(*log, 40, 5);
  ReadBuffer buffer;
  std::vector<RecordView> out;

  ReadOptions options;
  options.max_bytes = 1;  // still returns one record
  auto r = log->Read(Offset(10), options, buffer, out);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(r->value(), 11u);

  options.max_bytes = 20 * 4;  // exactly four payloads
  r = log->Read(Offset(10), options, buffer, out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(out.size(), 4u);

  options = ReadOptions{};
  options.upto = Offset(13);
  r = log->Read(Offset(10), options, buffer, out);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out.back().offset.value(), 12u);
  EXPECT_EQ(r->value(), 13u);

  r = log->Read(Offset(13), options, buffer, out);  // from >= upto: empty
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(r->value(), 13u);

  r = log->Read(Offset(200), ReadOptions{}, buffer, out);  // at the end: empty
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(out.empty());

  r = log->Read(Offset(201), ReadOptions{}, buffer, out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StorageErrc::kOutOfRange);
}

TEST(LogTest, ReopenKeepsEndOffsetAndData) {
  TempDir tmp;
  {
    auto log = OpenLog(tmp.log_dir(), SmallSegments());
    AppendRecords(*log, 77, 5);
    ASSERT_TRUE(log->Sync().ok());
  }
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), SmallSegments(), &report);
  EXPECT_EQ(report.truncated_bytes, 0u);
  EXPECT_FALSE(report.corruption_in_middle);
  EXPECT_TRUE(report.detail.empty()) << report.detail;
  EXPECT_EQ(log->EndOffset().value(), 385u);
  EXPECT_EQ(log->DurableEnd().value(), 385u);
  EXPECT_EQ(log->LastTimestampMs(), 1384);
  ExpectRecords(*log, 0, 385);
  AppendRecords(*log, 3, 5);  // continues at 385
  ExpectRecords(*log, 0, 400);
}

TEST(LogTest, MissingOrCorruptIndexIsRebuilt) {
  TempDir tmp;
  std::vector<std::filesystem::path> idx, tix;
  std::string idx0_before;
  {
    auto log = OpenLog(tmp.log_dir(), SmallSegments());
    AppendRecords(*log, 100, 5);
    idx = Files(tmp.log_dir(), ".idx");
    tix = Files(tmp.log_dir(), ".tix");
    ASSERT_GE(idx.size(), 3u);
    idx0_before = ReadFile(idx[0]).value();
  }
  std::filesystem::remove(idx[0]);
  testing::FlipByte(idx[1], 30);
  testing::FlipByte(tix[2], 60);
  std::filesystem::resize_file(tix[1], 10);
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), SmallSegments(), &report);
  EXPECT_FALSE(report.corruption_in_middle) << report.detail;
  EXPECT_EQ(report.truncated_bytes, 0u);
  ASSERT_TRUE(std::filesystem::exists(idx[0]));
  EXPECT_EQ(ReadFile(idx[0]).value(), idx0_before);  // rebuilt byte for byte
  EXPECT_EQ(Files(tmp.log_dir(), ".idx").size(), idx.size());
  ExpectSparseLookups(*log, 500);
  // Rebuilt files are valid: a second open has nothing to fix and reads the same data.
  log.reset();
  log = OpenLog(tmp.log_dir(), SmallSegments(), &report);
  EXPECT_TRUE(report.detail.empty()) << report.detail;
  ExpectRecords(*log, 0, 500);
}

TEST(LogTest, FindByTimestamp) {
  TempDir tmp;
  {
    auto log = OpenLog(tmp.log_dir(), SmallSegments());
    AppendRecords(*log, 100, 5, /*ts0=*/1000);  // record i has timestamp 1000 + i
    for (uint64_t i = 0; i < 500; i += 3) {
      auto r = log->FindByTimestamp(1000 + static_cast<int64_t>(i));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->value(), i);
    }
  }
  auto log = OpenLog(tmp.log_dir(), SmallSegments());
  for (uint64_t i = 0; i < 500; i += 7) {
    ASSERT_EQ(log->FindByTimestamp(1000 + static_cast<int64_t>(i))->value(), i);
  }
  EXPECT_EQ(log->FindByTimestamp(0)->value(), 0u);
  EXPECT_EQ(log->FindByTimestamp(1499)->value(), 499u);
  EXPECT_EQ(log->FindByTimestamp(1500)->value(), 500u);  // newer than everything: the end
  EXPECT_EQ(log->TimestampAt(Offset(123)).value(), 1123);
  EXPECT_FALSE(log->TimestampAt(Offset(500)).ok());
}

TEST(LogTest, DeleteSegmentsOlderThan) {
  TempDir tmp;
  auto log = OpenLog(tmp.log_dir(), SmallSegments());
  AppendRecords(*log, 100, 5);
  size_t before = Files(tmp.log_dir(), ".seg").size();
  auto r = log->DeleteSegmentsOlderThan(1000 + 250);
  ASSERT_TRUE(r.ok());
  Offset start = *r;
  EXPECT_EQ(log->StartOffset(), start);
  EXPECT_GT(start.value(), 150u);
  EXPECT_LE(start.value(), 250u);
  size_t after = Files(tmp.log_dir(), ".seg").size();
  EXPECT_LT(after, before);
  EXPECT_EQ(Files(tmp.log_dir(), ".idx").size(), after - 1);
  ReadBuffer buffer;
  std::vector<RecordView> out;
  auto read = log->Read(Offset(0), ReadOptions{}, buffer, out);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, StorageErrc::kOutOfRange);
  ExpectRecords(*log, start.value(), 500);
  EXPECT_EQ(log->FindByTimestamp(0)->value(), start.value());

  // Everything is old: only the active segment survives.
  r = log->DeleteSegmentsOlderThan(1 << 30);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Files(tmp.log_dir(), ".seg").size(), 1u);
  EXPECT_EQ(log->EndOffset().value(), 500u);
  Offset last_start = *r;
  ExpectRecords(*log, last_start.value(), 500);

  log.reset();
  log = OpenLog(tmp.log_dir(), SmallSegments());
  EXPECT_EQ(log->StartOffset(), last_start);
  EXPECT_EQ(log->EndOffset().value(), 500u);
}

TEST(LogTest, ConcurrentReadsNeverSeePartialBatches) {
  TempDir tmp;
  auto log = OpenLog(tmp.log_dir(), SmallSegments());
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> records_read{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      ReadBuffer buffer;
      std::vector<RecordView> out;
      do {  // at least one pass, even when the appends finish before this thread runs
        uint64_t next = 0;
        while (true) {
          auto r = log->Read(Offset(next), ReadOptions{}, buffer, out);
          ASSERT_TRUE(r.ok()) << r.error().detail;
          if (out.empty()) break;
          for (const auto& rec : out) {
            ASSERT_EQ(rec.offset.value(), next);
            ASSERT_EQ(rec.payload, Payload(next));
            ++next;
          }
        }
        records_read += next;
      } while (!stop.load());
    });
  }
  AppendRecords(*log, 400, 5);
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(records_read.load(), 0u);
}

TEST(LogTest, DestroyRemovesTheDirectory) {
  TempDir tmp;
  auto log = OpenLog(tmp.log_dir(), SmallSegments());
  AppendRecords(*log, 50, 5);
  ASSERT_TRUE(log->Destroy().ok());
  EXPECT_FALSE(std::filesystem::exists(tmp.log_dir()));
  BatchBuilder b;
  b.Add(1, "x");
  auto r = log->Append(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StorageErrc::kClosed);
}

}  // namespace
}  // namespace runnel::storage

namespace runnel::storage {
namespace {

// Replaces the descriptor the process holds on `file` with a pipe, on which fdatasync fails
// (EINVAL): a way to make the log's fsync fail without a fault-injection layer.
bool BreakDescriptorOf(const std::filesystem::path& file) {
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(e.path(), ec);
    if (ec || target != file) continue;
    int fds[2];
    if (::pipe(fds) != 0) return false;
    int fd = std::stoi(e.path().filename().string());
    bool ok = ::dup2(fds[0], fd) == fd;
    ::close(fds[0]);
    ::close(fds[1]);
    return ok;
  }
  return false;
}

TEST(LogTest, FailedSyncFencesTheLog) {
  TempDir tmp;
  auto log = OpenLog(tmp.log_dir(), LogOptions{});
  AppendRecords(*log, 1, 5);
  ASSERT_TRUE(log->Sync().ok());
  AppendRecords(*log, 1, 5);
  auto segs = Files(tmp.log_dir(), ".seg");
  ASSERT_EQ(segs.size(), 1u);
  ASSERT_TRUE(BreakDescriptorOf(std::filesystem::canonical(segs[0])));
  auto r = log->Sync();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StorageErrc::kIoError);
  EXPECT_EQ(log->DurableEnd().value(), 5u);  // never reports the failed range durable
  BatchBuilder b;
  b.Add(1, "x");
  auto a = log->Append(b);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, StorageErrc::kClosed);
  r = log->Sync();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StorageErrc::kClosed);
}

}  // namespace
}  // namespace runnel::storage
