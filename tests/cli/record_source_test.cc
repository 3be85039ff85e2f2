#include "cli/record_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace runnel::cli {
namespace {

TEST(RecordSourceTest, ArrayOfStrings) {
  auto r = ParseRecords(R"(["apple", "banana", "caf\u00e9"])");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r, (std::vector<std::string>{"apple", "banana", "café"}));
}

TEST(RecordSourceTest, ObjectsAreSentAsCompactJson) {
  auto r = ParseRecords("[{\"word\": \"apple\", \"n\": 1}, 42, \"x\"]");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r, (std::vector<std::string>{R"({"word":"apple","n":1})", "42", "x"}));
}

TEST(RecordSourceTest, Ndjson) {
  auto r = ParseRecords("{\"a\": 1}\n\n\"two\"\r\n[3]\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r, (std::vector<std::string>{R"({"a":1})", "two", "[3]"}));
}

TEST(RecordSourceTest, NotJsonIsAnErrorWithTheLine) {
  auto r = ParseRecords("{\"a\": 1}\nnot json\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("line 2"), std::string::npos) << r.error();
}

TEST(RecordSourceTest, ExampleWordsFileIsDistinctWords) {
  std::filesystem::path path = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "examples/words.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  auto r = LoadRecords(path);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_GE(r->size(), 300u);
  EXPECT_LE(r->size(), 500u);
  std::set<std::string> distinct(r->begin(), r->end());
  EXPECT_EQ(distinct.size(), r->size());
}

TEST(PartitionKeySpecTest, WordUsesTheRecordText) {
  PartitionKeySpec spec("word");
  EXPECT_EQ(spec.KeyFor("apple"), "apple");
  EXPECT_EQ(spec.KeyFor(""), "-");
  std::string long_text(300, 'a');
  EXPECT_EQ(spec.KeyFor(long_text).size(), 256u);
  // 255 ASCII bytes then a 2-byte character: the cut must not split it.
  std::string utf8 = std::string(255, 'a') + "\xc3\xa9";
  EXPECT_EQ(spec.KeyFor(utf8), std::string(255, 'a'));
}

TEST(PartitionKeySpecTest, FixedAndRandom) {
  PartitionKeySpec fixed("user-7");
  EXPECT_EQ(fixed.KeyFor("anything"), "user-7");
  PartitionKeySpec random("random");
  std::string a = random.KeyFor("x"), b = random.KeyFor("x");
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace runnel::cli
