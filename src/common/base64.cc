#include "common/base64.h"

#include <array>
#include <cstdint>

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
}  // namespace

void EncodeTo(std::string_view in, char* dst) {
  auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size(), i = 0;
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

void EncodeAppend(std::string_view in, std::string& out) {
  size_t old = out.size();
  out.resize(old + EncodedSize(in.size()));
  EncodeTo(in, out.data() + old);
}

DecodeStatus DecodeAppend(std::string_view in, std::string& out) {
  if (in.size() % 4 != 0) return {DecodeError::kBadLength, 0};
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') pad = (in.size() >= 2 && in[in.size() - 2] == '=') ? 2 : 1;
  size_t old = out.size();
  out.resize(old + in.size() / 4 * 3);
  auto* dst = reinterpret_cast<uint8_t*>(out.data() + old);
  auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t body = in.size() - pad;
  size_t i = 0;
  for (; i + 4 <= body; i += 4) {
    int a = kDecode[p[i]], b = kDecode[p[i + 1]], c = kDecode[p[i + 2]], d = kDecode[p[i + 3]];
    if ((a | b | c | d) < 0) {
      for (int k = 0; k < 4; ++k)
        if (kDecode[p[i + k]] < 0) {
          out.resize(old);
          return {DecodeError::kBadChar, static_cast<char>(p[i + k])};
        }
    }
    uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    *dst++ = static_cast<uint8_t>(v >> 16);
    *dst++ = static_cast<uint8_t>(v >> 8);
    *dst++ = static_cast<uint8_t>(v);
  }
  if (pad > 0) {
    // Last quantum: 4 - pad significant chars.
    uint32_t v = 0;
    size_t sig = 4 - pad;
    for (size_t k = 0; k < sig; ++k) {
      int x = kDecode[p[i + k]];
      if (x < 0) {
        out.resize(old);
        return {DecodeError::kBadChar, static_cast<char>(p[i + k])};
      }
      v |= uint32_t(x) << (18 - 6 * k);
    }
    *dst++ = static_cast<uint8_t>(v >> 16);
    if (sig == 3) *dst++ = static_cast<uint8_t>(v >> 8);
  }
  out.resize(old + in.size() / 4 * 3 - pad);
  return {};
}

}  // namespace runnel::base64
