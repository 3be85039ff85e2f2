// SequenceRun: the sequence numbers of one shard's records in offset order (a GetRecords
// batch), each written from the previous one's decimal digits instead of from scratch.
//
// Consecutive records differ by (counter delta) * 2^80 + (arrival delta) * 2^36
// (sequence_number.h), so the next number is the previous one plus a small multiple of two
// constants: an addition on base-10^8 limbs that touches the low four limbs (32 digits) and
// rarely carries further. Only the limbs that changed are rendered again. The output is
// byte-for-byte EncodeSequenceNumberTo's (a going-back counter or arrival time starts over
// from EncodeSequenceNumberTo).
#pragma once

#include <cstddef>
#include <cstdint>

namespace runnel::stream {

class SequenceRun {
 public:
  SequenceRun(int64_t shard_creation_s, uint32_t shard_index)
      : creation_s_(shard_creation_s), shard_index_(shard_index) {}

  // Writes the number of the record with `counter` and `arrival_s` to `out` (at least 64
  // bytes) and returns its length, as EncodeSequenceNumberTo would for these fields.
  size_t Encode(uint64_t counter, int64_t arrival_s, char* out);

 private:
  static constexpr int kLimbs = 8;  // 64 digits >= the 57 a 188-bit number can have
  static constexpr int kDigits = 8 * kLimbs;

  void Restart(uint64_t counter, int64_t arrival_s);
  // Renders limbs [0, top] again (limb i is digits_[kDigits - 8 (i + 1), kDigits - 8 i)).
  void Render(int top);

  int64_t creation_s_;
  uint32_t shard_index_;
  bool started_ = false;
  uint64_t counter_ = 0;
  int64_t arrival_s_ = 0;
  uint32_t limbs_[kLimbs] = {};  // little-endian base 10^8
  int lead_ = 0;                 // index of the first significant digit in digits_
  char digits_[kDigits] = {};
};

}  // namespace runnel::stream
