// Kinesis "v2" sequence numbers (kinesis-api.md §3.3): 56 decimal digits, 186 bits.
//
//   bits 184-187  version 2
//   bits 148-183  shard creation time, epoch seconds (36 bits)
//   bits 144-147  low nibble of the shard index
//   bits  80-143  per-shard record counter (64 bits, top bit 0)
//   bits  72- 79  0
//   bits  36- 71  record arrival time, epoch seconds (36 bits)
//   bits   4- 35  shard index (32 bits)
//   bits   0-  3  2
//
// Within a shard the counter dominates every lower field, so numbers rise strictly with the
// counter. Runnel uses counter = log offset + 1 for records and counter 0 for a shard's
// StartingSequenceNumber; a closed shard's EndingSequenceNumber uses kEndingCounter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace runnel::stream {

constexpr uint64_t kEndingCounter = 0x7FFFFFFFFFFFFFFFull;

struct SequenceFields {
  int64_t shard_creation_s = 0;
  uint32_t shard_index = 0;
  uint64_t counter = 0;
  int64_t arrival_s = 0;
};

// Encodes as a decimal string.
std::string EncodeSequenceNumber(const SequenceFields& f);
// Writes the decimal encoding into `out` (at least 64 bytes) and returns its length; for the
// hot path, no allocation.
size_t EncodeSequenceNumberTo(const SequenceFields& f, char* out);

// Turns `digits` (len digits, as written by EncodeSequenceNumberTo) into the encoding of the
// same fields with the counter one higher, in place: the counter sits at bit 80, so that adds
// 2^80 to the number, done on the decimal digits (much cheaper than encoding afresh; the put
// path numbers consecutive records of a shard this way). REQUIRES: the new counter is below
// 2^63 (the caller knows it; the encoder would mask the top bit). Returns false, leaving
// `digits` unspecified, unless len is the 56 digits of a v2 number and the sum fits in them;
// then encode afresh.
bool IncrementSequenceCounter(char* digits, size_t len);

// Decodes a decimal sequence number. nullopt when it is not a valid v2 number (wrong length,
// wrong version nibbles, non-digits, or the low-nibble/shard-index fields disagree).
std::optional<SequenceFields> DecodeSequenceNumber(std::string_view decimal);

// Numeric comparison of two decimal strings without leading zeros (for tests and clients).
int CompareSequenceNumbers(std::string_view a, std::string_view b);

}  // namespace runnel::stream
