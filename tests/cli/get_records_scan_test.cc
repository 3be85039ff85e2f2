// ScanGetRecords: counts the records exactly and finds NextShardIterator and
// MillisBehindLatest in real GetRecords bodies (Runnel's compact form, and pretty-printed
// peers' forms), and rejects what is not a GetRecords response.
#include "cli/bench/get_records_scan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace runnel::cli::bench {
namespace {

std::string RunnelRecord(int i, const std::string& key = "pk") {
  return R"({"SequenceNumber":"4960087168297933718756355554933260915552370894163463)" +
         std::to_string(1000 + i) +
         R"(","ApproximateArrivalTimestamp":1700000000.123,"Data":"aGVsbG8gd29ybGQ=","PartitionKey":")" +
         key + R"("})";
}

std::string RunnelBody(int n, const std::string& tail) {
  std::string b = R"({"Records":[)";
  for (int i = 0; i < n; ++i) {
    if (i) b += ',';
    b += RunnelRecord(i);
  }
  b += "]" + tail + "}";
  return b;
}

TEST(GetRecordsScanTest, RunnelResponse) {
  const std::string body =
      RunnelBody(3, R"(,"NextShardIterator":"AAAAAAAAAAGx+/abc=","MillisBehindLatest":1234)");
  auto s = ScanGetRecords(body);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.records, 3u);
  EXPECT_TRUE(s.has_next_iterator);
  EXPECT_EQ(s.next_iterator, "AAAAAAAAAAGx+/abc=");
  EXPECT_TRUE(s.has_millis_behind);
  EXPECT_EQ(s.millis_behind_latest, 1234);
}

TEST(GetRecordsScanTest, ManyRecords) {
  const std::string body =
      RunnelBody(10000, R"(,"NextShardIterator":"it","MillisBehindLatest":0)");
  auto s = ScanGetRecords(body);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.records, 10000u);
  EXPECT_EQ(s.next_iterator, "it");
}

TEST(GetRecordsScanTest, EmptyRecords) {
  constexpr std::string_view body =
      R"({"Records":[],"NextShardIterator":"it","MillisBehindLatest":0})";
  auto s = ScanGetRecords(body);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.records, 0u);
  EXPECT_EQ(s.next_iterator, "it");
  EXPECT_EQ(s.millis_behind_latest, 0);
}

TEST(GetRecordsScanTest, ClosedShardWithChildrenHasNoIterator) {
  auto s = ScanGetRecords(RunnelBody(
      2, R"(,"MillisBehindLatest":0,"ChildShards":[{"ShardId":"shardId-000000000001","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"17"}},{"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"18","EndingHashKey":"99"}}])"));
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.records, 2u);
  EXPECT_FALSE(s.has_next_iterator);
}

TEST(GetRecordsScanTest, TrickyPartitionKeysDoNotCount) {
  // Escaped quotes, backslashes, brackets and the key names themselves inside strings.
  std::string b = R"({"Records":[)" + RunnelRecord(0, R"(\"SequenceNumber\":{[\\)") + "," +
                  RunnelRecord(1, R"(\\\"},{\"NextShardIterator\":\"x)") + "," +
                  RunnelRecord(2, R"(],\\)") +
                  R"(],"NextShardIterator":"real","MillisBehindLatest":5})";
  auto s = ScanGetRecords(b);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.records, 3u);
  EXPECT_EQ(s.next_iterator, "real");
  EXPECT_EQ(s.millis_behind_latest, 5);
}

TEST(GetRecordsScanTest, PrettyPrintedAndReordered) {
  // Another server's layout: whitespace everywhere, the iterator first, extra fields.
  constexpr std::string_view body = R"({
  "NextShardIterator" : "AAA\/BBB",
  "MillisBehindLatest" : 7,
  "Records" : [
    { "PartitionKey" : "a", "Data" : "eA==", "SequenceNumber" : "1",
      "ApproximateArrivalTimestamp" : 1.7e9, "EncryptionType": null },
    { "SequenceNumber" : "2", "Data" : "eQ==", "PartitionKey" : "b" }
  ]
}
)";
  auto s = ScanGetRecords(body);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.records, 2u);
  EXPECT_EQ(s.next_iterator, R"(AAA\/BBB)");
  std::string it;
  UnescapeJsonString(s.next_iterator, &it);
  EXPECT_EQ(it, "AAA/BBB");
  EXPECT_EQ(s.millis_behind_latest, 7);
}

TEST(GetRecordsScanTest, NamesInsideValuesDoNotCount) {
  // Partition keys equal to the key names are values, not keys.
  std::string b = R"({"Records":[)" + RunnelRecord(0, "SequenceNumber") + "," +
                  RunnelRecord(1, "NextShardIterator") + "," + RunnelRecord(2, "Records") +
                  R"(],"NextShardIterator":"real","MillisBehindLatest":0})";
  auto s = ScanGetRecords(b);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.records, 3u);
  EXPECT_EQ(s.next_iterator, "real");
}

TEST(GetRecordsScanTest, MemberOrderMayDifferBetweenRecords) {
  // Kinesalite writes SequenceNumber after Data; Runnel and AWS write it first.
  constexpr std::string_view body =
      R"({"Records":[{"SequenceNumber":"1","Data":"eA==","PartitionKey":"a"},{"Data":"x","SequenceNumber":"2"}],"NextShardIterator":"it","MillisBehindLatest":0})";
  auto s = ScanGetRecords(body);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.records, 2u);
  EXPECT_EQ(s.next_iterator, "it");
  constexpr std::string_view reversed =
      R"({"Records":[{"Data":"x","PartitionKey":"{","SequenceNumber":"1"},{"SequenceNumber":"2","PartitionKey":"{{"},{"PartitionKey":"}{","SequenceNumber":"3"}, { "SequenceNumber" : "4"}]})";
  EXPECT_EQ(ScanGetRecords(reversed).records, 4u);
}

TEST(GetRecordsScanTest, KeyNameInsideValuesDoesNotCount) {
  // "SequenceNumber" (with escaped quotes, after a brace, or bare) inside Data and
  // PartitionKey values, in both member orders.
  constexpr std::string_view body = R"({"Records":[)"
      R"({"SequenceNumber":"1","Data":"SequenceNumber","PartitionKey":"{\"SequenceNumber\":\"9\"}"},)"
      R"({"Data":"{\"SequenceNumber\":","PartitionKey":"{SequenceNumber","SequenceNumber":"2"},)"
      R"({"PartitionKey":"\\{\"SequenceNumber\"\\","SequenceNumber":"3","Data":"{"},)"
      R"({"SequenceNumber":"4","PartitionKey":"{\"SequenceNumber\" :"}],)"
      R"("NextShardIterator":"real","MillisBehindLatest":3})";
  auto s = ScanGetRecords(body);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.records, 4u);
  EXPECT_EQ(s.next_iterator, "real");
  EXPECT_EQ(s.millis_behind_latest, 3);
}

TEST(GetRecordsScanTest, RandomBodiesCountEveryRecord) {
  // Records with shuffled member order and partition keys made of JSON's structural
  // characters and the key name, escaped as a JSON writer would.
  std::mt19937 rng(7);
  const std::string pieces[] = {"{", "}", "[", "]", ",", ":", "\"", "\\", "SequenceNumber",
                                "\"SequenceNumber\":", "{\"SequenceNumber\"", " ", "x"};
  auto escape = [](const std::string& raw) {
    std::string out;
    for (char c : raw) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out;
  };
  for (int round = 0; round < 200; ++round) {
    const int n = static_cast<int>(rng() % 20);
    std::string b = R"({"Records":[)";
    for (int i = 0; i < n; ++i) {
      std::string key;
      for (int j = static_cast<int>(rng() % 6); j > 0; --j) key += pieces[rng() % std::size(pieces)];
      std::vector<std::string> members = {
          R"("SequenceNumber":")" + std::to_string(i) + "\"",
          R"("Data":"eA==")",
          R"("PartitionKey":")" + escape(key) + "\"",
          R"("ApproximateArrivalTimestamp":1.5)"};
      std::shuffle(members.begin(), members.end(), rng);
      if (i) b += rng() % 2 ? "," : " ,\n ";
      b += rng() % 2 ? "{" : "{ ";
      for (size_t m = 0; m < members.size(); ++m) b += (m ? "," : "") + members[m];
      b += "}";
    }
    b += R"(],"NextShardIterator":"it","MillisBehindLatest":0})";
    auto s = ScanGetRecords(b);
    ASSERT_EQ(s.error, "") << b;
    ASSERT_EQ(s.records, static_cast<uint64_t>(n)) << b;
  }
}

TEST(GetRecordsScanTest, ErrorBodiesAreErrors) {
  EXPECT_NE(ScanGetRecords(R"({"__type":"ExpiredIteratorException","message":"Iterator expired"})").error, "");
  EXPECT_NE(ScanGetRecords("").error, "");
  EXPECT_NE(ScanGetRecords("Internal Server Error").error, "");
  EXPECT_NE(ScanGetRecords("[]").error, "");
  EXPECT_NE(ScanGetRecords(R"({"Records":{}})").error, "");
}

TEST(GetRecordsScanTest, TruncatedBodiesAreErrors) {
  const std::string full =
      RunnelBody(3, R"(,"NextShardIterator":"it","MillisBehindLatest":0)");
  for (size_t cut : {full.size() - 1, full.size() / 2, size_t{12}, size_t{30}}) {
    EXPECT_NE(ScanGetRecords(full.substr(0, cut)).error, "") << "cut at " << cut;
  }
}

TEST(GetRecordsScanTest, UnescapeJsonString) {
  std::string out;
  UnescapeJsonString(R"(plain)", &out);
  EXPECT_EQ(out, "plain");
  UnescapeJsonString(R"(a\"b\\c\/d\n\u0041\u00e9)", &out);
  EXPECT_EQ(out, "a\"b\\c/d\nA\\u00e9");
}

}  // namespace
}  // namespace runnel::cli::bench
