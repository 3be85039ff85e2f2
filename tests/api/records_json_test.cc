// WriteRecords: the in-place fast path must produce exactly what the general JsonWriter path
// produces, for every record shape.
#include "api/records_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/json_writer.h"
#include "stream/sequence_number.h"

namespace runnel::api {
namespace {

stream::OutRecord Record(uint64_t counter, int64_t ms, std::string_view key, std::string_view data,
                         bool encrypted = false) {
  stream::OutRecord r;
  stream::SequenceFields f{1700000000, 3, counter, 1700000000};
  r.sequence.shard_index = 3;
  r.sequence.sequence_length =
      static_cast<uint8_t>(stream::EncodeSequenceNumberTo(f, r.sequence.sequence));
  r.arrival_ms = ms;
  r.partition_key = key;
  r.data = data;
  r.encrypted = encrypted;
  return r;
}

// What WriteRecords must write, built with nothing but the general JsonWriter calls.
std::string Reference(const std::vector<stream::OutRecord>& records) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("Records").BeginArray();
  for (const auto& rec : records) {
    w.BeginObject();
    w.Member("SequenceNumber", rec.sequence.sequence_number());
    w.Key("ApproximateArrivalTimestamp").TimestampMs(rec.arrival_ms);
    w.Key("Data").Base64(rec.data);
    w.Member("PartitionKey", rec.partition_key);
    if (rec.encrypted) w.Member("EncryptionType", "KMS");
    w.EndObject();
  }
  w.EndArray();
  w.Member("MillisBehindLatest", int64_t{0});
  w.EndObject();
  return out;
}

std::string Written(const std::vector<stream::OutRecord>& records) {
  std::string out;
  out.reserve(EstimateRecordsJson(records));
  const size_t reserved = out.capacity();
  JsonWriter w(out);
  w.BeginObject();
  WriteRecords(w, records);
  w.Member("MillisBehindLatest", int64_t{0});
  w.EndObject();
  EXPECT_LE(out.size(), reserved) << "the estimate must cover the response";
  return out;
}

TEST(RecordsJsonTest, EmptyList) {
  std::vector<stream::OutRecord> none;
  EXPECT_EQ(Written(none), R"({"Records":[],"MillisBehindLatest":0})");
}

TEST(RecordsJsonTest, OneRecordExactBytes) {
  std::vector<stream::OutRecord> recs = {Record(1, 1700000000123, "pk", "hello")};
  std::string seq(recs[0].sequence.sequence_number());
  EXPECT_EQ(Written(recs), R"({"Records":[{"SequenceNumber":")" + seq +
                               R"(","ApproximateArrivalTimestamp":1700000000.123,"Data":"aGVsbG8=","PartitionKey":"pk"}],"MillisBehindLatest":0})");
}

TEST(RecordsJsonTest, FastPathMatchesGeneralPath) {
  const std::string binary("\x00\xff\x10\"\\", 5);
  std::vector<stream::OutRecord> recs = {
      Record(1, 0, "k", ""),                          // epoch, empty data
      Record(2, 5, "a", "x"),                         // 0.005
      Record(3, 999, "ab", "xy"),                     // 0.999
      Record(4, 1000, "abc", "xyz"),                  // 1.000
      Record(5, 1700000000000, "key-1", binary),      // .000 fraction
      Record(6, 99999999999999, "\xC3\xA9t\xC3\xA9", "utf-8 key"),  // 14 digits of seconds
      Record(7, 1700000000001, "kms", "secret", true),
      Record(8, 1700000000002, "tab\tkey", "needs escaping"),       // general path
      Record(9, 1700000000003, "quote\"key", "needs escaping"),
      Record(10, 1700000000004, std::string_view("nul\0", 4), "x"),
      Record(11, -1500, "before-1970", "general path"),
      Record(12, 1700000000005, "back\\slash", "x", true),
      Record(13, 1700000000006, "/slash is fine", std::string(1000, 'z')),
  };
  EXPECT_EQ(Written(recs), Reference(recs));
}

TEST(RecordsJsonTest, RepeatedAndChangingSeconds) {
  // The fast path reuses the digits of the previous record's seconds: same second, the next
  // one, a different digit count, a general-path record in between, and back again.
  std::vector<stream::OutRecord> recs = {
      Record(1, 1700000000123, "k", "a"),  Record(2, 1700000000999, "k", "b"),
      Record(3, 1700000001000, "k", "c"),  Record(4, 1700000001001, "k", "d"),
      Record(5, 999999999999, "k", "e"),   Record(6, 1000000000000, "k", "f"),
      Record(7, 1000000000000, "t\tk", "g"), Record(8, 1000000000500, "k", "h"),
      Record(9, 1700000000123, "k", "i"),  Record(10, 5, "k", "j"),
      Record(11, 1700000000123, "k", "l"),
  };
  EXPECT_EQ(Written(recs), Reference(recs));
}

TEST(RecordsJsonTest, EveryKeyLengthAndPositionOfACharacterToEscape) {
  // The partition-key check goes 8 bytes at a time with an overlapping last word: each
  // length up to 40 with one byte that needs escaping (or, for 0x20/0x7f/0x80/0xff and the
  // neighbours of quote and backslash, one that does not) at each position.
  const char specials[] = {'"', '\\', '\x00', '\x1f', '\x20', '\x21', '\x23', '\x5b',
                           '\x5d', '\x7f', '\x80', '\xa2', '\xdc', '\xff'};
  std::vector<std::string> keys;
  for (size_t len = 1; len <= 40; ++len) {
    keys.emplace_back(len, 'k');
    for (size_t at = 0; at < len; ++at) {
      for (char c : specials) {
        std::string key(len, 'k');
        key[at] = c;
        keys.push_back(key);
      }
    }
  }
  std::vector<stream::OutRecord> recs;
  for (size_t i = 0; i < keys.size(); ++i) {
    recs.push_back(Record(i + 1, 1700000000000 + static_cast<int64_t>(i), keys[i], "d"));
  }
  EXPECT_EQ(Written(recs), Reference(recs));
}

}  // namespace
}  // namespace runnel::api
