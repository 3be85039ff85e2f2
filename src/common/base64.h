// Standard RFC 4648 base64 (with '=' padding), as Kinesis uses for blobs in JSON.
//
// Encode and decode use AVX2 when the CPU has it (chosen once at run time, the build does
// not assume it) and portable scalar code otherwise; both give identical results. Decode
// checks the alphabet and the padding in the same pass that converts.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace runnel::base64 {

inline size_t EncodedSize(size_t n) { return (n + 2) / 3 * 4; }
// Upper bound of the decoded size of `n` base64 chars (exact when there is no padding).
inline size_t MaxDecodedSize(size_t n) { return n / 4 * 3; }

// Appends the encoding of `in` to `out` (no allocation beyond growing `out`).
void EncodeAppend(std::string_view in, std::string& out);
// Writes EncodedSize(in.size()) chars to dst.
void EncodeTo(std::string_view in, char* dst);

enum class DecodeError { kNone, kBadLength, kBadChar };
struct DecodeStatus {
  DecodeError error = DecodeError::kNone;
  char bad_char = 0;  // for kBadChar: the first offending char of the input
};
// Decodes `in` and appends the bytes to `out`. Strict: length must be a multiple of 4,
// only the alphabet and trailing '=' (at most 2) are allowed. Non-zero trailing bits of
// the last char before '=' are accepted (callers needing canonical text check it).
// On error `out` is left as it was.
DecodeStatus DecodeAppend(std::string_view in, std::string& out);

struct DecodeResult {
  DecodeError error = DecodeError::kNone;
  char bad_char = 0;  // for kBadChar: the first offending char of the input
  size_t size = 0;    // bytes written to dst (valid when error == kNone)
};
// Same rules as DecodeAppend, writing to dst, which must have room for
// MaxDecodedSize(in.size()) bytes. On error dst holds unspecified bytes.
DecodeResult DecodeTo(std::string_view in, char* dst);

// True when every char of `s` is one of the 64 alphabet chars ('=' is not). The same
// check decode makes, for callers that validate without decoding.
bool AllInAlphabet(std::string_view s);

// True when the AVX2 code paths are in use (the CPU supports them and no test forced scalar).
bool UsingSimd();
// Test hook: `true` routes every call through the scalar code, `false` restores dispatch.
void ForceScalarForTesting(bool scalar);

}  // namespace runnel::base64
