#include "server/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "server/protocol_detector.h"
#include "server/worker.h"

namespace runnel::server {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Back-off after an accept error such as EMFILE, so the loop does not spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

}  // namespace

struct HttpServer::Impl {
  enum class State { kIdle, kRunning, kStopping, kStopped };

  Impl(HttpServerOptions opts, Handler h) : options(std::move(opts)), handler(std::move(h)) {}

  Result<uint16_t, std::string> Start();
  void Accept();
  void OnAccept(boost::system::error_code ec, tcp::socket socket, Worker& target);
  void Shutdown();
  void Wait();

  const HttpServerOptions options;
  const Handler handler;
  LiveConnections live;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;

  // Acceptor state: used on workers[0]'s thread only.
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_retry;
  size_t next_worker = 0;
  bool accepting = false;

  std::mutex mutex;
  std::condition_variable state_changed;
  State state = State::kIdle;  // guarded by mutex
};

Result<uint16_t, std::string> HttpServer::Impl::Start() {
  {
    std::lock_guard lock(mutex);
    if (state != State::kIdle) return MakeUnexpected(std::string("server already started"));
    state = State::kRunning;
  }
  unsigned count = options.threads;
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < count; ++i) {
    workers.push_back(std::make_unique<Worker>(options, handler, live));
  }

  const std::string where = options.host + ":" + std::to_string(options.port);
  auto fail = [&](std::string_view step, const boost::system::error_code& ec) {
    acceptor.reset();
    workers.clear();
    std::lock_guard lock(mutex);
    state = State::kStopped;
    state_changed.notify_all();
    return MakeUnexpected(std::string(step) + " " + where + ": " + ec.message());
  };

  boost::system::error_code ec;
  tcp::resolver resolver(workers[0]->context());
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) return fail("resolve", ec);
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();

  acceptor.emplace(workers[0]->context());
  acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail("open", ec);
  acceptor->set_option(tcp::acceptor::reuse_address(true), ec);  // restart across TIME_WAIT
  if (ec) return fail("setsockopt", ec);
  acceptor->bind(endpoint, ec);
  if (ec) return fail("bind", ec);
  acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen", ec);
  const uint16_t port = acceptor->local_endpoint().port();

  accepting = true;
  accept_retry.emplace(workers[0]->context());
  Accept();
  for (auto& worker : workers) {
    threads.emplace_back([w = worker.get()] { w->Run(); });
  }
  return port;
}

// One acceptor, sockets dealt round-robin to the workers (see README.md for why not
// SO_REUSEPORT). Each socket is created directly on its worker's io_context.
void HttpServer::Impl::Accept() {
  Worker& target = *workers[next_worker];
  next_worker = (next_worker + 1) % workers.size();
  acceptor->async_accept(
      net::any_io_executor(target.context().get_executor()),
      [this, &target](boost::system::error_code ec, tcp::socket socket) {
        OnAccept(ec, std::move(socket), target);
      });
}

void HttpServer::Impl::OnAccept(boost::system::error_code ec, tcp::socket socket,
                                Worker& target) {
  if (!accepting) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    spdlog::warn("http: accept failed: {}", ec.message());
    accept_retry->expires_after(kAcceptRetryDelay);
    accept_retry->async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && accepting) Accept();
    });
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  net::post(target.context(), [&target, socket = std::move(socket)]() mutable {
    std::make_shared<ProtocolDetector>(target, std::move(socket))->Start();
  });
  Accept();
}

void HttpServer::Impl::Shutdown() {
  {
    std::unique_lock lock(mutex);
    if (state == State::kIdle) {
      state = State::kStopped;
      state_changed.notify_all();
      return;
    }
    if (state != State::kRunning) {  // another caller is (or was) shutting down
      state_changed.wait(lock, [this] { return state == State::kStopped; });
      return;
    }
    state = State::kStopping;
  }
  for (const auto& thread : threads) {
    if (thread.get_id() == std::this_thread::get_id()) {
      spdlog::critical("http: HttpServer::Shutdown called from a worker thread");
      std::terminate();
    }
  }

  net::post(workers[0]->context(), [this] {
    accepting = false;
    boost::system::error_code ignored;
    acceptor->close(ignored);
    accept_retry->cancel();
  });
  for (auto& worker : workers) {
    net::post(worker->context(), [w = worker.get()] { w->BeginShutdown(); });
  }
  if (!live.WaitForZero(std::chrono::steady_clock::now() + options.shutdown_timeout)) {
    spdlog::warn("http: shutdown timeout; closing remaining connections");
  }
  for (auto& worker : workers) {
    net::post(worker->context(), [w = worker.get()] { w->ForceCloseAllAndStop(); });
  }
  for (auto& thread : threads) thread.join();
  threads.clear();
  acceptor.reset();
  accept_retry.reset();

  std::lock_guard lock(mutex);
  state = State::kStopped;
  state_changed.notify_all();
}

void HttpServer::Impl::Wait() {
  std::unique_lock lock(mutex);
  state_changed.wait(lock, [this] { return state == State::kStopped; });
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Shutdown(); }

Result<uint16_t, std::string> HttpServer::Start() { return impl_->Start(); }

void HttpServer::Shutdown() { impl_->Shutdown(); }

void HttpServer::Wait() { impl_->Wait(); }

}  // namespace runnel::server
