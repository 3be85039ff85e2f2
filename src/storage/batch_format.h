// Byte layout of one record batch (docs/formats/segment.md). Internal to storage.
//
//   batch  := header payload
//   header := header_crc:u32 magic:u16 version:u8 flags:u8 payload_len:u32 record_count:u32
//             base_offset:u64 first_ts_ms:i64 max_ts_ms:i64 payload_crc:u32 reserved:u32
//   payload:= record{record_count}
//   record := length:u32 timestamp_ms:i64 bytes[length]
//
// All integers little-endian. header_crc = Mask(crc32c(header[4..48))), so a torn header is
// caught before payload_len is trusted; payload_crc = Mask(crc32c(payload)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/coding.h"
#include "common/crc32c.h"

namespace runnel::storage::format {

constexpr size_t kHeaderSize = 48;
constexpr size_t kRecordOverhead = 12;  // length:u32 + timestamp:i64
constexpr uint16_t kMagic = 0x4252;     // "RB"
constexpr uint8_t kVersion = 1;
// Upper bound on one batch's payload; a larger length field is treated as garbage.
constexpr uint32_t kMaxPayloadBytes = 256u << 20;

// Field positions inside the header.
constexpr size_t kHeaderCrcPos = 0;
constexpr size_t kMagicPos = 4;
constexpr size_t kVersionPos = 6;
constexpr size_t kFlagsPos = 7;
constexpr size_t kPayloadLenPos = 8;
constexpr size_t kCountPos = 12;
constexpr size_t kBaseOffsetPos = 16;
constexpr size_t kFirstTsPos = 24;
constexpr size_t kMaxTsPos = 32;
constexpr size_t kPayloadCrcPos = 40;
constexpr size_t kReservedPos = 44;

struct BatchHeader {
  uint32_t payload_len = 0;
  uint32_t record_count = 0;
  uint64_t base_offset = 0;
  int64_t first_ts_ms = 0;
  int64_t max_ts_ms = 0;
  uint32_t payload_crc = 0;  // masked, as stored

  uint64_t frame_size() const { return kHeaderSize + payload_len; }
  uint64_t end_offset() const { return base_offset + record_count; }
};

enum class HeaderStatus { kOk, kShort, kBadCrc, kBadField };

// Writes `h` (with header_crc) into `dst` (kHeaderSize bytes).
inline void EncodeHeader(const BatchHeader& h, char* dst) {
  coding::PutFixed32(dst + kMagicPos, 0);
  dst[kMagicPos] = static_cast<char>(kMagic & 0xff);
  dst[kMagicPos + 1] = static_cast<char>(kMagic >> 8);
  dst[kVersionPos] = static_cast<char>(kVersion);
  dst[kFlagsPos] = 0;
  coding::PutFixed32(dst + kPayloadLenPos, h.payload_len);
  coding::PutFixed32(dst + kCountPos, h.record_count);
  coding::PutFixed64(dst + kBaseOffsetPos, h.base_offset);
  coding::PutFixed64(dst + kFirstTsPos, static_cast<uint64_t>(h.first_ts_ms));
  coding::PutFixed64(dst + kMaxTsPos, static_cast<uint64_t>(h.max_ts_ms));
  coding::PutFixed32(dst + kPayloadCrcPos, h.payload_crc);
  coding::PutFixed32(dst + kReservedPos, 0);
  uint32_t crc = crc32c::Value(dst + kMagicPos, kHeaderSize - kMagicPos);
  coding::PutFixed32(dst + kHeaderCrcPos, crc32c::Mask(crc));
}

// Parses and checks the header at the start of `bytes`. kShort when fewer than kHeaderSize
// bytes are given; kBadCrc / kBadField when the header cannot be trusted.
inline HeaderStatus DecodeHeader(std::string_view bytes, BatchHeader* h) {
  if (bytes.size() < kHeaderSize) return HeaderStatus::kShort;
  const char* p = bytes.data();
  uint32_t stored = crc32c::Unmask(coding::GetFixed32(p + kHeaderCrcPos));
  if (crc32c::Value(p + kMagicPos, kHeaderSize - kMagicPos) != stored) {
    return HeaderStatus::kBadCrc;
  }
  uint16_t magic = static_cast<uint16_t>(static_cast<uint8_t>(p[kMagicPos]) |
                                         (static_cast<uint8_t>(p[kMagicPos + 1]) << 8));
  if (magic != kMagic || static_cast<uint8_t>(p[kVersionPos]) != kVersion) {
    return HeaderStatus::kBadField;
  }
  h->payload_len = coding::GetFixed32(p + kPayloadLenPos);
  h->record_count = coding::GetFixed32(p + kCountPos);
  h->base_offset = coding::GetFixed64(p + kBaseOffsetPos);
  h->first_ts_ms = static_cast<int64_t>(coding::GetFixed64(p + kFirstTsPos));
  h->max_ts_ms = static_cast<int64_t>(coding::GetFixed64(p + kMaxTsPos));
  h->payload_crc = coding::GetFixed32(p + kPayloadCrcPos);
  if (h->payload_len > kMaxPayloadBytes || h->record_count == 0 ||
      uint64_t{h->record_count} * kRecordOverhead > h->payload_len) {
    return HeaderStatus::kBadField;
  }
  return HeaderStatus::kOk;
}

inline bool PayloadCrcMatches(const BatchHeader& h, std::string_view payload) {
  return crc32c::Mask(crc32c::Value(payload)) == h.payload_crc;
}

// Walks the records of a CRC-checked payload. Next() returns false at the end or when the
// framing is inconsistent (then ok() is false).
class RecordIterator {
 public:
  explicit RecordIterator(std::string_view payload) : p_(payload) {}
  bool Next(int64_t* ts_ms, std::string_view* bytes) {
    if (p_.size() < kRecordOverhead) {
      ok_ = p_.empty();
      return false;
    }
    uint32_t len = coding::GetFixed32(p_.data());
    if (p_.size() - kRecordOverhead < len) {
      ok_ = false;
      return false;
    }
    *ts_ms = static_cast<int64_t>(coding::GetFixed64(p_.data() + 4));
    *bytes = p_.substr(kRecordOverhead, len);
    p_.remove_prefix(kRecordOverhead + len);
    return true;
  }
  bool ok() const { return ok_; }
  size_t consumed_from(std::string_view whole) const { return whole.size() - p_.size(); }

 private:
  std::string_view p_;
  bool ok_ = true;
};

}  // namespace runnel::storage::format
