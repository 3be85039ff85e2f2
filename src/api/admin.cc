#include "api/admin.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "api/action.h"
#include "common/clock.h"
#include "common/json_writer.h"
#include "stream/stream_registry.h"

namespace runnel::api {
namespace {

void AdvanceClock(stream::StreamRegistry& registry, const ApiRequest& request,
                  const Respond& respond) {
  simdjson::dom::parser parser;
  simdjson::padded_string body(request.body);
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return SendError(respond, SerializationError(""));
  }
  int64_t ms = -1;
  if (doc["Milliseconds"].get(ms) != simdjson::SUCCESS || ms < 0) {
    return SendError(respond,
                     InvalidArgument("Milliseconds must be a non-negative integer."));
  }
  Clock::AdvanceForTesting(ms);
  spdlog::warn("test clock advanced by {} ms (offset now {} ms)", ms, Clock::OffsetMs());
  registry.EnforceRetention();
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Member("OffsetMs", Clock::OffsetMs()).EndObject();
  ApiResponse r;
  r.body = std::move(out);
  respond(std::move(r));
}

}  // namespace

bool HandleAdmin(stream::StreamRegistry& registry, const ServiceOptions& options,
                 const ApiRequest& request, const Respond& respond) {
  if (request.target.substr(0, kAdminTargetPrefix.size()) != kAdminTargetPrefix) return false;
  std::string_view op = request.target.substr(kAdminTargetPrefix.size());
  if (op == "AdvanceClock" && options.enable_test_clock) {
    AdvanceClock(registry, request, respond);
    return true;
  }
  return false;
}

}  // namespace runnel::api
