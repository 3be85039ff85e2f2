#include "server/tls_handshake.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <string_view>

#include "server/http2_connection.h"
#include "server/http_connection.h"

namespace runnel::server {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;

constexpr auto kHandshakeTimeout = std::chrono::seconds(30);

}  // namespace

TlsHandshake::TlsHandshake(Worker& worker, uint64_t id, PlainStream stream,
                           beast::flat_buffer received)
    : worker_(worker),
      id_(id),
      stream_(std::move(stream), *worker.tls_context()),
      received_(std::move(received)) {}

TlsHandshake::~TlsHandshake() {
  if (registered_) {
    net::post(worker_.context(), [worker = &worker_, id = id_] { worker->Unregister(id); });
  }
}

void TlsHandshake::Start() {
  worker_.Replace(id_, weak_from_this());
  TcpLayer(stream_).expires_after(kHandshakeTimeout);
  stream_.async_handshake(net::ssl::stream_base::server, received_.data(),
                          [self = shared_from_this()](beast::error_code ec, size_t used) {
                            self->OnHandshake(ec, used);
                          });
}

void TlsHandshake::OnHandshake(beast::error_code ec, size_t) {
  if (!registered_) return;  // closed meanwhile (shutdown)
  if (ec) {
    spdlog::debug("tls: handshake failed: {}", ec.message());
    Close();
    return;
  }
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(stream_.native_handle(), &protocol, &length);
  const std::string_view alpn(reinterpret_cast<const char*>(protocol), protocol ? length : 0);
  registered_ = false;  // the session takes the registration over
  handed_off_ = true;
  if (alpn == "h2") {
    std::make_shared<Http2Connection<TlsStream>>(worker_, id_, std::move(stream_),
                                                 beast::flat_buffer())
        ->Start();
  } else {
    std::make_shared<HttpConnection<TlsStream>>(worker_, id_, std::move(stream_),
                                                beast::flat_buffer())
        ->Start();
  }
}

void TlsHandshake::Close() {
  if (handed_off_) return;
  TcpLayer(stream_).close();
  if (registered_) {
    registered_ = false;
    worker_.Unregister(id_);
  }
}

}  // namespace runnel::server
