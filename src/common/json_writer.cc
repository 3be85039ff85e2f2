#include "common/json_writer.h"

#include <charconv>
#include <cstdint>
#include <cstring>

#include "common/base64.h"

namespace runnel {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// True when one of the 8 bytes in `w` is < 0x20, '"' or '\\' (the bytes JSON must escape).
// Classic SWAR zero-byte tests: (x - 0x01..) & ~x & 0x80.. flags a zero byte of x.
inline bool NeedsEscape8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
  const uint64_t below_space = (w - kOnes * 0x20) & ~w;  // byte < 0x20 (with high bit clear)
  return (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | below_space) &
         kHigh;
}

// Index of the first byte that needs escaping, checking 8 bytes at a time (most strings
// written here, sequence numbers, shard ids, names, need none).
size_t FirstToEscape(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (NeedsEscape8(w)) break;
  }
  for (; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return s.size();
}

void AppendEscaped(std::string_view s, std::string& out) {
  const size_t first = FirstToEscape(s);
  if (first == s.size()) {  // the common case: one append
    const size_t at = out.size();
    out.resize(at + s.size() + 2);
    char* p = out.data() + at;
    *p = '"';
    std::memcpy(p + 1, s.data(), s.size());
    p[s.size() + 1] = '"';
    return;
  }
  out.push_back('"');
  out.append(s.data(), first);
  size_t run_start = first;
  for (size_t i = first; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(u, sizeof(u));
      }
    }
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out.push_back('"');
}

void AppendInt(int64_t v, std::string& out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

}  // namespace

void JsonWriter::Sep() {
  if (need_comma_) out_.push_back(',');
}

JsonWriter& JsonWriter::BeginObject() {
  Sep();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Sep();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view k) {
  Sep();
  AppendEscaped(k, out_);
  out_.push_back(':');
  need_comma_ = false;  // the value follows without a comma
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  Sep();
  AppendEscaped(s, out_);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  Sep();
  AppendInt(v, out_);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  Sep();
  out_.append(v ? "true" : "false");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Null() {
  Sep();
  out_.append("null");
  need_comma_ = true;
  return *this;
}

// Seconds with exactly three decimals, sign + magnitude so the number is exact:
// 0 -> 0.000, -1 ms -> -0.001, -1500 ms -> -1.500.
JsonWriter& JsonWriter::TimestampMs(int64_t ms) {
  Sep();
  bool negative = ms < 0;
  // Work in unsigned magnitude so INT64_MIN does not overflow.
  uint64_t mag = negative ? uint64_t{0} - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  uint64_t secs = mag / 1000;
  unsigned frac = static_cast<unsigned>(mag % 1000);
  if (negative) out_.push_back('-');
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), secs);
  out_.append(buf, end);
  char f[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
               static_cast<char>('0' + frac % 10)};
  out_.append(f, sizeof(f));
  need_comma_ = true;
  return *this;
}

char* JsonWriter::RawValue(size_t n) {
  Sep();
  size_t at = out_.size();
  out_.resize(at + n);  // a small zero-fill of bytes already in cache, about to be overwritten
  need_comma_ = true;
  return out_.data() + at;
}

JsonWriter& JsonWriter::Base64(std::string_view bytes) {
  Sep();
  out_.push_back('"');
  base64::EncodeAppend(bytes, out_);
  out_.push_back('"');
  need_comma_ = true;
  return *this;
}

}  // namespace runnel
