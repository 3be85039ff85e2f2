#include "server/http2_connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace runnel::server {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxWriteBytes = 256 * 1024;
constexpr auto kLingerTimeout = std::chrono::seconds(2);
// While the server shuts down, an idle client that never reads its GOAWAY must not hold
// the shutdown up for long.
constexpr auto kShutdownLingerTimeout = std::chrono::milliseconds(200);

}  // namespace

template <class Stream>
Http2Connection<Stream>::Http2Connection(Worker& worker, uint64_t id, Stream stream,
                                         beast::flat_buffer received)
    : worker_(worker),
      id_(id),
      stream_(std::move(stream)),
      received_(std::move(received)),
      input_(kReadChunk),
      idle_timer_(worker.context()) {}

template <class Stream>
Http2Connection<Stream>::~Http2Connection() {
  if (registered_) {
    net::post(worker_.context(), [worker = &worker_, id = id_] { worker->Unregister(id); });
  }
}

template <class Stream>
void Http2Connection<Stream>::Start() {
  worker_.Replace(id_, this->weak_from_this());
  TcpLayer(stream_).expires_never();  // the idle timer below replaces per-operation timeouts
  session_ = std::make_shared<Http2Session>(worker_, stream_.get_executor());
  std::weak_ptr<Http2Connection> weak = this->shared_from_this();
  if (!session_->Start([weak] {
        if (auto self = weak.lock()) self->Flush();
      })) {
    spdlog::error("http2: cannot create nghttp2 session");
    Finish();
    return;
  }
  last_input_ = std::chrono::steady_clock::now();
  const auto data = received_.data();
  if (data.size() > 0 &&
      !session_->Receive(static_cast<const uint8_t*>(data.data()), data.size())) {
    closing_ = true;
  }
  received_ = beast::flat_buffer();
  if (worker_.draining()) session_->Goaway();
  Flush();
  if (!closing_ && !closed_ && !reading_) Read();
  ArmIdleTimer();
}

template <class Stream>
void Http2Connection<Stream>::BeginShutdown() {
  if (closed_) return;
  session_->Goaway();
  Flush();  // closes at once when no stream is open
}

template <class Stream>
void Http2Connection<Stream>::Read() {
  reading_ = true;
  stream_.async_read_some(net::buffer(input_),
                          [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                            self->OnRead(ec, n);
                          });
}

template <class Stream>
void Http2Connection<Stream>::OnRead(beast::error_code ec, size_t bytes) {
  reading_ = false;
  if (closed_) return;
  if (ec) {  // the client closed or reset the connection, or we closed the socket
    Finish();
    return;
  }
  if (lingering_) {  // discard until the client closes or the linger timer fires
    Read();
    return;
  }
  last_input_ = std::chrono::steady_clock::now();
  if (!session_->Receive(input_.data(), bytes)) closing_ = true;
  Flush();
  if (!closing_ && !closed_ && !reading_) Read();
}

template <class Stream>
void Http2Connection<Stream>::Flush() {
  if (writing_ || closed_) return;
  output_.clear();
  if (!session_->TakeOutput(output_, kMaxWriteBytes)) {
    Finish();
    return;
  }
  if (output_.empty()) {
    if (closing_ || (!session_->WantRead() && !session_->WantWrite())) Linger();
    return;
  }
  writing_ = true;
  net::async_write(stream_, net::buffer(output_),
                   [self = this->shared_from_this()](beast::error_code ec, size_t) {
                     self->OnWrite(ec);
                   });
}

template <class Stream>
void Http2Connection<Stream>::OnWrite(beast::error_code ec) {
  writing_ = false;
  if (ec) {
    Finish();
    return;
  }
  Flush();
}

template <class Stream>
void Http2Connection<Stream>::ArmIdleTimer() {
  if (closed_ || lingering_) return;  // lingering has its own deadline on this timer
  const auto timeout = worker_.options().idle_timeout;
  idle_timer_.expires_at(last_input_ + timeout);
  idle_timer_.async_wait([self = this->shared_from_this(), timeout](beast::error_code ec) {
    if (ec || self->closed_ || self->lingering_) return;
    const bool idle = std::chrono::steady_clock::now() - self->last_input_ >= timeout;
    if (idle && !self->session_->HasStreams()) {
      self->session_->Goaway();
      self->closing_ = true;
      self->Flush();
      return;
    }
    if (idle) self->last_input_ = std::chrono::steady_clock::now();  // busy: check later
    self->ArmIdleTimer();
  });
}

// Everything is written (the GOAWAY last). Half-close, then read and discard until the
// client closes or kLingerTimeout passes: closing with unread input (a WINDOW_UPDATE, the
// rest of a request) would make the kernel send a reset that can destroy the GOAWAY and the
// last responses before the client reads them.
template <class Stream>
void Http2Connection<Stream>::Linger() {
  if (lingering_ || closed_) return;
  lingering_ = true;
  beast::error_code ignored;
  TcpLayer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  if (session_) session_->Terminate();  // nothing more can be sent: release open streams
  idle_timer_.expires_after(worker_.draining() ? kShutdownLingerTimeout : kLingerTimeout);
  idle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
    if (!ec) self->Finish();
  });
  if (!reading_) Read();
}

template <class Stream>
void Http2Connection<Stream>::Finish() {
  if (closed_) return;
  closed_ = true;
  idle_timer_.cancel();
  beast::error_code ignored;
  TcpLayer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  TcpLayer(stream_).close();
  if (session_) session_->Terminate();
  if (registered_) {
    registered_ = false;
    worker_.Unregister(id_);
  }
}

template class Http2Connection<PlainStream>;
template class Http2Connection<TlsStream>;

}  // namespace runnel::server
