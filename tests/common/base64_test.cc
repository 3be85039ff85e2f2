#include "common/base64.h"

#include <cstring>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace runnel::base64 {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Encode(std::string_view in) {
  std::string out;
  EncodeAppend(in, out);
  return out;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Every test runs twice: with run-time dispatch (AVX2 where the CPU has it) and forced scalar.
class Base64Test : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { ForceScalarForTesting(GetParam()); }
  void TearDown() override { ForceScalarForTesting(false); }
};

INSTANTIATE_TEST_SUITE_P(Dispatch, Base64Test, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Scalar" : "Dispatched"; });

TEST_P(Base64Test, Rfc4648Vectors) {
  EXPECT_EQ(Encode(""), "");
  EXPECT_EQ(Encode("f"), "Zg==");
  EXPECT_EQ(Encode("fo"), "Zm8=");
  EXPECT_EQ(Encode("foo"), "Zm9v");
  EXPECT_EQ(Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Encode("foobar"), "Zm9vYmFy");
}

TEST_P(Base64Test, RoundTripsEveryLengthAndByte) {
  std::string in;
  for (int n = 0; n <= 300; ++n) {
    std::string enc = Encode(in);
    EXPECT_EQ(enc.size(), EncodedSize(in.size()));
    std::string dec = "prefix";
    auto st = DecodeAppend(enc, dec);
    ASSERT_EQ(st.error, DecodeError::kNone) << "length " << n;
    ASSERT_EQ(dec, "prefix" + in) << "length " << n;
    in.push_back(static_cast<char>(n * 37 + 11));
  }
}

TEST_P(Base64Test, RoundTripsRandomData) {
  for (size_t n : {0, 1, 2, 3, 23, 24, 25, 31, 32, 33, 47, 48, 49, 95, 96, 97, 1024, 1025, 1026,
                   65536, 1 << 20}) {
    std::string in = RandomBytes(n, static_cast<uint32_t>(n));
    std::string enc = Encode(in);
    for (char c : enc) ASSERT_NE(kAlphabet.find(c) == std::string_view::npos && c != '=', true);
    std::string dec;
    ASSERT_EQ(DecodeAppend(enc, dec).error, DecodeError::kNone) << n;
    ASSERT_EQ(dec, in) << n;
  }
}

TEST_P(Base64Test, EncodeToWritesExactSize) {
  for (size_t n = 0; n <= 100; ++n) {
    std::string in = RandomBytes(n, 7);
    std::string buf(EncodedSize(n) + 8, '#');
    EncodeTo(in, buf.data());
    EXPECT_EQ(buf.substr(EncodedSize(n)), "########") << n;
  }
  char buf[16];
  std::memset(buf, '#', sizeof(buf));
  EncodeTo("fooba", buf);
  EXPECT_EQ(std::string(buf, 8), "Zm9vYmE=");
  EXPECT_EQ(buf[8], '#');
}

TEST_P(Base64Test, DecodeToWritesWithinMaxDecodedSize) {
  for (size_t n = 0; n <= 200; ++n) {
    std::string in = RandomBytes(n, 9);
    std::string enc = Encode(in);
    size_t room = MaxDecodedSize(enc.size());
    std::string buf(room + 8, '#');
    DecodeResult r = DecodeTo(enc, buf.data());
    ASSERT_EQ(r.error, DecodeError::kNone) << n;
    ASSERT_EQ(r.size, n);
    EXPECT_EQ(buf.substr(0, n), in) << n;
    EXPECT_EQ(buf.substr(room), "########") << n;
  }
}

TEST_P(Base64Test, BadLengthIsRejected) {
  for (std::string_view bad : {"Z", "Zg", "Zg=", "Zm9vY", "Zm9vYmF", "=", "==="}) {
    std::string out = "keep";
    auto st = DecodeAppend(bad, out);
    EXPECT_EQ(st.error, DecodeError::kBadLength) << bad;
    EXPECT_EQ(out, "keep") << bad;
    char buf[8];
    EXPECT_EQ(DecodeTo(bad, buf).error, DecodeError::kBadLength) << bad;
  }
}

TEST_P(Base64Test, BadCharIsRejectedAndReported) {
  struct Case {
    std::string_view in;
    char bad;
  };
  for (const auto& c : {Case{"Zm9v!mFy", '!'}, Case{"Zm9-", '-'}, Case{"Zm_v", '_'},
                        Case{"Zm9 ", ' '}, Case{"Z===", '='}, Case{"Zg=a", '='},
                        Case{"====", '='}, Case{"Zg==Zg==", '='}, Case{"=Zg=", '='},
                        Case{"Zm9v====", '='}, Case{"Zm=v", '='}, Case{"Z=9v", '='},
                        Case{"Zm9\n", '\n'}, Case{"Zm9\xff", '\xff'}, Case{std::string_view("Zm\0v", 4), '\0'}}) {
    std::string out = "keep";
    auto st = DecodeAppend(c.in, out);
    EXPECT_EQ(st.error, DecodeError::kBadChar) << c.in;
    EXPECT_EQ(st.bad_char, c.bad) << c.in;
    EXPECT_EQ(out, "keep") << c.in;
  }
}

TEST_P(Base64Test, PaddingEdgeCases) {
  std::string out;
  EXPECT_EQ(DecodeAppend("", out).error, DecodeError::kNone);
  EXPECT_EQ(out, "");
  EXPECT_EQ(DecodeAppend("Zg==", out).error, DecodeError::kNone);
  EXPECT_EQ(out, "f");
  out.clear();
  EXPECT_EQ(DecodeAppend("Zm8=", out).error, DecodeError::kNone);
  EXPECT_EQ(out, "fo");
  // Non-zero trailing bits are accepted (the API layer checks canonical form itself).
  out.clear();
  EXPECT_EQ(DecodeAppend("Zh==", out).error, DecodeError::kNone);
  EXPECT_EQ(out, "f");
  out.clear();
  EXPECT_EQ(DecodeAppend("Zm9=", out).error, DecodeError::kNone);
  EXPECT_EQ(out, "fo");
  // Padding after a long SIMD-sized body.
  std::string body(96, 'A');
  for (std::string tail : {"QQ==", "QUE=", "QUFB"}) {
    out.clear();
    ASSERT_EQ(DecodeAppend(body + tail, out).error, DecodeError::kNone) << tail;
    EXPECT_EQ(out.size(), 72 + 3 - std::count(tail.begin(), tail.end(), '='));
  }
  // '=' anywhere but the last two positions is a bad char, also deep inside long input.
  std::string mid = body + "QUFB";
  mid[50] = '=';
  auto st = DecodeAppend(mid, out);
  EXPECT_EQ(st.error, DecodeError::kBadChar);
  EXPECT_EQ(st.bad_char, '=');
}

// Every byte outside the alphabet, at every position of inputs long enough to cover the
// SIMD blocks, the scalar tail and the final quantum; the first bad char is the one reported.
TEST_P(Base64Test, EveryInvalidCharAtEveryPosition) {
  for (size_t raw_len : {3, 12, 24, 33, 48, 72, 99}) {
    std::string valid = Encode(RandomBytes(raw_len, static_cast<uint32_t>(raw_len)));
    ASSERT_EQ(valid.find('='), std::string::npos);
    for (int c = 0; c < 256; ++c) {
      char ch = static_cast<char>(c);
      if (kAlphabet.find(ch) != std::string_view::npos) continue;
      for (size_t pos = 0; pos < valid.size(); ++pos) {
        // '=' in the last two positions is padding, not an error.
        if (ch == '=' && pos + 2 >= valid.size()) continue;
        std::string bad = valid;
        bad[pos] = ch;
        std::string out = "keep";
        auto st = DecodeAppend(bad, out);
        ASSERT_EQ(st.error, DecodeError::kBadChar) << raw_len << " " << c << " " << pos;
        ASSERT_EQ(st.bad_char, ch) << raw_len << " " << c << " " << pos;
        ASSERT_EQ(out, "keep");
        // A second bad char further on does not change which one is reported.
        if (pos + 40 < valid.size()) {
          bad[pos + 40] = '!';
          st = DecodeAppend(bad, out);
          ASSERT_EQ(st.bad_char, ch) << raw_len << " " << c << " " << pos;
        }
      }
    }
  }
}

TEST_P(Base64Test, AllInAlphabetChecksEveryChar) {
  EXPECT_TRUE(AllInAlphabet(""));
  EXPECT_TRUE(AllInAlphabet(kAlphabet));
  for (size_t len : {1, 31, 32, 33, 64, 100}) {
    std::string valid;
    for (size_t i = 0; i < len; ++i) valid.push_back(kAlphabet[(i * 7) % 64]);
    ASSERT_TRUE(AllInAlphabet(valid)) << len;
    for (int c = 0; c < 256; ++c) {
      char ch = static_cast<char>(c);
      bool ok = kAlphabet.find(ch) != std::string_view::npos;
      for (size_t pos = 0; pos < len; ++pos) {
        std::string s = valid;
        s[pos] = ch;
        ASSERT_EQ(AllInAlphabet(s), ok) << len << " " << c << " " << pos;
      }
    }
  }
}

// The SIMD and scalar paths agree byte for byte, including on errors.
TEST(Base64DispatchTest, SimdAgreesWithScalar) {
  if (!UsingSimd()) GTEST_SKIP() << "CPU has no AVX2; only the scalar path exists here";
  std::mt19937 rng(42);
  for (int iter = 0; iter < 2000; ++iter) {
    size_t n = rng() % 700;
    std::string in = RandomBytes(n, rng());
    ForceScalarForTesting(true);
    std::string scalar_enc = Encode(in);
    ForceScalarForTesting(false);
    std::string simd_enc = Encode(in);
    ASSERT_EQ(simd_enc, scalar_enc) << n;
    // Corrupt some inputs with a random byte at a random place.
    std::string enc = simd_enc;
    if (!enc.empty() && iter % 2 == 1) enc[rng() % enc.size()] = static_cast<char>(rng());
    std::string simd_out, scalar_out;
    DecodeStatus simd_st = DecodeAppend(enc, simd_out);
    ForceScalarForTesting(true);
    DecodeStatus scalar_st = DecodeAppend(enc, scalar_out);
    ForceScalarForTesting(false);
    ASSERT_EQ(simd_st.error, scalar_st.error) << enc;
    ASSERT_EQ(simd_st.bad_char, scalar_st.bad_char) << enc;
    ASSERT_EQ(simd_out, scalar_out) << enc;
  }
}

TEST(Base64DispatchTest, ForceScalarTurnsSimdOff) {
  ForceScalarForTesting(true);
  EXPECT_FALSE(UsingSimd());
  ForceScalarForTesting(false);
  EXPECT_EQ(UsingSimd(), __builtin_cpu_supports("avx2") != 0);
}

}  // namespace
}  // namespace runnel::base64
