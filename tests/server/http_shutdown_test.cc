// HttpServer lifecycle: graceful shutdown, idle timeout, start errors.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "server/server_fixture.h"

namespace runnel::server {
namespace {

using testing::EchoHandler;
using testing::EchoResponse;
using testing::PostRequest;
using testing::TestClient;
using HttpShutdownTest = testing::ServerTest;
using Clock = std::chrono::steady_clock;

TEST_F(HttpShutdownTest, InFlightRequestCompletesDuringShutdown) {
  std::promise<void> handler_called;
  StartServer([&](const api::ApiRequest& request, api::Respond respond) {
    RespondLater(std::move(respond), EchoResponse(request), std::chrono::milliseconds(300));
    handler_called.set_value();
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "slow")));
  ASSERT_EQ(handler_called.get_future().wait_for(std::chrono::seconds(5)),
            std::future_status::ready);

  const auto start = Clock::now();
  std::thread stopper([this] { server_->Shutdown(); });
  auto response = client.ReadResponse();
  client.Close();
  stopper.join();

  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "POST T slow");
  EXPECT_EQ(std::string((*response)["Connection"]), "close");
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  TestClient late(port_);  // the listener is gone
  EXPECT_FALSE(late.connected() && late.Send(PostRequest("T", "{}")) && late.ReadResponse());
}

TEST_F(HttpShutdownTest, IdleKeepAliveConnectionsAreClosedPromptly) {
  StartServer(EchoHandler);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "{}")));
  ASSERT_TRUE(client.ReadResponse());
  TestClient silent(port_);  // connected, never sent a byte

  const auto start = Clock::now();
  server_->Shutdown();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
  EXPECT_TRUE(client.ReadEof());
  EXPECT_TRUE(silent.ReadClosed());
}

TEST_F(HttpShutdownTest, ShutdownIsIdempotentAndWaitReturns) {
  StartServer(EchoHandler);
  std::thread waiter([this] { server_->Wait(); });
  std::thread first([this] { server_->Shutdown(); });
  std::thread second([this] { server_->Shutdown(); });
  first.join();
  second.join();
  waiter.join();
  server_->Shutdown();
}

TEST_F(HttpShutdownTest, UnansweredRequestIsCutAtShutdownTimeout) {
  HttpServerOptions options;
  options.shutdown_timeout = std::chrono::seconds(1);
  api::Respond kept;
  std::mutex kept_mutex;
  StartServer(
      [&](const api::ApiRequest&, api::Respond respond) {
        std::lock_guard lock(kept_mutex);
        kept = std::move(respond);  // never called until after shutdown
      },
      options);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "{}")));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = Clock::now();
  server_->Shutdown();
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  EXPECT_FALSE(client.ReadResponse());
  std::lock_guard lock(kept_mutex);
  ASSERT_TRUE(kept);
  kept(EchoResponse(api::ApiRequest{}));  // late: ignored, must not crash
  kept = nullptr;
}

TEST_F(HttpShutdownTest, IdleTimeoutClosesSilentConnection) {
  HttpServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  StartServer(EchoHandler, options);
  TestClient client(port_);
  ASSERT_TRUE(client.Send("POST / HTTP/1.1\r\nHost: x\r\n"));  // slowloris: never finishes
  const auto start = Clock::now();
  EXPECT_TRUE(client.ReadEof());
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(4));
}

// The idle deadline restarts with every request: a keep-alive connection that goes quiet
// after a response is closed one timeout later.
TEST_F(HttpShutdownTest, IdleTimeoutClosesQuietKeepAliveConnection) {
  HttpServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  StartServer(EchoHandler, options);
  TestClient client(port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.Send(PostRequest("T", "{}")));
    ASSERT_TRUE(client.ReadResponse());
  }
  const auto start = Clock::now();
  EXPECT_TRUE(client.ReadEof());
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(4));
}

// The timeout covers reading and writing, not the handler: a slow handler (e.g. waiting for
// an fsync or a long poll) longer than the idle timeout still gets its response out.
TEST_F(HttpShutdownTest, IdleTimeoutDoesNotCutASlowHandler) {
  HttpServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  StartServer(
      [&](const api::ApiRequest& request, api::Respond respond) {
        RespondLater(std::move(respond), EchoResponse(request), std::chrono::milliseconds(1800));
      },
      options);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "slow")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST T slow");
  ASSERT_TRUE(client.Send(PostRequest("T", "again")));  // still open, and still served
  response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST T again");
}

TEST(HttpServerStartTest, PortInUseIsReported) {
  HttpServerOptions options;
  options.port = 0;
  options.threads = 1;
  HttpServer first(options, testing::EchoHandler);
  auto port = first.Start();
  ASSERT_TRUE(port.ok()) << port.error();
  options.port = *port;
  HttpServer second(options, testing::EchoHandler);
  auto result = second.Start();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("bind"), std::string::npos) << result.error();
}

}  // namespace
}  // namespace runnel::server
