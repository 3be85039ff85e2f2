// Log: one append-only sequence of records (for Runnel, one shard), stored as segment files
// in one directory. Offsets are dense record numbers starting at 0.
//
// Layout of a log directory (formats in docs/formats/):
//   <20-digit base offset>.seg   record batches, CRC32C framed
//   <20-digit base offset>.idx   sparse offset index of a sealed segment
//   <20-digit base offset>.tix   sparse time index of a sealed segment
// The active (last) segment's indexes live in memory and are rebuilt by scanning on open.
//
// Threading: Append/Read/Sync/… may be called from any thread; an internal mutex orders
// appends. Reads of durable data do not block appends for long.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "storage/read_buffer.h"
#include "storage/record_batch.h"
#include "storage/storage_error.h"

namespace runnel::storage {

struct LogOptions {
  uint64_t segment_bytes = 64ull << 20;      // roll to a new segment past this size
  uint64_t index_interval_bytes = 64u << 10; // one sparse index entry per this many bytes
};

// What recovery found and did when the log was opened.
struct RecoveryReport {
  uint64_t truncated_bytes = 0;   // torn tail removed from the last segment
  uint64_t dropped_records = 0;   // complete-looking records inside the removed tail (best effort)
  bool corruption_in_middle = false;  // a bad batch before the tail of a sealed segment
  std::string detail;             // human-readable summary, empty when clean
};

struct RecordView {
  Offset offset;
  int64_t timestamp_ms = 0;
  std::string_view payload;  // points into the caller's buffer passed to Read
};

// Log::Read's `next_ts_ms` when the read did not see the record after the last one returned.
constexpr int64_t kUnknownTimestamp = INT64_MIN;

struct ReadOptions {
  size_t max_records = 10000;
  size_t max_bytes = 10u << 20;  // sum of payload sizes; at least one record is returned
  Offset upto{~uint64_t{0}};     // read only offsets < upto (e.g. the durable end);
                                 // the default means "up to EndOffset()"
};

class Log {
 public:
  // Opens (creating if needed) the log in `dir`, recovering the tail. A torn tail is
  // truncated and reported in `report`; corruption in a sealed segment is reported and the
  // log is opened read-only up to the corruption (appends still go to a fresh segment).
  static StorageResult<std::unique_ptr<Log>> Open(const std::filesystem::path& dir,
                                                  const LogOptions& options,
                                                  RecoveryReport* report);
  ~Log();

  // Appends `batch` and returns the offset of its first record. On return the bytes are in
  // the page cache, NOT durable: durable once DurableEnd() > that offset (see Sync()).
  StorageResult<Offset> Append(BatchBuilder& batch);

  // fdatasyncs everything appended so far. Returns the durable end. On failure the log is
  // fenced: every later Append/Sync fails with kClosed (never retry an fsync and report
  // success).
  StorageResult<Offset> Sync();

  Offset StartOffset() const;  // oldest offset still stored
  Offset EndOffset() const;    // offset the next appended record gets
  Offset DurableEnd() const;   // every offset below this has been fsynced
  int64_t LastTimestampMs() const;  // timestamp of the newest record, 0 if empty

  // Reads records [from, ...) into `out` (cleared first); payload views point into
  // `buffer`, which is reused. Returns the offset after the last record returned. When
  // `next_ts_ms` is given it receives the timestamp of the record at the returned offset if
  // the read already had it in hand (it stopped at a record or byte limit), else
  // kUnknownTimestamp (use TimestampAt).
  //
  // Checksums: a batch's payload CRC is checked the first time this process reads it and
  // not again while it stays in the segment's verified ranges (Segment::verified; see
  // README.md, "Checksums on the read path"). Batch headers are checked on every read.
  StorageResult<Offset> Read(Offset from, const ReadOptions& options, ReadBuffer& buffer,
                             std::vector<RecordView>& out, int64_t* next_ts_ms = nullptr) const;

  // First offset whose record has timestamp >= ts_ms, or EndOffset() if none.
  // Timestamps are treated as non-decreasing along the log (the writer stamps them).
  StorageResult<Offset> FindByTimestamp(int64_t ts_ms) const;

  // Timestamp of the record at `offset` (for lag computations).
  StorageResult<int64_t> TimestampAt(Offset offset) const;

  // Retention: deletes whole sealed segments whose newest record is older than
  // `min_timestamp_ms`. Returns the new StartOffset().
  StorageResult<Offset> DeleteSegmentsOlderThan(int64_t min_timestamp_ms);

  // Closes files and removes the directory and everything in it.
  StorageResult<void> Destroy();

  struct Impl;

 private:
  explicit Log(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace runnel::storage
