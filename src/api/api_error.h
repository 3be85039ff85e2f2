// ApiError: what goes on the wire for a failed request. The catalog of AWS error types,
// HTTP statuses and message templates lives in api_error.cc and nowhere else.
#pragma once

#include <string>
#include <string_view>

#include "stream/stream_error.h"

namespace runnel::api {

struct ApiError {
  std::string type;      // __type, e.g. "ResourceNotFoundException"
  int status = 400;
  std::string message;   // may be empty (then no message member is written)
  bool capital_message_key = false;  // SerializationException uses "Message"
};

// The one mapping from domain errors to the wire (exhaustive switch, no default).
ApiError ToApiError(const stream::StreamError& e);

// Framework errors.
ApiError SerializationError(std::string message);  // SerializationException, "Message" key
ApiError ValidationError(std::string message);     // ValidationException (already formatted)
ApiError UnknownOperation();
ApiError InvalidArgument(std::string message);
ApiError InternalFailure();
ApiError RequestTooLarge(size_t limit);            // 413 for bodies over the configured limit

// {"__type":"...","message":"..."} as JSON.
std::string RenderJson(const ApiError& e);

}  // namespace runnel::api
