// The first step of every accepted connection: sniff the first bytes to pick the protocol,
// then hand the socket and the bytes already read to the matching session:
//   HTTP/1.1 -> HttpConnection<PlainStream>;
//   h2c prior knowledge (the 24-byte "PRI * HTTP/2.0..." preface) -> Http2Connection;
//   TLS (a handshake record, first byte 0x16) -> TlsHandshake, which picks HTTP/1.1 or h2 by
//   ALPN. TLS is accepted on any listener when the server has a certificate; a listener
//   marked TLS-only closes connections that do not start with a handshake.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <string_view>

#include "server/worker.h"

namespace runnel::server {

enum class WireProtocol {
  kNeedMoreBytes,        // the bytes so far are a prefix of the HTTP/2 preface
  kHttp1,
  kHttp2PriorKnowledge,  // h2c: the client sent the full connection preface
  kTls,                  // a TLS handshake record
};

// Pure function over the first bytes received (any length, including 0).
WireProtocol DetectProtocol(std::string_view first_bytes);

class ProtocolDetector : public Connection,
                         public std::enable_shared_from_this<ProtocolDetector> {
 public:
  // `socket` must use worker.context(); call Start() on the worker's thread.
  ProtocolDetector(Worker& worker, boost::asio::ip::tcp::socket socket, bool tls_only = false);
  ~ProtocolDetector() override;

  void Start();
  void BeginShutdown() override { Close(); }
  void ForceClose() override { Close(); }

 private:
  void ReadMore();
  void OnRead(boost::beast::error_code ec, size_t bytes);
  void Close();
  template <class Session>
  void HandOff();

  Worker& worker_;
  const bool tls_only_;
  uint64_t id_ = 0;
  bool registered_ = false;  // true while this object owns the worker registration
  bool handed_off_ = false;  // stream_ and buffer_ now belong to a session
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace runnel::server
