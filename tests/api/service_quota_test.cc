// Quotas under concurrency, through Service::Handle over a real registry: calls that check an
// account quota and then change what counts against it (UpdateStreamMode to ON_DEMAND,
// CreateStream, UpdateShardCount) are serialized, so concurrent calls never exceed a quota
// together.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/service.h"
#include "service_call.h"
#include "storage/committer.h"
#include "stream/stream_registry.h"

namespace runnel::api {
namespace {

namespace fs = std::filesystem;

constexpr char kAccount[] = "000000000000";

class ServiceQuotaTest : public ::testing::Test {
 protected:
  void Open(uint32_t on_demand_limit, uint32_t shard_limit) {
    char tmpl[] = "/tmp/runnel_service_quota_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    stream::RegistryOptions o;
    o.data_dir = dir_;
    o.transition_ms = 0;  // ACTIVE at once
    o.on_demand_stream_limit = on_demand_limit;
    o.shard_limit = shard_limit;
    auto r = stream::StreamRegistry::Open(o, &committer_);
    ASSERT_TRUE(r.ok());
    registry_ = std::move(*r);
    service_ = std::make_unique<Service>(*registry_, ServiceOptions{});
  }
  ~ServiceQuotaTest() override {
    service_.reset();
    registry_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  void Create(const std::string& name, uint32_t shards) {
    stream::CreateStreamRequest req;
    req.account = kAccount;
    req.name = name;
    req.shard_count = shards;
    ASSERT_TRUE(registry_->CreateStream(req).ok());
  }
  ApiResponse Call(std::string_view action, const std::string& body) {
    std::string target = "Kinesis_20131202." + std::string(action);
    ApiRequest request;
    request.method = "POST";
    request.target = target;
    request.content_type = "application/x-amz-json-1.1";
    request.body = body;
    request.header = [](std::string_view) { return std::string_view(); };
    return testing::HandleAndWait(*service_, request, std::chrono::seconds(30));
  }
  // Runs `call(i)` for i in [0, n) on n threads released together; returns the statuses.
  template <typename F>
  std::vector<ApiResponse> Together(int n, F call) {
    std::vector<ApiResponse> out(static_cast<size_t>(n));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        ready++;
        while (ready.load() < n) std::this_thread::yield();
        out[static_cast<size_t>(i)] = call(i);
      });
    }
    for (auto& t : threads) t.join();
    return out;
  }

  fs::path dir_;
  storage::Committer committer_{storage::SyncMode::kNone, std::chrono::milliseconds(0)};
  std::unique_ptr<stream::StreamRegistry> registry_;
  std::unique_ptr<Service> service_;
};

std::string StreamArn(const std::string& name) {
  return "arn:aws:kinesis:us-east-1:" + std::string(kAccount) + ":stream/" + name;
}

int CountStatus(const std::vector<ApiResponse>& rs, int status, std::string_view type = "") {
  int n = 0;
  for (const auto& r : rs) {
    n += r.status == status && (type.empty() || r.error_type == type) ? 1 : 0;
  }
  return n;
}

// On-demand stream limit 1: of many streams switched to ON_DEMAND at the same moment, exactly
// one succeeds. (Each call counts the on-demand streams and then switches its own; without
// the quota lock, several counted zero before any switched.)
TEST_F(ServiceQuotaTest, ConcurrentSwitchesToOnDemandRespectTheLimit) {
  constexpr int kStreams = 12;
  for (int attempt = 0; attempt < 5; ++attempt) {
    Open(/*on_demand_limit=*/1, /*shard_limit=*/500);
    for (int i = 0; i < kStreams; ++i) Create("s" + std::to_string(i), 1);
    auto rs = Together(kStreams, [&](int i) {
      return Call("UpdateStreamMode",
                  R"({"StreamARN":")" + StreamArn("s" + std::to_string(i)) +
                      R"(","StreamModeDetails":{"StreamMode":"ON_DEMAND"}})");
    });
    ASSERT_EQ(CountStatus(rs, 200), 1) << "attempt " << attempt;
    EXPECT_EQ(CountStatus(rs, 400, "LimitExceededException"), kStreams - 1);
    service_.reset();
    registry_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

// Shard limit 30 with 10 used: concurrent UpdateShardCount calls (5 -> 10 open shards each)
// and CreateStream calls (10 shards each) together never exceed the limit.
TEST_F(ServiceQuotaTest, ConcurrentReshardsAndCreatesRespectTheShardLimit) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    Open(/*on_demand_limit=*/50, /*shard_limit=*/30);
    for (int i = 0; i < 2; ++i) Create("r" + std::to_string(i), 5);
    constexpr int kCalls = 8;
    auto rs = Together(kCalls, [&](int i) {
      if (i < 2) {
        return Call("UpdateShardCount", R"({"StreamName":"r)" + std::to_string(i) +
                                            R"(","TargetShardCount":10,"ScalingType":"UNIFORM_SCALING"})");
      }
      return Call("CreateStream",
                  R"({"StreamName":"c)" + std::to_string(i) + R"(","ShardCount":10})");
    });
    auto usage = registry_->UsageOf(kAccount);
    EXPECT_LE(usage.open_shards, 30u) << "attempt " << attempt;
    EXPECT_GE(CountStatus(rs, 200), 2) << "20 shards free: at least two calls fit";
    EXPECT_EQ(CountStatus(rs, 200) + CountStatus(rs, 400, "LimitExceededException"), kCalls);
    service_.reset();
    registry_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

}  // namespace
}  // namespace runnel::api
