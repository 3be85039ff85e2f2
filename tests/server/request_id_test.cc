#include "server/request_id.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace runnel::server {
namespace {

std::string ToString(const auto& id) { return std::string(id.data(), id.size()); }

TEST(RequestIdTest, IsLowerCaseUuidV4) {
  const std::regex uuid_v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 1000; ++i) {
    const std::string id = ToString(NewRequestId());
    ASSERT_TRUE(std::regex_match(id, uuid_v4)) << id;
  }
}

TEST(RequestIdTest, IdsAreDistinctAcrossThreads) {
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& ids : per_thread) {
    threads.emplace_back([&ids] {
      for (int i = 0; i < 2000; ++i) ids.push_back(ToString(NewRequestId()));
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& ids : per_thread) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 8000u);
}

TEST(RequestIdTest, ExtendedIdIsBase64Of72Bytes) {
  const std::regex base64("[A-Za-z0-9+/]{96}");
  const std::string first = ToString(NewExtendedRequestId());
  const std::string second = ToString(NewExtendedRequestId());
  EXPECT_TRUE(std::regex_match(first, base64)) << first;
  EXPECT_NE(first, second);
}

}  // namespace
}  // namespace runnel::server
