// Streaming responses (ApiResponse::stream_body) over HTTP/1.1 (chunked) and HTTP/2 (DATA
// frames): incremental delivery, back-pressure through `written`, OnClose on disconnect and
// shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "server/h2_test_client.h"
#include "server/server_fixture.h"

namespace runnel::server {
namespace {

using testing::EchoResponse;
using testing::H2Client;
using testing::PostRequest;
using testing::TestClient;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kEventStream = "application/vnd.amazon.eventstream";

class StreamingResponseTest : public testing::ServerTest {
 protected:
  // Target "stream" gets a streaming response whose ResponseStream is published to the
  // test (and `on_stream` runs with it, on the worker thread); anything else is echoed.
  void StartStreamingServer(std::function<void(std::shared_ptr<api::ResponseStream>)> on_stream =
                                nullptr) {
    on_stream_ = std::move(on_stream);
    StartServer([this](const api::ApiRequest& request, api::Respond respond) {
      if (request.target != "stream") {
        respond(EchoResponse(request));
        return;
      }
      api::ApiResponse response;
      response.content_type = std::string(kEventStream);
      response.stream_body = [this](std::shared_ptr<api::ResponseStream> stream) {
        if (on_stream_) on_stream_(stream);
        std::lock_guard lock(mutex_);
        stream_ = std::move(stream);
        cv_.notify_all();
      };
      respond(std::move(response));
    });
  }

  std::shared_ptr<api::ResponseStream> WaitForStream() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(5), [this] { return stream_ != nullptr; });
    return stream_;
  }

  bool StreamReady() {
    std::lock_guard lock(mutex_);
    return stream_ != nullptr;
  }

  // Writes `count` chunks of `size` bytes, each only after the previous one was accepted.
  void WriteChunksWithBackPressure(std::shared_ptr<api::ResponseStream> stream, int count,
                                   size_t size) {
    auto next = std::make_shared<std::function<void(int)>>();
    *next = [this, stream, count, size, weak = std::weak_ptr(next)](int i) {
      if (i == count) {
        stream->Finish();
        return;
      }
      stream->Write(std::string(size, static_cast<char>('a' + i % 26)),
                    [this, i, weak](bool ok) {
                      if (!ok) {
                        failed_writes_++;
                        return;
                      }
                      accepted_chunks_++;
                      if (auto fn = weak.lock()) (*fn)(i + 1);
                    });
    };
    keep_ = next;
    (*next)(0);
  }

  std::function<void(std::shared_ptr<api::ResponseStream>)> on_stream_;
  std::shared_ptr<api::ResponseStream> stream_;
  std::condition_variable cv_;
  std::shared_ptr<std::function<void(int)>> keep_;
  std::atomic<int> accepted_chunks_{0};
  std::atomic<int> failed_writes_{0};
  std::atomic<int> closes_{0};
};

std::string ReadUntil(TestClient& client, std::string& seen, std::string_view needle) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (seen.find(needle) == std::string::npos && Clock::now() < deadline) {
    std::string part = client.ReceiveRaw();
    if (part.empty()) break;
    seen += part;
  }
  return seen;
}

TEST_F(StreamingResponseTest, Http1ChunksArriveIncrementallyThenConnectionIsReused) {
  StartStreamingServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("stream", "{}")));
  auto stream = WaitForStream();
  ASSERT_TRUE(stream);
  std::promise<bool> first_written;
  stream->Write("hello", [&](bool ok) { first_written.set_value(ok); });
  std::string seen;
  ReadUntil(client, seen, "5\r\nhello\r\n");
  ASSERT_NE(seen.find("5\r\nhello\r\n"), std::string::npos) << seen;
  EXPECT_TRUE(first_written.get_future().get());
  EXPECT_NE(seen.find("HTTP/1.1 200 OK\r\n"), std::string::npos);
  EXPECT_NE(seen.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(seen.find("Content-Type: application/vnd.amazon.eventstream\r\n"), std::string::npos);
  EXPECT_EQ(seen.find("Content-Length"), std::string::npos);
  EXPECT_NE(seen.find("x-amzn-RequestId: "), std::string::npos);

  stream->Write("world!", nullptr);
  ReadUntil(client, seen, "6\r\nworld!\r\n");
  EXPECT_NE(seen.find("6\r\nworld!\r\n"), std::string::npos);
  stream->Finish();
  stream->Finish();  // idempotent
  ReadUntil(client, seen, "0\r\n\r\n");
  EXPECT_EQ(seen.substr(seen.size() - 5), "0\r\n\r\n");

  ASSERT_TRUE(client.Send(PostRequest("T", "next")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST T next");
  std::promise<bool> late;
  stream->Write("late", [&](bool ok) { late.set_value(ok); });
  EXPECT_FALSE(late.get_future().get());
}

TEST_F(StreamingResponseTest, Http2ChunksArriveIncrementally) {
  StartStreamingServer();
  H2Client client(port_);
  const int32_t id = client.Post("stream", "{}");
  ASSERT_TRUE(client.RunUntil([&] { return StreamReady(); }));
  auto stream = WaitForStream();
  stream->Write("hello", nullptr);
  ASSERT_TRUE(client.RunUntil([&] { return client.exchange(id).body == "hello"; }));
  auto& e = client.exchange(id);
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(e.headers["content-type"], kEventStream);
  EXPECT_EQ(e.headers.count("content-length"), 0u);
  EXPECT_FALSE(e.closed);
  stream->Write(" world!", nullptr);
  stream->Finish();
  ASSERT_TRUE(client.RunUntilClosed(id));
  EXPECT_EQ(e.body, "hello world!");
  EXPECT_EQ(e.error_code, 0u);
  // Another stream on the same connection still works.
  const int32_t other = client.Post("T", "x");
  ASSERT_TRUE(client.RunUntilClosed(other));
  EXPECT_EQ(client.exchange(other).body, "POST T x");
}

TEST_F(StreamingResponseTest, Http1SlowReaderMakesWritesWait) {
  constexpr int kChunks = 64;
  constexpr size_t kChunkSize = 256 * 1024;  // 16 MiB in all: more than the socket buffers
  StartStreamingServer([this](auto stream) { WriteChunksWithBackPressure(stream, kChunks, kChunkSize); });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("stream", "{}")));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // not reading
  EXPECT_LT(accepted_chunks_.load(), kChunks);
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body().size(), kChunks * kChunkSize);
  EXPECT_EQ(accepted_chunks_.load(), kChunks);
}

TEST_F(StreamingResponseTest, Http2SlowReaderMakesWritesWait) {
  constexpr int kChunks = 64;
  constexpr size_t kChunkSize = 64 * 1024;
  StartStreamingServer([this](auto stream) { WriteChunksWithBackPressure(stream, kChunks, kChunkSize); });
  H2Client client(port_);
  const int32_t id = client.Post("stream", "{}");
  ASSERT_TRUE(client.RunUntil([&] { return StreamReady(); }));
  // The client's 64 KiB stream window is all the server may send until the client reads.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(accepted_chunks_.load(), 8);
  ASSERT_TRUE(client.RunUntilClosed(id, std::chrono::seconds(30)));
  EXPECT_EQ(client.exchange(id).body.size(), kChunks * kChunkSize);
  EXPECT_EQ(accepted_chunks_.load(), kChunks);
}

TEST_F(StreamingResponseTest, Http1DisconnectFiresOnCloseAndFailsWrites) {
  StartStreamingServer([this](auto stream) {
    stream->OnClose([this] { closes_++; });
    WriteChunksWithBackPressure(stream, 1 << 20, 16 * 1024);  // "forever"
  });
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(PostRequest("stream", "{}")));
    ASSERT_TRUE(WaitForStream());
    client.ReceiveRaw();
  }
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while ((closes_ == 0 || failed_writes_ == 0) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(closes_.load(), 1);
  EXPECT_EQ(failed_writes_.load(), 1);
}

// A client that sends bytes of a next request while its stream is idle, then closes: the
// close is still seen at once (before the fix, watching stopped at the first input bytes, and
// the close was noticed only at the next write).
TEST_F(StreamingResponseTest, Http1CloseAfterPipelinedBytesFiresOnCloseAtOnce) {
  StartStreamingServer([this](auto stream) { stream->OnClose([this] { closes_++; }); });
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(PostRequest("stream", "{}")));
    ASSERT_TRUE(WaitForStream());
    ASSERT_TRUE(client.Send("POST / HTTP/1.1\r\nHost: localhost\r\n"));  // half a request
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(closes_.load(), 0);
  }
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (closes_ == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(closes_.load(), 1);
}

// A whole request pipelined during a stream is answered once the stream ends, and a close
// after it is still seen while the stream lasts.
TEST_F(StreamingResponseTest, Http1RequestPipelinedDuringStreamIsAnsweredAfterIt) {
  StartStreamingServer([this](auto stream) { stream->OnClose([this] { closes_++; }); });
  TestClient client(port_);
  ASSERT_TRUE(client.Send(PostRequest("stream", "{}")));
  auto stream = WaitForStream();
  ASSERT_TRUE(stream);
  ASSERT_TRUE(client.Send(PostRequest("T", "one") + PostRequest("T", "two")));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // read while streaming
  stream->Write("data", nullptr);
  stream->Finish();
  std::string seen;
  ReadUntil(client, seen, "POST T two");
  EXPECT_NE(seen.find("4\r\ndata\r\n0\r\n\r\n"), std::string::npos) << seen;
  ASSERT_NE(seen.find("POST T one"), std::string::npos) << seen;
  EXPECT_LT(seen.find("POST T one"), seen.find("POST T two"));
  EXPECT_EQ(closes_.load(), 0);
}

TEST_F(StreamingResponseTest, Http2DisconnectFiresOnClose) {
  StartStreamingServer([this](auto stream) { stream->OnClose([this] { closes_++; }); });
  {
    H2Client client(port_);
    client.Post("stream", "{}");
    ASSERT_TRUE(client.RunUntil([&] { return StreamReady(); }));
  }
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (closes_ == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(closes_.load(), 1);
  std::promise<bool> written;
  WaitForStream()->Write("x", [&](bool ok) { written.set_value(ok); });
  EXPECT_FALSE(written.get_future().get());
}

TEST_F(StreamingResponseTest, ShutdownFiresOnCloseAndProducerFinishes) {
  StartStreamingServer([](std::shared_ptr<api::ResponseStream> stream) {
    stream->Write("first,", nullptr);
    stream->OnClose([stream] {
      stream->Write("last", nullptr);
      stream->Finish();
    });
  });
  TestClient h1(port_);
  ASSERT_TRUE(h1.Send(PostRequest("stream", "{}")));
  H2Client h2(port_);
  const int32_t id = h2.Post("stream", "{}");
  ASSERT_TRUE(h2.RunUntil([&] { return h2.exchange(id).body == "first,"; }));
  std::string seen;
  ReadUntil(h1, seen, "first,");

  std::thread stopper([this] { server_->Shutdown(); });
  ASSERT_TRUE(h2.RunUntilClosed(id));
  EXPECT_EQ(h2.exchange(id).body, "first,last");
  EXPECT_TRUE(h2.goaway());
  ReadUntil(h1, seen, "0\r\n\r\n");
  EXPECT_NE(seen.find("4\r\nlast\r\n0\r\n\r\n"), std::string::npos) << seen;
  stopper.join();
}

}  // namespace
}  // namespace runnel::server
