// Consumer: reads a stream's shards with GetShardIterator/GetRecords, polling them in turn on
// one thread. It follows NextShardIterator, continues with the child shards of a closed shard
// once all of the child's parents are finished, and on ExpiredIteratorException re-acquires
// an AFTER_SEQUENCE_NUMBER iterator at the last record it saw.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/kinesis_client.h"
#include "common/result.h"

namespace runnel::cli {

// --from: "trim-horizon", "latest", "at-timestamp=T" (epoch seconds, or ISO 8601 UTC like
// 2024-05-01T12:00:00.250Z) or "at-sequence=SEQ".
Result<StartingPosition, std::string> ParseStartingPosition(std::string_view spec);

struct ConsumeOptions {
  std::string stream;
  StartingPosition start;
  std::string shard = "all";  // a shard id, or "all"
  int64_t max_records = 0;    // stop after this many; 0: no limit
  bool follow = true;         // false: stop once every shard is caught up
  int64_t page_limit = 10000; // GetRecords Limit
  int64_t idle_sleep_ms = 200;
};

struct ConsumeStats {
  int64_t records = 0;
  int64_t shards_read = 0;
  bool interrupted = false;  // stopped by SIGINT/SIGTERM
};

class Consumer {
 public:
  // Called for every record, in shard order; `page_done` after each GetRecords page.
  using RecordSink = std::function<void(const std::string& shard_id, const Record& record)>;
  using PageDone = std::function<void()>;

  Consumer(KinesisClient& client, ConsumeOptions options, RecordSink sink, PageDone page_done);
  KinesisResult<ConsumeStats> Run();

 private:
  struct Cursor {
    std::string shard_id;
    StartingPosition start;
    std::optional<std::string> iterator;
    std::string last_sequence;
    bool closed = false;  // listed as closed when we started
    bool caught_up = false;
    bool done = false;
  };
  KinesisResult<void> SelectInitialShards();
  void AddCursor(const std::string& shard_id, StartingPosition start, bool closed);
  // Reads one page of `c`; returns the number of records delivered.
  KinesisResult<int64_t> Poll(Cursor& c);
  // Marks `c` finished and queues its children (from ChildShards, else from ListShards).
  KinesisResult<void> OnShardEnd(Cursor& c, std::vector<ChildShard> children);
  void StartReadyChildren();
  bool LimitReached() const;

  KinesisClient& client_;
  ConsumeOptions options_;
  RecordSink sink_;
  PageDone page_done_;
  std::vector<Cursor> cursors_;
  std::set<std::string> started_;   // shards that have (had) a cursor
  std::set<std::string> finished_;  // shards read to their end
  std::map<std::string, std::vector<std::string>> pending_children_;  // child -> parents
  ConsumeStats stats_;
};

}  // namespace runnel::cli
