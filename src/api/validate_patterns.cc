// Pattern matchers and string helpers of request validation (api/validate.h): the
// hand-written equivalents of the AWS member patterns (no std::regex on the hot path),
// the pattern text AWS prints, Java String.length() of UTF-8 text and lower-camel paths.
#include "api/validate.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace runnel::api {
namespace {

// Character classes.

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' ||
         c == '.' || c == '-';
}
constexpr bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || IsDigit(c); }
// Java regex \s: [ \t\n\x0B\f\r].
constexpr bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r';
}
// Java regex '.' excludes line terminators (we check \n and \r; the rare Unicode ones are
// accepted).
constexpr bool IsLineTerminator(char c) { return c == '\n' || c == '\r'; }

bool AllNameChars(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsNameChar(c)) return false;
  return true;
}

// 0|([1-9]\d{0,max_extra})
bool MatchesDecimal(std::string_view s, size_t max_extra) {
  if (s == "0") return true;
  if (s.empty() || s.size() > max_extra + 1 || s[0] < '1' || s[0] > '9') return false;
  for (char c : s.substr(1))
    if (!IsDigit(c)) return false;
  return true;
}

bool NoWhitespace(std::string_view s) {
  for (char c : s)
    if (IsSpace(c)) return false;
  return true;
}

// Matches the shared ARN prefix "arn:aws.*:kinesis:.*:\d{12}:" and returns every position
// just after the final ':' through `visit(pos)`; stops at the first `visit` returning true.
// `.` never matches a line terminator, so those are rejected up front by the callers.
template <class Visit>
bool MatchArnPrefix(std::string_view s, Visit visit) {
  constexpr std::string_view kStart = "arn:aws";
  constexpr std::string_view kService = ":kinesis:";
  if (s.substr(0, kStart.size()) != kStart) return false;
  // The leftmost ":kinesis:" leaves the most room for the rest.
  size_t i = s.find(kService, kStart.size());
  if (i == std::string_view::npos) return false;
  // ".*:" then 12 digits then ':'; the ':' may be the last char of ":kinesis:".
  for (size_t j = i + kService.size() - 1; j + 14 <= s.size(); ++j) {
    if (s[j] != ':' || s[j + 13] != ':') continue;
    bool digits = true;
    for (size_t k = j + 1; k <= j + 12; ++k) digits = digits && IsDigit(s[k]);
    if (digits && visit(j + 14)) return true;
  }
  return false;
}

bool HasLineTerminator(std::string_view s) {
  for (char c : s)
    if (IsLineTerminator(c)) return true;
  return false;
}

// arn:aws.*:kinesis:.*:\d{12}:stream/\S+
bool MatchesStreamArn(std::string_view s) {
  if (HasLineTerminator(s)) return false;
  return MatchArnPrefix(s, [&](size_t pos) {
    std::string_view rest = s.substr(pos);
    return rest.size() > 7 && rest.substr(0, 7) == "stream/" && NoWhitespace(rest.substr(7));
  });
}

// arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+
bool MatchesResourceArn(std::string_view s) {
  if (HasLineTerminator(s)) return false;
  return MatchArnPrefix(s, [&](size_t pos) {
    for (size_t k = s.find("stream/", pos); k != std::string_view::npos;
         k = s.find("stream/", k + 1)) {
      std::string_view tail = s.substr(k + 7);
      if (!tail.empty() && NoWhitespace(tail)) return true;
    }
    return false;
  });
}

// ^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+
// Parsed from the right: names cannot contain '/' or ':', so every split is forced.
bool MatchesConsumerArn(std::string_view s) {
  if (HasLineTerminator(s)) return false;
  size_t end = s.size();
  size_t p = end;
  while (p > 0 && IsDigit(s[p - 1])) --p;
  if (p == end || p == 0 || s[p - 1] != ':') return false;
  size_t name2_end = p - 1;
  constexpr std::string_view kConsumer = "/consumer/";
  // The consumer name cannot contain '/', so it starts right after the last "/consumer/".
  std::string_view head = s.substr(0, name2_end);
  size_t c = head.rfind(kConsumer);
  if (c == std::string_view::npos || c + kConsumer.size() >= name2_end) return false;
  for (size_t k = c + kConsumer.size(); k < name2_end; ++k)
    if (!IsNameChar(s[k])) return false;
  size_t name1_end = c, r = name1_end;
  while (r > 0 && IsNameChar(s[r - 1])) --r;
  if (r == name1_end) return false;
  constexpr std::string_view kStream = "stream/";
  if (r < kStream.size() || s.substr(r - kStream.size(), kStream.size()) != kStream) return false;
  size_t limit = r - kStream.size();  // the prefix (incl. its ".*") must end by here
  return MatchArnPrefix(s, [&](size_t pos) { return pos <= limit; });
}

// [a-z0-9]{20}-[a-z0-9]{3}
bool MatchesStreamId(std::string_view s) {
  if (s.size() != 24 || s[20] != '-') return false;
  for (size_t i = 0; i < 24; ++i)
    if (i != 20 && !IsLowerAlnum(s[i])) return false;
  return true;
}
}  // namespace

std::string LowerCamel(std::string_view pascal) {
  std::string out(pascal);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

bool MatchesPattern(Pattern p, std::string_view s) {
  switch (p) {
    case Pattern::kNone:
      return true;
    case Pattern::kName:
      return AllNameChars(s);
    case Pattern::kHashKey:
      return MatchesDecimal(s, 38);
    case Pattern::kSequenceNumber:
      return MatchesDecimal(s, 128);
    case Pattern::kStreamArn:
      return MatchesStreamArn(s);
    case Pattern::kConsumerArn:
      return MatchesConsumerArn(s);
    case Pattern::kResourceArn:
      return MatchesResourceArn(s);
    case Pattern::kStreamId:
      return MatchesStreamId(s);
  }
  return false;
}

std::string_view PatternText(Pattern p) {
  switch (p) {
    case Pattern::kNone:
      return "";
    case Pattern::kName:
      return "[a-zA-Z0-9_.-]+";
    case Pattern::kHashKey:
      return "0|([1-9]\\d{0,38})";
    case Pattern::kSequenceNumber:
      return "0|([1-9]\\d{0,128})";
    case Pattern::kStreamArn:
      return "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+";
    case Pattern::kConsumerArn:
      return "^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/"
             "[a-zA-Z0-9_.-]+:[0-9]+";
    case Pattern::kResourceArn:
      return "arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+";
    case Pattern::kStreamId:
      return "[a-z0-9]{20}-[a-z0-9]{3}";
  }
  return "";
}

size_t Utf16Length(std::string_view utf8) {
  size_t n = 0, i = 0;
  // ASCII eight bytes at a time (each byte one code unit), up to the first word that is not.
  for (; i + 8 <= utf8.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, utf8.data() + i, sizeof(word));
    if ((word & 0x8080808080808080ull) != 0) break;
    n += 8;
  }
  for (char ch : utf8.substr(i)) {
    auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) ++n;  // a lead byte starts a code point
    if (c >= 0xF0) ++n;           // 4-byte sequence: a surrogate pair in UTF-16
  }
  return n;
}
}  // namespace runnel::api
