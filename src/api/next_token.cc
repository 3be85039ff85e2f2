#include "api/next_token.h"

#include <fmt/format.h>

#include <charconv>

#include "common/base64.h"

namespace runnel::api {
namespace {
constexpr std::string_view kMagic = "rnl1";

// '|' and '\\' are escaped so that names containing them cannot confuse the split.
void AppendEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '|' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
}
}  // namespace

std::string EncodeNextToken(const NextToken& t) {
  std::string raw(kMagic);
  raw += fmt::format("|{}|", t.issued_ms);
  AppendEscaped(raw, t.stream);
  raw.push_back('|');
  AppendEscaped(raw, t.position);
  raw.push_back('|');
  AppendEscaped(raw, t.extra);
  std::string out;
  base64::EncodeAppend(raw, out);
  return out;
}

std::optional<NextToken> DecodeNextToken(std::string_view token) {
  std::string raw;
  if (base64::DecodeAppend(token, raw).error != base64::DecodeError::kNone) return std::nullopt;
  std::string fields[5];
  int n = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      fields[n].push_back(raw[++i]);
    } else if (c == '|') {
      if (++n >= 5) return std::nullopt;
    } else {
      fields[n].push_back(c);
    }
  }
  if (n != 4 || fields[0] != kMagic) return std::nullopt;
  NextToken t;
  auto [p, ec] = std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), t.issued_ms);
  if (ec != std::errc() || p != fields[1].data() + fields[1].size()) return std::nullopt;
  t.stream = std::move(fields[2]);
  t.position = std::move(fields[3]);
  t.extra = std::move(fields[4]);
  return t;
}

}  // namespace runnel::api
