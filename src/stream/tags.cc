#include "stream/tags.h"

#include <locale.h>
#include <wctype.h>

#include <vector>

namespace runnel::stream {
namespace {

// Decodes one UTF-8 sequence at `p`; returns the code point (or -1 if malformed) and
// advances `p`. simdjson has already rejected invalid UTF-8, so -1 is defensive only.
int32_t NextCodePoint(const unsigned char*& p, const unsigned char* end) {
  unsigned char c = *p++;
  if (c < 0x80) return c;
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
  if (extra < 0 || end - p < extra) return -1;
  int32_t cp = c & (0x3F >> extra);
  for (int i = 0; i < extra; ++i) {
    if ((p[i] & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  p += extra;
  return cp;
}

// Unicode category Zs (space separators) outside ASCII.
bool IsSpaceSeparator(int32_t cp) {
  return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// glibc's C.UTF-8 locale classifies all of Unicode; obtained once, never installed globally.
locale_t Utf8Locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t(0));
  return loc;
}

bool IsUnicodeLetterOrDigit(int32_t cp) {
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  locale_t loc = Utf8Locale();
  if (loc == locale_t(0)) return true;  // no classification available: be permissive
  return iswalnum_l(static_cast<wint_t>(cp), loc) != 0;
}

}  // namespace

TagText ClassifyTagText(std::string_view utf8) {
  bool percent = false;
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const auto* end = p + utf8.size();
  while (p < end) {
    int32_t cp = NextCodePoint(p, end);
    if (cp < 0) return TagText::kInvalid;
    if (cp < 0x80) {
      char c = static_cast<char>(cp);
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '/' || c == '=' || c == '+' || c == '-' ||
                c == '@' || c == ' ';
      if (c == '%') {
        percent = true;
      } else if (!ok) {
        return TagText::kInvalid;
      }
      continue;
    }
    if (!IsSpaceSeparator(cp) && !IsUnicodeLetterOrDigit(cp)) return TagText::kInvalid;
  }
  return percent ? TagText::kPercent : TagText::kValid;
}

StreamResult<void> CheckTagCharacters(std::span<const std::string_view> strings, TagOp op,
                                      const TagOwner& owner) {
  bool percent = false;
  for (std::string_view s : strings) {
    switch (ClassifyTagText(s)) {
      case TagText::kValid: break;
      case TagText::kPercent: percent = true; break;
      case TagText::kInvalid: {
        StreamError e;
        e.code = StreamErrc::kTagsInvalidCharacters;
        e.stream = std::string(owner.stream);
        e.account = std::string(owner.account);
        return MakeUnexpected(std::move(e));
      }
    }
  }
  if (percent) {
    StreamError e;
    e.code = StreamErrc::kTagsIllegalCharacters;
    e.stream = std::string(owner.stream);
    e.account = std::string(owner.account);
    e.value = op == TagOp::kAdd ? "add" : "remove";
    return MakeUnexpected(std::move(e));
  }
  return {};
}

StreamResult<void> AddTags(TagMap& existing, const TagMap& added, const TagOwner& owner) {
  std::vector<std::string_view> strings;
  strings.reserve(added.size() * 2);
  for (const auto& [k, v] : added) {
    strings.push_back(k);
    strings.push_back(v);
  }
  if (auto r = CheckTagCharacters(strings, TagOp::kAdd, owner); !r) return r;
  size_t total = existing.size();
  for (const auto& [k, v] : added) total += existing.count(k) ? 0 : 1;
  if (total > kMaxTagsPerResource) {
    StreamError e;
    e.code = StreamErrc::kTooManyTags;
    e.stream = std::string(owner.stream);
    e.account = std::string(owner.account);
    e.n1 = static_cast<int64_t>(kMaxTagsPerResource);
    return MakeUnexpected(std::move(e));
  }
  for (const auto& [k, v] : added) existing.insert_or_assign(k, v);
  return {};
}

StreamResult<void> RemoveTags(TagMap& existing, std::span<const std::string> keys,
                              const TagOwner& owner) {
  std::vector<std::string_view> strings(keys.begin(), keys.end());
  if (auto r = CheckTagCharacters(strings, TagOp::kRemove, owner); !r) return r;
  for (const auto& k : keys) {
    if (auto it = existing.find(k); it != existing.end()) existing.erase(it);
  }
  return {};
}

}  // namespace runnel::stream
