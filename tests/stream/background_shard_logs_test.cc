// CreateStream of many shards, and UpdateShardCount that creates many children: the shard logs
// are created by the maintenance thread while the stream is CREATING or UPDATING (no I/O
// thread blocked for seconds); DeleteStream and a restart in the middle of that leave a
// consistent data dir.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "storage/committer.h"
#include "stream/hash_key.h"
#include "stream/resharding.h"
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
  // Waits (bounded) until no stream directory is left on disk.
  bool WaitNoStreamDirs() {
    for (auto deadline = std::chrono::steady_clock::now() + 30s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
      if (fs::is_empty(dir_ / "streams")) return true;
    }
    return fs::is_empty(dir_ / "streams");
  }
  uint32_t OpenShards(const std::string& name) {
    auto d = registry_->Describe(kAccount, name);
    return d ? OpenShardCount(*d) : 0;
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
  EXPECT_TRUE(WaitNoStreamDirs());
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

TEST_F(CreateStreamTest, SmallUpdateShardCountIsAppliedInline) {
  Create("few", 8);
  auto r = registry_->UpdateShardCount(kAccount, "few", 16);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->current, 8u);
  EXPECT_EQ(Status("few"), StreamStatus::kActive);  // transition_ms = 0
  EXPECT_EQ(OpenShards("few"), 16u);
  EXPECT_EQ(ShardDirsOnDisk(), 8u + 16u);
}

TEST_F(CreateStreamTest, LargeUpdateShardCountIsUpdatingUntilEveryChildLogExists) {
  constexpr uint32_t kShards = StreamRegistry::kMaxShardsCreatedInline;
  Create("wide", kShards);
  auto r = registry_->UpdateShardCount(kAccount, "wide", 2 * kShards);  // 128 children
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->current, kShards);
  EXPECT_EQ(r->target, 2 * kShards);
  // Returned before the children's logs exist: UPDATING, with the shards from before, which
  // still take records; other reshards wait.
  ASSERT_EQ(Status("wide"), StreamStatus::kUpdating);
  EXPECT_EQ(OpenShards("wide"), kShards);
  auto during = PutTo("wide", kTopHashKey);
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->entries[0].shard_index, kShards - 1);
  auto split = registry_->SplitShard(kAccount, "wide", "shardId-000000000000", "100");
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.error().code, StreamErrc::kStreamNotActive);

  ASSERT_TRUE(WaitActive("wide"));
  EXPECT_EQ(OpenShards("wide"), 2 * kShards);
  EXPECT_EQ(ShardDirsOnDisk(), 3 * kShards);
  auto after = PutTo("wide", kTopHashKey);
  ASSERT_TRUE(after.ok());
  EXPECT_GE(after->entries[0].shard_index, kShards);  // a child
  // The limit counts the deferred call once.
  auto d = registry_->Describe(kAccount, "wide");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->scaling_ops_ms.size(), 1u);
  EXPECT_EQ(d->pending_target_shards, 0u);
}

TEST_F(CreateStreamTest, RestartWhileChildLogsAreBeingCreatedResumesTheUpdate) {
  constexpr uint32_t kShards = StreamRegistry::kMaxShardsCreatedInline;
  Create("resumed", kShards);
  ASSERT_TRUE(registry_->UpdateShardCount(kAccount, "resumed", 2 * kShards).ok());
  ASSERT_EQ(Status("resumed"), StreamStatus::kUpdating);
  Open();  // stops the maintenance thread part-way; the target was persisted
  ASSERT_TRUE(WaitActive("resumed"));
  EXPECT_EQ(OpenShards("resumed"), 2 * kShards);
  EXPECT_EQ(ShardDirsOnDisk(), 3 * kShards);
  Open();  // and the applied change is what was persisted
  EXPECT_EQ(Status("resumed"), StreamStatus::kActive);
  EXPECT_EQ(OpenShards("resumed"), 2 * kShards);
}

TEST_F(CreateStreamTest, DeleteWhileChildLogsAreBeingCreatedRemovesEverything) {
  constexpr uint32_t kShards = StreamRegistry::kMaxShardsCreatedInline;
  Create("gone", kShards);
  ASSERT_TRUE(registry_->UpdateShardCount(kAccount, "gone", 2 * kShards).ok());
  ASSERT_EQ(Status("gone"), StreamStatus::kUpdating);
  ASSERT_TRUE(registry_->DeleteStream(kAccount, "gone", false).ok());
  ASSERT_TRUE(WaitGone("gone"));
  EXPECT_TRUE(WaitNoStreamDirs());
}

}  // namespace
}  // namespace runnel::stream
