// Registered consumers (state machine, limits, persistence, DeleteStream enforcement),
// ShardWaiters (wake on new records, deadlines, cancel) and Subscriptions (the 5 s rule).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>

#include "common/clock.h"
#include "storage/committer.h"
#include "stream/consumer_meta.h"
#include "stream/stream_registry.h"

namespace runnel::stream {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kAccount[] = "000000000000";

TEST(ConsumerMetaTest, CreatingBecomesActiveDeletingBecomesGone) {
  ConsumerMeta c;
  c.name = "c";
  c.created_ms = 1'700'000'000'123;
  c.status = ConsumerStatus::kCreating;
  c.transition_at_ms = 1000;
  EXPECT_EQ(c.StatusAt(999), ConsumerStatus::kCreating);
  EXPECT_EQ(c.StatusAt(1000), ConsumerStatus::kActive);
  c.status = ConsumerStatus::kDeleting;
  EXPECT_EQ(c.StatusAt(999), ConsumerStatus::kDeleting);
  EXPECT_EQ(c.StatusAt(1000), ConsumerStatus::kGone);
  EXPECT_EQ(c.Arn("arn:aws:kinesis:us-east-1:000000000000:stream/s"),
            "arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1700000000");
}

TEST(ConsumerMetaTest, JsonRoundTripAndAbsentMember) {
  StreamMeta m;
  m.account = kAccount;
  m.name = "s";
  m.dir_name = "d";
  auto old = DecodeStreamMeta(EncodeStreamMeta(m));
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(old->consumers.empty());
  ConsumerMeta c;
  c.name = "c1";
  c.created_ms = 5;
  c.status = ConsumerStatus::kDeleting;
  c.transition_at_ms = 7;
  c.tags = {{"k", "v"}};
  c.resource_policy = R"({"Version":"2012-10-17","Statement":[]})";
  m.consumers.push_back(c);
  ConsumerMeta plain = c;  // no policy: none after decoding either
  plain.name = "c2";
  plain.resource_policy.clear();
  m.consumers.push_back(plain);
  ConsumerMeta gone = c;
  gone.name = "gone";
  gone.status = ConsumerStatus::kGone;
  m.consumers.push_back(gone);
  auto back = DecodeStreamMeta(EncodeStreamMeta(m));
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->consumers.size(), 2u);
  EXPECT_EQ(back->consumers[0].name, "c1");
  EXPECT_EQ(back->consumers[0].status, ConsumerStatus::kDeleting);
  EXPECT_EQ(back->consumers[0].transition_at_ms, 7);
  EXPECT_EQ(back->consumers[0].tags.at("k"), "v");
  EXPECT_EQ(back->consumers[0].resource_policy, c.resource_policy);
  EXPECT_EQ(back->consumers[1].name, "c2");
  EXPECT_EQ(back->consumers[1].resource_policy, "");
}

class ConsumerRegistryTest : public ::testing::Test {
 protected:
  ConsumerRegistryTest() {
    char tmpl[] = "/tmp/runnel_consumers_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~ConsumerRegistryTest() override {
    registry_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void SetUp() override { Open(0); }

  void Open(int64_t transition_ms) {
    registry_.reset();
    RegistryOptions o;
    o.data_dir = dir_;
    o.transition_ms = transition_ms;
    auto r = StreamRegistry::Open(o, &committer_);
    ASSERT_TRUE(r.ok()) << r.error().value;
    registry_ = std::move(*r);
  }
  void Create(const std::string& name) {
    CreateStreamRequest req;
    req.account = kAccount;
    req.name = name;
    req.shard_count = 1;
    ASSERT_TRUE(registry_->CreateStream(req).ok());
  }
  void Put(const std::string& name, const std::string& data) {
    PutEntry e{"pk", data, std::nullopt};
    std::promise<bool> done;
    registry_->PutRecords(kAccount, name, std::span<const PutEntry>(&e, 1), std::nullopt,
                          [&](StreamResult<PutOutcome> r) { done.set_value(r.ok()); });
    ASSERT_TRUE(done.get_future().get());
  }
  std::string Latest(const std::string& name) {
    GetShardIteratorRequest req;
    req.account = kAccount;
    req.stream = name;
    req.shard_id = "shardId-000000000000";
    req.type = IteratorType::kLatest;
    auto it = registry_->GetShardIterator(req);
    EXPECT_TRUE(it.ok());
    return it.ok() ? *it : "";
  }

  fs::path dir_;
  storage::Committer committer_{storage::SyncMode::kNone, std::chrono::milliseconds(0)};
  std::unique_ptr<StreamRegistry> registry_;
};

TEST_F(ConsumerRegistryTest, RegisterDescribeListDeregister) {
  Create("s");
  auto c = registry_->RegisterConsumer(kAccount, "s", "c1", {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->meta.status, ConsumerStatus::kActive);  // transition_ms = 0
  EXPECT_EQ(c->arn.rfind(c->stream_arn + "/consumer/c1:", 0), 0u);
  auto dup = registry_->RegisterConsumer(kAccount, "s", "c1", {});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, StreamErrc::kConsumerExists);
  ASSERT_TRUE(registry_->RegisterConsumer(kAccount, "s", "c2", {}).ok());
  auto list = registry_->ListConsumers(kAccount, "s");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].meta.name, "c1");
  auto d = registry_->DescribeConsumer(kAccount, "s", "c2");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(registry_->DeregisterConsumer(kAccount, "s", "c1").ok());
  auto gone = registry_->DescribeConsumer(kAccount, "s", "c1");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, StreamErrc::kConsumerNotFound);
  EXPECT_EQ(registry_->ListConsumers(kAccount, "s")->size(), 1u);
}

TEST_F(ConsumerRegistryTest, CreatingThenActiveAndLimits) {
  Open(60'000);
  Create("s");
  auto s = registry_->Describe(kAccount, "s");
  Clock::AdvanceForTesting(60'000);  // the stream is ACTIVE
  for (int i = 0; i < 5; ++i) {
    auto c = registry_->RegisterConsumer(kAccount, "s", "c" + std::to_string(i), {});
    ASSERT_TRUE(c.ok()) << i;
    EXPECT_EQ(c->meta.status, ConsumerStatus::kCreating);
  }
  auto sixth = registry_->RegisterConsumer(kAccount, "s", "c5", {});
  ASSERT_FALSE(sixth.ok());
  EXPECT_EQ(sixth.error().code, StreamErrc::kConsumerLimit);
  EXPECT_EQ(sixth.error().value, "creating");
  Clock::AdvanceForTesting(60'000);
  EXPECT_EQ(registry_->DescribeConsumer(kAccount, "s", "c0")->meta.status,
            ConsumerStatus::kActive);
  for (int i = 5; i < 20; ++i) {
    if (i % 5 == 0) Clock::AdvanceForTesting(60'000);
    ASSERT_TRUE(registry_->RegisterConsumer(kAccount, "s", "c" + std::to_string(i), {}).ok())
        << i;
  }
  Clock::AdvanceForTesting(60'000);
  auto over = registry_->RegisterConsumer(kAccount, "s", "c20", {});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().value, "total");
  // Deregistering: DELETING, then gone.
  auto d = registry_->DeregisterConsumer(kAccount, "s", "c0");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(registry_->DescribeConsumer(kAccount, "s", "c0")->meta.status,
            ConsumerStatus::kDeleting);
  Clock::AdvanceForTesting(60'000);
  EXPECT_FALSE(registry_->DescribeConsumer(kAccount, "s", "c0").ok());
  EXPECT_TRUE(registry_->RegisterConsumer(kAccount, "s", "c20", {}).ok());
}

TEST_F(ConsumerRegistryTest, ConsumersSurviveReopenAndBlockDeleteStream) {
  Create("s");
  ASSERT_TRUE(registry_->RegisterConsumer(kAccount, "s", "c1", {{"t", "v"}}).ok());
  Open(0);
  auto c = registry_->DescribeConsumer(kAccount, "s", "c1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->meta.tags.at("t"), "v");
  auto del = registry_->DeleteStream(kAccount, "s", false);
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().code, StreamErrc::kStreamHasConsumers);
  EXPECT_EQ(del.error().n1, 1);
  EXPECT_TRUE(registry_->DeleteStream(kAccount, "s", true).ok());
}

TEST_F(ConsumerRegistryTest, WaitForRecordsWakesOnPutAndTimesOut) {
  Create("s");
  std::string it = Latest("s");
  // Timeout.
  std::promise<bool> timed;
  auto t0 = std::chrono::steady_clock::now();
  registry_->WaitForRecords(kAccount, it, t0 + 50ms, [&](bool data) { timed.set_value(data); });
  EXPECT_FALSE(timed.get_future().get());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 45ms);
  // Woken by a put long before the deadline.
  std::promise<bool> woke;
  auto t1 = std::chrono::steady_clock::now();
  registry_->WaitForRecords(kAccount, it, t1 + 10s, [&](bool data) { woke.set_value(data); });
  Put("s", "x");
  EXPECT_TRUE(woke.get_future().get());
  EXPECT_LT(std::chrono::steady_clock::now() - t1, 2s);
  // Already there: at once.
  std::promise<bool> now;
  registry_->WaitForRecords(kAccount, it, std::chrono::steady_clock::now() + 10s,
                            [&](bool data) { now.set_value(data); });
  EXPECT_TRUE(now.get_future().get());
  // Cancel.
  std::promise<bool> cancelled;
  uint64_t id = registry_->WaitForRecords(kAccount, Latest("s"),
                                          std::chrono::steady_clock::now() + 10s,
                                          [&](bool data) { cancelled.set_value(data); });
  ASSERT_NE(id, 0u);
  registry_->waiters().Cancel(id);
  EXPECT_FALSE(cancelled.get_future().get());
  EXPECT_EQ(registry_->waiters().waiting(), 0u);
}

TEST(SubscriptionsTest, OnePerConsumerAndShardWithFiveSecondRule) {
  Subscriptions subs;
  int replaced = 0, gone = 0;
  auto end = [&](SubscriptionEnd why) {
    (why == SubscriptionEnd::kReplaced ? replaced : gone)++;
  };
  auto a = subs.Acquire("arn:c", "shard-0", 1000, end);
  ASSERT_TRUE(a.ok());
  auto b = subs.Acquire("arn:c", "shard-0", 5999, end);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, StreamErrc::kSubscriptionInUse);
  EXPECT_TRUE(subs.Acquire("arn:c", "shard-1", 1000, end).ok());  // another shard
  auto c = subs.Acquire("arn:c", "shard-0", 6000, end);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(replaced, 1);
  subs.Release("arn:c", "shard-0", *a);  // stale id: no effect
  EXPECT_EQ(subs.active(), 2u);
  subs.EndConsumer("arn:c");
  EXPECT_EQ(gone, 2);
  EXPECT_EQ(subs.active(), 0u);
}

}  // namespace
}  // namespace runnel::stream
