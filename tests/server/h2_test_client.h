// A blocking HTTP/2 client for server tests, on nghttp2's client session API, over plain TCP
// (h2c prior knowledge) or TLS (ALPN "h2"). Run*() pumps the socket until a condition holds
// or a deadline passes, so a test never hangs.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace runnel::server::testing {

class H2Client {
 public:
  struct Exchange {
    int status = 0;
    std::map<std::string, std::string> headers;
    std::string body;
    std::vector<std::pair<std::chrono::steady_clock::time_point, size_t>> chunks;
    bool closed = false;       // the stream ended (normally or by reset)
    uint32_t error_code = 0;   // RST_STREAM code (0: NO_ERROR)
    std::string request_body;  // the body being uploaded
    size_t request_offset = 0;
  };

  // `tls`: a client SSL_CTX (the client offers ALPN "h2"); null for h2c.
  explicit H2Client(uint16_t port, SSL_CTX* tls = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return;
    if (tls != nullptr) {
      ssl_ = SSL_new(tls);
      static constexpr unsigned char kAlpn[] = "\x02h2";
      SSL_set_alpn_protos(ssl_, kAlpn, sizeof(kAlpn) - 1);
      SSL_set_tlsext_host_name(ssl_, "localhost");
      SSL_set_fd(ssl_, fd_);
      if (SSL_connect(ssl_) != 1) return;
      const unsigned char* alpn = nullptr;
      unsigned int length = 0;
      SSL_get0_alpn_selected(ssl_, &alpn, &length);
      alpn_.assign(reinterpret_cast<const char*>(alpn), alpn ? length : 0);
    }
    nghttp2_session_callbacks* callbacks;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &OnData);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &OnStreamClose);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &OnFrame);
    nghttp2_session_client_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);
    connected_ = true;
  }
  ~H2Client() {
    if (session_) nghttp2_session_del(session_);
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  bool connected() const { return connected_; }
  const std::string& alpn() const { return alpn_; }
  bool goaway() const { return goaway_; }
  int32_t goaway_last_stream() const { return goaway_last_stream_; }
  bool eof() const { return eof_; }

  // A Kinesis POST; returns the stream id.
  int32_t Post(std::string_view target, std::string body,
               std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {":method", "POST"}, {":scheme", ssl_ ? "https" : "http"},
        {":authority", "localhost:1"}, {":path", "/"},
        {"content-type", "application/x-amz-json-1.1"}, {"x-amz-target", std::string(target)},
        {"content-length", std::to_string(body.size())}};
    for (auto& h : extra) headers.push_back(std::move(h));
    return Submit(headers, std::move(body));
  }

  int32_t Submit(const std::vector<std::pair<std::string, std::string>>& headers,
                 std::string body, bool with_body = true) {
    std::vector<nghttp2_nv> nv;
    for (const auto& [name, value] : headers) {
      nv.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE});
    }
    auto exchange = std::make_unique<Exchange>();
    exchange->request_body = std::move(body);
    nghttp2_data_provider provider{};
    provider.source.ptr = exchange.get();
    provider.read_callback = &ReadBody;
    const int32_t id = nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(),
                                              with_body ? &provider : nullptr, exchange.get());
    if (id > 0) exchanges_[id] = std::move(exchange);
    return id;
  }

  Exchange& exchange(int32_t id) { return *exchanges_.at(id); }

  // Pumps until `done()` or the deadline; false on timeout, connection loss before done.
  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline || !Pump(20)) return done();
    }
    return true;
  }
  bool RunUntilClosed(int32_t id, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return RunUntil([&] { return exchange(id).closed; }, timeout);
  }
  bool RunUntilAllClosed(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    return RunUntil(
        [&] {
          return std::all_of(exchanges_.begin(), exchanges_.end(),
                             [](const auto& e) { return e.second->closed; });
        },
        timeout);
  }

  // Sends bytes outside nghttp2 (garbage, raw frames).
  bool SendRaw(std::string_view bytes) { return Write(bytes.data(), bytes.size()); }

  // One round: write what nghttp2 wants to send, read what arrives within `wait_ms`.
  // False once the connection is unusable.
  bool Pump(int wait_ms) {
    for (;;) {
      const uint8_t* data = nullptr;
      const ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) return false;
      if (n == 0) break;
      if (!Write(data, static_cast<size_t>(n))) return false;
    }
    pollfd pfd{fd_, POLLIN, 0};
    const bool pending = ssl_ != nullptr && SSL_pending(ssl_) > 0;
    if (!pending && ::poll(&pfd, 1, wait_ms) <= 0) return !eof_;
    char buffer[65536];
    const ssize_t n = ssl_ ? SSL_read(ssl_, buffer, sizeof(buffer))
                           : ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    return nghttp2_session_mem_recv(session_, reinterpret_cast<uint8_t*>(buffer),
                                    static_cast<size_t>(n)) >= 0;
  }

 private:
  bool Write(const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t n = ssl_ ? SSL_write(ssl_, p, static_cast<int>(size))
                             : ::send(fd_, p, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      p += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  static Exchange* Find(nghttp2_session* session, int32_t id) {
    return static_cast<Exchange*>(nghttp2_session_get_stream_user_data(session, id));
  }
  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
                      size_t name_length, const uint8_t* value, size_t value_length, uint8_t,
                      void*) {
    Exchange* e = Find(session, frame->hd.stream_id);
    if (e == nullptr) return 0;
    std::string n(reinterpret_cast<const char*>(name), name_length);
    std::string v(reinterpret_cast<const char*>(value), value_length);
    if (n == ":status") e->status = std::stoi(v);
    e->headers[n] = v;
    return 0;
  }
  static int OnData(nghttp2_session* session, uint8_t, int32_t id, const uint8_t* data,
                    size_t length, void*) {
    Exchange* e = Find(session, id);
    if (e == nullptr) return 0;
    e->body.append(reinterpret_cast<const char*>(data), length);
    e->chunks.emplace_back(std::chrono::steady_clock::now(), length);
    return 0;
  }
  static int OnStreamClose(nghttp2_session* session, int32_t id, uint32_t error, void*) {
    Exchange* e = Find(session, id);
    if (e == nullptr) return 0;
    e->closed = true;
    e->error_code = error;
    return 0;
  }
  static int OnFrame(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      auto* self = static_cast<H2Client*>(user_data);
      self->goaway_ = true;
      self->goaway_last_stream_ = frame->goaway.last_stream_id;
    }
    return 0;
  }
  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                          uint32_t* flags, nghttp2_data_source* source, void*) {
    auto* e = static_cast<Exchange*>(source->ptr);
    const size_t n = std::min(length, e->request_body.size() - e->request_offset);
    std::memcpy(buf, e->request_body.data() + e->request_offset, n);
    e->request_offset += n;
    if (e->request_offset == e->request_body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  nghttp2_session* session_ = nullptr;
  bool connected_ = false;
  bool goaway_ = false;
  int32_t goaway_last_stream_ = -1;
  bool eof_ = false;
  std::string alpn_;
  std::map<int32_t, std::unique_ptr<Exchange>> exchanges_;
};

}  // namespace runnel::server::testing
