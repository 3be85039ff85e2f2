// Consumer: reads a stream's shards with GetShardIterator/GetRecords, polling them in turn on
// one thread. It follows NextShardIterator, continues with the child shards of a closed shard
// once all of the child's parents are finished (ShardTraversal), and on
// ExpiredIteratorException re-acquires an AFTER_SEQUENCE_NUMBER iterator at the last record it
// saw.
//
// Long polling: while following, once a whole round of the shards found nothing, GetRecords
// carries Runnel's `x-runnel-wait-ms` header, so the server holds an empty answer until
// records arrive. With several shards each one's wait is cut so that a round waits at most
// idle_sleep_ms. After an empty round the consumer sleeps whatever is left of idle_sleep_ms,
// so a server that ignores the header (AWS, kinesalite) is polled exactly as without it.
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
#include "cli/shard_traversal.h"
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
  int64_t wait_ms = 1000;      // long-poll wait per GetRecords (x-runnel-wait-ms); 0: off
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
  void AddCursors(std::vector<ShardStart> shards);
  // Reads one page of `c` (waiting up to wait_ms for records); returns the records delivered.
  KinesisResult<int64_t> Poll(Cursor& c, int64_t wait_ms);
  bool LimitReached() const;

  KinesisClient& client_;
  ConsumeOptions options_;
  RecordSink sink_;
  PageDone page_done_;
  ShardTraversal traversal_;
  std::vector<Cursor> cursors_;
  ConsumeStats stats_;
};

}  // namespace runnel::cli
