#include "stream/sequence_run.h"

#include <cstring>

#include "stream/sequence_number.h"

namespace runnel::stream {
namespace {

constexpr uint32_t kBase = 100000000;  // 10^8
// 2^80 and 2^36 in base-10^8 limbs, little-endian.
constexpr uint32_t kTwo80[4] = {74706176, 96146291, 20892581, 1};  // 1208925819614629174706176
constexpr uint32_t kTwo36[2] = {19476736, 687};                    // 68719476736
// Deltas above this take the from-scratch path (keeps every limb product below 2^64).
constexpr uint64_t kMaxDelta = uint64_t{1} << 32;

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// `v` (< 10^8) as exactly 8 zero-padded digits.
inline void Put8(uint32_t v, char* dst) {
  const uint32_t hi = v / 10000, lo = v % 10000;
  std::memcpy(dst, kDigitPairs + 2 * (hi / 100), 2);
  std::memcpy(dst + 2, kDigitPairs + 2 * (hi % 100), 2);
  std::memcpy(dst + 4, kDigitPairs + 2 * (lo / 100), 2);
  std::memcpy(dst + 6, kDigitPairs + 2 * (lo % 100), 2);
}

}  // namespace

void SequenceRun::Restart(uint64_t counter, int64_t arrival_s) {
  char buf[64];
  SequenceFields f{creation_s_, shard_index_, counter, arrival_s};
  const size_t len = EncodeSequenceNumberTo(f, buf);
  // Parse the digits into limbs, least significant first.
  for (int i = 0; i < kLimbs; ++i) {
    uint32_t v = 0;
    const ptrdiff_t end = static_cast<ptrdiff_t>(len) - 8 * i;  // one past this limb's last digit
    for (ptrdiff_t j = end - 8 < 0 ? 0 : end - 8; j < end; ++j) v = v * 10 + (buf[j] - '0');
    limbs_[i] = v;
  }
  started_ = true;
  counter_ = counter;
  arrival_s_ = arrival_s;
  Render(kLimbs - 1);
}

void SequenceRun::Render(int top) {
  for (int i = 0; i <= top; ++i) Put8(limbs_[i], digits_ + kDigits - 8 * (i + 1));
  // The first significant digit moves only when a rendered limb reaches it.
  if (kDigits - 8 * (top + 1) > lead_) return;
  int lead = 0;
  while (lead < kDigits - 1 && digits_[lead] == '0') ++lead;
  lead_ = lead;
}

size_t SequenceRun::Encode(uint64_t counter, int64_t arrival_s, char* out) {
  if (!started_ || counter < counter_ || arrival_s < arrival_s_ ||
      counter - counter_ >= kMaxDelta ||
      static_cast<uint64_t>(arrival_s - arrival_s_) >= kMaxDelta) {
    Restart(counter, arrival_s);
  } else if (counter != counter_ || arrival_s != arrival_s_) {
    const uint64_t dc = counter - counter_;
    const uint64_t da = static_cast<uint64_t>(arrival_s - arrival_s_);
    // delta = dc * 2^80 + da * 2^36, added limb by limb; each term < 2^32 * 10^8 < 2^59.
    uint64_t carry = 0;
    int i = 0;
    for (; i < 4; ++i) {
      uint64_t s = limbs_[i] + carry + dc * kTwo80[i];
      if (i < 2) s += da * kTwo36[i];
      carry = s / kBase;
      limbs_[i] = static_cast<uint32_t>(s - carry * kBase);
    }
    for (; carry != 0 && i < kLimbs; ++i) {
      uint64_t s = limbs_[i] + carry;
      carry = s / kBase;
      limbs_[i] = static_cast<uint32_t>(s - carry * kBase);
    }
    counter_ = counter;
    arrival_s_ = arrival_s;
    Render(i - 1);
  }
  const size_t len = static_cast<size_t>(kDigits - lead_);
  std::memcpy(out, digits_ + lead_, len);
  return len;
}

}  // namespace runnel::stream
