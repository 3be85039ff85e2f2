// The one clock used by retention, iterator expiry, arrival timestamps and AT_TIMESTAMP.
// Tests can move it forward (only when the server enables the test clock).
#pragma once

#include <cstdint>

namespace runnel {

class Clock {
 public:
  // Wall-clock milliseconds since the Unix epoch, plus the test offset.
  static int64_t NowMs();
  // Moves the clock forward by `delta_ms` (test-only control; thread-safe).
  static void AdvanceForTesting(int64_t delta_ms);
  static int64_t OffsetMs();
};

}  // namespace runnel
