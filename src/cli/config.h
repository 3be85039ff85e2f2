// Client settings: config.json (as in the original course scripts), environment and flags.
// Precedence for each setting: flag > environment > config.json > built-in default.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace runnel::cli {

inline constexpr char kDefaultEndpoint[] = "http://127.0.0.1:4567";
inline constexpr char kDefaultRegion[] = "us-east-1";

// The members of config.json; absent members stay empty / 0.
struct ConfigFile {
  std::string stream_name;
  std::string region;
  std::string endpoint;
  int64_t shard_count = 0;
};

Result<ConfigFile, std::string> ParseConfigJson(std::string_view text);

// The global flags every client subcommand takes.
struct GlobalFlags {
  std::string endpoint;
  std::string region;
  std::string config;  // path of config.json
};

struct Settings {
  std::string endpoint;
  std::string region;
  std::string stream_name;   // empty when neither config nor flag names one
  int64_t shard_count = 1;
  std::filesystem::path config_path;  // empty when no config.json was found
};

using EnvLookup = std::function<std::string(const char*)>;
std::string ProcessEnv(const char* name);

// Finds config.json: --config if given (it must exist), else ./config.json, else
// ./examples/config.json (relative to `cwd`).
std::optional<std::filesystem::path> FindConfig(const GlobalFlags& flags,
                                                const std::filesystem::path& cwd);

// Resolves the settings. Honours AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL and AWS_REGION (then AWS_DEFAULT_REGION).
Result<Settings, std::string> ResolveSettings(const GlobalFlags& flags, const EnvLookup& env,
                                              const std::filesystem::path& cwd);

// The words file of the scenario: words.json next to config.json, else ./words.json, else
// ./examples/words.json, else `fallback` (which then fails to open with a clear message).
std::filesystem::path FindWordsFile(const Settings& settings,
                                    const std::filesystem::path& fallback);

}  // namespace runnel::cli
