#include "cli/bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace runnel::cli::bench {

// Values below 2^kSubBits get one bucket each. Above, the power of two `e` (its top bit)
// selects a group of 2^kSubBits buckets that split [2^e, 2^(e+1)) linearly.
int Histogram::BucketOf(uint64_t v) {
  if (v < (1u << kSubBits)) return static_cast<int>(v);
  int top = 63 - std::countl_zero(v);        // >= kSubBits
  int shift = top - kSubBits;                // how many low bits are dropped
  int group = shift + 1;                     // group 0 is the exact range
  int sub = static_cast<int>((v >> shift) - (1u << kSubBits));
  int b = (group << kSubBits) + sub;
  return std::min(b, kBuckets - 1);
}

uint64_t Histogram::UpperEdge(int bucket) {
  int group = bucket >> kSubBits;
  uint64_t sub = bucket & ((1 << kSubBits) - 1);
  if (group == 0) return sub;
  int shift = group - 1;
  return (((uint64_t{1} << kSubBits) + sub + 1) << shift) - 1;
}

void Histogram::Record(uint64_t value) {
  ++counts_[BucketOf(value)];
  ++count_;
  max_ = std::max(max_, value);
}

void Histogram::Merge(const Histogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

uint64_t Histogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(UpperEdge(i), max_);
  }
  return max_;
}

}  // namespace runnel::cli::bench
