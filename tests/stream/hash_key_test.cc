#include "stream/hash_key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <random>

#include <string>
#include <utility>
#include <vector>

namespace runnel::stream {
namespace {

constexpr const char* kMaxDecimal = "340282366920938463463374607431768211455";  // 2^128 - 1

using Bounds = std::vector<std::pair<std::string, std::string>>;

Bounds DecimalBounds(const std::vector<HashKeyRange>& ranges) {
  Bounds out;
  for (const auto& r : ranges) out.emplace_back(ToDecimal(r.start), ToDecimal(r.end));
  return out;
}

TEST(HashKeyTest, ToDecimalSmallAndLarge) {
  EXPECT_EQ(ToDecimal(0), "0");
  EXPECT_EQ(ToDecimal(7), "7");
  EXPECT_EQ(ToDecimal(10), "10");
  EXPECT_EQ(ToDecimal(10000000000000000000ull), "10000000000000000000");
  EXPECT_EQ(ToDecimal(HashKey{1} << 64), "18446744073709551616");
  EXPECT_EQ(ToDecimal(HashKey{1} << 127), "170141183460469231731687303715884105728");
  EXPECT_EQ(ToDecimal(kMaxHashKey), kMaxDecimal);
}

TEST(HashKeyTest, ParseAcceptsValidValues) {
  EXPECT_EQ(ParseHashKey("0"), HashKey{0});
  EXPECT_EQ(ParseHashKey("42"), HashKey{42});
  EXPECT_EQ(ParseHashKey("18446744073709551616"), HashKey{1} << 64);
  EXPECT_EQ(ParseHashKey(kMaxDecimal), kMaxHashKey);
  // Leading zeros are not ParseHashKey's business (the API pattern is checked elsewhere).
  EXPECT_EQ(ParseHashKey("000"), HashKey{0});
  EXPECT_EQ(ParseHashKey(std::string(200, '0') + "5"), HashKey{5});
  EXPECT_EQ(ParseHashKey(std::string(100, '0') + kMaxDecimal), kMaxHashKey);
}

TEST(HashKeyTest, ParseRejectsInvalid) {
  EXPECT_EQ(ParseHashKey(""), std::nullopt);
  EXPECT_EQ(ParseHashKey("-1"), std::nullopt);
  EXPECT_EQ(ParseHashKey("+1"), std::nullopt);
  EXPECT_EQ(ParseHashKey(" 1"), std::nullopt);
  EXPECT_EQ(ParseHashKey("1 "), std::nullopt);
  EXPECT_EQ(ParseHashKey("12a"), std::nullopt);
  EXPECT_EQ(ParseHashKey("0x10"), std::nullopt);
  EXPECT_EQ(ParseHashKey("1.0"), std::nullopt);
  EXPECT_EQ(ParseHashKey(std::string_view("1\0", 2)), std::nullopt);
}

TEST(HashKeyTest, ParseRejectsOverflow) {
  EXPECT_EQ(ParseHashKey("340282366920938463463374607431768211456"), std::nullopt);  // 2^128
  EXPECT_EQ(ParseHashKey("340282366920938463463374607431768211460"), std::nullopt);
  EXPECT_EQ(ParseHashKey("340282366920938463463374607431768211500"), std::nullopt);
  EXPECT_EQ(ParseHashKey("999999999999999999999999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseHashKey("3402823669209384634633746074317682114550"), std::nullopt);
  EXPECT_EQ(ParseHashKey(std::string(40, '9')), std::nullopt);
  EXPECT_EQ(ParseHashKey("1" + std::string(10000, '0')), std::nullopt);
  EXPECT_EQ(ParseHashKey(std::string(100000, '9')), std::nullopt);
}

TEST(HashKeyTest, ParseToDecimalRoundTrip) {
  HashKey k = 1;
  for (int i = 0; i < 200; ++i) {
    k = k * 6364136223846793005ull + 1442695040888963407ull;  // LCG over 128 bits
    std::string s = ToDecimal(k);
    ASSERT_EQ(ParseHashKey(s), k) << s;
  }
  for (int bit = 0; bit < 128; ++bit) {
    HashKey p = HashKey{1} << bit;
    ASSERT_EQ(ParseHashKey(ToDecimal(p)), p);
    ASSERT_EQ(ParseHashKey(ToDecimal(p - 1)), p - 1);
  }
}

TEST(HashKeyTest, Md5RoutingExamples) {
  EXPECT_EQ(ToDecimal(HashOfPartitionKey("a")), "16955237001963240173058271559858726497");
  EXPECT_EQ(ToDecimal(HashOfPartitionKey("b")), "195289424170611159128911017612795795343");
  // md5("") = d41d8cd98f00b204e9800998ecf8427e
  EXPECT_EQ(ToDecimal(HashOfPartitionKey("")), "281949768489412648962353822266799178366");

  auto ranges = SplitEvenly(3);
  EXPECT_TRUE(ranges[0].Contains(HashOfPartitionKey("a")));
  EXPECT_TRUE(ranges[1].Contains(HashOfPartitionKey("b")));
}

// The hand-written MD5 against OpenSSL's, for every length around the block and padding
// boundaries (55/56/64 bytes and multiples), long keys, and all byte values.
HashKey OpenSslMd5(std::string_view s) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(s.data(), s.size(), digest, &len, EVP_md5(), nullptr), 1);
  EXPECT_EQ(len, 16u);
  HashKey k = 0;
  for (int i = 0; i < 16; ++i) k = (k << 8) | digest[i];
  return k;
}

TEST(HashKeyTest, Md5MatchesOpenSsl) {
  std::mt19937_64 rng(42);
  for (size_t n = 0; n <= 1100; ++n) {
    for (int round = 0; round < 3; ++round) {
      std::string key(n, '\0');
      for (char& c : key) c = static_cast<char>(rng());
      ASSERT_EQ(ToDecimal(HashOfPartitionKey(key)), ToDecimal(OpenSslMd5(key))) << "length " << n;
    }
  }
  // RFC 1321 test suite.
  EXPECT_EQ(HashOfPartitionKey("abc"), OpenSslMd5("abc"));
  EXPECT_EQ(ToDecimal(HashOfPartitionKey("message digest")),
            ToDecimal((HashKey{0xf96b697d7cb7938dull} << 64) | 0x525a2f31aaf161d0ull));
  EXPECT_EQ(ToDecimal(HashOfPartitionKey(
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890")),
            ToDecimal((HashKey{0x57edf4a22be3c955ull} << 64) | 0xac49da2e2107b67aull));
}

TEST(HashKeyTest, SplitOne) {
  EXPECT_EQ(DecimalBounds(SplitEvenly(1)), (Bounds{{"0", kMaxDecimal}}));
}

TEST(HashKeyTest, SplitTwoAtTwoToThe127) {
  EXPECT_EQ(DecimalBounds(SplitEvenly(2)),
            (Bounds{{"0", "170141183460469231731687303715884105727"},
                    {"170141183460469231731687303715884105728", kMaxDecimal}}));
}

TEST(HashKeyTest, SplitThreeMatchesAws) {
  EXPECT_EQ(DecimalBounds(SplitEvenly(3)),
            (Bounds{{"0", "113427455640312821154458202477256070484"},
                    {"113427455640312821154458202477256070485",
                     "226854911280625642308916404954512140969"},
                    {"226854911280625642308916404954512140970", kMaxDecimal}}));
}

TEST(HashKeyTest, SplitFour) {
  EXPECT_EQ(DecimalBounds(SplitEvenly(4)),
            (Bounds{{"0", "85070591730234615865843651857942052863"},
                    {"85070591730234615865843651857942052864",
                     "170141183460469231731687303715884105727"},
                    {"170141183460469231731687303715884105728",
                     "255211775190703847597530955573826158591"},
                    {"255211775190703847597530955573826158592", kMaxDecimal}}));
}

TEST(HashKeyTest, SplitSeven) {
  // step = floor(2^128 / 7) = 48611766702991209066196372490252601636
  EXPECT_EQ(DecimalBounds(SplitEvenly(7)),
            (Bounds{{"0", "48611766702991209066196372490252601635"},
                    {"48611766702991209066196372490252601636",
                     "97223533405982418132392744980505203271"},
                    {"97223533405982418132392744980505203272",
                     "145835300108973627198589117470757804907"},
                    {"145835300108973627198589117470757804908",
                     "194447066811964836264785489961010406543"},
                    {"194447066811964836264785489961010406544",
                     "243058833514956045330981862451263008179"},
                    {"243058833514956045330981862451263008180",
                     "291670600217947254397178234941515609815"},
                    {"291670600217947254397178234941515609816", kMaxDecimal}}));
}

TEST(HashKeyTest, SplitIsContiguousAndCovering) {
  for (uint32_t n : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 10u, 16u, 31u, 64u, 100u, 127u, 1000u, 4096u,
                     9999u, 10000u}) {
    SCOPED_TRACE(n);
    auto ranges = SplitEvenly(n);
    ASSERT_EQ(ranges.size(), n);
    EXPECT_EQ(ranges.front().start, HashKey{0});
    EXPECT_EQ(ranges.back().end, kMaxHashKey);
    const HashKey step = n == 1 ? 0 : ranges[1].start;
    for (uint32_t i = 0; i < n; ++i) {
      ASSERT_LE(ranges[i].start, ranges[i].end);
      if (i + 1 < n) {
        ASSERT_EQ(ranges[i].end + 1, ranges[i + 1].start);
        ASSERT_EQ(ranges[i].end - ranges[i].start + 1, step);  // all but the last are equal
      }
    }
    if (n > 1) {
      // step = floor(2^128 / n): n * step <= 2^128 < n * (step + 1), i.e. the last shard is
      // at least as wide as the others and less than n keys wider.
      HashKey last_width_minus_1 = ranges.back().end - ranges.back().start;
      EXPECT_GE(last_width_minus_1, step - 1);
      EXPECT_LT(last_width_minus_1 - (step - 1), HashKey{n});
    }
  }
}

TEST(HashKeyTest, ContainsIsInclusive) {
  HashKeyRange r{10, 20};
  EXPECT_FALSE(r.Contains(9));
  EXPECT_TRUE(r.Contains(10));
  EXPECT_TRUE(r.Contains(20));
  EXPECT_FALSE(r.Contains(21));
}

}  // namespace
}  // namespace runnel::stream
