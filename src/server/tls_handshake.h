// TlsHandshake: a TLS connection between the protocol detector and its session. Runs the
// server handshake (feeding it the bytes the detector already read), then hands the
// encrypted stream to HttpConnection<TlsStream> or, when ALPN selected "h2", to
// Http2Connection<TlsStream>. A failed or timed-out handshake closes only this connection.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <memory>
#include <optional>

#include "server/transport.h"
#include "server/worker.h"

namespace runnel::server {

class TlsHandshake : public Connection, public std::enable_shared_from_this<TlsHandshake> {
 public:
  // REQUIRES: worker.tls_context() != nullptr. `id` is the registration this object takes
  // over from the detector.
  TlsHandshake(Worker& worker, uint64_t id, PlainStream stream,
               boost::beast::flat_buffer received);
  ~TlsHandshake() override;

  void Start();
  void BeginShutdown() override { Close(); }
  void ForceClose() override { Close(); }

 private:
  void OnHandshake(boost::beast::error_code ec, size_t used);
  void Close();

  Worker& worker_;
  const uint64_t id_;
  bool registered_ = true;
  bool handed_off_ = false;
  TlsStream stream_;
  boost::beast::flat_buffer received_;
};

}  // namespace runnel::server
