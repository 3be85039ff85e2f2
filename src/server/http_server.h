// HttpServer: the HTTP front end. Accepts TCP connections, speaks HTTP/1.1 (Boost.Beast)
// and HTTP/2 (nghttp2; h2c prior knowledge on the same port, h2 over TLS by ALPN), hands each
// request to a Handler (normally api::Service::Handle) as an api::ApiRequest, then writes the
// api::ApiResponse back with the Kinesis response headers (x-amzn-RequestId, x-amz-id-2,
// Date, Content-Length, x-amzn-ErrorType, CORS). Streaming responses
// (ApiResponse::stream_body) go out chunked on HTTP/1.1 and as DATA frames on HTTP/2.
// With a certificate, a second listener (tls_port) serves HTTPS and h2.
//
// Threading: `threads` worker threads, each running its own single-threaded io_context. A
// connection lives on one worker for its whole life, so the request path takes no lock. The
// Handler is called on the connection's worker thread and must therefore be thread-safe
// (several workers call it concurrently) and must not block for long. It may call Respond on
// any thread, later (e.g. after a group-commit fsync); the server posts the response back to
// the connection's thread. An HTTP/1.1 connection processes one request at a time (pipelined
// requests are answered in order); an HTTP/2 connection hands every stream to the Handler
// independently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/service.h"
#include "common/result.h"

namespace runnel::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4567;  // 0 = ephemeral (tests)
  unsigned threads = 0;  // 0 = std::thread::hardware_concurrency()
  size_t max_body_bytes = 10u << 20;  // larger bodies get 413 and the connection is closed
  // A connection that sends nothing (or too slowly) for this long is closed.
  std::chrono::seconds idle_timeout{300};
  // Shutdown() waits this long for in-flight requests before closing connections hard.
  std::chrono::seconds shutdown_timeout{10};
  // TLS (both files set): HTTPS and h2 on tls_port (0 = ephemeral), in addition to `port`.
  std::string tls_cert_file;
  std::string tls_key_file;
  uint16_t tls_port = 0;
};

// Called once per request. The request (and every string_view in it) stays valid until
// `respond` has been called. `respond` must be called exactly once (extra calls are ignored),
// from any thread, before the HttpServer is destroyed.
using Handler = std::function<void(const api::ApiRequest&, api::Respond)>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();  // calls Shutdown()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens on host:port and starts the worker threads. Returns the bound port
  // (useful with port 0) or a message such as "bind 127.0.0.1:4567: Address already in use".
  // REQUIRES: called at most once.
  Result<uint16_t, std::string> Start();

  // The bound TLS port after a successful Start() with TLS configured, else 0.
  uint16_t tls_port() const;

  // Graceful stop: closes the listener, closes idle keep-alive connections, lets requests
  // whose handler has not responded yet finish and have their response written (up to
  // options.shutdown_timeout), then closes what is left and joins the worker threads.
  // Thread-safe and idempotent; concurrent callers return once the shutdown is complete.
  // REQUIRES: not called from a worker thread (i.e. not from inside the Handler).
  void Shutdown();

  // Blocks until Shutdown() has completed (on any thread).
  void Wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace runnel::server
