// JsonWriter: appends compact JSON to a std::string with no per-value allocation. Commas are
// inserted automatically. Strings are escaped per RFC 8259 (control chars as \u00XX; UTF-8
// passed through).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace runnel {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view k);  // next value is this member's
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Epoch milliseconds as a JSON number of seconds with a millisecond fraction (1700000000.123).
  JsonWriter& TimestampMs(int64_t ms);
  // Base64 of raw bytes, written straight into the output.
  JsonWriter& Base64(std::string_view bytes);
  // A value the caller writes itself: appends `n` bytes (after a comma when one is due) and
  // returns where they start, for the caller to fill with exactly n bytes of valid JSON.
  // For hot paths whose fields need no escaping (numbers, base64, checked strings).
  char* RawValue(size_t n);
  // Shorthands for members.
  JsonWriter& Member(std::string_view k, std::string_view v) { return Key(k).String(v); }
  JsonWriter& Member(std::string_view k, int64_t v) { return Key(k).Int(v); }

 private:
  void Sep();
  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace runnel
