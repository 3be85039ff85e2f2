#include "cli/bench/h2_header_block.h"

namespace runnel::cli::bench {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Fields HTTP/2 forbids (RFC 9113 section 8.2.2); Host becomes :authority.
bool ConnectionSpecific(std::string_view lower) {
  return lower == "connection" || lower == "keep-alive" || lower == "proxy-connection" ||
         lower == "transfer-encoding" || lower == "upgrade" || lower == "te" || lower == "host";
}

nghttp2_nv Field(std::string_view name, std::string_view value) {
  return {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
          const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(value.data())), name.size(),
          value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

void H2HeaderBlock::Add(std::string_view name, std::string_view value) {
  nv_.push_back(Field(name, value));
}

bool H2HeaderBlock::Build(std::string_view head, std::string_view scheme) {
  nv_.clear();
  names_.clear();
  if (names_.capacity() < head.size()) names_.reserve(head.size() * 2);
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp1 == 0 || sp2 == sp1 + 1) return false;
  std::string_view method = line.substr(0, sp1);
  std::string_view path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view authority;
  // Pseudo-header fields first; :authority is filled in once Host is seen.
  Add(":method", method);
  Add(":scheme", scheme);
  Add(":authority", {});
  Add(":path", path);
  while (eol != std::string_view::npos) {
    size_t start = eol + 2;
    eol = head.find("\r\n", start);
    line = head.substr(start, eol == std::string_view::npos ? head.npos : eol - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the blank line ending the head
    std::string_view name = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    size_t at = names_.size();
    for (char c : name) names_ += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    std::string_view lower(names_.data() + at, name.size());
    if (lower == "host") authority = value;
    if (ConnectionSpecific(lower)) continue;
    Add(lower, value);
  }
  if (authority.empty()) return false;
  nv_[2] = Field(":authority", authority);
  return true;
}

}  // namespace runnel::cli::bench
