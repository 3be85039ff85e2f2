// How a Kinesis record is laid out inside a storage payload (docs/formats/segment.md, "record
// payload"): storage knows only opaque bytes and a timestamp.
//
//   u8  flags         bit 0: written while the stream had KMS encryption on
//   u16 key_length    little-endian, bytes of the UTF-8 partition key
//   key_length bytes  partition key
//   rest              data
#pragma once

#include <cstdint>
#include <string_view>

namespace runnel::stream {

constexpr uint8_t kRecordFlagEncrypted = 1;
constexpr size_t kRecordHeaderBytes = 3;

// Writes the 3-byte header into `out` (size kRecordHeaderBytes).
inline void EncodeRecordHeader(uint8_t flags, std::string_view key, char* out) {
  out[0] = static_cast<char>(flags);
  out[1] = static_cast<char>(key.size() & 0xff);
  out[2] = static_cast<char>((key.size() >> 8) & 0xff);
}

struct DecodedRecord {
  uint8_t flags = 0;
  std::string_view partition_key;
  std::string_view data;
};

// False when the payload is too short for its header (never happens for CRC-valid data).
inline bool DecodeRecordPayload(std::string_view payload, DecodedRecord* out) {
  if (payload.size() < kRecordHeaderBytes) return false;
  size_t key_len = static_cast<uint8_t>(payload[1]) | (static_cast<uint8_t>(payload[2]) << 8);
  if (payload.size() < kRecordHeaderBytes + key_len) return false;
  out->flags = static_cast<uint8_t>(payload[0]);
  out->partition_key = payload.substr(kRecordHeaderBytes, key_len);
  out->data = payload.substr(kRecordHeaderBytes + key_len);
  return true;
}

}  // namespace runnel::stream
