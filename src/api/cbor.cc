#include "api/cbor.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace runnel::api::cbor {

void Writer::Head(Major major, uint64_t arg) {
  const auto m = static_cast<uint8_t>(static_cast<uint8_t>(major) << 5);
  if (arg < 24) {
    out_.push_back(static_cast<char>(m | arg));
    return;
  }
  int bytes;
  uint8_t info;
  if (arg <= 0xff) {
    bytes = 1, info = 24;
  } else if (arg <= 0xffff) {
    bytes = 2, info = 25;
  } else if (arg <= 0xffffffffu) {
    bytes = 4, info = 26;
  } else {
    bytes = 8, info = 27;
  }
  out_.push_back(static_cast<char>(m | info));
  for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<char>(arg >> (8 * i)));
}

void Writer::Int(int64_t v) {
  if (v >= 0) return Head(Major::kUnsigned, static_cast<uint64_t>(v));
  // -1 - n == v  <=>  n == -(v + 1) == ~v (two's complement), no overflow at INT64_MIN.
  Head(Major::kNegative, ~static_cast<uint64_t>(v));
}

void Writer::Bytes(std::string_view b) {
  Head(Major::kBytes, b.size());
  out_.append(b);
}

void Writer::Text(std::string_view s) {
  Head(Major::kText, s.size());
  out_.append(s);
}

void Writer::Double(double v) {
  uint64_t bits = std::bit_cast<uint64_t>(v);
  out_.push_back('\xfb');
  for (int i = 7; i >= 0; --i) out_.push_back(static_cast<char>(bits >> (8 * i)));
}

bool Reader::ReadHead(Head* h) {
  if (pos_ >= in_.size()) return false;
  const auto initial = static_cast<uint8_t>(in_[pos_++]);
  *h = Head{};
  h->major = static_cast<Major>(initial >> 5);
  h->info = initial & 0x1f;
  if (h->info < 24) {
    h->arg = h->info;
    return true;
  }
  if (h->info == 31) {
    switch (h->major) {
      case Major::kBytes:
      case Major::kText:
      case Major::kArray:
      case Major::kMap:
        h->indefinite = true;
        return true;
      case Major::kSimple:
        h->is_break = true;
        return true;
      default:
        return false;  // no indefinite integers or tags
    }
  }
  if (h->info > 27) return false;  // 28-30 are reserved
  const size_t bytes = size_t{1} << (h->info - 24);
  if (Remaining() < bytes) return false;
  uint64_t arg = 0;
  for (size_t i = 0; i < bytes; ++i) arg = (arg << 8) | static_cast<uint8_t>(in_[pos_++]);
  h->arg = arg;
  return true;
}

bool Reader::ReadPayload(uint64_t n, std::string_view* out) {
  if (n > Remaining()) return false;
  *out = in_.substr(pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return true;
}

double HalfToDouble(uint16_t half) {
  // RFC 8949 Appendix D.
  const int exp = (half >> 10) & 0x1f;
  const int mant = half & 0x3ff;
  double val;
  if (exp == 0) {
    val = std::ldexp(mant, -24);
  } else if (exp != 31) {
    val = std::ldexp(mant + 1024, exp - 25);
  } else {
    val = mant == 0 ? INFINITY : NAN;
  }
  return (half & 0x8000) ? -val : val;
}

}  // namespace runnel::api::cbor
