// How `consume` prints records: a readable text line or one NDJSON object per record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cli/kinesis_client.h"

namespace runnel::cli {

enum class OutputFormat { kText, kJson };

bool IsValidUtf8(std::string_view s);

// "2026-11-26T10:40:51.123Z"
std::string FormatIsoTime(int64_t epoch_ms);

// Text: "<shard>  <sequence>  <partition key>  <arrival time>  <data>" (+ "[label] " first when
// a label is set). Data is shown as UTF-8 when valid, else as "base64:<...>".
std::string FormatRecordText(std::string_view label, std::string_view shard_id, const Record& r);

// NDJSON: {"shard","sequence_number","partition_key","arrival_time","data","data_encoding",
// "consumer","received_at"}; arrival_time/received_at are epoch seconds with ms fraction.
std::string FormatRecordJson(std::string_view label, std::string_view shard_id, const Record& r,
                             int64_t received_ms);

}  // namespace runnel::cli
