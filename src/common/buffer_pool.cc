#include "common/buffer_pool.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace runnel::buffer_pool {
namespace {

struct Pool {
  std::vector<std::string> buffers;  // each empty, capacity() >= kMinPooledBytes
  size_t bytes = 0;                  // sum of their capacities
};

Pool& ThisThread() {
  thread_local Pool pool;
  return pool;
}

}  // namespace

std::string Take(size_t capacity) {
  std::string s;
  if (capacity < kMinPooledBytes) {  // small answers never take (and pin) a large buffer
    s.reserve(capacity);
    return s;
  }
  Pool& pool = ThisThread();
  auto best = pool.buffers.end();
  for (auto it = pool.buffers.begin(); it != pool.buffers.end(); ++it) {
    if (it->capacity() >= capacity && (best == pool.buffers.end() || it->capacity() < best->capacity()))
      best = it;
  }
  if (best != pool.buffers.end()) {
    s = std::move(*best);
    pool.buffers.erase(best);
    pool.bytes -= s.capacity();
    return s;
  }
  s.reserve(capacity);
  return s;
}

void Give(std::string&& s) {
  std::string taken = std::move(s);
  s.clear();  // a moved-from string is valid but unspecified; make it empty
  const size_t cap = taken.capacity();
  if (cap < kMinPooledBytes || cap > kMaxPooledBytes) return;
  Pool& pool = ThisThread();
  // Make room by dropping the smallest buffers, as long as the new one is larger than them.
  while (!pool.buffers.empty() &&
         (pool.buffers.size() >= kMaxPooled || pool.bytes + cap > kMaxPooledBytes)) {
    auto smallest = std::min_element(pool.buffers.begin(), pool.buffers.end(),
                                     [](const std::string& a, const std::string& b) {
                                       return a.capacity() < b.capacity();
                                     });
    if (smallest->capacity() >= cap) return;  // the pool already holds larger buffers
    pool.bytes -= smallest->capacity();
    pool.buffers.erase(smallest);
  }
  taken.clear();
  pool.bytes += cap;
  pool.buffers.push_back(std::move(taken));
}

size_t PooledBytes() { return ThisThread().bytes; }

}  // namespace runnel::buffer_pool
