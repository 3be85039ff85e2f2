// `runnel bench fsync`: how fast the disk under a directory makes an append durable. It
// appends what one PutRecord adds to a segment (--record-size + 64 bytes of framing) to a new
// file and fdatasyncs it, as the server's committer does, over and over on one thread.
//
// Why it is a bench scenario: with `--sync always` a PutRecord is answered only after an
// fdatasync that started after its append, so a client with one request in flight per
// connection gets at most connections / (fdatasync latency) answers per second, whatever the
// server does. The probe prints that ceiling for --connections (default 16, put-record's),
// so a put-record result can be read against what the disk allows.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "cli/bench/bench.h"
#include "cli/cli_common.h"
#include "common/file.h"
#include "common/json_writer.h"

namespace runnel::cli::bench {
namespace {

constexpr int kFramingBytes = 64;  // batch and record headers, partition key: about this much

struct FsyncResult {
  std::string dir;
  int append_bytes = 0;
  int connections = 0;
  uint64_t fsyncs = 0;
  double wall_s = 0;
  Histogram latency_ns;  // one append + fdatasync (ns: a tmpfs answers in well under 1 us)
  std::string error;
};

double Us(uint64_t ns) { return ns / 1000.0; }
double P50Us(const FsyncResult& r) { return Us(r.latency_ns.Percentile(0.5)); }
double Ceiling(const FsyncResult& r) {
  double p50 = P50Us(r);
  return p50 > 0 ? r.connections * 1e6 / p50 : 0;
}

FsyncResult Measure(const BenchOptions& o) {
  FsyncResult r;
  r.dir = o.dir;
  r.append_bytes = o.record_size + kFramingBytes;
  r.connections = o.connections;
  const auto path = std::filesystem::path(o.dir) /
                    fmt::format(".runnel-fsync-probe-{:08x}", std::random_device{}());
  auto file = File::Open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC);
  if (!file) {
    r.error = file.error().what;
    return r;
  }
  const std::string chunk(r.append_bytes, 'x');
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(o.duration_s);
  uint64_t pos = 0;
  while (!g_stop_requested.load()) {
    const auto t0 = std::chrono::steady_clock::now();
    if (o.count > 0 ? r.fsyncs >= static_cast<uint64_t>(o.count) : t0 >= deadline) break;
    if (auto w = file->PWriteAll(chunk.data(), chunk.size(), pos); !w) {
      r.error = w.error().what;
      break;
    }
    if (auto s = file->DataSync(); !s) {
      r.error = s.error().what;
      break;
    }
    pos += chunk.size();
    const auto t1 = std::chrono::steady_clock::now();
    r.latency_ns.Record(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    ++r.fsyncs;
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  return r;
}

void PrintHuman(const FsyncResult& r) {
  std::printf("scenario     fsync in %s: append %d B + fdatasync, one at a time\n", r.dir.c_str(),
              r.append_bytes);
  std::printf("fdatasyncs   %llu in %.2f s (%.0f/s)\n", static_cast<unsigned long long>(r.fsyncs),
              r.wall_s, r.wall_s > 0 ? r.fsyncs / r.wall_s : 0);
  std::printf("latency      p50 %.1f us  p90 %.1f us  p99 %.1f us  max %.1f us\n",
              Us(r.latency_ns.Percentile(0.5)), Us(r.latency_ns.Percentile(0.9)),
              Us(r.latency_ns.Percentile(0.99)), Us(r.latency_ns.max()));
  std::printf("ceiling      put-record with --sync always, %d connection%s with one request in "
              "flight each: at most %d / p50 = %.0f records/s\n",
              r.connections, r.connections == 1 ? "" : "s", r.connections, Ceiling(r));
}

std::string ToJson(const FsyncResult& r) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("scenario", "fsync");
  w.Member("dir", r.dir);
  w.Member("append_bytes", int64_t(r.append_bytes));
  w.Member("fsyncs", int64_t(r.fsyncs));
  Number(w, out, "duration_s", r.wall_s, 3);
  Number(w, out, "fsyncs_per_s", r.wall_s > 0 ? r.fsyncs / r.wall_s : 0, 1);
  w.Key("latency_us").BeginObject();
  Number(w, out, "p50", Us(r.latency_ns.Percentile(0.5)), 1);
  Number(w, out, "p90", Us(r.latency_ns.Percentile(0.9)), 1);
  Number(w, out, "p99", Us(r.latency_ns.Percentile(0.99)), 1);
  Number(w, out, "max", Us(r.latency_ns.max()), 1);
  w.EndObject();
  w.Member("connections", int64_t(r.connections));
  Number(w, out, "put_record_ceiling_per_s", Ceiling(r), 1);
  if (!r.error.empty()) w.Member("error", r.error);
  w.EndObject();
  return out;
}

}  // namespace

int RunFsyncProbe(const BenchOptions& o) {
  std::error_code ec;
  if (!std::filesystem::is_directory(o.dir, ec))
    return ReportUsageError(fmt::format("--dir {} is not a directory", o.dir));
  if (o.count <= 0 && o.duration_s <= 0) return ReportUsageError("--duration must be positive");
  InstallStopHandler();
  FsyncResult r = Measure(o);
  if (o.json) {
    std::string json = ToJson(r);
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fputc('\n', stdout);
  } else {
    PrintHuman(r);
  }
  if (!r.error.empty()) {
    std::fprintf(stderr, "error: %s\n", r.error.c_str());
    return kExitService;
  }
  return r.fsyncs > 0 ? kExitOk : kExitService;
}

}  // namespace runnel::cli::bench
