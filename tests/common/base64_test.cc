#include "common/base64.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace runnel::base64 {
namespace {

std::string Encode(std::string_view in) {
  std::string out;
  EncodeAppend(in, out);
  return out;
}

TEST(Base64Test, Rfc4648Vectors) {
  EXPECT_EQ(Encode(""), "");
  EXPECT_EQ(Encode("f"), "Zg==");
  EXPECT_EQ(Encode("fo"), "Zm8=");
  EXPECT_EQ(Encode("foo"), "Zm9v");
  EXPECT_EQ(Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, RoundTripsEveryLengthAndByte) {
  std::string in;
  for (int n = 0; n < 300; ++n) {
    std::string enc = Encode(in);
    EXPECT_EQ(enc.size(), EncodedSize(in.size()));
    std::string dec = "prefix";
    auto st = DecodeAppend(enc, dec);
    ASSERT_EQ(st.error, DecodeError::kNone) << "length " << n;
    ASSERT_EQ(dec, "prefix" + in) << "length " << n;
    in.push_back(static_cast<char>(n * 37 + 11));
  }
}

TEST(Base64Test, EncodeToWritesExactSize) {
  char buf[16];
  std::memset(buf, '#', sizeof(buf));
  EncodeTo("fooba", buf);
  EXPECT_EQ(std::string(buf, 8), "Zm9vYmE=");
  EXPECT_EQ(buf[8], '#');
}

TEST(Base64Test, BadLengthIsRejected) {
  for (std::string_view bad : {"Z", "Zg", "Zg=", "Zm9vY"}) {
    std::string out = "keep";
    auto st = DecodeAppend(bad, out);
    EXPECT_EQ(st.error, DecodeError::kBadLength) << bad;
    EXPECT_EQ(out, "keep") << bad;
  }
}

TEST(Base64Test, BadCharIsRejectedAndReported) {
  struct Case {
    std::string_view in;
    char bad;
  };
  for (const auto& c : {Case{"Zm9v!mFy", '!'}, Case{"Zm9-", '-'}, Case{"Zm_v", '_'},
                        Case{"Zm9 ", ' '}, Case{"Z===", '='}, Case{"Zg=a", '='},
                        Case{"====", '='}, Case{"Zg==Zg==", '='}}) {
    std::string out = "keep";
    auto st = DecodeAppend(c.in, out);
    EXPECT_EQ(st.error, DecodeError::kBadChar) << c.in;
    EXPECT_EQ(st.bad_char, c.bad) << c.in;
    EXPECT_EQ(out, "keep") << c.in;
  }
}

}  // namespace
}  // namespace runnel::base64
