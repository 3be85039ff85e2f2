#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <cstring>

namespace runnel {
namespace {

TEST(JsonWriterTest, CommasAreAutomatic) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject()
      .Member("a", int64_t{1})
      .Member("b", "x")
      .Key("c").BeginArray().Int(1).Bool(true).Null().BeginObject().EndObject().EndArray()
      .Key("d").BeginObject().Member("e", int64_t{-2}).EndObject()
      .EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":"x","c":[1,true,null,{}],"d":{"e":-2}})");
}

TEST(JsonWriterTest, EmptyContainers) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("l").BeginArray().EndArray().EndObject();
  EXPECT_EQ(out, R"({"l":[]})");
}

TEST(JsonWriterTest, EscapesPerRfc8259) {
  std::string out;
  JsonWriter w(out);
  w.String("q\" b\\ \b\f\n\r\t \x01\x1f\x7f \xC3\xA9 /");
  EXPECT_EQ(out, "\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f\x7f \xC3\xA9 /\"");
}

TEST(JsonWriterTest, EscapesNulAndKeys) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key(std::string_view("k\0\"", 3)).String(std::string_view("\0", 1)).EndObject();
  EXPECT_EQ(out, "{\"k\\u0000\\\"\":\"\\u0000\"}");
}

// The word-at-a-time scan must find every byte that needs escaping at every position of
// strings longer and shorter than a word, and leave every other byte alone.
TEST(JsonWriterTest, EveryByteAtEveryPositionMatchesTheByteByByteEscape) {
  auto reference = [](std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\b') out += "\\b";
      else if (c == '\f') out += "\\f";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c < 0x20) {
        char u[8];
        std::snprintf(u, sizeof(u), "\\u%04x", c);
        out += u;
      } else out.push_back(static_cast<char>(c));
    }
    return out + "\"";
  };
  for (size_t len : {1u, 7u, 8u, 9u, 16u, 17u, 23u}) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (int c = 0; c < 256; ++c) {
        std::string s(len, 'a');
        s[pos] = static_cast<char>(c);
        if (pos + 1 < len) s[len - 1] = '\xe9';  // a UTF-8-ish high byte elsewhere
        std::string out;
        JsonWriter(out).String(s);
        ASSERT_EQ(out, reference(s)) << "len " << len << " pos " << pos << " byte " << c;
      }
    }
  }
}

TEST(JsonWriterTest, TimestampHasThreeDecimals) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray()
      .TimestampMs(1700000000123)
      .TimestampMs(1700000000000)
      .TimestampMs(0)
      .TimestampMs(5)
      .TimestampMs(-1)
      .TimestampMs(-1500)
      .EndArray();
  EXPECT_EQ(out, "[1700000000.123,1700000000.000,0.000,0.005,-0.001,-1.500]");
}

TEST(JsonWriterTest, Int64Extremes) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray().Int(INT64_MIN).Int(INT64_MAX).EndArray();
  EXPECT_EQ(out, "[-9223372036854775808,9223372036854775807]");
}

TEST(JsonWriterTest, Base64WritesQuotedEncoding) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("Data").Base64("hello").Key("E").Base64("").EndObject();
  EXPECT_EQ(out, R"({"Data":"aGVsbG8=","E":""})");
}

TEST(JsonWriterTest, AppendsToExistingOutput) {
  std::string out = "prefix:";
  JsonWriter w(out);
  w.BeginArray().String("a").EndArray();
  EXPECT_EQ(out, R"(prefix:["a"])");
}

TEST(JsonWriterTest, RawValueTakesCommasLikeAnyValue) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  std::memcpy(w.RawValue(3), "1.5", 3);
  std::memcpy(w.RawValue(2), "{}", 2);
  w.Int(7);
  w.EndArray();
  EXPECT_EQ(out, "[1.5,{},7]");
}

}  // namespace
}  // namespace runnel
