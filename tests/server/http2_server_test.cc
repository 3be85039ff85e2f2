// HTTP/2 (h2c prior knowledge) on the HttpServer's plain port: concurrency, flow control,
// header mapping, limits, shutdown and malformed input.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <atomic>
#include <stdexcept>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/h2_test_client.h"
#include "server/server_fixture.h"

namespace runnel::server {
namespace {

using testing::EchoHandler;
using testing::EchoResponse;
using testing::H2Client;
using testing::PostRequest;
using testing::TestClient;
using Http2ServerTest = testing::ServerTest;

std::string Pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

TEST_F(Http2ServerTest, EchoCarriesKinesisHeadersAndNoConnectionHeader) {
  StartServer(EchoHandler);
  H2Client client(port_);
  ASSERT_TRUE(client.connected());
  const int32_t id = client.Post("Kinesis_20131202.ListStreams", "{}");
  ASSERT_TRUE(client.RunUntilClosed(id));
  auto& e = client.exchange(id);
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(e.body, "POST Kinesis_20131202.ListStreams {}");
  EXPECT_EQ(e.headers["content-type"], "application/x-amz-json-1.1");
  EXPECT_EQ(e.headers["content-length"], std::to_string(e.body.size()));
  EXPECT_EQ(e.headers["x-amzn-requestid"].size(), 36u);
  EXPECT_EQ(e.headers["x-amz-id-2"].size(), 96u);
  EXPECT_FALSE(e.headers["date"].empty());
  EXPECT_EQ(e.headers.count("connection"), 0u);
  EXPECT_EQ(e.headers.count("x-amzn-errortype"), 0u);
}

TEST_F(Http2ServerTest, RequestHeadersAreMappedFromPseudoHeaders) {
  std::mutex mutex;
  std::vector<std::string> seen;
  StartServer([&](const api::ApiRequest& request, api::Respond respond) {
    {
      std::lock_guard lock(mutex);
      seen.push_back(std::string(request.method) + "|" + std::string(request.header(":authority")) +
                     "|" + std::string(request.header("host")) + "|" +
                     std::string(request.header("x-custom")) + "|" +
                     std::string(request.content_type));
    }
    respond(EchoResponse(request));
  });
  H2Client client(port_);
  const int32_t a = client.Post("T", "{}", {{"x-custom", "v1"}});
  const int32_t b = client.Post("T", "{}", {{"host", "example.com:9"}});
  ASSERT_TRUE(client.RunUntilAllClosed());
  EXPECT_EQ(client.exchange(a).status, 200);
  EXPECT_EQ(client.exchange(b).status, 200);
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 2u);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen[0], "POST|localhost:1|example.com:9||application/x-amz-json-1.1");
  EXPECT_EQ(seen[1], "POST|localhost:1|localhost:1|v1|application/x-amz-json-1.1");
}

TEST_F(Http2ServerTest, ManyConcurrentStreamsAnsweredOutOfOrderFromOtherThreads) {
  constexpr int kStreams = 60;
  StartServer([&](const api::ApiRequest& request, api::Respond respond) {
    // Earlier requests answer later: responses complete in reverse order.
    const int n = std::stoi(std::string(request.body));
    RespondLater(std::move(respond), EchoResponse(request),
                 std::chrono::milliseconds(5 * (kStreams - n)));
  });
  H2Client client(port_);
  std::vector<int32_t> ids;
  for (int i = 0; i < kStreams; ++i) ids.push_back(client.Post("T", std::to_string(i)));
  ASSERT_TRUE(client.RunUntilAllClosed());
  for (int i = 0; i < kStreams; ++i) {
    auto& e = client.exchange(ids[i]);
    EXPECT_EQ(e.status, 200);
    EXPECT_EQ(e.body, "POST T " + std::to_string(i));
  }
}

TEST_F(Http2ServerTest, LargeBodiesBothWaysHonourFlowControl) {
  HttpServerOptions options;
  options.max_body_bytes = 16u << 20;
  StartServer(
      [](const api::ApiRequest& request, api::Respond respond) {
        api::ApiResponse response;
        response.body = std::string(request.body) + std::string(request.body);  // 2x back
        respond(std::move(response));
      },
      options);
  H2Client client(port_);
  const std::string body = Pattern(11u << 20);
  const int32_t first = client.Post("T", body);
  const int32_t second = client.Post("T", Pattern(3u << 20));
  ASSERT_TRUE(client.RunUntilAllClosed(std::chrono::seconds(60)));
  auto& e = client.exchange(first);
  EXPECT_EQ(e.status, 200);
  ASSERT_EQ(e.body.size(), 2 * body.size());
  EXPECT_TRUE(e.body == body + body);
  EXPECT_EQ(client.exchange(second).body.size(), 6u << 20);
}

TEST_F(Http2ServerTest, BodyOverLimitGets413AndConnectionStaysUsable) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(EchoHandler, options);
  H2Client client(port_);
  const int32_t big = client.Post("T", std::string(200 * 1024, 'x'));
  ASSERT_TRUE(client.RunUntilClosed(big));
  EXPECT_EQ(client.exchange(big).status, 413);
  EXPECT_EQ(client.exchange(big).headers["x-amzn-errortype"], "ValidationException");
  const int32_t small = client.Post("T", "ok");
  ASSERT_TRUE(client.RunUntilClosed(small));
  EXPECT_EQ(client.exchange(small).status, 200);
  EXPECT_EQ(client.exchange(small).body, "POST T ok");
}

TEST_F(Http2ServerTest, HandlerExceptionBecomes500) {
  StartServer([](const api::ApiRequest&, api::Respond) { throw std::runtime_error("boom"); });
  H2Client client(port_);
  const int32_t id = client.Post("T", "{}");
  ASSERT_TRUE(client.RunUntilClosed(id));
  EXPECT_EQ(client.exchange(id).status, 500);
}

TEST_F(Http2ServerTest, CorsPreflightAndCorsHeaders) {
  StartServer(EchoHandler);
  H2Client client(port_);
  const int32_t preflight = client.Submit(
      {{":method", "OPTIONS"}, {":scheme", "http"}, {":authority", "localhost"}, {":path", "/"},
       {"origin", "http://example.com"}, {"access-control-request-method", "POST"},
       {"access-control-request-headers", "x-amz-target"}},
      "", /*with_body=*/false);
  const int32_t post = client.Post("T", "{}", {{"origin", "http://example.com"}});
  ASSERT_TRUE(client.RunUntilAllClosed());
  auto& p = client.exchange(preflight);
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.headers["access-control-allow-methods"], "POST");
  EXPECT_EQ(p.headers["access-control-allow-headers"], "x-amz-target");
  EXPECT_EQ(p.headers["access-control-max-age"], "172800");
  EXPECT_EQ(client.exchange(post).headers["access-control-allow-origin"], "*");
}

TEST_F(Http2ServerTest, ShutdownSendsGoawayAndLetsInFlightStreamsFinish) {
  std::promise<void> handler_called;
  StartServer([&](const api::ApiRequest& request, api::Respond respond) {
    RespondLater(std::move(respond), EchoResponse(request), std::chrono::milliseconds(400));
    handler_called.set_value();
  });
  auto called = handler_called.get_future();
  H2Client client(port_);
  const int32_t id = client.Post("T", "slow");
  ASSERT_TRUE(client.RunUntil([&] {
    return called.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }));
  std::thread stopper([this] { server_->Shutdown(); });
  EXPECT_TRUE(client.RunUntilClosed(id));
  EXPECT_TRUE(client.goaway());
  EXPECT_EQ(client.goaway_last_stream(), id);
  EXPECT_EQ(client.exchange(id).status, 200);
  EXPECT_EQ(client.exchange(id).body, "POST T slow");
  client.RunUntil([&] { return client.eof(); }, std::chrono::seconds(5));
  EXPECT_TRUE(client.eof());
  stopper.join();
}

TEST_F(Http2ServerTest, IdleConnectionGetsGoawayAtShutdown) {
  StartServer(EchoHandler);
  H2Client client(port_);
  const int32_t id = client.Post("T", "{}");
  ASSERT_TRUE(client.RunUntilClosed(id));
  const auto start = std::chrono::steady_clock::now();
  server_->Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  client.RunUntil([&] { return client.eof(); }, std::chrono::seconds(5));
  EXPECT_TRUE(client.goaway());
  EXPECT_TRUE(client.eof());
}

TEST_F(Http2ServerTest, GarbageAfterPrefaceClosesOnlyThatConnection) {
  StartServer(EchoHandler);
  H2Client good(port_);
  const int32_t first = good.Post("T", "before");
  ASSERT_TRUE(good.RunUntilClosed(first));

  TestClient bad(port_);
  ASSERT_TRUE(bad.Send(std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24)));
  // A frame header claiming a 16 MiB HEADERS frame on stream 0, then junk.
  ASSERT_TRUE(bad.Send(std::string("\xff\xff\xff\x01\x05\x00\x00\x00\x00garbage-garbage", 24)));
  std::string received;
  for (std::string part; !(part = bad.ReceiveRaw()).empty();) received += part;
  // The server answered with its SETTINGS and a GOAWAY (type 7), then closed.
  EXPECT_NE(received.find('\x07'), std::string::npos);

  TestClient bad_preface(port_);
  ASSERT_TRUE(bad_preface.Send("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\ngarbage"));
  for (std::string part; !(part = bad_preface.ReceiveRaw()).empty();) {
  }

  const int32_t second = good.Post("T", "after");
  ASSERT_TRUE(good.RunUntilClosed(second));
  EXPECT_EQ(good.exchange(second).body, "POST T after");
  TestClient http1(port_);
  ASSERT_TRUE(http1.Send(PostRequest("T", "{}")));
  auto response = http1.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

// A protocol error with more input already queued: the server must half-close and drain
// (linger), not close with unread input. Closing with unread input makes the kernel send a
// reset instead of a FIN, and discard whatever of the GOAWAY is still in the send queue.
TEST_F(Http2ServerTest, ProtocolErrorGoawayIsFollowedByAnOrderlyClose) {
  StartServer(EchoHandler);
  namespace asio = boost::asio;
  asio::io_context ioc;
  for (int round = 0; round < 5; ++round) {
    asio::ip::tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), port_});
    std::string out("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    out += std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);  // empty SETTINGS
    out += std::string("\xff\xff\xff\x01\x05\x00\x00\x00\x00", 9);  // bad HEADERS
    out += std::string(200 * 1024, 'j');  // more than one server read: left unread
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(out), ec);
    EXPECT_FALSE(ec) << "round " << round << ": the server reset: " << ec.message();
    ec.clear();
    std::string received;
    char chunk[16384];
    while (!ec) {
      const size_t n = socket.read_some(asio::buffer(chunk), ec);
      received.append(chunk, n);
    }
    EXPECT_EQ(ec, asio::error::eof) << "round " << round << ": " << ec.message();
    bool goaway = false;  // walk the frames: SETTINGS, SETTINGS ACK, GOAWAY (type 7)
    for (size_t at = 0; at + 9 <= received.size();) {
      const size_t length = (uint8_t(received[at]) << 16) | (uint8_t(received[at + 1]) << 8) |
                            uint8_t(received[at + 2]);
      if (received[at + 3] == '\x07') goaway = true;
      at += 9 + length;
    }
    EXPECT_TRUE(goaway) << "round " << round << ": " << received.size() << " bytes";
  }
}

TEST_F(Http2ServerTest, ResetStreamBeforeRespondIsHarmless) {
  std::mutex mutex;
  std::vector<api::Respond> kept;
  StartServer([&](const api::ApiRequest& request, api::Respond respond) {
    if (request.body == "hold") {
      std::lock_guard lock(mutex);
      kept.push_back(std::move(respond));
      return;
    }
    respond(EchoResponse(request));
  });
  {
    H2Client client(port_);
    const int32_t id = client.Post("T", "hold");
    client.RunUntil([&] {
      std::lock_guard lock(mutex);
      return !kept.empty();
    });
    (void)id;
  }  // the client disconnects with the request unanswered
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(kept.size(), 1u);
    kept[0](EchoResponse(api::ApiRequest{}));  // late: ignored
  }
  H2Client client(port_);
  const int32_t id = client.Post("T", "x");
  ASSERT_TRUE(client.RunUntilClosed(id));
  EXPECT_EQ(client.exchange(id).status, 200);
}

}  // namespace
}  // namespace runnel::server
