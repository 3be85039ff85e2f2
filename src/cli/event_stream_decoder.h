// EventStreamDecoder: incremental decoder of AWS's event-stream framing
// (application/vnd.amazon.eventstream; kinesis-wire.md §8), as SubscribeToShard sends it:
//   uint32 total_length | uint32 headers_length | uint32 prelude_crc |
//   headers | payload | uint32 message_crc
// big-endian; both CRCs are zlib's crc32 and both are verified. Bytes arrive in arbitrary
// pieces (Feed); Next() returns one complete message at a time. A corrupt frame (bad CRC,
// impossible lengths, malformed headers) puts the decoder into a permanent error state: the
// stream cannot be resynchronised, so the caller drops the connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace runnel::cli {

struct EventMessage {
  // String (type 7) and bytes (type 6) headers with their values; headers of other types
  // are listed with an empty value (Kinesis sends only strings).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;

  // The value of header `name`, or "" when absent.
  std::string_view Header(std::string_view name) const;
};

class EventStreamDecoder {
 public:
  enum class Status { kMessage, kNeedMore, kError };

  // Largest frame accepted (botocore's limit is 24 MiB; Runnel keeps events under 16 MiB).
  static constexpr uint32_t kMaxMessageBytes = 24u << 20;
  static constexpr uint32_t kMaxHeadersBytes = 128u << 10;

  void Feed(std::string_view bytes);
  // kMessage: *out holds the next message. kNeedMore: the buffered bytes end inside a frame
  // (or there are none). kError: see error(); every later call returns kError too.
  Status Next(EventMessage* out);

  // Bytes received but not yet returned as a message (a partial frame at the end of a
  // stream means it was truncated).
  size_t buffered() const { return buf_.size() - pos_; }
  const std::string& error() const { return error_; }

 private:
  Status Fail(std::string message);

  std::string buf_;
  size_t pos_ = 0;  // start of the first undecoded byte in buf_
  std::string error_;
};

// zlib's crc32 of `bytes` (the event-stream checksum).
uint32_t EventStreamCrc32(std::string_view bytes);

}  // namespace runnel::cli
