// A blocking raw-TCP HTTP/1.1 client for server tests: sends exact bytes, parses responses
// with Beast, and never hangs (every receive times out after 5 s). With an SSL_CTX it runs
// over TLS (offering ALPN "http/1.1").
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace runnel::server::testing {

using Response = boost::beast::http::response<boost::beast::http::string_body>;

class TestClient {
 public:
  explicit TestClient(uint16_t port, SSL_CTX* tls = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    if (connected_ && tls != nullptr) {
      ssl_ = SSL_new(tls);
      static constexpr unsigned char kAlpn[] = "\x08http/1.1";
      SSL_set_alpn_protos(ssl_, kAlpn, sizeof(kAlpn) - 1);
      SSL_set_tlsext_host_name(ssl_, "localhost");
      SSL_set_fd(ssl_, fd_);
      connected_ = SSL_connect(ssl_) == 1;
    }
  }
  ~TestClient() { Close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ssl_ ? SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()))
                      : ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  void Close() {
    if (ssl_) SSL_free(ssl_);
    ssl_ = nullptr;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Whatever arrives next (at least one byte), raw; "" on EOF or timeout.
  std::string ReceiveRaw() {
    if (pending_.empty() && !Receive()) return "";
    return std::exchange(pending_, std::string());
  }

  // Reads one response (a 1xx interim response counts as one). nullopt on EOF, timeout or
  // a parse error.
  std::optional<Response> ReadResponse() {
    namespace http = boost::beast::http;
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(64u << 20);
    for (;;) {
      if (!pending_.empty()) {
        boost::beast::error_code ec;
        const size_t used =
            parser.put(boost::asio::buffer(pending_.data(), pending_.size()), ec);
        pending_.erase(0, used);
        if (ec && ec != http::error::need_more) return std::nullopt;
        if (parser.is_done()) return parser.release();
        if (!ec && used > 0 && !pending_.empty()) continue;
      }
      if (!Receive()) return std::nullopt;
    }
  }

  // True if the server closes the connection (without sending anything else) in time.
  bool ReadEof() {
    if (!pending_.empty()) return false;
    char byte;
    return ::recv(fd_, &byte, 1, 0) == 0;
  }

  // True if the server closes or resets the connection in time (a connection still in the
  // listen backlog when the listener closes is reset by the kernel).
  bool ReadClosed() {
    if (!pending_.empty()) return false;
    char byte;
    const ssize_t n = ::recv(fd_, &byte, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  bool Receive() {
    char chunk[16384];
    const ssize_t n = ssl_ ? SSL_read(ssl_, chunk, sizeof(chunk))
                           : ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    pending_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
  std::string pending_;
};

// "POST / HTTP/1.1" with the Kinesis headers and a Content-Length body.
inline std::string PostRequest(std::string_view target, std::string_view body,
                               std::string_view extra_headers = "") {
  std::string request = "POST / HTTP/1.1\r\nHost: localhost\r\n";
  request += "Content-Type: application/x-amz-json-1.1\r\n";
  request += "X-Amz-Target: ";
  request += target;
  request += "\r\n";
  request += extra_headers;
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  return request;
}

}  // namespace runnel::server::testing
