#include "common/buffer_pool.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace runnel::buffer_pool {
namespace {

constexpr size_t kLarge = kMinPooledBytes;

// Each test runs on a fresh thread, so it starts with an empty pool.
template <class Fn>
void OnFreshThread(Fn fn) {
  std::thread t(fn);
  t.join();
}

std::string Filled(size_t capacity) {
  std::string s;
  s.reserve(capacity);
  s.assign(100, 'x');
  return s;
}

TEST(BufferPoolTest, LargeBufferIsReusedEmpty) {
  OnFreshThread([] {
    std::string body = Filled(4 * kLarge);
    const char* storage = body.data();
    const size_t cap = body.capacity();
    Give(std::move(body));
    EXPECT_TRUE(body.empty());
    EXPECT_EQ(PooledBytes(), cap);
    std::string again = Take(2 * kLarge);
    EXPECT_EQ(again.data(), storage);
    EXPECT_TRUE(again.empty());
    EXPECT_GE(again.capacity(), 2 * kLarge);
    EXPECT_EQ(PooledBytes(), 0u);
  });
}

TEST(BufferPoolTest, SmallBuffersAreNotPooledAndSmallTakesDoNotDrainThePool) {
  OnFreshThread([] {
    Give(Filled(kLarge / 2));
    EXPECT_EQ(PooledBytes(), 0u);
    Give(Filled(kLarge));
    const size_t pooled = PooledBytes();
    ASSERT_GE(pooled, kLarge);
    std::string small = Take(100);
    EXPECT_GE(small.capacity(), 100u);
    EXPECT_EQ(PooledBytes(), pooled);  // the large buffer is still there
  });
}

TEST(BufferPoolTest, TakeChoosesTheSmallestBufferThatFits) {
  OnFreshThread([] {
    std::string big = Filled(8 * kLarge);
    std::string mid = Filled(3 * kLarge);
    const char* mid_storage = mid.data();
    Give(std::move(big));
    Give(std::move(mid));
    EXPECT_EQ(Take(2 * kLarge).data(), mid_storage);
    // Nothing pooled fits: a new allocation, and the pooled buffer stays.
    const size_t pooled = PooledBytes();
    std::string fresh = Take(16 * kLarge);
    EXPECT_GE(fresh.capacity(), 16 * kLarge);
    EXPECT_EQ(PooledBytes(), pooled);
  });
}

TEST(BufferPoolTest, KeepsAtMostTheLargestBuffersWithinItsLimits) {
  OnFreshThread([] {
    std::string a = Filled(2 * kLarge), b = Filled(3 * kLarge), c = Filled(5 * kLarge);
    const char* b_storage = b.data();
    const char* c_storage = c.data();
    const size_t b_cap = b.capacity(), c_cap = c.capacity();
    Give(std::move(a));
    Give(std::move(b));
    Give(std::move(c));  // full (kMaxPooled == 2): the smallest, a, goes
    static_assert(kMaxPooled == 2);
    EXPECT_EQ(PooledBytes(), b_cap + c_cap);
    Give(Filled(kLarge));  // smaller than everything pooled: dropped
    EXPECT_EQ(PooledBytes(), b_cap + c_cap);
    EXPECT_EQ(Take(3 * kLarge).data(), b_storage);
    EXPECT_EQ(Take(3 * kLarge).data(), c_storage);
    EXPECT_EQ(PooledBytes(), 0u);
    // Larger than the whole budget: never pooled.
    Give(Filled(kMaxPooledBytes + 1));
    EXPECT_EQ(PooledBytes(), 0u);
  });
}

TEST(BufferPoolTest, PoolsArePerThread) {
  OnFreshThread([] {
    Give(Filled(2 * kLarge));
    ASSERT_GT(PooledBytes(), 0u);
    OnFreshThread([] { EXPECT_EQ(PooledBytes(), 0u); });
  });
}

}  // namespace
}  // namespace runnel::buffer_pool
