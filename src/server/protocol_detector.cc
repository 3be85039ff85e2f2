#include "server/protocol_detector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "server/http2_connection.h"
#include "server/http_connection.h"
#include "server/tls_handshake.h"

namespace runnel::server {
namespace {

constexpr std::string_view kHttp2Preface("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
constexpr size_t kReadChunk = 4096;

}  // namespace

WireProtocol DetectProtocol(std::string_view first_bytes) {
  if (first_bytes.empty()) return WireProtocol::kNeedMoreBytes;
  if (static_cast<unsigned char>(first_bytes[0]) == 0x16) return WireProtocol::kTls;
  const size_t n = std::min(first_bytes.size(), kHttp2Preface.size());
  if (first_bytes.substr(0, n) != kHttp2Preface.substr(0, n)) return WireProtocol::kHttp1;
  return n == kHttp2Preface.size() ? WireProtocol::kHttp2PriorKnowledge
                                   : WireProtocol::kNeedMoreBytes;
}

ProtocolDetector::ProtocolDetector(Worker& worker, boost::asio::ip::tcp::socket socket,
                                   bool tls_only)
    : worker_(worker), tls_only_(tls_only), stream_(std::move(socket)) {}

ProtocolDetector::~ProtocolDetector() {
  if (registered_) {
    // Only reached if the object died without Close() (it cannot, today); keep the count right.
    boost::asio::post(worker_.context(), [worker = &worker_, id = id_] { worker->Unregister(id); });
  }
}

void ProtocolDetector::Start() {
  if (worker_.draining()) {
    boost::beast::error_code ignored;
    stream_.socket().close(ignored);
    return;
  }
  id_ = worker_.Register(weak_from_this());
  registered_ = true;
  ReadMore();
}

void ProtocolDetector::ReadMore() {
  stream_.expires_after(worker_.options().idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](boost::beast::error_code ec, size_t bytes) {
                            self->OnRead(ec, bytes);
                          });
}

void ProtocolDetector::OnRead(boost::beast::error_code ec, size_t bytes) {
  if (ec || !registered_) {
    Close();
    return;
  }
  buffer_.commit(bytes);
  const auto data = buffer_.data();
  switch (DetectProtocol(std::string_view(static_cast<const char*>(data.data()), data.size()))) {
    case WireProtocol::kNeedMoreBytes:
      ReadMore();
      return;
    case WireProtocol::kHttp1:
      if (tls_only_) {
        spdlog::debug("http: plain-text connection on the TLS port closed");
        Close();
        return;
      }
      HandOff<HttpConnection<PlainStream>>();
      return;
    case WireProtocol::kHttp2PriorKnowledge:
      if (tls_only_) {
        Close();
        return;
      }
      HandOff<Http2Connection<PlainStream>>();
      return;
    case WireProtocol::kTls:
      if (worker_.tls_context() == nullptr) {
        spdlog::debug("http: TLS connection refused (no certificate configured)");
        Close();
        return;
      }
      HandOff<TlsHandshake>();
      return;
  }
}

template <class Session>
void ProtocolDetector::HandOff() {
  registered_ = false;  // the session takes the registration over
  handed_off_ = true;
  std::make_shared<Session>(worker_, id_, std::move(stream_), std::move(buffer_))->Start();
}

void ProtocolDetector::Close() {
  if (handed_off_) return;
  boost::beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  if (registered_) {
    registered_ = false;
    worker_.Unregister(id_);
  }
}

}  // namespace runnel::server
