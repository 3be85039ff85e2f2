#include "stream/consumer_meta.h"

#include <fmt/format.h>
#include <simdjson.h>

namespace runnel::stream {

std::string_view ConsumerStatusName(ConsumerStatus s) {
  switch (s) {
    case ConsumerStatus::kCreating: return "CREATING";
    case ConsumerStatus::kActive: return "ACTIVE";
    case ConsumerStatus::kDeleting: return "DELETING";
    case ConsumerStatus::kGone: return "GONE";
  }
  return "ACTIVE";
}

ConsumerStatus ConsumerMeta::StatusAt(int64_t now_ms) const {
  if (now_ms < transition_at_ms) return status;
  if (status == ConsumerStatus::kCreating) return ConsumerStatus::kActive;
  if (status == ConsumerStatus::kDeleting) return ConsumerStatus::kGone;
  return status;
}

std::string ConsumerMeta::Arn(std::string_view stream_arn) const {
  return fmt::format("{}/consumer/{}:{}", stream_arn, name, created_ms / 1000);
}

void EncodeConsumers(JsonWriter& w, const std::vector<ConsumerMeta>& consumers) {
  w.Key("consumers").BeginArray();
  for (const auto& c : consumers) {
    if (c.status == ConsumerStatus::kGone) continue;
    w.BeginObject();
    w.Member("name", c.name).Member("created_ms", c.created_ms);
    w.Member("status", ConsumerStatusName(c.status));
    w.Member("transition_at_ms", c.transition_at_ms);
    w.Key("tags").BeginObject();
    for (const auto& [k, v] : c.tags) w.Member(k, v);
    w.EndObject();
    if (!c.resource_policy.empty()) w.Member("resource_policy", c.resource_policy);
    w.EndObject();
  }
  w.EndArray();
}

std::vector<ConsumerMeta> DecodeConsumers(const simdjson::dom::element& doc) {
  std::vector<ConsumerMeta> out;
  simdjson::dom::array arr;
  if (doc["consumers"].get(arr) != simdjson::SUCCESS) return out;  // written before issue 7
  for (simdjson::dom::element e : arr) {
    ConsumerMeta c;
    c.name = std::string(std::string_view(e["name"]));
    c.created_ms = int64_t(e["created_ms"]);
    std::string_view st = e["status"];
    c.status = st == "CREATING"   ? ConsumerStatus::kCreating
               : st == "DELETING" ? ConsumerStatus::kDeleting
                                  : ConsumerStatus::kActive;
    c.transition_at_ms = int64_t(e["transition_at_ms"]);
    simdjson::dom::object tags;
    if (e["tags"].get(tags) == simdjson::SUCCESS) {
      for (auto [k, v] : tags) c.tags.emplace(std::string(k), std::string(std::string_view(v)));
    }
    std::string_view policy;  // absent before consumer policies were stored
    if (e["resource_policy"].get(policy) == simdjson::SUCCESS) c.resource_policy = policy;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace runnel::stream
