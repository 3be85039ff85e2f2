#include "api/action.h"

#include <fmt/format.h>

#include <cstring>

namespace runnel::api {

void SendError(const Respond& respond, const ApiError& e) {
  ApiResponse r;
  r.status = e.status;
  r.body = RenderJson(e);
  r.error_type = e.type;
  respond(std::move(r));
}

std::string_view ShardIdText(uint32_t index, ShardIdBuffer& buf) {
  constexpr std::string_view kPrefix = "shardId-";
  constexpr size_t kDigits = 12;  // uint32_t has at most 10
  std::memcpy(buf.data(), kPrefix.data(), kPrefix.size());
  char* digit = buf.data() + kPrefix.size() + kDigits;
  for (size_t i = 0; i < kDigits; ++i) {
    *--digit = static_cast<char>('0' + index % 10);
    index /= 10;
  }
  return {buf.data(), kPrefix.size() + kDigits};
}

void ActionContext::Ok(std::string json) {
  ApiResponse r;
  r.body = std::move(json);
  respond(std::move(r));
}

void ActionContext::OkEmpty() { respond(ApiResponse{}); }

void ActionContext::Fail(const ApiError& e) { SendError(respond, e); }

namespace {
std::optional<simdjson::dom::element> Member(simdjson::dom::object body, std::string_view name) {
  simdjson::dom::element v;
  if (body.at_key(name).get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
  return v;
}
}  // namespace

std::optional<std::string_view> ActionContext::String(std::string_view name) const {
  auto v = Member(body, name);
  std::string_view s;
  if (!v || v->get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

std::optional<int64_t> ActionContext::Integer(std::string_view name) const {
  auto v = Member(body, name);
  if (!v || !v->is_number()) return std::nullopt;
  return IntegerValue(*v);
}

std::optional<bool> ActionContext::Bool(std::string_view name) const {
  auto v = Member(body, name);
  bool b;
  if (!v || v->get(b) != simdjson::SUCCESS) return std::nullopt;
  return b;
}

std::optional<int64_t> ActionContext::TimestampMs(std::string_view name) const {
  auto v = Member(body, name);
  if (!v || !v->is_number()) return std::nullopt;
  return TimestampMsValue(*v);
}

std::optional<simdjson::dom::object> ActionContext::Object(std::string_view name) const {
  auto v = Member(body, name);
  simdjson::dom::object o;
  if (!v || v->get(o) != simdjson::SUCCESS) return std::nullopt;
  return o;
}

std::optional<simdjson::dom::array> ActionContext::Array(std::string_view name) const {
  auto v = Member(body, name);
  simdjson::dom::array a;
  if (!v || v->get(a) != simdjson::SUCCESS) return std::nullopt;
  return a;
}

void FindStrings(simdjson::dom::object body, std::span<const std::string_view> names,
                 std::span<std::optional<std::string_view>> out) {
  constexpr size_t kMaxNames = 16;
  for (auto& o : out) o.reset();
  if (names.size() > kMaxNames) {  // not worth a pass; same answers
    for (size_t i = 0; i < names.size(); ++i) {
      std::string_view s;
      if (body.at_key(names[i]).get(s) == simdjson::SUCCESS) out[i] = s;
    }
    return;
  }
  bool seen[kMaxNames] = {};
  size_t unseen = names.size();
  for (auto field : body) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (seen[i] || field.key != names[i]) continue;
      seen[i] = true;
      --unseen;
      std::string_view s;
      if (field.value.get(s) == simdjson::SUCCESS) out[i] = s;
    }
    if (unseen == 0) break;
  }
}

std::optional<std::string> ActionContext::StreamName() {
  return StreamName(String("StreamName"), String("StreamARN"));
}

std::optional<std::string> ActionContext::StreamName(std::optional<std::string_view> name,
                                                     std::optional<std::string_view> arn) {
  if (!name && !arn) {
    // Both members are optional in the model, so this is the service's check, not a
    // ValidationException (wording after ListShards' "Either NextToken or StreamName ...").
    Fail(InvalidArgument("Either StreamName or StreamARN should be provided."));
    return std::nullopt;
  }
  if (!arn) return std::string(*name);
  // arn:{partition}:kinesis:{region}:{account}:stream/{name}
  std::string_view a = *arn;
  std::string_view parts[6];
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = a.find(':', start);
    if (colon == std::string_view::npos) {
      Fail(InvalidArgument(fmt::format("Invalid StreamARN {}", a)));
      return std::nullopt;
    }
    parts[i] = a.substr(start, colon - start);
    start = colon + 1;
  }
  parts[5] = a.substr(start);
  std::string_view resource = parts[5];
  if (resource.substr(0, 7) != "stream/" || resource.size() == 7 ||
      resource.find('/', 7) != std::string_view::npos) {
    Fail(InvalidArgument(fmt::format("Invalid StreamARN {}", a)));
    return std::nullopt;
  }
  std::string_view arn_name = resource.substr(7);
  if (parts[3] != options.region || parts[4] != account) {
    // Another region or account: not visible to this caller.
    stream::StreamError e;
    e.code = stream::StreamErrc::kStreamNotFound;
    e.stream = std::string(arn_name);
    e.account = std::string(parts[4]);
    Fail(e);
    return std::nullopt;
  }
  if (name && *name != arn_name) {
    Fail(InvalidArgument(fmt::format(
        "StreamARN {} and StreamName {} do not refer to the same stream.", a, *name)));
    return std::nullopt;
  }
  return std::string(arn_name);
}

}  // namespace runnel::api
