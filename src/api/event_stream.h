// AWS event-stream framing (application/vnd.amazon.eventstream; kinesis-wire.md §8), used by
// SubscribeToShard. A message is
//   uint32 total_length | uint32 headers_length | uint32 prelude_crc |
//   headers | payload | uint32 message_crc
// big-endian, CRC32 = zlib's crc32 (IEEE 802.3). Kinesis uses only string headers (type 7).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace runnel::api {

using EventHeader = std::pair<std::string_view, std::string_view>;  // name, string value

// One message with string headers, in the given order.
std::string EncodeEventMessage(std::span<const EventHeader> headers, std::string_view payload);

// ":message-type" = "event", ":event-type" = `event_type`, ":content-type" = `content_type`.
std::string EventFrame(std::string_view event_type, std::string_view payload,
                       std::string_view content_type = "application/json");
// How event and exception payloads are encoded: JSON (":content-type" application/json), or
// CBOR (application/x-amz-cbor-1.1) for a client that sent its request in CBOR - the Java
// SDK v2 decodes event payloads with the protocol of the request (kinesis-wire.md §4, §8.2).
enum class PayloadEncoding { kJson, kCbor };

// An event whose payload is given as JSON text (as produced by this api), re-encoded as CBOR
// (api/cbor_transcode.h: Data -> byte string, timestamps -> tag 1 + ms) for kCbor.
std::string EventFrameFromJson(std::string_view event_type, std::string_view json,
                               PayloadEncoding encoding);
// The first frame of every SubscribeToShard response: initial-response with payload {} (CBOR:
// the empty map 0xa0).
std::string InitialResponseFrame(PayloadEncoding encoding = PayloadEncoding::kJson);
// ":message-type" = "exception", ":exception-type" = `type`; payload {"message": ...}.
std::string ExceptionFrame(std::string_view type, std::string_view message,
                           PayloadEncoding encoding = PayloadEncoding::kJson);

uint32_t EventStreamCrc32(std::string_view bytes);

}  // namespace runnel::api
