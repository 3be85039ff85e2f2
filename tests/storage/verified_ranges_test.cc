// VerifiedRanges: the in-memory record of which bytes of a segment were checked.
#include "gtest/gtest.h"
#include "storage/segment.h"

namespace runnel::storage {
namespace {

TEST(VerifiedRangesTest, EmptyTrustsNothing) {
  VerifiedRanges v;
  EXPECT_EQ(v.EndOfRangeAt(0), 0u);
  EXPECT_EQ(v.EndOfRangeAt(100), 100u);
}

TEST(VerifiedRangesTest, RangeIsHalfOpen) {
  VerifiedRanges v;
  v.Add(100, 200);
  EXPECT_EQ(v.EndOfRangeAt(99), 99u);
  EXPECT_EQ(v.EndOfRangeAt(100), 200u);
  EXPECT_EQ(v.EndOfRangeAt(199), 200u);
  EXPECT_EQ(v.EndOfRangeAt(200), 200u);  // the end itself is not verified
}

TEST(VerifiedRangesTest, AdjacentAndOverlappingRangesMerge) {
  VerifiedRanges v;
  v.Add(0, 100);
  v.Add(200, 300);
  EXPECT_EQ(v.range_count(), 2u);
  EXPECT_EQ(v.EndOfRangeAt(50), 100u);
  v.Add(100, 200);  // touches both
  EXPECT_EQ(v.range_count(), 1u);
  EXPECT_EQ(v.EndOfRangeAt(0), 300u);
  v.Add(250, 400);  // overlaps the end
  EXPECT_EQ(v.EndOfRangeAt(10), 400u);
  v.Add(500, 600);
  v.Add(450, 550);
  EXPECT_EQ(v.range_count(), 2u);
  EXPECT_EQ(v.EndOfRangeAt(450), 600u);
  EXPECT_EQ(v.EndOfRangeAt(420), 420u);
}

TEST(VerifiedRangesTest, EmptyAddIsIgnored) {
  VerifiedRanges v;
  v.Add(10, 10);
  v.Add(20, 5);
  EXPECT_EQ(v.range_count(), 0u);
}

TEST(VerifiedRangesTest, BoundedBySmallestRangesBeingForgotten) {
  VerifiedRanges v;
  for (uint64_t i = 0; i < VerifiedRanges::kMaxRanges + 5; ++i) {
    v.Add(i * 1000, i * 1000 + 10 + i);  // later ranges are larger
  }
  EXPECT_EQ(v.range_count(), VerifiedRanges::kMaxRanges);
  EXPECT_EQ(v.EndOfRangeAt(0), 0u);  // the smallest went first
  const uint64_t last = VerifiedRanges::kMaxRanges + 4;
  EXPECT_EQ(v.EndOfRangeAt(last * 1000), last * 1000 + 10 + last);
}

TEST(VerifiedRangesTest, TruncateAtDropsEverythingPastIt) {
  VerifiedRanges v;
  v.Add(0, 100);
  v.Add(200, 300);
  v.TruncateAt(250);
  EXPECT_EQ(v.EndOfRangeAt(200), 250u);
  v.TruncateAt(50);
  EXPECT_EQ(v.range_count(), 1u);
  EXPECT_EQ(v.EndOfRangeAt(0), 50u);
  v.TruncateAt(0);
  EXPECT_EQ(v.range_count(), 0u);
}

}  // namespace
}  // namespace runnel::storage
