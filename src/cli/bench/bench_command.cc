#include "cli/bench/bench_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdio>
#include <random>

#include "cli/bench/bench.h"
#include "cli/bench/load_connection_factory.h"
#include "cli/cli_common.h"

namespace runnel::cli::bench {
namespace {

struct ScenarioDefaults {
  std::string_view name;
  int record_size;
  int connections;
  // Generator threads. put-record keeps one: on a 2-core machine a second thread on the same
  // io_context only adds lock hand-offs and takes CPU the server needs (measured: 41-44k
  // records/s with 2 threads against 47-48k with 1, and 38% against 30% of a core for the
  // generator). 100 push subscribers need the second thread (p99 16 ms with 2, 25 ms with 1).
  int threads;
};
constexpr ScenarioDefaults kScenarios[] = {
    {"put-records", 1024, 8, 2},
    {"put-record", 100, 16, 1},
    {"get-records", 1024, 8, 2},  // connections: for the pre-fill
    {"fanout", 100, 1, 2},
    {"fsync", 100, 16, 1},  // no server: connections only for the ceiling it prints
};

// Creates the stream, waits for ACTIVE and lists its shards.
std::string SetUpStream(BenchContext& ctx, const std::string& stream, int shards,
                        std::vector<std::string>* shard_ids) {
  auto created = ctx.control->CreateStream(stream, shards);
  if (!created.ok())
    return fmt::format("CreateStream {}: {}: {}", stream, created.error().type, created.error().message);
  auto active = WaitForActive(*ctx.control, stream, std::chrono::seconds(60));
  if (!active.ok()) return fmt::format("waiting for ACTIVE: {}", active.error().message);
  auto listed = ctx.control->ListShards(stream);
  if (!listed.ok()) return fmt::format("ListShards: {}: {}", listed.error().type, listed.error().message);
  for (const ShardInfo& s : *listed) shard_ids->push_back(s.shard_id);
  return "";
}

int Run(BenchOptions o) {
  const ScenarioDefaults* def = nullptr;
  for (const auto& s : kScenarios)
    if (s.name == o.scenario) def = &s;
  if (def == nullptr) return ReportUsageError("unknown scenario " + o.scenario);
  if (o.threads < 0) o.threads = def->threads;
  if (o.scenario == "fsync") {
    if (o.record_size < 0) o.record_size = def->record_size;
    if (o.connections < 0) o.connections = def->connections;
    return RunFsyncProbe(o);
  }
  auto endpoint = ParseEndpoint(o.endpoint);
  if (!endpoint.ok()) return ReportUsageError(endpoint.error());
  if (endpoint->scheme != "http") return ReportUsageError("bench supports http:// endpoints only");
  if (o.threads < 1 || o.shards < 1 || o.consumers < 1 || o.rate <= 0 || o.passes < 1)
    return ReportUsageError("--threads, --shards, --consumers, --rate and --passes must be positive");
  if (o.streams_per_connection > 1 && !o.http2)
    return ReportUsageError("--streams-per-connection needs --http2 (HTTP/1.1 has one request in flight)");

  BenchContext ctx;
  ctx.options = o;
  ctx.endpoint = *endpoint;
  try {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::resolver resolver(ioc);
    auto results = resolver.resolve(endpoint->host, std::to_string(endpoint->port));
    ctx.tcp_endpoint = results.begin()->endpoint();
  } catch (const std::exception& e) {
    return ReportUsageError(fmt::format("cannot resolve {}: {}", endpoint->host, e.what()));
  }
  ClientOptions copts;
  copts.endpoint = *endpoint;
  copts.region = o.region;
  copts.credentials = LoadCredentials();
  ctx.builder = std::make_unique<RequestBuilder>(endpoint->HostHeader(), o.region,
                                                 o.sign ? Signing::kSigV4 : Signing::kDummy,
                                                 copts.credentials);
  ctx.control = std::make_unique<KinesisClient>(copts);
  InstallStopHandler();
  if (!o.progress) o.progress = isatty(STDERR_FILENO);
  ctx.options.progress = o.progress;

  BenchResult result;
  result.scenario = o.scenario;
  result.endpoint = o.endpoint;
  result.shards = o.shards;
  result.record_size = o.record_size > 0 ? o.record_size : def->record_size;
  result.connections = o.connections > 0 ? o.connections : def->connections;
  result.threads = o.threads;
  result.protocol = ProtocolName(o);
  result.streams_per_connection = o.streams_per_connection;
  result.stream = o.stream.empty()
                      ? fmt::format("bench-{}-{:08x}", o.scenario, std::random_device{}())
                      : o.stream;
  ctx.options.record_size = result.record_size;
  ctx.options.connections = result.connections;

  std::vector<std::string> shard_ids;
  std::string failure = SetUpStream(ctx, result.stream, o.shards, &shard_ids);
  if (!failure.empty()) {
    std::fprintf(stderr, "error: %s\n", failure.c_str());
    return kExitService;
  }
  if (o.scenario == "put-records") {
    failure = RunPutScenario(ctx, /*batched=*/true, result);
  } else if (o.scenario == "put-record") {
    failure = RunPutScenario(ctx, /*batched=*/false, result);
  } else if (o.scenario == "get-records") {
    failure = RunGetRecordsScenario(ctx, result, shard_ids);
  } else {
    failure = RunFanoutScenario(ctx, result, shard_ids);
  }
  if (!o.keep) {
    auto deleted = ctx.control->DeleteStream(result.stream);
    if (!deleted.ok())
      std::fprintf(stderr, "warning: DeleteStream %s: %s\n", result.stream.c_str(),
                   deleted.error().message.c_str());
  }
  if (o.json) {
    std::string json = ToJson(result);
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fputc('\n', stdout);
  } else {
    PrintHuman(result);
  }
  if (!failure.empty()) std::fprintf(stderr, "error: %s\n", failure.c_str());
  if (result.errors() > 0 && !result.first_error.empty())
    std::fprintf(stderr, "first error: %s\n", result.first_error.c_str());
  return failure.empty() && result.errors() == 0 ? kExitOk : kExitService;
}

}  // namespace

CpuUsage CpuUsage::Now() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return {ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6};
}

void RunIoContext(boost::asio::io_context& ioc, int threads) {
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
}

ProgressLine::ProgressLine(const BenchContext& ctx, std::string label, bool enabled) {
  if (!enabled) return;
  thread_ = std::thread([this, &ctx, label = std::move(label)] {
    auto start = std::chrono::steady_clock::now();
    uint64_t last_records = ctx.live.records.load();
    auto last = start;
    while (!stop_.load()) {
      for (int i = 0; i < 10 && !stop_.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (stop_.load()) break;
      auto now = std::chrono::steady_clock::now();
      uint64_t records = ctx.live.records.load();
      double dt = std::chrono::duration<double>(now - last).count();
      std::fprintf(stderr, "\r[%s] %5.1fs  %12llu records  %10.0f rec/s  %llu errors   ", label.c_str(),
                   std::chrono::duration<double>(now - start).count(),
                   static_cast<unsigned long long>(records), (records - last_records) / dt,
                   static_cast<unsigned long long>(ctx.live.errors.load()));
      std::fflush(stderr);
      last_records = records;
      last = now;
    }
    std::fprintf(stderr, "\n");
  });
}

ProgressLine::~ProgressLine() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void AddBenchCommand(CLI::App& app) {
  auto opts = std::make_shared<BenchOptions>();
  CLI::App* sub = app.add_subcommand(
      "bench", "Load generator: put-records | put-record | get-records | fanout; fsync probes the disk "
      "(see bench/README.md)");
  sub->add_option("scenario", opts->scenario,
                  "put-records, put-record, get-records, fanout, or fsync (no server: the "
                  "append + fdatasync latency under --dir)")
      ->required()
      ->check(CLI::IsMember({"put-records", "put-record", "get-records", "fanout", "fsync"}));
  sub->add_option("--endpoint", opts->endpoint, "Kinesis endpoint (http://host:port)")->capture_default_str();
  sub->add_option("--region", opts->region, "Region for signing")->capture_default_str();
  sub->add_option("--stream", opts->stream, "Stream to create and use (default bench-<scenario>-<random>)");
  sub->add_option("--shards", opts->shards, "Shards of the stream")->capture_default_str();
  sub->add_flag("--keep", opts->keep, "Do not delete the stream at the end");
  sub->add_flag("--json", opts->json, "Print the result as JSON on stdout");
  sub->add_flag("--progress", opts->progress, "Print a progress line on stderr even when it is not a TTY");
  sub->add_flag("--sign", opts->sign, "SigV4-sign every request (default: a fixed dummy Authorization header)");
  sub->add_option("--threads", opts->threads,
                  "I/O threads of the generator (default: 1 for put-record, 2 otherwise)");
  sub->add_flag("--http2", opts->http2,
                "HTTP/2 cleartext (h2c, prior knowledge) instead of HTTP/1.1 keep-alive");
  sub->add_option("--streams-per-connection", opts->streams_per_connection,
                  "--http2: requests in flight on each connection (multiplexed streams)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  sub->add_option("--records-per-batch", opts->records_per_batch, "put-records: records per PutRecords")
      ->capture_default_str()
      ->check(CLI::Range(1, 500));
  sub->add_option("--record-size", opts->record_size,
                  "Record data bytes (default: 1024 put-records/get-records, 100 put-record/fanout)")
      ->check(CLI::Range(1, 1 << 20));
  sub->add_option("--connections", opts->connections,
                  "Concurrent connections (default: 8 put-records and get-records pre-fill, 16 put-record)")
      ->check(CLI::Range(1, 4096));
  sub->add_option("--duration", opts->duration_s, "Seconds to run (put scenarios, fanout, fsync)")->capture_default_str();
  sub->add_option("--count", opts->count,
                  "Stop after this many records (fsync: fdatasyncs) instead of --duration");
  sub->add_option("--prefill", opts->prefill, "get-records: records to pre-fill")->capture_default_str();
  sub->add_option("--passes", opts->passes, "get-records: read everything this many times")->capture_default_str();
  sub->add_option("--limit", opts->limit, "GetRecords Limit")->capture_default_str()->check(CLI::Range(1, 10000));
  sub->add_option("--rate", opts->rate, "fanout: producer records/s")->capture_default_str();
  sub->add_option("--consumers", opts->consumers, "fanout: polling consumers")->capture_default_str();
  sub->add_option("--poll-pause-ms", opts->poll_pause_ms, "fanout: pause after an empty GetRecords")
      ->capture_default_str();
  sub->add_option("--wait-ms", opts->wait_ms,
                  "fanout: long-poll GetRecords (x-runnel-wait-ms header, Runnel only); 0: plain polling")
      ->capture_default_str()
      ->check(CLI::Range(0, 5000));
  sub->add_option("--dir", opts->dir, "fsync: directory on the disk to probe (your --data-dir)")
      ->capture_default_str();
  sub->add_flag("--push", opts->push,
                "fanout: registered consumers reading through SubscribeToShard instead of polling");
  sub->callback([opts] { SetExitCode(Run(*opts)); });
}

}  // namespace runnel::cli::bench
