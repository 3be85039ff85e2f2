// Segment: one <20-digit base offset>.seg file of a Log plus its in-memory sparse index.
// BatchScanner: walks the framed batches of a segment file, checking every CRC (except
// where the caller says a range was verified before, see VerifiedRanges).
//
// A Segment is shared (shared_ptr) between the Log and readers, so a reader keeps the file
// descriptor open while retention unlinks the file. The mutable fields (size, end, index,
// flags) are guarded by the owning Log's mutex; `base` and the file descriptor never change.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/file.h"
#include "storage/batch_format.h"
#include "storage/read_buffer.h"
#include "storage/segment_index.h"
#include "storage/storage_error.h"

namespace runnel::storage {

// "<20-digit base>" + ext, e.g. SegmentFileName(Offset(5), ".seg") = "00000000000000000005.seg".
std::string SegmentFileName(Offset base, std::string_view ext);
// Parses a segment file name; false when `name` is not "<20 digits>.seg".
bool ParseSegmentFileName(std::string_view name, Offset* base);

StorageError ToStorageError(const FileError& e);

// Byte ranges of one segment file whose batches are known good in this process: verified
// batch by batch (payload CRC32C and record framing) by a recovery scan or an earlier read,
// or written by this process from a buffer whose CRC it computed (Log::Append). Reads skip
// the payload CRC inside these ranges; headers are still checked on every read. Memory is
// bounded: at most kMaxRanges disjoint ranges (adjacent ones merge); past that the smallest
// is forgotten, which only costs a re-check. Not synchronized (the Log's mutex guards it).
// Decision and its limits: src/storage/README.md, "Checksums on the read path".
class VerifiedRanges {
 public:
  static constexpr size_t kMaxRanges = 16;

  // End of the verified range containing `pos` (pos itself when none does).
  uint64_t EndOfRangeAt(uint64_t pos) const;
  // Marks [begin, end) verified.
  void Add(uint64_t begin, uint64_t end);
  // Forgets everything at or past `pos` (the file was truncated there).
  void TruncateAt(uint64_t pos);
  void Clear() { ranges_.clear(); }
  size_t range_count() const { return ranges_.size(); }

 private:
  struct Range {
    uint64_t begin;
    uint64_t end;
  };
  std::vector<Range> ranges_;  // sorted, disjoint, non-adjacent
};

class Segment {
 public:
  // Creates an empty segment file (fails if it exists).
  static StorageResult<std::shared_ptr<Segment>> Create(const std::filesystem::path& dir,
                                                        Offset base, uint64_t interval_bytes);
  // Opens an existing segment file; size() is the file size, end() == base until the caller
  // fills in the index (from the index files or a scan).
  static StorageResult<std::shared_ptr<Segment>> OpenExisting(const std::filesystem::path& dir,
                                                              Offset base,
                                                              uint64_t interval_bytes);

  Offset base() const { return base_; }
  const File& file() const { return file_; }
  const std::filesystem::path& seg_path() const { return seg_path_; }
  std::filesystem::path idx_path() const;
  std::filesystem::path tix_path() const;

  SegmentSummary Summary() const;

  // Guarded by the Log's mutex.
  uint64_t size = 0;   // bytes of valid batches (appends go here)
  Offset end;          // offset after the last valid record
  SegmentIndex index;
  VerifiedRanges verified;  // batches whose payload CRC need not be checked again
  bool corrupt = false;  // sealed segment with a bad batch: offsets [end, next base) are lost

 private:
  Segment(Offset base, File file, std::filesystem::path seg_path, uint64_t interval_bytes)
      : index(interval_bytes), base_(base), file_(std::move(file)),
        seg_path_(std::move(seg_path)) {
    end = base;
  }
  Offset base_;
  File file_;
  std::filesystem::path seg_path_;
};

// What a BatchScanner found at its current position.
enum class ScanStatus {
  kBatch,       // a good batch
  kEnd,         // reached the limit exactly
  kShort,       // fewer bytes than a header or the framed batch before the limit (torn)
  kBadHeader,   // header CRC, magic or field check failed
  kBadPayload,  // payload CRC or record framing failed
  kIoError,
};

enum class PayloadCheck { kRead, kSkip };  // kSkip: check the header only, do not read payload

struct ScannedBatch {
  format::BatchHeader header;
  FilePos pos;
  std::string_view payload;  // empty when skipped; valid until the next Next()
  bool skipped = false;
  bool trusted = false;  // payload CRC not rechecked: inside the caller's verified range
};

// Reads batches from `file` in [start, limit) through `buffer`, in chunks of at least
// `chunk_bytes`. With keep_old_bytes() set, earlier bytes in `buffer` are kept when a new
// chunk is loaded (so offsets into `buffer` stay meaningful; the buffer may reallocate).
class BatchScanner {
 public:
  BatchScanner(const File& file, FilePos start, uint64_t limit, ReadBuffer& buffer,
               size_t chunk_bytes);

  ScanStatus Next(PayloadCheck check, ScannedBatch* out);
  FilePos pos() const { return FilePos(pos_); }  // start of the next batch
  const std::string& error() const { return error_; }
  void set_keep_old_bytes(bool keep) { keep_ = keep; }
  // Batches that end at or below `offset`, or whose newest record is older than `ts_ms`, get
  // their header checked but their payload neither read nor returned.
  void set_skip_below(Offset offset) { skip_below_ = offset.value(); }
  void set_skip_older_than(int64_t ts_ms) { skip_older_than_ = ts_ms; }
  // Batches that end at or before `pos` were verified before (VerifiedRanges): their header
  // is checked, their payload CRC and record framing are not.
  void set_trusted_until(uint64_t pos) { trusted_until_ = pos; }
  // The last contiguous run of batches returned with their payload checked or trusted:
  // [checked_begin(), checked_end()). Empty (begin == end) when there was none.
  uint64_t checked_begin() const { return checked_begin_; }
  uint64_t checked_end() const { return checked_end_; }

 private:
  // Makes [pos, pos + n) available in buffer_; false at I/O error or short file.
  bool Ensure(uint64_t pos, uint64_t n, bool* io_error);
  const char* At(uint64_t pos) const { return buffer_.data() + (window_idx_ + (pos - window_pos_)); }

  const File& file_;
  uint64_t pos_;
  uint64_t limit_;
  ReadBuffer& buffer_;
  size_t chunk_bytes_;
  bool keep_ = false;
  uint64_t skip_below_ = 0;
  int64_t skip_older_than_ = INT64_MIN;
  uint64_t trusted_until_ = 0;
  bool loaded_ = false;
  uint64_t checked_begin_ = 0;
  uint64_t checked_end_ = 0;
  uint64_t window_pos_ = 0;  // file position of buffer_[window_idx_]
  size_t window_idx_ = 0;
  size_t window_len_ = 0;
  std::string error_;
};

// Result of checking a whole segment (or its tail) batch by batch.
struct ScanResult {
  uint64_t good_bytes = 0;  // bytes of good batches from the start
  Offset end;               // offset after the last good batch
  uint64_t records = 0;
  bool clean = true;        // false when a bad or torn batch stopped the scan before EOF
  std::string detail;       // what stopped it
};

// Scans `segment` from position 0 up to `file_size`, verifying every batch and their offset
// continuity, rebuilding segment.index and segment.verified (the good prefix) from scratch.
// Does not modify the file.
ScanResult ScanSegment(Segment& segment, uint64_t file_size);

// Best effort: counts the records in batches whose headers still look valid from `pos` on.
uint64_t CountRecordsInTail(const Segment& segment, uint64_t pos, uint64_t file_size);

// Cheap check of a sealed segment against its index summary: the last batch's header passes
// its CRC and the batch ends exactly at summary.end and summary.size_bytes.
bool LastBatchMatches(const Segment& segment, const SegmentSummary& summary, std::string* why);

}  // namespace runnel::storage
