// The two outputs of `runnel bench`: a human summary and one JSON object (--json).
#include <fmt/format.h>

#include <cstdio>

#include "cli/bench/bench.h"
#include "common/json_writer.h"

namespace runnel::cli::bench {
namespace {

double Ms(uint64_t us) { return us / 1000.0; }
double PerSecond(double n, double s) { return s > 0 ? n / s : 0; }
double CpuPercent(const BenchResult& r) {
  return r.wall_s > 0 ? 100.0 * (r.cpu.user_s + r.cpu.sys_s) / r.wall_s : 0;
}

void Latency(JsonWriter& w, std::string& out, std::string_view key, const Histogram& h) {
  w.Key(key).BeginObject();
  w.Member("count", int64_t(h.count()));
  Number(w, out, "p50", Ms(h.Percentile(0.50)), 3);
  Number(w, out, "p90", Ms(h.Percentile(0.90)), 3);
  Number(w, out, "p99", Ms(h.Percentile(0.99)), 3);
  Number(w, out, "max", Ms(h.max()), 3);
  w.EndObject();
}

}  // namespace

void Number(JsonWriter& w, std::string& out, std::string_view key, double v, int decimals) {
  w.Key(key).Null();  // places the key and separators; the null is then replaced
  out.resize(out.size() - 4);
  out += fmt::format("{:.{}f}", v, decimals);
}

void PrintHuman(const BenchResult& r) {
  double rps = PerSecond(r.records, r.wall_s);
  double mbps = PerSecond(r.payload_bytes / 1e6, r.wall_s);
  std::printf("scenario     %s against %s (stream %s, %d shard%s)\n", r.scenario.c_str(),
              r.endpoint.c_str(), r.stream.c_str(), r.shards, r.shards == 1 ? "" : "s");
  if (r.fanout) {
    std::string mode = r.push ? "push subscribers (SubscribeToShard)"
                       : r.wait_ms > 0 ? "long-polling consumers (wait " + std::to_string(r.wait_ms) + " ms)"
                                       : "polling consumers";
    std::printf("setup        1 producer at %.0f records/s of %d B, %d %s\n", r.rate,
                r.record_size, r.consumers, mode.c_str());
  } else if (r.prefilled > 0) {
    std::printf("setup        %d B records, GetRecords Limit %d\n", r.record_size, r.records_per_batch);
  } else {
    std::printf("setup        %d B records, %d per request, %d connection%s\n", r.record_size,
                r.records_per_batch, r.connections, r.connections == 1 ? "" : "s");
  }
  std::printf("protocol     %s", r.protocol.c_str());
  if (r.streams_per_connection > 1) std::printf(", %d streams per connection", r.streams_per_connection);
  std::printf("\n");
  if (r.prefilled > 0)
    std::printf("prefill      %llu records in %.2f s (%.0f records/s)\n",
                static_cast<unsigned long long>(r.prefilled), r.prefill_s,
                PerSecond(r.prefilled, r.prefill_s));
  std::printf("duration     %.2f s, %llu requests\n", r.wall_s, static_cast<unsigned long long>(r.requests));
  std::printf("throughput   %.0f records/s, %.1f MB/s (record data)\n", rps, mbps);
  std::printf("latency      p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  (per request)\n",
              Ms(r.latency_us.Percentile(0.5)), Ms(r.latency_us.Percentile(0.9)),
              Ms(r.latency_us.Percentile(0.99)), Ms(r.latency_us.max()));
  if (r.fanout) {
    std::printf("end-to-end   p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  (%llu deliveries)\n",
                Ms(r.e2e_us.Percentile(0.5)), Ms(r.e2e_us.Percentile(0.9)),
                Ms(r.e2e_us.Percentile(0.99)), Ms(r.e2e_us.max()),
                static_cast<unsigned long long>(r.e2e_us.count()));
    std::printf("delivery     %s: %llu produced (of %llu at the rate), %llu missing, %llu duplicate/out of order\n",
                r.verified ? "OK, every consumer got every record once, in order" : "FAILED",
                static_cast<unsigned long long>(r.produced), static_cast<unsigned long long>(r.target),
                static_cast<unsigned long long>(r.missing),
                static_cast<unsigned long long>(r.duplicates));
  }
  std::printf("errors       %llu transport, %llu HTTP, %llu failed records\n",
              static_cast<unsigned long long>(r.transport_errors),
              static_cast<unsigned long long>(r.http_errors),
              static_cast<unsigned long long>(r.failed_records));
  std::printf("generator    %.1f%% of one core (user %.2f s, sys %.2f s, %d thread%s)%s\n",
              CpuPercent(r), r.cpu.user_s, r.cpu.sys_s, r.threads, r.threads == 1 ? "" : "s",
              CpuPercent(r) > 85 ? "  <- the generator may be the bottleneck" : "");
}

std::string ToJson(const BenchResult& r) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("scenario", r.scenario);
  w.Member("endpoint", r.endpoint);
  w.Member("stream", r.stream);
  w.Member("shards", int64_t(r.shards));
  w.Member("protocol", r.protocol);
  w.Member("streams_per_connection", int64_t(r.streams_per_connection));
  w.Member("record_size", int64_t(r.record_size));
  if (!r.fanout) {
    w.Member("records_per_request", int64_t(r.records_per_batch));
    w.Member("connections", int64_t(r.connections));
  }
  Number(w, out, "duration_s", r.wall_s, 3);
  w.Member("requests", int64_t(r.requests));
  w.Member("records", int64_t(r.records));
  w.Member("payload_bytes", int64_t(r.payload_bytes));
  Number(w, out, "records_per_s", PerSecond(r.records, r.wall_s), 1);
  Number(w, out, "mb_per_s", PerSecond(r.payload_bytes / 1e6, r.wall_s), 2);
  Latency(w, out, "latency_ms", r.latency_us);
  w.Key("errors").BeginObject();
  w.Member("transport", int64_t(r.transport_errors));
  w.Member("http", int64_t(r.http_errors));
  w.Member("failed_records", int64_t(r.failed_records));
  w.Member("total", int64_t(r.errors()));
  if (!r.first_error.empty()) w.Member("first", r.first_error);
  w.EndObject();
  w.Key("generator_cpu").BeginObject();
  Number(w, out, "user_s", r.cpu.user_s, 3);
  Number(w, out, "sys_s", r.cpu.sys_s, 3);
  Number(w, out, "percent_of_one_core", CpuPercent(r), 1);
  w.Member("threads", int64_t(r.threads));
  w.EndObject();
  if (r.prefilled > 0) {
    w.Member("prefilled", int64_t(r.prefilled));
    Number(w, out, "prefill_s", r.prefill_s, 3);
  }
  if (r.fanout) {
    Number(w, out, "rate", r.rate, 1);
    w.Member("consumers", int64_t(r.consumers));
    w.Member("mode", r.push ? "push" : r.wait_ms > 0 ? "long-poll" : "poll");
    if (r.wait_ms > 0) w.Member("wait_ms", int64_t(r.wait_ms));
    w.Member("produced", int64_t(r.produced));
    w.Member("target", int64_t(r.target));
    Latency(w, out, "e2e_latency_ms", r.e2e_us);
    w.Member("missing", int64_t(r.missing));
    w.Member("duplicates", int64_t(r.duplicates));
    w.Key("verified").Bool(r.verified);
  }
  w.EndObject();
  return out;
}

}  // namespace runnel::cli::bench
