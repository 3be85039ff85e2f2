// Http2Connection: the socket side of one HTTP/2 connection (h2c prior knowledge or h2 over
// TLS): reads bytes into its Http2Session, writes what the session produces, closes when the
// session is finished. A template over the byte stream (transport.h); both instantiations
// live in http2_connection.cc.
//
// One read is always outstanding (HTTP/2 multiplexes; the client may send at any time) and
// at most one write; the session is asked for at most kMaxWriteBytes per write, so a large
// or streaming response advances only as fast as the client reads.
//
// Shutdown: BeginShutdown sends GOAWAY; streams already started finish and the connection
// closes when the last one has been written. Idle timeout: no open stream and nothing
// received for options.idle_timeout -> GOAWAY and close.
//
// Lifetime: owned by shared_ptrs held by its pending operations. The session outlives it
// while a Respond or ResponseStream still refers to the session.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/http2_session.h"
#include "server/transport.h"
#include "server/worker.h"

namespace runnel::server {

template <class Stream>
class Http2Connection : public Connection,
                        public std::enable_shared_from_this<Http2Connection<Stream>> {
 public:
  // `received` holds bytes already read (the client preface, sniffed by ProtocolDetector).
  // `id` is the worker registration this session takes over.
  Http2Connection(Worker& worker, uint64_t id, Stream stream,
                  boost::beast::flat_buffer received);
  ~Http2Connection() override;

  void Start();
  void BeginShutdown() override;
  void ForceClose() override { Finish(); }

 private:
  void Read();
  void OnRead(boost::beast::error_code ec, size_t bytes);
  void Flush();
  void OnWrite(boost::beast::error_code ec);
  void ArmIdleTimer();
  void Linger();
  void Finish();

  Worker& worker_;
  const uint64_t id_;
  Stream stream_;
  boost::beast::flat_buffer received_;
  std::shared_ptr<Http2Session> session_;
  std::vector<uint8_t> input_;
  std::string output_;
  bool writing_ = false;
  bool reading_ = false;
  bool lingering_ = false;  // output done and half-closed; input is read and discarded
  bool closing_ = false;  // no more input is processed; close once the output is written
  bool closed_ = false;
  bool registered_ = true;
  boost::asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_input_;
};

}  // namespace runnel::server
