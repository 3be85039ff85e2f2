// The minimum throughput billing commitment state machine and its per-account file.
#include "stream/account_settings.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "common/file.h"

namespace runnel::stream {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kHour = 3'600'000;

ThroughputCommitment Enabled() {
  return ApplyCommitmentRequest({}, CommitmentRequest::kEnable, kT0);
}

TEST(CommitmentTest, DefaultIsDisabledWithNoTimes) {
  ThroughputCommitment c;
  EXPECT_EQ(c.status, CommitmentStatus::kDisabled);
  EXPECT_FALSE(c.started_at_ms || c.ended_at_ms || c.earliest_allowed_end_at_ms);
  EXPECT_FALSE(c.InForceAt(kT0));
}

TEST(CommitmentTest, EnableStartsATwentyFourHourCommitment) {
  auto c = Enabled();
  EXPECT_EQ(c.status, CommitmentStatus::kEnabled);
  EXPECT_EQ(c.started_at_ms, kT0);
  EXPECT_EQ(c.earliest_allowed_end_at_ms, kT0 + 24 * kHour);
  EXPECT_FALSE(c.ended_at_ms);
  EXPECT_TRUE(c.InForceAt(kT0));
}

TEST(CommitmentTest, EnableWhenEnabledChangesNothing) {
  auto c = Enabled();
  EXPECT_EQ(ApplyCommitmentRequest(c, CommitmentRequest::kEnable, kT0 + kHour), c);
}

TEST(CommitmentTest, EarlyDisableIsPendingUntilEarliestEnd) {
  auto c = ApplyCommitmentRequest(Enabled(), CommitmentRequest::kDisable, kT0 + kHour);
  EXPECT_EQ(c.status, CommitmentStatus::kEnabledUntilEarliestAllowedEnd);
  EXPECT_EQ(c.ended_at_ms, kT0 + 24 * kHour);
  EXPECT_TRUE(c.InForceAt(kT0 + 2 * kHour));
  // Disabling again changes nothing.
  EXPECT_EQ(ApplyCommitmentRequest(c, CommitmentRequest::kDisable, kT0 + 2 * kHour), c);
  // The end passes: DISABLED, StartedAt/EndedAt kept for the record.
  auto later = c.At(kT0 + 24 * kHour);
  EXPECT_EQ(later.status, CommitmentStatus::kDisabled);
  EXPECT_EQ(later.started_at_ms, kT0);
  EXPECT_EQ(later.ended_at_ms, kT0 + 24 * kHour);
  EXPECT_FALSE(later.earliest_allowed_end_at_ms);
  EXPECT_FALSE(c.InForceAt(kT0 + 24 * kHour));
}

TEST(CommitmentTest, ReEnableCancelsPendingDisable) {
  auto pending = ApplyCommitmentRequest(Enabled(), CommitmentRequest::kDisable, kT0 + kHour);
  auto c = ApplyCommitmentRequest(pending, CommitmentRequest::kEnable, kT0 + 2 * kHour);
  EXPECT_EQ(c.status, CommitmentStatus::kEnabled);
  EXPECT_EQ(c.started_at_ms, kT0);  // the same commitment continues
  EXPECT_EQ(c.earliest_allowed_end_at_ms, kT0 + 24 * kHour);
  EXPECT_FALSE(c.ended_at_ms);
}

TEST(CommitmentTest, DisableAfterEarliestEndIsImmediate) {
  auto c = ApplyCommitmentRequest(Enabled(), CommitmentRequest::kDisable, kT0 + 25 * kHour);
  EXPECT_EQ(c.status, CommitmentStatus::kDisabled);
  EXPECT_EQ(c.ended_at_ms, kT0 + 25 * kHour);
  EXPECT_FALSE(c.InForceAt(kT0 + 25 * kHour));
}

TEST(CommitmentTest, EnableAfterExpiredPendingStartsANewCommitment) {
  auto pending = ApplyCommitmentRequest(Enabled(), CommitmentRequest::kDisable, kT0 + kHour);
  const int64_t t = kT0 + 30 * kHour;
  auto c = ApplyCommitmentRequest(pending, CommitmentRequest::kEnable, t);
  EXPECT_EQ(c.status, CommitmentStatus::kEnabled);
  EXPECT_EQ(c.started_at_ms, t);
  EXPECT_EQ(c.earliest_allowed_end_at_ms, t + 24 * kHour);
  EXPECT_FALSE(c.ended_at_ms);
}

TEST(CommitmentTest, DisableWhenDisabledChangesNothing) {
  ThroughputCommitment c;
  EXPECT_EQ(ApplyCommitmentRequest(c, CommitmentRequest::kDisable, kT0), c);
}

TEST(AccountSettingsCodecTest, RoundTripAndDefaults) {
  AccountSettings s;
  s.commitment = ApplyCommitmentRequest(Enabled(), CommitmentRequest::kDisable, kT0 + kHour);
  auto back = DecodeAccountSettings(EncodeAccountSettings(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->commitment, s.commitment);
  auto empty = DecodeAccountSettings("{}");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->commitment, ThroughputCommitment{});
  EXPECT_FALSE(DecodeAccountSettings("{"));
  EXPECT_FALSE(DecodeAccountSettings(
      R"({"minimum_throughput_billing_commitment":{"status":"MAYBE"}})"));
}

class AccountSettingsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("runnel-accounts-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(AccountSettingsStoreTest, MissingFileMeansDisabled) {
  AccountSettingsStore store(dir_ / "accounts");
  auto s = store.Get("000000000000", kT0);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->commitment.status, CommitmentStatus::kDisabled);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "accounts"));  // reads never write
}

TEST_F(AccountSettingsStoreTest, UpdatesArePersistedPerAccount) {
  {
    AccountSettingsStore store(dir_ / "accounts");
    ASSERT_TRUE(store.UpdateCommitment("111111111111", CommitmentRequest::kEnable, kT0));
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ / "accounts" / "111111111111.json"));
  AccountSettingsStore reopened(dir_ / "accounts");
  auto s = reopened.Get("111111111111", kT0 + kHour);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->commitment.status, CommitmentStatus::kEnabled);
  EXPECT_EQ(s->commitment.started_at_ms, kT0);
  auto other = reopened.Get("222222222222", kT0);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->commitment.status, CommitmentStatus::kDisabled);
}

TEST_F(AccountSettingsStoreTest, PendingDisableResolvesOnRead) {
  AccountSettingsStore store(dir_ / "accounts");
  ASSERT_TRUE(store.UpdateCommitment("1", CommitmentRequest::kEnable, kT0));
  auto s = store.UpdateCommitment("1", CommitmentRequest::kDisable, kT0 + kHour);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->commitment.status, CommitmentStatus::kEnabledUntilEarliestAllowedEnd);
  EXPECT_EQ(store.Get("1", kT0 + 23 * kHour)->commitment.status,
            CommitmentStatus::kEnabledUntilEarliestAllowedEnd);
  EXPECT_EQ(store.Get("1", kT0 + 24 * kHour)->commitment.status, CommitmentStatus::kDisabled);
}

TEST_F(AccountSettingsStoreTest, OddAccountNamesStayInsideTheDirectory) {
  AccountSettingsStore store(dir_ / "accounts");
  ASSERT_TRUE(store.UpdateCommitment("../evil", CommitmentRequest::kEnable, kT0));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "evil.json"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "accounts" / "x-2e2e2f6576696c.json"));
}

TEST_F(AccountSettingsStoreTest, CorruptFileIsAnInternalError) {
  std::filesystem::create_directories(dir_ / "accounts");
  ASSERT_TRUE(WriteFileAtomic(dir_ / "accounts" / "1.json", "not json"));
  AccountSettingsStore store(dir_ / "accounts");
  auto s = store.Get("1", kT0);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, StreamErrc::kInternal);
}

}  // namespace
}  // namespace runnel::stream
