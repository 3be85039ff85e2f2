#include "cli/bench/load_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

namespace runnel::cli::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

constexpr size_t kInitialBuffer = 64 << 10;

}  // namespace

LoadConnection::LoadConnection(asio::io_context& ioc, tcp::endpoint endpoint)
    : socket_(ioc), endpoint_(endpoint) {
  Reserve(kInitialBuffer);
}

void LoadConnection::Reserve(size_t n) {
  if (n <= rcap_) return;
  auto bigger = std::make_unique_for_overwrite<char[]>(n);
  if (rlen_ > 0) std::memcpy(bigger.get(), rbuf_.get(), rlen_);
  rbuf_ = std::move(bigger);
  rcap_ = n;
}

void LoadConnection::Exchange(std::string_view head, std::string_view body, Done done) {
  head_ = head;
  body_ = body;
  done_ = std::move(done);
  if (connected_) return Write();
  boost::system::error_code ignored;
  socket_.close(ignored);
  socket_.async_connect(endpoint_, [self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return self->Fail("connect: " + ec.message());
    boost::system::error_code ignored2;
    self->socket_.set_option(tcp::no_delay(true), ignored2);
    self->connected_ = true;
    self->rlen_ = 0;
    self->Write();
  });
}

void LoadConnection::Close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  connected_ = false;
}

void LoadConnection::Write() {
  header_len_ = 0;
  content_length_ = -1;
  chunked_ = false;
  close_after_ = false;
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head_.data(), head_.size()),
                                         asio::buffer(body_.data(), body_.size())};
  asio::async_write(socket_, bufs,
                    [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                      if (ec) return self->Fail("write: " + ec.message());
                      if (self->TryParse()) return self->Finish();
                      self->ReadMore();
                    });
}

void LoadConnection::ReadMore() {
  if (rcap_ - rlen_ < 16 << 10) Reserve(std::max(rcap_ * 2, rlen_ + (64 << 10)));
  socket_.async_read_some(
      asio::buffer(rbuf_.get() + rlen_, rcap_ - rlen_),
      [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
        if (ec) return self->Fail("read: " + ec.message());
        self->rlen_ += n;
        if (self->TryParse()) return self->Finish();
        self->ReadMore();
      });
}

bool LoadConnection::TryParse() {
  std::string_view buf(rbuf_.get(), rlen_);
  if (header_len_ == 0) {
    size_t end = buf.find("\r\n\r\n");
    if (end == std::string_view::npos) return false;
    header_len_ = end + 4;
    std::string_view head = buf.substr(0, end);
    size_t eol = head.find("\r\n");
    std::string_view status_line = head.substr(0, eol);
    size_t sp = status_line.find(' ');
    status_ = 0;
    if (sp != std::string_view::npos) {
      for (size_t i = sp + 1; i < status_line.size() && status_line[i] >= '0' && status_line[i] <= '9'; ++i)
        status_ = status_ * 10 + (status_line[i] - '0');
    }
    if (status_line.starts_with("HTTP/1.0")) close_after_ = true;
    while (eol != std::string_view::npos) {
      size_t start = eol + 2;
      eol = head.find("\r\n", start);
      std::string_view line = head.substr(start, eol == std::string_view::npos ? head.npos : eol - start);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = Trim(line.substr(0, colon));
      std::string_view value = Trim(line.substr(colon + 1));
      if (IEquals(name, "content-length")) {
        content_length_ = 0;
        for (char c : value) content_length_ = content_length_ * 10 + (c - '0');
      } else if (IEquals(name, "transfer-encoding")) {
        chunked_ = value.find("chunked") != std::string_view::npos;
      } else if (IEquals(name, "connection")) {
        if (IEquals(value, "close")) close_after_ = true;
      }
    }
    if (!chunked_ && content_length_ < 0) content_length_ = 0;  // no body framing: none sent
    if (!chunked_) Reserve(header_len_ + content_length_ + 4096);
  }
  if (!chunked_) {
    if (rlen_ < header_len_ + static_cast<size_t>(content_length_)) return false;
    response_len_ = header_len_ + content_length_;
    return true;
  }
  // Chunked: decode from the start each time (responses are small or rare in this mode).
  chunked_body_.clear();
  size_t pos = header_len_;
  while (true) {
    size_t eol = buf.find("\r\n", pos);
    if (eol == std::string_view::npos) return false;
    size_t size = 0;
    for (size_t i = pos; i < eol; ++i) {
      char c = buf[i];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) break;  // chunk extensions
      size = size * 16 + d;
    }
    size_t data = eol + 2;
    if (size == 0) {
      size_t trailer_end = buf.find("\r\n", data);  // no trailers expected
      if (trailer_end == std::string_view::npos) return false;
      response_len_ = trailer_end + 2;
      return true;
    }
    if (rlen_ < data + size + 2) return false;
    chunked_body_.append(buf.data() + data, size);
    pos = data + size + 2;
  }
}

void LoadConnection::Finish() {
  LoadResponse r;
  r.transport_ok = true;
  r.status = status_;
  r.body = chunked_ ? std::string_view(chunked_body_)
                    : std::string_view(rbuf_.get() + header_len_, content_length_);
  // One request is in flight, so nothing follows the response. State is reset before the
  // callback because the callback normally starts the next exchange (whose completion may run
  // on another thread); the bytes behind r.body are not touched until that exchange reads.
  rlen_ = 0;
  header_len_ = 0;
  if (close_after_) Close();
  Done done = std::move(done_);
  done(r);
}

void LoadConnection::Fail(const std::string& what) {
  Close();
  rlen_ = 0;
  LoadResponse r;
  r.error = what;
  Done done = std::move(done_);
  if (done) done(r);
}

}  // namespace runnel::cli::bench
