#include "storage/record_batch.h"

#include <algorithm>

#include "common/coding.h"
#include "common/crc32c.h"
#include "storage/batch_format.h"

namespace runnel::storage {

void BatchBuilder::Clear() {
  buf_.clear();  // keeps capacity
  count_ = 0;
  first_ts_ = 0;
  max_ts_ = 0;
}

void BatchBuilder::Add(int64_t timestamp_ms, std::string_view part1, std::string_view part2) {
  if (buf_.empty()) buf_.resize(format::kHeaderSize);  // header space, filled by Finish
  if (count_ == 0) {
    first_ts_ = timestamp_ms;
    max_ts_ = timestamp_ms;
  } else {
    max_ts_ = std::max(max_ts_, timestamp_ms);
  }
  size_t len = part1.size() + part2.size();
  size_t old = buf_.size();
  buf_.resize(old + format::kRecordOverhead + len);
  char* p = buf_.data() + old;
  coding::PutFixed32(p, static_cast<uint32_t>(len));
  coding::PutFixed64(p + 4, static_cast<uint64_t>(timestamp_ms));
  p += format::kRecordOverhead;
  if (!part1.empty()) std::memcpy(p, part1.data(), part1.size());
  if (!part2.empty()) std::memcpy(p + part1.size(), part2.data(), part2.size());
  ++count_;
}

size_t BatchBuilder::payload_bytes() const {
  return buf_.empty() ? 0 : buf_.size() - format::kHeaderSize;
}

std::string_view BatchBuilder::Finish(uint64_t base_offset) {
  if (buf_.empty()) buf_.resize(format::kHeaderSize);
  format::BatchHeader h;
  h.payload_len = static_cast<uint32_t>(buf_.size() - format::kHeaderSize);
  h.record_count = count_;
  h.base_offset = base_offset;
  h.first_ts_ms = first_ts_;
  h.max_ts_ms = max_ts_;
  h.payload_crc = crc32c::Mask(
      crc32c::Value(buf_.data() + format::kHeaderSize, buf_.size() - format::kHeaderSize));
  format::EncodeHeader(h, buf_.data());
  return buf_;
}

}  // namespace runnel::storage
