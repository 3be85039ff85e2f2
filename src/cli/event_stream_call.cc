#include "cli/event_stream_call.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

namespace runnel::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr size_t kChunkBytes = 64 << 10;
constexpr uint64_t kMaxErrorBody = 1 << 20;
}  // namespace

EventStreamCall::EventStreamCall(asio::io_context& ioc, tcp::endpoint endpoint,
                                 std::chrono::milliseconds idle_timeout)
    : stream_(asio::make_strand(ioc)), endpoint_(endpoint), idle_timeout_(idle_timeout) {}

EventStreamCall::EventStreamCall(asio::any_io_executor strand, tcp::endpoint endpoint,
                                 std::chrono::milliseconds idle_timeout)
    : stream_(std::move(strand)), endpoint_(endpoint), idle_timeout_(idle_timeout) {}

void EventStreamCall::Arm() {
  if (idle_timeout_.count() > 0) {
    stream_.expires_after(idle_timeout_);
  } else {
    stream_.expires_never();
  }
}

void EventStreamCall::Start(std::string request, Handlers handlers) {
  request_ = std::move(request);
  handlers_ = std::move(handlers);
  Arm();
  stream_.async_connect(endpoint_, [self = shared_from_this()](beast::error_code ec) {
    if (self->cancelled_) return;
    if (ec) return self->Fail("connect: " + ec.message());
    beast::error_code ignored;
    self->stream_.socket().set_option(tcp::no_delay(true), ignored);
    self->Arm();
    asio::async_write(self->stream_, asio::buffer(self->request_),
                      [self](beast::error_code ec2, size_t) {
                        if (self->cancelled_) return;
                        if (ec2) return self->Fail("write: " + ec2.message());
                        self->ReadHeader();
                      });
  });
}

void EventStreamCall::ReadHeader() {
  parser_.emplace();
  parser_->body_limit(boost::none);  // an event stream has no length limit
  Arm();
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (self->cancelled_) return;
                            if (ec) return self->Fail("read: " + ec.message());
                            self->ReadBody();
                          });
}

void EventStreamCall::ReadBody() {
  if (parser_->is_done()) return OnBody(0);
  chunk_.resize(kChunkBytes);
  auto& body = parser_->get().body();
  body.data = chunk_.data();
  body.size = chunk_.size();
  Arm();
  http::async_read_some(stream_, buffer_, *parser_,
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (self->cancelled_) return;
                          if (ec == http::error::need_buffer) ec = {};
                          if (ec == http::error::end_of_stream && !self->parser_->is_done()) {
                            // The server closed mid-body.
                            return self->Fail("read: connection closed in the middle of the body");
                          }
                          if (ec) return self->Fail("read: " + ec.message());
                          self->OnBody(self->chunk_.size() - self->parser_->get().body().size);
                        });
}

void EventStreamCall::OnBody(size_t n) {
  const int status = static_cast<int>(parser_->get().result_int());
  if (status != 200) {
    error_body_.append(chunk_.data(), n);
    if (error_body_.size() > kMaxErrorBody) return Fail("error answer too large");
    if (!parser_->is_done()) return ReadBody();
    Cancel();
    if (handlers_.on_rejected) handlers_.on_rejected(status, error_body_);
    return;
  }
  if (n > 0) decoder_.Feed(std::string_view(chunk_.data(), n));
  for (;;) {
    auto s = decoder_.Next(&message_);
    if (s == EventStreamDecoder::Status::kNeedMore) break;
    if (s == EventStreamDecoder::Status::kError) return Fail(decoder_.error());
    if (handlers_.on_message) handlers_.on_message(message_);
    if (cancelled_) return;
  }
  if (!parser_->is_done()) return ReadBody();
  if (decoder_.buffered() > 0) return Fail("event stream: truncated frame at the end of the body");
  Cancel();
  if (handlers_.on_end) handlers_.on_end("");
}

void EventStreamCall::Fail(const std::string& what) {
  Cancel();
  if (handlers_.on_end) handlers_.on_end(what);
}

void EventStreamCall::CancelSoon() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->Cancel(); });
}

void EventStreamCall::Cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace runnel::cli
