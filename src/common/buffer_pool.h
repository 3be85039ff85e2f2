// buffer_pool: per-thread reuse of large response bodies (GetRecords answers are up to about
// 15 MB each). A body freed after its write and allocated afresh for the next answer costs a
// page fault per 4 KiB page whenever the allocator has given the memory back to the kernel
// (glibc trims and unmaps freed chunks of that size). On some VMs a first touch costs about
// 11 us per page, i.e. several ms per answer; a warm buffer is written at memory speed.
//
// Take() on the thread that builds a body, Give() on the thread that has finished writing it
// (usually the same I/O thread). A thread keeps at most kMaxPooled buffers and kMaxPooledBytes
// in all; anything beyond that, and anything smaller than kMinPooledBytes, is simply freed.
#pragma once

#include <cstddef>
#include <string>

namespace runnel::buffer_pool {

inline constexpr size_t kMinPooledBytes = 256 * 1024;
inline constexpr size_t kMaxPooledBytes = 40 * 1024 * 1024;
inline constexpr size_t kMaxPooled = 2;

// An empty string whose capacity() is at least `capacity`: for a capacity of at least
// kMinPooledBytes the smallest pooled buffer of this thread that is large enough, else a new
// allocation.
std::string Take(size_t capacity);

// Offers `s`'s storage to this thread's pool; `s` is left empty either way.
void Give(std::string&& s);

// Bytes of capacity this thread's pool holds (tests, diagnostics).
size_t PooledBytes();

}  // namespace runnel::buffer_pool
