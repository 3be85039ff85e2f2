// Producer: sends records to a stream with PutRecord (batch 1) or PutRecords (batch > 1),
// optionally rate-limited. Throttled calls and PutRecords partial failures are retried with
// backoff so that no record is lost and the records of one partition key keep their order:
// when an entry of a batch fails, it is re-sent together with every later entry of the same
// key from that batch (even those that succeeded), in order, before anything newer. The
// last copy of each record therefore appears in order; a consumer may see a duplicate.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cli/kinesis_client.h"
#include "cli/record_source.h"

namespace runnel::cli {

struct ProduceOptions {
  std::string stream;
  std::string partition_key = "word";  // see PartitionKeySpec
  int batch = 1;                       // records per PutRecords call (1: PutRecord)
  double rate = 0;                     // records per second; 0: as fast as possible
  int max_rounds = 30;                 // retry rounds for one record before giving up
  bool progress = false;               // print a progress line to stderr (a TTY)
};

struct ProduceStats {
  int64_t records = 0;         // distinct input records acknowledged
  int64_t calls = 0;           // PutRecord/PutRecords calls that succeeded
  int64_t retried = 0;         // entries re-sent after a throttle or partial failure
  int64_t resent_acked = 0;    // of those, entries that had succeeded (resent for order)
  double seconds = 0;
  int64_t first_sent_ms = 0;   // wall clock of the first call
  int64_t last_acked_ms = 0;   // wall clock of the last acknowledgement
};

class Producer {
 public:
  Producer(KinesisClient& client, ProduceOptions options);
  KinesisResult<ProduceStats> Run(const std::vector<std::string>& records);

 private:
  struct Entry {
    size_t index;  // into the input
    std::string key;
  };
  KinesisResult<void> RunSingle(const std::vector<std::string>& records);
  KinesisResult<void> RunBatched(const std::vector<std::string>& records);
  void Pace(int64_t sent);
  void Backoff(int round);
  void ShowProgress(size_t total, bool final_line);

  KinesisClient& client_;
  ProduceOptions options_;
  PartitionKeySpec key_spec_;
  ProduceStats stats_;
  int64_t start_ms_ = 0;
  int64_t last_progress_ms_ = 0;
};

}  // namespace runnel::cli
