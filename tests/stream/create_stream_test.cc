// CreateStream of many shards: the shard logs are created by the maintenance thread while the
// stream is CREATING (no I/O thread blocked for seconds); DeleteStream and a restart in the
// middle of that leave a consistent data dir.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "storage/committer.h"
#include "stream/hash_key.h"
#include "stream/stream_registry.h"

namespace runnel::stream {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kAccount[] = "000000000000";

class CreateStreamTest : public ::testing::Test {
 protected:
  CreateStreamTest() {
    char tmpl[] = "/tmp/runnel_create_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    Open();
  }
  ~CreateStreamTest() override {
    registry_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Open() {
    registry_.reset();
    RegistryOptions o;
    o.data_dir = dir_;
    o.transition_ms = 0;
    auto r = StreamRegistry::Open(o, &committer_);
    ASSERT_TRUE(r.ok()) << r.error().value;
    registry_ = std::move(*r);
  }
  void Create(const std::string& name, uint32_t shards) {
    CreateStreamRequest req;
    req.account = kAccount;
    req.name = name;
    req.shard_count = shards;
    auto r = registry_->CreateStream(req);
    ASSERT_TRUE(r.ok()) << static_cast<int>(r.error().code);
  }
  std::optional<StreamStatus> Status(const std::string& name) {
    auto d = registry_->Describe(kAccount, name);
    if (!d) return std::nullopt;
    return d->status;
  }
  // Waits (bounded) until `name` is ACTIVE.
  bool WaitActive(const std::string& name) {
    for (auto deadline = std::chrono::steady_clock::now() + 60s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
      if (Status(name) == StreamStatus::kActive) return true;
    }
    return false;
  }
  bool WaitGone(const std::string& name) {
    for (auto deadline = std::chrono::steady_clock::now() + 60s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
      if (!Status(name)) return true;
    }
    return false;
  }
  StreamResult<PutOutcome> PutTo(const std::string& name, const std::string& hash_key) {
    PutEntry e{"pk", "data", ParseHashKey(hash_key).value()};
    std::promise<StreamResult<PutOutcome>> done;
    registry_->PutRecords(kAccount, name, std::span<const PutEntry>(&e, 1), std::nullopt,
                          [&](StreamResult<PutOutcome> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  size_t ShardDirsOnDisk() {
    size_t n = 0;
    for (const auto& s : fs::directory_iterator(dir_ / "streams")) {
      for (const auto& e : fs::directory_iterator(s.path())) {
        n += e.path().filename().string().rfind("shard-", 0) == 0 ? 1 : 0;
      }
    }
    return n;
  }

  fs::path dir_;
  storage::Committer committer_{storage::SyncMode::kNone, std::chrono::milliseconds(0)};
  std::unique_ptr<StreamRegistry> registry_;
};

constexpr char kTopHashKey[] = "340282366920938463463374607431768211455";

TEST_F(CreateStreamTest, SmallStreamIsActiveAtOnce) {
  Create("small", StreamRegistry::kMaxShardsCreatedInline);
  EXPECT_EQ(Status("small"), StreamStatus::kActive);
  EXPECT_EQ(ShardDirsOnDisk(), StreamRegistry::kMaxShardsCreatedInline);
  EXPECT_TRUE(PutTo("small", kTopHashKey).ok());
}

TEST_F(CreateStreamTest, LargeStreamIsCreatingUntilEveryShardLogExists) {
  constexpr uint32_t kShards = 600;
  Create("big", kShards);
  // Returned before the logs exist (they take ~1 ms each): not writable, not readable yet.
  ASSERT_EQ(Status("big"), StreamStatus::kCreating);
  auto early = PutTo("big", kTopHashKey);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, StreamErrc::kStreamNotFound);
  GetShardIteratorRequest it;
  it.account = kAccount;
  it.stream = "big";
  it.shard_id = "shardId-000000000599";
  it.type = IteratorType::kTrimHorizon;
  EXPECT_FALSE(registry_->GetShardIterator(it).ok());

  ASSERT_TRUE(WaitActive("big"));
  EXPECT_EQ(ShardDirsOnDisk(), kShards);
  auto put = PutTo("big", kTopHashKey);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->entries[0].shard_index, kShards - 1);
  EXPECT_TRUE(registry_->GetShardIterator(it).ok());
}

TEST_F(CreateStreamTest, DeleteWhileShardLogsAreBeingCreatedRemovesEverything) {
  Create("doomed", 2000);
  ASSERT_EQ(Status("doomed"), StreamStatus::kCreating);
  ASSERT_TRUE(registry_->DeleteStream(kAccount, "doomed", false).ok());
  ASSERT_TRUE(WaitGone("doomed"));
  // The directory goes right after the registry entry (same maintenance pass).
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!fs::is_empty(dir_ / "streams") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(fs::is_empty(dir_ / "streams"));
  // The name is free again.
  Create("doomed", 2);
  EXPECT_EQ(Status("doomed"), StreamStatus::kActive);
}

TEST_F(CreateStreamTest, RestartWhileShardLogsAreBeingCreatedCompletesTheStream) {
  constexpr uint32_t kShards = 1500;
  Create("interrupted", kShards);
  ASSERT_EQ(Status("interrupted"), StreamStatus::kCreating);
  Open();  // stops the maintenance thread part-way; LoadAll opens (creates) every listed shard
  EXPECT_EQ(Status("interrupted"), StreamStatus::kActive);
  EXPECT_EQ(ShardDirsOnDisk(), kShards);
  auto put = PutTo("interrupted", kTopHashKey);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->entries[0].shard_index, kShards - 1);
}

}  // namespace
}  // namespace runnel::stream
