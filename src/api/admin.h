// Runnel's own operations (X-Amz-Target: Runnel_20240101.<Operation>), outside the Kinesis
// model, each off unless a serve flag enables it. A disabled or unknown one is treated by
// api::Service like any unknown target (UnknownOperationException).
//
//   AdvanceClock  {"Milliseconds": N} -> {"OffsetMs": total}   (serve --enable-test-clock)
//     Moves common/clock.h's Clock forward by N >= 0 ms (retention, iterator expiry,
//     arrival timestamps and AT_TIMESTAMP all follow it), then runs one retention pass so
//     that expired data is gone when the call returns. See docs/testing.md.
#pragma once

#include "api/service.h"

namespace runnel::stream {
class StreamRegistry;
}

namespace runnel::api {

inline constexpr std::string_view kAdminTargetPrefix = "Runnel_20240101.";

// If `request` targets an enabled admin operation, handles it (calling `respond`) and
// returns true; otherwise returns false without touching `respond`.
bool HandleAdmin(stream::StreamRegistry& registry, const ServiceOptions& options,
                 const ApiRequest& request, const Respond& respond);

}  // namespace runnel::api
