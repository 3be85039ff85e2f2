// StreamRegistry::GetRecords into a reused GetRecordsOutput: the records vector's elements are
// overwritten in place, so every call must leave exactly its own records, whether it returns
// more, fewer or none compared with the previous call on the same output.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "storage/committer.h"
#include "stream/stream_registry.h"

namespace runnel::stream {
namespace {

namespace fs = std::filesystem;

constexpr char kAccount[] = "000000000000";

struct Expected {
  std::string key, data, sequence;
};

class ReadPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runnel_read_path_XXXXXX";
    char* p = ::mkdtemp(tmpl);
    ASSERT_NE(p, nullptr);
    dir_ = p;
    RegistryOptions o;
    o.data_dir = dir_;
    o.transition_ms = 0;  // ACTIVE at once
    auto r = StreamRegistry::Open(o, &committer_);
    ASSERT_TRUE(r.ok()) << r.error().value;
    registry_ = std::move(*r);
    CreateStreamRequest req;
    req.account = kAccount;
    req.name = "s";
    req.shard_count = 1;
    ASSERT_TRUE(registry_->CreateStream(req).ok());
  }
  void TearDown() override {
    registry_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Expected Put(const std::string& key, const std::string& data) {
    PutEntry e{key, data, std::nullopt};
    std::promise<StreamResult<PutOutcome>> done;
    auto fut = done.get_future();
    registry_->PutRecords(kAccount, "s", std::span<const PutEntry>(&e, 1), std::nullopt,
                          [&](StreamResult<PutOutcome> r) { done.set_value(std::move(r)); });
    auto r = fut.get();
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return {};
    return {key, data, std::string(r->entries[0].sequence_number())};
  }

  std::string TrimHorizon() {
    GetShardIteratorRequest req;
    req.account = kAccount;
    req.stream = "s";
    req.shard_id = "shardId-000000000000";
    req.type = IteratorType::kTrimHorizon;
    auto it = registry_->GetShardIterator(req);
    EXPECT_TRUE(it.ok());
    return it.ok() ? *it : "";
  }

  // Reads up to `limit` records into `out` from `*iterator`, advances it, and checks that
  // `out` holds exactly want[from, from + n).
  void ReadAndExpect(std::string* iterator, uint32_t limit, GetRecordsOutput& out,
                     const std::vector<Expected>& want, size_t from, size_t n) {
    auto r = registry_->GetRecords(kAccount, *iterator, limit, &out);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(out.records.size(), n);
    for (size_t i = 0; i < n; ++i) {
      const OutRecord& rec = out.records[i];
      const Expected& e = want[from + i];
      EXPECT_EQ(rec.sequence.sequence_number(), e.sequence) << i;
      EXPECT_EQ(rec.sequence.shard_index, 0u) << i;
      EXPECT_EQ(rec.partition_key, e.key) << i;
      EXPECT_EQ(rec.data, e.data) << i;
      EXPECT_FALSE(rec.encrypted) << i;
      EXPECT_GT(rec.arrival_ms, 0) << i;
    }
    ASSERT_TRUE(out.next_iterator.has_value());
    *iterator = *out.next_iterator;
  }

  fs::path dir_;
  storage::Committer committer_{storage::SyncMode::kNone, std::chrono::milliseconds(0)};
  std::unique_ptr<StreamRegistry> registry_;
};

TEST_F(ReadPathTest, ReusedOutputHoldsExactlyEachCallsRecords) {
  std::vector<Expected> want;
  for (int i = 0; i < 30; ++i) {
    // Keys and data of different lengths, so a stale view would show.
    want.push_back(Put("key-" + std::string(static_cast<size_t>(i % 7), 'k') + std::to_string(i),
                       std::string(static_cast<size_t>(1 + i * 13 % 50), static_cast<char>('a' + i % 26))));
  }
  GetRecordsOutput out;
  std::string it = TrimHorizon();
  ReadAndExpect(&it, 20, out, want, 0, 20);   // grows the vector
  ReadAndExpect(&it, 5, out, want, 20, 5);    // fewer: the surplus is dropped
  ReadAndExpect(&it, 100, out, want, 25, 5);  // the rest
  ReadAndExpect(&it, 100, out, want, 30, 0);  // caught up: none
  it = TrimHorizon();
  ReadAndExpect(&it, 10000, out, want, 0, 30);  // more than ever before
  ReadAndExpect(&it, 10000, out, want, 30, 0);
}

// tail_arrival_ms (what GetRecords' tail wait looks at) is set only when a read ends at the
// end of an open shard, and then is the arrival time of the shard's newest record.
TEST_F(ReadPathTest, TailArrivalIsSetOnlyAtTheEndOfAnOpenShard) {
  GetRecordsOutput out;
  std::string it = TrimHorizon();
  ASSERT_TRUE(registry_->GetRecords(kAccount, it, 100, &out).ok());
  EXPECT_TRUE(out.records.empty());
  EXPECT_EQ(out.tail_arrival_ms, 0);  // no record yet

  Put("a", "1");
  Put("b", "2");
  ASSERT_TRUE(registry_->GetRecords(kAccount, it, 1, &out).ok());
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.tail_arrival_ms, 0);  // stopped behind the tail
  const int64_t newest = out.records[0].arrival_ms;

  ASSERT_TRUE(registry_->GetRecords(kAccount, it, 100, &out).ok());
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_GE(out.tail_arrival_ms, newest);  // reached the end: the newest record's arrival
  EXPECT_EQ(out.tail_arrival_ms, out.records[1].arrival_ms);
  it = *out.next_iterator;
  ASSERT_TRUE(registry_->GetRecords(kAccount, it, 100, &out).ok());
  EXPECT_TRUE(out.records.empty());
  EXPECT_GT(out.tail_arrival_ms, 0);  // empty at the live end: set

  // Closed by a split: reading it to its end reports the children, and no tail.
  ASSERT_TRUE(registry_
                  ->SplitShard(kAccount, "s", "shardId-000000000000",
                               "170141183460469231731687303715884105728")
                  .ok());
  ASSERT_TRUE(registry_->GetRecords(kAccount, it, 100, &out).ok());
  EXPECT_TRUE(out.records.empty());
  EXPECT_FALSE(out.next_iterator.has_value());
  EXPECT_EQ(out.tail_arrival_ms, 0);
}

}  // namespace
}  // namespace runnel::stream
