// Token layout (all integers little-endian, fixed width):
//
//   header   8 bytes   00 00 00 00 00 00 00 01   (AWS iterators start "AAAAAAAAAAE")
//   payload            u8  layout version (1)
//                      u8  account length, then the account bytes
//                      u8  stream name length, then the stream name bytes
//                      i64 stream_creation_ms
//                      u32 shard_index
//                      u64 next_offset
//                      i64 issued_ms
//   mac     16 bytes   HMAC-SHA256(key, header | payload), first 16 bytes
//
// token = base64(header | payload | mac). A 12-digit account and a 128-char stream name give
// 195 bytes, i.e. 260 base64 chars (the API allows 512).
//
// Encode REQUIRES account and stream name of at most 255 bytes (the API allows 12 and 128);
// debug builds assert, release builds truncate.
//
// Decode accepts only the canonical base64 text of a token with this header, a matching MAC
// and exactly this layout; anything else is kInvalid. Expiry: an iterator is valid while
// now_ms - issued_ms <= kIteratorLifetimeMs (so 300000 ms old is valid, 300001 ms is
// kExpired). An issued_ms more than kIteratorLifetimeMs in the future is kInvalid.
#include "stream/shard_iterator.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>
#include <cstring>

#include "common/base64.h"
#include "common/coding.h"

namespace runnel::stream {
namespace {

constexpr unsigned char kHeader[8] = {0, 0, 0, 0, 0, 0, 0, 1};
constexpr size_t kHeaderSize = sizeof(kHeader);
constexpr uint8_t kLayoutVersion = 1;
constexpr size_t kMacSize = 16;
constexpr size_t kMaxFieldSize = 255;  // u8 length prefixes
// version + 2 length bytes + creation + shard + offset + issued
constexpr size_t kFixedPayloadSize = 1 + 1 + 1 + 8 + 4 + 8 + 8;
constexpr size_t kMinTokenBytes = kHeaderSize + kFixedPayloadSize + kMacSize;
constexpr size_t kMaxTokenBytes = kMinTokenBytes + 2 * kMaxFieldSize;
constexpr size_t kMaxTokenChars = (kMaxTokenBytes + 2) / 3 * 4;
// Tokens are issued by this process, so issued_ms lies in the future only if the wall clock
// stepped back. Tolerate that up to one iterator lifetime; anything later is not ours.
constexpr int64_t kMaxFutureSkewMs = kIteratorLifetimeMs;

// Writes the first kMacSize bytes of HMAC-SHA256(key, data) to `mac`.
void ComputeMac(const std::string& key, const unsigned char* data, size_t n, unsigned char* mac) {
  unsigned char full[EVP_MAX_MD_SIZE];
  unsigned int full_len = 0;
  unsigned char* res = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, n, full,
                            &full_len);
  assert(res != nullptr && full_len >= kMacSize);
  (void)res;
  std::memcpy(mac, full, kMacSize);
}

}  // namespace

std::string IteratorCodec::Encode(const IteratorPosition& p) const {
  assert(key_.size() >= 16);
  assert(p.account.size() <= kMaxFieldSize && p.stream_name.size() <= kMaxFieldSize);
  unsigned char buf[kMaxTokenBytes];
  char* w = reinterpret_cast<char*>(buf);
  std::memcpy(w, kHeader, kHeaderSize);
  w += kHeaderSize;
  *w++ = static_cast<char>(kLayoutVersion);
  for (const std::string* s : {&p.account, &p.stream_name}) {
    size_t len = s->size() < kMaxFieldSize ? s->size() : kMaxFieldSize;
    *w++ = static_cast<char>(len);
    std::memcpy(w, s->data(), len);
    w += len;
  }
  coding::PutFixed64(w, static_cast<uint64_t>(p.stream_creation_ms));
  w += 8;
  coding::PutFixed32(w, p.shard_index);
  w += 4;
  coding::PutFixed64(w, p.next_offset);
  w += 8;
  coding::PutFixed64(w, static_cast<uint64_t>(p.issued_ms));
  w += 8;
  size_t signed_len = static_cast<size_t>(reinterpret_cast<unsigned char*>(w) - buf);
  ComputeMac(key_, buf, signed_len, buf + signed_len);
  size_t total = signed_len + kMacSize;

  std::string token(base64::EncodedSize(total), '\0');
  base64::EncodeTo(std::string_view(reinterpret_cast<const char*>(buf), total), token.data());
  return token;
}

Result<IteratorPosition, IteratorError> IteratorCodec::Decode(std::string_view token,
                                                              int64_t now_ms,
                                                              IteratorPosition* expired_out) const {
  auto invalid = [] { return MakeUnexpected(IteratorError::kInvalid); };
  if (token.size() < base64::EncodedSize(kMinTokenBytes) ||
      token.size() > kMaxTokenChars) {
    return invalid();
  }
  std::string raw;
  raw.reserve(token.size() / 4 * 3);
  if (base64::DecodeAppend(token, raw).error != base64::DecodeError::kNone) return invalid();
  if (raw.size() < kMinTokenBytes || raw.size() > kMaxTokenBytes) return invalid();
  {
    // Only the canonical encoding is accepted (the decoder ignores the unused bits of a
    // padded last quantum, which would let several strings name one token).
    char canonical[kMaxTokenChars];
    base64::EncodeTo(raw, canonical);
    if (base64::EncodedSize(raw.size()) != token.size() ||
        std::memcmp(canonical, token.data(), token.size()) != 0) {
      return invalid();
    }
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  if (std::memcmp(bytes, kHeader, kHeaderSize) != 0) return invalid();

  size_t signed_len = raw.size() - kMacSize;
  unsigned char mac[kMacSize];
  ComputeMac(key_, bytes, signed_len, mac);
  if (CRYPTO_memcmp(mac, bytes + signed_len, kMacSize) != 0) return invalid();

  // Authentic from here on; the layout checks guard against a key shared with another format.
  const char* r = raw.data() + kHeaderSize;
  const char* end = raw.data() + signed_len;
  if (static_cast<uint8_t>(*r++) != kLayoutVersion) return invalid();
  IteratorPosition p;
  for (std::string* s : {&p.account, &p.stream_name}) {
    if (r >= end) return invalid();
    size_t len = static_cast<uint8_t>(*r++);
    if (static_cast<size_t>(end - r) < len) return invalid();
    s->assign(r, len);
    r += len;
  }
  if (end - r != 8 + 4 + 8 + 8) return invalid();
  p.stream_creation_ms = static_cast<int64_t>(coding::GetFixed64(r));
  r += 8;
  p.shard_index = coding::GetFixed32(r);
  r += 4;
  p.next_offset = coding::GetFixed64(r);
  r += 8;
  p.issued_ms = static_cast<int64_t>(coding::GetFixed64(r));

  // age = now_ms - issued_ms; on overflow the sign of the true difference decides.
  int64_t age = 0;
  bool overflow = __builtin_sub_overflow(now_ms, p.issued_ms, &age);
  bool too_new = overflow ? now_ms < p.issued_ms : age < -kMaxFutureSkewMs;
  bool too_old = overflow ? now_ms > p.issued_ms : age > kIteratorLifetimeMs;
  if (too_new) return invalid();
  if (too_old) {  // exactly kIteratorLifetimeMs old is still valid; one ms more is expired
    if (expired_out != nullptr) *expired_out = std::move(p);
    return MakeUnexpected(IteratorError::kExpired);
  }
  return p;
}

}  // namespace runnel::stream
