#include "server/response_head.h"

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "server/request_id.h"

namespace runnel::server {
namespace {

constexpr std::string_view kExposeHeaders =
    "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date";

void AppendStatusLine(int status, std::string& out) {
  if (status == 200) {  // nearly every response
    out.append("HTTP/1.1 200 OK\r\n");
    return;
  }
  char digits[8];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), status);
  auto reason = boost::beast::http::obsolete_reason(
      static_cast<boost::beast::http::status>(status));
  out.append("HTTP/1.1 ");
  out.append(digits, end);
  out.push_back(' ');
  if (reason.empty() || reason.front() == '<') {  // Beast says "<unknown-status>"
    out.append("Unknown");
  } else {
    out.append(reason.data(), reason.size());
  }
  out.append("\r\n");
}

// One resize and plain copies instead of four appends (each with its own capacity check).
void AppendHeader(std::string_view name, std::string_view value, std::string& out) {
  const size_t at = out.size();
  out.resize(at + name.size() + value.size() + 4);
  char* p = out.data() + at;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
}

// The header emitters are templates over the sink so the HTTP/1.1 path stays allocation-free
// and inlinable; the public std::function versions serve HTTP/2.
template <class Add>
void EmitCommonHeaders(ConnectionHeader connection, Add&& add) {
  const auto request_id = NewRequestId();
  add("x-amzn-RequestId", std::string_view(request_id.data(), request_id.size()));
  add("Date", HttpDateNow());
  switch (connection) {
    case ConnectionHeader::kNone:
      break;
    case ConnectionHeader::kKeepAlive:
      add("Connection", "keep-alive");
      break;
    case ConnectionHeader::kClose:
      add("Connection", "close");
      break;
  }
}

template <class Add>
void EmitContentLength(size_t length, Add&& add) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), length);
  add("Content-Length", std::string_view(digits, end - digits));
}

template <class Add>
void EmitResponseHeaders(const ResponseHead& head, Add&& add) {
  EmitCommonHeaders(head.connection, add);
  const auto extended_id = NewExtendedRequestId();
  add("x-amz-id-2", std::string_view(extended_id.data(), extended_id.size()));
  if (!head.content_type.empty()) add("Content-Type", head.content_type);
  switch (head.framing) {
    case BodyFraming::kContentLength:
      EmitContentLength(head.content_length, add);
      break;
    case BodyFraming::kChunked:
      add("Transfer-Encoding", "chunked");
      break;
    case BodyFraming::kStreamed:
      break;
  }
  if (!head.error_type.empty()) add("x-amzn-ErrorType", head.error_type);
  if (head.cors) {
    add("Access-Control-Allow-Origin", "*");
    add("Access-Control-Expose-Headers", kExposeHeaders);
  }
}

template <class Add>
void EmitPreflightHeaders(std::string_view request_headers, std::string_view request_method,
                          ConnectionHeader connection, Add&& add) {
  EmitCommonHeaders(connection, add);
  add("Access-Control-Allow-Origin", "*");
  if (!request_headers.empty()) add("Access-Control-Allow-Headers", request_headers);
  if (!request_method.empty()) add("Access-Control-Allow-Methods", request_method);
  add("Access-Control-Max-Age", "172800");
  EmitContentLength(0, add);
}

}  // namespace

void ForEachResponseHeader(const ResponseHead& head, const HeaderSink& add) {
  EmitResponseHeaders(head, add);
}

void ForEachPreflightHeader(std::string_view request_headers, std::string_view request_method,
                            ConnectionHeader connection, const HeaderSink& add) {
  EmitPreflightHeaders(request_headers, request_method, connection, add);
}

void AppendResponseHead(const ResponseHead& head, std::string& out) {
  AppendStatusLine(head.status, out);
  EmitResponseHeaders(head, [&out](std::string_view name, std::string_view value) {
    AppendHeader(name, value, out);
  });
  out.append("\r\n");
}

void AppendPreflightHead(std::string_view request_headers, std::string_view request_method,
                         ConnectionHeader connection, std::string& out) {
  AppendStatusLine(200, out);
  EmitPreflightHeaders(request_headers, request_method, connection,
                       [&out](std::string_view name, std::string_view value) {
                         AppendHeader(name, value, out);
                       });
  out.append("\r\n");
}

std::string_view HttpDateNow() {
  static constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct Cache {
    std::time_t second = -1;
    char text[64] = {};
  };
  thread_local Cache cache;

  const std::time_t now =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (now != cache.second) {
    std::tm tm;
    gmtime_r(&now, &tm);
    // "Sun, 06 Nov 1994 08:49:37 GMT" is 29 characters.
    std::snprintf(cache.text, sizeof(cache.text), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                  kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    cache.second = now;
  }
  return std::string_view(cache.text, 29);
}

}  // namespace runnel::server
