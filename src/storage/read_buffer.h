// ReadBuffer: the byte buffer reads fill. Unlike std::string it does not zero-fill when it
// grows (the next pread overwrites the bytes at once), and clear() keeps the capacity, so a
// buffer reused per thread costs no allocation and no memset per read.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace runnel::storage {

class ReadBuffer {
 public:
  ReadBuffer() = default;
  ReadBuffer(ReadBuffer&&) noexcept = default;
  ReadBuffer& operator=(ReadBuffer&&) noexcept = default;

  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_.get(), size_}; }

  void clear() { size_ = 0; }
  // Sets size() to n. Bytes [0, min(size(), n)) are kept; bytes past the old size are
  // uninitialized. May move the storage (data() changes) when n > capacity().
  void resize_uninitialized(size_t n) {
    if (n > capacity_) Grow(n);
    size_ = n;
  }
  // Gives the memory back (for a buffer that grew for one unusually large read).
  void release() {
    data_.reset();
    size_ = capacity_ = 0;
  }

 private:
  void Grow(size_t n) {
    size_t cap = std::max(n, capacity_ + capacity_ / 2);
    std::unique_ptr<char[]> bigger(new char[cap]);  // default-initialized: no memset
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = cap;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace runnel::storage
