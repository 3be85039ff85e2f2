#include "stream/hash_key.h"

// MD5_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but kept (Debian 12
// builds them) and much cheaper per call for 1-256 byte keys; see HashOfPartitionKey.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>

#include <cassert>
#include <cstdint>

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

}  // namespace

HashKey HashOfPartitionKey(std::string_view partition_key) {
  // OpenSSL's low-level MD5 (no provider dispatch, no context allocation): on the put path,
  // once per record, it costs about half of EVP with a fetched MD and a per-thread context.
  MD5_CTX ctx;
  unsigned char digest[MD5_DIGEST_LENGTH];
  MD5_Init(&ctx);
  MD5_Update(&ctx, partition_key.data(), partition_key.size());
  MD5_Final(digest, &ctx);
  HashKey k = 0;
  for (int i = 0; i < 16; ++i) k = (k << 8) | digest[i];  // big-endian
  return k;
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
