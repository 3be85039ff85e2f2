// ShardIdText must render exactly what stream::ShardIdOf does (PutRecord's ShardId).
#include "api/action.h"

#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>

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

// FindStrings must answer like ActionContext::String (at_key, then a string or nothing).
TEST(FindStringsTest, AnswersLikeAtKey) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc =
      parser
          .parse(std::string(R"({"A":"a1","N":null,"I":5,"A":"a2","B":"","N":"n2","I":"i2",)"
                             R"("X":{"C":"nested"}})"))
          .value();
  simdjson::dom::object body = doc.get_object().value();
  constexpr std::string_view kNames[] = {"A", "B", "C", "N", "I", "Absent", "a"};
  std::optional<std::string_view> out[std::size(kNames)];
  out[5] = "stale";  // every slot is written
  FindStrings(body, kNames, out);
  EXPECT_EQ(out[0], "a1");                 // first of two
  EXPECT_EQ(out[1], "");                   // empty string is a value
  EXPECT_FALSE(out[2].has_value());        // only nested
  EXPECT_FALSE(out[3].has_value());        // first is null, later string ignored
  EXPECT_FALSE(out[4].has_value());        // first is a number
  EXPECT_FALSE(out[5].has_value());
  EXPECT_FALSE(out[6].has_value());        // names are case-sensitive
  for (size_t i = 0; i < std::size(kNames); ++i) {
    std::string_view s;
    std::optional<std::string_view> expected;
    if (body.at_key(kNames[i]).get(s) == simdjson::SUCCESS) expected = s;
    EXPECT_EQ(out[i], expected) << kNames[i];
  }
}

}  // namespace
}  // namespace runnel::api
