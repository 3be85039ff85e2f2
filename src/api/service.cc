// api::Service::Handle: the pre-dispatch checks of kinesis-wire.md §6, then the action.
#include "api/service.h"

#include <spdlog/spdlog.h>

#include "api/action.h"
#include "api/admin.h"

namespace runnel::api {
namespace {

constexpr std::string_view kTargetPrefix = "Kinesis_20131202.";
constexpr std::string_view kJsonType = "application/x-amz-json-1.1";

std::string_view MediaType(std::string_view content_type) {
  size_t semi = content_type.find(';');
  std::string_view m = content_type.substr(0, semi);
  while (!m.empty() && (m.back() == ' ' || m.back() == '\t')) m.remove_suffix(1);
  return m;
}

void SendXml(const Respond& respond, int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.content_type = "application/xml";
  r.body = std::move(body);
  r.error_type = status == 403 ? "AccessDeniedException" : "UnknownOperationException";
  respond(std::move(r));
}

void AccessDenied(const Respond& respond) {
  SendXml(respond, 403,
          "<AccessDeniedException>\n  <Message>Unable to determine service/operation name to "
          "be authorized</Message>\n</AccessDeniedException>\n");
}

// simdjson needs SIMDJSON_PADDING readable bytes after the input; bodies are copied into
// this per-thread buffer (one memcpy, no allocation once warm).
struct ParseScratch {
  simdjson::dom::parser parser;
  std::string padded;
};
thread_local ParseScratch t_parse;

}  // namespace

Service::Service(stream::StreamRegistry& registry, ServiceOptions options)
    : registry_(registry), options_(std::move(options)) {}

void Service::Handle(const ApiRequest& request, Respond respond) {
  // 1. Method.
  if (request.method != "POST") return AccessDenied(respond);

  // Runnel's own admin operations, when enabled (api/admin.h); otherwise unknown targets.
  if (HandleAdmin(registry_, options_, request, respond)) return;

  // 2. Target and content type.
  const ActionDef* action = nullptr;
  bool target_well_formed = request.target.substr(0, kTargetPrefix.size()) == kTargetPrefix;
  if (target_well_formed) action = FindAction(request.target.substr(kTargetPrefix.size()));
  if (MediaType(request.content_type) != kJsonType) {
    if (!action) return AccessDenied(respond);
    return SendXml(respond, 404, "<UnknownOperationException/>\n");
  }

  // 3-5. Body present, parseable, operation known.
  if (request.body.empty()) {
    return SendError(respond, action ? SerializationError("") : UnknownOperation());
  }
  ParseScratch& ps = t_parse;
  ps.padded.assign(request.body);
  ps.padded.resize(request.body.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::element doc;
  if (ps.parser.parse(ps.padded.data(), request.body.size(), false).get(doc) !=
      simdjson::SUCCESS) {
    return SendError(respond, action ? SerializationError("") : UnknownOperation());
  }
  if (!action) return SendError(respond, UnknownOperation());

  // 6. Authentication: --auth none (issue 4 adds SigV4 verification).

  // 7. Types and constraints.
  if (auto err = Validate(doc, action->fields)) return SendError(respond, *err);
  simdjson::dom::object body;
  if (doc.get(body) != simdjson::SUCCESS) {
    return SendError(respond, SerializationError(""));
  }

  // 8. The action. Expected failures are StreamErrors; anything thrown is a bug and becomes
  // InternalFailure rather than a crash.
  ActionContext ctx{registry_, options_, options_.account_id, body, request, std::move(respond)};
  try {
    action->handler(ctx);
  } catch (const std::exception& e) {
    spdlog::error("{} failed: {}", action->name, e.what());
    if (ctx.respond) ctx.Fail(InternalFailure());
  }
}

}  // namespace runnel::api
