// BatchBuilder: builds one framed record batch (see docs/formats/segment.md) in a reusable
// buffer, so that a PutRecords call becomes one contiguous write.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace runnel::storage {

class BatchBuilder {
 public:
  // Starts a new batch, keeping the buffer's capacity.
  void Clear();
  // Makes room for `records` more records holding `payload_bytes` bytes in all, so that the
  // Add calls that follow do not reallocate.
  void Reserve(size_t records, size_t payload_bytes);
  // Appends one record whose payload is the concatenation of the parts (callers that prefix
  // a small header and a key to a large body need not join them first).
  void Add(int64_t timestamp_ms, std::string_view part1, std::string_view part2 = {},
           std::string_view part3 = {});
  uint32_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t payload_bytes() const;

  // Used by Log::Append: fills in the header (base offset, count, CRCs) and returns the
  // whole framed batch.
  std::string_view Finish(uint64_t base_offset);
  int64_t max_timestamp_ms() const { return max_ts_; }
  int64_t first_timestamp_ms() const { return first_ts_; }

 private:
  // Ensures capacity for `n` bytes in all, keeping the first size_ bytes.
  void Grow(size_t n);

  // Header space + records. Not zero-filled: every byte up to size_ is written by Add or
  // Finish before it is read.
  std::unique_ptr<char[]> buf_;
  size_t size_ = 0;
  size_t capacity_ = 0;
  uint32_t count_ = 0;
  int64_t first_ts_ = 0;
  int64_t max_ts_ = 0;
};

}  // namespace runnel::storage
