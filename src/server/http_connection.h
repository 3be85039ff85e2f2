// HttpConnection: one HTTP/1.1 connection, strictly one request at a time:
//   read header -> [100 Continue] -> read body -> Handler -> (Respond) -> write -> read next.
// Pipelined bytes simply wait in the flat_buffer, so responses go out in request order.
// A template over the byte stream (transport.h): the same session serves plain HTTP/1.1 and
// HTTPS; both instantiations live in http_connection.cc.
//
// Streaming responses (ApiResponse::stream_body): the head goes out with
// Transfer-Encoding: chunked (HTTP/1.0: no framing, then close), each ResponseStream::Write
// becomes one chunk, written(true) runs once the chunk has been written to the socket, and
// Finish sends the last chunk. No further request is read until the stream has finished.
// The producer's OnClose callback runs once if the client disconnects (seen at once by
// WatchStreamClose, even after the client sent bytes of a next request, or as a write
// failure) or the server starts shutting down before Finish.
//
// Lifetime: owned by shared_ptrs held by its pending operations (socket, deadline timer), by
// the Respond callback of the request in flight and by a streaming response's ResponseStream.
// All member functions run on the worker's thread; Respond and the ResponseStream may be
// called on any thread and post back. The parsed request (and so every string_view in the
// ApiRequest) is kept until the response has been written.
//
// Errors: body over the limit -> 413, header block over 64 KiB -> 431, malformed HTTP -> 400;
// each is sent with "Connection: close", then the socket is shut down for writing and what the
// client still sends is drained (bounded) before closing, so the client reads the answer
// instead of a reset.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <deque>
#include <cstddef>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "api/service.h"
#include "server/request_body.h"
#include "server/transport.h"
#include "server/worker.h"

namespace runnel::server {

template <class Stream>
class HttpConnection : public Connection,
                       public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  // `buffer` holds bytes already read from `stream` (by the protocol detector or the TLS
  // handshake). `id` is the worker registration this session takes over.
  HttpConnection(Worker& worker, uint64_t id, Stream stream, boost::beast::flat_buffer buffer);
  ~HttpConnection() override;

  void Start();
  void BeginShutdown() override;
  void ForceClose() override;

  // --- used by PostedResponseStream, on the connection's thread ---
  const boost::asio::any_io_executor& executor() const { return executor_; }
  void StreamWrite(uint64_t key, std::string bytes, std::function<void(bool)> written);
  void StreamFinish(uint64_t key);
  void StreamOnClose(uint64_t key, std::function<void()> closed);

 private:
  enum class State {
    kReading,    // waiting for (the rest of) a request; idle between keep-alive requests
    kHandling,   // the Handler has the request; waiting for Respond
    kWriting,    // writing a response
    kStreaming,  // writing a streaming response, chunk by chunk
    kLingering,  // response sent with Connection: close; draining input before closing
    kClosed,
  };
  // Header fields come from a per-connection arena (Beast allocates one block per field).
  using FieldsAllocator = std::pmr::polymorphic_allocator<char>;
  // RequestBody: no zero-fill while reading, and padded for parsing in place.
  using Parser = boost::beast::http::request_parser<RequestBody, FieldsAllocator>;
  struct Chunk {
    std::string bytes;
    std::function<void(bool)> written;  // may be empty
    bool raw = false;                   // sent as is: the head and the terminator
    bool last = false;                  // ends the body
  };

  void ReadRequest();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void OnReadError(boost::beast::error_code ec);
  void Dispatch();
  api::Respond MakeRespond(uint64_t sequence);
  void OnResponse(uint64_t sequence, api::ApiResponse&& response);  // consumes `response`
  // Sends header_ + response_body_; closes afterwards if `close` or the worker is draining.
  void Write(bool close);
  void OnWrite(boost::beast::error_code ec);
  void StartStreaming(api::ApiResponse response);
  void WriteNextChunk();
  void OnChunkWritten(boost::beast::error_code ec);
  // While a response streams: waits until the socket is readable. Readable with nothing to
  // read is the client's close (or a reset): the stream ends at once (FireStreamClosed).
  // Bytes of a next request (pipelining) are read into buffer_ (plain: at once; TLS: through
  // ReadStreamInput, which also sees a close_notify) and the watch goes on, up to
  // kMaxStreamInput bytes of buffered input.
  void WatchStreamClose();
  // TLS: one read of what the socket holds. It stands in for the connection's next read
  // (ReadRequest or Linger) if the stream ends while it is pending.
  void ReadStreamInput();
  void OnStreamInputRead(boost::beast::error_code ec, size_t n);
  // The producer is told (once) that the stream will not finish normally.
  void FireStreamClosed();
  void SendErrorAndClose(int status, std::string_view error_type, std::string body);
  void Linger();
  void OnLinger(boost::beast::error_code ec);
  void Finish();
  bool RequestHasOrigin() const;
  // Idle timeout without a timer per socket operation (Beast's tcp_stream timeouts arm and
  // cancel a timer around every read and write): the current read or write must complete by
  // deadline_; one lazily re-armed timer per connection checks it (see OnDeadlineTimer).
  void SetDeadline(std::chrono::steady_clock::duration timeout);
  void ClearDeadline() { deadline_ = std::chrono::steady_clock::time_point::max(); }
  void OnDeadlineTimer(boost::beast::error_code ec);

  Worker& worker_;
  const uint64_t id_;
  const boost::asio::any_io_executor executor_;  // copy: read by Respond on other threads
  Stream stream_;
  boost::beast::flat_buffer buffer_;  // reused; keeps pipelined bytes between requests
  State state_ = State::kReading;
  bool registered_ = true;
  bool close_after_write_ = false;
  bool watch_read_pending_ = false;  // ReadStreamInput's read is in flight
  boost::asio::steady_timer deadline_timer_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool deadline_timer_armed_ = false;

  // The current request's header fields: reset (release()) before the next request, so a
  // typical header block costs no malloc/free. Larger blocks spill to the heap. Declared
  // before parser_, which allocates from it.
  alignas(std::max_align_t) std::byte fields_arena_[2048];
  std::pmr::monotonic_buffer_resource fields_memory_{fields_arena_, sizeof(fields_arena_)};
  std::optional<Parser> parser_;  // the current request; alive until its response is written
  RequestBody::value_type spare_body_;  // the previous request's body storage, reused
  size_t recycled_large_bytes_ = 0;  // charged for it to the process-wide recycling budget
  api::ApiRequest request_;
  uint64_t sequence_ = 0;  // numbers requests so stale or repeated Respond calls are ignored
  bool keep_alive_ = true;
  bool http10_ = false;
  bool has_origin_ = false;  // the dispatched request has an Origin header (CORS)
  std::string_view authorization_;  // the dispatched request's first Authorization value

  std::string header_;         // response head, reused
  std::string response_body_;  // moved in from the ApiResponse

  // Streaming response state (State::kStreaming); keyed by the request's sequence.
  std::deque<Chunk> chunks_;
  std::optional<Chunk> chunk_in_flight_;
  std::string chunk_size_line_;
  bool chunked_ = true;           // false for HTTP/1.0: raw bytes, then close
  bool stream_finishing_ = false;  // Finish() queued the last chunk
  bool stream_close_fired_ = false;
  std::function<void()> stream_closed_;
};

}  // namespace runnel::server
