// The pure part of resharding: how SplitShard, MergeShards and UpdateShardCount change a
// stream's shard list (kinesis-api-actions.md §4). No locks, no I/O: StreamRegistry applies
// these to a copy of the metadata, opens the children's logs, persists, then publishes
// (resharding.cc). Exposed for tests.
//
// Lineage and numbering (kinesis-api.md §3.2, §3.6):
//  - children get the next indices (next_shard_index), the lower hash range first;
//  - a split child has parent = the split shard; a merge child has parent = ShardToMerge and
//    adjacent_parent = AdjacentShardToMerge;
//  - parents get closed_ms = the operation's time `at_ms`, children created_ms = `at_ms`.
//
// Sequence numbers: they start with the shard's creation second, so every record number of a
// child exceeds every record number of its parents iff the child was created in a later
// second. ReshardTime() guarantees this by moving the operation's time up to the second after
// the newest parent's creation second when needed (at most ~1 s ahead of the clock for one
// reshard; a burst of reshards within one second moves it further). The cost: a shard may
// report a creation/close time slightly in the future. Records keep their true arrival time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stream/stream_meta.h"

namespace runnel::stream {

// True iff the open shards' ranges are disjoint, contiguous and cover [0, 2^128 - 1].
bool OpenShardsCoverHashSpace(const std::vector<ShardMeta>& shards);

// The time of a reshard at `now_ms` whose parents are `parents`: now, or the start of the
// second after the newest parent's creation second if that is later.
int64_t ReshardTime(int64_t now_ms, std::span<const ShardMeta* const> parents);

// Closes meta.shards[pos] and appends its two children [start, key - 1] and [key, end].
// Returns the lower child's index. REQUIRES: the shard is open, start < key <= end.
uint32_t ApplySplit(StreamMeta& meta, size_t pos, HashKey key, int64_t at_ms);

// Closes meta.shards[pos] and meta.shards[adjacent_pos] and appends one child covering both
// (parent = pos, adjacent_parent = adjacent_pos). Returns the child's index.
// REQUIRES: both open, and their ranges touch (either order).
uint32_t ApplyMerge(StreamMeta& meta, size_t pos, size_t adjacent_pos, int64_t at_ms);

// UNIFORM_SCALING: splits the open shards at every boundary of SplitEvenly(target) that falls
// inside one of them, then merges the pieces of each target range left to right, so that the
// open shards end up exactly SplitEvenly(target). Intermediate shards are created and closed
// at `at_ms` (they hold no records). Returns the number of shards created.
// REQUIRES: target >= 1.
uint32_t ApplyUniformScaling(StreamMeta& meta, uint32_t target, int64_t at_ms);

// The number of shards ApplyUniformScaling would create, and the largest number of open
// shards at any step (for the account quota), without changing `meta`.
struct ScalingCost {
  uint32_t created = 0;
  uint32_t peak_open = 0;
};
ScalingCost UniformScalingCost(const StreamMeta& meta, uint32_t target);

// Number of open shards.
uint32_t OpenShardCount(const StreamMeta& meta);
// Open shards as the shard quota counts them: a deferred UpdateShardCount's target already,
// so that nothing takes the shards it was granted before its children exist.
uint32_t QuotaShardCount(const StreamMeta& meta);

}  // namespace runnel::stream
