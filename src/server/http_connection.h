// HttpConnection: one HTTP/1.1 connection, strictly one request at a time:
//   read header -> [100 Continue] -> read body -> Handler -> (Respond) -> write -> read next.
// Pipelined bytes simply wait in the flat_buffer, so responses go out in request order.
//
// Lifetime: owned by shared_ptrs held by its pending operation and by the Respond callback of
// the request in flight. All member functions run on the worker's thread; Respond may be
// called on any thread and posts back. The parsed request (and so every string_view in the
// ApiRequest) is kept until the response has been written.
//
// Errors: body over the limit -> 413, header block over 64 KiB -> 431, malformed HTTP -> 400;
// each is sent with "Connection: close", then the socket is shut down for writing and what the
// client still sends is drained (bounded) before closing, so the client reads the answer
// instead of a reset.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/service.h"
#include "server/worker.h"

namespace runnel::server {

class HttpConnection : public Connection, public std::enable_shared_from_this<HttpConnection> {
 public:
  // `buffer` holds bytes already read from `stream` (by the protocol detector). `id` is the
  // worker registration this session takes over.
  HttpConnection(Worker& worker, uint64_t id, boost::beast::tcp_stream stream,
                 boost::beast::flat_buffer buffer);
  ~HttpConnection() override;

  void Start();
  void BeginShutdown() override;
  void ForceClose() override;

 private:
  enum class State {
    kReading,    // waiting for (the rest of) a request; idle between keep-alive requests
    kHandling,   // the Handler has the request; waiting for Respond
    kWriting,    // writing a response
    kLingering,  // response sent with Connection: close; draining input before closing
    kClosed,
  };
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void ReadRequest();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void OnReadError(boost::beast::error_code ec);
  void Dispatch();
  api::Respond MakeRespond(uint64_t sequence);
  void OnResponse(uint64_t sequence, api::ApiResponse response);
  // Sends header_ + response_body_; closes afterwards if `close` or the worker is draining.
  void Write(bool close);
  void OnWrite(boost::beast::error_code ec);
  void SendErrorAndClose(int status, std::string_view error_type, std::string body);
  void Linger();
  void OnLinger(boost::beast::error_code ec);
  void Finish();
  bool RequestHasOrigin() const;

  Worker& worker_;
  const uint64_t id_;
  const boost::asio::any_io_executor executor_;  // copy: read by Respond on other threads
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;  // reused; keeps pipelined bytes between requests
  State state_ = State::kReading;
  bool registered_ = true;
  bool close_after_write_ = false;

  std::optional<Parser> parser_;  // the current request; alive until its response is written
  std::string spare_body_;        // the previous request's body storage, reused
  api::ApiRequest request_;
  uint64_t sequence_ = 0;  // numbers requests so stale or repeated Respond calls are ignored
  bool keep_alive_ = true;
  bool http10_ = false;

  std::string header_;         // response head, reused
  std::string response_body_;  // moved in from the ApiResponse
};

}  // namespace runnel::server
