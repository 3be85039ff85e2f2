#include "server/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "server/protocol_detector.h"
#include "server/tls_context.h"
#include "server/worker.h"

namespace runnel::server {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Back-off after an accept error such as EMFILE, so the loop does not spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

}  // namespace

// One listening socket. Used on workers[0]'s thread only.
struct Listener {
  Listener(net::io_context& context, bool tls) : acceptor(context), retry(context), tls_only(tls) {}
  tcp::acceptor acceptor;
  net::steady_timer retry;  // back-off after an accept error
  const bool tls_only;      // the TLS port: plain-text connections are refused
};

struct HttpServer::Impl {
  enum class State { kIdle, kRunning, kStopping, kStopped };

  Impl(HttpServerOptions opts, Handler h) : options(std::move(opts)), handler(std::move(h)) {}

  Result<uint16_t, std::string> Start();
  Result<uint16_t, std::string> Listen(Listener& listener, uint16_t port);
  void Accept(Listener& listener);
  void OnAccept(boost::system::error_code ec, tcp::socket socket, Worker& target,
                Listener& listener);
  void Shutdown();
  void Wait();

  const HttpServerOptions options;
  const Handler handler;
  std::unique_ptr<net::ssl::context> tls_context;
  LiveConnections live;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;

  // Acceptor state: used on workers[0]'s thread only.
  std::vector<std::unique_ptr<Listener>> listeners;  // [0] plain, [1] TLS if configured
  size_t next_worker = 0;
  bool accepting = false;
  uint16_t bound_tls_port = 0;

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
  auto fail = [&](std::string message) {
    listeners.clear();
    workers.clear();
    std::lock_guard lock(mutex);
    state = State::kStopped;
    state_changed.notify_all();
    return MakeUnexpected(std::move(message));
  };
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls) {
    auto context = MakeServerTlsContext(options.tls_cert_file, options.tls_key_file);
    if (!context) return fail(context.error());
    tls_context = std::move(*context);
  }
  unsigned count = options.threads;
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < count; ++i) {
    workers.push_back(std::make_unique<Worker>(options, handler, live, tls_context.get()));
  }

  listeners.push_back(std::make_unique<Listener>(workers[0]->context(), /*tls=*/false));
  auto port = Listen(*listeners.back(), options.port);
  if (!port) return fail(port.error());
  if (tls) {
    listeners.push_back(std::make_unique<Listener>(workers[0]->context(), /*tls=*/true));
    auto bound = Listen(*listeners.back(), options.tls_port);
    if (!bound) return fail(bound.error());
    bound_tls_port = *bound;
  }

  accepting = true;
  for (auto& listener : listeners) Accept(*listener);
  for (auto& worker : workers) {
    threads.emplace_back([w = worker.get()] { w->Run(); });
  }
  return *port;
}

Result<uint16_t, std::string> HttpServer::Impl::Listen(Listener& listener, uint16_t port) {
  const std::string where = options.host + ":" + std::to_string(port);
  auto error = [&](std::string_view step, const boost::system::error_code& ec) {
    return MakeUnexpected(std::string(step) + " " + where + ": " + ec.message());
  };
  boost::system::error_code ec;
  tcp::resolver resolver(workers[0]->context());
  auto endpoints = resolver.resolve(options.host, std::to_string(port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) return error("resolve", ec);
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = listener.acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return error("open", ec);
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);  // restart across TIME_WAIT
  if (ec) return error("setsockopt", ec);
  acceptor.bind(endpoint, ec);
  if (ec) return error("bind", ec);
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return error("listen", ec);
  return acceptor.local_endpoint().port();
}

// One acceptor, sockets dealt round-robin to the workers (see README.md for why not
// SO_REUSEPORT). Each socket is created directly on its worker's io_context.
void HttpServer::Impl::Accept(Listener& listener) {
  Worker& target = *workers[next_worker];
  next_worker = (next_worker + 1) % workers.size();
  listener.acceptor.async_accept(
      net::any_io_executor(target.context().get_executor()),
      [this, &target, &listener](boost::system::error_code ec, tcp::socket socket) {
        OnAccept(ec, std::move(socket), target, listener);
      });
}

void HttpServer::Impl::OnAccept(boost::system::error_code ec, tcp::socket socket,
                                Worker& target, Listener& listener) {
  if (!accepting) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    spdlog::warn("http: accept failed: {}", ec.message());
    listener.retry.expires_after(kAcceptRetryDelay);
    listener.retry.async_wait([this, &listener](boost::system::error_code wait_ec) {
      if (!wait_ec && accepting) Accept(listener);
    });
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  net::post(target.context(),
            [&target, tls_only = listener.tls_only, socket = std::move(socket)]() mutable {
              std::make_shared<ProtocolDetector>(target, std::move(socket), tls_only)->Start();
            });
  Accept(listener);
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
    for (auto& listener : listeners) {
      boost::system::error_code ignored;
      listener->acceptor.close(ignored);
      listener->retry.cancel();
    }
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
  listeners.clear();

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

uint16_t HttpServer::tls_port() const { return impl_->bound_tls_port; }

void HttpServer::Shutdown() { impl_->Shutdown(); }

void HttpServer::Wait() { impl_->Wait(); }

}  // namespace runnel::server
