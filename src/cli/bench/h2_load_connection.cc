#include "cli/bench/h2_load_connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

namespace runnel::cli::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr int32_t kWindow = 1 << 30;        // stream and connection receive windows
constexpr size_t kReadBuffer = 256 << 10;
constexpr size_t kWriteChunk = 1 << 20;     // frames gathered per socket write

}  // namespace

// ---------------------------------------------------------------- nghttp2 callbacks

struct H2Session::Callbacks {
  static H2StreamSlot* Slot(nghttp2_session* s, int32_t id) {
    return static_cast<H2StreamSlot*>(nghttp2_session_get_stream_user_data(s, id));
  }

  static int OnBeginHeaders(nghttp2_session* s, const nghttp2_frame* frame, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_RESPONSE) return 0;
    if (H2StreamSlot* slot = Slot(s, frame->hd.stream_id)) {
      slot->status_ = 0;
      slot->response_.clear();
    }
    return 0;
  }

  static int OnHeader(nghttp2_session* s, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_RESPONSE) return 0;
    if (std::string_view(reinterpret_cast<const char*>(name), namelen) != ":status") return 0;
    if (H2StreamSlot* slot = Slot(s, frame->hd.stream_id)) {
      int status = 0;
      for (size_t i = 0; i < valuelen && value[i] >= '0' && value[i] <= '9'; ++i)
        status = status * 10 + (value[i] - '0');
      slot->status_ = status;
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session* s, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t len, void*) {
    if (H2StreamSlot* slot = Slot(s, stream_id))
      slot->response_.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_GOAWAY) return 0;
    auto* self = static_cast<H2Session*>(user);
    self->goaway_ = fmt::format("GOAWAY {} (last stream {})",
                                nghttp2_http2_strerror(frame->goaway.error_code),
                                frame->goaway.last_stream_id);
    return 0;
  }

  static int OnStreamClose(nghttp2_session* s, int32_t stream_id, uint32_t error_code, void* user) {
    H2StreamSlot* slot = Slot(s, stream_id);
    if (slot == nullptr || slot->queued_) return 0;
    auto* self = static_cast<H2Session*>(user);
    slot->close_code_ = error_code;
    if (error_code != 0 && !self->goaway_.empty()) slot->error_ = self->goaway_;  // refused
    slot->queued_ = true;
    self->closed_.push_back(slot);
    return 0;
  }

  // Request body: copied from the caller's buffer into nghttp2's DATA frame.
  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source* source, void*) {
    auto* slot = static_cast<H2StreamSlot*>(source->ptr);
    size_t n = std::min(length, slot->body_.size() - slot->body_sent_);
    std::memcpy(buf, slot->body_.data() + slot->body_sent_, n);
    slot->body_sent_ += n;
    if (slot->body_sent_ == slot->body_.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
};

// ---------------------------------------------------------------- H2StreamSlot

H2StreamSlot::~H2StreamSlot() {
  // Slots are released after the io_context stopped, so the session is idle here.
  auto& slots = session_->slots_;
  slots.erase(std::remove(slots.begin(), slots.end(), this), slots.end());
}

void H2StreamSlot::Exchange(std::string_view head, std::string_view body, Done done) {
  head_ = head;
  body_ = body;
  body_sent_ = 0;
  done_ = std::move(done);
  H2Session* session = session_.get();
  asio::dispatch(session->strand_, [s = session_, this] { s->Start(this); });
}

void H2StreamSlot::Close() { session_->Close(); }

// ---------------------------------------------------------------- H2Session

H2Session::H2Session(asio::io_context& ioc, tcp::endpoint endpoint)
    : strand_(asio::make_strand(ioc)), socket_(strand_), endpoint_(endpoint) {
  rbuf_.resize(kReadBuffer);
}

H2Session::~H2Session() {
  if (session_ != nullptr) nghttp2_session_del(session_);
}

std::shared_ptr<H2StreamSlot> H2Session::NewSlot() {
  auto slot = std::make_shared<H2StreamSlot>(shared_from_this());
  slots_.push_back(slot.get());
  return slot;
}

void H2Session::Close() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->Fail("connection closed"); });
}

void H2Session::Start(H2StreamSlot* slot) {
  slot->busy_ = true;
  slot->queued_ = false;
  slot->error_.clear();
  slot->close_code_ = 0;
  slot->status_ = 0;  // the body buffer is cleared when the answer's headers begin
  ++busy_;
  if (state_ == State::kOpen) {
    Submit(slot);
    Flush();
    return;
  }
  waiting_.push_back(slot);
  if (state_ == State::kClosed) Connect();
}

void H2Session::Connect() {
  CloseSocket();
  state_ = State::kConnecting;
  socket_.async_connect(endpoint_, [self = shared_from_this(), gen = generation_](
                                       const boost::system::error_code& ec) {
    if (gen != self->generation_) return;
    if (ec) return self->Fail("connect: " + ec.message());
    boost::system::error_code ignored;
    self->socket_.set_option(tcp::no_delay(true), ignored);
    if (!self->OpenSession()) return self->Fail("cannot start an nghttp2 client session");
    self->state_ = State::kOpen;
    std::vector<H2StreamSlot*> waiting;
    waiting.swap(self->waiting_);
    for (H2StreamSlot* slot : waiting) self->Submit(slot);
    self->Flush();
  });
}

bool H2Session::OpenSession() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return false;
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Callbacks::OnStreamClose);
  int rv = nghttp2_session_client_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) {
    session_ = nullptr;
    return false;
  }
  // The client connection preface (magic) goes out with the first mem_send, then SETTINGS.
  const std::array<nghttp2_settings_entry, 2> settings = {{
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(kWindow)},
  }};
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size()) != 0)
    return false;
  return nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kWindow) == 0;
}

void H2Session::Submit(H2StreamSlot* slot) {
  int32_t id = -1;
  if (!headers_.Build(slot->head_)) {
    slot->error_ = "h2: malformed request head";
  } else {
    nghttp2_data_provider body{};
    body.source.ptr = slot;
    body.read_callback = &Callbacks::ReadBody;
    id = nghttp2_submit_request(session_, nullptr, headers_.data(), headers_.size(),
                                slot->body_.empty() ? nullptr : &body, slot);
    if (id < 0) slot->error_ = fmt::format("h2: submit: {}", nghttp2_strerror(id));
  }
  if (id < 0) {
    slot->queued_ = true;
    closed_.push_back(slot);
    return;
  }
  slot->stream_id_ = id;
}

void H2Session::Flush() {
  if (state_ == State::kOpen && !writing_) {
    while (wbuf_.size() < kWriteChunk) {
      const uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) return Fail(fmt::format("h2: send: {}", nghttp2_strerror(static_cast<int>(n))));
      if (n == 0) break;
      wbuf_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    if (!wbuf_.empty()) {
      writing_ = true;
      asio::async_write(socket_, asio::buffer(wbuf_),
                        [self = shared_from_this(), gen = generation_](
                            const boost::system::error_code& ec, size_t) {
                          if (gen != self->generation_) return;
                          self->writing_ = false;
                          if (ec) return self->Fail("write: " + ec.message());
                          self->wbuf_.clear();
                          self->Flush();
                        });
    }
    if (!reading_ && busy_ > 0) Read();
  }
  Complete();  // streams refused while sending
}

void H2Session::Read() {
  reading_ = true;
  socket_.async_read_some(asio::buffer(rbuf_), [self = shared_from_this(), gen = generation_](
                                                   const boost::system::error_code& ec, size_t n) {
    if (gen != self->generation_) return;
    self->reading_ = false;
    if (ec) return self->Fail("read: " + ec.message());
    self->OnReceived(n);
  });
}

void H2Session::OnReceived(size_t n) {
  ssize_t rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(rbuf_.data()), n);
  // A dead session is closed before any delivery, so that exchanges the callbacks start
  // reconnect instead of joining it. Streams that completed before still deliver their answer.
  if (rv < 0) return Fail(fmt::format("h2: protocol error: {}", nghttp2_strerror(static_cast<int>(rv))));
  if (!goaway_.empty()) return Fail(goaway_);
  uint64_t gen = generation_;
  Complete();  // the callbacks may start new exchanges (on this session, or reconnecting it)
  if (gen != generation_) return;
  Flush();  // SETTINGS ACK, WINDOW_UPDATE, new requests; reads on while exchanges are in flight
}

void H2Session::Complete() {
  if (completing_) return;  // the outer call delivers what is queued meanwhile
  completing_ = true;
  while (!closed_.empty()) {
    delivering_.swap(closed_);
    for (H2StreamSlot* slot : delivering_) {
      LoadResponse r;
      if (!slot->error_.empty()) {
        r.error = slot->error_;
      } else if (slot->close_code_ != 0) {
        r.error = fmt::format("h2: stream reset: {}", nghttp2_http2_strerror(slot->close_code_));
      } else if (slot->status_ == 0) {
        r.error = "h2: stream closed without a response";
      } else {
        r.transport_ok = true;
        r.status = slot->status_;
        r.body = slot->response_;
      }
      BenchConnection::Done done = std::move(slot->done_);
      slot->busy_ = false;
      slot->queued_ = false;
      slot->stream_id_ = 0;
      --busy_;
      done(r);  // may start the slot's next exchange at once
    }
    delivering_.clear();
  }
  completing_ = false;
}

void H2Session::Fail(std::string what) {
  CloseSocket();
  waiting_.clear();
  for (H2StreamSlot* slot : slots_) {
    if (!slot->busy_ || slot->queued_) continue;
    slot->error_ = what;
    slot->queued_ = true;
    closed_.push_back(slot);
  }
  Complete();
}

void H2Session::CloseSocket() {
  ++generation_;
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (session_ != nullptr) {
    nghttp2_session_del(session_);  // no callbacks: the exchanges in flight are failed by Fail
    session_ = nullptr;
  }
  state_ = State::kClosed;
  writing_ = false;
  reading_ = false;
  goaway_.clear();
  wbuf_.clear();
}

}  // namespace runnel::cli::bench
