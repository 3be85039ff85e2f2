// BatchBuilder: builds one framed record batch (see docs/formats/segment.md) in a reusable
// buffer, so that a PutRecords call becomes one contiguous write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace runnel::storage {

class BatchBuilder {
 public:
  // Starts a new batch, keeping the buffer's capacity.
  void Clear();
  // Appends one record whose payload is the concatenation of `parts` (avoids a copy for
  // callers that prefix a small header to a large body).
  void Add(int64_t timestamp_ms, std::string_view part1, std::string_view part2 = {});
  uint32_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t payload_bytes() const;

  // Used by Log::Append: fills in the header (base offset, count, CRCs) and returns the
  // whole framed batch.
  std::string_view Finish(uint64_t base_offset);
  int64_t max_timestamp_ms() const { return max_ts_; }
  int64_t first_timestamp_ms() const { return first_ts_; }

 private:
  std::string buf_;  // header space + records
  uint32_t count_ = 0;
  int64_t first_ts_ = 0;
  int64_t max_ts_ = 0;
};

}  // namespace runnel::storage
