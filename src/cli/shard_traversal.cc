#include "cli/shard_traversal.h"

namespace runnel::cli {

KinesisResult<std::vector<ShardStart>> ShardTraversal::SelectInitial(const std::string& shard,
                                                                     const StartingPosition& start) {
  auto shards = client_.ListShards(stream_);
  if (!shards.ok()) return MakeUnexpected(shards.error());
  std::vector<ShardStart> out;
  if (shard != "all") {
    for (const ShardInfo& s : *shards) {
      if (s.shard_id == shard) {
        MarkStarted(s.shard_id);
        out.push_back({s.shard_id, start, !s.IsOpen()});
        return out;
      }
    }
    return MakeUnexpected(ServiceError{"ResourceNotFoundException",
                                       "Shard " + shard + " in stream " + stream_ + " not found.", 400});
  }
  std::set<std::string> listed;
  for (const ShardInfo& s : *shards) listed.insert(s.shard_id);
  for (const ShardInfo& s : *shards) {
    bool root = !listed.count(s.parent_shard_id) && !listed.count(s.adjacent_parent_shard_id);
    // LATEST reads only what arrives from now on: the open shards are enough.
    bool wanted = start.type == IteratorType::kLatest ? s.IsOpen() : root;
    if (wanted) out.push_back({s.shard_id, start, !s.IsOpen()});
  }
  if (start.type == IteratorType::kAtSequenceNumber && out.size() > 1) {
    return MakeUnexpected(ServiceError{"InvalidArgumentException",
                                       "--from at-sequence needs --shard ID on a stream with more "
                                       "than one shard",
                                       400});
  }
  for (const ShardStart& s : out) MarkStarted(s.shard_id);
  return out;
}

KinesisResult<std::vector<ShardStart>> ShardTraversal::OnShardEnd(const std::string& shard_id,
                                                                  std::vector<ChildShard> children) {
  finished_.insert(shard_id);
  if (children.empty()) {
    auto shards = client_.ListShards(stream_);
    if (!shards.ok()) return MakeUnexpected(shards.error());
    for (const ShardInfo& s : *shards) {
      if (s.parent_shard_id != shard_id && s.adjacent_parent_shard_id != shard_id) continue;
      ChildShard child{s.shard_id, {s.parent_shard_id}};
      if (!s.adjacent_parent_shard_id.empty()) child.parent_shards.push_back(s.adjacent_parent_shard_id);
      children.push_back(std::move(child));
    }
  }
  for (const ChildShard& child : children) {
    if (!started_.count(child.shard_id)) pending_children_[child.shard_id] = child.parent_shards;
  }
  return TakeReadyChildren();
}

std::vector<ShardStart> ShardTraversal::TakeReadyChildren() {
  std::vector<ShardStart> out;
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
    MarkStarted(it->first);
    out.push_back({it->first, StartingPosition{IteratorType::kTrimHorizon, "", 0}, false});
    it = pending_children_.erase(it);
  }
  return out;
}

}  // namespace runnel::cli
