// The CBOR protocol (application/x-amz-cbor-1.1, kinesis-wire.md §4) as a transcoding layer
// around the JSON one: a CBOR request body becomes the equivalent awsJson 1.1 text and takes
// the normal JSON path (parse, Validate, action); the JSON response body is turned back into
// CBOR. The data model is the same; only blobs and timestamps are encoded differently:
//
//   item                 CBOR                                JSON
//   blob (Data)          byte string, raw bytes              base64 string
//   timestamp            tag 1 + integer epoch MILLISECONDS  number of seconds, ms fraction
//
// Requests are self-describing (byte strings and tag 1 say what they are). Responses are
// not: which JSON members are blobs and timestamps comes from the member table in
// cbor_transcode.cc (the one place that lists them).
#pragma once

#include <string>
#include <string_view>

#include "api/service.h"

namespace runnel::api {

constexpr std::string_view kCborContentType = "application/x-amz-cbor-1.1";

// Containers and tags nested deeper than this are rejected (the Kinesis model nests 4 deep).
constexpr int kCborMaxDepth = 64;

// Member names whose JSON string is base64 of a blob / whose JSON number is a timestamp.
bool IsBlobMember(std::string_view name);
bool IsTimestampMember(std::string_view name);

// Transcodes one CBOR data item (the whole of `cbor`, nothing may follow it) to JSON text,
// appended to `json`. Accepts definite and indefinite lengths and every integer width.
// Byte strings -> base64 strings; tag 1 + integer (or float) ms -> seconds with ms
// fraction; other tags are ignored (their content is transcoded); undefined -> null.
// Returns false for malformed or truncated input, map keys that are not text, NaN/infinite
// floats, unknown simple values, nesting deeper than kCborMaxDepth, or trailing bytes;
// `error` (optional) says why. Text is not UTF-8-checked here (the JSON parser does it).
bool CborToJson(std::string_view cbor, std::string& json, std::string* error = nullptr);

// Transcodes JSON text (a response body produced by this api) to CBOR, appended to `cbor`:
// definite-length maps/arrays, shortest integer heads, other numbers as float64, members in
// the blob table -> byte strings, members in the timestamp table -> tag 1 + integer ms.
// Returns false if `json` does not parse.
bool JsonToCbor(std::string_view json, std::string& cbor);

// Wraps `inner` so that JSON responses (success and error) leave as CBOR with the CBOR
// content type. An empty success body becomes an empty map (0xa0). Streaming responses and
// non-JSON bodies (the XML AccessDenied) pass through unchanged.
Respond CborResponder(Respond inner);

}  // namespace runnel::api
