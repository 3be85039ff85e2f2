// StreamRegistry: per-account aggregates (quotas, DescribeLimits).
#include "stream/registry_internal.h"
#include "stream/stream_registry.h"

namespace runnel::stream {

StreamRegistry::AccountUsage StreamRegistry::UsageOf(std::string_view account) const {
  AccountUsage u;
  std::shared_lock lock(mu_);
  for (const auto& [k, s] : streams_) {
    std::shared_lock sl(s->mu);
    if (s->meta.account != account) continue;
    for (const auto& sh : s->meta.shards) u.open_shards += sh.open() ? 1 : 0;
    u.on_demand_streams += s->meta.mode == StreamMode::kOnDemand ? 1 : 0;
  }
  return u;
}

}  // namespace runnel::stream
