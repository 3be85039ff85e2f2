#include "cli/event_stream_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace runnel::cli {
namespace {

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// An independent encoder (string headers only), as kinesis-wire.md §8.1 describes the frame.
std::string Frame(const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& payload) {
  std::string h;
  for (const auto& [name, value] : headers) {
    h.push_back(static_cast<char>(name.size()));
    h += name;
    h.push_back(7);
    h.push_back(static_cast<char>(value.size() >> 8));
    h.push_back(static_cast<char>(value.size()));
    h += value;
  }
  std::string out;
  PutU32(out, static_cast<uint32_t>(12 + h.size() + payload.size() + 4));
  PutU32(out, static_cast<uint32_t>(h.size()));
  PutU32(out, EventStreamCrc32(out));
  out += h;
  out += payload;
  PutU32(out, EventStreamCrc32(out));
  return out;
}

std::string Event(const std::string& payload) {
  return Frame({{":message-type", "event"},
                {":event-type", "SubscribeToShardEvent"},
                {":content-type", "application/json"}},
               payload);
}

std::string FromHex(std::string_view hex) {
  std::string out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  }
  return out;
}

TEST(EventStreamDecoderTest, DecodesTheReferenceInitialResponse) {
  // kinesis-wire.md §8.3, verified there to parse with botocore.
  std::string frame = FromHex(
      "00000068000000564e681724"
      "0d3a6d6573736167652d747970650700056576656e74"
      "0b3a6576656e742d747970650700" "10696e697469616c2d726573706f6e7365"
      "0d3a636f6e74656e742d747970650700" "106170706c69636174696f6e2f6a736f6e"
      "7b7d" "fe942c1d");
  ASSERT_EQ(frame.size(), 0x68u);
  EventStreamDecoder d;
  d.Feed(frame);
  EventMessage m;
  ASSERT_EQ(d.Next(&m), EventStreamDecoder::Status::kMessage) << d.error();
  EXPECT_EQ(m.Header(":message-type"), "event");
  EXPECT_EQ(m.Header(":event-type"), "initial-response");
  EXPECT_EQ(m.Header(":content-type"), "application/json");
  EXPECT_EQ(m.Header(":absent"), "");
  EXPECT_EQ(m.payload, "{}");
  EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kNeedMore);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(EventStreamDecoderTest, SeveralFramesInOneRead) {
  EventStreamDecoder d;
  d.Feed(Event("{\"a\":1}") + Event("") + Event("{\"c\":3}"));
  EventMessage m;
  ASSERT_EQ(d.Next(&m), EventStreamDecoder::Status::kMessage);
  EXPECT_EQ(m.payload, "{\"a\":1}");
  ASSERT_EQ(d.Next(&m), EventStreamDecoder::Status::kMessage);
  EXPECT_EQ(m.payload, "");
  ASSERT_EQ(d.Next(&m), EventStreamDecoder::Status::kMessage);
  EXPECT_EQ(m.payload, "{\"c\":3}");
  EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kNeedMore);
}

TEST(EventStreamDecoderTest, FramesSplitAcrossReadsAtEveryByte) {
  std::string bytes = Event("{\"Records\":[]}") + Frame({{":message-type", "exception"},
                                                         {":exception-type", "ResourceInUseException"}},
                                                        "{\"message\":\"m\"}");
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    EventStreamDecoder d;
    std::vector<std::string> payloads;
    EventMessage m;
    d.Feed(std::string_view(bytes).substr(0, cut));
    while (d.Next(&m) == EventStreamDecoder::Status::kMessage) payloads.push_back(m.payload);
    d.Feed(std::string_view(bytes).substr(cut));
    EventStreamDecoder::Status s;
    while ((s = d.Next(&m)) == EventStreamDecoder::Status::kMessage) payloads.push_back(m.payload);
    ASSERT_EQ(s, EventStreamDecoder::Status::kNeedMore) << "cut at " << cut;
    ASSERT_EQ(payloads.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(payloads[1], "{\"message\":\"m\"}");
    EXPECT_EQ(m.Header(":exception-type"), "ResourceInUseException");
  }
}

TEST(EventStreamDecoderTest, ByteByByte) {
  std::string bytes = Event("{\"x\":\"" + std::string(1000, 'y') + "\"}");
  EventStreamDecoder d;
  EventMessage m;
  int messages = 0;
  for (char c : bytes) {
    d.Feed(std::string_view(&c, 1));
    while (d.Next(&m) == EventStreamDecoder::Status::kMessage) ++messages;
  }
  EXPECT_EQ(messages, 1);
  EXPECT_EQ(m.payload.size(), 1008u);
}

TEST(EventStreamDecoderTest, TruncatedFrameWaitsForMoreAndIsReportedAsBuffered) {
  std::string bytes = Event("{\"Records\":[]}");
  EventStreamDecoder d;
  d.Feed(std::string_view(bytes).substr(0, bytes.size() - 1));
  EventMessage m;
  EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kNeedMore);
  EXPECT_EQ(d.buffered(), bytes.size() - 1);  // at the end of a stream: a truncated frame
  d.Feed(std::string_view(bytes).substr(bytes.size() - 1));
  EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kMessage);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(EventStreamDecoderTest, TruncatedPreludeWaitsForMore) {
  EventStreamDecoder d;
  d.Feed(Event("{}").substr(0, 11));
  EventMessage m;
  EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kNeedMore);
  EXPECT_EQ(d.buffered(), 11u);
}

TEST(EventStreamDecoderTest, BadPreludeCrcIsAnError) {
  std::string bytes = Event("{}");
  bytes[9] ^= 0x01;  // the prelude CRC itself
  EventStreamDecoder d;
  d.Feed(bytes);
  EventMessage m;
  EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kError);
  EXPECT_NE(d.error().find("prelude CRC"), std::string::npos) << d.error();
  d.Feed(Event("{}"));  // no resynchronisation
  EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kError);
}

TEST(EventStreamDecoderTest, CorruptLengthIsCaughtByThePreludeCrcBeforeWaiting) {
  std::string bytes = Event("{}");
  bytes[2] ^= 0x10;  // total length grows by 4096: without the CRC it would wait forever
  EventStreamDecoder d;
  d.Feed(bytes);
  EventMessage m;
  EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kError);
}

TEST(EventStreamDecoderTest, BadMessageCrcIsAnError) {
  for (size_t at : {size_t{13}, size_t{40}}) {  // in a header name, in the payload area
    std::string bytes = Event("{\"Records\":[]}");
    bytes[at] ^= 0x20;
    EventStreamDecoder d;
    d.Feed(bytes);
    EventMessage m;
    EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kError) << at;
    EXPECT_NE(d.error().find("message CRC"), std::string::npos) << d.error();
  }
  std::string bytes = Event("{}");
  bytes.back() ^= 0x01;  // the message CRC itself
  EventStreamDecoder d;
  d.Feed(bytes);
  EventMessage m;
  EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kError);
}

TEST(EventStreamDecoderTest, ImpossibleLengthsAreErrors) {
  auto prelude = [](uint32_t total, uint32_t headers) {
    std::string out;
    PutU32(out, total);
    PutU32(out, headers);
    PutU32(out, EventStreamCrc32(out));
    return out;
  };
  for (auto [total, headers] : {std::pair<uint32_t, uint32_t>{15, 0}, {100, 90},
                                {EventStreamDecoder::kMaxMessageBytes + 1, 0}}) {
    EventStreamDecoder d;
    d.Feed(prelude(total, headers));
    EventMessage m;
    EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kError) << total << " " << headers;
  }
}

TEST(EventStreamDecoderTest, HeaderRunningPastItsBlockIsAnError) {
  // A string header whose declared value length runs past headers_length (CRCs valid).
  std::string h = std::string(1, 2) + "ab" + std::string(1, 7) + std::string(1, 0) + std::string(1, 50) + "xy";
  std::string out;
  PutU32(out, static_cast<uint32_t>(12 + h.size() + 4));
  PutU32(out, static_cast<uint32_t>(h.size()));
  PutU32(out, EventStreamCrc32(out));
  out += h;
  PutU32(out, EventStreamCrc32(out));
  EventStreamDecoder d;
  d.Feed(out);
  EventMessage m;
  EXPECT_EQ(d.Next(&m), EventStreamDecoder::Status::kError);
  EXPECT_NE(d.error().find("malformed header"), std::string::npos) << d.error();
}

TEST(EventStreamDecoderTest, NonStringHeadersAreSkipped) {
  // bool true (0), int32 (4), then a string.
  std::string h;
  h += std::string(1, 1) + "t" + std::string(1, 0);
  h += std::string(1, 1) + "i" + std::string(1, 4) + std::string("\0\0\0\x2a", 4);
  h += std::string(1, 1) + "s" + std::string(1, 7) + std::string("\0\x02", 2) + "ok";
  std::string out;
  PutU32(out, static_cast<uint32_t>(12 + h.size() + 2 + 4));
  PutU32(out, static_cast<uint32_t>(h.size()));
  PutU32(out, EventStreamCrc32(out));
  out += h + "{}";
  PutU32(out, EventStreamCrc32(out));
  EventStreamDecoder d;
  d.Feed(out);
  EventMessage m;
  ASSERT_EQ(d.Next(&m), EventStreamDecoder::Status::kMessage) << d.error();
  ASSERT_EQ(m.headers.size(), 3u);
  EXPECT_EQ(m.Header("s"), "ok");
  EXPECT_EQ(m.payload, "{}");
}

}  // namespace
}  // namespace runnel::cli
