// Log: open and recovery, append, roll, sync, retention, destroy. Reads are in log_reader.cc.
#include "storage/log.h"

#include <algorithm>
#include <system_error>

#include "storage/log_impl.h"

namespace runnel::storage {
namespace {

Unexpected<StorageError> Closed(std::string_view why) {
  return MakeUnexpected(StorageError{StorageErrc::kClosed, std::string(why)});
}

void AddDetail(RecoveryReport* report, const std::string& line) {
  if (!report->detail.empty()) report->detail += "; ";
  report->detail += line;
}

// Brings a sealed segment's in-memory state up: from its index files when they are valid and
// agree with the file, else by scanning (and rewriting the index files when the scan is clean).
// Returns true when index files were (re)written.
StorageResult<bool> OpenSealed(Segment& seg, Offset next_base, RecoveryReport* report) {
  SegmentSummary summary;
  std::string why;
  auto index = SegmentIndex::Load(seg.idx_path(), seg.tix_path(), 0, &summary, &why);
  if (index) {
    if (summary.base != seg.base() || summary.size_bytes != seg.size) {
      why = "index summary does not match the segment file";
    } else if (summary.end != next_base) {
      why = "index end offset does not match the next segment";
    } else if (LastBatchMatches(seg, summary, &why)) {
      seg.index = std::move(*index);
      seg.end = summary.end;
      return false;
    }
  }
  // Rebuild by scanning. `why` says what was wrong with the index (for debugging only).
  ScanResult scan = ScanSegment(seg, seg.size);
  seg.end = scan.end;
  if (!scan.clean || scan.end != next_base) {
    seg.corrupt = true;
    seg.size = scan.good_bytes;
    report->corruption_in_middle = true;
    AddDetail(report, "corruption in sealed segment " + seg.seg_path().filename().string() +
                          ": " + (scan.clean ? "ends at offset " + std::to_string(scan.end.value()) +
                                                   " but the next segment starts at " +
                                                   std::to_string(next_base.value())
                                             : scan.detail) +
                          "; offsets [" + std::to_string(scan.end.value()) + ", " +
                          std::to_string(next_base.value()) + ") are not served");
    return false;  // never persist an index that hides the corruption
  }
  if (auto r = seg.index.WriteFiles(seg.idx_path(), seg.tix_path(), seg.Summary()); !r) {
    return MakeUnexpected(r.error());
  }
  return true;
}

// Validates the active segment batch by batch, truncating it at the first bad batch.
StorageResult<void> RecoverActive(Segment& seg, RecoveryReport* report) {
  uint64_t file_size = seg.size;
  ScanResult scan = ScanSegment(seg, file_size);
  seg.end = scan.end;
  seg.size = scan.good_bytes;
  if (scan.good_bytes < file_size) {
    uint64_t dropped = CountRecordsInTail(seg, scan.good_bytes, file_size);
    if (auto r = seg.file().Truncate(scan.good_bytes); !r) {
      return MakeUnexpected(ToStorageError(r.error()));
    }
    if (auto r = seg.file().Sync(); !r) return MakeUnexpected(ToStorageError(r.error()));
    report->truncated_bytes += file_size - scan.good_bytes;
    report->dropped_records += dropped;
    AddDetail(report, "truncated " + std::to_string(file_size - scan.good_bytes) +
                          " bytes (" + std::to_string(dropped) + " records) from the tail of " +
                          seg.seg_path().filename().string() + ": " + scan.detail);
  }
  std::error_code ec;
  std::filesystem::remove(seg.idx_path(), ec);  // an active segment has no index files
  std::filesystem::remove(seg.tix_path(), ec);
  return {};
}

// Deletes a segment that holds no bytes, with its index files.
StorageResult<void> RemoveEmptySegment(const Segment& seg) {
  std::error_code ec;
  std::filesystem::remove(seg.idx_path(), ec);
  std::filesystem::remove(seg.tix_path(), ec);
  if (!std::filesystem::remove(seg.seg_path(), ec) && ec) {
    return MakeUnexpected(StorageError{StorageErrc::kIoError, "unlink " +
                                                                  seg.seg_path().string() +
                                                                  ": " + ec.message()});
  }
  return {};
}

}  // namespace

Log::Log(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Log::~Log() = default;

StorageResult<std::unique_ptr<Log>> Log::Open(const std::filesystem::path& dir,
                                              const LogOptions& options,
                                              RecoveryReport* report) {
  RecoveryReport local_report;
  if (report == nullptr) report = &local_report;
  *report = RecoveryReport{};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return MakeUnexpected(StorageError{StorageErrc::kIoError, "mkdir " + dir.string() + ": " +
                                                                  ec.message()});
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  impl->options.segment_bytes = std::max<uint64_t>(options.segment_bytes, 1);
  impl->options.index_interval_bytes = std::max<uint64_t>(options.index_interval_bytes, 1);
  const uint64_t interval = impl->options.index_interval_bytes;

  std::vector<Offset> bases;
  std::vector<std::filesystem::path> index_files;
  bool dir_changed = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    Offset base;
    if (ParseSegmentFileName(name, &base)) {
      bases.push_back(base);
    } else if (name.ends_with(".tmp")) {
      std::filesystem::remove(entry.path(), ec);  // an unfinished atomic write
      dir_changed = true;
    } else if (name.ends_with(".idx") || name.ends_with(".tix")) {
      index_files.push_back(entry.path());
    }
  }
  if (ec) {
    return MakeUnexpected(StorageError{StorageErrc::kIoError, "list " + dir.string() + ": " +
                                                                  ec.message()});
  }
  std::sort(bases.begin(), bases.end());
  // Index files whose segment is gone (retention stopped between the unlinks).
  for (const auto& path : index_files) {
    Offset base;
    auto seg_name = path.stem().string() + ".seg";
    if (!ParseSegmentFileName(seg_name, &base) ||
        !std::binary_search(bases.begin(), bases.end(), base)) {
      std::filesystem::remove(path, ec);
      dir_changed = true;
    }
  }

  if (bases.empty()) {
    auto seg = Segment::Create(dir, Offset(0), interval);
    if (!seg) return MakeUnexpected(seg.error());
    impl->segments_.push_back(std::move(*seg));
    dir_changed = true;
  } else {
    std::vector<std::shared_ptr<Segment>> segs;
    for (Offset base : bases) {
      auto seg = Segment::OpenExisting(dir, base, interval);
      if (!seg) return MakeUnexpected(seg.error());
      segs.push_back(std::move(*seg));
    }
    // Empty segments at the end (a roll creates the next segment before the sealed one is
    // synced): a sealed segment found torn or short with only empty segments after it holds
    // the log's tail, so those empty segments go and it is recovered as the active segment.
    size_t last_data = segs.size() - 1;
    while (last_data > 0 && segs[last_data]->size == 0) --last_data;
    for (size_t i = 0; i < segs.size(); ++i) {
      Segment& seg = *segs[i];
      if (i + 1 == segs.size()) {
        if (auto r = RecoverActive(seg, report); !r) return MakeUnexpected(r.error());
        break;
      }
      RecoveryReport sealed_report;
      auto wrote = OpenSealed(seg, bases[i + 1], &sealed_report);
      if (!wrote) return MakeUnexpected(wrote.error());
      dir_changed |= *wrote;
      if (!seg.corrupt || i < last_data) {
        report->corruption_in_middle |= sealed_report.corruption_in_middle;
        if (!sealed_report.detail.empty()) AddDetail(report, sealed_report.detail);
        continue;
      }
      const Offset next_base = bases[i + 1];
      for (size_t j = i + 1; j < segs.size(); ++j) {
        if (auto r = RemoveEmptySegment(*segs[j]); !r) return MakeUnexpected(r.error());
      }
      AddDetail(report, "removed " + std::to_string(segs.size() - i - 1) +
                            " empty segment(s) after " + seg.seg_path().filename().string() +
                            ", which is recovered as the tail");
      segs.resize(i + 1);
      dir_changed = true;
      auto size = seg.file().Size();
      if (!size) return MakeUnexpected(ToStorageError(size.error()));
      seg.size = *size;
      seg.corrupt = false;
      const uint64_t dropped_before = report->dropped_records;
      if (auto r = RecoverActive(seg, report); !r) return MakeUnexpected(r.error());
      // Records that never reached the file at all (it ends early) are dropped too.
      const uint64_t counted = report->dropped_records - dropped_before;
      if (seg.end < next_base && next_base.value() - seg.end.value() > counted) {
        report->dropped_records = dropped_before + (next_base.value() - seg.end.value());
        AddDetail(report, "offsets [" + std::to_string(seg.end.value()) + ", " +
                              std::to_string(next_base.value()) + ") were lost at the tail of " +
                              seg.seg_path().filename().string());
      }
      break;
    }
    for (auto& seg : segs) impl->segments_.push_back(std::move(seg));
  }
  if (dir_changed) {
    if (auto r = SyncDir(dir); !r) return MakeUnexpected(ToStorageError(r.error()));
  }
  // A previous process may have died before syncing what is in the page cache: make the
  // tail durable now (the segment before the active one may have been sealed unsynced).
  size_t n = impl->segments_.size();
  for (size_t i = n >= 2 ? n - 2 : 0; i < n; ++i) {
    if (auto r = impl->segments_[i]->file().DataSync(); !r) {
      return MakeUnexpected(ToStorageError(r.error()));
    }
  }
  const auto& active = *impl->segments_.back();
  impl->end_ = active.end.value();
  impl->durable_end_ = active.end.value();
  for (auto it = impl->segments_.rbegin(); it != impl->segments_.rend(); ++it) {
    if ((*it)->index.has_batches()) {
      impl->last_ts_ms_ = (*it)->index.max_ts_ms();
      break;
    }
  }
  return std::unique_ptr<Log>(new Log(std::move(impl)));
}

size_t Log::Impl::FindSegmentLocked(Offset offset) const {
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), offset,
      [](Offset o, const std::shared_ptr<Segment>& s) { return o < s->base(); });
  return it == segments_.begin() ? 0 : static_cast<size_t>(it - segments_.begin()) - 1;
}

StorageResult<void> Log::Impl::RollLocked() {
  auto& old = segments_.back();
  if (old->end == old->base()) return {};  // never seal an empty segment
  auto next = Segment::Create(dir, old->end, options.index_interval_bytes);
  if (!next) return MakeUnexpected(next.error());
  // Index files are written (and fsynced) now; the segment data is fdatasynced by the next
  // Sync(). Open() checks an index against the file (size, last batch CRCs) before trusting it.
  if (auto r = old->index.WriteFiles(old->idx_path(), old->tix_path(), old->Summary()); !r) {
    std::error_code ec;
    std::filesystem::remove(next.value()->seg_path(), ec);
    return r;
  }
  if (auto r = SyncDir(dir); !r) {
    // Not rolled: the retry creates the next segment afresh (at the end the log has then).
    // A stale empty segment left here would claim offsets the active segment goes on using.
    std::error_code ec;
    std::filesystem::remove(next.value()->seg_path(), ec);
    return MakeUnexpected(ToStorageError(r.error()));
  }
  if (active_dirty_) unsynced_.push_back(old);
  active_dirty_ = false;
  segments_.push_back(std::move(*next));
  return {};
}

StorageResult<Offset> Log::Append(BatchBuilder& batch) {
  Impl& d = *impl_;
  std::lock_guard lock(d.mu_);
  if (d.closed_) return Closed("log is closed");
  if (d.fenced_.load()) return Closed("log is fenced after a failed fsync");
  Offset base(d.end_.load());
  if (batch.empty()) return base;
  if (batch.payload_bytes() > format::kMaxPayloadBytes) {
    return MakeUnexpected(StorageError{StorageErrc::kIoError, "batch too large"});
  }
  Segment& seg = *d.segments_.back();
  std::string_view frame = batch.Finish(base.value());
  if (auto r = seg.file().PWriteAll(frame.data(), frame.size(), seg.size); !r) {
    (void)seg.file().Truncate(seg.size);  // drop a partial write; recovery would anyway
    return MakeUnexpected(ToStorageError(r.error()));
  }
  FilePos pos(seg.size);
  seg.size += frame.size();
  // Written from a buffer whose CRC was just computed: reads need not check it again.
  seg.verified.Add(pos.value(), seg.size);
  seg.index.OnBatch(base, batch.record_count(), pos, frame.size(), batch.max_timestamp_ms());
  seg.end = base + batch.record_count();
  d.last_ts_ms_ = batch.max_timestamp_ms();
  d.active_dirty_ = true;
  d.end_.store(seg.end.value());
  if (seg.size >= d.options.segment_bytes) {
    // A failed roll is retried on the next append; the data above is already written.
    (void)d.RollLocked();
  }
  return base;
}

StorageResult<Offset> Log::Sync() {
  Impl& d = *impl_;
  std::lock_guard sync_lock(d.sync_mu_);
  std::vector<std::shared_ptr<Segment>> to_sync;
  uint64_t end;
  {
    std::lock_guard lock(d.mu_);
    if (d.closed_) return Closed("log is closed");
    if (d.fenced_.load()) return Closed("log is fenced after a failed fsync");
    end = d.end_.load();
    to_sync.swap(d.unsynced_);
    if (d.active_dirty_) to_sync.push_back(d.segments_.back());
    d.active_dirty_ = false;
  }
  // Appends continue while the fdatasyncs run.
  for (const auto& seg : to_sync) {
    if (auto r = seg->file().DataSync(); !r) {
      d.fenced_.store(true);
      return MakeUnexpected(ToStorageError(r.error()));
    }
  }
  uint64_t durable = d.durable_end_.load();
  while (durable < end && !d.durable_end_.compare_exchange_weak(durable, end)) {
  }
  return Offset(std::max(durable, end));
}

Offset Log::StartOffset() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->segments_.empty() ? Offset(impl_->end_.load()) : impl_->segments_.front()->base();
}

Offset Log::EndOffset() const { return Offset(impl_->end_.load()); }
Offset Log::DurableEnd() const { return Offset(impl_->durable_end_.load()); }

int64_t Log::LastTimestampMs() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->last_ts_ms_;
}

StorageResult<Offset> Log::DeleteSegmentsOlderThan(int64_t min_timestamp_ms) {
  Impl& d = *impl_;
  std::vector<std::shared_ptr<Segment>> doomed;
  Offset start;
  {
    std::lock_guard lock(d.mu_);
    if (d.closed_) return Closed("log is closed");
    size_t n = 0;
    while (n + 1 < d.segments_.size()) {  // never the active segment
      const Segment& seg = *d.segments_[n];
      if (seg.index.has_batches() && seg.index.max_ts_ms() >= min_timestamp_ms) break;
      ++n;
    }
    doomed.assign(d.segments_.begin(), d.segments_.begin() + static_cast<ptrdiff_t>(n));
    d.segments_.erase(d.segments_.begin(), d.segments_.begin() + static_cast<ptrdiff_t>(n));
    start = d.segments_.front()->base();
  }
  if (doomed.empty()) return start;
  // Readers holding a segment keep its descriptor; unlinking is safe under them. The .seg
  // goes first so that a crash leaves only orphan index files, which Open() removes.
  for (const auto& seg : doomed) {
    std::error_code ec;
    if (!std::filesystem::remove(seg->seg_path(), ec) && ec) {
      return MakeUnexpected(StorageError{StorageErrc::kIoError,
                                         "unlink " + seg->seg_path().string() + ": " + ec.message()});
    }
    std::filesystem::remove(seg->idx_path(), ec);
    std::filesystem::remove(seg->tix_path(), ec);
  }
  if (auto r = SyncDir(d.dir); !r) return MakeUnexpected(ToStorageError(r.error()));
  return start;
}

StorageResult<void> Log::Destroy() {
  Impl& d = *impl_;
  std::lock_guard sync_lock(d.sync_mu_);
  {
    std::lock_guard lock(d.mu_);
    d.closed_ = true;
    d.segments_.clear();
    d.unsynced_.clear();
  }
  std::error_code ec;
  std::filesystem::remove_all(d.dir, ec);
  if (ec) {
    return MakeUnexpected(StorageError{StorageErrc::kIoError,
                                       "remove " + d.dir.string() + ": " + ec.message()});
  }
  auto parent = d.dir.parent_path();
  if (!parent.empty()) (void)SyncDir(parent);
  return {};
}

}  // namespace runnel::storage
