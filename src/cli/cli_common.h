// What every client subcommand shares: the global flags, settings resolution, the client,
// exit codes, error reporting and waiting for stream state changes.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/config.h"
#include "cli/kinesis_client.h"

namespace CLI {
class App;
}

namespace runnel::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitService = 2;

// Records the exit code of the subcommand that ran (read by ExitCode()).
void SetExitCode(int code);

// Adds --endpoint, --region and --config to `sub`.
void AddGlobalFlags(CLI::App* sub, GlobalFlags* flags);

// Adds --stream NAME (defaults to config.json's stream_name).
void AddStreamFlag(CLI::App* sub, std::string* stream);

// Settings plus a client bound to them.
struct Session {
  Settings settings;
  std::string stream;  // --stream, else config.json's stream_name
  std::unique_ptr<KinesisClient> client;
};

enum class StreamRequirement { kRequired, kOptional };

// Resolves settings and credentials and builds the client. On failure prints "error: ..." and
// returns nullopt with *exit_code set to kExitUsage.
std::optional<Session> OpenSession(const GlobalFlags& flags, const std::string& stream_flag,
                                   StreamRequirement requirement, int* exit_code);

// Prints "error: <Type>: <message>" to stderr; returns kExitService.
int ReportServiceError(const ServiceError& error);
// Prints "error: <message>" to stderr; returns kExitUsage.
int ReportUsageError(std::string_view message);

// Polls DescribeStreamSummary until the stream is ACTIVE.
KinesisResult<void> WaitForActive(KinesisClient& client, std::string_view stream,
                                  std::chrono::milliseconds timeout);
// Polls DescribeStreamSummary until it answers ResourceNotFoundException.
KinesisResult<void> WaitForDeleted(KinesisClient& client, std::string_view stream,
                                   std::chrono::milliseconds timeout);

// Set by the SIGINT/SIGTERM handler that InstallStopHandler() installs.
extern std::atomic<bool> g_stop_requested;
void InstallStopHandler();
// Sleeps up to `d`, returning early once a stop is requested.
void SleepUnlessStopped(std::chrono::milliseconds d);

// Wall clock, epoch milliseconds.
int64_t WallMs();

}  // namespace runnel::cli
