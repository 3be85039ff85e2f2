#include "storage/record_batch.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/batch_format.h"

namespace runnel::storage {
namespace {

struct Parsed {
  format::BatchHeader header;
  std::vector<std::pair<int64_t, std::string>> records;
};

bool Parse(std::string_view frame, Parsed* p) {
  if (format::DecodeHeader(frame, &p->header) != format::HeaderStatus::kOk) return false;
  if (frame.size() != p->header.frame_size()) return false;
  std::string_view payload = frame.substr(format::kHeaderSize);
  if (!format::PayloadCrcMatches(p->header, payload)) return false;
  format::RecordIterator it(payload);
  int64_t ts;
  std::string_view bytes;
  while (it.Next(&ts, &bytes)) p->records.emplace_back(ts, std::string(bytes));
  return it.ok();
}

TEST(BatchBuilderTest, FramingRoundTrip) {
  BatchBuilder b;
  b.Add(100, "hello");
  b.Add(90, "wor", "ld");
  b.Add(120, "");
  EXPECT_EQ(b.record_count(), 3u);
  EXPECT_EQ(b.first_timestamp_ms(), 100);
  EXPECT_EQ(b.max_timestamp_ms(), 120);
  std::string frame(b.Finish(42));
  Parsed p;
  ASSERT_TRUE(Parse(frame, &p));
  EXPECT_EQ(p.header.base_offset, 42u);
  EXPECT_EQ(p.header.record_count, 3u);
  EXPECT_EQ(p.header.first_ts_ms, 100);
  EXPECT_EQ(p.header.max_ts_ms, 120);
  ASSERT_EQ(p.records.size(), 3u);
  EXPECT_EQ(p.records[0], (std::pair<int64_t, std::string>(100, "hello")));
  EXPECT_EQ(p.records[1], (std::pair<int64_t, std::string>(90, "world")));
  EXPECT_EQ(p.records[2], (std::pair<int64_t, std::string>(120, "")));
}

TEST(BatchBuilderTest, ClearReusesBufferAndResets) {
  BatchBuilder b;
  b.Add(1, std::string(1000, 'x'));
  std::string_view first = b.Finish(0);
  const char* data = first.data();
  b.Clear();
  EXPECT_TRUE(b.empty());
  b.Add(7, "small");
  std::string_view second = b.Finish(5);
  EXPECT_EQ(second.data(), data);  // no reallocation once warmed up
  Parsed p;
  ASSERT_TRUE(Parse(second, &p));
  EXPECT_EQ(p.header.base_offset, 5u);
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].second, "small");
  EXPECT_EQ(p.header.first_ts_ms, 7);
}

TEST(BatchBuilderTest, ThreePartRecordsAndReserveAvoidsReallocation) {
  BatchBuilder b;
  b.Reserve(100, 100 * 1030);
  b.Add(5, "\x01\x02", "key", std::string(1024, 'd'));
  const char* data = b.Finish(0).data();
  for (int i = 1; i < 100; ++i) b.Add(5 + i, "h", "k", std::string(1024, 'e'));
  std::string_view frame = b.Finish(9);
  EXPECT_EQ(frame.data(), data);  // all 100 records fit the reserved buffer
  Parsed p;
  ASSERT_TRUE(Parse(frame, &p));
  ASSERT_EQ(p.records.size(), 100u);
  EXPECT_EQ(p.records[0].second, "\x01\x02key" + std::string(1024, 'd'));
  EXPECT_EQ(p.records[99].second, "hk" + std::string(1024, 'e'));
  EXPECT_EQ(p.header.max_ts_ms, 104);
  // An empty batch still gets a fully written header (CRC good; zero records is refused).
  BatchBuilder empty;
  format::BatchHeader h;
  EXPECT_EQ(format::DecodeHeader(empty.Finish(3), &h), format::HeaderStatus::kBadField);
}

TEST(BatchBuilderTest, EveryHeaderByteIsCoveredByTheHeaderCrc) {
  BatchBuilder b;
  b.Add(1, "abc");
  std::string frame(b.Finish(9));
  for (size_t i = 0; i < format::kHeaderSize; ++i) {
    std::string bad = frame;
    bad[i] = static_cast<char>(bad[i] ^ 1);
    format::BatchHeader h;
    EXPECT_NE(format::DecodeHeader(bad, &h), format::HeaderStatus::kOk) << "byte " << i;
  }
}

TEST(BatchBuilderTest, PayloadBitFlipFailsPayloadCrcOnly) {
  BatchBuilder b;
  b.Add(1, "some payload bytes");
  std::string frame(b.Finish(0));
  frame[format::kHeaderSize + 14] ^= 0x10;
  format::BatchHeader h;
  ASSERT_EQ(format::DecodeHeader(frame, &h), format::HeaderStatus::kOk);
  EXPECT_FALSE(format::PayloadCrcMatches(h, std::string_view(frame).substr(format::kHeaderSize)));
}

TEST(BatchBuilderTest, ShortHeaderIsReportedAsShort) {
  BatchBuilder b;
  b.Add(1, "x");
  std::string frame(b.Finish(0));
  format::BatchHeader h;
  EXPECT_EQ(format::DecodeHeader(std::string_view(frame).substr(0, format::kHeaderSize - 1), &h),
            format::HeaderStatus::kShort);
}

}  // namespace
}  // namespace runnel::storage
