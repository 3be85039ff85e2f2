// Private runtime state of StreamRegistry (shared by its .cc files only).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <shared_mutex>
#include <vector>

#include "storage/log.h"
#include "stream/stream_meta.h"
#include "stream/stream_registry.h"

namespace runnel::stream {

struct StreamRegistry::Stream {
  mutable std::shared_mutex mu;  // guards meta and logs; shared for puts and reads
  StreamMeta meta;
  std::vector<std::shared_ptr<storage::Log>> logs;  // parallel to meta.shards
  std::filesystem::path dir;
  // CreateStream of many shards: the maintenance thread is still creating the shard logs.
  // Until it has, `logs` is empty and the stream stays CREATING (meta.transition_at_ms is
  // kStoragePending in memory). Guarded by mu.
  bool storage_pending = false;
  // A deferred UpdateShardCount (meta.pending_target_shards): the maintenance thread is
  // creating the children's logs; meta.transition_at_ms is kStoragePending in memory, so the
  // stream stays UPDATING, and `logs` and meta.shards still hold the shards before the call.
  // Guarded by mu.
  bool reshard_pending = false;
  int64_t storage_retry_at_ms = 0;  // after a failed attempt (maintenance thread only)

  // Position of shard `index` in meta.shards, or -1 (also while its log does not exist yet).
  // REQUIRES: mu held.
  int PositionOfLocked(uint32_t index) const {
    for (size_t i = 0; i < meta.shards.size() && i < logs.size(); ++i) {
      if (meta.shards[i].index == index) return static_cast<int>(i);
    }
    return -1;
  }
};

// In-memory transition time of a stream whose shard logs are still being created: CREATING
// until the maintenance thread publishes the logs. LoadAll treats a persisted value past
// "now + transition" as due, since it opens every listed shard itself.
inline constexpr int64_t kStoragePending = INT64_MAX;

// "account/name": '/' is allowed in neither, so keys never collide.
inline std::string RegistryKey(std::string_view account, std::string_view name) {
  std::string k;
  k.reserve(account.size() + 1 + name.size());
  k.append(account).push_back('/');
  k.append(name);
  return k;
}

StreamError NotFound(std::string_view account, std::string_view name);
// Atomically replaces <dir>/stream.json with `meta` (resharding.cc).
StreamResult<void> WriteStreamMeta(const std::filesystem::path& dir, const StreamMeta& meta);
// Deletes shard-<n> directories of `s` that its metadata does not list (retention.cc).
void RemoveUnreferencedShardDirs(const StreamRegistry::Stream& s);
int64_t ShardCreationSeconds(const ShardMeta& s);

}  // namespace runnel::stream
