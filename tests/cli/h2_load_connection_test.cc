// H2Session / H2StreamSlot against a tiny in-process nghttp2 server (blocking socket, one
// thread). The server answers by x-amz-target: "Echo" -> 200 with the request body,
// "Reset" -> RST_STREAM, "Goaway" -> GOAWAY (PROTOCOL_ERROR) and close.
#include "cli/bench/h2_load_connection.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace runnel::cli::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class TinyH2Server {
 public:
  TinyH2Server() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~TinyH2Server() {
    stop_ = true;
    {
      // shutdown() wakes the server thread blocked in read_some or accept.
      std::lock_guard<std::mutex> lock(mu_);
      if (current_ != nullptr) ::shutdown(current_->native_handle(), SHUT_RDWR);
    }
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  int connections() const { return connections_.load(); }
  int max_open_streams() const { return max_open_.load(); }

 private:
  struct Request {
    std::string target, body;
  };
  struct Conn {
    TinyH2Server* server;
    nghttp2_session* session = nullptr;
    std::map<int32_t, Request> requests;
    std::map<int32_t, std::string> responses;  // bodies being sent
    bool close = false;
  };

  static ssize_t ReadResponse(nghttp2_session*, int32_t id, uint8_t* buf, size_t len,
                              uint32_t* flags, nghttp2_data_source* src, void*) {
    auto* body = static_cast<std::string*>(src->ptr);
    size_t n = std::min(len, body->size());
    std::memcpy(buf, body->data(), n);
    body->erase(0, n);
    if (body->empty()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    (void)id;
    return static_cast<ssize_t>(n);
  }

  static void Answer(Conn* c, int32_t id) {
    Request& r = c->requests[id];
    if (r.target.ends_with("Reset")) {
      nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
    } else if (r.target.ends_with("Goaway")) {
      nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE, 0, NGHTTP2_PROTOCOL_ERROR, nullptr, 0);
      c->close = true;
    } else {
      std::string& body = c->responses[id];
      body = r.body;
      nghttp2_nv nv[] = {{(uint8_t*)":status", (uint8_t*)"200", 7, 3, NGHTTP2_NV_FLAG_NONE}};
      nghttp2_data_provider prd{};
      prd.source.ptr = &body;
      prd.read_callback = &ReadResponse;
      nghttp2_submit_response(c->session, id, nv, 1, &prd);
    }
  }

  void Serve() {
    while (!stop_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      ++connections_;
      {
        std::lock_guard<std::mutex> lock(mu_);
        current_ = &socket;
      }
      ServeOne(socket);
      std::lock_guard<std::mutex> lock(mu_);
      current_ = nullptr;
    }
  }

  void ServeOne(tcp::socket& socket) {
    Conn c;
    c.server = this;
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(
        cb, [](nghttp2_session*, const nghttp2_frame* f, const uint8_t* n, size_t nl,
               const uint8_t* v, size_t vl, uint8_t, void* u) -> int {
          if (std::string_view((const char*)n, nl) == "x-amz-target")
            static_cast<Conn*>(u)->requests[f->hd.stream_id].target.assign((const char*)v, vl);
          return 0;
        });
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        cb, [](nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t l, void* u) -> int {
          static_cast<Conn*>(u)->requests[id].body.append((const char*)d, l);
          return 0;
        });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        cb, [](nghttp2_session* s, const nghttp2_frame* f, void* u) -> int {
          auto* c = static_cast<Conn*>(u);
          if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
              (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
            int open = static_cast<int>(c->requests.size() - c->responses.size());
            if (open > c->server->max_open_.load()) c->server->max_open_ = open;
            Answer(c, f->hd.stream_id);
          }
          (void)s;
          return 0;
        });
    nghttp2_session_server_new(&c.session, cb, &c);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(c.session, NGHTTP2_FLAG_NONE, nullptr, 0);
    std::vector<uint8_t> buf(1 << 16);
    while (true) {
      const uint8_t* out;
      ssize_t n;
      boost::system::error_code ec;
      while ((n = nghttp2_session_mem_send(c.session, &out)) > 0)
        asio::write(socket, asio::buffer(out, n), ec);
      if (ec) break;
      if (c.close) {
        // Lingering close, as real servers do: closing with unread input (the client's
        // SETTINGS ACK, WINDOW_UPDATE) would send RST, and the client's kernel could drop
        // the GOAWAY before the client reads it. Half-close, then drain until the client
        // closes its side.
        socket.shutdown(tcp::socket::shutdown_send, ec);
        while (!ec) socket.read_some(asio::buffer(buf), ec);
        break;
      }
      size_t got = socket.read_some(asio::buffer(buf), ec);
      if (ec) break;
      if (nghttp2_session_mem_recv(c.session, buf.data(), got) < 0) break;
    }
    nghttp2_session_del(c.session);
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> max_open_{0};
  std::mutex mu_;
  tcp::socket* current_ = nullptr;  // the connection being served
};

std::string Head(std::string_view target) {
  return "POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-amz-json-1.1\r\n"
         "X-Amz-Target: Kinesis_20131202." + std::string(target) + "\r\n\r\n";
}

struct Outcome {
  bool ok = false;
  int status = 0;
  std::string body, error;
};

TEST(H2LoadConnectionTest, MultiplexesExchangesOnOneConnection) {
  TinyH2Server server;
  asio::io_context ioc;
  auto session = std::make_shared<H2Session>(ioc, server.endpoint());
  constexpr int kSlots = 4, kRounds = 5;
  std::vector<std::shared_ptr<H2StreamSlot>> slots;
  for (int i = 0; i < kSlots; ++i) slots.push_back(session->NewSlot());
  const std::string head = Head("Echo");
  std::vector<std::string> bodies;
  for (int i = 0; i < kSlots; ++i) bodies.push_back(std::string(100000 + i, char('a' + i)));
  std::vector<int> done(kSlots, 0);
  std::vector<std::string> errors;
  std::function<void(int)> issue = [&](int i) {
    slots[i]->Exchange(head, bodies[i], [&, i](const LoadResponse& r) {
      if (!r.transport_ok || r.status != 200 || r.body != bodies[i])
        errors.push_back(r.error.empty() ? "bad answer" : r.error);
      if (++done[i] < kRounds) issue(i);
    });
  };
  for (int i = 0; i < kSlots; ++i) issue(i);
  ioc.run();  // returns once every slot is idle: an idle session keeps no read outstanding
  EXPECT_TRUE(errors.empty()) << errors.front();
  for (int i = 0; i < kSlots; ++i) EXPECT_EQ(done[i], kRounds);
  EXPECT_EQ(server.connections(), 1);
  EXPECT_GT(server.max_open_streams(), 1);  // really concurrent on the one connection
  for (auto& s : slots) s->Close();
  ioc.restart();
  ioc.run();
}

TEST(H2LoadConnectionTest, RstStreamFailsOnlyThatExchange) {
  TinyH2Server server;
  asio::io_context ioc;
  auto session = std::make_shared<H2Session>(ioc, server.endpoint());
  auto a = session->NewSlot(), b = session->NewSlot();
  const std::string reset = Head("Reset"), echo = Head("Echo");
  Outcome ra, rb;
  auto capture = [](Outcome& o) {
    return [&o](const LoadResponse& r) {
      o.ok = r.transport_ok;
      o.status = r.status;
      o.body.assign(r.body);
      o.error = r.error;
    };
  };
  a->Exchange(reset, "x", capture(ra));
  b->Exchange(echo, "hello", capture(rb));
  ioc.run();
  EXPECT_FALSE(ra.ok);
  EXPECT_NE(ra.error.find("stream reset"), std::string::npos) << ra.error;
  EXPECT_TRUE(rb.ok) << rb.error;
  EXPECT_EQ(rb.body, "hello");
  EXPECT_EQ(server.connections(), 1);
}

TEST(H2LoadConnectionTest, GoawayFailsTheExchangeAndTheNextOneReconnects) {
  TinyH2Server server;
  asio::io_context ioc;
  auto session = std::make_shared<H2Session>(ioc, server.endpoint());
  auto slot = session->NewSlot();
  const std::string goaway = Head("Goaway"), echo = Head("Echo");
  Outcome first, second;
  slot->Exchange(goaway, "", [&](const LoadResponse& r) {
    first.ok = r.transport_ok;
    first.error = r.error;
    slot->Exchange(echo, "again", [&](const LoadResponse& r2) {
      second.ok = r2.transport_ok;
      second.body.assign(r2.body);
      second.error = r2.error;
    });
  });
  ioc.run();
  EXPECT_FALSE(first.ok);
  EXPECT_NE(first.error.find("GOAWAY"), std::string::npos) << first.error;
  EXPECT_TRUE(second.ok) << second.error;
  EXPECT_EQ(second.body, "again");
  EXPECT_EQ(server.connections(), 2);
}

TEST(H2LoadConnectionTest, ConnectFailureIsATransportError) {
  asio::io_context ioc;
  tcp::endpoint closed;
  {
    tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed = probe.local_endpoint();
  }  // nothing listens there any more
  auto session = std::make_shared<H2Session>(ioc, closed);
  auto slot = session->NewSlot();
  const std::string head = Head("Echo");
  Outcome o;
  slot->Exchange(head, "x", [&](const LoadResponse& r) {
    o.ok = r.transport_ok;
    o.error = r.error;
  });
  ioc.run();
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.error.find("connect"), std::string::npos) << o.error;
}

}  // namespace
}  // namespace runnel::cli::bench
