// A small CBOR (RFC 8949) codec: just what the Kinesis CBOR protocol needs
// (kinesis-wire.md §4). Hand-written rather than libcbor: the protocol uses a handful of item
// kinds, we transcode straight to/from JSON text without building a tree, and the reader must
// enforce our own bounds (depth, lengths vs. remaining input) on untrusted bodies.
//
// Writer: always the shortest head encoding, definite lengths.
// Reader: item heads one at a time; accepts every encoding width and indefinite lengths.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace runnel::api::cbor {

enum class Major : uint8_t {
  kUnsigned = 0,
  kNegative = 1,  // value is -1 - arg
  kBytes = 2,
  kText = 3,
  kArray = 4,
  kMap = 5,
  kTag = 6,
  kSimple = 7,  // false/true/null/undefined, floats, break
};

// Tag 1: AWS puts epoch MILLISECONDS (not seconds, as RFC 8949 says) behind it.
constexpr uint64_t kTagEpochTime = 1;

// Appends CBOR items to `out`. Containers are definite: the caller gives the count, then
// writes that many items (maps: key, value, key, value ...).
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void Head(Major major, uint64_t arg);  // shortest form of the initial byte + argument
  void Unsigned(uint64_t v) { Head(Major::kUnsigned, v); }
  void Int(int64_t v);
  void Bytes(std::string_view b);
  void Text(std::string_view s);
  void BeginArray(uint64_t count) { Head(Major::kArray, count); }
  void BeginMap(uint64_t pairs) { Head(Major::kMap, pairs); }
  void Tag(uint64_t tag) { Head(Major::kTag, tag); }
  void Bool(bool v) { out_.push_back(v ? '\xf5' : '\xf4'); }
  void Null() { out_.push_back('\xf6'); }
  void Double(double v);  // always float64 (0xfb)
  // Tag 1 + integer epoch milliseconds, as the AWS SDKs write timestamps.
  void TimestampMs(int64_t ms) {
    Tag(kTagEpochTime);
    Int(ms);
  }

 private:
  std::string& out_;
};

// One decoded initial byte and its argument.
struct Head {
  Major major = Major::kUnsigned;
  uint8_t info = 0;         // low 5 bits of the initial byte
  uint64_t arg = 0;         // value / length / count / tag / simple value (floats: raw bits)
  bool indefinite = false;  // info 31 on major 2-5
  bool is_break = false;    // 0xff
};

// Reads heads and string payloads from a buffer. Never reads past the end; every failure
// (truncation, reserved info values 28-30, an indefinite length on a major type that has
// none) returns false and leaves the reader unusable.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool ReadHead(Head* h);
  // The next `n` payload bytes. False if fewer remain.
  bool ReadPayload(uint64_t n, std::string_view* out);
  size_t Remaining() const { return in_.size() - pos_; }
  bool AtEnd() const { return pos_ == in_.size(); }
  size_t Position() const { return pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

// IEEE 754 half precision (major 7, info 25) to double.
double HalfToDouble(uint16_t half);

}  // namespace runnel::api::cbor
