// Event-stream framing (kinesis-wire.md §8): the reference initial-response vector byte for
// byte, the CRCs, and the header encoding.
#include "api/event_stream.h"

#include <gtest/gtest.h>

#include <string>

namespace runnel::api {
namespace {

std::string Hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

uint32_t U32At(std::string_view b, size_t at) {
  return (uint32_t{static_cast<uint8_t>(b[at])} << 24) |
         (uint32_t{static_cast<uint8_t>(b[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[at + 2])} << 8) | static_cast<uint8_t>(b[at + 3]);
}

TEST(EventStreamTest, InitialResponseMatchesReferenceVector) {
  const std::string want =
      "00000068" "00000056" "4e681724"
      "0d" "3a6d6573736167652d74797065" "07" "0005" "6576656e74"
      "0b" "3a6576656e742d74797065" "07" "0010" "696e697469616c2d726573706f6e7365"
      "0d" "3a636f6e74656e742d74797065" "07" "0010" "6170706c69636174696f6e2f6a736f6e"
      "7b7d"
      "fe942c1d";
  EXPECT_EQ(Hex(InitialResponseFrame()), want);
}

TEST(EventStreamTest, Crc32IsZlibs) {
  EXPECT_EQ(EventStreamCrc32(""), 0u);
  EXPECT_EQ(EventStreamCrc32("123456789"), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
}

TEST(EventStreamTest, LengthsAndCrcsOfAnyMessage) {
  std::string payload(70000, 'x');  // header value lengths are 16-bit; payloads are not
  std::string m = EventFrame("SubscribeToShardEvent", payload);
  ASSERT_GE(m.size(), 16u);
  EXPECT_EQ(U32At(m, 0), m.size());
  const uint32_t headers_len = U32At(m, 4);
  EXPECT_EQ(m.size(), 12 + headers_len + payload.size() + 4);
  EXPECT_EQ(U32At(m, 8), EventStreamCrc32(std::string_view(m).substr(0, 8)));
  EXPECT_EQ(U32At(m, m.size() - 4), EventStreamCrc32(std::string_view(m).substr(0, m.size() - 4)));
  EXPECT_EQ(std::string_view(m).substr(12 + headers_len, payload.size()), payload);
}

TEST(EventStreamTest, HeaderEncoding) {
  const EventHeader headers[] = {{":a", "xy"}};
  std::string m = EncodeEventMessage(headers, "");
  // name_len | name | type 7 | uint16 len | value
  EXPECT_EQ(Hex(std::string_view(m).substr(12, 8)), "023a6107" "0002" "7879");
  EXPECT_EQ(U32At(m, 4), 8u);
}

TEST(EventStreamTest, ExceptionFrame) {
  std::string m = ExceptionFrame("ResourceInUseException", "busy \"now\"");
  EXPECT_NE(m.find(":message-type"), std::string::npos);
  EXPECT_NE(m.find("exception"), std::string::npos);
  EXPECT_NE(m.find(":exception-type"), std::string::npos);
  EXPECT_NE(m.find("ResourceInUseException"), std::string::npos);
  EXPECT_NE(m.find("{\"message\":\"busy \\\"now\\\"\"}"), std::string::npos);
}

// The payload of a single-message frame.
std::string_view PayloadOf(std::string_view m) {
  const uint32_t headers_len = U32At(m, 4);
  return m.substr(12 + headers_len, m.size() - 16 - headers_len);
}

TEST(EventStreamTest, CborPayloadsForCborClients) {
  std::string init = InitialResponseFrame(PayloadEncoding::kCbor);
  EXPECT_NE(init.find("application/x-amz-cbor-1.1"), std::string::npos);
  EXPECT_EQ(Hex(PayloadOf(init)), "a0");  // {}

  // Data becomes a byte string, ApproximateArrivalTimestamp tag 1 + integer milliseconds.
  std::string ev = EventFrameFromJson(
      "SubscribeToShardEvent",
      R"({"Records":[{"Data":"AAE=","ApproximateArrivalTimestamp":1700000000.123}],)"
      R"("MillisBehindLatest":0})",
      PayloadEncoding::kCbor);
  EXPECT_NE(ev.find("application/x-amz-cbor-1.1"), std::string::npos);
  const std::string payload = Hex(PayloadOf(ev));
  EXPECT_NE(payload.find("6444617461" "420001"), std::string::npos) << payload;  // "Data": h'0001'
  EXPECT_NE(payload.find("c11b0000018bcfe5687b"), std::string::npos) << payload;  // 1(1700000000123)
  EXPECT_EQ(payload.find("414145"), std::string::npos);  // no base64 text "AAE"

  std::string json = EventFrameFromJson("SubscribeToShardEvent", R"({"Records":[]})",
                                        PayloadEncoding::kJson);
  EXPECT_EQ(PayloadOf(json), R"({"Records":[]})");
  EXPECT_NE(json.find("application/json"), std::string::npos);

  std::string ex = ExceptionFrame("ResourceNotFoundException", "gone", PayloadEncoding::kCbor);
  EXPECT_NE(ex.find("application/x-amz-cbor-1.1"), std::string::npos);
  EXPECT_EQ(Hex(PayloadOf(ex)), "a1" "676d657373616765" "64676f6e65");  // {"message":"gone"}
}

}  // namespace
}  // namespace runnel::api
