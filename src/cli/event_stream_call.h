// EventStreamCall: one SubscribeToShard exchange on its own HTTP/1.1 connection, driven by
// Boost.Asio callbacks (many calls share one io_context: `runnel consume --consumer` runs one
// per shard, `runnel bench fanout --push` one per subscriber). It sends a prepared request,
// then either collects a non-200 answer (an error before streaming: JSON body) or decodes the
// 200 answer's body (chunked or not; Beast de-chunks it) as an event stream, frame by frame,
// as the bytes arrive.
//
// Threading: each call has its own strand, so its handlers never run concurrently, even when
// the io_context runs on several threads. Cancel() must run on that strand (inside a handler,
// or before the io_context runs); CancelSoon() may be called from anywhere. After the cancel
// no handler is called.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cli/event_stream_decoder.h"

namespace runnel::cli {

class EventStreamCall : public std::enable_shared_from_this<EventStreamCall> {
 public:
  struct Handlers {
    // The server answered with a status other than 200 (body: the whole error body).
    std::function<void(int status, const std::string& body)> on_rejected;
    // One decoded frame of a 200 answer. May call Cancel().
    std::function<void(EventMessage& message)> on_message;
    // The 200 answer ended: `error` is empty for a clean end (the whole body arrived and no
    // partial frame is left), else a transport or framing failure.
    std::function<void(const std::string& error)> on_end;
  };

  // `idle_timeout`: the longest silence tolerated while reading (0: none). The first form
  // makes a new strand of `ioc`; the second runs on `strand` (which must be a strand, or an
  // io_context run by one thread).
  EventStreamCall(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint,
                  std::chrono::milliseconds idle_timeout);
  EventStreamCall(boost::asio::any_io_executor strand, boost::asio::ip::tcp::endpoint endpoint,
                  std::chrono::milliseconds idle_timeout);

  // Connects and sends `request` (a complete HTTP/1.1 request: head and body).
  void Start(std::string request, Handlers handlers);
  void Cancel();
  void CancelSoon();
  bool cancelled() const { return cancelled_; }
  // The call's strand: post work that touches the caller's per-call state here.
  boost::asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  void Arm();
  void ReadHeader();
  void ReadBody();
  void OnBody(size_t n);
  void Fail(const std::string& what);

  boost::beast::tcp_stream stream_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::chrono::milliseconds idle_timeout_;
  std::string request_;
  Handlers handlers_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> parser_;
  std::string chunk_;        // read target of the body
  std::string error_body_;   // body of a non-200 answer
  EventStreamDecoder decoder_;
  EventMessage message_;
  bool cancelled_ = false;
};

}  // namespace runnel::cli
