// Worker: one thread's share of the server. It owns a single-threaded io_context and the set
// of connections living on it, so graceful shutdown can reach every connection without a
// global lock. Everything except context(), options(), handler() and the LiveConnections
// counter is touched only on the worker's own thread.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "server/http_server.h"

namespace runnel::server {

// Anything a Worker tracks: a connection in its detection or TLS handshake phase, or an
// HTTP/1.1 or HTTP/2 session.
class Connection {
 public:
  virtual ~Connection() = default;
  // The server is draining: close now if idle, else close after the current response.
  virtual void BeginShutdown() = 0;
  // The drain deadline passed: close immediately.
  virtual void ForceClose() = 0;
};

// Counts open connections across all workers so Shutdown() can wait for them to drain.
// Changes once per connection, never per request.
class LiveConnections {
 public:
  void Add() { count_.fetch_add(1, std::memory_order_relaxed); }
  void Remove();
  // Returns true if the count reached zero before `deadline`.
  bool WaitForZero(std::chrono::steady_clock::time_point deadline);

 private:
  std::atomic<int64_t> count_{0};
  std::mutex mutex_;
  std::condition_variable zero_;
};

class Worker {
 public:
  // `tls_context` (may be null: TLS connections are refused) must outlive the worker.
  Worker(const HttpServerOptions& options, const Handler& handler, LiveConnections& live,
         boost::asio::ssl::context* tls_context = nullptr);

  boost::asio::io_context& context() { return context_; }
  const HttpServerOptions& options() const { return options_; }
  const Handler& handler() const { return handler_; }
  boost::asio::ssl::context* tls_context() const { return tls_context_; }

  // Runs the io_context on the calling thread until Stop() takes effect.
  void Run();

  // --- worker thread only ---
  bool draining() const { return draining_; }
  // Tracks a new connection; returns its id.
  uint64_t Register(std::weak_ptr<Connection> connection);
  // Points `id` at the object that took the connection over (detector -> session).
  void Replace(uint64_t id, std::weak_ptr<Connection> connection);
  void Unregister(uint64_t id);
  // Marks the worker draining and asks every connection to finish.
  void BeginShutdown();
  // Closes every connection, drops the work guard and stops the io_context once the
  // resulting completions have run.
  void ForceCloseAllAndStop();

 private:
  template <class Fn>
  void ForEachConnection(Fn fn);

  const HttpServerOptions& options_;
  const Handler& handler_;
  LiveConnections& live_;
  boost::asio::ssl::context* const tls_context_;
  boost::asio::io_context context_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  bool draining_ = false;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;
};

}  // namespace runnel::server
