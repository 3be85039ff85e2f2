#include "stream/stream_meta.h"

#include <algorithm>

#include <fmt/format.h>
#include <simdjson.h>

#include "common/json_writer.h"

namespace runnel::stream {

std::string_view StatusName(StreamStatus s) {
  switch (s) {
    case StreamStatus::kCreating: return "CREATING";
    case StreamStatus::kActive: return "ACTIVE";
    case StreamStatus::kUpdating: return "UPDATING";
    case StreamStatus::kDeleting: return "DELETING";
  }
  return "ACTIVE";
}

std::string_view ModeName(StreamMode m) {
  switch (m) {
    case StreamMode::kProvisioned: return "PROVISIONED";
    case StreamMode::kOnDemand: return "ON_DEMAND";
  }
  return "PROVISIONED";
}

std::string ShardIdOf(uint32_t index) { return fmt::format("shardId-{:012d}", index); }

std::optional<uint32_t> ShardIndexOf(std::string_view id) {
  size_t dash = id.rfind('-');
  std::string_view digits = dash == std::string_view::npos ? id : id.substr(dash + 1);
  if (digits.empty()) return std::nullopt;
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (digits.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xffffffffull) return std::nullopt;
  return static_cast<uint32_t>(v);
}

int64_t StreamMeta::HorizonMs(int64_t now_ms) const {
  return std::max(now_ms - int64_t{retention_hours} * 3600 * 1000, expired_before_ms);
}

void StreamMeta::SetRetentionHours(uint32_t hours, int64_t now_ms) {
  expired_before_ms = HorizonMs(now_ms);
  retention_hours = hours;
}

StreamStatus StreamMeta::StatusAt(int64_t now_ms) const {
  if ((status == StreamStatus::kCreating || status == StreamStatus::kUpdating) &&
      now_ms >= transition_at_ms) {
    return StreamStatus::kActive;
  }
  return status;
}

bool TakeDailySlot(std::vector<int64_t>& times, int64_t now_ms, size_t limit) {
  constexpr int64_t kDayMs = 24LL * 3600 * 1000;
  std::erase_if(times, [&](int64_t t) { return t <= now_ms - kDayMs; });
  if (times.size() >= limit) return false;
  times.push_back(now_ms);
  return true;
}

std::string StreamArn(std::string_view region, std::string_view account, std::string_view name) {
  return fmt::format("arn:aws:kinesis:{}:{}:stream/{}", region, account, name);
}

std::string StreamMeta::Arn() const { return StreamArn(region, account, name); }

namespace {

StreamStatus ParseStatus(std::string_view s) {
  if (s == "CREATING") return StreamStatus::kCreating;
  if (s == "UPDATING") return StreamStatus::kUpdating;
  if (s == "DELETING") return StreamStatus::kDeleting;
  return StreamStatus::kActive;
}

}  // namespace

std::string EncodeStreamMeta(const StreamMeta& m) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("format", int64_t{1});
  w.Member("account", m.account).Member("region", m.region).Member("name", m.name);
  w.Member("dir_name", m.dir_name);
  w.Member("created_ms", m.created_ms);
  w.Member("status", StatusName(m.status));
  w.Member("transition_at_ms", m.transition_at_ms);
  w.Member("mode", ModeName(m.mode));
  w.Member("retention_hours", int64_t{m.retention_hours});
  w.Member("expired_before_ms", m.expired_before_ms);
  w.Member("encryption_type", m.encryption_type).Member("key_id", m.key_id);
  w.Key("shard_level_metrics").BeginArray();
  for (const auto& s : m.shard_level_metrics) w.String(s);
  w.EndArray();
  w.Key("tags").BeginObject();
  for (const auto& [k, v] : m.tags) w.Member(k, v);
  w.EndObject();
  w.Member("max_record_size_kib", int64_t{m.max_record_size_kib});
  if (m.warm_throughput_mibps) {
    w.Member("warm_throughput_mibps", int64_t{*m.warm_throughput_mibps});
    w.Member("previous_warm_throughput_mibps", int64_t{m.previous_warm_throughput_mibps});
  }
  if (!m.resource_policy.empty()) w.Member("resource_policy", m.resource_policy);
  w.Member("next_shard_index", int64_t{m.next_shard_index});
  if (m.pending_target_shards > 0) {
    w.Member("pending_target_shards", int64_t{m.pending_target_shards});
  }
  w.Key("scaling_ops_ms").BeginArray();
  for (int64_t t : m.scaling_ops_ms) w.Int(t);
  w.EndArray();
  auto times = [&](std::string_view key, const std::vector<int64_t>& v) {
    if (v.empty()) return;
    w.Key(key).BeginArray();
    for (int64_t t : v) w.Int(t);
    w.EndArray();
  };
  times("mode_switches_ms", m.mode_switches_ms);
  times("encryption_starts_ms", m.encryption_starts_ms);
  times("encryption_stops_ms", m.encryption_stops_ms);
  w.Key("shards").BeginArray();
  for (const auto& s : m.shards) {
    w.BeginObject();
    w.Member("index", int64_t{s.index});
    w.Member("start", ToDecimal(s.range.start)).Member("end", ToDecimal(s.range.end));
    if (s.parent) w.Member("parent", int64_t{*s.parent});
    if (s.adjacent_parent) w.Member("adjacent_parent", int64_t{*s.adjacent_parent});
    w.Member("created_ms", s.created_ms);
    if (s.closed_ms) w.Member("closed_ms", *s.closed_ms);
    w.EndObject();
  }
  w.EndArray();
  EncodeConsumers(w, m.consumers);
  w.EndObject();
  return out;
}

Result<StreamMeta, std::string> DecodeStreamMeta(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc)) {
    return MakeUnexpected(std::string("stream.json: ") + simdjson::error_message(err));
  }
  StreamMeta m;
  try {
    auto str = [&](const char* k) { return std::string(std::string_view(doc[k])); };
    auto num = [&](const char* k) { return int64_t(doc[k]); };
    m.account = str("account");
    m.region = str("region");
    m.name = str("name");
    m.dir_name = str("dir_name");
    m.created_ms = num("created_ms");
    m.status = ParseStatus(std::string_view(doc["status"]));
    m.transition_at_ms = num("transition_at_ms");
    m.mode = std::string_view(doc["mode"]) == "ON_DEMAND" ? StreamMode::kOnDemand
                                                          : StreamMode::kProvisioned;
    m.retention_hours = static_cast<uint32_t>(num("retention_hours"));
    if (int64_t v = 0; doc["expired_before_ms"].get(v) == simdjson::SUCCESS) {
      m.expired_before_ms = v;  // absent in files written before it existed
    }
    m.encryption_type = str("encryption_type");
    m.key_id = str("key_id");
    for (auto v : doc["shard_level_metrics"].get_array()) {
      m.shard_level_metrics.emplace_back(std::string_view(v));
    }
    for (auto [k, v] : doc["tags"].get_object()) {
      m.tags.emplace(std::string(k), std::string(std::string_view(v)));
    }
    m.max_record_size_kib = static_cast<uint32_t>(num("max_record_size_kib"));
    {  // optional members (absent in files written before they existed)
      int64_t v;
      if (doc["warm_throughput_mibps"].get(v) == simdjson::SUCCESS) {
        m.warm_throughput_mibps = static_cast<uint32_t>(v);
      }
      if (doc["previous_warm_throughput_mibps"].get(v) == simdjson::SUCCESS) {
        m.previous_warm_throughput_mibps = static_cast<uint32_t>(v);
      }
      std::string_view policy;
      if (doc["resource_policy"].get(policy) == simdjson::SUCCESS) {
        m.resource_policy = std::string(policy);
      }
    }
    m.next_shard_index = static_cast<uint32_t>(num("next_shard_index"));
    if (int64_t target; doc["pending_target_shards"].get(target) == simdjson::SUCCESS) {
      m.pending_target_shards = static_cast<uint32_t>(target);  // optional: absent when none
    }
    simdjson::dom::array ops;  // absent in files written before resharding existed
    if (doc["scaling_ops_ms"].get(ops) == simdjson::SUCCESS) {
      for (auto v : ops) m.scaling_ops_ms.push_back(int64_t(v));
    }
    for (auto [key, out] : {std::pair{"mode_switches_ms", &m.mode_switches_ms},
                            std::pair{"encryption_starts_ms", &m.encryption_starts_ms},
                            std::pair{"encryption_stops_ms", &m.encryption_stops_ms}}) {
      simdjson::dom::array times;  // optional: absent when empty or in older files
      if (doc[key].get(times) == simdjson::SUCCESS) {
        for (auto v : times) out->push_back(int64_t(v));
      }
    }
    for (auto s : doc["shards"].get_array()) {
      ShardMeta sm;
      sm.index = static_cast<uint32_t>(int64_t(s["index"]));
      auto start = ParseHashKey(std::string_view(s["start"]));
      auto end = ParseHashKey(std::string_view(s["end"]));
      if (!start || !end) return MakeUnexpected(std::string("stream.json: bad hash range"));
      sm.range = {*start, *end};
      int64_t v;
      if (s["parent"].get(v) == simdjson::SUCCESS) sm.parent = static_cast<uint32_t>(v);
      if (s["adjacent_parent"].get(v) == simdjson::SUCCESS) {
        sm.adjacent_parent = static_cast<uint32_t>(v);
      }
      sm.created_ms = int64_t(s["created_ms"]);
      if (s["closed_ms"].get(v) == simdjson::SUCCESS) sm.closed_ms = v;
      m.shards.push_back(sm);
    }
    m.consumers = DecodeConsumers(doc);
  } catch (const simdjson::simdjson_error& e) {
    return MakeUnexpected(std::string("stream.json: ") + e.what());
  }
  return m;
}

}  // namespace runnel::stream
