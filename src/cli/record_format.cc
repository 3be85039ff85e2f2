#include "cli/record_format.h"

#include <cstdio>
#include <ctime>

#include "common/base64.h"
#include "common/json_writer.h"

namespace runnel::cli {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Reject overlong forms, surrogates and values beyond U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string FormatIsoTime(int64_t epoch_ms) {
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(epoch_ms % 1000));
  return buf;
}

std::string FormatRecordText(std::string_view label, std::string_view shard_id, const Record& r) {
  std::string line;
  if (!label.empty()) line.append("[").append(label).append("] ");
  line.append(shard_id).append("  ").append(r.sequence_number).append("  ");
  line.append(r.partition_key).append("  ").append(FormatIsoTime(r.arrival_ms)).append("  ");
  if (IsValidUtf8(r.data)) {
    line.append(r.data);
  } else {
    line.append("base64:");
    base64::EncodeAppend(r.data, line);
  }
  return line;
}

std::string FormatRecordJson(std::string_view label, std::string_view shard_id, const Record& r,
                             int64_t received_ms) {
  std::string line;
  JsonWriter w(line);
  bool utf8 = IsValidUtf8(r.data);
  w.BeginObject()
      .Member("shard", shard_id)
      .Member("sequence_number", r.sequence_number)
      .Member("partition_key", r.partition_key)
      .Key("arrival_time")
      .TimestampMs(r.arrival_ms);
  if (utf8) {
    w.Member("data", r.data);
  } else {
    w.Key("data").Base64(r.data);
  }
  w.Member("data_encoding", utf8 ? "utf-8" : "base64")
      .Member("consumer", label)
      .Key("received_at")
      .TimestampMs(received_ms)
      .EndObject();
  return line;
}

}  // namespace runnel::cli
