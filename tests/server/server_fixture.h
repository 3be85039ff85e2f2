// Test fixture: an HttpServer on an ephemeral port with a fake Handler, plus helpers to answer
// requests later from other threads (as the group committer does).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "server/test_client.h"

namespace runnel::server::testing {

// Responds "<method> <target> <body>" with the request's content type.
inline api::ApiResponse EchoResponse(const api::ApiRequest& request) {
  api::ApiResponse response;
  response.content_type =
      request.content_type.empty() ? "text/plain" : std::string(request.content_type);
  response.body = std::string(request.method) + " " + std::string(request.target) + " " +
                  std::string(request.body);
  return response;
}

inline void EchoHandler(const api::ApiRequest& request, api::Respond respond) {
  respond(EchoResponse(request));
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(Handler handler, HttpServerOptions options = {}) {
    options.port = 0;
    if (options.threads == 0) options.threads = 2;
    server_ = std::make_unique<HttpServer>(options, std::move(handler));
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.error();
    port_ = *port;
  }

  // Calls `respond` with `response` after `delay`, on a new thread.
  void RespondLater(api::Respond respond, api::ApiResponse response,
                    std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    responders_.emplace_back([respond = std::move(respond), response = std::move(response),
                              delay]() mutable {
      std::this_thread::sleep_for(delay);
      respond(std::move(response));
    });
  }

  void JoinResponders() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(responders_);
    }
    for (auto& thread : threads) thread.join();
  }

  void TearDown() override {
    JoinResponders();  // every Respond runs before the server goes away
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::vector<std::thread> responders_;
};

}  // namespace runnel::server::testing
