#include "stream/stream_meta.h"

#include <gtest/gtest.h>

namespace runnel::stream {
namespace {

constexpr int64_t kHour = 3600 * 1000;

TEST(StreamMetaRetention, HorizonFollowsTheRetentionPeriod) {
  StreamMeta m;
  m.retention_hours = 24;
  EXPECT_EQ(m.HorizonMs(100 * kHour), 76 * kHour);
}

TEST(StreamMetaRetention, IncreaseNeverResurrectsExpiredRecords) {
  StreamMeta m;
  m.SetRetentionHours(48, 100 * kHour);  // expired so far: before 76 h
  EXPECT_EQ(m.expired_before_ms, 76 * kHour);
  EXPECT_EQ(m.HorizonMs(100 * kHour), 76 * kHour);  // not 52 h
  EXPECT_EQ(m.HorizonMs(130 * kHour), 82 * kHour);  // the longer period applies from now on
}

TEST(StreamMetaRetention, DecreaseThenIncreaseKeepsTheLaterHorizon) {
  StreamMeta m;
  m.SetRetentionHours(48, 0);
  m.SetRetentionHours(24, 100 * kHour);  // horizon 76 h
  m.SetRetentionHours(48, 100 * kHour);
  EXPECT_EQ(m.HorizonMs(100 * kHour), 76 * kHour);
}

TEST(StreamMetaRetention, WatermarkSurvivesEncoding) {
  StreamMeta m;
  m.name = "s";
  m.account = "000000000000";
  m.region = "us-east-1";
  m.dir_name = "1-ab";
  m.SetRetentionHours(48, 100 * kHour);
  auto decoded = DecodeStreamMeta(EncodeStreamMeta(m));
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(decoded->expired_before_ms, 76 * kHour);
  EXPECT_EQ(decoded->retention_hours, 48u);
}

TEST(TakeDailySlot, AllowsLimitPerRolling24Hours) {
  std::vector<int64_t> times;
  EXPECT_TRUE(TakeDailySlot(times, 0, 2));
  EXPECT_TRUE(TakeDailySlot(times, 1 * kHour, 2));
  EXPECT_FALSE(TakeDailySlot(times, 23 * kHour, 2));
  EXPECT_EQ(times.size(), 2u);                          // a refusal records nothing
  EXPECT_TRUE(TakeDailySlot(times, 24 * kHour, 2));     // the first one has aged out
  EXPECT_FALSE(TakeDailySlot(times, 24 * kHour + 1, 2));
}

TEST(StreamMetaLimits, OperationHistoriesSurviveEncoding) {
  StreamMeta m;
  m.name = "s";
  m.account = "000000000000";
  m.region = "us-east-1";
  m.dir_name = "1-ab";
  m.mode_switches_ms = {1, 2};
  m.encryption_starts_ms = {3};
  m.encryption_stops_ms = {4, 5, 6};
  auto decoded = DecodeStreamMeta(EncodeStreamMeta(m));
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(decoded->mode_switches_ms, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(decoded->encryption_starts_ms, (std::vector<int64_t>{3}));
  EXPECT_EQ(decoded->encryption_stops_ms, (std::vector<int64_t>{4, 5, 6}));
  // Empty histories are left out of the file, and files without them still load.
  StreamMeta empty = m;
  empty.mode_switches_ms.clear();
  empty.encryption_starts_ms.clear();
  empty.encryption_stops_ms.clear();
  const std::string json = EncodeStreamMeta(empty);
  EXPECT_EQ(json.find("mode_switches_ms"), std::string::npos);
  auto again = DecodeStreamMeta(json);
  ASSERT_TRUE(again) << again.error();
  EXPECT_TRUE(again->mode_switches_ms.empty());
}

}  // namespace
}  // namespace runnel::stream
