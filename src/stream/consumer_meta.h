// Registered stream consumers (enhanced fan-out, kinesis-api-actions.md §8): their metadata,
// kept in StreamMeta and persisted with it (docs/formats/metadata.md, member "consumers").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"

namespace simdjson::dom {
class element;
}

namespace runnel::stream {

// CREATING -> ACTIVE at transition_at_ms (like streams, resolved lazily);
// DELETING -> gone at transition_at_ms.
enum class ConsumerStatus { kCreating, kActive, kDeleting, kGone };

std::string_view ConsumerStatusName(ConsumerStatus s);

struct ConsumerMeta {
  std::string name;
  int64_t created_ms = 0;
  ConsumerStatus status = ConsumerStatus::kCreating;
  int64_t transition_at_ms = 0;
  std::map<std::string, std::string> tags;
  std::string resource_policy;  // PutResourcePolicy document, verbatim; empty: none

  ConsumerStatus StatusAt(int64_t now_ms) const;
  // "{stream_arn}/consumer/{name}:{creation epoch seconds}".
  std::string Arn(std::string_view stream_arn) const;
};

// AWS's limits per stream (the On-demand Advantage limit of 50 is not modelled).
inline constexpr size_t kMaxConsumersPerStream = 20;
inline constexpr size_t kMaxCreatingConsumers = 5;

// JSON members of stream.json: "consumers": [{name, created_ms, status, transition_at_ms,
// tags, resource_policy?}]. Gone consumers are not written. Decoding an absent member yields none.
void EncodeConsumers(JsonWriter& w, const std::vector<ConsumerMeta>& consumers);
// Throws simdjson_error on a malformed member (DecodeStreamMeta catches it).
std::vector<ConsumerMeta> DecodeConsumers(const simdjson::dom::element& doc);

}  // namespace runnel::stream
