// Recovery: torn tails, garbage, bit flips in the tail and in sealed segments.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "gtest/gtest.h"
#include "storage/batch_format.h"
#include "storage/log.h"
#include "storage/segment.h"
#include "storage_test_util.h"

namespace runnel::storage {
namespace {

using testing::AppendRecords;
using testing::ExpectRecords;
using testing::Files;
using testing::TempDir;

constexpr uint64_t kFrame = 48 + 5 * 32;  // a batch of 5 records of 20 bytes

LogOptions Options() {
  LogOptions o;
  o.segment_bytes = 4096;
  o.index_interval_bytes = 300;
  return o;
}

std::unique_ptr<Log> OpenLog(const std::filesystem::path& dir, RecoveryReport* report) {
  auto r = Log::Open(dir, Options(), report);
  EXPECT_TRUE(r.ok()) << r.error().detail;
  return r.ok() ? std::move(*r) : nullptr;
}

// Writes 10 batches (50 records) into one segment and closes the log.
std::filesystem::path MakeOneSegment(const TempDir& tmp) {
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  AppendRecords(*log, 10, 5);
  EXPECT_TRUE(log->Sync().ok());
  auto segs = Files(tmp.log_dir(), ".seg");
  EXPECT_EQ(segs.size(), 1u);
  EXPECT_EQ(std::filesystem::file_size(segs[0]), 10 * kFrame);
  return segs[0];
}

TEST(LogRecoveryTest, TornTailIsTruncatedAndReported) {
  TempDir tmp;
  auto seg = MakeOneSegment(tmp);
  std::filesystem::resize_file(seg, 10 * kFrame - 10);  // last batch loses 10 bytes
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_EQ(report.truncated_bytes, kFrame - 10);
  EXPECT_EQ(report.dropped_records, 5u);
  EXPECT_FALSE(report.corruption_in_middle);
  EXPECT_NE(report.detail.find("torn"), std::string::npos) << report.detail;
  EXPECT_EQ(std::filesystem::file_size(seg), 9 * kFrame);
  EXPECT_EQ(log->EndOffset().value(), 45u);
  ExpectRecords(*log, 0, 45);
  AppendRecords(*log, 2, 5);  // the next offset comes from the recovered tail
  ExpectRecords(*log, 0, 55);
}

TEST(LogRecoveryTest, TornHeaderIsTruncated) {
  TempDir tmp;
  auto seg = MakeOneSegment(tmp);
  std::filesystem::resize_file(seg, 9 * kFrame + 20);  // only 20 bytes of the last header
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_EQ(report.truncated_bytes, 20u);
  EXPECT_EQ(report.dropped_records, 0u);
  EXPECT_EQ(log->EndOffset().value(), 45u);
}

TEST(LogRecoveryTest, GarbageAfterTheLastBatchIsTruncated) {
  TempDir tmp;
  auto seg = MakeOneSegment(tmp);
  testing::AppendBytes(seg, std::string(100, '\x7f') + "garbage");
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_EQ(report.truncated_bytes, 107u);
  EXPECT_EQ(report.dropped_records, 0u);
  EXPECT_EQ(log->EndOffset().value(), 50u);
  ExpectRecords(*log, 0, 50);
}

TEST(LogRecoveryTest, BitFlipInTheTailBatchPayloadIsTruncated) {
  TempDir tmp;
  auto seg = MakeOneSegment(tmp);
  testing::FlipByte(seg, 9 * kFrame + 48 + 40);
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_EQ(report.truncated_bytes, kFrame);
  EXPECT_EQ(report.dropped_records, 5u);  // its header was still intact
  EXPECT_NE(report.detail.find("checksum"), std::string::npos) << report.detail;
  EXPECT_EQ(log->EndOffset().value(), 45u);
  ExpectRecords(*log, 0, 45);
}

TEST(LogRecoveryTest, BitFlipInTheTailBatchHeaderIsTruncated) {
  TempDir tmp;
  auto seg = MakeOneSegment(tmp);
  testing::FlipByte(seg, 9 * kFrame + format::kPayloadLenPos);  // the length field
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_EQ(report.truncated_bytes, kFrame);
  EXPECT_EQ(log->EndOffset().value(), 45u);
}

TEST(LogRecoveryTest, BadBatchInTheActiveSegmentDropsEverythingAfterIt) {
  TempDir tmp;
  auto seg = MakeOneSegment(tmp);
  testing::FlipByte(seg, 5 * kFrame + 48 + 3);
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_EQ(report.truncated_bytes, 5 * kFrame);
  EXPECT_EQ(report.dropped_records, 25u);
  EXPECT_EQ(log->EndOffset().value(), 25u);
  ExpectRecords(*log, 0, 25);
}

// Builds several sealed segments; returns the .seg files.
std::vector<std::filesystem::path> MakeSealedSegments(const TempDir& tmp) {
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  AppendRecords(*log, 100, 5);  // ~19 batches per segment
  EXPECT_TRUE(log->Sync().ok());
  auto segs = Files(tmp.log_dir(), ".seg");
  EXPECT_GE(segs.size(), 4u);
  return segs;
}

void ExpectCorruptionAt(const Log& log, uint64_t from) {
  ReadBuffer buffer;
  std::vector<RecordView> out;
  auto r = log.Read(Offset(from), ReadOptions{}, buffer, out);
  ASSERT_FALSE(r.ok()) << "served " << out.size() << " records from " << from;
  EXPECT_EQ(r.error().code, StorageErrc::kCorruption);
}

TEST(LogRecoveryTest, BitFlipInSealedSegmentIsNeverServed) {
  TempDir tmp;
  auto segs = MakeSealedSegments(tmp);
  // Batch 3 of segment 1 (offsets base+15 .. base+19); its index is still valid, so open
  // does not scan: the read must catch it.
  Offset base1;
  ASSERT_TRUE(ParseSegmentFileName(segs[1].filename().string(), &base1));
  testing::FlipByte(segs[1], 3 * kFrame + 48 + 10);
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_FALSE(report.corruption_in_middle);  // open trusts a valid index: no sealed scan
  EXPECT_EQ(log->EndOffset().value(), 500u);
  ExpectRecords(*log, 0, base1.value() + 15);      // before the bad batch: fine
  ExpectCorruptionAt(*log, base1.value() + 15);    // the bad batch itself
  {
    // A read running into it returns the records before it, then the error.
    ReadBuffer buffer;
    std::vector<RecordView> out;
    auto r = log->Read(base1, ReadOptions{}, buffer, out);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->value(), base1.value() + 15);
    ASSERT_EQ(out.size(), 15u);
    EXPECT_EQ(out.back().offset.value(), base1.value() + 14);
  }
  ExpectCorruptionAt(*log, base1.value() + 17);
  ExpectRecords(*log, base1.value() + 20, 500);    // after it: fine
  auto ts = log->FindByTimestamp(1000 + static_cast<int64_t>(base1.value()) + 16);
  EXPECT_FALSE(ts.ok());
}

TEST(LogRecoveryTest, CorruptSealedSegmentWithoutIndexIsReportedAtOpen) {
  TempDir tmp;
  auto segs = MakeSealedSegments(tmp);
  Offset base1;
  ASSERT_TRUE(ParseSegmentFileName(segs[1].filename().string(), &base1));
  testing::FlipByte(segs[1], 3 * kFrame + 48 + 10);
  auto idx = segs[1];
  idx.replace_extension(".idx");
  std::filesystem::remove(idx);  // forces a scan of the sealed segment
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_TRUE(report.corruption_in_middle);
  EXPECT_EQ(report.truncated_bytes, 0u);  // sealed data is never cut
  EXPECT_NE(report.detail.find("corruption"), std::string::npos) << report.detail;
  EXPECT_EQ(log->EndOffset().value(), 500u);
  ExpectRecords(*log, 0, base1.value() + 15);
  ExpectCorruptionAt(*log, base1.value() + 15);
  ExpectCorruptionAt(*log, base1.value() + 19);
  Offset base2;
  ASSERT_TRUE(ParseSegmentFileName(segs[2].filename().string(), &base2));
  ExpectRecords(*log, base2.value(), 500);
  AppendRecords(*log, 1, 5);  // appends still work
  ExpectRecords(*log, base2.value(), 505);
  // Still reported on the next open: the corrupt segment's index was not rewritten.
  log.reset();
  log = OpenLog(tmp.log_dir(), &report);
  EXPECT_TRUE(report.corruption_in_middle);
}

TEST(LogRecoveryTest, TruncatedSealedSegmentIsDetectedDespiteIndex) {
  TempDir tmp;
  auto segs = MakeSealedSegments(tmp);
  Offset base2;
  ASSERT_TRUE(ParseSegmentFileName(segs[2].filename().string(), &base2));
  std::filesystem::resize_file(segs[1], std::filesystem::file_size(segs[1]) - 30);
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_TRUE(report.corruption_in_middle);
  ExpectCorruptionAt(*log, base2.value() - 1);
  ExpectRecords(*log, base2.value(), 500);
}

// 20 batches fill one segment (4160 >= 4096 bytes): it is sealed and an empty active
// segment follows, as right after a roll. Returns {sealed, empty active}.
std::vector<std::filesystem::path> MakeSealedThenEmpty(const TempDir& tmp) {
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  AppendRecords(*log, 20, 5);
  EXPECT_TRUE(log->Sync().ok());
  auto segs = Files(tmp.log_dir(), ".seg");
  EXPECT_EQ(segs.size(), 2u);
  if (segs.size() == 2) {
    EXPECT_EQ(std::filesystem::file_size(segs[0]), 20 * kFrame);
    EXPECT_EQ(std::filesystem::file_size(segs[1]), 0u);
  }
  return segs;
}

// A roll creates the next segment before the sealed one is fsynced: after a power cut the
// sealed segment can be torn while the empty segment after it exists. That tear is the
// log's tail: truncated and reported, never left as a gap that every read stops at.
TEST(LogRecoveryTest, TornSealedSegmentBeforeAnEmptyActiveSegmentIsTheTail) {
  TempDir tmp;
  auto segs = MakeSealedThenEmpty(tmp);
  std::filesystem::resize_file(segs[0], 20 * kFrame - 10);
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_FALSE(report.corruption_in_middle) << report.detail;
  EXPECT_EQ(report.truncated_bytes, kFrame - 10);
  EXPECT_EQ(report.dropped_records, 5u);
  EXPECT_NE(report.detail.find("truncated"), std::string::npos) << report.detail;
  EXPECT_EQ(log->EndOffset().value(), 95u);
  EXPECT_EQ(Files(tmp.log_dir(), ".seg"), std::vector<std::filesystem::path>{segs[0]});
  EXPECT_TRUE(Files(tmp.log_dir(), ".idx").empty());
  ExpectRecords(*log, 0, 95);
  AppendRecords(*log, 2, 5);  // offsets continue from the recovered tail
  ASSERT_TRUE(log->Sync().ok());
  ExpectRecords(*log, 0, 105);
  log.reset();
  log = OpenLog(tmp.log_dir(), &report);
  EXPECT_TRUE(report.detail.empty()) << report.detail;
  ExpectRecords(*log, 0, 105);
}

TEST(LogRecoveryTest, SealedSegmentEndingEarlyBeforeAnEmptyActiveSegmentIsTheTail) {
  TempDir tmp;
  auto segs = MakeSealedThenEmpty(tmp);
  std::filesystem::resize_file(segs[0], 19 * kFrame);  // the last batch never reached disk
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_FALSE(report.corruption_in_middle) << report.detail;
  EXPECT_EQ(report.dropped_records, 5u);
  EXPECT_NE(report.detail.find("[95, 100)"), std::string::npos) << report.detail;
  EXPECT_EQ(log->EndOffset().value(), 95u);
  ExpectRecords(*log, 0, 95);
  AppendRecords(*log, 1, 5);
  ExpectRecords(*log, 0, 100);
}

// An empty segment file whose base lies inside the data before it (a roll whose directory
// sync failed left it behind): removed, the data before it stays the tail, nothing dropped.
TEST(LogRecoveryTest, StaleEmptySegmentInsideTheTailIsRemoved) {
  TempDir tmp;
  auto seg = MakeOneSegment(tmp);
  auto stale = tmp.log_dir() / SegmentFileName(Offset(25), ".seg");
  { std::ofstream(stale.string()); }
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_FALSE(report.corruption_in_middle) << report.detail;
  EXPECT_EQ(report.dropped_records, 0u);
  EXPECT_EQ(report.truncated_bytes, 0u);
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_EQ(log->EndOffset().value(), 50u);
  ExpectRecords(*log, 0, 50);
  AppendRecords(*log, 1, 5);
  ExpectRecords(*log, 0, 55);
}

// The sealed segment before the empty active one lost everything: it is empty too, and the
// segment with data before it is the tail.
TEST(LogRecoveryTest, EmptiedSealedSegmentBeforeAnEmptyActiveSegmentIsTheTail) {
  TempDir tmp;
  {
    RecoveryReport report;
    auto log = OpenLog(tmp.log_dir(), &report);
    AppendRecords(*log, 40, 5);  // two full segments, then an empty active one
    ASSERT_TRUE(log->Sync().ok());
  }
  auto segs = Files(tmp.log_dir(), ".seg");
  ASSERT_EQ(segs.size(), 3u);
  std::filesystem::resize_file(segs[1], 0);
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_FALSE(report.corruption_in_middle) << report.detail;
  EXPECT_EQ(report.dropped_records, 100u);
  EXPECT_NE(report.detail.find("[100, 200)"), std::string::npos) << report.detail;
  EXPECT_EQ(log->EndOffset().value(), 100u);
  ExpectRecords(*log, 0, 100);
  AppendRecords(*log, 1, 5);
  ExpectRecords(*log, 0, 105);
}

TEST(LogRecoveryTest, CleanSealedSegmentBeforeAnEmptyActiveSegmentIsKept) {
  TempDir tmp;
  auto segs = MakeSealedThenEmpty(tmp);
  RecoveryReport report;
  auto log = OpenLog(tmp.log_dir(), &report);
  EXPECT_TRUE(report.detail.empty()) << report.detail;
  EXPECT_EQ(Files(tmp.log_dir(), ".seg"), segs);
  EXPECT_EQ(log->EndOffset().value(), 100u);
  ExpectRecords(*log, 0, 100);
}

}  // namespace
}  // namespace runnel::storage
