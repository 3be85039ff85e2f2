// Serialises the status line and headers of an HTTP/1.1 response into a reusable string.
//
// Writing the head by hand (instead of beast::http::fields, which allocates one node per
// field) keeps the response path at zero allocations once the connection's buffer has grown.
// Every response carries x-amzn-RequestId, Date and Content-Length (kinesis-wire.md §5);
// CORS headers follow kinesis-wire.md §6.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace runnel::server {

enum class ConnectionHeader {
  kNone,       // HTTP/1.1 persistent connection: no header needed
  kKeepAlive,  // HTTP/1.0 client that asked for keep-alive
  kClose,      // the server closes after this response
};

enum class BodyFraming {
  kContentLength,  // Content-Length: content_length
  kChunked,        // HTTP/1.1 streaming body: Transfer-Encoding: chunked
  kStreamed,       // HTTP/2 streaming body: neither header (DATA frames until END_STREAM)
};

struct ResponseHead {
  int status = 200;
  std::string_view content_type;  // omitted when empty
  std::string_view error_type;    // x-amzn-ErrorType, omitted when empty
  size_t content_length = 0;
  BodyFraming framing = BodyFraming::kContentLength;
  ConnectionHeader connection = ConnectionHeader::kNone;  // HTTP/2: always kNone
  bool cors = false;  // the request carried Origin
};

// Receives the header fields of a response, in order, with their HTTP/1.1 spelling
// ("x-amzn-RequestId", "Content-Length"); HTTP/2 lower-cases the names. The views are valid
// only during the call.
using HeaderSink = std::function<void(std::string_view name, std::string_view value)>;

// The header fields (not the status line) of a normal response.
void ForEachResponseHeader(const ResponseHead& head, const HeaderSink& add);

// The header fields of a CORS preflight answer (OPTIONS with Origin): 200, empty body, the
// request's Access-Control-Request-Headers/-Method echoed, Max-Age 172800, no x-amz-id-2.
void ForEachPreflightHeader(std::string_view request_headers, std::string_view request_method,
                            ConnectionHeader connection, const HeaderSink& add);

// Appends the head of a normal response (ending with the blank line) to `out`.
void AppendResponseHead(const ResponseHead& head, std::string& out);

// Appends the head of a CORS preflight answer (see ForEachPreflightHeader) to `out`.
void AppendPreflightHead(std::string_view request_headers, std::string_view request_method,
                         ConnectionHeader connection, std::string& out);

// The current time as an RFC 1123 date ("Sun, 06 Nov 1994 08:49:37 GMT"), formatted at most
// once per second per thread. The view is valid until the next call on the same thread.
std::string_view HttpDateNow();

}  // namespace runnel::server
