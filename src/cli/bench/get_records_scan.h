// ScanGetRecords: what the get-records generator needs from a GetRecords response body (the
// number of records, NextShardIterator, MillisBehindLatest) without building a DOM: records
// are counted by their "SequenceNumber" keys in one pass (a memchr from each record's '{' to
// the next, the key checked right after the brace where Runnel and AWS write it), and
// the two trailing members are looked for in the body's tail first. It checks the outline
// (one object with a "Records" array), not every byte of the grammar.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace runnel::cli::bench {

struct GetRecordsScan {
  uint64_t records = 0;               // "SequenceNumber" keys (one per record)
  bool has_next_iterator = false;     // "NextShardIterator" present and a string
  std::string_view next_iterator;     // its raw JSON string contents (points into the body)
  bool has_millis_behind = false;
  int64_t millis_behind_latest = 0;
  std::string error;                  // non-empty: not a GetRecords response
};

// Scans `body`. On success error is empty; else it says what was wrong (not an object, no
// "Records" array, an unterminated string, ...).
GetRecordsScan ScanGetRecords(std::string_view body);

// The value of the raw JSON string contents `raw` (as in next_iterator) in `out`: the simple
// escapes and \u00XX..\u007F are decoded; any other \u escape is copied as it is.
void UnescapeJsonString(std::string_view raw, std::string* out);

}  // namespace runnel::cli::bench
