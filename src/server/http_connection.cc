#include "server/http_connection.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <exception>
#include <tuple>
#include <utility>

#include "server/response_head.h"

namespace runnel::server {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

constexpr size_t kMaxHeaderBytes = 64 * 1024;
// Request body storage up to this capacity is kept for the next request on the connection.
constexpr size_t kMaxRecycledBodyBytes = 256 * 1024;
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr size_t kLingerChunk = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";

std::string_view ToStd(beast::string_view s) { return std::string_view(s.data(), s.size()); }

enum class ReadFailure { kDisconnect, kBodyTooLarge, kHeaderTooLarge, kMalformed };

ReadFailure ClassifyReadError(const beast::error_code& ec) {
  // Socket errors, timeouts and cancellation: the peer is gone or we closed the socket.
  if (ec.category() != http::make_error_code(http::error::end_of_stream).category()) {
    return ReadFailure::kDisconnect;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return ReadFailure::kDisconnect;
  }
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
    return ReadFailure::kBodyTooLarge;
  }
  if (ec == http::error::header_limit) return ReadFailure::kHeaderTooLarge;
  return ReadFailure::kMalformed;
}

std::string ErrorBody(std::string_view type, std::string_view message_key,
                      std::string_view message) {
  std::string body;
  body.reserve(40 + type.size() + message.size());
  body.append(R"({"__type":")").append(type).append(R"(",")");
  body.append(message_key).append(R"(":")").append(message).append(R"("})");
  return body;
}

ConnectionHeader ConnectionHeaderFor(bool close, bool http10) {
  if (close) return ConnectionHeader::kClose;
  return http10 ? ConnectionHeader::kKeepAlive : ConnectionHeader::kNone;
}

}  // namespace

HttpConnection::HttpConnection(Worker& worker, uint64_t id, beast::tcp_stream stream,
                               beast::flat_buffer buffer)
    : worker_(worker),
      id_(id),
      executor_(stream.get_executor()),
      stream_(std::move(stream)),
      buffer_(std::move(buffer)) {}

HttpConnection::~HttpConnection() {
  if (registered_) {
    // Destroyed without Finish() (a Handler dropped Respond uncalled, possibly on another
    // thread): hand the bookkeeping back to the worker's thread.
    net::post(worker_.context(), [worker = &worker_, id = id_] { worker->Unregister(id); });
  }
}

void HttpConnection::Start() {
  worker_.Replace(id_, weak_from_this());
  ReadRequest();
}

void HttpConnection::BeginShutdown() {
  // Idle between requests: close now. A request partly received, in the handler or being
  // written is allowed to finish; its response then carries Connection: close.
  if (state_ == State::kReading && buffer_.size() == 0 && !(parser_ && parser_->got_some())) {
    Finish();
  }
}

void HttpConnection::ForceClose() { Finish(); }

void HttpConnection::ReadRequest() {
  if (worker_.draining()) {
    Finish();
    return;
  }
  state_ = State::kReading;
  if (parser_) {
    std::string& body = parser_->get().body();
    if (body.capacity() <= kMaxRecycledBodyBytes) {
      spare_body_ = std::move(body);
      spare_body_.clear();
    }
    parser_.reset();
  }
  parser_.emplace(std::piecewise_construct, std::make_tuple(std::move(spare_body_)));
  parser_->body_limit(worker_.options().max_body_bytes);
  parser_->header_limit(kMaxHeaderBytes);
  stream_.expires_after(worker_.options().idle_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            self->OnHeader(ec);
                          });
}

void HttpConnection::OnHeader(beast::error_code ec) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  const auto& request = parser_->get();
  if (!parser_->is_done() && request.version() >= 11 &&
      beast::iequals(request[http::field::expect], "100-continue")) {
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) {
                         self->Finish();
                       } else {
                         self->ReadBody();
                       }
                     });
    return;
  }
  ReadBody();
}

void HttpConnection::ReadBody() {
  if (state_ == State::kClosed) return;
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  stream_.expires_after(worker_.options().idle_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) {
                     self->OnBody(ec);
                   });
}

void HttpConnection::OnBody(beast::error_code ec) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  Dispatch();
}

void HttpConnection::OnReadError(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  switch (ClassifyReadError(ec)) {
    case ReadFailure::kDisconnect:
      Finish();
      return;
    case ReadFailure::kBodyTooLarge: {
      const std::string limit = std::to_string(worker_.options().max_body_bytes);
      SendErrorAndClose(413, "ValidationException",
                        ErrorBody("ValidationException", "message",
                                  "Request body exceeds the maximum of " + limit + " bytes"));
      return;
    }
    case ReadFailure::kHeaderTooLarge:
      SendErrorAndClose(431, "ValidationException",
                        ErrorBody("ValidationException", "message",
                                  "Request headers exceed the maximum of " +
                                      std::to_string(kMaxHeaderBytes) + " bytes"));
      return;
    case ReadFailure::kMalformed:
      SendErrorAndClose(400, "SerializationException",
                        ErrorBody("SerializationException", "Message",
                                  "Malformed HTTP request: " + ec.message()));
      return;
  }
}

bool HttpConnection::RequestHasOrigin() const {
  if (!parser_ || !parser_->is_header_done()) return false;
  const auto& fields = parser_->get();
  return fields.find(http::field::origin) != fields.end();
}

void HttpConnection::Dispatch() {
  const auto& request = parser_->get();
  keep_alive_ = request.keep_alive();
  http10_ = request.version() < 11;
  stream_.expires_never();

  if (request.method() == http::verb::options && RequestHasOrigin()) {  // CORS preflight
    const bool close = !keep_alive_ || worker_.draining();
    header_.clear();
    AppendPreflightHead(ToStd(request[http::field::access_control_request_headers]),
                        ToStd(request[http::field::access_control_request_method]),
                        ConnectionHeaderFor(close, http10_), header_);
    response_body_.clear();
    Write(close);
    return;
  }

  request_.method = ToStd(request.method_string());
  request_.target = ToStd(request["X-Amz-Target"]);
  request_.content_type = ToStd(request[http::field::content_type]);
  request_.body = request.body();
  request_.header = [fields = &request](std::string_view lower_name) {
    return ToStd((*fields)[beast::string_view(lower_name.data(), lower_name.size())]);
  };

  state_ = State::kHandling;
  const uint64_t sequence = ++sequence_;
  try {
    worker_.handler()(request_, MakeRespond(sequence));
  } catch (const std::exception& e) {
    spdlog::error("http: handler threw: {}", e.what());
    api::ApiResponse response;
    response.status = 500;
    response.error_type = "InternalFailure";
    response.body = ErrorBody("InternalFailure", "message", "Internal server error");
    OnResponse(sequence, std::move(response));  // ignored if the handler had responded
  }
}

api::Respond HttpConnection::MakeRespond(uint64_t sequence) {
  return [self = shared_from_this(), sequence](api::ApiResponse response) {
    // Runs inline when already on the connection's thread, else queues to it.
    net::dispatch(self->executor_,
                  [self, sequence, response = std::move(response)]() mutable {
                    self->OnResponse(sequence, std::move(response));
                  });
  };
}

void HttpConnection::OnResponse(uint64_t sequence, api::ApiResponse response) {
  if (sequence != sequence_ || state_ != State::kHandling) return;  // stale or repeated
  const bool close = !keep_alive_ || worker_.draining();
  ResponseHead head;
  head.status = response.status;
  head.content_type = response.content_type;
  head.error_type = response.error_type;
  head.content_length = response.body.size();
  head.connection = ConnectionHeaderFor(close, http10_);
  head.cors = RequestHasOrigin();
  header_.clear();
  AppendResponseHead(head, header_);
  response_body_ = std::move(response.body);
  Write(close);
}

void HttpConnection::SendErrorAndClose(int status, std::string_view error_type,
                                       std::string body) {
  keep_alive_ = false;
  ResponseHead head;
  head.status = status;
  head.content_type = kJsonContentType;
  head.error_type = error_type;
  head.content_length = body.size();
  head.connection = ConnectionHeader::kClose;
  head.cors = RequestHasOrigin();
  header_.clear();
  AppendResponseHead(head, header_);
  response_body_ = std::move(body);
  Write(/*close=*/true);
}

void HttpConnection::Write(bool close) {
  close_after_write_ = close;
  state_ = State::kWriting;
  stream_.expires_after(worker_.options().idle_timeout);
  const std::array<net::const_buffer, 2> buffers = {
      net::buffer(header_.data(), header_.size()),
      net::buffer(response_body_.data(), response_body_.size())};
  net::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->OnWrite(ec);
  });
}

void HttpConnection::OnWrite(beast::error_code ec) {
  if (ec || state_ == State::kClosed) {
    Finish();
    return;
  }
  response_body_ = std::string();  // the handler's buffer; do not keep it
  if (close_after_write_) {  // the client was told; wait for it to close its side
    Linger();
    return;
  }
  ReadRequest();  // closes at once if the worker started draining during the write
}

// Half-close, then read and discard until the client closes or kLingerTimeout passes. Closing
// with unread input would make the kernel send a reset that can destroy our last response
// before the client reads it (e.g. after a 413 while the client is still sending the body).
void HttpConnection::Linger() {
  state_ = State::kLingering;
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  buffer_.clear();
  stream_.expires_after(kLingerTimeout);
  stream_.async_read_some(buffer_.prepare(kLingerChunk),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            self->OnLinger(ec);
                          });
}

void HttpConnection::OnLinger(beast::error_code ec) {
  if (ec || state_ == State::kClosed) {
    Finish();
    return;
  }
  stream_.async_read_some(buffer_.prepare(kLingerChunk),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            self->OnLinger(ec);
                          });
}

void HttpConnection::Finish() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  stream_.close();
  if (registered_) {
    registered_ = false;
    worker_.Unregister(id_);
  }
}

}  // namespace runnel::server
