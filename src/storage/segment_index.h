// SegmentIndex: the sparse offset index and time index of one segment (docs/formats/index.md).
//
// One entry is taken at the first batch of the segment and then at the first batch that
// starts at least `interval_bytes` after the previous entry. Each entry maps the batch's base
// offset to its file position, and the largest timestamp seen in the segment up to the end
// of that batch to the base offset.
//
// Sealed segments persist the index as <base>.idx and <base>.tix, each ending with a
// summary of the segment and a CRC, so a log can open without scanning sealed data.
//
// Threading: not synchronized; the owner (Log) guards it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/storage_error.h"

namespace runnel::storage {

struct IndexEntry {
  Offset offset;  // base offset of an indexed batch
  FilePos pos;    // where that batch starts in the segment file
};

struct TimeEntry {
  int64_t max_ts_ms = 0;  // largest timestamp in the segment through the indexed batch
  Offset offset;          // base offset of that batch
};

// What a sealed segment's index files say about the segment as a whole.
struct SegmentSummary {
  Offset base;
  Offset end;              // offset after the segment's last record
  uint64_t size_bytes = 0;  // file size of the .seg
  int64_t max_ts_ms = 0;    // 0 when the segment is empty
  FilePos last_batch_pos;   // start of the last batch (for a cheap tail check)
};

class SegmentIndex {
 public:
  explicit SegmentIndex(uint64_t interval_bytes) : interval_bytes_(interval_bytes) {}

  // Forgets every entry (keeps the interval).
  void Clear() { *this = SegmentIndex(interval_bytes_); }

  // Records a batch [base, base + count) written at `pos`, of `frame_bytes` bytes, whose
  // largest timestamp is `max_ts_ms`. Batches must be added in file order.
  void OnBatch(Offset base, uint32_t count, FilePos pos, uint64_t frame_bytes, int64_t max_ts_ms);

  // Entry to start scanning from to find `offset`: the last entry with entry.offset <= offset,
  // or nullopt when the index is empty or every entry is above `offset`.
  std::optional<IndexEntry> Lookup(Offset offset) const;
  // Entry to start scanning from to find the first record with timestamp >= ts_ms: the last
  // entry whose max timestamp is < ts_ms (all records through that batch are older), mapped
  // to its file position. nullopt means "start of the segment".
  std::optional<IndexEntry> LookupTime(int64_t ts_ms) const;

  const std::vector<IndexEntry>& entries() const { return entries_; }
  const std::vector<TimeEntry>& time_entries() const { return time_entries_; }
  int64_t max_ts_ms() const { return max_ts_ms_; }
  bool has_batches() const { return has_batches_; }
  FilePos last_batch_pos() const { return last_batch_pos_; }

  // File encodings. Both embed `summary` and end with a masked CRC32C of everything before.
  std::string EncodeOffsetIndex(const SegmentSummary& summary) const;
  std::string EncodeTimeIndex(const SegmentSummary& summary) const;

  // Loads both files; nullopt (with `why`) when either is missing, short, fails its CRC or
  // disagrees with the other.
  static std::optional<SegmentIndex> Load(const std::filesystem::path& idx_path,
                                          const std::filesystem::path& tix_path,
                                          uint64_t interval_bytes, SegmentSummary* summary,
                                          std::string* why);

  // Writes both files atomically (temp, fsync, rename, fsync dir).
  StorageResult<void> WriteFiles(const std::filesystem::path& idx_path,
                                 const std::filesystem::path& tix_path,
                                 const SegmentSummary& summary) const;

 private:
  uint64_t interval_bytes_;
  std::vector<IndexEntry> entries_;
  std::vector<TimeEntry> time_entries_;
  uint64_t next_entry_pos_ = 0;  // a batch at or past this position gets an entry
  int64_t max_ts_ms_ = 0;
  bool has_batches_ = false;
  FilePos last_batch_pos_;
};

}  // namespace runnel::storage
