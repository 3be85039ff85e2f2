// Histogram: a fixed-size log-linear latency histogram (about 0.4% relative precision, values
// up to ~2^40 units), cheap enough to record every request on the load generator's hot path.
// Not thread-safe: keep one per connection and Merge() them at the end.
#pragma once

#include <array>
#include <cstdint>

namespace runnel::cli::bench {

class Histogram {
 public:
  void Record(uint64_t value);
  void Merge(const Histogram& other);
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  // Value at quantile q in [0, 1] (upper edge of the bucket holding it; exact below 256).
  uint64_t Percentile(double q) const;

 private:
  static constexpr int kSubBits = 8;  // 256 linear sub-buckets per power of two
  static constexpr int kBuckets = (40 - kSubBits + 1) << kSubBits;
  static int BucketOf(uint64_t v);
  static uint64_t UpperEdge(int bucket);
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace runnel::cli::bench
