#include "stream/sequence_number.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace runnel::stream {
namespace {

constexpr const char* kAwsExample = "49600871682979337187563555549332609155523708941634633746";

bool FieldsEqual(const SequenceFields& a, const SequenceFields& b) {
  return a.shard_creation_s == b.shard_creation_s && a.shard_index == b.shard_index &&
         a.counter == b.counter && a.arrival_s == b.arrival_s;
}

// Bit length of a decimal string, by repeated halving (independent of the codec's U192).
int BitLength(std::string s) {
  int bits = 0;
  while (!(s.size() == 1 && s[0] == '0')) {
    std::string half;
    int carry = 0;
    for (char c : s) {
      int cur = carry * 10 + (c - '0');
      if (!half.empty() || cur / 2 != 0) half.push_back(static_cast<char>('0' + cur / 2));
      carry = cur % 2;
    }
    s = half.empty() ? "0" : half;
    ++bits;
  }
  return bits;
}

TEST(SequenceNumberTest, DecodesAwsDocExample) {
  auto f = DecodeSequenceNumber(kAwsExample);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->shard_index, 1u);
  EXPECT_EQ(f->shard_creation_s, 1572297165);
  EXPECT_EQ(f->counter, 0u);
  EXPECT_EQ(f->arrival_s, 1572297165);
  EXPECT_EQ(EncodeSequenceNumber(*f), kAwsExample);
}

TEST(SequenceNumberTest, EncodesKnownValues) {
  // Expected values computed independently (Python big integers) from the documented layout.
  EXPECT_EQ(EncodeSequenceNumber({1572297165, 1, 0, 1572297165}), kAwsExample);
  EXPECT_EQ(EncodeSequenceNumber({1700000000, 3, 12345, 1700000001}),
            "49646437577175378652512468290174725823545971991260430386");
  EXPECT_EQ(EncodeSequenceNumber({1700000000, 0x12345678, kEndingCounter, 1700000300}),
            "49646437577298032751104386702527774105083346740631136130");
  EXPECT_EQ(EncodeSequenceNumber({0, 0, 0, 0}),
            "49039857307708443467467104868809893875799651909875269634");
  EXPECT_EQ(EncodeSequenceNumber({(int64_t{1} << 36) - 1, 0xFFFFFFFFu, kEndingCounter,
                                  (int64_t{1} << 36) - 1}),
            "73559785961551514828601391991642868751110021924530421746");
}

TEST(SequenceNumberTest, EncodeToWritesSameDigitsWithoutTerminator) {
  SequenceFields f{1572297165, 1, 0, 1572297165};
  char buf[64];
  std::memset(buf, 'x', sizeof(buf));
  size_t len = EncodeSequenceNumberTo(f, buf);
  ASSERT_EQ(len, 56u);
  EXPECT_EQ(std::string(buf, len), kAwsExample);
  EXPECT_EQ(buf[len], 'x');  // nothing written past the digits
}

TEST(SequenceNumberTest, RoundTripsAndHas186Bits) {
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 5000; ++i) {
    SequenceFields f;
    f.shard_creation_s = 1500000000 + static_cast<int64_t>(rng() % 1000000000);
    f.shard_index = static_cast<uint32_t>(rng());
    f.counter = rng() & kEndingCounter;
    f.arrival_s = f.shard_creation_s + static_cast<int64_t>(rng() % 100000000);
    std::string s = EncodeSequenceNumber(f);
    ASSERT_EQ(s.size(), 56u) << s;
    auto back = DecodeSequenceNumber(s);
    ASSERT_TRUE(back.has_value()) << s;
    ASSERT_TRUE(FieldsEqual(*back, f)) << s;
    if (i < 200) {
      ASSERT_EQ(BitLength(s), 186) << s;  // highest set bit is 185
    }
  }
}

TEST(SequenceNumberTest, RoundTripsFieldExtremes) {
  const int64_t kMaxTime = (int64_t{1} << 36) - 1;
  for (int64_t t : {int64_t{0}, int64_t{1}, kMaxTime}) {
    for (uint32_t shard : {0u, 1u, 15u, 16u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
      for (uint64_t counter : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 62, kEndingCounter}) {
        SequenceFields f{t, shard, counter, kMaxTime - t};
        std::string s = EncodeSequenceNumber(f);
        auto back = DecodeSequenceNumber(s);
        ASSERT_TRUE(back.has_value()) << s;
        EXPECT_TRUE(FieldsEqual(*back, f)) << s;
        EXPECT_EQ(BitLength(s), 186) << s;
      }
    }
  }
}

TEST(SequenceNumberTest, CounterDominatesForConsecutiveCounters) {
  // Arrival times wobble (they are not monotonic in AWS either) but stay within 36 bits.
  std::mt19937_64 rng(7);
  const int64_t creation = 1700000000;
  std::string prev = EncodeSequenceNumber({creation, 5, 0, creation});
  for (uint64_t c = 1; c <= 10000; ++c) {
    int64_t arrival = creation + static_cast<int64_t>(rng() % 86400);
    std::string cur = EncodeSequenceNumber({creation, 5, c, arrival});
    ASSERT_EQ(CompareSequenceNumbers(prev, cur), -1) << c;
    ASSERT_EQ(CompareSequenceNumbers(cur, prev), 1) << c;
    prev = cur;
  }
}

TEST(SequenceNumberTest, CounterDominatesForRandomLargeCounters) {
  std::mt19937_64 rng(99);
  std::vector<uint64_t> counters;
  for (int i = 0; i < 2000; ++i) counters.push_back(rng() & kEndingCounter);
  counters.push_back(kEndingCounter);
  counters.push_back(kEndingCounter - 1);
  std::sort(counters.begin(), counters.end());
  counters.erase(std::unique(counters.begin(), counters.end()), counters.end());

  const int64_t creation = 1600000000;
  std::string prev;
  for (uint64_t c : counters) {
    // Anything from the shard's creation to the largest 36-bit time.
    int64_t arrival = creation + static_cast<int64_t>(rng() % ((int64_t{1} << 36) - creation));
    std::string cur = EncodeSequenceNumber({creation, 0xABCDEFu, c, arrival});
    if (!prev.empty()) {
      ASSERT_LT(CompareSequenceNumbers(prev, cur), 0) << c;
    }
    prev = cur;
  }
}

TEST(SequenceNumberTest, ChildShardNumbersExceedParentEnding) {
  // A child created after its parent closed sorts after the parent's EndingSequenceNumber.
  std::string parent_end = EncodeSequenceNumber({1700000000, 0, kEndingCounter, 1700005000});
  std::string child_start = EncodeSequenceNumber({1700005000, 3, 0, 1700005000});
  EXPECT_EQ(CompareSequenceNumbers(parent_end, child_start), -1);
}

TEST(SequenceNumberTest, CompareIsNumeric) {
  EXPECT_EQ(CompareSequenceNumbers("0", "0"), 0);
  EXPECT_EQ(CompareSequenceNumbers("9", "10"), -1);
  EXPECT_EQ(CompareSequenceNumbers("10", "9"), 1);
  EXPECT_EQ(CompareSequenceNumbers("123", "124"), -1);
  EXPECT_EQ(CompareSequenceNumbers(kAwsExample, kAwsExample), 0);
  EXPECT_EQ(CompareSequenceNumbers("99999999999999999999", "100000000000000000000"), -1);
}

TEST(SequenceNumberTest, RejectsGarbage) {
  for (const char* s : {"", "0", "1", "abc", "-49600871682979337187563555549332609155523708941634633746",
                        "4960087168297933718756355554933260915552370894163463374x",
                        " 49600871682979337187563555549332609155523708941634633746",
                        "49600871682979337187563555549332609155523708941634633746 ",
                        "4960087168297933718756355554933260915552370894163463374.6"}) {
    EXPECT_FALSE(DecodeSequenceNumber(s).has_value()) << s;
  }
  EXPECT_FALSE(DecodeSequenceNumber(std::string(57, '9')).has_value());
  EXPECT_FALSE(DecodeSequenceNumber(std::string(58, '9')).has_value());
  EXPECT_FALSE(DecodeSequenceNumber(std::string(59, '9')).has_value());  // > 192 bits
  EXPECT_FALSE(DecodeSequenceNumber(std::string(5000, '1')).has_value());
  // Leading zeros are not canonical.
  EXPECT_FALSE(DecodeSequenceNumber(std::string("0") + kAwsExample).has_value());
}

TEST(SequenceNumberTest, RejectsWrongStructure) {
  // Each case is the AWS example with one field broken (values from Python big integers).
  // Low nibble 3 instead of 2 (example + 1).
  EXPECT_FALSE(
      DecodeSequenceNumber("49600871682979337187563555549332609155523708941634633747").has_value());
  // Low nibble 0 (example - 2).
  EXPECT_FALSE(
      DecodeSequenceNumber("49600871682979337187563555549332609155523708941634633744").has_value());
  // Shard index 2 in bits 4-35 but low nibble 1 at bits 144-147 (example + 16).
  EXPECT_FALSE(
      DecodeSequenceNumber("49600871682979337187563555549332609155523708941634633762").has_value());
  // Version 3 at bits 184-187 (example + 2^184).
  EXPECT_FALSE(
      DecodeSequenceNumber("74120800336833558921297107983737556093423534896572268562").has_value());
  // Version 1 (example - 2^184).
  EXPECT_FALSE(
      DecodeSequenceNumber("25080943029125115453830003114927662217623882986696998930").has_value());
  // Non-zero byte at bits 72-79 (example + 2^72).
  EXPECT_FALSE(
      DecodeSequenceNumber("49600871682979337187563555549332613877890191811279847442").has_value());
  // Counter with its top bit set (example + 2^143).
  EXPECT_FALSE(
      DecodeSequenceNumber("49600871682990487560162820860903377014660033122387623954").has_value());
}

// Incrementing the decimal in place gives exactly what encoding counter + 1 gives, including
// counters whose +1 carries through many decimal digits and the largest counters allowed.
TEST(SequenceNumberTest, IncrementMatchesEncode) {
  std::mt19937_64 rng(7);
  constexpr uint64_t kMaxTime = (uint64_t{1} << 36) - 1;
  std::vector<uint64_t> counters = {0, 1, 9, 99, 999999, 1000000, (uint64_t{1} << 32) - 1,
                                    kEndingCounter - 2, kEndingCounter - 1000};
  for (int i = 0; i < 2000; ++i) counters.push_back(rng() % (kEndingCounter - 1));
  for (int i = 0; i < 200; ++i) counters.push_back(rng() % 100000);
  for (uint64_t counter : counters) {
    SequenceFields f;
    f.shard_creation_s = static_cast<int64_t>(rng() % (kMaxTime + 1));
    f.shard_index = static_cast<uint32_t>(rng());
    f.arrival_s = static_cast<int64_t>(rng() % (kMaxTime + 1));
    if (counter % 3 == 0) f.shard_index = counter % 17;  // small indexes, like real shards
    f.counter = counter;
    char digits[64];
    size_t len = EncodeSequenceNumberTo(f, digits);
    // Several steps in a row, as the put path does within a batch.
    for (int step = 0; step < 3 && f.counter + 1 < kEndingCounter; ++step) {
      ASSERT_TRUE(IncrementSequenceCounter(digits, len)) << counter;
      ++f.counter;
      char expected[64];
      size_t expected_len = EncodeSequenceNumberTo(f, expected);
      ASSERT_EQ(std::string(digits, len), std::string(expected, expected_len)) << counter;
      auto back = DecodeSequenceNumber(std::string_view(digits, len));
      ASSERT_TRUE(back.has_value());
      EXPECT_TRUE(FieldsEqual(*back, f));
    }
  }
}

TEST(SequenceNumberTest, IncrementRefusesWhatItCannotDo) {
  std::string short_number = "12345";
  EXPECT_FALSE(IncrementSequenceCounter(short_number.data(), short_number.size()));
  std::string nines(56, '9');  // the sum would need a 57th digit
  EXPECT_FALSE(IncrementSequenceCounter(nines.data(), nines.size()));
}

}  // namespace
}  // namespace runnel::stream
