#include "stream/subscriptions.h"

#include <vector>

namespace runnel::stream {

StreamResult<uint64_t> Subscriptions::Acquire(std::string_view consumer_arn,
                                              std::string_view shard_id, int64_t now_ms,
                                              std::function<void(SubscriptionEnd)> end) {
  std::function<void(SubscriptionEnd)> replaced;
  uint64_t id;
  {
    std::lock_guard l(mu_);
    auto key = std::make_pair(std::string(consumer_arn), std::string(shard_id));
    auto it = live_.find(key);
    if (it != live_.end()) {
      if (now_ms - it->second.started_ms < kExclusiveMs) {
        StreamError e;
        e.code = StreamErrc::kSubscriptionInUse;
        e.value = std::string(consumer_arn);
        e.shard = std::string(shard_id);
        return MakeUnexpected(e);
      }
      replaced = std::move(it->second.end);
      live_.erase(it);
    }
    id = next_id_++;
    live_.emplace(std::move(key), Entry{id, now_ms, std::move(end)});
  }
  if (replaced) replaced(SubscriptionEnd::kReplaced);
  return id;
}

void Subscriptions::Release(std::string_view consumer_arn, std::string_view shard_id,
                            uint64_t id) {
  std::function<void(SubscriptionEnd)> drop;  // destroyed outside the lock
  std::lock_guard l(mu_);
  auto it = live_.find(std::make_pair(std::string(consumer_arn), std::string(shard_id)));
  if (it != live_.end() && it->second.id == id) {
    drop = std::move(it->second.end);
    live_.erase(it);
  }
}

void Subscriptions::EndConsumer(std::string_view consumer_arn) {
  std::vector<std::function<void(SubscriptionEnd)>> ends;
  {
    std::lock_guard l(mu_);
    for (auto it = live_.begin(); it != live_.end();) {
      if (it->first.first == consumer_arn) {
        ends.push_back(std::move(it->second.end));
        it = live_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& e : ends) e(SubscriptionEnd::kConsumerGone);
}

void Subscriptions::EndConsumersWithPrefix(std::string_view prefix) {
  std::vector<std::function<void(SubscriptionEnd)>> ends;
  {
    std::lock_guard l(mu_);
    for (auto it = live_.begin(); it != live_.end();) {
      if (std::string_view(it->first.first).substr(0, prefix.size()) == prefix) {
        ends.push_back(std::move(it->second.end));
        it = live_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& e : ends) e(SubscriptionEnd::kConsumerGone);
}

size_t Subscriptions::active() const {
  std::lock_guard l(mu_);
  return live_.size();
}

}  // namespace runnel::stream
