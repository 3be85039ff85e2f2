// Http2Session: the HTTP/2 protocol state of one connection, on top of nghttp2's server
// session API. It never touches a socket: Http2Connection feeds it received bytes
// (Receive) and writes what it produces (TakeOutput), so the same session serves h2c and h2
// over TLS.
//
// Each request stream is handed to the Handler independently once its END_STREAM arrives,
// so responses complete in any order. Request bodies are buffered per stream up to
// max_body_bytes (nghttp2 returns the flow-control credit as data is buffered); a larger
// body gets a 413 answer and the rest of its data is dropped. Response bodies go out through
// an nghttp2 data provider, so DATA frames honour the client's flow-control windows; a
// streaming body (ApiResponse::stream_body) is deferred while its queue is empty and resumed
// by the next Write or Finish. Response headers are the HTTP/1.1 ones (response_head.h),
// lower-cased, without Connection.
//
// Protocol errors (bad preface, malformed frames, flow-control violations): nghttp2 answers
// with GOAWAY or RST_STREAM itself; a fatal one makes Receive return false and the
// connection closes once the GOAWAY is written. Only this connection is affected.
//
// Threading: every member runs on the connection's thread. Respond and the ResponseStream
// may be called from any thread and post here; they hold the session (shared_ptr) and the
// stream, never the socket.
#pragma once

#include <nghttp2/nghttp2.h>

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/service.h"
#include "server/http2_stream.h"
#include "server/worker.h"

namespace runnel::server {

class Http2Session : public std::enable_shared_from_this<Http2Session> {
 public:
  Http2Session(Worker& worker, boost::asio::any_io_executor executor);
  ~Http2Session();
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  // Creates the nghttp2 session and queues the server SETTINGS. `wake` is called when output
  // becomes pending outside Receive (a late Respond, a streamed Write); it must lead to
  // TakeOutput soon. Returns false if nghttp2 cannot start.
  bool Start(std::function<void()> wake);
  // Processes received bytes and hands every completed request to the Handler. Returns
  // false on a connection-level protocol error: write the pending output (GOAWAY), then close.
  bool Receive(const uint8_t* data, size_t size);
  // Appends pending frames to `out` until it holds about `limit` bytes or nothing is left.
  // Returns false on an internal nghttp2 failure (close the connection).
  bool TakeOutput(std::string& out, size_t limit);
  // Both false: the session is finished (GOAWAY exchanged and no stream open) - close.
  bool WantRead() const;
  bool WantWrite() const;
  bool HasStreams() const { return !streams_.empty(); }
  // Graceful shutdown: GOAWAY naming the last stream processed; open streams may finish, and
  // producers of streaming bodies are told (OnClose).
  void Goaway();
  // The connection is gone: streams are aborted, later Responds are ignored.
  void Terminate();

  // --- used by PostedResponseStream, on the connection's thread ---
  using StreamRef = std::shared_ptr<Http2Stream>;
  const boost::asio::any_io_executor& executor() const { return executor_; }
  void StreamWrite(const StreamRef& stream, std::string bytes, std::function<void(bool)> written);
  void StreamFinish(const StreamRef& stream);
  void StreamOnClose(const StreamRef& stream, std::function<void()> closed);

 private:
  struct Callbacks;  // nghttp2 callback thunks (http2_session.cc)
  friend struct Callbacks;

  Http2Stream* Find(int32_t stream_id);
  void DispatchReady();
  void Dispatch(const StreamRef& stream);
  void OnResponse(const StreamRef& stream, api::ApiResponse response);
  void SubmitResponse(Http2Stream& stream, api::ApiResponse& response);
  void SubmitPreflight(Http2Stream& stream);
  void Resume(Http2Stream& stream);
  void Wake();

  Worker& worker_;
  const boost::asio::any_io_executor executor_;
  nghttp2_session* session_ = nullptr;
  std::function<void()> wake_;
  bool in_receive_ = false;  // inside Receive: the connection flushes afterwards anyway
  bool terminated_ = false;
  std::unordered_map<int32_t, StreamRef> streams_;
  std::vector<StreamRef> ready_;  // requests completed during mem_recv, dispatched after it
  std::vector<std::function<void(bool)>> accepted_;  // written(true) to run after mem_send
};

}  // namespace runnel::server
