#include "cli/record_source.h"

#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace runnel::cli {
namespace {

constexpr size_t kMaxPartitionKeyBytes = 256;

// A string element's text, or the compact JSON of anything else.
std::string RecordText(simdjson::dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(e);
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

Result<std::vector<std::string>, std::string> ParseRecords(std::string_view text) {
  std::vector<std::string> records;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc) == simdjson::SUCCESS) {
    simdjson::dom::array array;
    if (doc.get_array().get(array) == simdjson::SUCCESS) {
      for (auto e : array) records.push_back(RecordText(e));
      return records;
    }
  }
  // NDJSON: one value per non-blank line (also covers a file holding a single value).
  size_t line_no = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_no;
    if (IsBlank(line)) continue;
    simdjson::dom::element e;
    if (auto err = parser.parse(line.data(), line.size()).get(e); err) {
      return MakeUnexpected("line " + std::to_string(line_no) +
                            ": not JSON (expected a JSON array or one JSON value per line): " +
                            simdjson::error_message(err));
    }
    records.push_back(RecordText(e));
  }
  return records;
}

Result<std::vector<std::string>, std::string> LoadRecords(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeUnexpected("cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  auto records = ParseRecords(ss.str());
  if (!records.ok()) return MakeUnexpected(path.string() + ": " + records.error());
  return records;
}

PartitionKeySpec::PartitionKeySpec(std::string_view spec) {
  if (spec == "word") {
    mode_ = Mode::kWord;
  } else if (spec == "random") {
    mode_ = Mode::kRandom;
  } else {
    mode_ = Mode::kFixed;
    fixed_ = std::string(spec);
  }
}

std::string PartitionKeySpec::KeyFor(std::string_view record) {
  switch (mode_) {
    case Mode::kFixed:
      return fixed_;
    case Mode::kRandom: {
      char buf[17];
      std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(rng_()));
      return buf;
    }
    case Mode::kWord:
      break;
  }
  if (record.empty()) return "-";  // a partition key cannot be empty
  if (record.size() <= kMaxPartitionKeyBytes) return std::string(record);
  size_t cut = kMaxPartitionKeyBytes;
  while (cut > 0 && (static_cast<unsigned char>(record[cut]) & 0xC0) == 0x80) --cut;
  return std::string(record.substr(0, cut));
}

}  // namespace runnel::cli
