#include "api/event_stream.h"

#include <zlib.h>

#include "api/cbor_transcode.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void SetU32(std::string& out, size_t at, uint32_t v) {
  out[at] = static_cast<char>(v >> 24);
  out[at + 1] = static_cast<char>(v >> 16);
  out[at + 2] = static_cast<char>(v >> 8);
  out[at + 3] = static_cast<char>(v);
}

constexpr uint8_t kStringHeaderType = 7;

}  // namespace

uint32_t EventStreamCrc32(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()),
            static_cast<uInt>(bytes.size())));
}

std::string EncodeEventMessage(std::span<const EventHeader> headers, std::string_view payload) {
  size_t headers_len = 0;
  for (const auto& [name, value] : headers) headers_len += 1 + name.size() + 1 + 2 + value.size();
  const size_t total = 12 + headers_len + payload.size() + 4;
  std::string out;
  out.reserve(total);
  PutU32(out, static_cast<uint32_t>(total));
  PutU32(out, static_cast<uint32_t>(headers_len));
  PutU32(out, 0);  // prelude CRC, below
  SetU32(out, 8, EventStreamCrc32(std::string_view(out).substr(0, 8)));
  for (const auto& [name, value] : headers) {
    out.push_back(static_cast<char>(name.size()));
    out.append(name);
    out.push_back(static_cast<char>(kStringHeaderType));
    out.push_back(static_cast<char>(value.size() >> 8));
    out.push_back(static_cast<char>(value.size()));
    out.append(value);
  }
  out.append(payload);
  PutU32(out, EventStreamCrc32(out));
  return out;
}

std::string EventFrame(std::string_view event_type, std::string_view payload,
                       std::string_view content_type) {
  const EventHeader headers[] = {{":message-type", "event"},
                                 {":event-type", event_type},
                                 {":content-type", content_type}};
  return EncodeEventMessage(headers, payload);
}

namespace {

constexpr std::string_view kJsonPayload = "application/json";

std::string_view ContentTypeOf(PayloadEncoding encoding) {
  return encoding == PayloadEncoding::kCbor ? kCborContentType : kJsonPayload;
}

}  // namespace

std::string EventFrameFromJson(std::string_view event_type, std::string_view json,
                               PayloadEncoding encoding) {
  if (encoding == PayloadEncoding::kJson) return EventFrame(event_type, json, kJsonPayload);
  std::string cbor;
  cbor.reserve(json.size());
  JsonToCbor(json, cbor);  // our own JSON: always parses
  return EventFrame(event_type, cbor, kCborContentType);
}

std::string InitialResponseFrame(PayloadEncoding encoding) {
  return EventFrameFromJson("initial-response", "{}", encoding);
}

std::string ExceptionFrame(std::string_view type, std::string_view message,
                           PayloadEncoding encoding) {
  std::string payload;
  JsonWriter w(payload);
  w.BeginObject().Member("message", message).EndObject();
  if (encoding == PayloadEncoding::kCbor) {
    std::string cbor;
    JsonToCbor(payload, cbor);
    payload = std::move(cbor);
  }
  const EventHeader headers[] = {{":message-type", "exception"},
                                 {":exception-type", type},
                                 {":content-type", ContentTypeOf(encoding)}};
  return EncodeEventMessage(headers, payload);
}

}  // namespace runnel::api
