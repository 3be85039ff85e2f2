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

}  // namespace
}  // namespace runnel::stream
