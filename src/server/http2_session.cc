#include "server/http2_session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <cctype>
#include <charconv>
#include <exception>
#include <utility>

#include "server/posted_response_stream.h"
#include "server/response_head.h"

namespace runnel::server {
namespace {

namespace net = boost::asio;

constexpr uint32_t kMaxConcurrentStreams = 128;
// Per-stream receive window: large enough that a 10 MiB PutRecords needs few WINDOW_UPDATEs.
constexpr int32_t kStreamWindow = 1 << 20;
constexpr int32_t kConnectionWindow = 16 << 20;
constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";

// Header fields for nghttp2_submit_response: owns the strings, which nghttp2 copies.
class HeaderList {
 public:
  void Add(std::string_view name, std::string_view value) {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    strings_.push_back(std::move(lower));
    strings_.emplace_back(value);
  }
  std::vector<nghttp2_nv> Build() {
    std::vector<nghttp2_nv> nv;
    nv.reserve(strings_.size() / 2);
    for (size_t i = 0; i + 1 < strings_.size(); i += 2) {
      auto& name = strings_[i];
      auto& value = strings_[i + 1];
      nv.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(name.data()),
                              reinterpret_cast<uint8_t*>(value.data()), name.size(),
                              value.size(), NGHTTP2_NV_FLAG_NONE});
    }
    return nv;
  }

 private:
  std::vector<std::string> strings_;
};

void AddStatus(int status, HeaderList& list) {
  char digits[8];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), status);
  list.Add(":status", std::string_view(digits, end - digits));
}

api::ApiResponse ErrorResponse(int status, std::string_view type, std::string_view message) {
  api::ApiResponse response;
  response.status = status;
  response.content_type = std::string(kJsonContentType);
  response.error_type = std::string(type);
  response.body = std::string(R"({"__type":")") + std::string(type) + R"(","message":")" +
                  std::string(message) + R"("})";
  return response;
}

}  // namespace

struct Http2Session::Callbacks {
  static Http2Session& Self(void* user_data) { return *static_cast<Http2Session*>(user_data); }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
      return 0;
    }
    auto& self = Self(user_data);
    self.streams_.emplace(frame->hd.stream_id, std::make_shared<Http2Stream>(frame->hd.stream_id));
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t name_length, const uint8_t* value, size_t value_length, uint8_t,
                      void* user_data) {
    Http2Stream* stream = Self(user_data).Find(frame->hd.stream_id);
    if (stream == nullptr || stream->headers_done) return 0;  // trailers are ignored
    size_t total = name_length + value_length;
    for (const auto& [n, v] : stream->fields) total += n.size() + v.size();
    if (total > kMaxHeaderBytes) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // RST_STREAM
    stream->fields.emplace_back(std::string(reinterpret_cast<const char*>(name), name_length),
                                std::string(reinterpret_cast<const char*>(value), value_length));
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& self = Self(user_data);
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    auto it = self.streams_.find(frame->hd.stream_id);
    if (it == self.streams_.end()) return 0;
    Http2Stream& stream = *it->second;
    if (frame->hd.type == NGHTTP2_HEADERS && !stream.headers_done) {
      stream.headers_done = true;
      // Pre-size the body buffer from content-length (nghttp2 checks it matches the data).
      const std::string_view length = stream.Header("content-length");
      size_t expected = 0;
      std::from_chars(length.data(), length.data() + length.size(), expected);
      if (expected <= self.worker_.options().max_body_bytes) stream.body.reserve(expected);
    }
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0 && !stream.dispatched) {
      stream.dispatched = true;
      self.ready_.push_back(it->second);
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t length, void* user_data) {
    auto& self = Self(user_data);
    auto it = self.streams_.find(stream_id);
    if (it == self.streams_.end()) return 0;
    Http2Stream& stream = *it->second;
    if (stream.too_large) return 0;
    if (stream.body.size() + length > self.worker_.options().max_body_bytes) {
      stream.too_large = true;  // answered 413 at once; the rest of the body is dropped
      stream.body = std::string();
      if (!stream.dispatched) {
        stream.dispatched = true;
        self.ready_.push_back(it->second);
      }
      return 0;
    }
    stream.body.append(reinterpret_cast<const char*>(data), length);
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user_data) {
    auto& self = Self(user_data);
    auto it = self.streams_.find(stream_id);
    if (it == self.streams_.end()) return 0;
    StreamRef stream = std::move(it->second);
    self.streams_.erase(it);
    stream->peer_closed = true;
    stream->AbortStreaming();
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                          uint32_t* data_flags, nghttp2_data_source* source, void* user_data) {
    auto& stream = *static_cast<Http2Stream*>(source->ptr);
    bool eof = false;
    const ptrdiff_t n = stream.ReadResponse(buf, length, &eof, Self(user_data).accepted_);
    if (n < 0) {
      stream.deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    if (eof) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return n;
  }
};

Http2Session::Http2Session(Worker& worker, net::any_io_executor executor)
    : worker_(worker), executor_(std::move(executor)) {}

Http2Session::~Http2Session() {
  if (session_ != nullptr) nghttp2_session_del(session_);
}

bool Http2Session::Start(std::function<void()> wake) {
  wake_ = std::move(wake);
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return false;
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Callbacks::OnStreamClose);
  const int rv = nghttp2_session_server_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) {
    session_ = nullptr;
    return false;
  }
  const std::array<nghttp2_settings_entry, 2> settings = {{
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(kStreamWindow)},
  }};
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size()) != 0) {
    return false;
  }
  return nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                               kConnectionWindow) == 0;
}

bool Http2Session::Receive(const uint8_t* data, size_t size) {
  in_receive_ = true;
  const ssize_t rv = nghttp2_session_mem_recv(session_, data, size);
  in_receive_ = false;
  if (rv < 0) {
    spdlog::debug("http2: closing connection: {}", nghttp2_strerror(static_cast<int>(rv)));
    ready_.clear();
    nghttp2_session_terminate_session(session_, NGHTTP2_PROTOCOL_ERROR);
    return false;
  }
  DispatchReady();
  return true;
}

bool Http2Session::TakeOutput(std::string& out, size_t limit) {
  bool ok = true;
  while (out.size() < limit) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      spdlog::warn("http2: send failed: {}", nghttp2_strerror(static_cast<int>(n)));
      ok = false;
      break;
    }
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  // Chunks now in DATA frames count as accepted; their producers may write more.
  auto accepted = std::move(accepted_);
  accepted_.clear();
  for (auto& written : accepted) written(true);
  return ok;
}

bool Http2Session::WantRead() const { return nghttp2_session_want_read(session_) != 0; }

bool Http2Session::WantWrite() const { return nghttp2_session_want_write(session_) != 0; }

void Http2Session::Goaway() {
  if (terminated_) return;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  // Copy: a producer's OnClose may call back into the session.
  std::vector<StreamRef> open;
  for (auto& [id, stream] : streams_) open.push_back(stream);
  for (auto& stream : open) stream->NotifyClosed();
}

void Http2Session::Terminate() {
  if (terminated_) return;
  terminated_ = true;
  auto streams = std::move(streams_);
  streams_.clear();
  ready_.clear();
  for (auto& [id, stream] : streams) {
    stream->peer_closed = true;
    stream->AbortStreaming();
  }
}

Http2Stream* Http2Session::Find(int32_t stream_id) {
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Http2Session::DispatchReady() {
  while (!ready_.empty() && !terminated_) {
    auto ready = std::move(ready_);
    ready_.clear();
    for (auto& stream : ready) Dispatch(stream);
  }
}

void Http2Session::Dispatch(const StreamRef& stream) {
  if (stream->peer_closed || terminated_) return;
  if (stream->too_large) {
    const std::string limit = std::to_string(worker_.options().max_body_bytes);
    OnResponse(stream, ErrorResponse(413, "ValidationException",
                                     "Request body exceeds the maximum of " + limit + " bytes"));
    return;
  }
  stream->BuildRequest();
  if (stream->request.method == "OPTIONS" && !stream->Header("origin").empty()) {
    SubmitPreflight(*stream);
    return;
  }
  auto respond = [self = shared_from_this(), stream](api::ApiResponse response) {
    // Inline when already on the connection's thread (never inside an nghttp2 callback:
    // handlers are called after mem_recv returns), else queued to it.
    net::dispatch(self->executor_, [self, stream, response = std::move(response)]() mutable {
      self->OnResponse(stream, std::move(response));
    });
  };
  try {
    worker_.handler()(stream->request, std::move(respond));
  } catch (const std::exception& e) {
    spdlog::error("http2: handler threw: {}", e.what());
    OnResponse(stream, ErrorResponse(500, "InternalFailure", "Internal server error"));
  }
}

void Http2Session::OnResponse(const StreamRef& stream, api::ApiResponse response) {
  if (terminated_ || stream->peer_closed || stream->responded) return;  // gone or repeated
  SubmitResponse(*stream, response);
  if (response.stream_body) {
    auto body = std::make_shared<PostedResponseStream<Http2Session, StreamRef>>(
        shared_from_this(), stream);
    try {
      response.stream_body(std::move(body));
    } catch (const std::exception& e) {
      spdlog::error("http2: stream_body threw: {}", e.what());
      StreamFinish(stream);
    }
  }
  Wake();
}

void Http2Session::SubmitResponse(Http2Stream& stream, api::ApiResponse& response) {
  ResponseHead head;
  head.status = response.status;
  head.content_type = response.content_type;
  head.error_type = response.error_type;
  head.content_length = response.body.size();
  head.framing = response.stream_body ? BodyFraming::kStreamed : BodyFraming::kContentLength;
  head.cors = !stream.Header("origin").empty();
  HeaderList headers;
  AddStatus(response.status, headers);
  ForEachResponseHeader(head, [&headers](std::string_view name, std::string_view value) {
    headers.Add(name, value);
  });
  const auto nv = headers.Build();
  stream.responded = true;
  stream.streaming = static_cast<bool>(response.stream_body);
  stream.response_body = std::move(response.body);
  nghttp2_data_provider provider{};
  provider.source.ptr = &stream;
  provider.read_callback = &Callbacks::ReadBody;
  const bool has_body = stream.streaming || !stream.response_body.empty();
  const int rv = nghttp2_submit_response(session_, stream.id, nv.data(), nv.size(),
                                         has_body ? &provider : nullptr);
  if (rv != 0) spdlog::warn("http2: submit_response: {}", nghttp2_strerror(rv));
}

void Http2Session::SubmitPreflight(Http2Stream& stream) {
  HeaderList headers;
  AddStatus(200, headers);
  ForEachPreflightHeader(stream.Header("access-control-request-headers"),
                         stream.Header("access-control-request-method"), ConnectionHeader::kNone,
                         [&headers](std::string_view name, std::string_view value) {
                           headers.Add(name, value);
                         });
  const auto nv = headers.Build();
  stream.responded = true;
  nghttp2_submit_response(session_, stream.id, nv.data(), nv.size(), nullptr);
  Wake();
}

void Http2Session::StreamWrite(const StreamRef& stream, std::string bytes,
                               std::function<void(bool)> written) {
  if (terminated_ || stream->peer_closed || stream->finishing) {
    if (written) written(false);
    return;
  }
  if (bytes.empty()) {
    if (written) written(true);
    return;
  }
  stream->chunks.push_back(Http2Stream::Chunk{std::move(bytes), std::move(written)});
  Resume(*stream);
}

void Http2Session::StreamFinish(const StreamRef& stream) {
  if (terminated_ || stream->peer_closed || stream->finishing) return;
  stream->finishing = true;
  stream->on_close = nullptr;
  Resume(*stream);
}

void Http2Session::StreamOnClose(const StreamRef& stream, std::function<void()> closed) {
  if (stream->close_fired) {  // the client left (or shutdown began) before registration
    if (closed) closed();
    return;
  }
  if (!stream->finishing && !stream->peer_closed) stream->on_close = std::move(closed);
}

void Http2Session::Resume(Http2Stream& stream) {
  if (stream.deferred) {
    stream.deferred = false;
    nghttp2_session_resume_data(session_, stream.id);
  }
  Wake();
}

void Http2Session::Wake() {
  if (!in_receive_ && wake_) wake_();
}

}  // namespace runnel::server
