// SplitShard, MergeShards and UpdateShardCount (kinesis-api-actions.md §4): the pure shard-list
// changes (resharding.h) and StreamRegistry's locked, persisted application of them.
#include "stream/resharding.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <chrono>

#include "common/clock.h"
#include "common/file.h"
#include "stream/registry_internal.h"

namespace runnel::stream {
namespace fs = std::filesystem;

namespace {

constexpr uint32_t kMaxShardsPerStream = 10000;  // UpdateShardCount's per-stream ceiling
constexpr size_t kScalingOpsPerDay = 10;         // UpdateShardCount calls per rolling 24 h
constexpr int64_t kDayMs = 24 * 3600 * 1000;

StreamError Fact(StreamErrc code, std::string_view account, std::string_view name) {
  StreamError e;
  e.code = code;
  e.account = std::string(account);
  e.stream = std::string(name);
  return e;
}

// Position of the open shard named `shard_id` in m.shards, or the Split/Merge error.
StreamResult<size_t> FindOpenShard(const StreamMeta& m, std::string_view shard_id,
                                   bool merging) {
  auto index = ShardIndexOf(shard_id);
  for (size_t p = 0; index && p < m.shards.size(); ++p) {
    if (m.shards[p].index != *index) continue;
    if (!m.shards[p].open()) {
      StreamError e = Fact(StreamErrc::kShardAlreadyClosed, m.account, m.name);
      e.shard = ShardIdOf(m.shards[p].index);
      e.n1 = merging ? 1 : 0;
      return MakeUnexpected(e);
    }
    return p;
  }
  StreamError e = Fact(StreamErrc::kShardNotFoundForReshard, m.account, m.name);
  e.shard = std::string(shard_id);
  return MakeUnexpected(e);
}

bool Touch(const HashKeyRange& lower, const HashKeyRange& upper) {
  return lower.end != kMaxHashKey && lower.end + 1 == upper.start;
}

ShardMeta Child(StreamMeta& m, HashKeyRange range, uint32_t parent, int64_t at_ms) {
  ShardMeta c;
  c.index = m.next_shard_index++;
  c.range = range;
  c.parent = parent;
  c.created_ms = at_ms;
  return c;
}

struct ScalingCounts {
  uint32_t splits = 0;
  uint32_t merges = 0;
};

ScalingCounts UniformScaling(StreamMeta& m, uint32_t target, int64_t at_ms) {
  const std::vector<HashKeyRange> targets = SplitEvenly(target);
  auto target_of = [&](HashKey k) {  // index of the target range holding k
    auto it = std::upper_bound(targets.begin(), targets.end(), k,
                               [](HashKey v, const HashKeyRange& r) { return v < r.start; });
    return static_cast<size_t>(it - targets.begin()) - 1;
  };
  std::vector<size_t> open;
  for (size_t p = 0; p < m.shards.size(); ++p) {
    if (m.shards[p].open()) open.push_back(p);
  }
  std::sort(open.begin(), open.end(), [&](size_t a, size_t b) {
    return m.shards[a].range.start < m.shards[b].range.start;
  });

  ScalingCounts counts;
  // 1. Split every open shard at each target boundary strictly inside it. `pieces` stays
  // sorted by range start: shards are visited in order and each is cut left to right.
  std::vector<size_t> pieces;
  for (size_t pos : open) {
    size_t cur = pos;
    for (size_t k = target_of(m.shards[cur].range.start) + 1;
         k < targets.size() && targets[k].start <= m.shards[cur].range.end; ++k) {
      ApplySplit(m, cur, targets[k].start, at_ms);
      ++counts.splits;
      pieces.push_back(m.shards.size() - 2);  // lower child: done
      cur = m.shards.size() - 1;              // upper child: may need more cuts
    }
    pieces.push_back(cur);
  }
  // 2. Every piece now lies inside one target range; merge each range's pieces left to right.
  for (size_t i = 0; i < pieces.size();) {
    size_t t = target_of(m.shards[pieces[i]].range.start);
    size_t acc = pieces[i];
    size_t j = i + 1;
    for (; j < pieces.size() && target_of(m.shards[pieces[j]].range.start) == t; ++j) {
      ApplyMerge(m, acc, pieces[j], at_ms);
      ++counts.merges;
      acc = m.shards.size() - 1;
    }
    i = j;
  }
  return counts;
}

}  // namespace

bool OpenShardsCoverHashSpace(const std::vector<ShardMeta>& shards) {
  std::vector<HashKeyRange> open;
  for (const auto& s : shards) {
    if (s.open()) open.push_back(s.range);
  }
  if (open.empty()) return false;
  std::sort(open.begin(), open.end(),
            [](const HashKeyRange& a, const HashKeyRange& b) { return a.start < b.start; });
  if (open.front().start != 0) return false;
  for (size_t i = 0; i < open.size(); ++i) {
    if (open[i].end < open[i].start) return false;
    if (i > 0 && !Touch(open[i - 1], open[i])) return false;
  }
  return open.back().end == kMaxHashKey;
}

int64_t ReshardTime(int64_t now_ms, std::span<const ShardMeta* const> parents) {
  int64_t t = now_ms;
  for (const ShardMeta* p : parents) t = std::max(t, (p->created_ms / 1000 + 1) * 1000);
  return t;
}

uint32_t ApplySplit(StreamMeta& m, size_t pos, HashKey key, int64_t at_ms) {
  const ShardMeta parent = m.shards[pos];  // a copy: push_back below may reallocate
  assert(parent.open() && parent.range.start < key && key <= parent.range.end);
  m.shards[pos].closed_ms = at_ms;
  ShardMeta lower = Child(m, {parent.range.start, key - 1}, parent.index, at_ms);
  ShardMeta upper = Child(m, {key, parent.range.end}, parent.index, at_ms);
  m.shards.push_back(lower);
  m.shards.push_back(upper);
  return lower.index;
}

uint32_t ApplyMerge(StreamMeta& m, size_t pos, size_t adjacent_pos, int64_t at_ms) {
  const ShardMeta a = m.shards[pos];
  const ShardMeta b = m.shards[adjacent_pos];
  assert(a.open() && b.open() && (Touch(a.range, b.range) || Touch(b.range, a.range)));
  m.shards[pos].closed_ms = at_ms;
  m.shards[adjacent_pos].closed_ms = at_ms;
  HashKeyRange range{std::min(a.range.start, b.range.start), std::max(a.range.end, b.range.end)};
  ShardMeta child = Child(m, range, a.index, at_ms);
  child.adjacent_parent = b.index;
  m.shards.push_back(child);
  return child.index;
}

uint32_t ApplyUniformScaling(StreamMeta& m, uint32_t target, int64_t at_ms) {
  ScalingCounts c = UniformScaling(m, target, at_ms);
  return 2 * c.splits + c.merges;
}

namespace {
// UpdateShardCount's change applied at `now_ms`: the parents close at the first time every
// open shard may close (ReshardTime).
void ApplyUniformScalingAt(StreamMeta& m, uint32_t target, int64_t now_ms) {
  std::vector<const ShardMeta*> parents;
  for (const auto& s : m.shards) {
    if (s.open()) parents.push_back(&s);
  }
  const int64_t at = ReshardTime(now_ms, parents);
  parents.clear();  // pointers into m.shards die with the first push_back
  ApplyUniformScaling(m, target, at);
}
}  // namespace

ScalingCost UniformScalingCost(const StreamMeta& meta, uint32_t target) {
  StreamMeta copy = meta;
  const uint32_t open = OpenShardCount(meta);
  ScalingCounts c = UniformScaling(copy, target, 0);
  return ScalingCost{2 * c.splits + c.merges, open + c.splits};  // splits all come first
}

uint32_t OpenShardCount(const StreamMeta& m) {
  return static_cast<uint32_t>(
      std::count_if(m.shards.begin(), m.shards.end(), [](const ShardMeta& s) { return s.open(); }));
}

uint32_t QuotaShardCount(const StreamMeta& m) {
  return std::max(OpenShardCount(m), m.pending_target_shards);
}

// ---- StreamRegistry ----------------------------------------------------------------------

StreamResult<void> WriteStreamMeta(const fs::path& dir, const StreamMeta& meta) {
  if (auto r = WriteFileAtomic(dir / "stream.json", EncodeStreamMeta(meta)); !r) {
    StreamError e;
    e.code = StreamErrc::kInternal;
    e.value = r.error().what;
    return MakeUnexpected(e);
  }
  return {};
}

uint64_t StreamRegistry::OpenShardsOfAccountExcept(std::string_view account,
                                                   const Stream* except) const {
  uint64_t n = 0;
  std::shared_lock lock(mu_);
  for (const auto& [k, s] : streams_) {
    if (s.get() == except) continue;
    std::shared_lock sl(s->mu);
    if (s->meta.account == account) n += QuotaShardCount(s->meta);
  }
  return n;
}

StreamResult<StreamMeta> StreamRegistry::Reshard(std::string_view account, std::string_view name,
                                                 std::string_view operation,
                                                 const ReshardPlan& plan,
                                                 uint32_t deferrable_target) {
  auto s = Find(account, name);
  if (!s) return MakeUnexpected(NotFound(account, name));
  // Counted before taking this stream's lock (lock order: registry, then one stream at a
  // time). The quota lock keeps a concurrent CreateStream, UpdateStreamMode or reshard from
  // using the same shards between this count and the change.
  auto quota = LockQuotas();
  const uint64_t others = OpenShardsOfAccountExcept(account, s.get());

  std::unique_lock sl(s->mu);  // no put routes or appends while the shard list changes
  const int64_t now = Clock::NowMs();
  const StreamStatus status = s->meta.StatusAt(now);
  if (status != StreamStatus::kActive) {
    StreamError e = Fact(StreamErrc::kStreamNotActive, account, name);
    e.other = std::string(StatusName(status));
    return MakeUnexpected(e);
  }
  if (s->meta.mode == StreamMode::kOnDemand) {
    StreamError e = Fact(StreamErrc::kReshardOnDemand, account, name);
    e.value = std::string(operation);
    return MakeUnexpected(e);
  }

  StreamMeta updated = s->meta;
  updated.status = status;
  const uint32_t open_before = OpenShardCount(updated);
  uint32_t peak_open = open_before;
  if (auto r = plan(updated, now, &peak_open); !r) return MakeUnexpected(r.error());
  if (peak_open > open_before && others + peak_open > options_.shard_limit) {
    StreamError e = Fact(StreamErrc::kShardLimitExceeded, account, name);
    e.other = options_.region;
    e.n1 = static_cast<int64_t>(others + open_before);
    e.n2 = options_.shard_limit;
    e.n3 = peak_open - open_before;
    return MakeUnexpected(e);
  }
  if (!OpenShardsCoverHashSpace(updated.shards)) {
    // A bug in the plan: never persist a shard list with a gap or an overlap.
    spdlog::critical("{} on stream '{}' would break hash-space coverage; refused", operation,
                     updated.name);
    assert(false && "open shards must cover the hash space");
    StreamError e = Fact(StreamErrc::kInternal, account, name);
    e.value = "reshard plan breaks hash-space coverage";
    return MakeUnexpected(e);
  }
  BeginUpdating(updated);

  if (deferrable_target > 0 &&
      updated.shards.size() - s->meta.shards.size() > kMaxShardsCreatedInline) {
    // Each log costs about 1 ms of directory operations and fsyncs, so thousands of children
    // would hold this stream's puts and an I/O thread for seconds. As AWS does, the call
    // returns at once with the stream UPDATING: only the target is recorded (durably, so a
    // restart resumes it), and the maintenance thread creates the logs and then applies the
    // change (CompletePendingReshard). Records keep going to the current shards meanwhile.
    StreamMeta staged = s->meta;
    staged.status = StreamStatus::kUpdating;
    staged.transition_at_ms = updated.transition_at_ms;
    staged.scaling_ops_ms = updated.scaling_ops_ms;  // the call counts against the daily limit
    staged.pending_target_shards = deferrable_target;
    if (auto r = WriteStreamMeta(s->dir, staged); !r) return MakeUnexpected(r.error());
    staged.transition_at_ms = kStoragePending;  // in memory: UPDATING until applied
    s->meta = std::move(staged);
    s->reshard_pending = true;
    s->storage_retry_at_ms = 0;
    spdlog::info("{} on stream '{}' (account {}): {} shards to create, in the background",
                 operation, name, account, updated.shards.size() - s->meta.shards.size());
    StreamMeta snapshot = s->meta;
    snapshot.status = StreamStatus::kUpdating;
    return snapshot;
  }

  // Children's logs first, then the metadata that references them, then publication.
  std::vector<std::shared_ptr<storage::Log>> logs = s->logs;
  std::vector<fs::path> created;
  auto undo = [&] {
    logs.clear();
    std::error_code ec;
    for (const auto& dir : created) fs::remove_all(dir, ec);
  };
  for (size_t p = s->meta.shards.size(); p < updated.shards.size(); ++p) {
    fs::path dir = s->dir / fmt::format("shard-{}", updated.shards[p].index);
    storage::RecoveryReport report;
    auto log = storage::Log::Open(dir, options_.log, &report);
    if (!log) {
      undo();
      StreamError e = Fact(StreamErrc::kInternal, account, name);
      e.value = log.error().detail;
      return MakeUnexpected(e);
    }
    created.push_back(dir);
    logs.push_back(std::shared_ptr<storage::Log>(std::move(*log)));
  }
  if (auto r = WriteStreamMeta(s->dir, updated); !r) {
    undo();
    return MakeUnexpected(r.error());
  }
  s->meta = std::move(updated);
  s->logs = std::move(logs);
  WakeClosedShardWaitersLocked(*s);
  spdlog::info("{} on stream '{}' (account {}): {} open shards, {} in total", operation, name,
               account, OpenShardCount(s->meta), s->meta.shards.size());
  StreamMeta snapshot = s->meta;
  snapshot.status = snapshot.StatusAt(now);
  return snapshot;
}

StreamResult<void> StreamRegistry::SplitShard(std::string_view account, std::string_view name,
                                              std::string_view shard_id,
                                              std::string_view new_starting_hash_key) {
  auto r = Reshard(account, name, "SplitShard",
                   [&](StreamMeta& m, int64_t now, uint32_t* peak_open) -> StreamResult<void> {
    auto pos = FindOpenShard(m, shard_id, /*merging=*/false);
    if (!pos) return MakeUnexpected(pos.error());
    const ShardMeta& shard = m.shards[*pos];
    // Valid iff StartingHashKey + 1 < key < EndingHashKey (kinesis-errors.md §3).
    auto key = ParseHashKey(new_starting_hash_key);
    if (!key || *key <= shard.range.start || *key - shard.range.start < 2 ||
        *key >= shard.range.end) {
      StreamError e = Fact(StreamErrc::kSplitKeyOutOfRange, account, name);
      e.value = std::string(new_starting_hash_key);
      e.shard = ShardIdOf(shard.index);
      e.other = ToDecimal(shard.range.start);
      e.other2 = ToDecimal(shard.range.end);
      return MakeUnexpected(e);
    }
    const ShardMeta* parents[] = {&shard};
    const int64_t at = ReshardTime(now, parents);
    ApplySplit(m, *pos, *key, at);
    *peak_open += 1;
    return {};
  });
  if (!r) return MakeUnexpected(r.error());
  return {};
}

StreamResult<void> StreamRegistry::MergeShards(std::string_view account, std::string_view name,
                                               std::string_view shard_id,
                                               std::string_view adjacent_shard_id) {
  auto r = Reshard(account, name, "MergeShards",
                   [&](StreamMeta& m, int64_t now, uint32_t*) -> StreamResult<void> {
    auto a = FindOpenShard(m, shard_id, /*merging=*/true);
    if (!a) return MakeUnexpected(a.error());
    auto b = FindOpenShard(m, adjacent_shard_id, /*merging=*/true);
    if (!b) return MakeUnexpected(b.error());
    const ShardMeta& sa = m.shards[*a];
    const ShardMeta& sb = m.shards[*b];
    // Either order is accepted: the pair's union must be one contiguous range.
    if (*a == *b || !(Touch(sa.range, sb.range) || Touch(sb.range, sa.range))) {
      StreamError e = Fact(StreamErrc::kShardsNotAdjacent, account, name);
      e.shard = std::string(shard_id);
      e.other = std::string(adjacent_shard_id);
      return MakeUnexpected(e);
    }
    const ShardMeta* parents[] = {&sa, &sb};
    const int64_t at = ReshardTime(now, parents);
    ApplyMerge(m, *a, *b, at);
    return {};
  });
  if (!r) return MakeUnexpected(r.error());
  return {};
}

StreamResult<StreamRegistry::ScalingResult> StreamRegistry::UpdateShardCount(
    std::string_view account, std::string_view name, uint32_t target) {
  ScalingResult result;
  result.target = target;
  auto r = Reshard(
      account, name, "UpdateShardCount",
      [&](StreamMeta& m, int64_t now, uint32_t* peak_open) -> StreamResult<void> {
    const uint32_t current = OpenShardCount(m);
    result.current = current;
    auto limit = [&](const char* rule, int64_t bound) {
      StreamError e = Fact(StreamErrc::kScalingLimit, account, name);
      e.value = rule;
      e.n1 = current;
      e.n2 = target;
      e.n3 = bound;
      return MakeUnexpected(e);
    };
    if (uint64_t{target} > 2 * uint64_t{current}) return limit("double", 2 * int64_t{current});
    if (2 * uint64_t{target} < current) return limit("half", (current + 1) / 2);
    if (target > kMaxShardsPerStream) return limit("max", kMaxShardsPerStream);
    std::erase_if(m.scaling_ops_ms, [&](int64_t t) { return t <= now - kDayMs; });
    if (m.scaling_ops_ms.size() >= kScalingOpsPerDay) return limit("rate", kScalingOpsPerDay);

    *peak_open = UniformScalingCost(m, target).peak_open;
    ApplyUniformScalingAt(m, target, now);
    m.scaling_ops_ms.push_back(now);
    return {};
  },
      target);
  if (!r) return MakeUnexpected(r.error());
  return result;
}

void StreamRegistry::CompletePendingReshard(const std::shared_ptr<Stream>& s) {
  // 1. Which children the change creates: the plan depends only on the open shards and on
  //    next_shard_index, which nothing else changes while the stream is UPDATING (other
  //    reshards are refused; retention only drops closed shards).
  StreamMeta preview;
  {
    std::shared_lock sl(s->mu);
    if (!s->reshard_pending || s->meta.status == StreamStatus::kDeleting) return;
    if (Clock::NowMs() < s->storage_retry_at_ms) return;
    preview = s->meta;
  }
  const uint32_t target = preview.pending_target_shards;
  const uint32_t first_child = preview.next_shard_index;
  ApplyUniformScaling(preview, target, 0);
  std::vector<std::pair<uint32_t, std::shared_ptr<storage::Log>>> children;
  const auto started = std::chrono::steady_clock::now();
  auto retry_later = [&](const std::string& why) {
    spdlog::error("stream '{}': UpdateShardCount to {} (retrying in 1 s): {}", preview.name,
                  target, why);
    std::unique_lock sl(s->mu);
    s->storage_retry_at_ms = Clock::NowMs() + 1000;
  };
  // 2. Their logs, without the stream's lock: puts and reads go on.
  for (const auto& shard : preview.shards) {
    if (shard.index < first_child) continue;
    // Stopping or deleting: a restart resumes the change; a deletion removes the directory.
    if (stop_) return;
    {
      std::shared_lock sl(s->mu);
      if (s->meta.status == StreamStatus::kDeleting) return;
    }
    auto log = storage::Log::Open(s->dir / fmt::format("shard-{}", shard.index), options_.log,
                                  nullptr);
    if (!log) return retry_later(log.error().detail);
    children.emplace_back(shard.index, std::shared_ptr<storage::Log>(std::move(*log)));
  }
  // 3. The change itself, now (parents close at the current time), as an inline reshard.
  {
    std::unique_lock sl(s->mu);
    if (!s->reshard_pending || s->meta.status == StreamStatus::kDeleting) return;
    const int64_t now = Clock::NowMs();
    StreamMeta updated = s->meta;
    ApplyUniformScalingAt(updated, target, now);
    updated.pending_target_shards = 0;
    std::vector<std::shared_ptr<storage::Log>> logs = s->logs;
    for (size_t p = s->meta.shards.size(); p < updated.shards.size(); ++p) {
      auto it = std::find_if(children.begin(), children.end(),
                             [&](const auto& c) { return c.first == updated.shards[p].index; });
      if (it == children.end()) {
        sl.unlock();
        return retry_later(fmt::format("no log made for {}", ShardIdOf(updated.shards[p].index)));
      }
      logs.push_back(it->second);
    }
    if (!OpenShardsCoverHashSpace(updated.shards)) {
      spdlog::critical("UpdateShardCount on stream '{}' would break hash-space coverage; dropped",
                       updated.name);
      assert(false && "open shards must cover the hash space");
      StreamMeta restored = s->meta;
      restored.pending_target_shards = 0;
      BeginUpdating(restored);
      if (WriteStreamMeta(s->dir, restored)) {
        s->meta = std::move(restored);
        s->reshard_pending = false;
      }
      return;
    }
    BeginUpdating(updated);
    if (auto r = WriteStreamMeta(s->dir, updated); !r) {
      sl.unlock();
      return retry_later(r.error().value);
    }
    s->meta = std::move(updated);
    s->logs = std::move(logs);
    s->reshard_pending = false;
    WakeClosedShardWaitersLocked(*s);
  }
  spdlog::info("stream '{}': UpdateShardCount to {} applied; {} child logs created in {} ms",
               preview.name, target, children.size(),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
}

}  // namespace runnel::stream
