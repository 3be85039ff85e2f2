#include "stream/hash_key.h"

#include <cassert>
#include <cstdint>
#include <cstring>

namespace runnel::stream {
namespace {

constexpr uint64_t kTen19 = 10000000000000000000ull;  // largest power of ten in a uint64

// Appends `v` as exactly `width` decimal digits (zero-padded) at `dst`.
void PutDigits(uint64_t v, int width, char* dst) {
  for (int i = width - 1; i >= 0; --i) {
    dst[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

// MD5 (RFC 1321), written out for the put path: OpenSSL's EVP interface costs more per call
// (init, dispatch, final, cleanse) than hashing a short partition key itself. Checked against
// OpenSSL in tests/stream/hash_key_test.cc.
inline uint32_t Rotl(uint32_t x, int c) { return (x << c) | (x >> (32 - c)); }
inline uint32_t LoadLe32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

#define RUNNEL_MD5_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define RUNNEL_MD5_G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define RUNNEL_MD5_H(x, y, z) ((x) ^ (y) ^ (z))
#define RUNNEL_MD5_I(x, y, z) ((y) ^ ((x) | ~(z)))
#define RUNNEL_MD5_STEP(f, a, b, c, d, x, k, s) \
  (a) += RUNNEL_MD5_##f((b), (c), (d)) + (x) + uint32_t{k};   \
  (a) = Rotl((a), (s)) + (b);

void Md5Block(uint32_t state[4], const unsigned char* block) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i) m[i] = LoadLe32(block + 4 * i);
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  RUNNEL_MD5_STEP(F, a, b, c, d, m[0], 0xd76aa478, 7);
  RUNNEL_MD5_STEP(F, d, a, b, c, m[1], 0xe8c7b756, 12);
  RUNNEL_MD5_STEP(F, c, d, a, b, m[2], 0x242070db, 17);
  RUNNEL_MD5_STEP(F, b, c, d, a, m[3], 0xc1bdceee, 22);
  RUNNEL_MD5_STEP(F, a, b, c, d, m[4], 0xf57c0faf, 7);
  RUNNEL_MD5_STEP(F, d, a, b, c, m[5], 0x4787c62a, 12);
  RUNNEL_MD5_STEP(F, c, d, a, b, m[6], 0xa8304613, 17);
  RUNNEL_MD5_STEP(F, b, c, d, a, m[7], 0xfd469501, 22);
  RUNNEL_MD5_STEP(F, a, b, c, d, m[8], 0x698098d8, 7);
  RUNNEL_MD5_STEP(F, d, a, b, c, m[9], 0x8b44f7af, 12);
  RUNNEL_MD5_STEP(F, c, d, a, b, m[10], 0xffff5bb1, 17);
  RUNNEL_MD5_STEP(F, b, c, d, a, m[11], 0x895cd7be, 22);
  RUNNEL_MD5_STEP(F, a, b, c, d, m[12], 0x6b901122, 7);
  RUNNEL_MD5_STEP(F, d, a, b, c, m[13], 0xfd987193, 12);
  RUNNEL_MD5_STEP(F, c, d, a, b, m[14], 0xa679438e, 17);
  RUNNEL_MD5_STEP(F, b, c, d, a, m[15], 0x49b40821, 22);
  RUNNEL_MD5_STEP(G, a, b, c, d, m[1], 0xf61e2562, 5);
  RUNNEL_MD5_STEP(G, d, a, b, c, m[6], 0xc040b340, 9);
  RUNNEL_MD5_STEP(G, c, d, a, b, m[11], 0x265e5a51, 14);
  RUNNEL_MD5_STEP(G, b, c, d, a, m[0], 0xe9b6c7aa, 20);
  RUNNEL_MD5_STEP(G, a, b, c, d, m[5], 0xd62f105d, 5);
  RUNNEL_MD5_STEP(G, d, a, b, c, m[10], 0x02441453, 9);
  RUNNEL_MD5_STEP(G, c, d, a, b, m[15], 0xd8a1e681, 14);
  RUNNEL_MD5_STEP(G, b, c, d, a, m[4], 0xe7d3fbc8, 20);
  RUNNEL_MD5_STEP(G, a, b, c, d, m[9], 0x21e1cde6, 5);
  RUNNEL_MD5_STEP(G, d, a, b, c, m[14], 0xc33707d6, 9);
  RUNNEL_MD5_STEP(G, c, d, a, b, m[3], 0xf4d50d87, 14);
  RUNNEL_MD5_STEP(G, b, c, d, a, m[8], 0x455a14ed, 20);
  RUNNEL_MD5_STEP(G, a, b, c, d, m[13], 0xa9e3e905, 5);
  RUNNEL_MD5_STEP(G, d, a, b, c, m[2], 0xfcefa3f8, 9);
  RUNNEL_MD5_STEP(G, c, d, a, b, m[7], 0x676f02d9, 14);
  RUNNEL_MD5_STEP(G, b, c, d, a, m[12], 0x8d2a4c8a, 20);
  RUNNEL_MD5_STEP(H, a, b, c, d, m[5], 0xfffa3942, 4);
  RUNNEL_MD5_STEP(H, d, a, b, c, m[8], 0x8771f681, 11);
  RUNNEL_MD5_STEP(H, c, d, a, b, m[11], 0x6d9d6122, 16);
  RUNNEL_MD5_STEP(H, b, c, d, a, m[14], 0xfde5380c, 23);
  RUNNEL_MD5_STEP(H, a, b, c, d, m[1], 0xa4beea44, 4);
  RUNNEL_MD5_STEP(H, d, a, b, c, m[4], 0x4bdecfa9, 11);
  RUNNEL_MD5_STEP(H, c, d, a, b, m[7], 0xf6bb4b60, 16);
  RUNNEL_MD5_STEP(H, b, c, d, a, m[10], 0xbebfbc70, 23);
  RUNNEL_MD5_STEP(H, a, b, c, d, m[13], 0x289b7ec6, 4);
  RUNNEL_MD5_STEP(H, d, a, b, c, m[0], 0xeaa127fa, 11);
  RUNNEL_MD5_STEP(H, c, d, a, b, m[3], 0xd4ef3085, 16);
  RUNNEL_MD5_STEP(H, b, c, d, a, m[6], 0x04881d05, 23);
  RUNNEL_MD5_STEP(H, a, b, c, d, m[9], 0xd9d4d039, 4);
  RUNNEL_MD5_STEP(H, d, a, b, c, m[12], 0xe6db99e5, 11);
  RUNNEL_MD5_STEP(H, c, d, a, b, m[15], 0x1fa27cf8, 16);
  RUNNEL_MD5_STEP(H, b, c, d, a, m[2], 0xc4ac5665, 23);
  RUNNEL_MD5_STEP(I, a, b, c, d, m[0], 0xf4292244, 6);
  RUNNEL_MD5_STEP(I, d, a, b, c, m[7], 0x432aff97, 10);
  RUNNEL_MD5_STEP(I, c, d, a, b, m[14], 0xab9423a7, 15);
  RUNNEL_MD5_STEP(I, b, c, d, a, m[5], 0xfc93a039, 21);
  RUNNEL_MD5_STEP(I, a, b, c, d, m[12], 0x655b59c3, 6);
  RUNNEL_MD5_STEP(I, d, a, b, c, m[3], 0x8f0ccc92, 10);
  RUNNEL_MD5_STEP(I, c, d, a, b, m[10], 0xffeff47d, 15);
  RUNNEL_MD5_STEP(I, b, c, d, a, m[1], 0x85845dd1, 21);
  RUNNEL_MD5_STEP(I, a, b, c, d, m[8], 0x6fa87e4f, 6);
  RUNNEL_MD5_STEP(I, d, a, b, c, m[15], 0xfe2ce6e0, 10);
  RUNNEL_MD5_STEP(I, c, d, a, b, m[6], 0xa3014314, 15);
  RUNNEL_MD5_STEP(I, b, c, d, a, m[13], 0x4e0811a1, 21);
  RUNNEL_MD5_STEP(I, a, b, c, d, m[4], 0xf7537e82, 6);
  RUNNEL_MD5_STEP(I, d, a, b, c, m[11], 0xbd3af235, 10);
  RUNNEL_MD5_STEP(I, c, d, a, b, m[2], 0x2ad7d2bb, 15);
  RUNNEL_MD5_STEP(I, b, c, d, a, m[9], 0xeb86d391, 21);
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

#undef RUNNEL_MD5_STEP
#undef RUNNEL_MD5_I
#undef RUNNEL_MD5_H
#undef RUNNEL_MD5_G
#undef RUNNEL_MD5_F

inline uint32_t ByteSwap32(uint32_t v) { return __builtin_bswap32(v); }

}  // namespace

HashKey HashOfPartitionKey(std::string_view partition_key) {
  uint32_t state[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  const auto* p = reinterpret_cast<const unsigned char*>(partition_key.data());
  size_t n = partition_key.size();
  const uint64_t bit_length = static_cast<uint64_t>(n) * 8;
  for (; n >= 64; n -= 64, p += 64) Md5Block(state, p);
  // The tail, 0x80, zeros and the bit length (little-endian) fill one or two more blocks.
  unsigned char tail[128] = {};
  if (n != 0) std::memcpy(tail, p, n);
  tail[n] = 0x80;
  const size_t tail_len = n < 56 ? 64 : 128;
  for (int i = 0; i < 8; ++i) tail[tail_len - 8 + i] = static_cast<unsigned char>(bit_length >> (8 * i));
  Md5Block(state, tail);
  if (tail_len == 128) Md5Block(state, tail + 64);
  // The digest is the state words in little-endian order; read it as a big-endian integer.
  return HashKey{ByteSwap32(state[0])} << 96 | HashKey{ByteSwap32(state[1])} << 64 |
         HashKey{ByteSwap32(state[2])} << 32 | HashKey{ByteSwap32(state[3])};
}

std::optional<HashKey> ParseHashKey(std::string_view decimal) {
  if (decimal.empty()) return std::nullopt;
  HashKey v = 0;
  for (char c : decimal) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<unsigned>(c - '0');
    // v * 10 + d must stay <= kMaxHashKey.
    if (v > (kMaxHashKey - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::string ToDecimal(HashKey k) {
  // 2^128 - 1 has 39 digits: split into at most three base-10^19 chunks so that only two
  // 128-bit divisions are needed.
  if (k == 0) return "0";
  uint64_t low = static_cast<uint64_t>(k % kTen19);
  HashKey rest = k / kTen19;
  uint64_t mid = static_cast<uint64_t>(rest % kTen19);
  uint64_t high = static_cast<uint64_t>(rest / kTen19);  // < 10^19 since k < 10^39

  char buf[64];
  char* end = buf + sizeof(buf);
  PutDigits(low, 19, end - 19);
  PutDigits(mid, 19, end - 38);
  PutDigits(high, 19, end - 57);
  char* p = end - 57;
  while (*p == '0') ++p;  // k != 0, so a non-zero digit exists
  return std::string(p, end);
}

std::vector<HashKeyRange> SplitEvenly(uint32_t n) {
  assert(n >= 1);
  // step = floor(2^128 / n) without representing 2^128: with 2^128 = kMax + 1,
  // floor((kMax + 1) / n) = kMax / n + 1 exactly when n divides kMax + 1, i.e. when
  // kMax % n == n - 1. For n == 1 that would be 2^128 (wraps to 0), but with a single shard
  // step is never used: the last shard always ends at kMaxHashKey.
  const HashKey wide_n = n;
  const HashKey step = kMaxHashKey / wide_n + (kMaxHashKey % wide_n == wide_n - 1 ? 1 : 0);
  std::vector<HashKeyRange> ranges;
  ranges.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    HashKeyRange r;
    r.start = step * i;
    r.end = (i + 1 == n) ? kMaxHashKey : step * (i + 1) - 1;
    ranges.push_back(r);
  }
  return ranges;
}

}  // namespace runnel::stream
