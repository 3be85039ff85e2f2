// The input of `produce`: a JSON array, or NDJSON (one JSON value per line). A string element
// is sent as its text; any other value (object, number, ...) as its compact JSON text.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace runnel::cli {

Result<std::vector<std::string>, std::string> ParseRecords(std::string_view text);
Result<std::vector<std::string>, std::string> LoadRecords(const std::filesystem::path& path);

// --partition-key: "word" (the record's own text), "random", or a fixed key.
class PartitionKeySpec {
 public:
  enum class Mode { kWord, kRandom, kFixed };
  explicit PartitionKeySpec(std::string_view spec);
  Mode mode() const { return mode_; }
  // The key for `record`: 1..256 bytes, cut at a UTF-8 character boundary.
  std::string KeyFor(std::string_view record);

 private:
  Mode mode_;
  std::string fixed_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace runnel::cli
