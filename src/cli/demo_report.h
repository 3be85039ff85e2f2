// Checks what a demo consumer printed (`consume --format json`) against what was sent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::cli {

struct ConsumerReport {
  std::string name;
  int64_t received = 0;
  bool complete = false;  // received exactly the sent records, in the sent order
  std::string problem;    // first difference, when not complete
  int64_t bad_lines = 0;  // lines that were not a record object
  // Epoch milliseconds, per received record.
  std::vector<int64_t> arrival_ms;
  std::vector<int64_t> received_ms;
  // Latency = received_at - arrival_time of the first and last record, and the mean.
  double first_latency_ms = 0;
  double last_latency_ms = 0;
  double mean_latency_ms = 0;
};

ConsumerReport AnalyzeConsumerOutput(std::string_view name, std::string_view ndjson,
                                     const std::vector<std::string>& sent);

}  // namespace runnel::cli
