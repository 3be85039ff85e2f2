// A small synchronous HTTP/1.1 client with keep-alive, built on Boost.Beast. One connection,
// reused across requests and re-opened when the server has closed it. Every operation has a
// deadline, so a dead server cannot hang the CLI.
//
// Only http:// endpoints are implemented. The exchange is written against a generic Beast
// stream (Exchange<Stream>), so https:// needs only a TLS stream (beast::ssl_stream) and a
// handshake in Connect(); ParseEndpoint already accepts the scheme and the default port.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace runnel::cli {

struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6 literals
  uint16_t port = 0;
  std::string url;     // as given
  // The Host header value: host, plus ":port" unless it is the scheme's default.
  std::string HostHeader() const;
};

// Accepts "http://host[:port][/]" and "https://host[:port][/]".
Result<Endpoint, std::string> ParseEndpoint(std::string_view url);

struct HttpResponse {
  int status = 0;
  std::string body;
};

// A transport failure (connect refused, reset, timeout): no HTTP response was received.
struct HttpError {
  std::string message;
  bool timed_out = false;  // the deadline passed (not worth retrying: the server is stuck)
};

class HttpClient {
 public:
  HttpClient(Endpoint endpoint, std::chrono::milliseconds timeout);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  const Endpoint& endpoint() const { return endpoint_; }

  // POSTs `body` to "/" with `headers` (Host and Content-Length are added). Re-sends once on a
  // fresh connection when a kept-alive connection turns out to be closed.
  Result<HttpResponse, HttpError> Post(const std::vector<std::pair<std::string, std::string>>& headers,
                                       std::string_view body);

 private:
  Result<void, HttpError> Connect();
  void Close();
  template <class Stream>
  Result<HttpResponse, HttpError> Exchange(Stream& stream,
                                           const std::vector<std::pair<std::string, std::string>>& headers,
                                           std::string_view body);

  Endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  int requests_on_connection_ = 0;
};

}  // namespace runnel::cli
