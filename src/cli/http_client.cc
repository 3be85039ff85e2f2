#include "cli/http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

namespace runnel::cli {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// GetRecords answers up to 10 MiB of data, base64 inflates it by 4/3, plus JSON framing.
constexpr uint64_t kMaxResponseBody = 64ull << 20;

}  // namespace

std::string Endpoint::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  if (!default_port) h += ":" + std::to_string(port);
  return h;
}

Result<Endpoint, std::string> ParseEndpoint(std::string_view url) {
  Endpoint ep;
  ep.url = std::string(url);
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return MakeUnexpected("endpoint must start with http:// or https://: " + std::string(url));
  }
  ep.scheme = std::string(url.substr(0, sep));
  if (ep.scheme != "http" && ep.scheme != "https") {
    return MakeUnexpected("unsupported endpoint scheme: " + ep.scheme);
  }
  std::string_view rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") {
      return MakeUnexpected("endpoint must not have a path: " + std::string(url));
    }
    rest = rest.substr(0, slash);
  }
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {  // [v6]:port
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return MakeUnexpected("bad endpoint: " + std::string(url));
    ep.host = std::string(rest.substr(1, close - 1));
    if (close + 1 < rest.size() && rest[close + 1] == ':') port_text = rest.substr(close + 2);
  } else {
    size_t colon = rest.rfind(':');
    ep.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (ep.host.empty()) return MakeUnexpected("endpoint has no host: " + std::string(url));
  ep.port = ep.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return MakeUnexpected("bad endpoint port: " + std::string(url));
    }
    ep.port = static_cast<uint16_t>(port);
  }
  return ep;
}

HttpClient::HttpClient(Endpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout), stream_(ioc_) {}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
  buffer_.clear();
  connected_ = false;
  requests_on_connection_ = 0;
}

Result<void, HttpError> HttpClient::Connect() {
  if (endpoint_.scheme != "http") {
    return MakeUnexpected(HttpError{"https endpoints are not supported yet: " + endpoint_.url});
  }
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  auto results = resolver.resolve(endpoint_.host, std::to_string(endpoint_.port), ec);
  if (ec) {
    return MakeUnexpected(HttpError{"cannot resolve " + endpoint_.host + ": " + ec.message()});
  }
  stream_.expires_after(timeout_);
  stream_.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  ioc_.restart();
  ioc_.run();
  if (ec) {
    stream_.close();
    return MakeUnexpected(HttpError{"cannot connect to " + endpoint_.url + ": " + ec.message(),
                                    ec == beast::error::timeout});
  }
  stream_.socket().set_option(tcp::no_delay(true), ec);
  connected_ = true;
  requests_on_connection_ = 0;
  return {};
}

template <class Stream>
Result<HttpResponse, HttpError> HttpClient::Exchange(
    Stream& stream, const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view body) {
  http::request<http::string_body> req{http::verb::post, "/", 11};
  req.set(http::field::host, endpoint_.HostHeader());
  for (const auto& [name, value] : headers) req.set(name, value);
  req.keep_alive(true);
  req.body() = std::string(body);
  req.prepare_payload();

  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(timeout_);
  http::async_write(stream, req, [&](beast::error_code e, size_t) { ec = e; });
  ioc_.restart();
  ioc_.run();
  if (ec) return MakeUnexpected(HttpError{ec.message(), ec == beast::error::timeout});

  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  beast::get_lowest_layer(stream).expires_after(timeout_);
  http::async_read(stream, buffer_, parser, [&](beast::error_code e, size_t) { ec = e; });
  ioc_.restart();
  ioc_.run();
  if (ec) return MakeUnexpected(HttpError{ec.message(), ec == beast::error::timeout});

  auto& res = parser.get();
  HttpResponse out{static_cast<int>(res.result_int()), std::move(res.body())};
  if (!res.keep_alive()) Close();
  return out;
}

Result<HttpResponse, HttpError> HttpClient::Post(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = connected_ && requests_on_connection_ > 0;
    if (!connected_) {
      if (auto r = Connect(); !r.ok()) return MakeUnexpected(r.error());
    }
    ++requests_on_connection_;
    auto res = Exchange(stream_, headers, body);
    if (res.ok()) return res;
    HttpError error = res.error();
    Close();
    // A kept-alive connection the server closed meanwhile: retry once on a new connection.
    if (!reused || error.timed_out) {
      return MakeUnexpected(HttpError{"request to " + endpoint_.url + " failed: " + error.message,
                                      error.timed_out});
    }
  }
  return MakeUnexpected(HttpError{"request to " + endpoint_.url + " failed"});
}

}  // namespace runnel::cli
