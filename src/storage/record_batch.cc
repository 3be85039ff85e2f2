#include "storage/record_batch.h"

#include <algorithm>
#include <cstring>

#include "common/coding.h"
#include "common/crc32c.h"
#include "storage/batch_format.h"

namespace runnel::storage {

void BatchBuilder::Clear() {
  size_ = 0;  // keeps capacity
  count_ = 0;
  first_ts_ = 0;
  max_ts_ = 0;
}

void BatchBuilder::Grow(size_t n) {
  if (n <= capacity_) return;
  size_t cap = std::max(n, capacity_ * 2);
  auto grown = std::make_unique_for_overwrite<char[]>(cap);
  if (size_ > 0) std::memcpy(grown.get(), buf_.get(), size_);
  buf_ = std::move(grown);
  capacity_ = cap;
}

void BatchBuilder::Reserve(size_t records, size_t payload_bytes) {
  size_t base = size_ == 0 ? format::kHeaderSize : size_;
  Grow(base + records * format::kRecordOverhead + payload_bytes);
}

void BatchBuilder::Add(int64_t timestamp_ms, std::string_view part1, std::string_view part2,
                       std::string_view part3) {
  if (size_ == 0) {  // header space, filled by Finish
    Grow(format::kHeaderSize);
    size_ = format::kHeaderSize;
  }
  if (count_ == 0) {
    first_ts_ = timestamp_ms;
    max_ts_ = timestamp_ms;
  } else {
    max_ts_ = std::max(max_ts_, timestamp_ms);
  }
  size_t len = part1.size() + part2.size() + part3.size();
  Grow(size_ + format::kRecordOverhead + len);
  char* p = buf_.get() + size_;
  coding::PutFixed32(p, static_cast<uint32_t>(len));
  coding::PutFixed64(p + 4, static_cast<uint64_t>(timestamp_ms));
  p += format::kRecordOverhead;
  for (std::string_view part : {part1, part2, part3}) {
    if (!part.empty()) std::memcpy(p, part.data(), part.size());
    p += part.size();
  }
  size_ += format::kRecordOverhead + len;
  ++count_;
}

size_t BatchBuilder::payload_bytes() const {
  return size_ == 0 ? 0 : size_ - format::kHeaderSize;
}

std::string_view BatchBuilder::Finish(uint64_t base_offset) {
  if (size_ == 0) {
    Grow(format::kHeaderSize);
    size_ = format::kHeaderSize;
  }
  char* buf = buf_.get();
  format::BatchHeader h;
  h.payload_len = static_cast<uint32_t>(size_ - format::kHeaderSize);
  h.record_count = count_;
  h.base_offset = base_offset;
  h.first_ts_ms = first_ts_;
  h.max_ts_ms = max_ts_;
  h.payload_crc =
      crc32c::Mask(crc32c::Value(buf + format::kHeaderSize, size_ - format::kHeaderSize));
  format::EncodeHeader(h, buf);
  return std::string_view(buf, size_);
}

}  // namespace runnel::storage
