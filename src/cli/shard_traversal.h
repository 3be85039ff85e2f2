// ShardTraversal: which shards a consumer reads, and in which order, shared by polling
// (Consumer) and push (PushConsumer) consumption. It starts at the shards without a parent in
// the stream (for LATEST: the open shards), or at one given shard, and continues with the
// children of a finished shard once every parent it reads is finished, so that the records
// of a key stay in order across splits and merges.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli/kinesis_client.h"

namespace runnel::cli {

struct ShardStart {
  std::string shard_id;
  StartingPosition start;
  bool closed = false;  // listed as closed when it was chosen
};

class ShardTraversal {
 public:
  ShardTraversal(KinesisClient& client, std::string stream) : client_(client), stream_(std::move(stream)) {}

  // The shards to start with: `shard` ("all" or an id) from `start`.
  KinesisResult<std::vector<ShardStart>> SelectInitial(const std::string& shard, const StartingPosition& start);
  // `shard_id` was read to its end; `children` come from ChildShards (empty: looked up with
  // ListShards, for servers that predate ChildShards). Returns the shards that can start now
  // (from TRIM_HORIZON).
  KinesisResult<std::vector<ShardStart>> OnShardEnd(const std::string& shard_id,
                                                    std::vector<ChildShard> children);

  bool has_pending_children() const { return !pending_children_.empty(); }
  int64_t shards_started() const { return static_cast<int64_t>(started_.size()); }

 private:
  bool MarkStarted(const std::string& shard_id) { return started_.insert(shard_id).second; }
  std::vector<ShardStart> TakeReadyChildren();

  KinesisClient& client_;
  std::string stream_;
  std::set<std::string> started_;   // shards that have (had) a reader
  std::set<std::string> finished_;  // shards read to their end
  std::map<std::string, std::vector<std::string>> pending_children_;  // child -> parents
};

}  // namespace runnel::cli
