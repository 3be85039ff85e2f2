#include "api/auth/credentials_file.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace runnel::api::auth {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

struct Profile {
  std::string name;
  int line = 0;
  Credential cred;
};

}  // namespace

bool IsAccountId(std::string_view s) {
  if (s.size() != 12) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Result<CredentialStore, std::string> CredentialStore::Parse(std::string_view text,
                                                            std::string_view default_account) {
  CredentialStore store;
  Profile current;
  bool in_profile = false;

  auto finish = [&]() -> std::string {
    if (!in_profile) return {};
    Credential& c = current.cred;
    if (c.access_key_id.empty() && c.secret_access_key.empty()) return {};  // e.g. config only
    if (c.access_key_id.empty() || c.secret_access_key.empty()) {
      return fmt::format("profile [{}] (line {}) needs both aws_access_key_id and "
                         "aws_secret_access_key",
                         current.name, current.line);
    }
    if (c.account_id.empty()) c.account_id = std::string(default_account);
    if (!IsAccountId(c.account_id)) {
      return fmt::format("profile [{}] (line {}): account_id must be 12 digits", current.name,
                         current.line);
    }
    if (!store.by_key_id_.emplace(c.access_key_id, c).second) {
      return fmt::format("profile [{}] (line {}): access key id {} is already used by another "
                         "profile",
                         current.name, current.line, c.access_key_id);
    }
    return {};
  };

  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = Trim(text.substr(pos, eol - pos));
    pos = eol + 1;
    ++line_no;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') return MakeUnexpected(fmt::format("line {}: unterminated [", line_no));
      if (std::string err = finish(); !err.empty()) return MakeUnexpected(err);
      current = Profile{};
      current.name = std::string(Trim(line.substr(1, line.size() - 2)));
      if (current.name.rfind("profile ", 0) == 0) current.name = Trim(current.name.substr(8));
      current.line = line_no;
      in_profile = true;
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return MakeUnexpected(fmt::format("line {}: expected 'key = value'", line_no));
    }
    if (!in_profile) {
      return MakeUnexpected(fmt::format("line {}: key outside a [profile] section", line_no));
    }
    std::string_view key = Trim(line.substr(0, eq));
    std::string_view value = Trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") {
      current.cred.access_key_id = std::string(value);
    } else if (key == "aws_secret_access_key") {
      current.cred.secret_access_key = std::string(value);
    } else if (key == "account_id" || key == "aws_account_id") {
      current.cred.account_id = std::string(value);
    }
  }
  if (std::string err = finish(); !err.empty()) return MakeUnexpected(err);
  return store;
}

Result<CredentialStore, std::string> CredentialStore::Load(const std::string& path,
                                                           std::string_view default_account) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeUnexpected(fmt::format("cannot read credentials file {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto store = Parse(ss.str(), default_account);
  if (!store) return MakeUnexpected(fmt::format("{}: {}", path, store.error()));
  return store;
}

const Credential* CredentialStore::Find(std::string_view access_key_id) const {
  auto it = by_key_id_.find(access_key_id);
  return it == by_key_id_.end() ? nullptr : &it->second;
}

}  // namespace runnel::api::auth
