// Subscriptions: which SubscribeToShard calls are live, one per consumer and shard
// (kinesis-api-actions.md §8). The api layer drives each subscription's event stream; this
// keeps the rules: a second subscription within 5 s of the first is refused, a later one
// replaces it (the old one is told to end), and deregistering a consumer ends its
// subscriptions.
//
// Threading: thread-safe; `end` callbacks run without this class's lock held.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "stream/stream_error.h"

namespace runnel::stream {

// Why a subscription is told to end early.
enum class SubscriptionEnd { kReplaced, kConsumerGone };

class Subscriptions {
 public:
  static constexpr int64_t kExclusiveMs = 5000;

  // Registers a subscription of `consumer_arn` to `shard_id` started at `now_ms`. `end` is
  // called (once, from another request's thread) if it is replaced or its consumer goes.
  // kSubscriptionInUse if another one started less than 5 s ago. Returns its id.
  StreamResult<uint64_t> Acquire(std::string_view consumer_arn, std::string_view shard_id,
                                 int64_t now_ms, std::function<void(SubscriptionEnd)> end);
  // Forgets subscription `id` (idempotent; a replaced one is already gone).
  void Release(std::string_view consumer_arn, std::string_view shard_id, uint64_t id);
  // Ends every subscription of `consumer_arn`.
  void EndConsumer(std::string_view consumer_arn);
  // Ends every subscription whose consumer ARN starts with `prefix` (a deleted stream).
  void EndConsumersWithPrefix(std::string_view prefix);
  size_t active() const;

 private:
  struct Entry {
    uint64_t id = 0;
    int64_t started_ms = 0;
    std::function<void(SubscriptionEnd)> end;
  };
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;  // REQUIRES: mu_
  // (consumer ARN, shard id) -> the live subscription. REQUIRES: mu_
  std::map<std::pair<std::string, std::string>, Entry, std::less<>> live_;
};

}  // namespace runnel::stream
