// HttpServer over real sockets: framing, keep-alive, pipelining, limits, headers, async respond.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "server/server_fixture.h"

namespace runnel::server {
namespace {

using testing::EchoHandler;
using testing::EchoResponse;
using testing::PostRequest;
using testing::TestClient;
using HttpServerTest = testing::ServerTest;
namespace http = boost::beast::http;

std::string Header(const testing::Response& response, std::string_view name) {
  return std::string(response[boost::beast::string_view(name.data(), name.size())]);
}

TEST_F(HttpServerTest, BasicPostIsEchoedWithRequiredHeaders) {
  StartServer(EchoHandler);
  TestClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(PostRequest("Kinesis_20131202.ListStreams", "{}")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "POST Kinesis_20131202.ListStreams {}");
  EXPECT_EQ(Header(*response, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(Header(*response, "Content-Length"), std::to_string(response->body().size()));
  EXPECT_TRUE(std::regex_match(
      Header(*response, "x-amzn-RequestId"),
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_FALSE(Header(*response, "x-amz-id-2").empty());
  EXPECT_TRUE(std::regex_match(Header(*response, "Date"),
                               std::regex("[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} "
                                          "[0-9]{2}:[0-9]{2}:[0-9]{2} GMT")));
  EXPECT_TRUE(Header(*response, "x-amzn-ErrorType").empty());
  EXPECT_TRUE(Header(*response, "Access-Control-Allow-Origin").empty());
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer(EchoHandler);
  TestClient client(port_);
  std::string previous_id;
  for (int i = 0; i < 5; ++i) {
    const std::string body = "{\"n\":" + std::to_string(i) + "}";
    ASSERT_TRUE(client.Send(PostRequest("T", body)));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response) << "request " << i;
    EXPECT_EQ(response->body(), "POST T " + body);
    EXPECT_TRUE(response->keep_alive());
    EXPECT_NE(Header(*response, "x-amzn-RequestId"), previous_id);
    previous_id = Header(*response, "x-amzn-RequestId");
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  // The first request is answered last by the handler if the server ran them concurrently.
  StartServer([this](const api::ApiRequest& request, api::Respond respond) {
    const int delay_ms = request.body == "first" ? 150 : 10;
    RespondLater(std::move(respond), EchoResponse(request), std::chrono::milliseconds(delay_ms));
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("A", "first") + PostRequest("B", "second") +
                          PostRequest("C", "third")));
  for (const char* expected : {"POST A first", "POST B second", "POST C third"}) {
    auto response = client.ReadResponse();
    ASSERT_TRUE(response) << expected;
    EXPECT_EQ(response->body(), expected);
  }
}

TEST_F(HttpServerTest, ChunkedRequestBodyIsReassembled) {
  StartServer(EchoHandler);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(
      "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: T\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST T hello, world");
}

TEST_F(HttpServerTest, ExpectContinueGets100BeforeTheBodyIsSent) {
  StartServer(EchoHandler);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(
      "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: T\r\nExpect: 100-continue\r\n"
      "Content-Length: 4\r\n\r\n"));
  auto interim = client.ReadResponse();  // times out (nullopt) if the server waits for the body
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100);
  ASSERT_TRUE(client.Send("abcd"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "POST T abcd");
}

TEST_F(HttpServerTest, BodyOverLimitGets413ThenServerServesNewConnections) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(EchoHandler, options);
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(PostRequest("T", std::string(4096, 'x'))));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 413);
    EXPECT_EQ(Header(*response, "Connection"), "close");
    EXPECT_EQ(Header(*response, "x-amzn-ErrorType"), "ValidationException");
    EXPECT_EQ(response->body(),
              R"({"__type":"ValidationException","message":"Request body exceeds the maximum of )"
              R"(1024 bytes"})");
    EXPECT_TRUE(client.ReadEof());
  }
  {  // chunked bodies are counted too
    TestClient client(port_);
    const std::string chunk(800, 'y');
    ASSERT_TRUE(client.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 413);
  }
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", std::string(1024, 'z'))));  // exactly the limit
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

TEST_F(HttpServerTest, MalformedRequestLineGets400AndClose) {
  StartServer(EchoHandler);
  TestClient client(port_);
  ASSERT_TRUE(client.Send("THIS IS NOT HTTP\r\n\r\n"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 400);
  EXPECT_EQ(Header(*response, "Connection"), "close");
  EXPECT_FALSE(Header(*response, "x-amzn-RequestId").empty());
  EXPECT_TRUE(client.ReadEof());
}

TEST_F(HttpServerTest, AsyncRespondFromAnotherThreadSeesValidRequestViews) {
  StartServer([this](const api::ApiRequest& request, api::Respond respond) {
    // Build the echo only after the sleep: the views must still point at the request.
    std::lock_guard lock(mutex_);
    responders_.emplace_back([request, respond = std::move(respond)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      respond(EchoResponse(request));
    });
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("Kinesis_20131202.PutRecord", R"({"Data":"AAAA"})")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), R"(POST Kinesis_20131202.PutRecord {"Data":"AAAA"})");
}

TEST_F(HttpServerTest, ErrorResponseCarriesErrorTypeHeader) {
  StartServer([](const api::ApiRequest& request, api::Respond respond) {
    api::ApiResponse response;
    response.status = 400;
    response.error_type = "ResourceNotFoundException";
    response.body = R"({"__type":"ResourceNotFoundException","message":"x"})";
    respond(std::move(response));
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "{}")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 400);
  EXPECT_EQ(Header(*response, "x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_TRUE(response->keep_alive());
}

TEST_F(HttpServerTest, HeaderLookupIsByLowerCaseName) {
  StartServer([](const api::ApiRequest& request, api::Respond respond) {
    api::ApiResponse response;
    response.body = std::string(request.header("x-runnel-test")) + "|" +
                    std::string(request.header("authorization")) + "|" +
                    std::string(request.header("absent"));
    respond(std::move(response));
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(
      PostRequest("T", "{}", "X-Runnel-Test: yes\r\nAuthorization: AWS4-HMAC-SHA256 abc\r\n")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "yes|AWS4-HMAC-SHA256 abc|");
}

// Authorization is captured while the fields are scanned once; it must still answer like a
// lookup: any spelling of the name, the first of repeated fields, and nothing left over from
// the previous request on the connection.
TEST_F(HttpServerTest, AuthorizationLookupIsPerRequest) {
  StartServer([](const api::ApiRequest& request, api::Respond respond) {
    api::ApiResponse response;
    response.body = "[" + std::string(request.header("authorization")) + "]";
    respond(std::move(response));
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(
      PostRequest("T", "{}", "aUtHoRiZaTiOn: first\r\nAuthorization: second\r\n")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "[first]");
  ASSERT_TRUE(client.Send(PostRequest("T", "{}")));
  response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "[]");
  ASSERT_TRUE(client.Send(PostRequest("T", "{}", "Authorization: third\r\n")));
  response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "[third]");
}

TEST_F(HttpServerTest, NonPostMethodsArePassedToTheHandler) {
  StartServer(EchoHandler);
  TestClient client(port_);
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "GET  ");
}

TEST_F(HttpServerTest, Http10WithoutKeepAliveIsClosedAfterResponse) {
  StartServer(EchoHandler);
  TestClient client(port_);
  ASSERT_TRUE(client.Send("POST / HTTP/1.0\r\nX-Amz-Target: T\r\nContent-Length: 2\r\n\r\n{}"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST T {}");
  EXPECT_EQ(Header(*response, "Connection"), "close");
  EXPECT_TRUE(client.ReadEof());
}

TEST_F(HttpServerTest, Http10KeepAliveIsHonoured) {
  StartServer(EchoHandler);
  TestClient client(port_);
  const std::string request =
      "POST / HTTP/1.0\r\nConnection: keep-alive\r\nX-Amz-Target: T\r\nContent-Length: 2\r\n\r\n{}";
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.Send(request));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(Header(*response, "Connection"), "keep-alive");
  }
}

TEST_F(HttpServerTest, ClientConnectionCloseIsHonoured) {
  StartServer(EchoHandler);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "{}", "Connection: close\r\n")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(Header(*response, "Connection"), "close");
  EXPECT_TRUE(client.ReadEof());
}

TEST_F(HttpServerTest, CorsHeadersWhenOriginIsPresent) {
  StartServer(EchoHandler);
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "{}", "Origin: http://example.com\r\n")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(Header(*response, "Access-Control-Allow-Origin"), "*");
  EXPECT_NE(Header(*response, "Access-Control-Expose-Headers").find("x-amzn-RequestId"),
            std::string::npos);
}

TEST_F(HttpServerTest, CorsPreflightIsAnsweredByTheServer) {
  std::atomic<int> handler_calls{0};
  StartServer([&](const api::ApiRequest& request, api::Respond respond) {
    ++handler_calls;
    EchoHandler(request, std::move(respond));
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send("OPTIONS / HTTP/1.1\r\nHost: x\r\nOrigin: http://example.com\r\n"
                          "Access-Control-Request-Method: POST\r\n"
                          "Access-Control-Request-Headers: content-type,x-amz-target\r\n\r\n"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "");
  EXPECT_EQ(Header(*response, "Access-Control-Allow-Methods"), "POST");
  EXPECT_EQ(Header(*response, "Access-Control-Allow-Headers"), "content-type,x-amz-target");
  EXPECT_EQ(Header(*response, "Access-Control-Max-Age"), "172800");
  EXPECT_EQ(handler_calls.load(), 0);
  // OPTIONS without Origin goes to the handler like any other method.
  ASSERT_TRUE(client.Send("OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n"));
  response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "OPTIONS  ");
  EXPECT_EQ(handler_calls.load(), 1);
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500) {
  StartServer([](const api::ApiRequest&, api::Respond) { throw std::runtime_error("boom"); });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "{}")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500);
  EXPECT_EQ(Header(*response, "x-amzn-ErrorType"), "InternalFailure");
}

TEST_F(HttpServerTest, SecondRespondIsIgnored) {
  StartServer([](const api::ApiRequest& request, api::Respond respond) {
    respond(EchoResponse(request));
    api::ApiResponse extra;
    extra.body = "extra";
    respond(std::move(extra));
  });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "1") + PostRequest("T", "2")));
  auto first = client.ReadResponse();
  auto second = client.ReadResponse();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body(), "POST T 1");
  EXPECT_EQ(second->body(), "POST T 2");
}

TEST_F(HttpServerTest, ClientDisconnectsMidRequestAndMidHandler) {
  StartServer([this](const api::ApiRequest& request, api::Respond respond) {
    RespondLater(std::move(respond), EchoResponse(request), std::chrono::milliseconds(100));
  });
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
  }
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(PostRequest("T", "{}")));
  }  // gone before the handler responds
  JoinResponders();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "ok")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST T ok");
}

TEST_F(HttpServerTest, Http2PrefaceIsServedWithoutBreakingHttp1) {
  StartServer(EchoHandler);
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24)));
    const std::string frames = client.ReceiveRaw();  // the server's SETTINGS frame
    ASSERT_GE(frames.size(), 9u);
    EXPECT_EQ(frames[3], '\x04');
  }
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("T", "{}")));
  EXPECT_TRUE(client.ReadResponse());
}

TEST_F(HttpServerTest, ManyConnectionsAcrossWorkers) {
  HttpServerOptions options;
  options.threads = 4;
  StartServer(EchoHandler, options);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      TestClient client(port_);
      for (int i = 0; i < 50; ++i) {
        const std::string body = std::to_string(c) + ":" + std::to_string(i);
        if (!client.Send(PostRequest("T", body))) return;
        auto response = client.ReadResponse();
        if (response && response->body() == "POST T " + body) ++ok;
      }
    });
  }
  for (auto& thread : clients) thread.join();
  EXPECT_EQ(ok.load(), 8 * 50);
}

// Request body storage is kept across a connection's requests, large bodies too (within a
// process-wide budget that these 24 connections exceed, so some keep theirs and some do not):
// every body, growing or shrinking from one request to the next, arrives intact.
TEST_F(HttpServerTest, RecycledBodyStorageOfEverySizeCarriesEachBodyIntact) {
  HttpServerOptions options;
  options.threads = 4;
  StartServer(EchoHandler, options);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  constexpr int kClients = 24;
  constexpr size_t kSizes[] = {700'000, 5, 1'200'000, 300'000, 700'000, 64, 2'000'000, 1};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      TestClient client(port_);
      for (size_t i = 0; i < std::size(kSizes); ++i) {
        std::string body(kSizes[i], ' ');
        for (size_t k = 0; k < body.size(); ++k)
          body[k] = static_cast<char>('a' + (k * 7 + i * 3 + static_cast<size_t>(c)) % 26);
        if (!client.Send(PostRequest("T", body))) return;
        auto response = client.ReadResponse();
        if (response && response->body() == "POST T " + body) ++ok;
      }
    });
  }
  for (auto& thread : clients) thread.join();
  EXPECT_EQ(ok.load(), kClients * static_cast<int>(std::size(kSizes)));
}

}  // namespace
}  // namespace runnel::server
