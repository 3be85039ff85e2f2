// Shared by the Service::Handle tests: handles one request and waits (bounded) for its
// response, which may come from another thread (the committer's).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "api/service.h"

namespace runnel::api::testing {

inline ApiResponse HandleAndWait(Service& service, const ApiRequest& request,
                                 std::chrono::seconds timeout) {
  std::optional<ApiResponse> out;
  std::mutex mu;
  std::condition_variable cv;
  service.Handle(request, [&](ApiResponse r) {
    std::lock_guard l(mu);
    out = std::move(r);
    cv.notify_all();
  });
  std::unique_lock l(mu);
  cv.wait_for(l, timeout, [&] { return out.has_value(); });
  EXPECT_TRUE(out.has_value());
  return out.value_or(ApiResponse{});
}

}  // namespace runnel::api::testing
