// demo: the seed scenario in one command. Create the stream from config.json, start two
// consumers as separate processes, produce words.json, check that both consumers received
// every word in order, delete the stream. Starts an embedded server (this binary's `serve`)
// on a temporary data dir when nothing answers at the configured endpoint.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "cli/child_process.h"
#include "cli/cli_common.h"
#include "cli/command_groups.h"
#include "cli/demo_report.h"
#include "cli/producer.h"
#include "cli/record_source.h"

namespace runnel::cli {
namespace {

constexpr int kExitCheckFailed = 3;
constexpr int kConsumerCount = 2;
constexpr std::chrono::seconds kStreamWait{60};
constexpr std::chrono::seconds kServerStartWait{20};
constexpr std::chrono::seconds kStopGrace{10};

struct DemoArgs {
  GlobalFlags global;
  std::string stream;
  std::string file;
  int batch = 1;
  double rate = 0;
  int timeout_s = 60;
  bool keep_files = false;
};

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path DemoWordsFile(const DemoArgs& args, const Settings& settings) {
  if (!args.file.empty()) return args.file;
  return FindWordsFile(settings, "examples/words.json");
}

// Runs the scenario; owns the temp dir, the embedded server and the consumer processes.
class Demo {
 public:
  explicit Demo(const DemoArgs& args) : args_(args) {}
  ~Demo() {
    consumers_.clear();  // stops any still running
    StopServer();
    if (!work_dir_.empty() && !args_.keep_files) {
      std::error_code ec;
      std::filesystem::remove_all(work_dir_, ec);
    }
  }

  int Run();

 private:
  int Fail(const ServiceError& e) { return ReportServiceError(e); }
  // Uses the configured endpoint if it answers, else starts `runnel serve`.
  int ConnectOrStartServer();
  int RecreateStream();
  int StartConsumers(size_t expected);
  int CheckConsumers(const ProduceStats& produced);
  void StopServer();

  const DemoArgs& args_;
  std::optional<Session> session_;
  std::string stream_;
  std::vector<std::string> words_;
  std::filesystem::path work_dir_;
  std::optional<ChildProcess> server_;
  std::vector<ChildProcess> consumers_;
  std::vector<std::string> consumer_names_;
};

int Demo::ConnectOrStartServer() {
  ClientOptions probe_options = session_->client->options();
  probe_options.max_attempts = 1;
  probe_options.timeout = std::chrono::milliseconds(3000);
  KinesisClient probe(probe_options);
  auto listed = probe.ListStreams();
  if (listed.ok()) {
    std::printf("server:     using %s\n", probe_options.endpoint.url.c_str());
    return kExitOk;
  }
  if (!listed.error().IsConnectionError()) return Fail(listed.error());

  auto port = FindFreePort();
  if (!port.ok()) return ReportUsageError(port.error());
  std::string data_dir = (work_dir_ / "data").string();
  std::string log = (work_dir_ / "server.log").string();
  std::vector<std::string> argv = {SelfExecutable(), "serve", "--host", "127.0.0.1",
                                   "--port", std::to_string(*port), "--data-dir", data_dir};
  auto child = ChildProcess::Spawn(argv, log, log + ".err");
  if (!child.ok()) return ReportUsageError(child.error());
  server_ = std::move(child).value();

  ClientOptions options = probe_options;
  options.endpoint = ParseEndpoint("http://127.0.0.1:" + std::to_string(*port)).value();
  options.max_attempts = 10;
  options.timeout = std::chrono::milliseconds(30000);
  std::printf("server:     nothing answers at %s; starting an embedded server on %s (data in %s)\n",
              probe_options.endpoint.url.c_str(), options.endpoint.url.c_str(), data_dir.c_str());
  auto deadline = std::chrono::steady_clock::now() + kServerStartWait;
  probe_options.endpoint = options.endpoint;
  for (;;) {
    KinesisClient check(probe_options);
    if (check.ListStreams().ok()) break;
    if (!server_->running() || std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "error: the embedded server did not start; its log:\n%s%s\n",
                   ReadWhole(log).c_str(), ReadWhole(log + ".err").c_str());
      return kExitService;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  session_->client = std::make_unique<KinesisClient>(options);
  return kExitOk;
}

int Demo::RecreateStream() {
  KinesisClient& client = *session_->client;
  auto names = client.ListStreams();
  if (!names.ok()) return Fail(names.error());
  if (std::find(names->begin(), names->end(), stream_) != names->end()) {
    std::printf("stream:     deleting the leftover stream %s\n", stream_.c_str());
    if (auto r = client.DeleteStream(stream_); !r.ok()) return Fail(r.error());
    if (auto r = WaitForDeleted(client, stream_, kStreamWait); !r.ok()) return Fail(r.error());
  }
  int64_t shards = session_->settings.shard_count;
  if (auto r = client.CreateStream(stream_, shards); !r.ok()) return Fail(r.error());
  if (auto r = WaitForActive(client, stream_, kStreamWait); !r.ok()) return Fail(r.error());
  std::printf("stream:     created %s with %lld shard%s; it is ACTIVE\n", stream_.c_str(),
              static_cast<long long>(shards), shards == 1 ? "" : "s");
  return kExitOk;
}

int Demo::StartConsumers(size_t expected) {
  const ClientOptions& options = session_->client->options();
  for (int i = 1; i <= kConsumerCount; ++i) {
    std::string name = "consumer-" + std::to_string(i);
    std::string out = (work_dir_ / (name + ".ndjson")).string();
    std::vector<std::string> argv = {SelfExecutable(), "consume", "--stream", stream_, "--name", name,
                                     "--format", "json", "--from", "trim-horizon",
                                     "--max", std::to_string(expected), "--follow",
                                     "--endpoint", options.endpoint.url, "--region", options.region};
    auto child = ChildProcess::Spawn(argv, out, (work_dir_ / (name + ".log")).string());
    if (!child.ok()) return ReportUsageError(child.error());
    std::printf("consumer:   %s started (pid %d), reading every shard from TRIM_HORIZON\n",
                name.c_str(), static_cast<int>(child->pid()));
    consumers_.push_back(std::move(child).value());
    consumer_names_.push_back(name);
  }
  return kExitOk;
}

int Demo::CheckConsumers(const ProduceStats& produced) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args_.timeout_s);
  std::vector<ConsumerReport> reports;
  bool all_ok = true;
  for (size_t i = 0; i < consumers_.size(); ++i) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto status = consumers_[i].WaitFor(std::max(left, std::chrono::milliseconds(0)));
    if (!status) {
      std::printf("consumer:   %s did not finish within %d s; stopping it\n", consumer_names_[i].c_str(),
                  args_.timeout_s);
      consumers_[i].Stop(std::chrono::milliseconds(2000));
    } else if (*status != 0) {
      std::printf("consumer:   %s exited with status %d: %s\n", consumer_names_[i].c_str(), *status,
                  ReadWhole((work_dir_ / (consumer_names_[i] + ".log")).string()).c_str());
    }
    std::string output = ReadWhole((work_dir_ / (consumer_names_[i] + ".ndjson")).string());
    reports.push_back(AnalyzeConsumerOutput(consumer_names_[i], output, words_));
    all_ok = all_ok && reports.back().complete && status && *status == 0;
  }

  std::printf("\nResult\n");
  for (const ConsumerReport& r : reports) {
    std::printf("  %s: received %lld/%zu words, %s; latency first %.0f ms, last %.0f ms, mean %.1f ms\n",
                r.name.c_str(), static_cast<long long>(r.received), words_.size(),
                r.complete ? "all in the order sent" : ("NOT COMPLETE: " + r.problem).c_str(),
                r.first_latency_ms, r.last_latency_ms, r.mean_latency_ms);
  }
  if (reports.size() == 2 && !reports[0].received_ms.empty() && !reports[1].received_ms.empty()) {
    const ConsumerReport& a = reports[0];
    const ConsumerReport& b = reports[1];
    size_t n = std::min(a.received_ms.size(), b.received_ms.size());
    double max_gap = 0, sum_gap = 0;
    for (size_t i = 0; i < n; ++i) {
      double gap = std::abs(static_cast<double>(a.received_ms[i] - b.received_ms[i]));
      max_gap = std::max(max_gap, gap);
      sum_gap += gap;
    }
    std::printf("  timing: the two consumers received the same word %.1f ms apart on average (max %.0f ms); "
                "%s finished %lld ms after %s\n",
                sum_gap / static_cast<double>(n), max_gap,
                a.received_ms.back() >= b.received_ms.back() ? a.name.c_str() : b.name.c_str(),
                static_cast<long long>(std::llabs(a.received_ms.back() - b.received_ms.back())),
                a.received_ms.back() >= b.received_ms.back() ? b.name.c_str() : a.name.c_str());
    std::printf("  producer: first word sent at +0 ms, last acknowledged at +%lld ms; last word read at "
                "+%lld ms\n",
                static_cast<long long>(produced.last_acked_ms - produced.first_sent_ms),
                static_cast<long long>(std::max(a.received_ms.back(), b.received_ms.back()) -
                                       produced.first_sent_ms));
  }
  if (all_ok) {
    std::printf("  OK: both consumers received all %zu words, in the same order as sent\n", words_.size());
  } else {
    std::printf("  FAILED: a consumer missed or reordered words (outputs kept in %s)\n", work_dir_.c_str());
  }
  return all_ok ? kExitOk : kExitCheckFailed;
}

void Demo::StopServer() {
  if (!server_) return;
  int status = server_->Stop(kStopGrace);
  std::printf("server:     embedded server stopped (exit status %d)\n", status);
  server_.reset();
}

int Demo::Run() {
  int code = kExitOk;
  session_ = OpenSession(args_.global, args_.stream, StreamRequirement::kOptional, &code);
  if (!session_) return code;
  stream_ = session_->stream.empty() ? "words" : session_->stream;
  std::filesystem::path file = DemoWordsFile(args_, session_->settings);
  auto words = LoadRecords(file);
  if (!words.ok()) return ReportUsageError(words.error());
  words_ = std::move(words).value();
  if (words_.empty()) return ReportUsageError(file.string() + " holds no records");

  char tmpl[] = "/tmp/runnel-demo-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return ReportUsageError("cannot create a temp dir");
  work_dir_ = tmpl;
  std::printf("Runnel demo: one stream, one producer, two consumers\n");
  std::printf("config:     %s\n", session_->settings.config_path.empty()
                                       ? "(no config.json; defaults)"
                                       : session_->settings.config_path.c_str());
  std::printf("words:      %zu from %s\n", words_.size(), file.c_str());
  std::fflush(stdout);

  if ((code = ConnectOrStartServer()) != kExitOk) return code;
  if ((code = RecreateStream()) != kExitOk) return code;
  if ((code = StartConsumers(words_.size())) != kExitOk) return code;
  std::fflush(stdout);

  InstallStopHandler();
  ProduceOptions options;
  options.stream = stream_;
  options.partition_key = "word";
  options.batch = args_.batch;
  options.rate = args_.rate;
  options.progress = isatty(STDERR_FILENO) != 0;
  Producer producer(*session_->client, options);
  auto produced = producer.Run(words_);
  if (!produced.ok()) return Fail(produced.error());
  std::printf("producer:   sent %lld words in %.2f s (%.0f words/s)\n",
              static_cast<long long>(produced->records), produced->seconds,
              static_cast<double>(produced->records) / std::max(produced->seconds, 0.001));
  std::fflush(stdout);

  int result = CheckConsumers(*produced);
  if (auto r = session_->client->DeleteStream(stream_); !r.ok()) return Fail(r.error());
  if (auto r = WaitForDeleted(*session_->client, stream_, kStreamWait); !r.ok()) return Fail(r.error());
  std::printf("stream:     deleted %s\n", stream_.c_str());
  StopServer();
  return result;
}

}  // namespace

void AddDemoCommand(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* sub = app.add_subcommand(
      "demo", "Run the whole scenario: create the stream, two consumers, produce words.json, delete");
  AddStreamFlag(sub, &args->stream);
  sub->add_option("--file,-f", args->file,
                  "Words file (default: words.json next to config.json, then ./words.json, "
                  "./examples/words.json)");
  sub->add_option("--batch", args->batch, "Records per PutRecords call; 1 uses PutRecord")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  sub->add_option("--rate", args->rate, "Records per second (default: unlimited)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--timeout", args->timeout_s, "Seconds to wait for the consumers")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_flag("--keep-files", args->keep_files, "Keep the temp dir (logs, consumer output)");
  AddGlobalFlags(sub, &args->global);
  sub->callback([args] {
    Demo demo(*args);
    SetExitCode(demo.Run());
  });
}

}  // namespace runnel::cli
