// What an action handler sees, and the table row that registers it (api/registry.cc).
// One file per action under api/actions/: its request table (from api/shapes.h) and handler.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "api/api_error.h"
#include "api/service.h"
#include "api/validate.h"
#include "stream/stream_error.h"
#include "stream/stream_registry.h"

namespace runnel::api {

// Per-request context. The handler must call exactly one of Ok/OkEmpty/Fail, now or later
// (ownership of `respond` may be moved into an asynchronous continuation).
struct ActionContext {
  stream::StreamRegistry& registry;
  const ServiceOptions& options;
  std::string account;
  simdjson::dom::object body;  // validated against the action's table
  const ApiRequest& request;
  Respond respond;

  void Ok(std::string json);
  void OkEmpty();
  void Fail(const ApiError& e);
  void Fail(const stream::StreamError& e) { Fail(ToApiError(e)); }

  // Members of the validated body (absent or null -> nullopt).
  std::optional<std::string_view> String(std::string_view name) const;
  std::optional<int64_t> Integer(std::string_view name) const;
  std::optional<bool> Bool(std::string_view name) const;
  std::optional<int64_t> TimestampMs(std::string_view name) const;
  std::optional<simdjson::dom::object> Object(std::string_view name) const;
  std::optional<simdjson::dom::array> Array(std::string_view name) const;

  // The stream named by StreamName and/or StreamARN. On failure the error is already sent
  // and nullopt returned. ARNs must name this region and the caller's account.
  std::optional<std::string> StreamName();
  // The same, given the String() values of StreamName and StreamARN.
  std::optional<std::string> StreamName(std::optional<std::string_view> name,
                                        std::optional<std::string_view> arn);
};

// ActionContext::String() for several names in one pass over `body`: out[i] is the first
// member named names[i] if it is a string (absent, null or another type -> nullopt).
// REQUIRES: out.size() == names.size().
void FindStrings(simdjson::dom::object body, std::span<const std::string_view> names,
                 std::span<std::optional<std::string_view>> out);

using ActionHandler = void (*)(ActionContext& ctx);

struct ActionDef {
  std::string_view name;              // "PutRecord"
  std::span<const FieldSpec> fields;  // validation table
  ActionHandler handler;
};

// Looks up "PutRecord" (the part after "Kinesis_20131202."). nullptr if unknown.
const ActionDef* FindAction(std::string_view operation);
std::span<const ActionDef* const> AllActions();

// stream::ShardIdOf(index) ("shardId-" and 12 digits, zero-padded) written into `buf`
// without an allocation, for per-request responses. The view points into `buf`.
using ShardIdBuffer = std::array<char, 24>;
std::string_view ShardIdText(uint32_t index, ShardIdBuffer& buf);

// Renders a JSON response body for a StreamErrc-free error (used by the service).
void SendError(const Respond& respond, const ApiError& e);

}  // namespace runnel::api
