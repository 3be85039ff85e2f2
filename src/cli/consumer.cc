#include "cli/consumer.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "cli/cli_common.h"

namespace runnel::cli {
namespace {

std::optional<int64_t> ParseTimestampMs(std::string_view t) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), seconds);
  if (ec == std::errc() && end == t.data() + t.size()) {
    return static_cast<int64_t>(std::llround(seconds * 1000.0));
  }
  // ISO 8601 UTC: YYYY-MM-DDTHH:MM:SS[.fff][Z]
  std::tm tm{};
  std::string text(t);
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return std::nullopt;
  int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  if (*rest == '.') {
    ++rest;
    int64_t scale = 100;
    while (*rest >= '0' && *rest <= '9') {
      ms += (*rest - '0') * scale;
      scale /= 10;
      ++rest;
    }
  }
  if (*rest == 'Z') ++rest;
  if (*rest != '\0') return std::nullopt;
  return ms;
}

}  // namespace

Result<StartingPosition, std::string> ParseStartingPosition(std::string_view spec) {
  StartingPosition pos;
  if (spec == "trim-horizon") {
    pos.type = IteratorType::kTrimHorizon;
  } else if (spec == "latest") {
    pos.type = IteratorType::kLatest;
  } else if (spec.starts_with("at-timestamp=")) {
    auto ms = ParseTimestampMs(spec.substr(13));
    if (!ms) return MakeUnexpected("bad timestamp in --from " + std::string(spec));
    pos.type = IteratorType::kAtTimestamp;
    pos.timestamp_ms = *ms;
  } else if (spec.starts_with("at-sequence=")) {
    std::string_view seq = spec.substr(12);
    if (seq.empty() || seq.find_first_not_of("0123456789") != std::string_view::npos) {
      return MakeUnexpected("bad sequence number in --from " + std::string(spec));
    }
    pos.type = IteratorType::kAtSequenceNumber;
    pos.sequence_number = std::string(seq);
  } else {
    return MakeUnexpected("--from must be trim-horizon, latest, at-timestamp=T or at-sequence=SEQ");
  }
  return pos;
}

Consumer::Consumer(KinesisClient& client, ConsumeOptions options, RecordSink sink, PageDone page_done)
    : client_(client), options_(std::move(options)), sink_(std::move(sink)), page_done_(std::move(page_done)) {}

void Consumer::AddCursor(const std::string& shard_id, StartingPosition start, bool closed) {
  if (!started_.insert(shard_id).second) return;
  Cursor c;
  c.shard_id = shard_id;
  c.closed = closed;
  c.start = std::move(start);
  cursors_.push_back(std::move(c));
  ++stats_.shards_read;
}

KinesisResult<void> Consumer::SelectInitialShards() {
  auto shards = client_.ListShards(options_.stream);
  if (!shards.ok()) return MakeUnexpected(shards.error());
  if (options_.shard != "all") {
    for (const ShardInfo& s : *shards) {
      if (s.shard_id == options_.shard) {
        AddCursor(s.shard_id, options_.start, !s.IsOpen());
        return {};
      }
    }
    return MakeUnexpected(ServiceError{"ResourceNotFoundException",
                                       "Shard " + options_.shard + " in stream " + options_.stream +
                                           " not found.",
                                       400});
  }
  std::set<std::string> listed;
  for (const ShardInfo& s : *shards) listed.insert(s.shard_id);
  std::vector<const ShardInfo*> chosen;
  for (const ShardInfo& s : *shards) {
    bool root = !listed.count(s.parent_shard_id) && !listed.count(s.adjacent_parent_shard_id);
    // LATEST reads only what arrives from now on: the open shards are enough.
    bool wanted = options_.start.type == IteratorType::kLatest ? s.IsOpen() : root;
    if (wanted) chosen.push_back(&s);
  }
  if (options_.start.type == IteratorType::kAtSequenceNumber && chosen.size() > 1) {
    return MakeUnexpected(ServiceError{"InvalidArgumentException",
                                       "--from at-sequence needs --shard ID on a stream with more "
                                       "than one shard",
                                       400});
  }
  for (const ShardInfo* s : chosen) AddCursor(s->shard_id, options_.start, !s->IsOpen());
  return {};
}

bool Consumer::LimitReached() const {
  return options_.max_records > 0 && stats_.records >= options_.max_records;
}

KinesisResult<void> Consumer::OnShardEnd(Cursor& c, std::vector<ChildShard> children) {
  c.done = true;
  finished_.insert(c.shard_id);
  if (children.empty()) {
    // Servers that predate ChildShards (kinesalite) only end the shard: find its children in
    // ListShards by their parent ids.
    auto shards = client_.ListShards(options_.stream);
    if (!shards.ok()) return MakeUnexpected(shards.error());
    for (const ShardInfo& s : *shards) {
      if (s.parent_shard_id != c.shard_id && s.adjacent_parent_shard_id != c.shard_id) continue;
      ChildShard child{s.shard_id, {s.parent_shard_id}};
      if (!s.adjacent_parent_shard_id.empty()) child.parent_shards.push_back(s.adjacent_parent_shard_id);
      children.push_back(std::move(child));
    }
  }
  for (const ChildShard& child : children) {
    if (!started_.count(child.shard_id)) pending_children_[child.shard_id] = child.parent_shards;
  }
  StartReadyChildren();
  return {};
}

void Consumer::StartReadyChildren() {
  for (auto it = pending_children_.begin(); it != pending_children_.end();) {
    bool ready = true;
    for (const std::string& parent : it->second) {
      // A parent we are not reading (e.g. --shard X and a merge) does not hold the child back.
      if (started_.count(parent) && !finished_.count(parent)) ready = false;
    }
    if (!ready) {
      ++it;
      continue;
    }
    AddCursor(it->first, StartingPosition{IteratorType::kTrimHorizon, "", 0}, /*closed=*/false);
    it = pending_children_.erase(it);
  }
}

KinesisResult<int64_t> Consumer::Poll(Cursor& c) {
  if (!c.iterator) {
    StartingPosition pos = c.start;
    if (!c.last_sequence.empty()) pos = {IteratorType::kAfterSequenceNumber, c.last_sequence, 0};
    auto it = client_.GetShardIterator(options_.stream, c.shard_id, pos);
    if (!it.ok()) return MakeUnexpected(it.error());
    c.iterator = std::move(it).value();
  }
  int64_t limit = options_.page_limit;
  if (options_.max_records > 0) limit = std::min(limit, options_.max_records - stats_.records);
  auto page = client_.GetRecords(*c.iterator, std::max<int64_t>(limit, 1));
  if (!page.ok()) {
    if (page.error().type == "ExpiredIteratorException") {
      c.iterator.reset();  // re-acquired after last_sequence on the next poll
      return int64_t{0};
    }
    return MakeUnexpected(page.error());
  }
  int64_t delivered = 0;
  for (const Record& r : page->records) {
    if (LimitReached()) break;
    sink_(c.shard_id, r);
    c.last_sequence = r.sequence_number;
    ++stats_.records;
    ++delivered;
  }
  // A closed shard is not caught up until the server ends it (no NextShardIterator).
  c.caught_up = page->records.empty() && page->millis_behind_latest == 0 && !c.closed;
  if (page->next_shard_iterator) {
    c.iterator = std::move(page->next_shard_iterator);
  } else if (auto r = OnShardEnd(c, std::move(page->child_shards)); !r.ok()) {
    return MakeUnexpected(r.error());
  }
  return delivered;
}

KinesisResult<ConsumeStats> Consumer::Run() {
  if (auto r = SelectInitialShards(); !r.ok()) return MakeUnexpected(r.error());
  while (!LimitReached()) {
    if (g_stop_requested.load()) {
      stats_.interrupted = true;
      break;
    }
    int64_t delivered = 0;
    // Index loop: Poll may append child cursors.
    for (size_t i = 0; i < cursors_.size() && !LimitReached() && !g_stop_requested.load(); ++i) {
      if (cursors_[i].done) continue;
      auto n = Poll(cursors_[i]);
      if (!n.ok()) return MakeUnexpected(n.error());
      delivered += *n;
    }
    if (page_done_) page_done_();
    bool all_done = true;
    bool all_caught_up = true;
    for (const Cursor& c : cursors_) {
      if (c.done) continue;
      all_done = false;
      if (!c.caught_up) all_caught_up = false;
    }
    if (all_done && pending_children_.empty()) break;  // every shard read to its end
    if (!options_.follow && all_caught_up && pending_children_.empty()) break;
    if (delivered == 0) SleepUnlessStopped(std::chrono::milliseconds(options_.idle_sleep_ms));
  }
  if (g_stop_requested.load()) stats_.interrupted = true;
  return stats_;
}

}  // namespace runnel::cli
