#include "stream/sequence_number.h"

#include <cassert>
#include <cstring>

namespace runnel::stream {
namespace {

// Bit positions and widths of the v2 layout (see the header comment).
constexpr int kVersionPos = 184, kVersionBits = 4;
constexpr int kCreationPos = 148, kTimeBits = 36;
constexpr int kShardNibblePos = 144, kNibbleBits = 4;
constexpr int kCounterPos = 80, kCounterBits = 64;
constexpr int kZeroBytePos = 72, kZeroByteBits = 8;
constexpr int kArrivalPos = 36;
constexpr int kShardIndexPos = 4, kShardIndexBits = 32;
constexpr int kTopPos = 188, kTopBits = 4;  // must be zero: the number has exactly 186 bits
constexpr uint64_t kVersion = 2;
constexpr uint64_t kLowNibble = 2;
constexpr uint64_t kTimeMask = (uint64_t{1} << kTimeBits) - 1;
constexpr uint64_t kCounterLimit = uint64_t{1} << 63;  // the counter's top bit is 0

constexpr uint64_t kTen19 = 10000000000000000000ull;
// 2^192 - 1 has 58 decimal digits; every valid v2 number has exactly 56.
constexpr size_t kMaxDigits = 58;
constexpr size_t kV2Digits = 56;

// (hi:lo) / 10^19, storing the remainder in *rem. REQUIRES: hi < 10^19.
//
// This runs on the per-record append path, where a generic 128-bit division (__udivti3, or
// even one DIV instruction) dominates the cost. 10^19 > 2^63 is a "normalized" divisor, so
// the division by an invariant integer of Moller & Granlund ("Improved division by invariant
// integers", 2011, Algorithm 4) applies directly: two multiplications and two corrections.
constexpr uint64_t kTen19Reciprocal = static_cast<uint64_t>(
    ~static_cast<unsigned __int128>(0) / kTen19 - (static_cast<unsigned __int128>(1) << 64));

inline uint64_t DivTen19(uint64_t hi, uint64_t lo, uint64_t* rem) {
  unsigned __int128 q = static_cast<unsigned __int128>(kTen19Reciprocal) * hi;
  q += (static_cast<unsigned __int128>(hi) << 64) | lo;
  uint64_t q1 = static_cast<uint64_t>(q >> 64) + 1;
  uint64_t q0 = static_cast<uint64_t>(q);
  uint64_t r = lo - q1 * kTen19;
  if (r > q0) {
    --q1;
    r += kTen19;
  }
  if (r >= kTen19) {
    ++q1;
    r -= kTen19;
  }
  *rem = r;
  return q1;
}

// A fixed 192-bit unsigned integer, three little-endian 64-bit words. Just the operations
// the sequence-number codec needs; no allocation.
class U192 {
 public:
  // ORs the low `width` bits of `v` into bit positions [pos, pos + width). width <= 64.
  void OrBits(uint64_t v, int pos, int width) {
    if (width < 64) v &= (uint64_t{1} << width) - 1;
    int word = pos / 64, shift = pos % 64;
    w_[word] |= v << shift;
    if (shift != 0 && shift + width > 64) w_[word + 1] |= v >> (64 - shift);
  }

  // Returns bits [pos, pos + width). width <= 64.
  uint64_t GetBits(int pos, int width) const {
    int word = pos / 64, shift = pos % 64;
    uint64_t v = w_[word] >> shift;
    if (shift != 0 && shift + width > 64) v |= w_[word + 1] << (64 - shift);
    if (width < 64) v &= (uint64_t{1} << width) - 1;
    return v;
  }

  // *this = *this * m + a. Returns false (leaving *this unspecified) on overflow past 192 bits.
  bool MulAdd(uint64_t m, uint64_t a) {
    unsigned __int128 carry = a;
    for (uint64_t& word : w_) {
      unsigned __int128 t = static_cast<unsigned __int128>(word) * m + carry;
      word = static_cast<uint64_t>(t);
      carry = t >> 64;
    }
    return carry == 0;
  }

  // *this /= 10^19 and returns the remainder.
  uint64_t DivModTen19() {
    uint64_t rem = 0;
    for (int i = 2; i >= 0; --i) w_[i] = DivTen19(rem, w_[i], &rem);
    return rem;
  }

  bool FitsIn64() const { return w_[1] == 0 && w_[2] == 0; }
  uint64_t Low64() const { return w_[0]; }

 private:
  uint64_t w_[3] = {0, 0, 0};
};

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Writes `v` (< 10^10) as exactly 10 zero-padded decimal digits, two at a time.
inline void Put10Digits(uint64_t v, char* dst) {
  for (int i = 8; i >= 0; i -= 2) {
    std::memcpy(dst + i, kDigitPairs + 2 * (v % 100), 2);
    v /= 100;
  }
}

// Writes `v` (< 10^19) as exactly 19 zero-padded decimal digits. The two halves are
// independent dependency chains, which the CPU overlaps.
void Put19Digits(uint64_t v, char* dst) {
  constexpr uint64_t kTen10 = 10000000000ull;
  char high[10];
  Put10Digits(v / kTen10, high);  // < 10^9: the leading '0' is dropped
  Put10Digits(v % kTen10, dst + 9);
  std::memcpy(dst, high + 1, 9);
}

}  // namespace

size_t EncodeSequenceNumberTo(const SequenceFields& f, char* out) {
  assert(f.shard_creation_s >= 0 && static_cast<uint64_t>(f.shard_creation_s) <= kTimeMask);
  assert(f.arrival_s >= 0 && static_cast<uint64_t>(f.arrival_s) <= kTimeMask);
  assert(f.counter < kCounterLimit);

  U192 n;
  n.OrBits(kVersion, kVersionPos, kVersionBits);
  n.OrBits(static_cast<uint64_t>(f.shard_creation_s), kCreationPos, kTimeBits);
  n.OrBits(f.shard_index, kShardNibblePos, kNibbleBits);
  n.OrBits(f.counter & (kCounterLimit - 1), kCounterPos, kCounterBits);
  n.OrBits(static_cast<uint64_t>(f.arrival_s), kArrivalPos, kTimeBits);
  n.OrBits(f.shard_index, kShardIndexPos, kShardIndexBits);
  n.OrBits(kLowNibble, 0, kNibbleBits);

  // The value is < 2^188 < 10^57: three base-10^19 chunks hold all its digits.
  char digits[57];
  Put19Digits(n.DivModTen19(), digits + 38);
  Put19Digits(n.DivModTen19(), digits + 19);
  assert(n.FitsIn64() && n.Low64() < kTen19);
  Put19Digits(n.Low64(), digits);

  size_t first = 0;
  while (first + 1 < sizeof(digits) && digits[first] == '0') ++first;
  size_t len = sizeof(digits) - first;
  std::memcpy(out, digits + first, len);
  return len;
}

namespace {

// 8 ASCII digits (most significant first) to their value, SWAR style.
inline uint32_t Parse8Digits(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);  // little-endian: the first digit is the lowest byte
  v -= 0x3030303030303030ull;
  v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFull;
  v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFull;
  v = (v * 10000 + (v >> 32)) & 0xFFFFFFFFull;
  return static_cast<uint32_t>(v);
}

// `v` (< 10^8) as exactly 8 zero-padded digits.
inline void Put8Digits(uint32_t v, char* dst) {
  const uint32_t hi = v / 10000, lo = v % 10000;
  std::memcpy(dst, kDigitPairs + 2 * (hi / 100), 2);
  std::memcpy(dst + 2, kDigitPairs + 2 * (hi % 100), 2);
  std::memcpy(dst + 4, kDigitPairs + 2 * (lo / 100), 2);
  std::memcpy(dst + 6, kDigitPairs + 2 * (lo % 100), 2);
}

}  // namespace

bool IncrementSequenceCounter(char* digits, size_t len) {
  // Only v2 numbers (56 digits); with the counter below 2^63 the sum stays in its field.
  if (len != kV2Digits) return false;
  // 2^80 = 1208925819614629174706176, as base-10^8 limbs from the low end.
  static constexpr uint32_t kTwoTo80[4] = {74706176, 96146291, 20892581, 1};
  constexpr uint32_t kTen8 = 100000000;
  // The low 32 digits, 8 at a time; a carry out of them (rare) ripples on digit by digit.
  uint32_t carry = 0;
  for (int k = 0; k < 4; ++k) {
    char* chunk = digits + len - 8 * (k + 1);
    uint32_t v = Parse8Digits(chunk) + kTwoTo80[k] + carry;
    carry = v >= kTen8;
    if (carry) v -= kTen8;
    Put8Digits(v, chunk);
  }
  for (size_t i = len - 32; carry && i-- > 0;) {
    if (digits[i] == '9') {
      digits[i] = '0';
    } else {
      ++digits[i];
      carry = 0;
    }
  }
  // A carry out of the top digit is impossible for 56-digit v2 numbers (they lie far below
  // 10^56 - 2^80), but stay safe.
  return carry == 0;
}

std::string EncodeSequenceNumber(const SequenceFields& f) {
  char buf[64];
  size_t len = EncodeSequenceNumberTo(f, buf);
  return std::string(buf, len);
}

std::optional<SequenceFields> DecodeSequenceNumber(std::string_view decimal) {
  // Canonical decimals only (no sign, no leading zeros), as the API pattern requires.
  if (decimal.empty() || decimal.size() > kMaxDigits || decimal[0] == '0') return std::nullopt;
  U192 n;
  for (char c : decimal) {
    if (c < '0' || c > '9') return std::nullopt;
    if (!n.MulAdd(10, static_cast<uint64_t>(c - '0'))) return std::nullopt;
  }
  // Structural checks. A v2 number lies in [2^185, 2^185 + 2^184), which is always 56 digits;
  // the explicit length check just makes the contract obvious.
  if (decimal.size() != kV2Digits) return std::nullopt;
  if (n.GetBits(kTopPos, kTopBits) != 0) return std::nullopt;
  if (n.GetBits(kVersionPos, kVersionBits) != kVersion) return std::nullopt;
  if (n.GetBits(0, kNibbleBits) != kLowNibble) return std::nullopt;
  if (n.GetBits(kZeroBytePos, kZeroByteBits) != 0) return std::nullopt;

  SequenceFields f;
  f.shard_index = static_cast<uint32_t>(n.GetBits(kShardIndexPos, kShardIndexBits));
  if (n.GetBits(kShardNibblePos, kNibbleBits) != (f.shard_index & 0xF)) return std::nullopt;
  f.counter = n.GetBits(kCounterPos, kCounterBits);
  if (f.counter >= kCounterLimit) return std::nullopt;
  f.shard_creation_s = static_cast<int64_t>(n.GetBits(kCreationPos, kTimeBits));
  f.arrival_s = static_cast<int64_t>(n.GetBits(kArrivalPos, kTimeBits));
  return f;
}

int CompareSequenceNumbers(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace runnel::stream
