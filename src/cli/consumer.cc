#include "cli/consumer.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <algorithm>

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
    : client_(client),
      options_(std::move(options)),
      sink_(std::move(sink)),
      page_done_(std::move(page_done)),
      traversal_(client, options_.stream) {}

void Consumer::AddCursors(std::vector<ShardStart> shards) {
  for (ShardStart& s : shards) {
    Cursor c;
    c.shard_id = std::move(s.shard_id);
    c.closed = s.closed;
    c.start = std::move(s.start);
    cursors_.push_back(std::move(c));
  }
  stats_.shards_read = traversal_.shards_started();
}

bool Consumer::LimitReached() const {
  return options_.max_records > 0 && stats_.records >= options_.max_records;
}

KinesisResult<int64_t> Consumer::Poll(Cursor& c, int64_t wait_ms) {
  if (!c.iterator) {
    StartingPosition pos = c.start;
    if (!c.last_sequence.empty()) pos = {IteratorType::kAfterSequenceNumber, c.last_sequence, 0};
    auto it = client_.GetShardIterator(options_.stream, c.shard_id, pos);
    if (!it.ok()) return MakeUnexpected(it.error());
    c.iterator = std::move(it).value();
  }
  int64_t limit = options_.page_limit;
  if (options_.max_records > 0) limit = std::min(limit, options_.max_records - stats_.records);
  auto page = client_.GetRecords(*c.iterator, std::max<int64_t>(limit, 1), wait_ms);
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
  } else {
    c.done = true;
    auto children = traversal_.OnShardEnd(c.shard_id, std::move(page->child_shards));
    if (!children.ok()) return MakeUnexpected(children.error());
    AddCursors(std::move(children).value());  // may reallocate cursors_: `c` is not used after
  }
  return delivered;
}

KinesisResult<ConsumeStats> Consumer::Run() {
  auto initial = traversal_.SelectInitial(options_.shard, options_.start);
  if (!initial.ok()) return MakeUnexpected(initial.error());
  AddCursors(std::move(initial).value());
  bool idle = false;  // the last round found nothing on any shard
  while (!LimitReached()) {
    if (g_stop_requested.load()) {
      stats_.interrupted = true;
      break;
    }
    auto round_start = std::chrono::steady_clock::now();
    int64_t active = 0;
    for (const Cursor& c : cursors_) active += c.done ? 0 : 1;
    int64_t wait_ms = 0;
    if (idle && options_.follow && options_.wait_ms > 0) {
      wait_ms = active <= 1 ? options_.wait_ms
                            : std::clamp<int64_t>(options_.idle_sleep_ms / active, 1, options_.wait_ms);
    }
    int64_t delivered = 0;
    // Index loop: Poll may append child cursors.
    for (size_t i = 0; i < cursors_.size() && !LimitReached() && !g_stop_requested.load(); ++i) {
      if (cursors_[i].done) continue;
      auto n = Poll(cursors_[i], wait_ms);
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
    if (all_done && !traversal_.has_pending_children()) break;  // every shard read to its end
    if (!options_.follow && all_caught_up && !traversal_.has_pending_children()) break;
    idle = delivered == 0;
    if (idle) {
      // Whatever the long polls did not already wait (all of it when the server ignores
      // x-runnel-wait-ms).
      auto spent = std::chrono::steady_clock::now() - round_start;
      auto left = std::chrono::milliseconds(options_.idle_sleep_ms) - spent;
      if (left > std::chrono::milliseconds(0)) {
        SleepUnlessStopped(std::chrono::duration_cast<std::chrono::milliseconds>(left));
      }
    }
  }
  if (g_stop_requested.load()) stats_.interrupted = true;
  return stats_;
}

}  // namespace runnel::cli
