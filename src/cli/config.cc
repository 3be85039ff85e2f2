#include "cli/config.h"

#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace runnel::cli {
namespace {

Result<std::string, std::string> ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeUnexpected("cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string ProcessEnv(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

Result<ConfigFile, std::string> ParseConfigJson(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (auto err = parser.parse(text.data(), text.size()).get_object().get(obj); err) {
    return MakeUnexpected(std::string("not a JSON object: ") + simdjson::error_message(err));
  }
  ConfigFile cfg;
  for (auto [key, value] : obj) {
    std::string_view s;
    if (key == "shard_count") {
      int64_t n = 0;
      if (value.get_int64().get(n) != simdjson::SUCCESS || n < 1) {
        return MakeUnexpected(std::string("shard_count must be a positive integer"));
      }
      cfg.shard_count = n;
      continue;
    }
    std::string* target = key == "stream_name" ? &cfg.stream_name
                          : key == "region"    ? &cfg.region
                          : key == "endpoint"  ? &cfg.endpoint
                                               : nullptr;
    if (target == nullptr) continue;  // unknown members are ignored, as by the Python scripts
    if (value.get_string().get(s) != simdjson::SUCCESS) {
      return MakeUnexpected(std::string(key) + " must be a string");
    }
    *target = std::string(s);
  }
  return cfg;
}

std::optional<std::filesystem::path> FindConfig(const GlobalFlags& flags,
                                                const std::filesystem::path& cwd) {
  if (!flags.config.empty()) return std::filesystem::path(flags.config);
  for (const char* candidate : {"config.json", "examples/config.json"}) {
    std::error_code ec;
    std::filesystem::path p = cwd / candidate;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  return std::nullopt;
}

Result<Settings, std::string> ResolveSettings(const GlobalFlags& flags, const EnvLookup& env,
                                              const std::filesystem::path& cwd) {
  ConfigFile cfg;
  Settings s;
  if (auto path = FindConfig(flags, cwd)) {
    auto text = ReadText(*path);
    if (!text.ok()) return MakeUnexpected(text.error());
    auto parsed = ParseConfigJson(*text);
    if (!parsed.ok()) return MakeUnexpected(path->string() + ": " + parsed.error());
    cfg = std::move(parsed).value();
    s.config_path = *path;
  }
  auto pick = [](std::initializer_list<std::string> candidates) {
    for (const std::string& c : candidates) {
      if (!c.empty()) return c;
    }
    return std::string();
  };
  s.endpoint = pick({flags.endpoint, env("AWS_ENDPOINT_URL_KINESIS"), env("AWS_ENDPOINT_URL"), cfg.endpoint, kDefaultEndpoint});
  s.region = pick({flags.region, env("AWS_REGION"), env("AWS_DEFAULT_REGION"), cfg.region,
                   kDefaultRegion});
  s.stream_name = cfg.stream_name;
  s.shard_count = cfg.shard_count > 0 ? cfg.shard_count : 1;
  return s;
}

std::filesystem::path FindWordsFile(const Settings& settings,
                                    const std::filesystem::path& fallback) {
  std::error_code ec;
  if (!settings.config_path.empty()) {
    auto p = settings.config_path.parent_path() / "words.json";
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  for (const char* candidate : {"words.json", "examples/words.json"}) {
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return fallback;
}

}  // namespace runnel::cli
