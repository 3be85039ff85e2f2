// Log::Impl: the state behind a Log, shared by log.cc (open, recovery, append, sync,
// retention) and log_reader.cc (reads). Internal to storage.
//
// Locking: mu_ guards the segment list and every mutable Segment field; sync_mu_ serializes
// Sync() calls (held across fdatasync, never together with an fsync under mu_). Order:
// sync_mu_ before mu_. Reads take mu_ only to snapshot a segment, then pread without it.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/log.h"
#include "storage/segment.h"

namespace runnel::storage {

// What a reader needs from one segment, captured under the log mutex.
struct SegmentSnapshot {
  std::shared_ptr<Segment> segment;
  FilePos start;        // where to start scanning (from the sparse index)
  Offset start_offset;  // base offset of the batch at `start`
  uint64_t size = 0;    // readable bytes
  Offset end;           // offset after the last readable record
  Offset next_base;     // base of the following segment (== end unless corrupt)
  bool corrupt = false;
  uint64_t trusted_until = 0;  // batches ending at or before this were verified before
};

struct Log::Impl {
  std::filesystem::path dir;
  LogOptions options;

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Segment>> segments_;  // by base offset; back() is active
  std::vector<std::shared_ptr<Segment>> unsynced_;  // sealed, not yet fdatasynced
  bool active_dirty_ = false;                       // active written since last sync
  int64_t last_ts_ms_ = 0;
  bool closed_ = false;
  std::atomic<uint64_t> end_{0};
  std::atomic<uint64_t> durable_end_{0};
  std::atomic<bool> fenced_{false};

  std::mutex sync_mu_;

  // REQUIRES: mu_ held. Index of the segment holding `offset` (the last with base <= offset).
  size_t FindSegmentLocked(Offset offset) const;
  // REQUIRES: mu_ held, segments_[i] exists. Snapshot for reading from `from` (0: from start).
  SegmentSnapshot SnapshotLocked(size_t i, Offset from) const;
  // Takes mu_. Adds what `scanner` checked beyond snap.trusted_until to the segment's
  // verified ranges, so later reads skip the payload CRC there.
  void RememberVerified(const SegmentSnapshot& snap, const BatchScanner& scanner) const;
  // REQUIRES: mu_ held. Seals the active segment and starts a new one at end_.
  StorageResult<void> RollLocked();
};

}  // namespace runnel::storage
