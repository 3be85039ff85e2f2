// Declarative request validation (kinesis-errors.md §2), run over the parsed JSON document.
//
// Each action declares a table of FieldSpec rows (shapes come from api/shapes.h, one
// definition per AWS shape). Validate() performs, in AWS's order:
//   1. type checks of every present member (wrong type -> SerializationException with the
//      Coral/Java message, e.g. "class java.lang.String can not be converted to an Integer"),
//   2. constraint checks in table order (null / length / range / pattern / enum), collecting
//      up to 10 violations into one ValidationException:
//      "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy
//       constraint: Member must have value greater than or equal to 1; ..."
// Members whose JSON value is null count as absent. Unknown members are ignored.
// Blobs are checked in pass 1 (kinesalite's base64 rules); those marked keep_decoded are
// decoded by that same check, and the action reads the bytes from ThreadDecodedBlobs().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "api/api_error.h"

namespace runnel::api {

enum class FieldType {
  kString,
  kInteger,    // 32-bit
  kLong,       // 64-bit
  kBoolean,
  kTimestamp,  // number of epoch seconds (int or fractional)
  kBlob,       // base64 string; length constraints apply to the decoded bytes
  kStructure,  // `members` describes the fields
  kList,       // `members[0]` describes each element
  kMap,        // string -> `members[0]` value; key constraints in `key_spec`
};

// Patterns are matched by hand-written matchers (no std::regex on the hot path).
enum class Pattern {
  kNone,
  kName,            // [a-zA-Z0-9_.-]+  (StreamName, ShardId, ConsumerName)
  kHashKey,         // 0|([1-9]\d{0,38})
  kSequenceNumber,  // 0|([1-9]\d{0,128})
  kStreamArn,       // arn:aws.*:kinesis:.*:\d{12}:stream/\S+
  kConsumerArn,     // ^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+
  kResourceArn,     // arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+
  kStreamId,        // [a-z0-9]{20}-[a-z0-9]{3}
};

struct FieldSpec {
  std::string_view name;  // PascalCase member name as on the wire
  FieldType type = FieldType::kString;
  bool required = false;
  // Length (strings, blobs, lists, maps) or value (numbers).
  std::optional<int64_t> min = std::nullopt;
  std::optional<int64_t> max = std::nullopt;
  Pattern pattern = Pattern::kNone;
  std::span<const std::string_view> enum_values = {};
  std::span<const FieldSpec> members = {};  // structure members / list element / map value
  const FieldSpec* key_spec = nullptr;      // map keys
  // Lists of structures: how one element is shown in a violation's value, e.g.
  // "com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@2" (empty: the element itself).
  std::string_view member_str = {};
  // Blobs: decode during the type check (which then needs no separate base64 scan) and keep
  // the bytes for the action (see DecodedBlobs()).
  bool keep_decoded = false;
};

// The bytes of the keep_decoded blobs that the last Validate() on this thread accepted, in
// the order its type checks met them (document order for a list of structures). Each names
// its base64 text by address, so a caller can check that an entry is the one it expects.
// Valid until the next Validate() on this thread; the buffer is kept for reuse.
class DecodedBlobs {
 public:
  size_t size() const { return blobs_.size(); }
  const char* source(size_t i) const { return blobs_[i].source; }
  std::string_view bytes(size_t i) const {
    return {data_.get() + blobs_[i].begin, blobs_[i].end - blobs_[i].begin};
  }

  // Validate()'s side.
  void Clear();
  // Room for `n` more bytes after the kept ones (the pointer is valid until the next call).
  char* Reserve(size_t n);
  // Keeps the first `n` bytes written at Reserve()'s pointer, decoded from `source`.
  void Commit(const char* source, size_t n);

 private:
  struct Blob {
    const char* source;
    size_t begin, end;
  };
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0, used_ = 0;
  std::vector<Blob> blobs_;
};
const DecodedBlobs& ThreadDecodedBlobs();

// Validates `body` (the top-level JSON value) against `fields`. Returns the ApiError to send,
// or nullopt when the request is well-formed. A body that is not an object is a
// SerializationException.
std::optional<ApiError> Validate(simdjson::dom::element body, std::span<const FieldSpec> fields);

// Lower-camel path segment of a member name: "StreamName" -> "streamName".
std::string LowerCamel(std::string_view pascal);

// Pattern matcher (exposed for tests and for checks outside tables).
bool MatchesPattern(Pattern p, std::string_view s);

// The regular expression as AWS prints it in "Member must satisfy regular expression pattern".
std::string_view PatternText(Pattern p);

// Java String.length() of UTF-8 text: UTF-16 code units (code points >= 0x10000 count 2).
size_t Utf16Length(std::string_view utf8);

// Value readers that apply the same coercions as Validate(), for action code reading a
// document that already passed Validate(). REQUIRES: `v` is a JSON number.
// Integers/longs: fractional values are floored (kinesalite/Coral truncation); Integer values
// above 2^31-1 are clamped to it; everything is clamped to the int64 range.
int64_t IntegerValue(simdjson::dom::element v, FieldType type = FieldType::kLong);
// Timestamps: JSON seconds (int or fractional) -> epoch milliseconds (floored).
int64_t TimestampMsValue(simdjson::dom::element v);

}  // namespace runnel::api
