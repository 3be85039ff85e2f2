// Helpers shared by the micro-benchmarks: deterministic random data and a temp directory
// (under $RUNNEL_BENCH_DIR, else the system temp dir) removed on destruction.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "common/base64.h"

namespace runnel::bench {

inline std::string RandomBytes(size_t n, uint64_t seed = 42) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// A PutRecords request body: `count` records of `size` random bytes, random partition keys.
inline std::string PutRecordsBody(int count, size_t size) {
  std::mt19937_64 rng(7);
  std::string body = "{\"StreamName\":\"bench\",\"Records\":[";
  for (int i = 0; i < count; ++i) {
    if (i) body += ',';
    body += "{\"Data\":\"";
    base64::EncodeAppend(RandomBytes(size, rng()), body);
    body += "\",\"PartitionKey\":\"key-" + std::to_string(rng() % 100000) + "\"}";
  }
  body += "]}";
  return body;
}

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("RUNNEL_BENCH_DIR");
    std::filesystem::path root = base ? base : std::filesystem::temp_directory_path();
    path_ = root / ("runnel-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

}  // namespace runnel::bench
