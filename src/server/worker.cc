#include "server/worker.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <exception>
#include <vector>

namespace runnel::server {

void LiveConnections::Remove() {
  if (count_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard lock(mutex_);  // pairs with the predicate check in WaitForZero
    zero_.notify_all();
  }
}

bool LiveConnections::WaitForZero(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return zero_.wait_until(lock, deadline,
                          [this] { return count_.load(std::memory_order_acquire) <= 0; });
}

Worker::Worker(const HttpServerOptions& options, const Handler& handler, LiveConnections& live,
               boost::asio::ssl::context* tls_context)
    : options_(options),
      handler_(handler),
      live_(live),
      tls_context_(tls_context),
      work_(boost::asio::make_work_guard(context_)) {}

void Worker::Run() {
  for (;;) {
    try {
      context_.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("http worker: uncaught exception: {}", e.what());
    }
  }
}

uint64_t Worker::Register(std::weak_ptr<Connection> connection) {
  const uint64_t id = next_id_++;
  connections_.emplace(id, std::move(connection));
  live_.Add();
  return id;
}

void Worker::Replace(uint64_t id, std::weak_ptr<Connection> connection) {
  auto it = connections_.find(id);
  if (it != connections_.end()) it->second = std::move(connection);
}

void Worker::Unregister(uint64_t id) {
  if (connections_.erase(id) != 0) live_.Remove();
}

template <class Fn>
void Worker::ForEachConnection(Fn fn) {
  // Copy first: the callbacks unregister connections while we iterate.
  std::vector<std::shared_ptr<Connection>> alive;
  alive.reserve(connections_.size());
  for (auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) alive.push_back(std::move(connection));
  }
  for (auto& connection : alive) fn(*connection);
}

void Worker::BeginShutdown() {
  draining_ = true;
  ForEachConnection([](Connection& connection) { connection.BeginShutdown(); });
}

void Worker::ForceCloseAllAndStop() {
  draining_ = true;
  ForEachConnection([](Connection& connection) { connection.ForceClose(); });
  // Entries whose object is already gone (it will post its own Unregister) are dropped too.
  for (size_t i = 0; i < connections_.size(); ++i) live_.Remove();
  connections_.clear();
  work_.reset();
  // Cancelled operations complete through the queue; stop after they have run.
  boost::asio::post(context_, [this] { context_.stop(); });
}

}  // namespace runnel::server
