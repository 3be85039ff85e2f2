// Retention enforcement (kinesis-api.md §3.7): the background half. The read path already
// never serves a record older than the retention period and TRIM_HORIZON starts at the
// first retained record; this pass reclaims the disk space and forgets expired shards.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/clock.h"
#include "stream/registry_internal.h"

namespace runnel::stream {
namespace {

// A closed shard expires when its newest record (written before it closed) is past retention.
bool Expired(const ShardMeta& s, int64_t horizon_ms) {
  return s.closed_ms && *s.closed_ms < horizon_ms;
}

}  // namespace

void RemoveUnreferencedShardDirs(const StreamRegistry::Stream& s) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(s.dir, ec)) {
    std::string file = entry.path().filename().string();
    if (!entry.is_directory() || file.rfind("shard-", 0) != 0) continue;
    auto index = ShardIndexOf(file);
    if (index && std::any_of(s.meta.shards.begin(), s.meta.shards.end(),
                             [&](const ShardMeta& m) { return m.index == *index; })) {
      continue;
    }
    spdlog::warn("stream '{}': removing unreferenced directory {}", s.meta.name, file);
    std::error_code rm;
    std::filesystem::remove_all(entry.path(), rm);
  }
}

void StreamRegistry::EnforceRetention() {
  const int64_t now = Clock::NowMs();
  std::vector<std::shared_ptr<Stream>> all;
  {
    std::shared_lock lock(mu_);
    for (const auto& [k, s] : streams_) all.push_back(s);
  }
  for (auto& s : all) {
    bool has_expired_shards = false;
    {
      std::shared_lock sl(s->mu);
      if (s->meta.status == StreamStatus::kDeleting) continue;
      const int64_t horizon = s->meta.HorizonMs(now);
      for (size_t p = 0; p < s->meta.shards.size() && p < s->logs.size(); ++p) {
        if (Expired(s->meta.shards[p], horizon)) {
          has_expired_shards = true;
          continue;
        }
        // Whole sealed segments only; records of the active segment are skipped by reads.
        if (auto r = s->logs[p]->DeleteSegmentsOlderThan(horizon); !r) {
          spdlog::warn("retention on stream '{}' {}: {}", s->meta.name,
                       ShardIdOf(s->meta.shards[p].index), r.error().detail);
        }
      }
    }
    if (has_expired_shards) RemoveExpiredShards(s, now);
  }
}

void StreamRegistry::RemoveExpiredShards(const std::shared_ptr<Stream>& s, int64_t now_ms) {
  std::vector<std::pair<uint32_t, std::shared_ptr<storage::Log>>> doomed;
  std::string name;
  {
    std::unique_lock sl(s->mu);
    if (s->meta.status == StreamStatus::kDeleting) return;
    if (s->logs.size() != s->meta.shards.size()) return;  // shard logs still being created
    name = s->meta.name;
    const int64_t horizon = s->meta.HorizonMs(now_ms);
    StreamMeta updated = s->meta;
    updated.shards.clear();
    std::vector<std::shared_ptr<storage::Log>> logs;
    for (size_t p = 0; p < s->meta.shards.size(); ++p) {
      if (Expired(s->meta.shards[p], horizon)) {
        doomed.emplace_back(s->meta.shards[p].index, s->logs[p]);
      } else {
        updated.shards.push_back(s->meta.shards[p]);
        logs.push_back(s->logs[p]);
      }
    }
    if (doomed.empty()) return;
    // Forget the shards durably first: a crash before the directories are gone leaves only
    // unreferenced directories, never a listed shard without its data.
    if (auto r = WriteStreamMeta(s->dir, updated); !r) {
      spdlog::warn("retention on stream '{}': cannot persist metadata: {}", s->meta.name,
                   r.error().value);
      return;
    }
    s->meta = std::move(updated);
    s->logs = std::move(logs);
  }
  // Readers take the stream lock for their whole call, so none can still reach these logs
  // except through iterators, which now answer "shard not found".
  for (auto& [index, log] : doomed) {
    if (auto r = log->Destroy(); !r) {
      spdlog::warn("retention on stream '{}': removing {}: {}", name, ShardIdOf(index),
                   r.error().detail);
    }
    spdlog::info("retention: expired {} of stream '{}' removed", ShardIdOf(index), name);
  }
}

}  // namespace runnel::stream
