// RequestBody (server/request_body.h): Beast's parser filling it from content-length and chunked
// requests, fed whole and in small pieces; the padding guarantee after every step, growth and
// reuse of recycled storage; and, over real sockets, the padding the Handler is told about.
#include "server/request_body.h"

#include <gtest/gtest.h>

#include <boost/beast/http/parser.hpp>
#include <atomic>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "server/server_fixture.h"

namespace runnel::server {
namespace {

namespace http = boost::beast::http;
using Parser = http::request_parser<RequestBody>;

std::string Payload(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

std::string ContentLengthRequest(std::string_view body) {
  return "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

std::string ChunkedRequest(std::string_view body, size_t chunk) {
  std::string r =
      "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: T\r\nTransfer-Encoding: chunked\r\n\r\n";
  char hex[32];
  for (size_t i = 0; i < body.size(); i += chunk) {
    size_t n = std::min(chunk, body.size() - i);
    std::snprintf(hex, sizeof(hex), "%zx\r\n", n);
    r += hex;
    r.append(body.substr(i, n));
    r += "\r\n";
  }
  r += "0\r\n\r\n";
  return r;
}

void ExpectPadded(const RequestBody::value_type& body) {
  if (body.capacity() == 0) return;
  EXPECT_GE(body.capacity(), body.size() + RequestBody::kPadding);
  EXPECT_EQ(body.padding(), body.capacity() - body.size());
}

// Feeds `bytes` to `parser` `piece` bytes at a time, checking the padding after every put.
// Returns the parser's final error.
boost::beast::error_code Feed(Parser& parser, std::string_view bytes, size_t piece) {
  parser.eager(true);
  std::string pending;
  size_t offset = 0;
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    if (offset < bytes.size()) {
      size_t n = std::min(piece, bytes.size() - offset);
      pending.append(bytes.substr(offset, n));
      offset += n;
    } else if (pending.empty()) {
      return http::error::partial_message;
    }
    size_t used = parser.put(boost::asio::buffer(pending.data(), pending.size()), ec);
    pending.erase(0, used);
    if (ec == http::error::need_more) {
      ec = {};
      if (offset >= bytes.size() && used == 0) return http::error::partial_message;
      continue;
    }
    if (ec) return ec;
    ExpectPadded(parser.get().body());
  }
  return ec;
}

TEST(RequestBodyTest, ContentLengthBodiesWholeAndInPieces) {
  for (size_t n : {0, 1, 63, 64, 65, 127, 128, 1000, 4096, 65536, 70001}) {
    const std::string body = Payload(n, n);
    for (size_t piece : {size_t{1}, size_t{7}, size_t{100}, size_t{1} << 20}) {
      if (piece == 1 && n > 5000) continue;  // byte by byte is slow for the large ones
      Parser parser;
      ASSERT_FALSE(Feed(parser, ContentLengthRequest(body), piece)) << n << " " << piece;
      const auto& got = parser.get().body();
      EXPECT_EQ(got.view(), body) << n << " " << piece;
      ExpectPadded(got);
      if (n > 0) {
        // Known length: one exact allocation, data plus padding.
        EXPECT_EQ(got.capacity(), n + RequestBody::kPadding);
        // finish() made the padding deterministic.
        EXPECT_EQ(std::string_view(got.data() + n, RequestBody::kPadding),
                  std::string(RequestBody::kPadding, ' '));
      }
    }
  }
}

TEST(RequestBodyTest, ChunkedBodiesGrowAndKeepThePadding) {
  for (size_t n : {1, 63, 64, 65, 1000, 100000, 300000}) {
    const std::string body = Payload(n, n + 1);
    for (size_t chunk : {size_t{1}, size_t{64}, size_t{1000}, size_t{65536}}) {
      if (chunk == 1 && n > 2000) continue;
      for (size_t piece : {size_t{13}, size_t{4096}, size_t{1} << 20}) {
        Parser parser;
        parser.body_limit(1 << 20);
        ASSERT_FALSE(Feed(parser, ChunkedRequest(body, chunk), piece))
            << n << " " << chunk << " " << piece;
        const auto& got = parser.get().body();
        EXPECT_EQ(got.view(), body) << n << " " << chunk << " " << piece;
        ExpectPadded(got);
        EXPECT_GE(got.padding(), RequestBody::kPadding);
      }
    }
  }
}

TEST(RequestBodyTest, ChunkedOverTheLimitFails) {
  Parser parser;
  parser.body_limit(1000);
  EXPECT_EQ(Feed(parser, ChunkedRequest(Payload(1500, 3), 100), 4096), http::error::body_limit);
}

TEST(RequestBodyTest, RecycledStorageIsReusedAndStaysPadded) {
  // The first request sizes the storage exactly: data + padding.
  Parser first;
  ASSERT_FALSE(Feed(first, ContentLengthRequest(Payload(1000, 1)), 4096));
  RequestBody::value_type spare = std::move(first.get().body());
  EXPECT_EQ(first.get().body().capacity(), 0u);  // moved from: empty
  ASSERT_EQ(spare.capacity(), 1000 + RequestBody::kPadding);
  spare.clear();
  const char* storage = spare.data();

  // A body that fills the storage exactly (padding included) reuses it.
  {
    Parser p(std::piecewise_construct, std::make_tuple(std::move(spare)), std::make_tuple());
    const std::string body = Payload(1000, 2);
    ASSERT_FALSE(Feed(p, ContentLengthRequest(body), 333));
    EXPECT_EQ(p.get().body().view(), body);
    EXPECT_EQ(p.get().body().data(), storage);
    EXPECT_EQ(p.get().body().padding(), RequestBody::kPadding);
    spare = std::move(p.get().body());
    spare.clear();
  }
  // A chunked body of exactly the same size, arriving in pieces, too.
  {
    Parser p(std::piecewise_construct, std::make_tuple(std::move(spare)), std::make_tuple());
    const std::string body = Payload(1000, 3);
    ASSERT_FALSE(Feed(p, ChunkedRequest(body, 97), 50));
    EXPECT_EQ(p.get().body().view(), body);
    EXPECT_EQ(p.get().body().data(), storage);
    EXPECT_EQ(p.get().body().padding(), RequestBody::kPadding);
    spare = std::move(p.get().body());
    spare.clear();
  }
  // One byte more than fits with the padding: the storage grows, still padded.
  {
    Parser p(std::piecewise_construct, std::make_tuple(std::move(spare)), std::make_tuple());
    const std::string body = Payload(1001, 4);
    ASSERT_FALSE(Feed(p, ChunkedRequest(body, 1001), 4096));
    EXPECT_EQ(p.get().body().view(), body);
    EXPECT_GE(p.get().body().padding(), RequestBody::kPadding);
    EXPECT_GE(p.get().body().capacity(), 1001 + RequestBody::kPadding);
  }
}

TEST(RequestBodyTest, ReserveKeepsDataAndRejectsOverflow) {
  RequestBody::value_type b;
  EXPECT_EQ(b.padding(), 0u);
  ASSERT_TRUE(b.reserve(10));
  std::memcpy(b.append_space(10), "0123456789", 10);
  ASSERT_TRUE(b.reserve(100));
  EXPECT_EQ(b.view(), "0123456789");
  EXPECT_GE(b.padding(), 100 - 10 + RequestBody::kPadding);
  EXPECT_FALSE(b.reserve(SIZE_MAX));
  EXPECT_FALSE(b.reserve(SIZE_MAX - RequestBody::kPadding + 1));
  EXPECT_EQ(b.view(), "0123456789");
}

// Over real sockets: every body the Handler sees has at least 64 readable bytes after it, as
// the connection recycles its storage across bodies that grow, shrink and arrive chunked.
using RequestBodyServerTest = testing::ServerTest;

TEST_F(RequestBodyServerTest, HandlerSeesPaddedBodies) {
  std::atomic<bool> all_padded{true};
  StartServer([&](const api::ApiRequest& request, api::Respond respond) {
    if (!request.body.empty() && request.body_padding < RequestBody::kPadding) {
      all_padded = false;
    }
    // Touch the padding (a sanitizer build would flag reads past the storage).
    unsigned sum = 0;
    for (size_t i = 0; i < std::min<size_t>(request.body_padding, 64); ++i) {
      sum += static_cast<unsigned char>(request.body.data()[request.body.size() + i]);
    }
    api::ApiResponse response = testing::EchoResponse(request);
    response.body += sum == ~0u ? "!" : "";
    respond(std::move(response));
  });
  testing::TestClient client(port_);
  ASSERT_TRUE(client.connected());
  size_t i = 0;
  for (size_t n : {10, 1000, 1000, 936, 937, 5, 300000, 20, 70000, 70000, 64}) {
    const std::string body = Payload(n, 100 + i);
    const bool chunked = i++ % 2 == 1;
    ASSERT_TRUE(
        client.Send(chunked ? ChunkedRequest(body, 777) : testing::PostRequest("T", body)));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response) << n;
    EXPECT_EQ(response->body(), "POST T " + body) << n;
  }
  EXPECT_TRUE(all_padded);
}

}  // namespace
}  // namespace runnel::server
