// H2Session + H2StreamSlot: the load generator's HTTP/2 cleartext client (h2c with prior
// knowledge, RFC 9113 section 3.3) on top of nghttp2's client session API, with Boost.Asio
// socket I/O (the same split as the server's Http2Session: nghttp2 never touches the socket;
// received bytes go to nghttp2_session_mem_recv, frames come out of nghttp2_session_mem_send).
//
// One H2Session is one TCP connection; it owns N H2StreamSlots, each a BenchConnection with one
// request in flight, so N requests are multiplexed on the connection
// (--streams-per-connection). A request's header block is translated from the HTTP/1.1 head
// the scenario rendered (H2HeaderBlock); its body goes out through an nghttp2 data provider
// that reads straight from the caller's buffer.
//
// Flow control: the client advertises a 1 GiB stream window (SETTINGS_INITIAL_WINDOW_SIZE)
// and raises the connection window to 1 GiB (WINDOW_UPDATE), so 13 MiB GetRecords answers
// stream without waiting for credit; nghttp2 returns consumed credit automatically. Request
// bodies honour the server's windows (nghttp2 defers DATA until credit arrives).
//
// Errors: a stream closed with RST_STREAM (or refused by GOAWAY) completes its exchange with
// transport_ok = false. A GOAWAY, a transport error or a protocol error fails every exchange
// in flight and closes the session; the next Exchange on any slot reconnects.
//
// Threading: every session member runs on the session's strand (the socket's executor);
// Exchange may be called from any thread and dispatches there. `done` runs on the strand,
// outside nghttp2 callbacks, so it may start the next exchange at once.
#pragma once

#include <nghttp2/nghttp2.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/bench/h2_header_block.h"
#include "cli/bench/load_connection.h"

namespace runnel::cli::bench {

class H2Session;

class H2StreamSlot final : public BenchConnection {
 public:
  explicit H2StreamSlot(std::shared_ptr<H2Session> session) : session_(std::move(session)) {}
  ~H2StreamSlot() override;  // REQUIRES: the io_context no longer runs
  void Exchange(std::string_view head, std::string_view body, Done done) override;
  void Close() override;

 private:
  friend class H2Session;
  std::shared_ptr<H2Session> session_;
  // The exchange in flight (touched only on the session's strand once submitted).
  std::string_view head_, body_;
  size_t body_sent_ = 0;
  Done done_;
  int32_t stream_id_ = 0;  // 0: not submitted
  bool busy_ = false;
  bool queued_ = false;      // in the session's list of exchanges to deliver
  std::string error_;        // transport failure of the exchange
  int status_ = 0;
  uint32_t close_code_ = 0;  // RST_STREAM / GOAWAY error code of the stream
  std::string response_;     // response body, reused
};

class H2Session : public std::enable_shared_from_this<H2Session> {
 public:
  H2Session(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint);
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  // A new slot multiplexed on this session.
  std::shared_ptr<H2StreamSlot> NewSlot();
  // Closes the socket; exchanges in flight fail. Thread-safe (dispatches to the strand).
  void Close();

 private:
  struct Callbacks;  // nghttp2 callback thunks (h2_load_connection.cc)
  friend struct Callbacks;
  friend class H2StreamSlot;

  void Start(H2StreamSlot* slot);  // on the strand
  void Connect();
  bool OpenSession();
  void Submit(H2StreamSlot* slot);
  void Flush();
  void Read();
  void OnReceived(size_t n);
  void Complete();  // delivers the exchanges whose streams closed
  void Fail(std::string what);
  void CloseSocket();

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::endpoint endpoint_;
  nghttp2_session* session_ = nullptr;
  uint64_t generation_ = 0;  // bumped on close; stale I/O completions are ignored
  enum class State { kClosed, kConnecting, kOpen } state_ = State::kClosed;
  bool writing_ = false;
  bool reading_ = false;    // a read is outstanding only while exchanges are in flight, so
                            // an idle session lets the io_context run out of work
  bool completing_ = false;
  int busy_ = 0;            // exchanges started and not yet delivered
  std::string goaway_;      // set when a GOAWAY arrived (its description)
  std::vector<H2StreamSlot*> slots_;    // every slot (owned by the scenario via shared_ptr)
  std::vector<H2StreamSlot*> waiting_;  // started while the connection was not open
  std::vector<H2StreamSlot*> closed_;   // streams closed during mem_recv, to deliver
  std::vector<H2StreamSlot*> delivering_;
  H2HeaderBlock headers_;
  std::string rbuf_;
  std::string wbuf_;
};

}  // namespace runnel::cli::bench
