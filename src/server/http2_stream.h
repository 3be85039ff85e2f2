// Http2Stream: one HTTP/2 request/response exchange inside an Http2Session.
//
// Request side: the header fields (names lower-case as HTTP/2 requires, pseudo-headers
// included) and the body, buffered up to the server's max_body_bytes. Once END_STREAM has
// arrived, BuildRequest() points `request` (an api::ApiRequest of string_views) at them.
//
// Response side: either a complete body (`body`, sent in DATA frames as flow control allows)
// or a streaming body: a queue of chunks written by the producer through ResponseStream.
// ReadResponse() is the nghttp2 data source for both.
//
// Lifetime: shared by the session's stream map (until nghttp2 closes the stream) and by the
// Respond callback of the request in flight (so the ApiRequest's string_views stay valid
// until Respond even if the client resets the stream). Touched only on the connection's
// thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/service.h"

namespace runnel::server {

struct Http2Stream {
  explicit Http2Stream(int32_t stream_id) : id(stream_id) {}

  // Value of the first header field named `lower_name`, or "". "host" falls back to
  // ":authority" (HTTP/2 clients normally send no Host header).
  std::string_view Header(std::string_view lower_name) const;
  // Fills `request` from the header fields and the body. REQUIRES: the request is complete.
  void BuildRequest();

  // nghttp2 data source: copies up to `length` response bytes to `out`. Returns the count,
  // 0 with *eof set at the end, or -1 when a streaming body has nothing yet (the caller
  // defers the stream). The `written` callbacks of chunks fully copied are moved to
  // `accepted`, to run once nghttp2 is out of its callback.
  ptrdiff_t ReadResponse(uint8_t* out, size_t length, bool* eof,
                         std::vector<std::function<void(bool)>>& accepted);
  // Fails every queued chunk (written(false)) and tells the producer the stream is gone
  // (OnClose), once.
  void AbortStreaming();
  // Tells the producer of a streaming body (once, unless it already finished) that the
  // stream will not complete normally: the client left or the server is shutting down.
  void NotifyClosed();

  const int32_t id;

  // --- request ---
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool headers_done = false;  // the first HEADERS block is complete; later ones are trailers
  bool too_large = false;     // the body passed max_body_bytes: answered 413, data dropped
  bool dispatched = false;    // handed to the Handler (or answered directly)
  api::ApiRequest request;

  // --- response ---
  bool responded = false;    // HEADERS submitted
  bool peer_closed = false;  // nghttp2 closed the stream (done, reset or connection gone)
  std::string response_body;
  size_t body_offset = 0;
  bool deferred = false;  // nghttp2 is waiting for resume_data

  struct Chunk {
    std::string bytes;
    std::function<void(bool)> written;
  };
  bool streaming = false;
  std::deque<Chunk> chunks;
  size_t chunk_offset = 0;  // bytes of chunks.front() already copied
  bool finishing = false;   // the producer called Finish
  bool close_fired = false;
  std::function<void()> on_close;
};

}  // namespace runnel::server
