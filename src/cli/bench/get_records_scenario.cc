// get-records: pre-fill the stream with PutRecords, then read every shard from TRIM_HORIZON
// with GetRecords (Limit 10000), following NextShardIterator until everything was read.
// Responses are scanned in one pass, not parsed into a DOM (get_records_scan.h): records are
// counted by their "SequenceNumber" keys.
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "cli/bench/bench.h"
#include "cli/bench/get_records_scan.h"
#include "cli/bench/load_connection_factory.h"

namespace runnel::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Reader {
  std::shared_ptr<BenchConnection> conn;
  std::string iterator;
  std::string body;
  std::string head;
  Clock::time_point sent;
  Histogram latency_us;
  uint64_t requests = 0, records = 0, http = 0, transport = 0;
  std::string first_error;
};

class ReadPass {
 public:
  ReadPass(BenchContext& ctx, uint64_t target, int record_size)
      : ctx_(ctx), target_(target), record_size_(record_size) {}

  void Run(std::vector<std::string> iterators, BenchResult& result) {
    boost::asio::io_context ioc;
    readers_.resize(iterators.size());
    LoadConnectionFactory connections(ioc, ctx_);
    for (size_t i = 0; i < readers_.size(); ++i) {
      readers_[i].conn = connections.Make();
      readers_[i].iterator = std::move(iterators[i]);
      Issue(readers_[i]);
    }
    auto start = Clock::now();
    CpuUsage cpu0 = CpuUsage::Now();
    RunIoContext(ioc, std::min<int>(ctx_.options.threads, int(readers_.size())));
    CpuUsage cpu1 = CpuUsage::Now();
    result.wall_s += std::chrono::duration<double>(Clock::now() - start).count();
    result.cpu.user_s += cpu1.user_s - cpu0.user_s;
    result.cpu.sys_s += cpu1.sys_s - cpu0.sys_s;
    for (Reader& r : readers_) {
      result.latency_us.Merge(r.latency_us);
      result.requests += r.requests;
      result.records += r.records;
      result.payload_bytes += r.records * record_size_;
      result.http_errors += r.http;
      result.transport_errors += r.transport;
      if (result.first_error.empty()) result.first_error = r.first_error;
      r.conn->Close();
      r.conn.reset();
    }
  }

 private:
  void Issue(Reader& r) {
    if (read_.load(std::memory_order_relaxed) >= target_) return;
    r.body.clear();
    r.body += "{\"ShardIterator\":";
    AppendJsonString(r.iterator, r.body);
    r.body += fmt::format(",\"Limit\":{}}}", ctx_.options.limit);
    r.head = ctx_.builder->Head("GetRecords", r.body);
    r.sent = Clock::now();
    r.conn->Exchange(r.head, r.body, [this, &r](const LoadResponse& resp) { OnResponse(r, resp); });
  }

  void OnResponse(Reader& r, const LoadResponse& resp) {
    auto now = Clock::now();
    ++r.requests;
    ctx_.live.requests.fetch_add(1, std::memory_order_relaxed);
    if (!resp.transport_ok) {
      ++r.transport;
      ctx_.live.errors.fetch_add(1, std::memory_order_relaxed);
      if (r.first_error.empty()) r.first_error = resp.error;
      return;  // this shard's reader stops; the shortfall shows in the result
    }
    r.latency_us.Record(std::chrono::duration_cast<std::chrono::microseconds>(now - r.sent).count());
    if (resp.status != 200) {
      ++r.http;
      ctx_.live.errors.fetch_add(1, std::memory_order_relaxed);
      if (r.first_error.empty())
        r.first_error = fmt::format("HTTP {}: {}", resp.status, resp.body.substr(0, 300));
      return;
    }
    GetRecordsScan scan = ScanGetRecords(resp.body);
    if (!scan.error.empty()) {
      ++r.http;
      ctx_.live.errors.fetch_add(1, std::memory_order_relaxed);
      if (r.first_error.empty())
        r.first_error = fmt::format("bad GetRecords response ({}): {}", scan.error,
                                    resp.body.substr(0, 300));
      return;
    }
    const uint64_t n = scan.records;
    r.records += n;
    read_.fetch_add(n, std::memory_order_relaxed);
    ctx_.live.records.fetch_add(n, std::memory_order_relaxed);
    // Everything was acknowledged before reading began, so an empty answer means the shard is
    // drained; a missing NextShardIterator means the shard is closed.
    if (n == 0 || !scan.has_next_iterator || scan.next_iterator.empty()) return;
    UnescapeJsonString(scan.next_iterator, &r.iterator);
    Issue(r);
  }

  BenchContext& ctx_;
  uint64_t target_;
  int record_size_;
  std::atomic<uint64_t> read_{0};
  std::vector<Reader> readers_;
};

}  // namespace

std::string RunGetRecordsScenario(BenchContext& ctx, BenchResult& result,
                                  const std::vector<std::string>& shard_ids) {
  const BenchOptions& o = ctx.options;
  result.records_per_batch = o.limit;
  result.prefilled = Prefill(ctx, o.prefill, result.record_size, result.connections, result);
  if (result.prefilled == 0) return "pre-fill stored no records: " + result.first_error;
  ProgressLine progress(ctx, result.scenario, o.progress);
  for (int pass = 0; pass < o.passes; ++pass) {
    std::vector<std::string> iterators;
    for (const std::string& shard : shard_ids) {
      auto it = ctx.control->GetShardIterator(result.stream, shard, StartingPosition{});
      if (!it.ok()) return fmt::format("GetShardIterator: {}: {}", it.error().type, it.error().message);
      iterators.push_back(std::move(*it));
    }
    ReadPass read(ctx, result.prefilled, result.record_size);
    read.Run(std::move(iterators), result);
  }
  uint64_t expected = result.prefilled * uint64_t(o.passes);
  if (result.records != expected)
    return fmt::format("read {} records, expected {} ({} pre-filled x {} passes)", result.records,
                       expected, result.prefilled, o.passes);
  return "";
}

}  // namespace runnel::cli::bench
