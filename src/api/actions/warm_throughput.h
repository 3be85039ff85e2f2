// The warm-throughput rule shared by UpdateStreamWarmThroughput and UpdateStreamMode.
#pragma once

#include <cstdint>

#include "stream/account_settings.h"
#include "stream/stream_error.h"
#include "stream/stream_meta.h"

namespace runnel::api {

// AWS: up to 10 GiB/s of write throughput for an on-demand stream.
inline constexpr int64_t kMaxWarmThroughputMiBps = 10240;

// Sets `m`'s warm throughput target to `mibps`, remembering the old value as the current one
// (reported while UPDATING). Requires `m` to be ON_DEMAND (kWarmThroughputNotOnDemand), the
// commitment to be in force now (kWarmThroughputNoCommitment) and mibps <= the maximum
// (kWarmThroughputTooHigh). The caller makes the stream UPDATING.
stream::StreamResult<void> SetWarmThroughput(stream::StreamMeta& m, int64_t mibps,
                                             const stream::ThroughputCommitment& commitment);

}  // namespace runnel::api
