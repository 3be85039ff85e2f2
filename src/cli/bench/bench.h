// Shared types of `runnel bench`: the options, the measured result, the live counters the
// progress line reads, and the scenario entry points (one file each).
#pragma once

#include <sys/resource.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cli/bench/histogram.h"
#include "cli/bench/request_builder.h"
#include "cli/http_client.h"
#include "cli/kinesis_client.h"

namespace runnel {
class JsonWriter;
}

namespace runnel::cli::bench {

struct BenchOptions {
  std::string scenario;
  std::string endpoint = "http://127.0.0.1:4567";
  std::string region = "us-east-1";
  std::string stream;        // empty: bench-<scenario>-<random>
  int shards = 1;
  bool keep = false;
  bool json = false;
  bool progress = false;     // force the progress line even when stderr is not a TTY
  bool sign = false;
  bool http2 = false;        // h2c (prior knowledge) instead of HTTP/1.1
  int streams_per_connection = 1;  // h2c: requests in flight per connection
  int threads = -1;          // io_context threads; -1: the scenario's default
  int records_per_batch = 500;
  int record_size = -1;      // -1: the scenario's default
  int connections = -1;      // -1: the scenario's default
  double duration_s = 10;
  int64_t count = 0;         // >0: stop after this many records instead of --duration
  int64_t prefill = 100000;  // get-records
  int passes = 1;            // get-records: read the shard(s) this many times
  int limit = 10000;         // get-records: GetRecords Limit
  double rate = 1000;        // fanout: records/s
  int consumers = 4;         // fanout
  int poll_pause_ms = 10;    // fanout: pause after an empty GetRecords
  int wait_ms = 0;           // fanout: long-poll GetRecords (x-runnel-wait-ms); 0: off
  bool push = false;         // fanout: SubscribeToShard subscribers instead of polling
  std::string dir = ".";     // fsync: the directory whose disk is probed
};

// Live counters, read by the progress line.
struct LiveCounters {
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> errors{0};
};

struct CpuUsage {
  double user_s = 0;
  double sys_s = 0;
  static CpuUsage Now();
};

struct BenchResult {
  std::string scenario;
  std::string endpoint;
  std::string stream;
  int shards = 1;
  int connections = 0;
  int threads = 0;             // the generator's io_context threads
  std::string protocol = "http/1.1";  // or "h2c"
  int streams_per_connection = 1;
  int record_size = 0;
  int records_per_batch = 0;
  double wall_s = 0;           // measured phase only
  uint64_t requests = 0;
  uint64_t records = 0;        // records acknowledged (puts) or read (gets)
  uint64_t payload_bytes = 0;  // record data bytes (not counting base64/JSON overhead)
  Histogram latency_us;        // per request
  uint64_t transport_errors = 0;
  uint64_t http_errors = 0;    // non-200 answers
  uint64_t failed_records = 0; // PutRecords FailedRecordCount
  std::string first_error;     // an example, for the human summary
  CpuUsage cpu;                // the generator's own CPU during the measured phase
  // get-records
  uint64_t prefilled = 0;
  double prefill_s = 0;
  // fanout
  bool fanout = false;
  double rate = 0;
  int consumers = 0;
  bool push = false;
  int wait_ms = 0;
  uint64_t produced = 0;
  uint64_t target = 0;         // records the producer should have sent at --rate
  Histogram e2e_us;            // send -> consumer saw it
  uint64_t missing = 0;        // records a consumer never saw
  uint64_t duplicates = 0;     // seen again, or out of order
  bool verified = false;       // every consumer saw every record exactly once, in order

  uint64_t errors() const { return transport_errors + http_errors + failed_records; }
};

// Everything a scenario needs: the parsed endpoint, a control-plane client (create/delete
// stream, iterators) and the request builder for the data plane.
struct BenchContext {
  BenchOptions options;
  Endpoint endpoint;
  boost::asio::ip::tcp::endpoint tcp_endpoint;
  std::unique_ptr<KinesisClient> control;
  std::unique_ptr<RequestBuilder> builder;
  LiveCounters live;
};

// Each returns an error message, or "" on success (the result is filled either way).
std::string RunPutScenario(BenchContext& ctx, bool batched, BenchResult& result);
std::string RunGetRecordsScenario(BenchContext& ctx, BenchResult& result,
                                  const std::vector<std::string>& shard_ids);
std::string RunFanoutScenario(BenchContext& ctx, BenchResult& result,
                              const std::vector<std::string>& shard_ids);

// `runnel bench fsync`: append + fdatasync latency of the disk under --dir, and the
// put-record ceiling it implies under --sync always (fsync_probe.cc). Returns the exit code.
int RunFsyncProbe(const BenchOptions& o);

// Puts `count` records of `size` bytes (batches of 500, `connections` connections) as fast
// as possible; used to pre-fill for get-records. Returns the records acknowledged.
uint64_t Prefill(BenchContext& ctx, int64_t count, int size, int connections,
                 BenchResult& result);

// Runs `ioc` on `threads` threads until it runs out of work.
void RunIoContext(boost::asio::io_context& ioc, int threads);

// The progress line on stderr, once a second, while alive.
class ProgressLine {
 public:
  ProgressLine(const BenchContext& ctx, std::string label, bool enabled);
  ~ProgressLine();

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Output.
// A JSON member `key` with the number `v` to `decimals` decimals (JsonWriter has no doubles);
// `out` is the string `w` writes to.
void Number(JsonWriter& w, std::string& out, std::string_view key, double v, int decimals);
void PrintHuman(const BenchResult& r);
std::string ToJson(const BenchResult& r);

}  // namespace runnel::cli::bench
