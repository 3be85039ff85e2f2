#include "api/records_json.h"

#include <charconv>
#include <cstring>
#include <string_view>

#include "api/describe_json.h"
#include "common/base64.h"

namespace runnel::api {

namespace {

// The fixed parts of one record's JSON, in order around its four variable fields.
constexpr std::string_view kSeqOpen = R"({"SequenceNumber":")";
constexpr std::string_view kTsOpen = R"(","ApproximateArrivalTimestamp":)";
constexpr std::string_view kDataOpen = R"(,"Data":")";
constexpr std::string_view kKeyOpen = R"(","PartitionKey":")";
constexpr std::string_view kClose = R"("})";
constexpr std::string_view kCloseKms = R"(","EncryptionType":"KMS"})";

// Nonzero when one of the 8 bytes of `w` is below 0x20, a quote or a backslash (the
// classic "has a zero byte" / "has a byte less than n" word tricks: exact as to whether any
// byte matches, which is all that is asked).
inline uint64_t NeedsEscape8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const uint64_t quote = w ^ (kOnes * '"');
  const uint64_t slash = w ^ (kOnes * '\\');
  // quote and slash have w's high bits (both characters are ASCII), so one ~w serves all.
  return ((w - kOnes * 0x20) | (quote - kOnes) | (slash - kOnes)) & ~w & kHigh;
}

// True when `s` can go between JSON quotes as it is (no quote, backslash or control char).
// Eight bytes at a time: partition keys are typically 16-36 bytes.
bool PlainJsonString(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  if (n >= 8) {
    uint64_t w;
    for (; n > 8; p += 8, n -= 8) {
      std::memcpy(&w, p, 8);
      if (NeedsEscape8(w)) return false;
    }
    std::memcpy(&w, p + n - 8, 8);  // the last 8 bytes, overlapping the previous word
    return NeedsEscape8(w) == 0;
  }
  for (; n > 0; ++p, --n) {
    auto c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c == '"' || c == '\\') return false;
  }
  return true;
}

size_t DecimalDigits(uint64_t v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// The record object, written by JsonWriter (the general path: a partition key that needs
// escaping, or a timestamp before 1970).
void WriteRecordSlow(JsonWriter& w, const stream::OutRecord& rec) {
  w.BeginObject();
  w.Member("SequenceNumber", rec.sequence.sequence_number());
  w.Key("ApproximateArrivalTimestamp").TimestampMs(rec.arrival_ms);
  w.Key("Data").Base64(rec.data);
  w.Member("PartitionKey", rec.partition_key);
  if (rec.encrypted) w.Member("EncryptionType", "KMS");
  w.EndObject();
}

char* Put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// The seconds of the last timestamp written, as digits: records of a batch mostly share them.
struct SecondsCache {
  uint64_t secs = ~uint64_t{0};
  size_t len = 0;
  char digits[20] = {};  // all 20 are copied (WriteRecordFast)
};

// The same bytes as WriteRecordSlow, sized once and written in place: the sequence number
// (decimal digits), timestamp (number) and base64 need no escaping, and the partition key
// was checked to need none.
void WriteRecordFast(JsonWriter& w, const stream::OutRecord& rec, SecondsCache& cache) {
  const std::string_view seq = rec.sequence.sequence_number();
  const auto ms = static_cast<uint64_t>(rec.arrival_ms);
  const uint64_t secs = ms / 1000;
  const auto frac = static_cast<unsigned>(ms % 1000);
  if (secs != cache.secs) {
    cache.secs = secs;
    cache.len = DecimalDigits(secs);
    std::to_chars(cache.digits, cache.digits + cache.len, secs);
  }
  const size_t secs_len = cache.len;
  const size_t data_len = base64::EncodedSize(rec.data.size());
  const std::string_view close = rec.encrypted ? kCloseKms : kClose;
  const size_t n = kSeqOpen.size() + seq.size() + kTsOpen.size() + secs_len + 4 +
                   kDataOpen.size() + data_len + kKeyOpen.size() + rec.partition_key.size() +
                   close.size();
  char* p = w.RawValue(n);
  p = Put(p, kSeqOpen);
  // The sequence number and the seconds are copied as whole fixed-size buffers (inline moves
  // instead of a memcpy call each): the bytes past their lengths land on what this record
  // writes next, which is at least as long and is written afterwards.
  static_assert(sizeof(rec.sequence.sequence) <= kTsOpen.size() + 1 + 4 + kDataOpen.size() +
                                                     kKeyOpen.size() + kClose.size());
  static_assert(sizeof(cache.digits) <= 4 + kDataOpen.size() + kKeyOpen.size() + kClose.size());
  std::memcpy(p, rec.sequence.sequence, sizeof(rec.sequence.sequence));
  p += seq.size();
  p = Put(p, kTsOpen);
  std::memcpy(p, cache.digits, sizeof(cache.digits));
  p += secs_len;
  *p++ = '.';
  *p++ = static_cast<char>('0' + frac / 100);
  *p++ = static_cast<char>('0' + frac / 10 % 10);
  *p++ = static_cast<char>('0' + frac % 10);
  p = Put(p, kDataOpen);
  base64::EncodeTo(rec.data, p);
  p += data_len;
  p = Put(p, kKeyOpen);
  p = Put(p, rec.partition_key);
  Put(p, close);
}

}  // namespace

void WriteRecords(JsonWriter& w, const std::vector<stream::OutRecord>& records) {
  w.Key("Records").BeginArray();
  SecondsCache seconds;
  for (const auto& rec : records) {
    if (rec.arrival_ms >= 0 && PlainJsonString(rec.partition_key)) {
      WriteRecordFast(w, rec, seconds);
    } else {
      WriteRecordSlow(w, rec);
    }
  }
  w.EndArray();
}

void WriteChildShards(JsonWriter& w, const std::vector<stream::ChildShard>& children) {
  if (children.empty()) return;
  w.Key("ChildShards").BeginArray();
  for (const auto& c : children) {
    w.BeginObject().Member("ShardId", c.shard_id);
    w.Key("ParentShards").BeginArray();
    for (const auto& p : c.parents) w.String(p);
    w.EndArray();
    w.Key("HashKeyRange");
    WriteHashKeyRange(w, c.range);
    w.EndObject();
  }
  w.EndArray();
}

size_t EstimateRecordsJson(const std::vector<stream::OutRecord>& records) {
  // Exact for the fast path (a 10-digit timestamp, no escaping), plus room for the rest of
  // the response; a key that needs escaping may grow the string once.
  constexpr size_t kFixed = kSeqOpen.size() + kTsOpen.size() + 14 + kDataOpen.size() +
                            kKeyOpen.size() + kCloseKms.size() + 1;
  size_t estimate = 512;
  for (const auto& rec : records) {
    estimate += kFixed + rec.sequence.sequence_length + rec.partition_key.size() +
                base64::EncodedSize(rec.data.size());
  }
  return estimate;
}

}  // namespace runnel::api
