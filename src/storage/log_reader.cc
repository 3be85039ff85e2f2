// Log reads: Read, FindByTimestamp, TimestampAt. Each takes the log mutex only to snapshot
// one segment (shared_ptr, readable size, end offset, index entry) and preads without it, so
// it never sees a partially written batch and never blocks appends on I/O.
#include <algorithm>

#include "storage/log_impl.h"

namespace runnel::storage {
namespace {

constexpr size_t kMinReadChunk = 16u << 10;
constexpr size_t kMaxReadChunk = 1u << 20;
constexpr uint64_t kMaxFirstRead = 16u << 20;

Unexpected<StorageError> Corruption(const std::string& detail) {
  return MakeUnexpected(StorageError{StorageErrc::kCorruption, detail});
}

Unexpected<StorageError> GapError(const SegmentSnapshot& snap) {
  return Corruption("offsets [" + std::to_string(snap.end.value()) + ", " +
                    std::to_string(snap.next_base.value()) + ") of " +
                    snap.segment->seg_path().string() + " were lost to corruption");
}

// Turns a scanner failure into an error for the reader.
StorageError ScanError(ScanStatus s, const BatchScanner& scanner, const Segment& seg) {
  return StorageError{s == ScanStatus::kIoError ? StorageErrc::kIoError : StorageErrc::kCorruption,
                      seg.seg_path().string() + ": " + scanner.error()};
}

// Moves every view in `out` from `old_base` to the buffer's new storage.
void Rebase(std::vector<RecordView>& out, const char* old_base, const ReadBuffer& buffer) {
  for (auto& r : out) {
    r.payload = std::string_view(buffer.data() + (r.payload.data() - old_base), r.payload.size());
  }
}

}  // namespace

SegmentSnapshot Log::Impl::SnapshotLocked(size_t i, Offset from) const {
  const auto& seg = segments_[i];
  SegmentSnapshot snap;
  snap.segment = seg;
  snap.size = seg->size;
  snap.end = seg->end;
  snap.next_base = i + 1 < segments_.size() ? segments_[i + 1]->base() : seg->end;
  snap.corrupt = seg->corrupt;
  snap.start_offset = seg->base();
  if (auto e = seg->index.Lookup(from)) {
    snap.start = e->pos;
    snap.start_offset = e->offset;
  }
  snap.trusted_until = seg->verified.EndOfRangeAt(snap.start.value());
  return snap;
}

void Log::Impl::RememberVerified(const SegmentSnapshot& snap, const BatchScanner& scanner) const {
  if (scanner.checked_end() <= snap.trusted_until) return;  // nothing new was checked
  std::lock_guard lock(mu_);
  // A retention pass may have dropped the segment meanwhile: then nobody reads it again.
  snap.segment->verified.Add(scanner.checked_begin(), std::min(scanner.checked_end(), snap.segment->size));
}

namespace {

// How many bytes to pread first: enough for `max_records` records of this segment's average
// framed size (one pread for a typical GetRecords), bounded by the byte limit. Later reads
// in the same scan refill with kMinReadChunk..kMaxRefillChunk as needed.
size_t FirstReadBytes(const SegmentSnapshot& snap, const ReadOptions& options) {
  uint64_t records = snap.end.value() - snap.segment->base().value();
  uint64_t avg = records > 0 ? snap.size / records + 1 : kMinReadChunk;
  uint64_t by_count = options.max_records > (kMaxFirstRead / avg) ? kMaxFirstRead
                                                                   : options.max_records * avg;
  uint64_t by_bytes = options.max_bytes + options.max_bytes / 8 + kMinReadChunk;
  uint64_t want = std::min(by_count + kMinReadChunk, by_bytes);
  return static_cast<size_t>(std::clamp<uint64_t>(want, kMinReadChunk, kMaxFirstRead));
}

}  // namespace

StorageResult<Offset> Log::Read(Offset from, const ReadOptions& options, ReadBuffer& buffer,
                                std::vector<RecordView>& out, int64_t* next_ts_ms) const {
  const Impl& d = *impl_;
  out.clear();
  buffer.clear();
  if (next_ts_ms) *next_ts_ms = kUnknownTimestamp;
  Offset limit;
  SegmentSnapshot snap;
  {
    std::lock_guard lock(d.mu_);
    if (d.closed_) return MakeUnexpected(StorageError{StorageErrc::kClosed, "log is closed"});
    Offset start = d.segments_.front()->base();
    Offset end(d.end_.load());
    if (from < start) {
      return MakeUnexpected(StorageError{
          StorageErrc::kOutOfRange, "offset " + std::to_string(from.value()) +
                                        " is below the log start " + std::to_string(start.value())});
    }
    limit = std::min(options.upto, end);
    if (from >= limit) {
      if (from > end) {
        return MakeUnexpected(StorageError{
            StorageErrc::kOutOfRange, "offset " + std::to_string(from.value()) +
                                          " is past the log end " + std::to_string(end.value())});
      }
      return from;
    }
    snap = d.SnapshotLocked(d.FindSegmentLocked(from), from);
  }
  size_t bytes = 0;
  bool done = false;
  while (!done) {
    if (from >= snap.end) return out.empty() ? StorageResult<Offset>(GapError(snap)) : from;
    BatchScanner scanner(snap.segment->file(), snap.start, snap.size, buffer,
                         FirstReadBytes(snap, options));
    scanner.set_keep_old_bytes(!out.empty());
    scanner.set_skip_below(from);
    scanner.set_trusted_until(snap.trusted_until);
    Offset expected = snap.start_offset;
    while (!done) {
      ScannedBatch b;
      const char* old_base = buffer.data();
      ScanStatus s = scanner.Next(PayloadCheck::kRead, &b);
      if (!out.empty() && buffer.data() != old_base) Rebase(out, old_base, buffer);
      if (s == ScanStatus::kEnd) break;
      // A bad batch is never served; records before it are (the next read gets the error).
      if (s != ScanStatus::kBatch) {
        d.RememberVerified(snap, scanner);
        if (!out.empty()) return out.back().offset + 1;
        return MakeUnexpected(ScanError(s, scanner, *snap.segment));
      }
      Offset base(b.header.base_offset);
      if (base != expected) {
        if (!out.empty()) return out.back().offset + 1;
        return Corruption(snap.segment->seg_path().string() + ": batch at position " +
                          std::to_string(b.pos.value()) + " has base offset " +
                          std::to_string(base.value()) + ", expected " +
                          std::to_string(expected.value()));
      }
      expected = Offset(b.header.end_offset());
      if (b.skipped) continue;
      // Payload bytes are kept from here on (views point into them).
      scanner.set_keep_old_bytes(true);
      format::RecordIterator it(b.payload);
      int64_t ts;
      std::string_view payload;
      for (Offset o = base; it.Next(&ts, &payload); ++o) {
        if (o < from) continue;
        if (o >= limit || out.size() >= options.max_records ||
            (!out.empty() && bytes + payload.size() > options.max_bytes)) {
          if (next_ts_ms && o < limit) *next_ts_ms = ts;
          done = true;
          break;
        }
        out.push_back(RecordView{o, ts, payload});
        bytes += payload.size();
      }
      if (expected >= limit) done = true;
    }
    d.RememberVerified(snap, scanner);
    if (done) break;
    // Reached the end of this segment's readable bytes: move on to the next segment.
    Offset next = std::max(from, snap.end);
    if (!out.empty()) next = out.back().offset + 1;
    if (next >= limit) break;
    if (snap.corrupt && next < snap.next_base) {
      if (out.empty()) return GapError(snap);
      break;
    }
    std::lock_guard lock(d.mu_);
    if (d.closed_) return MakeUnexpected(StorageError{StorageErrc::kClosed, "log is closed"});
    size_t i = d.FindSegmentLocked(next);
    if (d.segments_[i]->base() > next || d.segments_[i] == snap.segment) break;
    from = next;
    snap = d.SnapshotLocked(i, from);
  }
  return out.empty() ? from : out.back().offset + 1;
}

StorageResult<Offset> Log::FindByTimestamp(int64_t ts_ms) const {
  const Impl& d = *impl_;
  SegmentSnapshot snap;
  {
    std::lock_guard lock(d.mu_);
    if (d.closed_) return MakeUnexpected(StorageError{StorageErrc::kClosed, "log is closed"});
    size_t i = 0;
    while (i < d.segments_.size() && !(d.segments_[i]->index.has_batches() &&
                                       d.segments_[i]->index.max_ts_ms() >= ts_ms)) {
      ++i;
    }
    if (i == d.segments_.size()) return Offset(d.end_.load());
    snap = d.SnapshotLocked(i, Offset(0));
    snap.start = FilePos(0);
    snap.start_offset = snap.segment->base();
    if (auto e = snap.segment->index.LookupTime(ts_ms)) {
      snap.start = e->pos;
      snap.start_offset = e->offset;
    }
    snap.trusted_until = snap.segment->verified.EndOfRangeAt(snap.start.value());
  }
  ReadBuffer buffer;
  BatchScanner scanner(snap.segment->file(), snap.start, snap.size, buffer, kMaxReadChunk);
  scanner.set_skip_older_than(ts_ms);
  scanner.set_trusted_until(snap.trusted_until);
  Offset expected = snap.start_offset;
  while (true) {
    ScannedBatch b;
    ScanStatus s = scanner.Next(PayloadCheck::kRead, &b);
    if (s == ScanStatus::kEnd) break;
    if (s != ScanStatus::kBatch) return MakeUnexpected(ScanError(s, scanner, *snap.segment));
    if (Offset(b.header.base_offset) != expected) {
      return Corruption(snap.segment->seg_path().string() + ": offset discontinuity at position " +
                        std::to_string(b.pos.value()));
    }
    expected = Offset(b.header.end_offset());
    if (b.skipped) continue;
    format::RecordIterator it(b.payload);
    int64_t ts;
    std::string_view payload;
    for (Offset o(b.header.base_offset); it.Next(&ts, &payload); ++o) {
      if (ts >= ts_ms) {
        d.RememberVerified(snap, scanner);
        return o;
      }
    }
  }
  d.RememberVerified(snap, scanner);
  return snap.end;
}

StorageResult<int64_t> Log::TimestampAt(Offset offset) const {
  ReadOptions options;
  options.max_records = 1;
  options.max_bytes = 1;
  ReadBuffer buffer;
  std::vector<RecordView> out;
  auto r = Read(offset, options, buffer, out);
  if (!r) return MakeUnexpected(std::move(r).error());
  if (out.empty() || out[0].offset != offset) {
    return MakeUnexpected(StorageError{StorageErrc::kOutOfRange,
                                       "no record at offset " + std::to_string(offset.value())});
  }
  return out[0].timestamp_ms;
}

}  // namespace runnel::storage
