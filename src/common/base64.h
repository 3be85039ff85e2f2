// Standard RFC 4648 base64 (with '=' padding), as Kinesis uses for blobs in JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace runnel::base64 {

inline size_t EncodedSize(size_t n) { return (n + 2) / 3 * 4; }
// Appends the encoding of `in` to `out` (no allocation beyond growing `out`).
void EncodeAppend(std::string_view in, std::string& out);
// Writes EncodedSize(in.size()) chars to dst.
void EncodeTo(std::string_view in, char* dst);

enum class DecodeError { kNone, kBadLength, kBadChar };
struct DecodeStatus {
  DecodeError error = DecodeError::kNone;
  char bad_char = 0;  // for kBadChar
};
// Decodes `in` and appends the bytes to `out`. Strict: length must be a multiple of 4,
// only the alphabet and trailing '=' (at most 2) are allowed.
DecodeStatus DecodeAppend(std::string_view in, std::string& out);

}  // namespace runnel::base64
