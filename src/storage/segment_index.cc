#include "storage/segment_index.h"

#include <algorithm>
#include <cerrno>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/file.h"

namespace runnel::storage {
namespace {

constexpr uint32_t kOffsetIndexMagic = 0x58444952;  // "RIDX"
constexpr uint32_t kTimeIndexMagic = 0x58495452;    // "RTIX"
constexpr uint32_t kIndexVersion = 1;
constexpr size_t kSummarySize = 40;
constexpr size_t kPreambleSize = 8 + kSummarySize + 4;  // magic, version, summary, count
constexpr size_t kEntrySize = 16;

void AppendSummary(std::string& s, const SegmentSummary& m) {
  coding::AppendFixed64(s, m.base.value());
  coding::AppendFixed64(s, m.end.value());
  coding::AppendFixed64(s, m.size_bytes);
  coding::AppendFixed64(s, static_cast<uint64_t>(m.max_ts_ms));
  coding::AppendFixed64(s, m.last_batch_pos.value());
}

SegmentSummary ParseSummary(const char* p) {
  SegmentSummary m;
  m.base = Offset(coding::GetFixed64(p));
  m.end = Offset(coding::GetFixed64(p + 8));
  m.size_bytes = coding::GetFixed64(p + 16);
  m.max_ts_ms = static_cast<int64_t>(coding::GetFixed64(p + 24));
  m.last_batch_pos = FilePos(coding::GetFixed64(p + 32));
  return m;
}

bool SameSummary(const SegmentSummary& a, const SegmentSummary& b) {
  return a.base == b.base && a.end == b.end && a.size_bytes == b.size_bytes &&
         a.max_ts_ms == b.max_ts_ms && a.last_batch_pos == b.last_batch_pos;
}

void AppendCrc(std::string& s) {
  coding::AppendFixed32(s, crc32c::Mask(crc32c::Value(s)));
}

// Checks magic, version, length and CRC of an index file; returns its entry count.
std::optional<uint32_t> CheckFile(std::string_view data, uint32_t magic, std::string* why) {
  if (data.size() < kPreambleSize + 4) {
    *why = "short file";
    return std::nullopt;
  }
  size_t body = data.size() - 4;
  if (crc32c::Unmask(coding::GetFixed32(data.data() + body)) !=
      crc32c::Value(data.data(), body)) {
    *why = "checksum mismatch";
    return std::nullopt;
  }
  if (coding::GetFixed32(data.data()) != magic ||
      coding::GetFixed32(data.data() + 4) != kIndexVersion) {
    *why = "bad magic or version";
    return std::nullopt;
  }
  uint32_t count = coding::GetFixed32(data.data() + 8 + kSummarySize);
  if (kPreambleSize + uint64_t{count} * kEntrySize != body) {
    *why = "entry count does not match file length";
    return std::nullopt;
  }
  return count;
}

}  // namespace

void SegmentIndex::OnBatch(Offset base, uint32_t count, FilePos pos, uint64_t frame_bytes,
                           int64_t max_ts_ms) {
  max_ts_ms_ = has_batches_ ? std::max(max_ts_ms_, max_ts_ms) : max_ts_ms;
  has_batches_ = true;
  last_batch_pos_ = pos;
  if (entries_.empty() || pos.value() >= next_entry_pos_) {
    entries_.push_back({base, pos});
    time_entries_.push_back({max_ts_ms_, base});
    next_entry_pos_ = pos.value() + interval_bytes_;
  }
  (void)count;
  (void)frame_bytes;
}

std::optional<IndexEntry> SegmentIndex::Lookup(Offset offset) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), offset,
                             [](Offset o, const IndexEntry& e) { return o < e.offset; });
  if (it == entries_.begin()) return std::nullopt;
  return *(it - 1);
}

std::optional<IndexEntry> SegmentIndex::LookupTime(int64_t ts_ms) const {
  // time_entries_ max_ts is non-decreasing (a running maximum): find the last one < ts_ms.
  auto it = std::lower_bound(time_entries_.begin(), time_entries_.end(), ts_ms,
                             [](const TimeEntry& e, int64_t t) { return e.max_ts_ms < t; });
  if (it == time_entries_.begin()) return std::nullopt;
  size_t i = static_cast<size_t>(it - time_entries_.begin()) - 1;
  return entries_[i];  // taken at the same batches as the time entries
}

std::string SegmentIndex::EncodeOffsetIndex(const SegmentSummary& summary) const {
  std::string s;
  s.reserve(kPreambleSize + entries_.size() * kEntrySize + 4);
  coding::AppendFixed32(s, kOffsetIndexMagic);
  coding::AppendFixed32(s, kIndexVersion);
  AppendSummary(s, summary);
  coding::AppendFixed32(s, static_cast<uint32_t>(entries_.size()));
  for (const auto& e : entries_) {
    coding::AppendFixed64(s, e.offset.value());
    coding::AppendFixed64(s, e.pos.value());
  }
  AppendCrc(s);
  return s;
}

std::string SegmentIndex::EncodeTimeIndex(const SegmentSummary& summary) const {
  std::string s;
  s.reserve(kPreambleSize + time_entries_.size() * kEntrySize + 4);
  coding::AppendFixed32(s, kTimeIndexMagic);
  coding::AppendFixed32(s, kIndexVersion);
  AppendSummary(s, summary);
  coding::AppendFixed32(s, static_cast<uint32_t>(time_entries_.size()));
  for (const auto& e : time_entries_) {
    coding::AppendFixed64(s, static_cast<uint64_t>(e.max_ts_ms));
    coding::AppendFixed64(s, e.offset.value());
  }
  AppendCrc(s);
  return s;
}

std::optional<SegmentIndex> SegmentIndex::Load(const std::filesystem::path& idx_path,
                                               const std::filesystem::path& tix_path,
                                               uint64_t interval_bytes, SegmentSummary* summary,
                                               std::string* why) {
  auto idx = ReadFile(idx_path);
  if (!idx) {
    *why = idx.error().what;
    return std::nullopt;
  }
  auto tix = ReadFile(tix_path);
  if (!tix) {
    *why = tix.error().what;
    return std::nullopt;
  }
  std::string sub;
  auto idx_count = CheckFile(*idx, kOffsetIndexMagic, &sub);
  if (!idx_count) {
    *why = idx_path.filename().string() + ": " + sub;
    return std::nullopt;
  }
  auto tix_count = CheckFile(*tix, kTimeIndexMagic, &sub);
  if (!tix_count) {
    *why = tix_path.filename().string() + ": " + sub;
    return std::nullopt;
  }
  SegmentSummary a = ParseSummary(idx->data() + 8);
  SegmentSummary b = ParseSummary(tix->data() + 8);
  if (!SameSummary(a, b) || *idx_count != *tix_count) {
    *why = "offset and time index disagree";
    return std::nullopt;
  }
  SegmentIndex index(interval_bytes);
  index.entries_.reserve(*idx_count);
  index.time_entries_.reserve(*idx_count);
  for (uint32_t i = 0; i < *idx_count; ++i) {
    const char* pi = idx->data() + kPreambleSize + size_t{i} * kEntrySize;
    const char* pt = tix->data() + kPreambleSize + size_t{i} * kEntrySize;
    IndexEntry e{Offset(coding::GetFixed64(pi)), FilePos(coding::GetFixed64(pi + 8))};
    TimeEntry t{static_cast<int64_t>(coding::GetFixed64(pt)), Offset(coding::GetFixed64(pt + 8))};
    bool ordered = index.entries_.empty() || (index.entries_.back().offset < e.offset &&
                                              index.entries_.back().pos < e.pos &&
                                              index.time_entries_.back().max_ts_ms <= t.max_ts_ms);
    if (t.offset != e.offset || !ordered || e.offset < a.base || e.offset >= a.end ||
        e.pos.value() >= a.size_bytes) {
      *why = "index entries out of order or out of range";
      return std::nullopt;
    }
    index.entries_.push_back(e);
    index.time_entries_.push_back(t);
  }
  index.has_batches_ = a.end > a.base;
  index.max_ts_ms_ = a.max_ts_ms;
  index.last_batch_pos_ = a.last_batch_pos;
  index.next_entry_pos_ = a.size_bytes;
  *summary = a;
  return index;
}

StorageResult<void> SegmentIndex::WriteFiles(const std::filesystem::path& idx_path,
                                             const std::filesystem::path& tix_path,
                                             const SegmentSummary& summary) const {
  for (int i = 0; i < 2; ++i) {
    const auto& path = i == 0 ? idx_path : tix_path;
    std::string data = i == 0 ? EncodeOffsetIndex(summary) : EncodeTimeIndex(summary);
    if (auto r = WriteFileAtomic(path, data); !r) {
      return MakeUnexpected(StorageError{
          r.error().err == ENOSPC ? StorageErrc::kNoSpace : StorageErrc::kIoError, r.error().what});
    }
  }
  return {};
}

}  // namespace runnel::storage
