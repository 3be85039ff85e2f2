// The CBOR codec and the CBOR <-> JSON transcoding of the Kinesis CBOR protocol
// (kinesis-wire.md §4): every major type, definite and indefinite lengths, tag 1 milliseconds,
// the reference's byte vectors, and malformed input.
#include "api/cbor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "api/cbor_transcode.h"

namespace runnel::api {
namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string digits;
  for (char c : hex) {
    if (c != ' ') digits.push_back(c);
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(digits[i]) << 4 | nibble(digits[i + 1])));
  }
  return out;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

std::string Json(std::string_view cbor_hex) {
  std::string json, error;
  EXPECT_TRUE(CborToJson(Hex(cbor_hex), json, &error)) << cbor_hex << ": " << error;
  return json;
}

bool Rejected(std::string_view cbor_bytes) {
  std::string json;
  return !CborToJson(cbor_bytes, json);
}

std::string Cbor(std::string_view json) {
  std::string out;
  EXPECT_TRUE(JsonToCbor(json, out)) << json;
  return ToHex(out);
}

// ---- Writer -------------------------------------------------------------------------------

TEST(CborWriterTest, IntegersUseTheShortestHead) {
  std::string out;
  cbor::Writer w(out);
  w.Int(0);
  w.Int(23);
  w.Int(24);
  w.Int(255);
  w.Int(256);
  w.Int(65536);
  w.Int(4294967296);
  w.Int(-1);
  w.Int(-25);
  w.Int(INT64_MIN);
  EXPECT_EQ(ToHex(out),
            "00"
            "17"
            "1818"
            "18ff"
            "190100"
            "1a00010000"
            "1b0000000100000000"
            "20"
            "3818"
            "3b7fffffffffffffff");
}

TEST(CborWriterTest, StringsContainersSimpleAndFloat) {
  std::string out;
  cbor::Writer w(out);
  w.Bytes("hi");
  w.Text("a");
  w.BeginArray(2);
  w.BeginMap(1);
  w.Bool(true);
  w.Bool(false);
  w.Null();
  w.Double(1.5);
  w.TimestampMs(1700000000123);
  EXPECT_EQ(ToHex(out), "426869" "6161" "82" "a1" "f5" "f4" "f6" "fb3ff8000000000000"
                        "c11b0000018bcfe5687b");
}

// ---- CBOR -> JSON: every major type ---------------------------------------------------------

TEST(CborToJsonTest, UnsignedAllWidths) {
  EXPECT_EQ(Json("00"), "0");
  EXPECT_EQ(Json("17"), "23");
  EXPECT_EQ(Json("1818"), "24");
  EXPECT_EQ(Json("1903e8"), "1000");
  EXPECT_EQ(Json("1a000f4240"), "1000000");
  EXPECT_EQ(Json("1b000000e8d4a51000"), "1000000000000");
  EXPECT_EQ(Json("1bffffffffffffffff"), "18446744073709551615");
  // Non-shortest encodings are valid CBOR too.
  EXPECT_EQ(Json("1b0000000000000001"), "1");
}

TEST(CborToJsonTest, NegativeAllWidths) {
  EXPECT_EQ(Json("20"), "-1");
  EXPECT_EQ(Json("3863"), "-100");
  EXPECT_EQ(Json("3903e7"), "-1000");
  EXPECT_EQ(Json("3bffffffffffffffff"), "-18446744073709551616");
}

TEST(CborToJsonTest, ByteStringsBecomeBase64) {
  EXPECT_EQ(Json("40"), "\"\"");
  EXPECT_EQ(Json("4568656c6c6f"), "\"aGVsbG8=\"");
  EXPECT_EQ(Json("4300ff80"), "\"AP+A\"");
  // Indefinite: chunks concatenated, including an empty chunk.
  EXPECT_EQ(Json("5f 4268 65 40 43 6c6c6f ff"), "\"aGVsbG8=\"");
}

TEST(CborToJsonTest, TextStringsAreEscaped) {
  EXPECT_EQ(Json("60"), "\"\"");
  EXPECT_EQ(Json("6161"), "\"a\"");
  EXPECT_EQ(Json("64 22 5c 0a 01"), "\"\\\"\\\\\\u000a\\u0001\"");
  EXPECT_EQ(Json("63 e282ac"), "\"\xe2\x82\xac\"");  // UTF-8 passes through
  EXPECT_EQ(Json("7f 6273 31 60 6132 ff"), "\"s12\"");
}

TEST(CborToJsonTest, ArraysDefiniteAndIndefinite) {
  EXPECT_EQ(Json("80"), "[]");
  EXPECT_EQ(Json("83 01 02 03"), "[1,2,3]");
  EXPECT_EQ(Json("9f ff"), "[]");
  EXPECT_EQ(Json("9f 01 82 02 03 9f 04 ff ff"), "[1,[2,3],[4]]");
  EXPECT_EQ(Json("98 02 01 02"), "[1,2]");  // 1-byte count
}

TEST(CborToJsonTest, MapsDefiniteAndIndefinite) {
  EXPECT_EQ(Json("a0"), "{}");
  EXPECT_EQ(Json("a2 6161 01 6162 82 02 03"), "{\"a\":1,\"b\":[2,3]}");
  EXPECT_EQ(Json("bf ff"), "{}");
  EXPECT_EQ(Json("bf 6161 01 7f 61 62 ff bf 6163 f5 ff ff"), "{\"a\":1,\"b\":{\"c\":true}}");
}

TEST(CborToJsonTest, SimpleValuesAndFloats) {
  EXPECT_EQ(Json("f4"), "false");
  EXPECT_EQ(Json("f5"), "true");
  EXPECT_EQ(Json("f6"), "null");
  EXPECT_EQ(Json("f7"), "null");  // undefined
  EXPECT_EQ(Json("f93e00"), "1.5");         // half
  EXPECT_EQ(Json("f90001"), "5.960464477539063e-08");  // half subnormal
  EXPECT_EQ(Json("fa47c35000"), "100000");  // single
  EXPECT_EQ(Json("fb3ff199999999999a"), "1.1");
  EXPECT_EQ(Json("fbc010666666666666"), "-4.1");
}

TEST(CborToJsonTest, HalfPrecisionDecoding) {
  EXPECT_EQ(cbor::HalfToDouble(0x0000), 0.0);
  EXPECT_EQ(cbor::HalfToDouble(0x3c00), 1.0);
  EXPECT_EQ(cbor::HalfToDouble(0xc400), -4.0);
  EXPECT_EQ(cbor::HalfToDouble(0x7bff), 65504.0);
  EXPECT_EQ(cbor::HalfToDouble(0x0001), 5.960464477539063e-08);
  EXPECT_TRUE(std::isinf(cbor::HalfToDouble(0x7c00)));
  EXPECT_TRUE(std::isnan(cbor::HalfToDouble(0x7e00)));
}

TEST(CborToJsonTest, Tag1IsEpochMilliseconds) {
  EXPECT_EQ(Json("c1 1b 0000018bcfe5687b"), "1700000000.123");
  EXPECT_EQ(Json("c1 00"), "0.000");
  EXPECT_EQ(Json("c1 1903e8"), "1.000");
  EXPECT_EQ(Json("c1 20"), "-0.001");
  EXPECT_EQ(Json("c1 fb 4278bcfe5687b000"), "1700000000.123");  // float ms
  EXPECT_EQ(Json("a1 6154 c1 1a 05f5e100"), "{\"T\":100000.000}");
}

TEST(CborToJsonTest, OtherTagsAreTransparent) {
  EXPECT_EQ(Json("d9d9f7 a0"), "{}");             // 55799 self-described CBOR
  EXPECT_EQ(Json("c0 6161"), "\"a\"");            // tag 0 (date string): kept as text
  EXPECT_EQ(Json("c2 4101"), "\"AQ==\"");         // bignum content is just bytes
}

// ---- CBOR -> JSON: the reference vectors (kinesis-wire.md §4) ------------------------------

TEST(CborToJsonTest, ReferencePutRecordVector) {
  EXPECT_EQ(Json("bf 6a 53747265616d4e616d65 62 7331 64 44617461 45 68656c6c6f "
                 "6c 506172746974696f6e4b6579 62 706b ff"),
            R"({"StreamName":"s1","Data":"aGVsbG8=","PartitionKey":"pk"})");
}

TEST(CborToJsonTest, ReferenceTimestampVector) {
  EXPECT_EQ(Json("bf 69 54696d657374616d70 c1 1b 0000018bcfe5687b ff"),
            R"({"Timestamp":1700000000.123})");
}

// ---- CBOR -> JSON: malformed input ----------------------------------------------------------

TEST(CborToJsonTest, RejectsTruncatedInput) {
  const std::string full = Hex(
      "bf 6a 53747265616d4e616d65 62 7331 64 44617461 45 68656c6c6f "
      "6c 506172746974696f6e4b6579 62 706b ff");
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_TRUE(Rejected(full.substr(0, n))) << "prefix of " << n << " bytes accepted";
  }
  EXPECT_TRUE(Rejected(Hex("19 01")));         // 2-byte argument cut short
  EXPECT_TRUE(Rejected(Hex("1b 00000000")));   // 8-byte argument cut short
  EXPECT_TRUE(Rejected(Hex("45 6869")));       // string longer than the input
  EXPECT_TRUE(Rejected(Hex("83 01 02")));      // array missing an element
  EXPECT_TRUE(Rejected(Hex("c1")));            // tag without content
}

TEST(CborToJsonTest, RejectsMalformedItems) {
  EXPECT_TRUE(Rejected(Hex("1c")));              // reserved additional info 28
  EXPECT_TRUE(Rejected(Hex("1f")));              // indefinite unsigned
  EXPECT_TRUE(Rejected(Hex("3f")));              // indefinite negative
  EXPECT_TRUE(Rejected(Hex("df")));              // indefinite tag
  EXPECT_TRUE(Rejected(Hex("ff")));              // stray break
  EXPECT_TRUE(Rejected(Hex("82 01 ff")));        // break inside a definite array
  EXPECT_TRUE(Rejected(Hex("a1 01 02")));        // integer map key
  EXPECT_TRUE(Rejected(Hex("a1 41 61 02")));     // byte-string map key
  EXPECT_TRUE(Rejected(Hex("bf 6161 ff")));      // key without a value
  EXPECT_TRUE(Rejected(Hex("5f 6161 ff")));      // text chunk in a byte string
  EXPECT_TRUE(Rejected(Hex("7f 7f ff ff")));     // nested indefinite chunk
  EXPECT_TRUE(Rejected(Hex("f0")));              // unassigned simple value
  EXPECT_TRUE(Rejected(Hex("f8 ff")));           // 1-byte simple value
  EXPECT_TRUE(Rejected(Hex("f9 7e00")));         // NaN
  EXPECT_TRUE(Rejected(Hex("fa 7f800000")));     // +infinity
  EXPECT_TRUE(Rejected(Hex("c1 6161")));         // tag 1 on text
  EXPECT_TRUE(Rejected(Hex("c1 1b ffffffffffffffff")));  // ms out of int64 range
  EXPECT_TRUE(Rejected(Hex("01 02")));           // trailing bytes
  EXPECT_TRUE(Rejected(Hex("a0 00")));
}

TEST(CborToJsonTest, RejectsLengthsLargerThanTheInput) {
  // Claimed counts/lengths are checked against the remaining input before anything is
  // allocated or looped over.
  EXPECT_TRUE(Rejected(Hex("9b ffffffffffffffff")));
  EXPECT_TRUE(Rejected(Hex("bb ffffffffffffffff")));
  EXPECT_TRUE(Rejected(Hex("5b ffffffffffffffff")));
  EXPECT_TRUE(Rejected(Hex("7b 7fffffffffffffff 61")));
  EXPECT_TRUE(Rejected(Hex("a2 6161 01")));
}

TEST(CborToJsonTest, RejectsDeepNesting) {
  std::string ok(kCborMaxDepth - 1, '\x81');
  ok.push_back('\x00');
  std::string json;
  EXPECT_TRUE(CborToJson(ok, json));

  for (char opener : {'\x81', '\x9f', '\xa1', '\xc6'}) {
    std::string deep(100000, opener);
    if (opener == '\xa1') {
      deep.clear();
      for (int i = 0; i < 100000; ++i) deep += Hex("a1 6161");
    }
    EXPECT_TRUE(Rejected(deep)) << static_cast<int>(static_cast<unsigned char>(opener));
  }
}

TEST(CborToJsonTest, NeverCrashesOnArbitraryBytes) {
  // A cheap deterministic fuzz: every 1- and 2-byte input, and pseudo-random longer ones.
  std::string json;
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      std::string in{static_cast<char>(a), static_cast<char>(b)};
      json.clear();
      CborToJson(in, json);
    }
  }
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 20000; ++i) {
    std::string in;
    size_t n = 1 + (x % 64);
    for (size_t j = 0; j < n; ++j) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      in.push_back(static_cast<char>(x));
    }
    json.clear();
    CborToJson(in, json);
  }
}

// ---- JSON -> CBOR (responses) ---------------------------------------------------------------

TEST(JsonToCborTest, ScalarsAndContainers) {
  EXPECT_EQ(Cbor(R"({"a":1,"b":-2,"c":"x","d":true,"e":null,"f":[],"g":1.5})"),
            "a7" "6161" "01" "6162" "21" "6163" "6178" "6164" "f5" "6165" "f6" "6166" "80"
            "6167" "fb3ff8000000000000");
  EXPECT_EQ(Cbor("{}"), "a0");
  EXPECT_EQ(Cbor("18446744073709551615"), "1bffffffffffffffff");
}

TEST(JsonToCborTest, DataBecomesAByteString) {
  EXPECT_EQ(Cbor(R"({"Records":[{"Data":"aGVsbG8=","PartitionKey":"pk"}]})"),
            "a1" "675265636f726473" "81" "a2" "6444617461" "4568656c6c6f"
            "6c506172746974696f6e4b6579" "62706b");
  EXPECT_EQ(Cbor(R"({"Data":""})"), "a1" "6444617461" "40");
}

TEST(JsonToCborTest, TimestampsBecomeTag1Milliseconds) {
  EXPECT_EQ(Cbor(R"({"ApproximateArrivalTimestamp":1700000000.123})"),
            "a1" "781b417070726f78696d6174654172726976616c54696d657374616d70"
            "c1" "1b0000018bcfe5687b");
  EXPECT_EQ(Cbor(R"({"StreamCreationTimestamp":1700000000})"),
            "a1" "7753747265616d4372656174696f6e54696d657374616d70"
            "c1" "1b0000018bcfe56800");
  for (std::string_view name : {"ConsumerCreationTimestamp", "StartedAt", "EndedAt",
                                "EarliestAllowedEndAt", "Timestamp"}) {
    EXPECT_TRUE(IsTimestampMember(name)) << name;
  }
  EXPECT_FALSE(IsTimestampMember("StreamName"));
  EXPECT_TRUE(IsBlobMember("Data"));
  EXPECT_FALSE(IsBlobMember("PartitionKey"));
}

TEST(JsonToCborTest, RoundTripThroughJson) {
  std::string cbor_in = Hex(
      "bf 6a 53747265616d4e616d65 62 7331 64 44617461 45 68656c6c6f "
      "6c 506172746974696f6e4b6579 62 706b ff");
  std::string json, cbor_out;
  ASSERT_TRUE(CborToJson(cbor_in, json));
  ASSERT_TRUE(JsonToCbor(json, cbor_out));
  // Same content, definite-length map.
  EXPECT_EQ(ToHex(cbor_out),
            "a3" "6a53747265616d4e616d65" "627331" "6444617461" "4568656c6c6f"
            "6c506172746974696f6e4b6579" "62706b");
}

TEST(JsonToCborTest, RejectsInvalidJson) {
  std::string out;
  EXPECT_FALSE(JsonToCbor("{", out));
}

TEST(CborResponderTest, ErrorsAndEmptyBodiesBecomeCbor) {
  ApiResponse got;
  Respond r = CborResponder([&](ApiResponse resp) { got = std::move(resp); });
  ApiResponse err;
  err.status = 400;
  err.body = R"({"__type":"SerializationException"})";
  r(err);
  EXPECT_EQ(got.status, 400);
  EXPECT_EQ(got.content_type, "application/x-amz-cbor-1.1");
  EXPECT_EQ(ToHex(got.body), "a1" "665f5f74797065" "7653657269616c697a6174696f6e457863657074696f6e");

  r(ApiResponse{});
  EXPECT_EQ(ToHex(got.body), "a0");

  ApiResponse xml;
  xml.content_type = "application/xml";
  xml.body = "<x/>";
  r(xml);
  EXPECT_EQ(got.content_type, "application/xml");
  EXPECT_EQ(got.body, "<x/>");
}

}  // namespace
}  // namespace runnel::api
