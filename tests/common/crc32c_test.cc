#include "common/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace runnel::crc32c {
namespace {

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Value("123456789"), 0xe3069283u);
  EXPECT_EQ(Value(""), 0u);
  std::string zeros(32, '\0');
  EXPECT_EQ(Value(zeros), 0x8a9136aau);  // RFC 3720 B.4
  std::string ones(32, '\xff');
  EXPECT_EQ(Value(ones), 0x62a8ab43u);
}

TEST(Crc32cTest, ExtendEqualsWholeValue) {
  std::string s = "The quick brown fox jumps over the lazy dog, twice over for length";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t a = Extend(Value(s.data(), cut), s.data() + cut, s.size() - cut);
    ASSERT_EQ(a, Value(s)) << "cut " << cut;
  }
}

TEST(Crc32cTest, MaskRoundTripsAndChangesValue) {
  for (uint32_t v : {0u, 1u, 0xe3069283u, 0xffffffffu}) {
    EXPECT_EQ(Unmask(Mask(v)), v);
    EXPECT_NE(Mask(v), v);
    EXPECT_NE(Mask(Mask(v)), v);
  }
}

}  // namespace
}  // namespace runnel::crc32c
