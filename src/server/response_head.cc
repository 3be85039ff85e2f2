#include "server/response_head.h"

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "server/request_id.h"

namespace runnel::server {
namespace {

constexpr std::string_view kExposeHeaders =
    "Access-Control-Expose-Headers: "
    "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date\r\n";

void AppendStatusLine(int status, std::string& out) {
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

void AppendHeader(std::string_view name, std::string_view value, std::string& out) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void AppendCommonHeaders(ConnectionHeader connection, std::string& out) {
  const auto request_id = NewRequestId();
  AppendHeader("x-amzn-RequestId", std::string_view(request_id.data(), request_id.size()), out);
  AppendHeader("Date", HttpDateNow(), out);
  switch (connection) {
    case ConnectionHeader::kNone:
      break;
    case ConnectionHeader::kKeepAlive:
      out.append("Connection: keep-alive\r\n");
      break;
    case ConnectionHeader::kClose:
      out.append("Connection: close\r\n");
      break;
  }
}

void AppendContentLength(size_t length, std::string& out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), length);
  AppendHeader("Content-Length", std::string_view(digits, end - digits), out);
}

}  // namespace

void AppendResponseHead(const ResponseHead& head, std::string& out) {
  AppendStatusLine(head.status, out);
  AppendCommonHeaders(head.connection, out);
  const auto extended_id = NewExtendedRequestId();
  AppendHeader("x-amz-id-2", std::string_view(extended_id.data(), extended_id.size()), out);
  if (!head.content_type.empty()) AppendHeader("Content-Type", head.content_type, out);
  AppendContentLength(head.content_length, out);
  if (!head.error_type.empty()) AppendHeader("x-amzn-ErrorType", head.error_type, out);
  if (head.cors) {
    out.append("Access-Control-Allow-Origin: *\r\n");
    out.append(kExposeHeaders);
  }
  out.append("\r\n");
}

void AppendPreflightHead(std::string_view request_headers, std::string_view request_method,
                         ConnectionHeader connection, std::string& out) {
  AppendStatusLine(200, out);
  AppendCommonHeaders(connection, out);
  out.append("Access-Control-Allow-Origin: *\r\n");
  if (!request_headers.empty()) {
    AppendHeader("Access-Control-Allow-Headers", request_headers, out);
  }
  if (!request_method.empty()) {
    AppendHeader("Access-Control-Allow-Methods", request_method, out);
  }
  out.append("Access-Control-Max-Age: 172800\r\n");
  AppendContentLength(0, out);
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
