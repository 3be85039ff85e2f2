#include "cli/demo_report.h"

#include <simdjson.h>

#include <cmath>

namespace runnel::cli {
namespace {

int64_t SecondsToMs(double s) { return static_cast<int64_t>(std::llround(s * 1000.0)); }

}  // namespace

ConsumerReport AnalyzeConsumerOutput(std::string_view name, std::string_view ndjson,
                                     const std::vector<std::string>& sent) {
  ConsumerReport report;
  report.name = std::string(name);
  simdjson::dom::parser parser;
  while (!ndjson.empty()) {
    size_t eol = ndjson.find('\n');
    std::string_view line = ndjson.substr(0, eol);
    ndjson.remove_prefix(eol == std::string_view::npos ? ndjson.size() : eol + 1);
    if (line.empty()) continue;
    simdjson::dom::element doc;
    std::string_view data;
    double arrival = 0, received = 0;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS ||
        doc["data"].get_string().get(data) != simdjson::SUCCESS ||
        doc["arrival_time"].get_double().get(arrival) != simdjson::SUCCESS) {
      ++report.bad_lines;
      continue;
    }
    if (doc["received_at"].get_double().get(received) != simdjson::SUCCESS) received = arrival;
    size_t i = static_cast<size_t>(report.received);
    if (report.problem.empty()) {
      if (i >= sent.size()) {
        report.problem = "unexpected extra record \"" + std::string(data) + "\"";
      } else if (data != sent[i]) {
        report.problem = "record " + std::to_string(i + 1) + " is \"" + std::string(data) +
                         "\", expected \"" + sent[i] + "\"";
      }
    }
    report.arrival_ms.push_back(SecondsToMs(arrival));
    report.received_ms.push_back(SecondsToMs(received));
    ++report.received;
  }
  if (report.problem.empty() && report.received < static_cast<int64_t>(sent.size())) {
    report.problem = "missing " + std::to_string(sent.size() - report.received) + " of " +
                     std::to_string(sent.size()) + " records";
  }
  report.complete = report.problem.empty() && report.bad_lines == 0;
  if (!report.arrival_ms.empty()) {
    double sum = 0;
    for (size_t i = 0; i < report.arrival_ms.size(); ++i) {
      sum += static_cast<double>(report.received_ms[i] - report.arrival_ms[i]);
    }
    report.mean_latency_ms = sum / static_cast<double>(report.arrival_ms.size());
    report.first_latency_ms = static_cast<double>(report.received_ms.front() - report.arrival_ms.front());
    report.last_latency_ms = static_cast<double>(report.received_ms.back() - report.arrival_ms.back());
  }
  return report;
}

}  // namespace runnel::cli
