// put-records and put-record: closed-loop load over C keep-alive connections, each sending
// pre-built bodies (random partition keys, random data) as fast as answers come back.
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <optional>
#include <chrono>
#include <random>

#include "cli/bench/bench.h"
#include "cli/bench/load_connection_factory.h"
#include "cli/cli_common.h"
#include "common/base64.h"

namespace runnel::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct PutBody {
  std::string json;
  std::string head;  // pre-built when unsigned
  uint32_t records = 0;
  uint64_t payload = 0;
};

struct PutWorker {
  std::shared_ptr<BenchConnection> conn;
  std::shared_ptr<boost::asio::steady_timer> backoff;
  Histogram latency_us;
  size_t next = 0;
  std::string signed_head;
  Clock::time_point sent;
  uint64_t requests = 0, records = 0, payload = 0;
  uint64_t transport = 0, http = 0, failed = 0;
  int consecutive_transport = 0;
  bool done = false;  // stopped issuing (false at the end: its last answer never came)
  std::string first_error;
};

// Parses the value of "FailedRecordCount" (0 when absent).
uint64_t FailedRecordCount(std::string_view body) {
  size_t k = body.find("\"FailedRecordCount\"");
  if (k == std::string_view::npos) return 0;
  size_t i = body.find(':', k);
  if (i == std::string_view::npos) return 0;
  ++i;
  while (i < body.size() && (body[i] == ' ' || body[i] == '\t')) ++i;
  uint64_t v = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') v = v * 10 + (body[i++] - '0');
  return v;
}

std::vector<PutBody> BuildBodies(const BenchContext& ctx, const std::string& stream, bool batched,
                                 int per_batch, int size, int variants) {
  std::mt19937_64 rng(std::random_device{}());
  std::vector<PutBody> bodies(variants);
  std::string raw;
  for (PutBody& b : bodies) {
    std::string& j = b.json;
    if (batched) {
      j += "{\"StreamName\":";
      AppendJsonString(stream, j);
      j += ",\"Records\":[";
      for (int i = 0; i < per_batch; ++i) {
        if (i) j += ',';
        raw.clear();
        AppendRandomBytes(rng, size, raw);
        j += "{\"Data\":\"";
        base64::EncodeAppend(raw, j);
        j += "\",\"PartitionKey\":\"";
        j += RandomPartitionKey(rng);
        j += "\"}";
      }
      j += "]}";
      b.records = per_batch;
    } else {
      raw.clear();
      AppendRandomBytes(rng, size, raw);
      j += "{\"StreamName\":";
      AppendJsonString(stream, j);
      j += ",\"Data\":\"";
      base64::EncodeAppend(raw, j);
      j += "\",\"PartitionKey\":\"";
      j += RandomPartitionKey(rng);
      j += "\"}";
      b.records = 1;
    }
    b.payload = uint64_t(b.records) * size;
    if (ctx.builder->signing() == Signing::kDummy)
      b.head = ctx.builder->Head(batched ? "PutRecords" : "PutRecord", b.json);
  }
  return bodies;
}

class PutLoad {
 public:
  PutLoad(BenchContext& ctx, std::vector<PutBody> bodies, bool batched, int connections,
          Clock::time_point deadline, int64_t count)
      : ctx_(ctx), bodies_(std::move(bodies)), batched_(batched), deadline_(deadline),
        count_(count), workers_(connections) {}

  void Run(BenchResult& result) {
    boost::asio::io_context ioc;
    LoadConnectionFactory connections(ioc, ctx_);
    for (size_t i = 0; i < workers_.size(); ++i) {
      workers_[i].conn = connections.Make();
      workers_[i].backoff = std::make_shared<boost::asio::steady_timer>(ioc);
      workers_[i].next = i % bodies_.size();
      Issue(workers_[i]);
    }
    // Answers still missing 10 s after the end of --duration are abandoned (a server that
    // takes minutes per request must not stretch the run); they count as transport errors.
    active_ = static_cast<int>(workers_.size());
    boost::asio::steady_timer grace(ioc);
    strand_.emplace(ioc.get_executor());
    if (count_ <= 0) {
      grace.expires_at(deadline_ + std::chrono::seconds(10));
      grace.async_wait(boost::asio::bind_executor(*strand_, [this, &ioc](const boost::system::error_code& ec) {
        if (!ec) ioc.stop();
      }));
      grace_ = &grace;
    }
    auto start = Clock::now();
    CpuUsage cpu0 = CpuUsage::Now();
    RunIoContext(ioc, ctx_.options.threads);
    CpuUsage cpu1 = CpuUsage::Now();
    result.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
    result.cpu.user_s += cpu1.user_s - cpu0.user_s;
    result.cpu.sys_s += cpu1.sys_s - cpu0.sys_s;
    for (PutWorker& w : workers_) {
      if (!w.done) {
        ++w.transport;
        if (w.first_error.empty()) w.first_error = "no answer 10 s after the end of the run";
      }
      result.latency_us.Merge(w.latency_us);
      result.requests += w.requests;
      result.records += w.records;
      result.payload_bytes += w.payload;
      result.transport_errors += w.transport;
      result.http_errors += w.http;
      result.failed_records += w.failed;
      if (result.first_error.empty()) result.first_error = w.first_error;
      w.conn->Close();  // sockets must go before the io_context they belong to
      w.conn.reset();
      w.backoff.reset();
    }
    grace_ = nullptr;
    strand_.reset();  // before the io_context it belongs to
  }

 private:
  // Called when a worker stops issuing; the last one cancels the grace timer.
  void Retire(PutWorker& w) {
    w.done = true;
    if (active_.fetch_sub(1) == 1 && grace_ != nullptr)
      boost::asio::post(*strand_, [this] { grace_->cancel(); });
  }

  void Issue(PutWorker& w) {
    if (g_stop_requested.load(std::memory_order_relaxed)) return Retire(w);
    if (count_ > 0) {
      const PutBody& b = bodies_[w.next];
      if (reserved_.fetch_add(b.records, std::memory_order_relaxed) >= uint64_t(count_)) return Retire(w);
    } else if (Clock::now() >= deadline_) {
      return Retire(w);
    }
    const PutBody& b = bodies_[w.next];
    std::string_view head = b.head;
    if (head.empty()) {
      w.signed_head = ctx_.builder->Head(batched_ ? "PutRecords" : "PutRecord", b.json);
      head = w.signed_head;
    }
    w.sent = Clock::now();
    w.conn->Exchange(head, b.json, [this, &w](const LoadResponse& r) { OnResponse(w, r); });
  }

  void OnResponse(PutWorker& w, const LoadResponse& r) {
    auto now = Clock::now();
    const PutBody& b = bodies_[w.next];
    w.next = (w.next + 1) % bodies_.size();
    ++w.requests;
    ctx_.live.requests.fetch_add(1, std::memory_order_relaxed);
    if (!r.transport_ok) {
      ++w.transport;
      ctx_.live.errors.fetch_add(1, std::memory_order_relaxed);
      if (w.first_error.empty()) w.first_error = r.error;
      // Back off so a dead server does not turn into a busy loop; give up after 20 in a row.
      if (++w.consecutive_transport >= 20) return Retire(w);
      w.backoff->expires_after(std::chrono::milliseconds(100));
      w.backoff->async_wait([this, &w](const boost::system::error_code&) { Issue(w); });
      return;
    }
    w.consecutive_transport = 0;
    w.latency_us.Record(std::chrono::duration_cast<std::chrono::microseconds>(now - w.sent).count());
    if (r.status != 200) {
      ++w.http;
      ctx_.live.errors.fetch_add(1, std::memory_order_relaxed);
      if (w.first_error.empty())
        w.first_error = fmt::format("HTTP {}: {}", r.status, r.body.substr(0, 300));
    } else {
      uint64_t failed = batched_ ? FailedRecordCount(r.body) : 0;
      if (failed > 0) {
        w.failed += failed;
        ctx_.live.errors.fetch_add(failed, std::memory_order_relaxed);
        if (w.first_error.empty())
          w.first_error = fmt::format("FailedRecordCount {}: {}", failed, r.body.substr(0, 300));
      }
      uint64_t ok = b.records - std::min<uint64_t>(failed, b.records);
      w.records += ok;
      w.payload += b.payload / b.records * ok;
      ctx_.live.records.fetch_add(ok, std::memory_order_relaxed);
    }
    Issue(w);  // last: the next exchange may complete on another thread
  }

  BenchContext& ctx_;
  std::vector<PutBody> bodies_;
  bool batched_;
  Clock::time_point deadline_;
  int64_t count_;
  std::atomic<uint64_t> reserved_{0};
  std::vector<PutWorker> workers_;
  std::atomic<int> active_{0};
  std::optional<boost::asio::strand<boost::asio::io_context::executor_type>> strand_;
  boost::asio::steady_timer* grace_ = nullptr;  // set while Run() runs (not in count mode)
};

}  // namespace

std::string RunPutScenario(BenchContext& ctx, bool batched, BenchResult& result) {
  const BenchOptions& o = ctx.options;
  result.records_per_batch = batched ? o.records_per_batch : 1;
  // Enough distinct bodies that partition keys vary; each 500 x 1 KiB body is ~700 KB.
  int variants = batched ? std::max(4, result.connections) : 1024;
  auto bodies = BuildBodies(ctx, result.stream, batched, result.records_per_batch,
                            result.record_size, variants);
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(o.duration_s));
  ProgressLine progress(ctx, result.scenario, o.progress);
  // h2c: --streams-per-connection requests in flight on each connection.
  PutLoad load(ctx, std::move(bodies), batched, result.connections * o.streams_per_connection,
               deadline, o.count);
  load.Run(result);
  return "";
}

uint64_t Prefill(BenchContext& ctx, int64_t count, int size, int connections,
                 BenchResult& result) {
  BenchResult tmp;
  tmp.stream = result.stream;
  auto bodies = BuildBodies(ctx, result.stream, /*batched=*/true, 500, size, 4);
  ProgressLine progress(ctx, "prefill", ctx.options.progress);
  PutLoad load(ctx, std::move(bodies), /*batched=*/true,
               connections * ctx.options.streams_per_connection, Clock::time_point::max(), count);
  load.Run(tmp);
  result.prefill_s = tmp.wall_s;
  result.transport_errors += tmp.transport_errors;
  result.http_errors += tmp.http_errors;
  result.failed_records += tmp.failed_records;
  if (result.first_error.empty()) result.first_error = tmp.first_error;
  ctx.live.records = 0;
  ctx.live.requests = 0;
  return tmp.records;
}

}  // namespace runnel::cli::bench
