#include "storage/segment.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>

namespace runnel::storage {
namespace {
constexpr size_t kScanChunkBytes = 1u << 20;
constexpr size_t kRefillBytes = 1u << 20;
}  // namespace

std::string SegmentFileName(Offset base, std::string_view ext) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020" PRIu64, base.value());
  return std::string(name) + std::string(ext);
}

bool ParseSegmentFileName(std::string_view name, Offset* base) {
  if (name.size() != 24 || name.substr(20) != ".seg") return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != v) return false;  // overflow
    v = next;
  }
  *base = Offset(v);
  return true;
}

StorageError ToStorageError(const FileError& e) {
  return StorageError{e.err == ENOSPC ? StorageErrc::kNoSpace : StorageErrc::kIoError, e.what};
}

StorageResult<std::shared_ptr<Segment>> Segment::Create(const std::filesystem::path& dir,
                                                        Offset base, uint64_t interval_bytes) {
  auto path = dir / SegmentFileName(base, ".seg");
  auto f = File::Open(path, O_RDWR | O_CREAT | O_EXCL);
  if (!f) return MakeUnexpected(ToStorageError(f.error()));
  return std::shared_ptr<Segment>(new Segment(base, std::move(*f), path, interval_bytes));
}

StorageResult<std::shared_ptr<Segment>> Segment::OpenExisting(const std::filesystem::path& dir,
                                                              Offset base,
                                                              uint64_t interval_bytes) {
  auto path = dir / SegmentFileName(base, ".seg");
  auto f = File::Open(path, O_RDWR);
  if (!f) return MakeUnexpected(ToStorageError(f.error()));
  auto size = f->Size();
  if (!size) return MakeUnexpected(ToStorageError(size.error()));
  auto seg = std::shared_ptr<Segment>(new Segment(base, std::move(*f), path, interval_bytes));
  seg->size = *size;
  return seg;
}

std::filesystem::path Segment::idx_path() const {
  return seg_path_.parent_path() / SegmentFileName(base_, ".idx");
}

std::filesystem::path Segment::tix_path() const {
  return seg_path_.parent_path() / SegmentFileName(base_, ".tix");
}

SegmentSummary Segment::Summary() const {
  return SegmentSummary{base_, end, size, index.max_ts_ms(), index.last_batch_pos()};
}

uint64_t VerifiedRanges::EndOfRangeAt(uint64_t pos) const {
  for (const Range& r : ranges_) {
    if (r.begin > pos) break;
    if (pos < r.end) return r.end;
  }
  return pos;
}

void VerifiedRanges::Add(uint64_t begin, uint64_t end) {
  if (begin >= end) return;
  // Merge every range that overlaps or touches [begin, end) into one.
  auto first = std::find_if(ranges_.begin(), ranges_.end(),
                            [&](const Range& r) { return r.end >= begin; });
  auto last = first;
  while (last != ranges_.end() && last->begin <= end) {
    begin = std::min(begin, last->begin);
    end = std::max(end, last->end);
    ++last;
  }
  first = ranges_.erase(first, last);
  ranges_.insert(first, Range{begin, end});
  if (ranges_.size() > kMaxRanges) {
    auto smallest = std::min_element(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) {
      return a.end - a.begin < b.end - b.begin;
    });
    ranges_.erase(smallest);
  }
}

void VerifiedRanges::TruncateAt(uint64_t pos) {
  while (!ranges_.empty() && ranges_.back().begin >= pos) ranges_.pop_back();
  if (!ranges_.empty() && ranges_.back().end > pos) ranges_.back().end = pos;
}

BatchScanner::BatchScanner(const File& file, FilePos start, uint64_t limit, ReadBuffer& buffer,
                           size_t chunk_bytes)
    : file_(file), pos_(start.value()), limit_(limit), buffer_(buffer),
      chunk_bytes_(std::max<size_t>(chunk_bytes, format::kHeaderSize)) {
  window_idx_ = buffer_.size();
}

bool BatchScanner::Ensure(uint64_t pos, uint64_t n, bool* io_error) {
  if (pos >= window_pos_ && pos + n <= window_pos_ + window_len_ && window_len_ > 0) return true;
  if (pos + n > limit_) return false;
  // The first load reads chunk_bytes_; refills (a batch running past the window) read at
  // most kRefillBytes beyond what is needed, so a large first chunk is not read twice.
  const uint64_t chunk = loaded_ ? std::min(chunk_bytes_, kRefillBytes) : chunk_bytes_;
  loaded_ = true;
  uint64_t want = std::min<uint64_t>(std::max<uint64_t>(n, chunk), limit_ - pos);
  if (!keep_) buffer_.clear();
  window_idx_ = buffer_.size();
  window_pos_ = pos;
  window_len_ = 0;
  buffer_.resize_uninitialized(window_idx_ + want);
  auto got = file_.PRead(buffer_.data() + window_idx_, want, pos);
  if (!got) {
    buffer_.resize_uninitialized(window_idx_);
    error_ = got.error().what;
    *io_error = true;
    return false;
  }
  buffer_.resize_uninitialized(window_idx_ + *got);
  window_len_ = *got;
  return *got >= n;
}

ScanStatus BatchScanner::Next(PayloadCheck check, ScannedBatch* out) {
  if (pos_ >= limit_) return ScanStatus::kEnd;
  bool io_error = false;
  if (!Ensure(pos_, format::kHeaderSize, &io_error)) {
    if (io_error) return ScanStatus::kIoError;
    error_ = "short batch header at position " + std::to_string(pos_);
    return ScanStatus::kShort;
  }
  format::BatchHeader h;
  auto hs = format::DecodeHeader(std::string_view(At(pos_), format::kHeaderSize), &h);
  if (hs != format::HeaderStatus::kOk) {
    error_ = (hs == format::HeaderStatus::kBadCrc ? "batch header checksum mismatch"
                                                  : "bad batch header fields") +
             std::string(" at position ") + std::to_string(pos_);
    return ScanStatus::kBadHeader;
  }
  if (pos_ + h.frame_size() > limit_) {
    error_ = "torn batch at position " + std::to_string(pos_) + " (needs " +
             std::to_string(h.frame_size()) + " bytes, " + std::to_string(limit_ - pos_) +
             " left)";
    return ScanStatus::kShort;
  }
  out->header = h;
  out->pos = FilePos(pos_);
  out->payload = {};
  out->trusted = false;
  out->skipped = check == PayloadCheck::kSkip || h.end_offset() <= skip_below_ ||
                 h.max_ts_ms < skip_older_than_;
  if (!out->skipped) {
    uint64_t payload_pos = pos_ + format::kHeaderSize;
    if (!Ensure(payload_pos, h.payload_len, &io_error)) {
      if (io_error) return ScanStatus::kIoError;
      error_ = "short batch payload at position " + std::to_string(pos_);
      return ScanStatus::kShort;
    }
    std::string_view payload(At(payload_pos), h.payload_len);
    out->trusted = pos_ + h.frame_size() <= trusted_until_;
    if (!out->trusted) {
      if (!format::PayloadCrcMatches(h, payload)) {
        error_ = "batch payload checksum mismatch at position " + std::to_string(pos_);
        return ScanStatus::kBadPayload;
      }
      format::RecordIterator it(payload);
      int64_t ts;
      std::string_view bytes;
      uint32_t n = 0;
      while (it.Next(&ts, &bytes)) ++n;
      if (!it.ok() || n != h.record_count) {
        error_ = "bad record framing in batch at position " + std::to_string(pos_);
        return ScanStatus::kBadPayload;
      }
    }
    out->payload = payload;
    if (checked_end_ != pos_ || checked_begin_ == checked_end_) checked_begin_ = pos_;
    checked_end_ = pos_ + h.frame_size();
  }
  pos_ += h.frame_size();
  return ScanStatus::kBatch;
}

ScanResult ScanSegment(Segment& segment, uint64_t file_size) {
  ScanResult result;
  result.end = segment.base();
  segment.index.Clear();
  segment.verified.Clear();
  ReadBuffer buffer;
  BatchScanner scanner(segment.file(), FilePos(0), file_size, buffer, kScanChunkBytes);
  ScannedBatch b;
  while (true) {
    ScanStatus s = scanner.Next(PayloadCheck::kRead, &b);
    if (s == ScanStatus::kEnd) break;
    if (s == ScanStatus::kBatch && Offset(b.header.base_offset) != result.end) {
      result.clean = false;
      result.detail = "batch at position " + std::to_string(b.pos.value()) + " has base offset " +
                      std::to_string(b.header.base_offset) + ", expected " +
                      std::to_string(result.end.value());
      break;
    }
    if (s != ScanStatus::kBatch) {
      result.clean = false;
      result.detail = scanner.error();
      break;
    }
    segment.index.OnBatch(result.end, b.header.record_count, b.pos, b.header.frame_size(),
                          b.header.max_ts_ms);
    result.end = Offset(b.header.end_offset());
    result.records += b.header.record_count;
    result.good_bytes = scanner.pos().value();
  }
  segment.verified.Add(0, result.good_bytes);
  return result;
}

uint64_t CountRecordsInTail(const Segment& segment, uint64_t pos, uint64_t file_size) {
  uint64_t records = 0;
  char header[format::kHeaderSize];
  while (pos + format::kHeaderSize <= file_size) {
    auto got = segment.file().PRead(header, sizeof(header), pos);
    if (!got || *got != sizeof(header)) break;
    format::BatchHeader h;
    if (format::DecodeHeader(std::string_view(header, sizeof(header)), &h) !=
        format::HeaderStatus::kOk) {
      break;
    }
    records += h.record_count;
    pos += h.frame_size();
  }
  return records;
}

bool LastBatchMatches(const Segment& segment, const SegmentSummary& summary, std::string* why) {
  if (summary.end == summary.base) {
    if (summary.size_bytes != 0) *why = "empty segment with bytes";
    return summary.size_bytes == 0;
  }
  ReadBuffer buffer;
  BatchScanner scanner(segment.file(), summary.last_batch_pos, summary.size_bytes, buffer,
                       format::kHeaderSize);
  ScannedBatch b;
  // Header only: a batch can be megabytes and a log hundreds of segments. The payload CRC
  // is still checked by every read.
  ScanStatus s = scanner.Next(PayloadCheck::kSkip, &b);
  if (s != ScanStatus::kBatch) {
    *why = "last batch: " + scanner.error();
    return false;
  }
  if (Offset(b.header.end_offset()) != summary.end || scanner.pos().value() != summary.size_bytes) {
    *why = "last batch does not end where the index says";
    return false;
  }
  return true;
}

}  // namespace runnel::storage
