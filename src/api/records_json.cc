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

// True when `s` can go between JSON quotes as it is (no quote, backslash or control char).
bool PlainJsonString(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
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
  char digits[20];
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
  p = Put(p, seq);
  p = Put(p, kTsOpen);
  p = Put(p, std::string_view(cache.digits, secs_len));
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
