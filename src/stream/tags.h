// Tag rules shared by every taggable resource (streams now, consumers later): allowed
// characters, the per-resource cap, merge and removal. Works on a plain key -> value map so
// that any resource's metadata can hold its tags. Lengths (key 1..128, value 0..256) are
// model constraints checked by api/validate before anything reaches this layer.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "stream/stream_error.h"

namespace runnel::stream {

using TagMap = std::map<std::string, std::string>;  // = StreamMeta::tags

// AWS caps a stream (and a consumer) at 50 tags.
inline constexpr size_t kMaxTagsPerResource = 50;

// What a tag string contains, as Kinesis judges it (behaviour recorded by kinesalite):
//   kValid:   Unicode letters and digits, space separators, and _ . / = + - @
//   kPercent: otherwise valid but contains '%' (a separate, stream-specific error)
//   kInvalid: anything else (tab, newline, ',', ';', ':', '!', symbols, emoji, ...)
enum class TagText { kValid, kPercent, kInvalid };
TagText ClassifyTagText(std::string_view utf8);

// Who owns the tags, for error facts.
struct TagOwner {
  std::string_view stream;
  std::string_view account;
};

enum class TagOp { kAdd, kRemove };

// Checks the characters of `strings` (keys and values). Invalid characters win over '%':
// kTagsInvalidCharacters, else kTagsIllegalCharacters (value = "add" / "remove").
StreamResult<void> CheckTagCharacters(std::span<const std::string_view> strings, TagOp op,
                                      const TagOwner& owner);

// CreateStream / AddTagsToStream / TagResource: checks characters, then that `existing`
// plus `added` holds at most kMaxTagsPerResource keys (kTooManyTags), then merges
// (overwriting values of existing keys). On error `existing` is unchanged.
StreamResult<void> AddTags(TagMap& existing, const TagMap& added, const TagOwner& owner);

// RemoveTagsFromStream / UntagResource: checks the keys' characters, then erases them
// (unknown keys are ignored).
StreamResult<void> RemoveTags(TagMap& existing, std::span<const std::string> keys,
                              const TagOwner& owner);

}  // namespace runnel::stream
