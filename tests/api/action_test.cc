// ShardIdText must render exactly what stream::ShardIdOf does (PutRecord's ShardId).
#include "api/action.h"

#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "stream/stream_meta.h"

namespace runnel::api {
namespace {

TEST(ShardIdTextTest, MatchesShardIdOf) {
  for (uint32_t index : {0u, 1u, 9u, 10u, 99u, 100u, 12345u, 999999999u, 1000000000u,
                         std::numeric_limits<uint32_t>::max()}) {
    ShardIdBuffer buf;
    EXPECT_EQ(ShardIdText(index, buf), stream::ShardIdOf(index)) << index;
  }
  ShardIdBuffer buf;
  EXPECT_EQ(ShardIdText(7, buf), "shardId-000000000007");
  EXPECT_EQ(ShardIdText(4294967295u, buf), "shardId-004294967295");
}

}  // namespace
}  // namespace runnel::api
