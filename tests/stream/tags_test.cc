// Tag rules: allowed characters (as recorded from Kinesis by kinesalite), the 50-tag cap,
// merge/overwrite and removal.
#include "stream/tags.h"

#include <gtest/gtest.h>

namespace runnel::stream {
namespace {

const TagOwner kOwner{"s1", "000000000000"};

TEST(ClassifyTagTextTest, AllowedAsciiAndUnicode) {
  EXPECT_EQ(ClassifyTagText(""), TagText::kValid);
  EXPECT_EQ(ClassifyTagText("Env_1 ./=+-@"), TagText::kValid);
  EXPECT_EQ(ClassifyTagText("ü0 _."), TagText::kValid);          // kinesalite's own example
  EXPECT_EQ(ClassifyTagText("日本語のタグ"), TagText::kValid);    // CJK letters
  EXPECT_EQ(ClassifyTagText("Ωμέγα"), TagText::kValid);
  EXPECT_EQ(ClassifyTagText("٣"), TagText::kValid);             // Arabic-Indic digit three
  EXPECT_EQ(ClassifyTagText("a\u00a0b"), TagText::kValid);      // no-break space (Zs)
}

TEST(ClassifyTagTextTest, PercentIsItsOwnCase) {
  EXPECT_EQ(ClassifyTagText("abc%def"), TagText::kPercent);
}

TEST(ClassifyTagTextTest, RejectedCharacters) {
  for (const char* s : {"abc,def", "a;b", "a\tb", "a\nb", "a:b", "a!b", "a#b", "a*b", "a\"b",
                        "a'b", "a<b", "a\\b", "😀", "a€b"}) {
    EXPECT_EQ(ClassifyTagText(s), TagText::kInvalid) << s;
  }
}

TEST(CheckTagCharactersTest, InvalidWinsOverPercent) {
  std::string_view both[] = {"a%b", "a,b"};
  auto r = CheckTagCharacters(both, TagOp::kAdd, kOwner);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StreamErrc::kTagsInvalidCharacters);

  std::string_view percent[] = {"ok", "a%b"};
  r = CheckTagCharacters(percent, TagOp::kRemove, kOwner);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StreamErrc::kTagsIllegalCharacters);
  EXPECT_EQ(r.error().value, "remove");
  EXPECT_EQ(r.error().stream, "s1");
  EXPECT_EQ(r.error().account, "000000000000");
}

TagMap ManyTags(int n, const std::string& prefix) {
  TagMap t;
  for (int i = 0; i < n; ++i) t.emplace(prefix + std::to_string(i), "v");
  return t;
}

TEST(AddTagsTest, MergesAndOverwrites) {
  TagMap tags{{"a", "1"}, {"b", "2"}};
  ASSERT_TRUE(AddTags(tags, {{"b", "20"}, {"c", ""}}, kOwner));
  EXPECT_EQ(tags, (TagMap{{"a", "1"}, {"b", "20"}, {"c", ""}}));
}

TEST(AddTagsTest, FiftyIsTheCapCountingExistingKeysOnce) {
  TagMap tags = ManyTags(49, "k");
  ASSERT_TRUE(AddTags(tags, {{"k0", "overwrite"}, {"new", "x"}}, kOwner));  // 50 total
  EXPECT_EQ(tags.size(), 50u);
  TagMap before = tags;
  auto r = AddTags(tags, {{"one-more", "x"}}, kOwner);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StreamErrc::kTooManyTags);
  EXPECT_EQ(r.error().n1, 50);
  EXPECT_EQ(tags, before);  // unchanged on error
  // Overwriting existing keys is fine at the cap.
  ASSERT_TRUE(AddTags(tags, {{"k1", "y"}}, kOwner));
}

TEST(AddTagsTest, FirstRequestOverFiftyFails) {
  TagMap tags;
  auto r = AddTags(tags, ManyTags(51, "k"), kOwner);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StreamErrc::kTooManyTags);
  EXPECT_TRUE(tags.empty());
}

TEST(AddTagsTest, CharactersCheckedInKeysAndValues) {
  TagMap tags;
  auto r = AddTags(tags, {{"good", "bad;value"}}, kOwner);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StreamErrc::kTagsInvalidCharacters);
  r = AddTags(tags, {{"100%", "v"}}, kOwner);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StreamErrc::kTagsIllegalCharacters);
  EXPECT_EQ(r.error().value, "add");
  EXPECT_TRUE(tags.empty());
}

TEST(RemoveTagsTest, RemovesAndIgnoresUnknownKeys) {
  TagMap tags{{"a", "1"}, {"b", "2"}};
  std::vector<std::string> keys{"a", "zzz"};
  ASSERT_TRUE(RemoveTags(tags, keys, kOwner));
  EXPECT_EQ(tags, (TagMap{{"b", "2"}}));
  std::vector<std::string> bad{"b%"};
  auto r = RemoveTags(tags, bad, kOwner);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StreamErrc::kTagsIllegalCharacters);
  EXPECT_EQ(tags.size(), 1u);
}

}  // namespace
}  // namespace runnel::stream
