// api::Service::Handle: the pre-dispatch checks of kinesis-wire.md §6, then the action.
#include "api/service.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "api/action.h"
#include "api/admin.h"
#include "api/auth/sigv4_verifier.h"
#include "api/cbor_transcode.h"

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

// simdjson needs SIMDJSON_PADDING readable bytes after the input. Bodies that come without
// them (ApiRequest::body_padding) and transcoded CBOR are copied into this per-thread buffer
// (one memcpy, no allocation once warm).
struct ParseScratch {
  simdjson::dom::parser parser;
  std::string padded;
  std::string cbor_json;  // a CBOR body transcoded to JSON (api/cbor_transcode.h)
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
  const std::string_view media_type = MediaType(request.content_type);
  const bool cbor = media_type == kCborContentType;
  if (media_type != kJsonType && !cbor) {
    if (!action) return AccessDenied(respond);
    return SendXml(respond, 404, "<UnknownOperationException/>\n");
  }
  // CBOR: answer in CBOR (errors too), and run the body through the JSON path below.
  if (cbor) respond = CborResponder(std::move(respond));

  // 3-5. Body present, parseable, operation known.
  if (request.body.empty()) {
    return SendError(respond, action ? SerializationError("") : UnknownOperation());
  }
  ParseScratch& ps = t_parse;
  std::string_view json_body = request.body;
  if (cbor) {
    ps.cbor_json.clear();
    if (!CborToJson(request.body, ps.cbor_json)) {
      return SendError(respond, action ? SerializationError("") : UnknownOperation());
    }
    json_body = ps.cbor_json;
  }
  const char* parse_data = json_body.data();
  if (cbor || request.body_padding < simdjson::SIMDJSON_PADDING) {
    ps.padded.assign(json_body);
    ps.padded.resize(json_body.size() + simdjson::SIMDJSON_PADDING);
    parse_data = ps.padded.data();
  }
  simdjson::dom::element doc;
  if (ps.parser.parse(parse_data, json_body.size(), /*realloc_if_needed=*/false).get(doc) !=
      simdjson::SUCCESS) {
    return SendError(respond, action ? SerializationError("") : UnknownOperation());
  }
  if (!action) return SendError(respond, UnknownOperation());

  // 6. Authentication. The verified key's account is the namespace of every operation.
  // Wall-clock time, not Clock (whose test offset must not skew signature checks).
  std::string account = options_.account_id;
  if (options_.auth == ServiceOptions::Auth::kSigV4) {
    const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    auto cred = auth::VerifySigV4(request, *options_.credentials, now_s);
    if (!cred) return SendError(respond, cred.error());
    account = (*cred)->account_id;
  } else if (auto implied = auth::AccountFromUnverifiedKeyId(request)) {
    account = std::move(*implied);
  }

  // 7. Types and constraints.
  if (auto err = Validate(doc, action->fields)) return SendError(respond, *err);
  simdjson::dom::object body;
  if (doc.get(body) != simdjson::SUCCESS) {
    return SendError(respond, SerializationError(""));
  }

  // 8. The action. Expected failures are StreamErrors; anything thrown is a bug and becomes
  // InternalFailure rather than a crash.
  ActionContext ctx{registry_, options_, std::move(account), body, request, std::move(respond)};
  try {
    action->handler(ctx);
  } catch (const std::exception& e) {
    spdlog::error("{} failed: {}", action->name, e.what());
    if (ctx.respond) ctx.Fail(InternalFailure());
  }
}

}  // namespace runnel::api
