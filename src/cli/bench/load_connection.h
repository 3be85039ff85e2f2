// BenchConnection: one request slot of the load generator (one request in flight at a time),
// driven by Boost.Asio callbacks. LoadConnection is one keep-alive HTTP/1.1 connection;
// H2StreamSlot (h2_load_connection.h) is one of several slots multiplexed on an h2c session.
// Scenarios build them through LoadConnectionFactory (load_connection_factory.h).
//
// LoadConnection (HTTP/1.1): One request is in flight at a time; it is written with one gather
// write (head + body, no copy) and the response is parsed only as far as needed: the status
// code, Content-Length or chunked framing, and the body bytes.
//
// Threading: an exchange chain is sequential (each Exchange is started from the previous
// one's callback or before the io_context runs), so no strand is needed even when the
// io_context runs on several threads. A transport error closes the socket; the next
// Exchange reconnects.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace runnel::cli::bench {

struct LoadResponse {
  bool transport_ok = false;  // false: connect/write/read failed, no response
  int status = 0;
  std::string_view body;      // valid only during the callback
  std::string error;          // transport failure text
};

class BenchConnection {
 public:
  using Done = std::function<void(const LoadResponse&)>;
  virtual ~BenchConnection() = default;

  // Sends `head` (the HTTP/1.1 request line and headers, ending in an empty line, as
  // RequestBuilder renders it) and `body`, then reads one response. REQUIRES: head and body
  // stay valid until `done` runs; no other exchange is in flight on this slot.
  virtual void Exchange(std::string_view head, std::string_view body, Done done) = 0;
  // Closes the underlying socket (for h2c: the whole session). The next Exchange reconnects.
  virtual void Close() = 0;
};

class LoadConnection final : public BenchConnection,
                             public std::enable_shared_from_this<LoadConnection> {
 public:
  LoadConnection(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint);

  void Exchange(std::string_view head, std::string_view body, Done done) override;
  void Close() override;

 private:
  void Write();
  void ReadMore();
  // Returns true once a full response is in rbuf_ (then fills status/body).
  bool TryParse();
  void Fail(const std::string& what);
  void Finish();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::endpoint endpoint_;
  bool connected_ = false;
  std::string_view head_, body_;
  Done done_;

  // Grows rbuf_ to at least `n` bytes, keeping its first rlen_. The new bytes are not
  // zeroed: a GetRecords answer is ~15 MB, and zero-filling it per connection cost more
  // instructions than scanning it.
  void Reserve(size_t n);

  std::unique_ptr<char[]> rbuf_;  // raw bytes read; rlen_ of its rcap_ valid
  size_t rcap_ = 0;
  size_t rlen_ = 0;
  size_t header_len_ = 0;  // 0 until the header block is complete
  int status_ = 0;
  int64_t content_length_ = -1;
  bool chunked_ = false;
  bool close_after_ = false;
  std::string chunked_body_;  // decoded body of a chunked response
  size_t response_len_ = 0;   // bytes of rbuf_ the complete response occupies
};

}  // namespace runnel::cli::bench
