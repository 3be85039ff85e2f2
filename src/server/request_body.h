// RequestBody: the Beast body type of HTTP/1.1 requests. Compared with string_body its reader
//   - appends without zero-filling first (string_body resizes, which memsets, then copies), and
//   - always leaves at least kPadding readable bytes after the data, so the api layer can run
//     simdjson on the body in place instead of copying it into a padded buffer
//     (ApiRequest::body_padding).
// The storage is kept across requests on a connection (HttpConnection recycles it): clear()
// keeps the capacity.
#pragma once

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

namespace runnel::server {

struct RequestBody {
  // simdjson::SIMDJSON_PADDING; the api layer checks the padding it needs against
  // ApiRequest::body_padding, so this header does not depend on simdjson.
  static constexpr size_t kPadding = 64;

  class value_type {
   public:
    value_type() = default;
    value_type(value_type&& o) noexcept
        : data_(std::move(o.data_)),
          size_(std::exchange(o.size_, 0)),
          capacity_(std::exchange(o.capacity_, 0)) {}
    value_type& operator=(value_type&& o) noexcept {
      data_ = std::move(o.data_);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
      return *this;
    }

    const char* data() const { return data_.get(); }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    // Bytes allocated; when non-zero, capacity() >= size() + kPadding.
    size_t capacity() const { return capacity_; }
    std::string_view view() const { return {data_.get(), size_}; }
    // Readable bytes after the data: capacity() - size() (0 when nothing is allocated).
    size_t padding() const { return capacity_ - size_; }

    // Empties the body, keeping the storage.
    void clear() { size_ = 0; }

    // Makes room for `n` bytes of data plus kPadding, keeping the data. Returns false when
    // the sizes would overflow.
    bool reserve(size_t n) {
      if (n > SIZE_MAX - kPadding) return false;
      const size_t need = n + kPadding;
      if (need <= capacity_) return true;
      // Grow geometrically for bodies of unknown length (chunked), exactly for known ones.
      size_t cap = need;
      if (capacity_ != 0 && capacity_ <= (SIZE_MAX - kPadding) / 2) {
        cap = std::max(need, capacity_ * 2);
      }
      auto grown = std::make_unique_for_overwrite<char[]>(cap);
      if (size_ != 0) std::memcpy(grown.get(), data_.get(), size_);
      data_ = std::move(grown);
      capacity_ = cap;
      return true;
    }

    // Sets the kPadding bytes after the data (simdjson never depends on them, but this
    // keeps what it reads deterministic). No-op when nothing is allocated.
    void fill_padding() {
      if (capacity_ != 0) std::memset(data_.get() + size_, ' ', kPadding);
    }

    // Appends `n` bytes. REQUIRES: reserve(size() + n) succeeded.
    char* append_space(size_t n) {
      char* p = data_.get() + size_;
      size_ += n;
      return p;
    }

   private:
    std::unique_ptr<char[]> data_;
    size_t size_ = 0;
    size_t capacity_ = 0;
  };

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class reader {
   public:
    template <bool isRequest, class Fields>
    explicit reader(boost::beast::http::header<isRequest, Fields>&, value_type& body)
        : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      ec = {};
      if (length) {
        if (*length > SIZE_MAX - body_.size() ||
            !body_.reserve(body_.size() + static_cast<size_t>(*length))) {
          ec = boost::beast::http::error::buffer_overflow;
        }
      }
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      const size_t extra = boost::asio::buffer_size(buffers);
      if (extra > SIZE_MAX - body_.size() || !body_.reserve(body_.size() + extra)) {
        ec = boost::beast::http::error::buffer_overflow;
        return 0;
      }
      ec = {};
      char* dest = body_.append_space(extra);
      for (auto b : boost::beast::buffers_range_ref(buffers)) {
        std::memcpy(dest, b.data(), b.size());
        dest += b.size();
      }
      return extra;
    }

    void finish(boost::beast::error_code& ec) {
      body_.fill_padding();
      ec = {};
    }

   private:
    value_type& body_;
  };
};

}  // namespace runnel::server
