#include "cli/event_stream_decoder.h"

#include <zlib.h>

namespace runnel::cli {
namespace {

uint32_t ReadU32(const char* p) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

uint16_t ReadU16(const char* p) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>((b[0] << 8) | b[1]);
}

constexpr size_t kPreludeBytes = 12;
constexpr size_t kMinMessageBytes = kPreludeBytes + 4;

// Size of a header value of `type` that has a fixed size; -1 for length-prefixed types
// (6 bytes, 7 string); -2 for an unknown type.
int FixedValueSize(uint8_t type) {
  switch (type) {
    case 0: case 1: return 0;    // bool true / false
    case 2: return 1;            // int8
    case 3: return 2;            // int16
    case 4: return 4;            // int32
    case 5: case 8: return 8;    // int64, timestamp
    case 9: return 16;           // UUID
    case 6: case 7: return -1;   // bytes, string
    default: return -2;
  }
}

}  // namespace

uint32_t EventStreamCrc32(std::string_view bytes) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0),
                                     reinterpret_cast<const Bytef*>(bytes.data()),
                                     static_cast<uInt>(bytes.size())));
}

std::string_view EventMessage::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return {};
}

void EventStreamDecoder::Feed(std::string_view bytes) {
  if (!error_.empty()) return;
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > (64u << 10) && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);  // drop consumed bytes once they dominate the buffer
    pos_ = 0;
  }
  buf_.append(bytes);
}

EventStreamDecoder::Status EventStreamDecoder::Fail(std::string message) {
  error_ = std::move(message);
  return Status::kError;
}

EventStreamDecoder::Status EventStreamDecoder::Next(EventMessage* out) {
  if (!error_.empty()) return Status::kError;
  const size_t avail = buf_.size() - pos_;
  if (avail < kPreludeBytes) return Status::kNeedMore;
  const char* p = buf_.data() + pos_;
  const uint32_t total = ReadU32(p);
  const uint32_t headers_len = ReadU32(p + 4);
  const uint32_t prelude_crc = ReadU32(p + 8);
  if (EventStreamCrc32(std::string_view(p, 8)) != prelude_crc) {
    return Fail("event stream: prelude CRC mismatch");
  }
  if (total < kMinMessageBytes || total > kMaxMessageBytes) {
    return Fail("event stream: bad message length " + std::to_string(total));
  }
  if (headers_len > kMaxHeadersBytes || headers_len > total - kMinMessageBytes) {
    return Fail("event stream: bad headers length " + std::to_string(headers_len));
  }
  if (avail < total) return Status::kNeedMore;
  const uint32_t message_crc = ReadU32(p + total - 4);
  if (EventStreamCrc32(std::string_view(p, total - 4)) != message_crc) {
    return Fail("event stream: message CRC mismatch");
  }

  out->headers.clear();
  const char* h = p + kPreludeBytes;
  const char* h_end = h + headers_len;
  while (h < h_end) {
    const uint8_t name_len = static_cast<uint8_t>(*h++);
    if (name_len == 0 || h_end - h < name_len + 1) return Fail("event stream: malformed header");
    std::string name(h, name_len);
    h += name_len;
    const uint8_t type = static_cast<uint8_t>(*h++);
    int size = FixedValueSize(type);
    if (size == -2) return Fail("event stream: unknown header type " + std::to_string(type));
    std::string value;
    if (size == -1) {
      if (h_end - h < 2) return Fail("event stream: malformed header");
      const uint16_t len = ReadU16(h);
      h += 2;
      if (h_end - h < len) return Fail("event stream: malformed header");
      value.assign(h, len);
      h += len;
    } else {
      if (h_end - h < size) return Fail("event stream: malformed header");
      h += size;
    }
    out->headers.emplace_back(std::move(name), std::move(value));
  }
  out->payload.assign(h_end, p + total - 4);
  pos_ += total;
  return Status::kMessage;
}

}  // namespace runnel::cli
