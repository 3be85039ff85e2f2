// Resharding: the pure shard-list changes (lineage, uniform scaling, hash-space coverage) and
// StreamRegistry's SplitShard / MergeShards / UpdateShardCount on a real data dir.
#include "stream/resharding.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "storage/committer.h"
#include "stream/sequence_number.h"
#include "stream/stream_registry.h"

namespace runnel::stream {
namespace {

namespace fs = std::filesystem;

constexpr char kAccount[] = "000000000000";

StreamMeta FreshMeta(uint32_t n) {
  StreamMeta m;
  m.account = kAccount;
  m.name = "s";
  auto ranges = SplitEvenly(n);
  for (uint32_t i = 0; i < n; ++i) {
    ShardMeta s;
    s.index = i;
    s.range = ranges[i];
    s.created_ms = 1000;
    m.shards.push_back(s);
  }
  m.next_shard_index = n;
  return m;
}

std::vector<HashKeyRange> OpenRanges(const StreamMeta& m) {
  std::vector<HashKeyRange> out;
  for (const auto& s : m.shards) {
    if (s.open()) out.push_back(s.range);
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.start < b.start; });
  return out;
}

void ExpectUniform(const StreamMeta& m, uint32_t n) {
  auto open = OpenRanges(m);
  auto want = SplitEvenly(n);
  ASSERT_EQ(open.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(ToDecimal(open[i].start), ToDecimal(want[i].start)) << i;
    EXPECT_EQ(ToDecimal(open[i].end), ToDecimal(want[i].end)) << i;
  }
}

const ShardMeta* ByIndex(const StreamMeta& m, uint32_t index) {
  for (const auto& s : m.shards) {
    if (s.index == index) return &s;
  }
  return nullptr;
}

// Every non-initial shard's parents exist, are closed, and together cover exactly its range.
void ExpectValidLineage(const StreamMeta& m, uint32_t initial) {
  for (const auto& s : m.shards) {
    if (s.index < initial) {
      EXPECT_FALSE(s.parent.has_value());
      continue;
    }
    ASSERT_TRUE(s.parent.has_value()) << s.index;
    const ShardMeta* p = ByIndex(m, *s.parent);
    ASSERT_NE(p, nullptr);
    EXPECT_FALSE(p->open());
    EXPECT_LT(p->index, s.index);
    if (s.adjacent_parent) {
      const ShardMeta* a = ByIndex(m, *s.adjacent_parent);
      ASSERT_NE(a, nullptr);
      EXPECT_FALSE(a->open());
      EXPECT_EQ(ToDecimal(s.range.start), ToDecimal(std::min(p->range.start, a->range.start)));
      EXPECT_EQ(ToDecimal(s.range.end), ToDecimal(std::max(p->range.end, a->range.end)));
    } else {
      EXPECT_TRUE(s.range.start >= p->range.start);
      EXPECT_TRUE(s.range.end <= p->range.end);
    }
  }
}

TEST(ReshardPlanTest, SplitCreatesLowerThenUpperChild) {
  StreamMeta m = FreshMeta(3);
  HashKey key = m.shards[0].range.start + 1000;
  EXPECT_EQ(ApplySplit(m, 0, key, 5000), 3u);
  ASSERT_EQ(m.shards.size(), 5u);
  EXPECT_EQ(m.shards[0].closed_ms, 5000);
  EXPECT_EQ(m.shards[3].index, 3u);
  EXPECT_EQ(ToDecimal(m.shards[3].range.start), ToDecimal(0));
  EXPECT_EQ(ToDecimal(m.shards[3].range.end), ToDecimal(key - 1));
  EXPECT_EQ(m.shards[4].index, 4u);
  EXPECT_EQ(ToDecimal(m.shards[4].range.start), ToDecimal(key));
  EXPECT_EQ(ToDecimal(m.shards[4].range.end), ToDecimal(m.shards[0].range.end));
  EXPECT_EQ(m.shards[3].parent, 0u);
  EXPECT_EQ(m.shards[4].parent, 0u);
  EXPECT_FALSE(m.shards[3].adjacent_parent.has_value());
  EXPECT_EQ(m.shards[3].created_ms, 5000);
  EXPECT_EQ(m.next_shard_index, 5u);
  EXPECT_TRUE(OpenShardsCoverHashSpace(m.shards));
}

TEST(ReshardPlanTest, MergeRecordsBothParentsInEitherOrder) {
  StreamMeta m = FreshMeta(3);
  EXPECT_EQ(ApplyMerge(m, 2, 1, 7000), 3u);  // upper shard named first
  const ShardMeta& c = m.shards.back();
  EXPECT_EQ(c.parent, 2u);
  EXPECT_EQ(c.adjacent_parent, 1u);
  EXPECT_EQ(ToDecimal(c.range.start), ToDecimal(m.shards[1].range.start));
  EXPECT_EQ(ToDecimal(c.range.end), ToDecimal(kMaxHashKey));
  EXPECT_TRUE(OpenShardsCoverHashSpace(m.shards));
}

TEST(ReshardPlanTest, CoverageDetectsGapsAndOverlaps) {
  StreamMeta m = FreshMeta(2);
  EXPECT_TRUE(OpenShardsCoverHashSpace(m.shards));
  auto gap = m.shards;
  gap[1].range.start += 1;
  EXPECT_FALSE(OpenShardsCoverHashSpace(gap));
  auto overlap = m.shards;
  overlap[1].range.start -= 1;
  EXPECT_FALSE(OpenShardsCoverHashSpace(overlap));
  auto short_end = m.shards;
  short_end[1].range.end -= 1;
  EXPECT_FALSE(OpenShardsCoverHashSpace(short_end));
  auto all_closed = m.shards;
  for (auto& s : all_closed) s.closed_ms = 1;
  EXPECT_FALSE(OpenShardsCoverHashSpace(all_closed));
}

TEST(ReshardPlanTest, UniformScalingReachesEvenRanges) {
  StreamMeta m = FreshMeta(1);
  const uint32_t steps[] = {2, 4, 2, 3, 5, 3, 6, 12, 7, 4, 1, 2};
  for (uint32_t target : steps) {
    SCOPED_TRACE(target);
    ScalingCost cost = UniformScalingCost(m, target);
    size_t before = m.shards.size();
    uint32_t created = ApplyUniformScaling(m, target, 9000);
    EXPECT_EQ(created, cost.created);
    EXPECT_EQ(m.shards.size() - before, created);
    EXPECT_GE(cost.peak_open, std::max(OpenShardCount(m), target));
    ExpectUniform(m, target);
    EXPECT_TRUE(OpenShardsCoverHashSpace(m.shards));
    ExpectValidLineage(m, 1);
  }
}

TEST(ReshardPlanTest, UniformScalingToSameEvenCountIsANoOp) {
  StreamMeta m = FreshMeta(4);
  EXPECT_EQ(ApplyUniformScaling(m, 4, 1), 0u);
  EXPECT_EQ(m.shards.size(), 4u);
}

TEST(ReshardPlanTest, RandomSplitsAndMergesKeepCoverage) {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 20; ++round) {
    StreamMeta m = FreshMeta(1 + round % 4);
    const uint32_t initial = m.next_shard_index;
    for (int op = 0; op < 60; ++op) {
      std::vector<size_t> open;
      for (size_t p = 0; p < m.shards.size(); ++p) {
        if (m.shards[p].open()) open.push_back(p);
      }
      std::sort(open.begin(), open.end(), [&](size_t a, size_t b) {
        return m.shards[a].range.start < m.shards[b].range.start;
      });
      bool split = open.size() < 2 || rng() % 2 == 0;
      if (split) {
        size_t pos = open[rng() % open.size()];
        const HashKeyRange r = m.shards[pos].range;
        HashKey width = r.end - r.start;
        if (width < 4) continue;
        HashKey key = r.start + 2 + (HashKey{rng()} << 64 | rng()) % (width - 2);
        ApplySplit(m, pos, key, 1000 + op);
      } else {
        size_t i = rng() % (open.size() - 1);
        if (rng() % 2) {
          ApplyMerge(m, open[i], open[i + 1], 1000 + op);
        } else {
          ApplyMerge(m, open[i + 1], open[i], 1000 + op);
        }
      }
      ASSERT_TRUE(OpenShardsCoverHashSpace(m.shards)) << "round " << round << " op " << op;
    }
    ExpectValidLineage(m, initial);
    ApplyUniformScaling(m, 3, 99999);
    ExpectUniform(m, 3);
    ExpectValidLineage(m, initial);
  }
}

TEST(ReshardPlanTest, ReshardTimeMovesToTheSecondAfterTheNewestParent) {
  ShardMeta p;
  p.created_ms = 10'400;
  const ShardMeta* parents[] = {&p};
  EXPECT_EQ(ReshardTime(10'900, parents), 11'000);  // same second as the parent
  EXPECT_EQ(ReshardTime(11'000, parents), 11'000);
  EXPECT_EQ(ReshardTime(15'250, parents), 15'250);  // a later second: now
}

// ---- StreamRegistry -------------------------------------------------------------------

class TempDataDir {
 public:
  TempDataDir() {
    char tmpl[] = "/tmp/runnel_reshard_XXXXXX";
    char* p = ::mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path_ = p;
  }
  ~TempDataDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class ReshardRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(int64_t transition_ms = 0, uint32_t shard_limit = 20000) {
    registry_.reset();
    RegistryOptions o;
    o.data_dir = dir_.path();
    o.transition_ms = transition_ms;
    o.shard_limit = shard_limit;
    auto r = StreamRegistry::Open(o, &committer_);
    ASSERT_TRUE(r.ok()) << r.error().value;
    registry_ = std::move(*r);
  }

  void Create(const std::string& name, uint32_t shards,
              StreamMode mode = StreamMode::kProvisioned) {
    CreateStreamRequest req;
    req.account = kAccount;
    req.name = name;
    req.shard_count = shards;
    req.mode = mode;
    auto r = registry_->CreateStream(req);
    ASSERT_TRUE(r.ok()) << static_cast<int>(r.error().code);
  }

  StreamMeta Meta(const std::string& name) {
    auto m = registry_->Describe(kAccount, name);
    EXPECT_TRUE(m.ok());
    return m.ok() ? *m : StreamMeta{};
  }

  // Puts one record; returns (shard index, sequence number).
  std::pair<uint32_t, std::string> Put(const std::string& name, const std::string& key,
                                       const std::string& data) {
    PutEntry e{key, data, std::nullopt};
    std::promise<StreamResult<PutOutcome>> done;
    auto fut = done.get_future();
    registry_->PutRecords(kAccount, name, std::span<const PutEntry>(&e, 1), std::nullopt,
                          [&](StreamResult<PutOutcome> r) { done.set_value(std::move(r)); });
    auto r = fut.get();
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return {~0u, ""};
    return {r->entries[0].shard_index, std::string(r->entries[0].sequence_number())};
  }

  // Reads a whole shard from TRIM_HORIZON; returns (partition key, data) pairs and the
  // final response's child shards (empty while the shard is open).
  std::vector<std::pair<std::string, std::string>> ReadShard(const std::string& name,
                                                            uint32_t index,
                                                            std::vector<ChildShard>* children) {
    GetShardIteratorRequest req;
    req.account = kAccount;
    req.stream = name;
    std::string id = ShardIdOf(index);
    req.shard_id = id;
    req.type = IteratorType::kTrimHorizon;
    auto it = registry_->GetShardIterator(req);
    EXPECT_TRUE(it.ok());
    std::vector<std::pair<std::string, std::string>> out;
    if (!it.ok()) return out;
    std::string iterator = *it;
    for (int i = 0; i < 1000; ++i) {
      GetRecordsOutput o;
      auto r = registry_->GetRecords(kAccount, iterator, 10000, &o);
      EXPECT_TRUE(r.ok());
      if (!r.ok()) break;
      for (const auto& rec : o.records) {
        out.emplace_back(std::string(rec.partition_key), std::string(rec.data));
      }
      if (!o.next_iterator) {
        if (children) *children = o.child_shards;
        return out;
      }
      if (o.records.empty()) break;  // caught up on an open shard
      iterator = *o.next_iterator;
    }
    if (children) children->clear();
    return out;
  }

  TempDataDir dir_;
  storage::Committer committer_{storage::SyncMode::kNone, std::chrono::milliseconds(0)};
  std::unique_ptr<StreamRegistry> registry_;
};

// Numeric comparison of decimal sequence numbers.
bool SeqLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

TEST_F(ReshardRegistryTest, SplitRoutesNewRecordsToChildrenAndEndsTheParent) {
  Create("s", 1);
  auto [shard0, seq0] = Put("s", "before", "b");
  EXPECT_EQ(shard0, 0u);
  const HashKey half = HashKey{1} << 127;
  ASSERT_TRUE(registry_->SplitShard(kAccount, "s", "shardId-000000000000", ToDecimal(half)).ok());

  StreamMeta m = Meta("s");
  ASSERT_EQ(m.shards.size(), 3u);
  EXPECT_FALSE(m.shards[0].open());
  EXPECT_EQ(ToDecimal(m.shards[1].range.end), ToDecimal(half - 1));
  EXPECT_EQ(ToDecimal(m.shards[2].range.start), ToDecimal(half));
  EXPECT_EQ(m.shards[1].parent, 0u);
  EXPECT_EQ(m.shards[2].parent, 0u);
  // Children are created in a later second than the parent, so their numbers are larger.
  EXPECT_GT(m.shards[1].created_ms / 1000, m.shards[0].created_ms / 1000);

  // Records go to the child whose range holds the key.
  std::map<uint32_t, int> per_shard;
  std::string max_child_seq;
  for (int i = 0; i < 50; ++i) {
    std::string key = "k" + std::to_string(i);
    auto [shard, seq] = Put("s", key, "after");
    const HashKey h = HashOfPartitionKey(key);
    EXPECT_EQ(shard, h < half ? 1u : 2u) << key;
    EXPECT_TRUE(SeqLess(seq0, seq)) << seq0 << " vs " << seq;
    ++per_shard[shard];
  }
  EXPECT_EQ(per_shard[0], 0);

  std::vector<ChildShard> children;
  auto parent_records = ReadShard("s", 0, &children);
  ASSERT_EQ(parent_records.size(), 1u);
  EXPECT_EQ(parent_records[0].first, "before");
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(children[0].shard_id, "shardId-000000000001");
  EXPECT_EQ(children[1].shard_id, "shardId-000000000002");
  EXPECT_EQ(children[0].parents, std::vector<std::string>{"shardId-000000000000"});
  EXPECT_EQ(ReadShard("s", 1, nullptr).size() + ReadShard("s", 2, nullptr).size(), 50u);
}

TEST_F(ReshardRegistryTest, MergeAcceptsEitherOrderAndRecordsBothParents) {
  Create("s", 3);
  ASSERT_TRUE(registry_->MergeShards(kAccount, "s", "shardId-000000000002",
                                     "shardId-000000000001").ok());
  StreamMeta m = Meta("s");
  ASSERT_EQ(m.shards.size(), 4u);
  EXPECT_EQ(m.shards[3].parent, 2u);
  EXPECT_EQ(m.shards[3].adjacent_parent, 1u);
  EXPECT_TRUE(OpenShardsCoverHashSpace(m.shards));
  std::vector<ChildShard> children;
  ReadShard("s", 1, &children);
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children[0].shard_id, "shardId-000000000003");
  EXPECT_EQ(children[0].parents,
            (std::vector<std::string>{"shardId-000000000002", "shardId-000000000001"}));
}

TEST_F(ReshardRegistryTest, SplitAndMergeErrors) {
  Create("s", 2);
  auto code = [](const StreamResult<void>& r) { return r ? StreamErrc::kInternal : r.error().code; };
  EXPECT_EQ(registry_->SplitShard(kAccount, "nope", "shardId-000000000000", "5").error().code,
            StreamErrc::kStreamNotFound);
  auto nf = registry_->SplitShard(kAccount, "s", "shardId-000000000009", "5");
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.error().code, StreamErrc::kShardNotFoundForReshard);
  EXPECT_EQ(nf.error().shard, "shardId-000000000009");
  // Key bounds: StartingHashKey + 1 < key < EndingHashKey.
  StreamMeta m = Meta("s");
  const HashKeyRange r0 = m.shards[0].range;
  auto low = registry_->SplitShard(kAccount, "s", "shardId-000000000000", ToDecimal(r0.start + 1));
  ASSERT_FALSE(low.ok());
  EXPECT_EQ(low.error().code, StreamErrc::kSplitKeyOutOfRange);
  EXPECT_EQ(low.error().other, ToDecimal(r0.start));
  EXPECT_EQ(low.error().other2, ToDecimal(r0.end));
  EXPECT_EQ(code(registry_->SplitShard(kAccount, "s", "shardId-000000000000", ToDecimal(r0.end))),
            StreamErrc::kSplitKeyOutOfRange);
  EXPECT_EQ(code(registry_->SplitShard(kAccount, "s", "shardId-000000000000",
                                       "340282366920938463463374607431768211456")),
            StreamErrc::kSplitKeyOutOfRange);
  EXPECT_TRUE(registry_->SplitShard(kAccount, "s", "shardId-000000000000",
                                    ToDecimal(r0.start + 2)).ok());
  // Closed shards are not eligible any more.
  auto closed = registry_->SplitShard(kAccount, "s", "shardId-000000000000", "100");
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().code, StreamErrc::kShardAlreadyClosed);
  EXPECT_EQ(closed.error().n1, 0);
  auto closed_merge = registry_->MergeShards(kAccount, "s", "shardId-000000000000",
                                             "shardId-000000000001");
  ASSERT_FALSE(closed_merge.ok());
  EXPECT_EQ(closed_merge.error().code, StreamErrc::kShardAlreadyClosed);
  EXPECT_EQ(closed_merge.error().n1, 1);
  // Open shards 2 ([0,1]), 3 ([2, 2^127-1]), 1 ([2^127, max]): 2 and 1 do not touch.
  auto apart = registry_->MergeShards(kAccount, "s", "shardId-000000000002",
                                      "shardId-000000000001");
  ASSERT_FALSE(apart.ok());
  EXPECT_EQ(apart.error().code, StreamErrc::kShardsNotAdjacent);
  EXPECT_EQ(apart.error().shard, "shardId-000000000002");
  EXPECT_EQ(apart.error().other, "shardId-000000000001");
  EXPECT_EQ(code(registry_->MergeShards(kAccount, "s", "shardId-000000000003",
                                        "shardId-000000000003")),
            StreamErrc::kShardsNotAdjacent);
  EXPECT_TRUE(OpenShardsCoverHashSpace(Meta("s").shards));
}

TEST_F(ReshardRegistryTest, OnDemandStreamsRejectResharding) {
  Create("od", 0, StreamMode::kOnDemand);
  auto r = registry_->SplitShard(kAccount, "od", "shardId-000000000000", "12345");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StreamErrc::kReshardOnDemand);
  EXPECT_EQ(r.error().value, "SplitShard");
  EXPECT_EQ(registry_->UpdateShardCount(kAccount, "od", 8).error().code,
            StreamErrc::kReshardOnDemand);
}

TEST_F(ReshardRegistryTest, ReshardNeedsActiveAndGoesThroughUpdating) {
  Open(/*transition_ms=*/60000);
  Create("s", 1);
  auto r = registry_->UpdateShardCount(kAccount, "s", 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StreamErrc::kStreamNotActive);
  EXPECT_EQ(r.error().other, "CREATING");
}

TEST_F(ReshardRegistryTest, UpdateShardCountScalesUniformlyWithinLimits) {
  Create("s", 1);
  auto up = registry_->UpdateShardCount(kAccount, "s", 2);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->current, 1u);
  EXPECT_EQ(up->target, 2u);
  ASSERT_TRUE(registry_->UpdateShardCount(kAccount, "s", 4).ok());
  ExpectUniform(Meta("s"), 4);
  auto dbl = registry_->UpdateShardCount(kAccount, "s", 9);
  ASSERT_FALSE(dbl.ok());
  EXPECT_EQ(dbl.error().code, StreamErrc::kScalingLimit);
  EXPECT_EQ(dbl.error().value, "double");
  EXPECT_EQ(registry_->UpdateShardCount(kAccount, "s", 1).error().value, "half");
  ASSERT_TRUE(registry_->UpdateShardCount(kAccount, "s", 2).ok());
  StreamMeta m = Meta("s");
  ExpectUniform(m, 2);
  ExpectValidLineage(m, 1);
  EXPECT_EQ(m.scaling_ops_ms.size(), 3u);
  // 10 per rolling 24 h.
  for (int i = 3; i < 10; ++i) {
    ASSERT_TRUE(registry_->UpdateShardCount(kAccount, "s", i % 2 ? 1 : 2).ok()) << i;
  }
  auto rate = registry_->UpdateShardCount(kAccount, "s", 2);
  ASSERT_FALSE(rate.ok());
  EXPECT_EQ(rate.error().value, "rate");
  EXPECT_EQ(rate.error().n3, 10);
}

TEST_F(ReshardRegistryTest, AccountShardLimitCountsChildren) {
  Open(0, /*shard_limit=*/3);
  Create("a", 2);
  ASSERT_TRUE(registry_->SplitShard(kAccount, "a", "shardId-000000000000", "1000").ok());
  auto r = registry_->SplitShard(kAccount, "a", "shardId-000000000003", "100000");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StreamErrc::kShardLimitExceeded);
  EXPECT_EQ(r.error().n1, 3);
  EXPECT_EQ(r.error().n2, 3);
  EXPECT_EQ(r.error().n3, 1);
  EXPECT_EQ(registry_->UpdateShardCount(kAccount, "a", 4).error().code,
            StreamErrc::kShardLimitExceeded);
  // Merging never needs quota.
  EXPECT_TRUE(registry_->MergeShards(kAccount, "a", "shardId-000000000002",
                                     "shardId-000000000003").ok());
}

TEST_F(ReshardRegistryTest, LineageAndRecordsSurviveReopen) {
  Create("s", 2);
  Put("s", "a", "1");
  ASSERT_TRUE(registry_->UpdateShardCount(kAccount, "s", 3).ok());
  uint32_t top = 0;  // the open shard holding the highest keys
  for (const auto& s : Meta("s").shards) {
    if (s.open() && s.range.end == kMaxHashKey) top = s.index;
  }
  ASSERT_TRUE(registry_->SplitShard(kAccount, "s", ShardIdOf(top),
                                    ToDecimal(kMaxHashKey - 1000)).ok());
  for (int i = 0; i < 20; ++i) Put("s", "key" + std::to_string(i), "x");
  StreamMeta before = Meta("s");
  std::map<uint32_t, size_t> counts;
  for (const auto& s : before.shards) counts[s.index] = ReadShard("s", s.index, nullptr).size();

  Open();
  StreamMeta after = Meta("s");
  EXPECT_EQ(after.next_shard_index, before.next_shard_index);
  EXPECT_EQ(after.scaling_ops_ms, before.scaling_ops_ms);
  ASSERT_EQ(after.shards.size(), before.shards.size());
  for (size_t i = 0; i < after.shards.size(); ++i) {
    const ShardMeta& a = after.shards[i];
    const ShardMeta& b = before.shards[i];
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(ToDecimal(a.range.start), ToDecimal(b.range.start));
    EXPECT_EQ(ToDecimal(a.range.end), ToDecimal(b.range.end));
    EXPECT_EQ(a.parent, b.parent);
    EXPECT_EQ(a.adjacent_parent, b.adjacent_parent);
    EXPECT_EQ(a.created_ms, b.created_ms);
    EXPECT_EQ(a.closed_ms, b.closed_ms);
    EXPECT_EQ(ReadShard("s", a.index, nullptr).size(), counts[a.index]) << a.index;
  }
  EXPECT_TRUE(OpenShardsCoverHashSpace(after.shards));
  // New writes after reopen still go to open shards only.
  auto [shard, seq] = Put("s", "late", "y");
  const ShardMeta* target = ByIndex(after, shard);
  ASSERT_NE(target, nullptr);
  EXPECT_TRUE(target->open());
}

// Producers race random splits and merges: every acknowledged record is stored exactly once,
// in a shard whose range holds its key, and the open shards always cover the space.
TEST_F(ReshardRegistryTest, ConcurrentPutsNeverLandInClosedShards) {
  Create("s", 2);
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < 2; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        std::string key = "p" + std::to_string(t) + "-" + std::to_string(i);
        PutEntry e{key, "d", std::nullopt};
        std::promise<bool> done;
        registry_->PutRecords(kAccount, "s", std::span<const PutEntry>(&e, 1), std::nullopt,
                              [&](StreamResult<PutOutcome> r) { done.set_value(r.ok()); });
        if (done.get_future().get()) ++acked;
      }
    });
  }
  std::mt19937 rng(7);
  std::map<uint32_t, size_t> closed_counts;
  for (int op = 0; op < 40; ++op) {
    StreamMeta m = Meta("s");
    std::vector<const ShardMeta*> open;
    for (const auto& s : m.shards) {
      if (s.open()) open.push_back(&s);
    }
    std::sort(open.begin(), open.end(),
              [](auto* a, auto* b) { return a->range.start < b->range.start; });
    if (open.size() < 2 || (open.size() < 8 && rng() % 2)) {
      const ShardMeta* s = open[rng() % open.size()];
      HashKey mid = s->range.start + (s->range.end - s->range.start) / 2;
      ASSERT_TRUE(registry_->SplitShard(kAccount, "s", ShardIdOf(s->index), ToDecimal(mid)).ok());
    } else {
      size_t i = rng() % (open.size() - 1);
      ASSERT_TRUE(registry_->MergeShards(kAccount, "s", ShardIdOf(open[i]->index),
                                         ShardIdOf(open[i + 1]->index)).ok());
    }
    StreamMeta after = Meta("s");
    ASSERT_TRUE(OpenShardsCoverHashSpace(after.shards));
    // A parent's contents are final once the reshard returns.
    for (const auto& s : after.shards) {
      if (!s.open() && !closed_counts.count(s.index)) {
        closed_counts[s.index] = ReadShard("s", s.index, nullptr).size();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stop = true;
  for (auto& t : producers) t.join();

  StreamMeta m = Meta("s");
  size_t total = 0;
  std::set<std::string> seen;
  for (const auto& s : m.shards) {
    auto records = ReadShard("s", s.index, nullptr);
    if (!s.open()) {
      EXPECT_EQ(records.size(), closed_counts[s.index]) << s.index;
    }
    for (const auto& [key, data] : records) {
      EXPECT_TRUE(s.range.Contains(HashOfPartitionKey(key))) << key << " in " << s.index;
      EXPECT_TRUE(seen.insert(key).second) << "duplicate " << key;
      ++total;
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(acked.load()));
  EXPECT_GT(total, 0u);
}

}  // namespace
}  // namespace runnel::stream
