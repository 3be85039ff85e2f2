#include "cli/cli_common.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <thread>

#include "cli/credentials.h"

namespace runnel::cli {

std::atomic<bool> g_stop_requested{false};

namespace {

void OnStopSignal(int) { g_stop_requested.store(true); }

}  // namespace

void AddGlobalFlags(CLI::App* sub, GlobalFlags* flags) {
  sub->add_option("--endpoint", flags->endpoint,
                  "Service endpoint URL (default: $AWS_ENDPOINT_URL, config.json, " +
                      std::string(kDefaultEndpoint) + ")");
  sub->add_option("--region", flags->region,
                  "Signing region (default: $AWS_REGION, config.json, us-east-1)");
  sub->add_option("--config", flags->config,
                  "Path of config.json (default: ./config.json, then ./examples/config.json)");
}

void AddStreamFlag(CLI::App* sub, std::string* stream) {
  sub->add_option("--stream", *stream, "Stream name (default: stream_name in config.json)");
}

std::optional<Session> OpenSession(const GlobalFlags& flags, const std::string& stream_flag,
                                   StreamRequirement requirement, int* exit_code) {
  std::error_code ec;
  auto settings = ResolveSettings(flags, ProcessEnv, std::filesystem::current_path(ec));
  if (!settings.ok()) {
    *exit_code = ReportUsageError(settings.error());
    return std::nullopt;
  }
  auto endpoint = ParseEndpoint(settings->endpoint);
  if (!endpoint.ok()) {
    *exit_code = ReportUsageError(endpoint.error());
    return std::nullopt;
  }
  Session session;
  session.stream = stream_flag.empty() ? settings->stream_name : stream_flag;
  if (requirement == StreamRequirement::kRequired && session.stream.empty()) {
    *exit_code = ReportUsageError("no stream given: pass --stream NAME or set stream_name in config.json");
    return std::nullopt;
  }
  ClientOptions options;
  options.endpoint = std::move(endpoint).value();
  options.region = settings->region;
  options.credentials = LoadCredentials();
  session.settings = std::move(settings).value();
  session.client = std::make_unique<KinesisClient>(std::move(options));
  return session;
}

int ReportServiceError(const ServiceError& error) {
  std::fprintf(stderr, "error: %s: %s\n", error.type.c_str(), error.message.c_str());
  return kExitService;
}

int ReportUsageError(std::string_view message) {
  std::fprintf(stderr, "error: %.*s\n", static_cast<int>(message.size()), message.data());
  return kExitUsage;
}

KinesisResult<void> WaitForActive(KinesisClient& client, std::string_view stream,
                                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto summary = client.DescribeStreamSummary(stream);
    if (!summary.ok()) return MakeUnexpected(summary.error());
    if (summary->stream_status == "ACTIVE") return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      return MakeUnexpected(ServiceError{"Timeout",
                                         "stream " + std::string(stream) + " is still " +
                                             summary->stream_status + " after " +
                                             std::to_string(timeout.count() / 1000) + " s",
                                         0});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

KinesisResult<void> WaitForDeleted(KinesisClient& client, std::string_view stream,
                                   std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto summary = client.DescribeStreamSummary(stream);
    if (!summary.ok()) {
      if (summary.error().type == "ResourceNotFoundException") return {};
      return MakeUnexpected(summary.error());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return MakeUnexpected(ServiceError{"Timeout",
                                         "stream " + std::string(stream) + " is still " +
                                             summary->stream_status + " after " +
                                             std::to_string(timeout.count() / 1000) + " s",
                                         0});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void InstallStopHandler() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void SleepUnlessStopped(std::chrono::milliseconds d) {
  auto deadline = std::chrono::steady_clock::now() + d;
  while (!g_stop_requested.load() && std::chrono::steady_clock::now() < deadline) {
    auto left = deadline - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        left, std::chrono::milliseconds(20)));
  }
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace runnel::cli
