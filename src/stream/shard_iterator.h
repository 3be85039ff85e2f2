// Shard iterators: self-contained, tamper-evident position tokens (kinesis-api.md §3.4).
// Token = base64( 8-byte header 00..01 | payload | 16-byte truncated HMAC-SHA256(payload) ),
// where payload carries the stream identity, the shard index, the next offset to read and
// the issue time. Keyed with a 32-byte secret kept in the data dir.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace runnel::stream {

constexpr int64_t kIteratorLifetimeMs = 300000;

struct IteratorPosition {
  std::string account;       // account that owns the stream
  std::string stream_name;
  int64_t stream_creation_ms = 0;  // tells a re-created stream of the same name apart
  uint32_t shard_index = 0;
  uint64_t next_offset = 0;        // log offset of the next record to return
  int64_t issued_ms = 0;
};

enum class IteratorError { kInvalid, kExpired };

class IteratorCodec {
 public:
  // REQUIRES: key.size() >= 16.
  explicit IteratorCodec(std::string key) : key_(std::move(key)) {}
  std::string Encode(const IteratorPosition& p) const;
  // kInvalid: not base64, wrong header, bad MAC or layout. kExpired: older than 5 minutes
  // at `now_ms` (the position is still returned via `out` for the error message).
  Result<IteratorPosition, IteratorError> Decode(std::string_view token, int64_t now_ms,
                                                 IteratorPosition* expired_out = nullptr) const;

 private:
  std::string key_;
};

}  // namespace runnel::stream
