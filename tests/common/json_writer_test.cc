#include "common/json_writer.h"

#include <gtest/gtest.h>

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
