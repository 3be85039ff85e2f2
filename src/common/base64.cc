#include "common/base64.h"

#include <array>
#include <atomic>
#include <cstdint>

#include "common/base64_avx2.h"

namespace runnel::base64 {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kDecode = MakeDecodeTable();

bool CpuHasAvx2() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}
const bool kCpuHasAvx2 = CpuHasAvx2();
std::atomic<bool> g_force_scalar{false};

bool Simd() { return kCpuHasAvx2 && !g_force_scalar.load(std::memory_order_relaxed); }

void EncodeScalar(const uint8_t* p, size_t n, char* dst) {
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8) | p[i + 2];
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = uint32_t(p[i]) << 16;
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = '=';
    *dst++ = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8);
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = '=';
  }
}

// Decodes the whole quanta of p[0, body) (body % 4 == 0) and then the final quantum's
// `sig` significant chars (sig is 0, 2 or 3). Reports the first char outside the alphabet.
DecodeResult DecodeScalar(const uint8_t* p, size_t body, size_t sig, uint8_t* dst) {
  uint8_t* const start = dst;
  for (size_t i = 0; i < body; i += 4) {
    int a = kDecode[p[i]], b = kDecode[p[i + 1]], c = kDecode[p[i + 2]], d = kDecode[p[i + 3]];
    if ((a | b | c | d) < 0) {
      for (size_t k = 0;; ++k)
        if (kDecode[p[i + k]] < 0) return {DecodeError::kBadChar, static_cast<char>(p[i + k]), 0};
    }
    uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    dst[0] = static_cast<uint8_t>(v >> 16);
    dst[1] = static_cast<uint8_t>(v >> 8);
    dst[2] = static_cast<uint8_t>(v);
    dst += 3;
  }
  if (sig > 0) {
    p += body;
    uint32_t v = 0;
    for (size_t k = 0; k < sig; ++k) {
      int x = kDecode[p[k]];
      if (x < 0) return {DecodeError::kBadChar, static_cast<char>(p[k]), 0};
      v |= uint32_t(x) << (18 - 6 * k);
    }
    *dst++ = static_cast<uint8_t>(v >> 16);
    if (sig == 3) *dst++ = static_cast<uint8_t>(v >> 8);
  }
  return {DecodeError::kNone, 0, static_cast<size_t>(dst - start)};
}
}  // namespace

bool UsingSimd() { return Simd(); }
void ForceScalarForTesting(bool scalar) { g_force_scalar.store(scalar); }

void EncodeTo(std::string_view in, char* dst) {
  auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t done = Simd() ? detail::EncodeBlocksAvx2(p, in.size(), dst) : 0;
  EncodeScalar(p + done, in.size() - done, dst + done / 3 * 4);
}

void EncodeAppend(std::string_view in, std::string& out) {
  size_t old = out.size();
  out.resize(old + EncodedSize(in.size()));
  EncodeTo(in, out.data() + old);
}

DecodeResult DecodeTo(std::string_view in, char* out) {
  size_t n = in.size();
  if (n % 4 != 0) return {DecodeError::kBadLength, 0, 0};
  size_t pad = 0;
  if (n != 0 && in[n - 1] == '=') pad = in[n - 2] == '=' ? 2 : 1;
  // The final quantum holds the padding: decode it separately when there is any.
  size_t body = pad ? n - 4 : n;
  size_t sig = pad ? 4 - pad : 0;
  auto* p = reinterpret_cast<const uint8_t*>(in.data());
  auto* dst = reinterpret_cast<uint8_t*>(out);
  // SIMD blocks never reach the final quantum, and stop before a block with a bad char;
  // the scalar code then finds and reports that char.
  size_t done = Simd() ? detail::DecodeBlocksAvx2(p, n, dst) : 0;
  DecodeResult r = DecodeScalar(p + done, body - done, sig, dst + done / 4 * 3);
  r.size += done / 4 * 3;
  return r;
}

bool AllInAlphabet(std::string_view s) {
  auto* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t i = Simd() ? detail::AlphabetBlocksAvx2(p, s.size()) : 0;
  int all = 0;
  for (; i < s.size(); ++i) all |= kDecode[p[i]];
  return all >= 0;
}

DecodeStatus DecodeAppend(std::string_view in, std::string& out) {
  if (in.size() % 4 != 0) return {DecodeError::kBadLength, 0};
  size_t old = out.size();
  out.resize(old + MaxDecodedSize(in.size()));
  DecodeResult r = DecodeTo(in, out.data() + old);
  out.resize(r.error == DecodeError::kNone ? old + r.size : old);
  return {r.error, r.bad_char};
}

}  // namespace runnel::base64
