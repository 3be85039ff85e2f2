// The 128-bit hash-key space: MD5 routing of partition keys, decimal conversion, and the
// even split AWS uses at CreateStream (kinesis-api.md §3.2).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::stream {

using HashKey = unsigned __int128;
constexpr HashKey kMaxHashKey = ~HashKey{0};  // 2^128 - 1

struct HashKeyRange {
  HashKey start = 0;
  HashKey end = 0;  // inclusive
  bool Contains(HashKey k) const { return k >= start && k <= end; }
};

// MD5 of the UTF-8 bytes of `partition_key`, read as a big-endian unsigned 128-bit integer.
HashKey HashOfPartitionKey(std::string_view partition_key);

// Parses a decimal string. Returns nullopt if it is empty, has a non-digit, or is >= 2^128.
std::optional<HashKey> ParseHashKey(std::string_view decimal);

std::string ToDecimal(HashKey k);

// Shard i of n gets [i*step, (i+1)*step - 1] with step = floor(2^128 / n); the last shard ends
// at 2^128 - 1. REQUIRES: n >= 1.
std::vector<HashKeyRange> SplitEvenly(uint32_t n);

}  // namespace runnel::stream
