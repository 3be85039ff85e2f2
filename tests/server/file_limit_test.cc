#include "server/file_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace runnel::server {
namespace {

TEST(FileLimitTest, RaisesTheSoftLimitToTheHardLimit) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  const uint64_t hard = saved.rlim_max == RLIM_INFINITY ? kMaxOpenFiles : saved.rlim_max;
  if (hard <= 128) GTEST_SKIP() << "hard limit too low to test: " << hard;
  rlimit low = saved;
  low.rlim_cur = 128;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);

  const FileLimit got = RaiseOpenFileLimit();
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(got.before, 128u);
  EXPECT_EQ(got.after, hard);
  EXPECT_EQ(got.hard, hard);
  EXPECT_EQ(now.rlim_cur, hard);

  // Already at the hard limit: unchanged, never lowered.
  const FileLimit again = RaiseOpenFileLimit();
  EXPECT_EQ(again.before, hard);
  EXPECT_EQ(again.after, hard);
  setrlimit(RLIMIT_NOFILE, &saved);
}

}  // namespace
}  // namespace runnel::server
