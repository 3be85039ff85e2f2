#include "server/http_connection.h"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <charconv>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>

#include "common/buffer_pool.h"
#include "server/posted_response_stream.h"
#include "server/response_head.h"

namespace runnel::server {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

constexpr size_t kMaxHeaderBytes = 64 * 1024;
// Request body storage up to this capacity is kept for the next request on the connection.
constexpr size_t kMaxRecycledBodyBytes = 256 * 1024;
// Larger storage (a PutRecords body of 500 x 1 KiB records is ~690 KB) is kept too, up to
// kMaxRecycledLargeBodyBytes each and kRecycledLargeBudget for the whole process: freed and
// reallocated per request, such storage cost 30-64 minor page faults per PutRecords (glibc
// gives the arena's top back and the pages fault in again); the budget bounds what idle
// keep-alive connections hold. Beyond it, bodies are freed after each request as before.
constexpr size_t kMaxRecycledLargeBodyBytes = 16 * 1024 * 1024;
constexpr size_t kRecycledLargeBudget = 16 * 1024 * 1024;
std::atomic<size_t> g_recycled_large_bytes{0};  // charged by the connections holding them

// Charges `bytes` to the budget; false (nothing charged) when it does not fit.
bool ChargeRecycledLarge(size_t bytes) {
  if (bytes > kMaxRecycledLargeBodyBytes) return false;
  const size_t before = g_recycled_large_bytes.fetch_add(bytes, std::memory_order_relaxed);
  if (before + bytes <= kRecycledLargeBudget) return true;
  g_recycled_large_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  return false;
}
void UnchargeRecycledLarge(size_t& charged) {
  if (charged != 0) g_recycled_large_bytes.fetch_sub(charged, std::memory_order_relaxed);
  charged = 0;
}
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr size_t kLingerChunk = 64 * 1024;
// While a response streams, what the client sends (a next, pipelined request) is read into
// buffer_ up to this much, so that its close is still seen at once. Past it, reading stops
// until the stream ends: the client is sending a large body before its answer, and its close
// is then noticed at the next write.
constexpr size_t kMaxStreamInput = 256 * 1024;
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

template <class Stream>
HttpConnection<Stream>::HttpConnection(Worker& worker, uint64_t id, Stream stream,
                                       beast::flat_buffer buffer)
    : worker_(worker),
      id_(id),
      executor_(stream.get_executor()),
      stream_(std::move(stream)),
      buffer_(std::move(buffer)),
      deadline_timer_(executor_) {}

template <class Stream>
HttpConnection<Stream>::~HttpConnection() {
  UnchargeRecycledLarge(recycled_large_bytes_);
  if (registered_) {
    // Destroyed without Finish() (a Handler dropped Respond uncalled, possibly on another
    // thread): hand the bookkeeping back to the worker's thread.
    net::post(worker_.context(), [worker = &worker_, id = id_] { worker->Unregister(id); });
  }
}

template <class Stream>
void HttpConnection<Stream>::Start() {
  worker_.Replace(id_, this->weak_from_this());
  TcpLayer(stream_).expires_never();  // SetDeadline replaces Beast's per-operation timers
  ReadRequest();
}

template <class Stream>
void HttpConnection<Stream>::BeginShutdown() {
  // Idle between requests: close now. A request partly received, in the handler or being
  // written is allowed to finish; its response then carries Connection: close.
  if (state_ == State::kReading && buffer_.size() == 0 && !(parser_ && parser_->got_some())) {
    Finish();
    return;
  }
  // A streaming response ends only when its producer finishes it: tell the producer.
  if (state_ == State::kStreaming) FireStreamClosed();
}

template <class Stream>
void HttpConnection<Stream>::ForceClose() { Finish(); }

template <class Stream>
void HttpConnection<Stream>::ReadRequest() {
  if (worker_.draining()) {
    Finish();
    return;
  }
  state_ = State::kReading;
  if (parser_) {
    RequestBody::value_type& body = parser_->get().body();
    UnchargeRecycledLarge(recycled_large_bytes_);  // the storage now in `body`, if any
    bool keep = body.capacity() <= kMaxRecycledBodyBytes;
    if (!keep && ChargeRecycledLarge(body.capacity())) {
      keep = true;
      recycled_large_bytes_ = body.capacity();
    }
    if (keep) {
      spare_body_ = std::move(body);
      spare_body_.clear();
    }
    parser_.reset();
  }
  fields_memory_.release();  // nothing points into it any more
  parser_.emplace(std::piecewise_construct, std::make_tuple(std::move(spare_body_)),
                  std::make_tuple(FieldsAllocator(&fields_memory_)));
  parser_->body_limit(worker_.options().max_body_bytes);
  parser_->header_limit(kMaxHeaderBytes);
  SetDeadline(worker_.options().idle_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](beast::error_code ec, size_t) {
                            self->OnHeader(ec);
                          });
}

template <class Stream>
void HttpConnection<Stream>::OnHeader(beast::error_code ec) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  const auto& request = parser_->get();
  if (!parser_->is_done() && request.version() >= 11 &&
      beast::iequals(request[http::field::expect], "100-continue")) {
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
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

template <class Stream>
void HttpConnection<Stream>::ReadBody() {
  if (state_ == State::kClosed) return;
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  SetDeadline(worker_.options().idle_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = this->shared_from_this()](beast::error_code ec, size_t) {
                     self->OnBody(ec);
                   });
}

template <class Stream>
void HttpConnection<Stream>::OnBody(beast::error_code ec) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  Dispatch();
}

template <class Stream>
void HttpConnection<Stream>::OnReadError(beast::error_code ec) {
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

template <class Stream>
bool HttpConnection<Stream>::RequestHasOrigin() const {
  if (!parser_ || !parser_->is_header_done()) return false;
  const auto& fields = parser_->get();
  return fields.find(http::field::origin) != fields.end();
}

template <class Stream>
void HttpConnection<Stream>::Dispatch() {
  const auto& request = parser_->get();
  keep_alive_ = request.keep_alive();
  http10_ = request.version() < 11;
  ClearDeadline();

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

  // One pass over the fields for what every request needs (each fields[] lookup is a scan).
  std::string_view target;
  std::string_view content_type;
  bool has_content_type = false;
  bool has_authorization = false;
  authorization_ = {};
  has_origin_ = false;
  for (const auto& field : request) {
    switch (field.name()) {
      case http::field::authorization:  // read on every request by the auth step
        if (!has_authorization) authorization_ = ToStd(field.value());
        has_authorization = true;
        break;
      case http::field::content_type:
        if (!has_content_type) content_type = ToStd(field.value());
        has_content_type = true;
        break;
      case http::field::origin:
        has_origin_ = true;
        break;
      case http::field::unknown:  // Beast has no enumerator for X-Amz-Target
        if (target.data() == nullptr && beast::iequals(field.name_string(), "X-Amz-Target")) {
          target = ToStd(field.value());
        }
        break;
      default:
        break;
    }
  }
  request_.method = ToStd(request.method_string());
  request_.target = target;
  request_.content_type = content_type;
  request_.body = request.body().view();
  request_.body_padding = request.body().padding();
  // Answers like fields[name] (the first field of that name, "" if absent); Authorization
  // from the pass above rather than another search of the fields.
  request_.header = [this, fields = &request](std::string_view lower_name) {
    if (lower_name == "authorization") return authorization_;
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

template <class Stream>
api::Respond HttpConnection<Stream>::MakeRespond(uint64_t sequence) {
  return [self = this->shared_from_this(), sequence](api::ApiResponse response) {
    // Runs inline when already on the connection's thread, else queues to it.
    net::dispatch(self->executor_,
                  [self, sequence, response = std::move(response)]() mutable {
                    self->OnResponse(sequence, std::move(response));
                  });
  };
}

template <class Stream>
void HttpConnection<Stream>::OnResponse(uint64_t sequence, api::ApiResponse&& response) {
  if (sequence != sequence_ || state_ != State::kHandling) return;  // stale or repeated
  if (response.stream_body) {
    StartStreaming(std::move(response));
    return;
  }
  const bool close = !keep_alive_ || worker_.draining();
  ResponseHead head;
  head.status = response.status;
  head.content_type = response.content_type;
  head.error_type = response.error_type;
  head.content_length = response.body.size();
  head.connection = ConnectionHeaderFor(close, http10_);
  head.cors = has_origin_;
  header_.clear();
  AppendResponseHead(head, header_);
  response_body_ = std::move(response.body);
  Write(close);
}

template <class Stream>
void HttpConnection<Stream>::SendErrorAndClose(int status, std::string_view error_type,
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

template <class Stream>
void HttpConnection<Stream>::Write(bool close) {
  close_after_write_ = close;
  state_ = State::kWriting;
  SetDeadline(worker_.options().idle_timeout);
  const std::array<net::const_buffer, 2> buffers = {
      net::buffer(header_.data(), header_.size()),
      net::buffer(response_body_.data(), response_body_.size())};
  net::async_write(stream_, buffers,
                   [self = this->shared_from_this()](beast::error_code ec, size_t) {
                     self->OnWrite(ec);
                   });
}

template <class Stream>
void HttpConnection<Stream>::OnWrite(beast::error_code ec) {
  if (ec || state_ == State::kClosed) {
    Finish();
    return;
  }
  buffer_pool::Give(std::move(response_body_));  // a large body is reused for a later answer
  if (close_after_write_) {  // the client was told; wait for it to close its side
    Linger();
    return;
  }
  ReadRequest();  // closes at once if the worker started draining during the write
}

// --- streaming responses ---

template <class Stream>
void HttpConnection<Stream>::StartStreaming(api::ApiResponse response) {
  chunked_ = !http10_;  // HTTP/1.0 has no chunked encoding: the body ends with the connection
  const bool close = !keep_alive_ || worker_.draining() || !chunked_;
  ResponseHead head;
  head.status = response.status;
  head.content_type = response.content_type;
  head.error_type = response.error_type;
  head.framing = chunked_ ? BodyFraming::kChunked : BodyFraming::kStreamed;
  head.connection = ConnectionHeaderFor(close, http10_);
  head.cors = has_origin_;
  header_.clear();
  AppendResponseHead(head, header_);
  close_after_write_ = close;
  state_ = State::kStreaming;
  stream_finishing_ = false;
  stream_close_fired_ = false;
  stream_closed_ = nullptr;
  ClearDeadline();
  chunks_.push_back(Chunk{std::move(header_), nullptr, /*raw=*/true, /*last=*/false});
  header_ = std::string();
  WriteNextChunk();
  // Notice a client that goes away while the body streams (idle subscriptions write rarely).
  WatchStreamClose();
  auto stream = std::make_shared<PostedResponseStream<HttpConnection, uint64_t>>(
      this->shared_from_this(), sequence_);
  try {
    response.stream_body(std::move(stream));
  } catch (const std::exception& e) {
    spdlog::error("http: stream_body threw: {}", e.what());
    StreamFinish(sequence_);
  }
}

template <class Stream>
void HttpConnection<Stream>::StreamWrite(uint64_t key, std::string bytes,
                                         std::function<void(bool)> written) {
  if (key != sequence_ || state_ != State::kStreaming || stream_finishing_) {
    if (written) written(false);
    return;
  }
  if (bytes.empty()) {  // an empty chunk would end the body
    if (written) written(true);
    return;
  }
  chunks_.push_back(Chunk{std::move(bytes), std::move(written), /*raw=*/false, /*last=*/false});
  WriteNextChunk();
}

template <class Stream>
void HttpConnection<Stream>::StreamFinish(uint64_t key) {
  if (key != sequence_ || state_ != State::kStreaming || stream_finishing_) return;
  stream_finishing_ = true;
  chunks_.push_back(
      Chunk{chunked_ ? std::string("0\r\n\r\n") : std::string(), nullptr, /*raw=*/true, /*last=*/true});
  WriteNextChunk();
}

template <class Stream>
void HttpConnection<Stream>::StreamOnClose(uint64_t key, std::function<void()> closed) {
  if (key != sequence_) return;  // that response ended normally long ago
  if (stream_close_fired_) {     // the client left (or shutdown began) before registration
    if (closed) closed();
    return;
  }
  if (state_ == State::kStreaming && !stream_finishing_) stream_closed_ = std::move(closed);
}

template <class Stream>
void HttpConnection<Stream>::FireStreamClosed() {
  if (stream_close_fired_ || stream_finishing_) return;
  stream_close_fired_ = true;
  if (auto closed = std::exchange(stream_closed_, nullptr)) closed();
}

template <class Stream>
void HttpConnection<Stream>::WatchStreamClose() {
  TcpLayer(stream_).socket().async_wait(
      net::socket_base::wait_read,
      [self = this->shared_from_this(), key = sequence_](beast::error_code ec) {
        if (self->state_ != State::kStreaming || self->sequence_ != key) return;
        beast::error_code available_ec;
        const size_t n = TcpLayer(self->stream_).socket().available(available_ec);
        if (ec || available_ec || n == 0) {
          self->Finish();  // readable with nothing to read: EOF (or a reset)
          return;
        }
        if (self->buffer_.size() >= kMaxStreamInput) return;  // see kMaxStreamInput
        if constexpr (std::is_same_v<Stream, TlsStream>) {
          // TLS records: application data of a next request, or a close_notify alert (TLS
          // 1.3 alerts look like data). Decrypt them to know.
          self->ReadStreamInput();
        } else {
          // A next request's bytes: read now (they are there, so this does not block) and
          // keep them for ReadRequest, then go on watching.
          beast::error_code read_ec;
          const size_t got = TcpLayer(self->stream_).socket().read_some(
              self->buffer_.prepare(std::min(n, kLingerChunk)), read_ec);
          if (read_ec) {
            self->Finish();
            return;
          }
          self->buffer_.commit(got);
          self->WatchStreamClose();
        }
      });
}

template <class Stream>
void HttpConnection<Stream>::ReadStreamInput() {
  if (watch_read_pending_ || state_ != State::kStreaming) return;
  watch_read_pending_ = true;
  stream_.async_read_some(buffer_.prepare(kLingerChunk),
                          [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                            self->OnStreamInputRead(ec, n);
                          });
}

template <class Stream>
void HttpConnection<Stream>::OnStreamInputRead(beast::error_code ec, size_t n) {
  watch_read_pending_ = false;
  switch (state_) {
    case State::kStreaming:
      if (ec) {
        Finish();  // close_notify, EOF or reset: the client has gone
        return;
      }
      // A next request's bytes, parsed once the stream ends. Watch the socket again rather
      // than read: a read left pending while the client waits for its answer would hold up
      // the next request once the stream ends.
      buffer_.commit(n);
      WatchStreamClose();
      return;
    case State::kReading:  // the stream ended while this read was pending: it was the next one
      if (ec) {
        Finish();
        return;
      }
      buffer_.commit(n);
      ReadRequest();
      return;
    case State::kLingering:
      OnLinger(ec);
      return;
    default:  // kClosed (the read was cancelled by Finish)
      return;
  }
}

template <class Stream>
void HttpConnection<Stream>::WriteNextChunk() {
  if (chunk_in_flight_ || chunks_.empty() || state_ != State::kStreaming) return;
  chunk_in_flight_.emplace(std::move(chunks_.front()));
  chunks_.pop_front();
  const std::string& bytes = chunk_in_flight_->bytes;
  const bool framed = chunked_ && !chunk_in_flight_->raw;
  chunk_size_line_.clear();
  if (framed) {
    char digits[20];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), bytes.size(), 16);
    chunk_size_line_.append(digits, end).append("\r\n");
  }
  static constexpr std::string_view kCrlf = "\r\n";
  const std::array<net::const_buffer, 3> buffers = {
      net::buffer(chunk_size_line_.data(), chunk_size_line_.size()),
      net::buffer(bytes.data(), bytes.size()),
      net::buffer(kCrlf.data(), framed ? kCrlf.size() : 0)};
  net::async_write(stream_, buffers,
                   [self = this->shared_from_this()](beast::error_code ec, size_t) {
                     self->OnChunkWritten(ec);
                   });
}

template <class Stream>
void HttpConnection<Stream>::OnChunkWritten(beast::error_code ec) {
  if (ec || state_ != State::kStreaming) {
    Finish();  // fails the chunk in flight and the queue, fires OnClose
    return;
  }
  Chunk done = std::move(*chunk_in_flight_);
  chunk_in_flight_.reset();
  if (done.written) done.written(true);
  if (!done.last) {
    WriteNextChunk();
    return;
  }
  stream_closed_ = nullptr;
  if (close_after_write_ || worker_.draining()) {
    Linger();
    return;
  }
  if (watch_read_pending_) {
    // Only one read at a time: the pending one continues as the next request's read.
    state_ = State::kReading;
    SetDeadline(worker_.options().idle_timeout);
    return;
  }
  ReadRequest();
}

// Half-close, then read and discard until the client closes or kLingerTimeout passes. Closing
// with unread input would make the kernel send a reset that can destroy our last response
// before the client reads it (e.g. after a 413 while the client is still sending the body).
template <class Stream>
void HttpConnection<Stream>::Linger() {
  state_ = State::kLingering;
  beast::error_code ignored;
  TcpLayer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  ClearDeadline();
  TcpLayer(stream_).expires_after(kLingerTimeout);  // rare: Beast's own timer is fine here
  if (watch_read_pending_) return;  // it reads into buffer_; OnStreamInputRead lingers on
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(kLingerChunk),
                          [self = this->shared_from_this()](beast::error_code ec, size_t) {
                            self->OnLinger(ec);
                          });
}

template <class Stream>
void HttpConnection<Stream>::OnLinger(beast::error_code ec) {
  if (ec || state_ == State::kClosed) {
    Finish();
    return;
  }
  stream_.async_read_some(buffer_.prepare(kLingerChunk),
                          [self = this->shared_from_this()](beast::error_code ec, size_t) {
                            self->OnLinger(ec);
                          });
}

template <class Stream>
void HttpConnection<Stream>::Finish() {
  if (state_ == State::kClosed) return;
  const bool was_streaming = state_ == State::kStreaming;
  state_ = State::kClosed;
  TcpLayer(stream_).close();
  deadline_timer_.cancel();
  if (was_streaming) {
    FireStreamClosed();
    if (chunk_in_flight_ && chunk_in_flight_->written) chunk_in_flight_->written(false);
    chunk_in_flight_.reset();
    for (auto& chunk : chunks_) {
      if (chunk.written) chunk.written(false);
    }
    chunks_.clear();
  }
  if (registered_) {
    registered_ = false;
    worker_.Unregister(id_);
  }
}

// --- idle deadline ---

template <class Stream>
void HttpConnection<Stream>::SetDeadline(std::chrono::steady_clock::duration timeout) {
  deadline_ = std::chrono::steady_clock::now() + timeout;
  if (deadline_timer_armed_) return;  // fires at an earlier deadline and re-arms for this one
  deadline_timer_armed_ = true;
  deadline_timer_.expires_at(deadline_);
  deadline_timer_.async_wait(
      [self = this->shared_from_this()](beast::error_code ec) { self->OnDeadlineTimer(ec); });
}

template <class Stream>
void HttpConnection<Stream>::OnDeadlineTimer(beast::error_code ec) {
  deadline_timer_armed_ = false;
  if (ec || state_ == State::kClosed) return;
  if (deadline_ == std::chrono::steady_clock::time_point::max()) return;  // re-armed when set
  if (std::chrono::steady_clock::now() >= deadline_) {
    // The read or write in progress took too long: close; it completes with an error.
    Finish();
    return;
  }
  deadline_timer_armed_ = true;
  deadline_timer_.expires_at(deadline_);
  deadline_timer_.async_wait(
      [self = this->shared_from_this()](beast::error_code ec) { self->OnDeadlineTimer(ec); });
}

template class HttpConnection<PlainStream>;
template class HttpConnection<TlsStream>;

}  // namespace runnel::server
