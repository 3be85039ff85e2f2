// SequenceRun must write exactly what EncodeSequenceNumberTo writes, for every step a batch
// can take: +1 counters across limb and decimal carries, gaps, arrival-time changes (forward
// and back), a counter going back, and a run reused across batches and shards.
#include "stream/sequence_run.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "stream/sequence_number.h"

namespace runnel::stream {
namespace {

constexpr uint64_t kMaxCounter = (uint64_t{1} << 63) - 1;

std::string Reference(int64_t creation, uint32_t shard, uint64_t counter, int64_t arrival) {
  return EncodeSequenceNumber(SequenceFields{creation, shard, counter, arrival});
}

std::string Enc(SequenceRun& run, uint64_t counter, int64_t arrival) {
  char buf[64];
  size_t n = run.Encode(counter, arrival, buf);
  return std::string(buf, n);
}

// Encodes counters [first, first + n) with one run and checks each against the reference.
void ExpectConsecutive(int64_t creation, uint32_t shard, uint64_t first, int n, int64_t arrival) {
  SequenceRun run(creation, shard);
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(Enc(run, first + i, arrival), Reference(creation, shard, first + i, arrival))
        << "counter " << first + i;
  }
}

TEST(SequenceRunTest, FirstNumberMatchesEncoder) {
  SequenceRun run(1700000000, 3);
  EXPECT_EQ(Enc(run, 1, 1700000001), Reference(1700000000, 3, 1, 1700000001));
  EXPECT_EQ(Enc(run, 1, 1700000001).size(), 56u);
}

TEST(SequenceRunTest, ConsecutiveCountersFromZero) {
  ExpectConsecutive(1700000000, 0, 0, 20000, 1700000000);
}

TEST(SequenceRunTest, ConsecutiveCountersAcrossPowersOfTen) {
  // The counter's own decimal carries (999 -> 1000, ...) up to 10^18.
  for (uint64_t p = 10; p <= 1000000000000000000ull; p *= 10) {
    ExpectConsecutive(1700000000, 7, p - 50, 100, 1700000123);
  }
}

TEST(SequenceRunTest, CarriesIntoHigherLimbs) {
  // Every limb's carry happens somewhere in a long run; with the counter scaled by 2^80 the
  // low 32 digits change on every step and limb 4 (digits 33-40) changes every ~8*10^7 steps.
  // Starting points spread over the counter range make the carries land at many positions.
  std::mt19937_64 rng(42);
  for (int t = 0; t < 300; ++t) {
    uint64_t start = rng() & kMaxCounter;
    if (start > kMaxCounter - 2000) start -= 2000;
    ExpectConsecutive(static_cast<int64_t>(rng() % (uint64_t{1} << 36)),
                      static_cast<uint32_t>(rng()), start, 2000,
                      static_cast<int64_t>(rng() % (uint64_t{1} << 36)));
  }
}

TEST(SequenceRunTest, UpToTheLargestCounter) {
  ExpectConsecutive(1700000000, 1, kMaxCounter - 1000, 1001, 1700000000);
  ExpectConsecutive((int64_t{1} << 36) - 1, 0xFFFFFFFFu, kMaxCounter - 1000, 1001,
                    (int64_t{1} << 36) - 1);
}

TEST(SequenceRunTest, GapsAndArrivalChanges) {
  std::mt19937_64 rng(7);
  for (int t = 0; t < 50; ++t) {
    const auto creation = static_cast<int64_t>(rng() % (uint64_t{1} << 36));
    const auto shard = static_cast<uint32_t>(rng() % 5000);
    SequenceRun run(creation, shard);
    uint64_t counter = rng() % 1000000;
    int64_t arrival = 1600000000 + static_cast<int64_t>(rng() % 100000000);
    for (int i = 0; i < 3000; ++i) {
      switch (rng() % 8) {
        case 0: counter += rng() % 1000; break;                              // a gap
        case 1: arrival += static_cast<int64_t>(rng() % 3); break;           // time moves on
        case 2: arrival -= static_cast<int64_t>(rng() % 2); break;           // or back
        case 3: counter += uint64_t{1} << (rng() % 40); break;               // a big gap
        case 4: if (counter > 10) counter -= rng() % 10; break;              // counter back
        default: counter += 1; break;
      }
      ASSERT_EQ(Enc(run, counter, arrival), Reference(creation, shard, counter, arrival))
          << "step " << i << " counter " << counter << " arrival " << arrival;
    }
  }
}

TEST(SequenceRunTest, HugeDeltasStartOver) {
  SequenceRun run(1700000000, 2);
  EXPECT_EQ(Enc(run, 5, 10), Reference(1700000000, 2, 5, 10));
  EXPECT_EQ(Enc(run, 5 + (uint64_t{1} << 32), 10), Reference(1700000000, 2, 5 + (uint64_t{1} << 32), 10));
  EXPECT_EQ(Enc(run, kMaxCounter, (int64_t{1} << 36) - 1),
            Reference(1700000000, 2, kMaxCounter, (int64_t{1} << 36) - 1));
  EXPECT_EQ(Enc(run, 0, 0), Reference(1700000000, 2, 0, 0));
  EXPECT_EQ(Enc(run, 0, 0), Reference(1700000000, 2, 0, 0));  // the same number again
}

TEST(SequenceRunTest, OneRunPerBatchContinuesWhereTheLastStopped) {
  // GetRecords makes one run per batch; batch k+1 starts at batch k's last counter + 1.
  uint64_t counter = 999990;
  for (int batch = 0; batch < 5; ++batch) {
    SequenceRun run(1700000000, 4);
    for (int i = 0; i < 7; ++i, ++counter) {
      ASSERT_EQ(Enc(run, counter, 1700000500), Reference(1700000000, 4, counter, 1700000500));
    }
  }
}

}  // namespace
}  // namespace runnel::stream
