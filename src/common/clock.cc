#include "common/clock.h"

#include <atomic>
#include <chrono>

namespace runnel {
namespace {
std::atomic<int64_t> g_offset_ms{0};
}

int64_t Clock::NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() +
         g_offset_ms.load(std::memory_order_relaxed);
}

void Clock::AdvanceForTesting(int64_t delta_ms) { g_offset_ms.fetch_add(delta_ms); }

int64_t Clock::OffsetMs() { return g_offset_ms.load(std::memory_order_relaxed); }

}  // namespace runnel
